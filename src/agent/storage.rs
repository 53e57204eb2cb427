//! The RE's disks as `show system storage` lists them, and the configuration
//! database's size (`show system configuration database usage`). The
//! partitions are the modelled RE's; `/var` holds the RE's file area, so
//! what users save there shows in its use.

use std::path::Path;

use crate::proto::{DatabaseUsage, Filesystem};

/// `/var` as a freshly installed RE has it, in KiB.
const VAR_BASE_KB: u64 = 1_342_177;

/// The database's limit on an MX RE.
const DATABASE_MAXIMUM_BYTES: u64 = 1632 * 1024 * 1024;

pub fn filesystems(file_area: &Path) -> Vec<Filesystem> {
    let fs = |name: &str, total: u64, used: u64, mounted_on: &str| Filesystem {
        name: name.into(),
        total_blocks: total,
        used_blocks: used.min(total),
        available_blocks: total.saturating_sub(used),
        mounted_on: mounted_on.into(),
    };
    let var_used = VAR_BASE_KB + bytes_under(file_area).div_ceil(1024);
    vec![
        fs("/dev/gpt/junos", 20_307_196, 1_593_444, "/.mount"),
        fs("/dev/gpt/config", 1_524_648, 484, "/.mount/config"),
        fs("/dev/gpt/var", 35_498_548, var_used, "/.mount/var"),
        fs("tmpfs", 9_758_016, 28, "/.mount/tmp"),
        fs("tmpfs", 333_312, 8_036, "/.mount/mfs"),
    ]
}

/// The bytes of the files under `dir`, not following links.
fn bytes_under(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    entries
        .flatten()
        .map(|entry| match entry.file_type() {
            Ok(kind) if kind.is_dir() => bytes_under(&entry.path()),
            Ok(kind) if kind.is_file() => entry.metadata().map_or(0, |m| m.len()),
            _ => 0,
        })
        .sum()
}

/// The database holds the committed configuration; what it uses is what
/// that needs, a little less than its pages on disk.
pub fn database_usage(committed_bytes: u64) -> DatabaseUsage {
    let size_bytes = committed_bytes.div_ceil(4096).max(1) * 4096;
    DatabaseUsage { maximum_bytes: DATABASE_MAXIMUM_BYTES, size_bytes, used_bytes: committed_bytes }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saved_files_count_in_var() {
        let dir = tempfile::tempdir().unwrap();
        let before = filesystems(dir.path())[2].used_blocks;
        std::fs::create_dir(dir.path().join("home")).unwrap();
        std::fs::write(dir.path().join("home/big"), vec![0u8; 10 * 1024]).unwrap();
        let after = &filesystems(dir.path())[2];
        assert_eq!(after.used_blocks, before + 10);
        assert_eq!(after.used_blocks + after.available_blocks, after.total_blocks);
    }

    #[test]
    fn database_size_is_whole_pages() {
        let usage = database_usage(5000);
        assert_eq!((usage.size_bytes, usage.used_bytes), (8192, 5000));
    }
}
