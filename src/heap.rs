//! How the process's allocator is set up and given memory back: for trees
//! of millions of small nodes, made and released whole.

/// Turns glibc's fast bins off. A configuration released leaves a million
/// or more freed nodes in them, which glibc merges all at once at the next
/// large request: the next load, in the middle of its reading, paid for
/// the last one's release. Without them a freed block is merged as it is
/// freed, and the tree's release itself is no slower.
pub fn tune() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets a parameter of the allocator, which glibc
    // guards itself; it is called before the process makes its threads.
    unsafe {
        libc::mallopt(libc::M_MXFAST, 0);
    }
}

/// Returns what the allocator holds free to the system. glibc keeps the
/// pages of freed small blocks for reuse; after a large configuration is
/// committed, that is hundreds of megabytes of a delta, a copy and a parse
/// the agent will not need again until the next such change.
pub fn give_back() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases memory no allocation holds; it
    // takes the allocator's own locks.
    unsafe {
        libc::malloc_trim(0);
    }
}
