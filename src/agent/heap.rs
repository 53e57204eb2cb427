//! Giving freed memory back to the system. glibc's allocator keeps the
//! pages of freed small blocks for reuse; after a large configuration is
//! committed, that is hundreds of megabytes of a delta, a copy and a parse
//! the agent will not need again until the next such change.

/// Returns what the allocator holds free to the system.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn give_back() {
    // SAFETY: malloc_trim only releases memory no allocation holds; it
    // takes the allocator's own locks.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Other allocators return memory on their own terms.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn give_back() {}
