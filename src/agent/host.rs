//! Readings of the host this agent runs on: memory from /proc/meminfo, CPU
//! shares from /proc/stat deltas, load from /proc/loadavg.
//!
//! Where the host cannot tell (no /proc), the readings are absent rather than
//! invented; the modelled values live in `model`.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::proto::{CpuUtilization, LoadAverages, MemoryUse};

/// The intervals `show chassis routing-engine` averages CPU time over.
pub const CPU_INTERVALS: [u32; 4] = [5, 60, 300, 900];

/// Cumulative CPU time counters of the host, in clock ticks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CpuTimes {
    user: u64,
    nice: u64,
    system: u64,
    interrupt: u64,
    idle: u64,
}

impl CpuTimes {
    /// Parses the aggregate `cpu` line of /proc/stat.
    pub fn parse(stat: &str) -> Option<CpuTimes> {
        let line = stat.lines().find(|l| l.starts_with("cpu "))?;
        let v: Vec<u64> = line.split_whitespace().skip(1).map_while(|f| f.parse().ok()).collect();
        let get = |i: usize| v.get(i).copied().unwrap_or(0);
        if v.len() < 4 {
            return None;
        }
        Some(CpuTimes {
            user: get(0),
            nice: get(1),
            system: get(2),
            idle: get(3) + get(4),
            interrupt: get(5) + get(6),
        })
    }

    fn read() -> Option<CpuTimes> {
        CpuTimes::parse(&std::fs::read_to_string("/proc/stat").ok()?)
    }

    /// Whole-percent shares of the time between `earlier` and `self`. Junos calls
    /// niced time "Background".
    pub fn shares_since(&self, earlier: &CpuTimes, interval_seconds: u32) -> CpuUtilization {
        let d = |a: u64, b: u64| a.saturating_sub(b);
        let parts = [
            d(self.user, earlier.user),
            d(self.nice, earlier.nice),
            d(self.system, earlier.system),
            d(self.interrupt, earlier.interrupt),
            d(self.idle, earlier.idle),
        ];
        let total: u64 = parts.iter().sum();
        CpuUtilization {
            interval_seconds,
            user: percent(parts[0], total),
            background: percent(parts[1], total),
            kernel: percent(parts[2], total),
            interrupt: percent(parts[3], total),
            idle: if total == 0 { 100 } else { percent(parts[4], total) },
        }
    }
}

/// `part` of `total` in whole percent, rounded; 0 of nothing.
fn percent(part: u64, total: u64) -> u32 {
    (part * 100 + total / 2).checked_div(total).unwrap_or(0) as u32
}

/// Samples the CPU counters once a second and keeps fifteen minutes of them,
/// so each averaging interval is one subtraction when asked.
#[derive(Clone, Default)]
pub struct CpuHistory {
    samples: Arc<Mutex<VecDeque<(Instant, CpuTimes)>>>,
}

const SAMPLE_EVERY: Duration = Duration::from_secs(1);
const KEEP_SAMPLES: usize = 15 * 60 + 1;

impl CpuHistory {
    /// Starts the sampling task on the current runtime; it ends with the runtime.
    /// The first sample is taken here, so that the RE's status has its CPU
    /// from the start, whatever runs before the task does.
    pub fn start() -> CpuHistory {
        let history = CpuHistory::default();
        if let Some(now) = CpuTimes::read() {
            history.samples.lock().unwrap_or_else(|e| e.into_inner()).push_back((Instant::now(), now));
        }
        let samples = Arc::downgrade(&history.samples);
        tokio::spawn(async move {
            let start = tokio::time::Instant::now() + SAMPLE_EVERY;
            let mut tick = tokio::time::interval_at(start, SAMPLE_EVERY);
            loop {
                tick.tick().await;
                let (Some(samples), Some(now)) = (samples.upgrade(), CpuTimes::read()) else {
                    break;
                };
                let mut samples = samples.lock().unwrap_or_else(|e| e.into_inner());
                if samples.len() == KEEP_SAMPLES {
                    samples.pop_front();
                }
                samples.push_back((Instant::now(), now));
            }
        });
        history
    }

    /// Utilization over each of `intervals` seconds, measured against the
    /// oldest sample inside the interval (or the oldest there is, soon after start).
    pub fn utilization(&self, intervals: &[u32]) -> Vec<CpuUtilization> {
        let Some(now) = CpuTimes::read() else {
            return Vec::new();
        };
        let samples = self.samples.lock().unwrap_or_else(|e| e.into_inner());
        let taken = Instant::now();
        intervals
            .iter()
            .filter_map(|&secs| {
                let window = Duration::from_secs(u64::from(secs));
                let (_, earlier) =
                    samples.iter().find(|(at, _)| taken.duration_since(*at) <= window).or(samples.front())?;
                Some(now.shares_since(earlier, secs))
            })
            .collect()
    }
}

/// Memory as Junos shows it: DRAM seen by the OS, the installed size it comes
/// from, and the share in use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Memory {
    pub dram_mb: u64,
    pub installed_mb: u64,
    pub utilization_percent: u32,
}

/// A /proc/meminfo field (`MemTotal:`), in KiB.
fn meminfo_field(meminfo: &str, name: &str) -> Option<u64> {
    let line = meminfo.lines().find(|l| l.starts_with(name))?;
    line[name.len()..].split_whitespace().next()?.parse().ok()
}

impl Memory {
    pub fn parse(meminfo: &str) -> Option<Memory> {
        let field = |name: &str| meminfo_field(meminfo, name);
        let total_kb = field("MemTotal:")?;
        let available_kb = field("MemAvailable:").or_else(|| field("MemFree:"))?;
        let dram_mb = total_kb / 1024;
        // The kernel keeps some memory for itself; installed memory is the next
        // whole gibibyte up.
        let installed_mb = dram_mb.div_ceil(1024) * 1024;
        let used = total_kb.saturating_sub(available_kb);
        let utilization_percent = percent(used, total_kb);
        Some(Memory { dram_mb, installed_mb, utilization_percent })
    }

    pub fn read() -> Option<Memory> {
        Memory::parse(&std::fs::read_to_string("/proc/meminfo").ok()?)
    }
}

/// The host's memory by use, named as top names it on the RE: Linux's
/// unevictable pages are what FreeBSD calls wired.
pub fn parse_memory_use(meminfo: &str) -> Option<MemoryUse> {
    let field = |name: &str| meminfo_field(meminfo, name);
    Some(MemoryUse {
        active_kb: field("Active:")?,
        inactive_kb: field("Inactive:")?,
        wired_kb: field("Unevictable:").unwrap_or(0),
        cache_kb: field("Cached:")?,
        buffer_kb: field("Buffers:")?,
        free_kb: field("MemFree:")?,
        swap_total_kb: field("SwapTotal:").unwrap_or(0),
        swap_free_kb: field("SwapFree:").unwrap_or(0),
    })
}

pub fn memory_use() -> Option<MemoryUse> {
    parse_memory_use(&std::fs::read_to_string("/proc/meminfo").ok()?)
}

pub fn parse_load_averages(loadavg: &str) -> Option<LoadAverages> {
    let mut fields = loadavg.split_whitespace().map(|f| f.parse::<f64>().ok());
    Some(LoadAverages { one: fields.next()??, five: fields.next()??, fifteen: fields.next()?? })
}

pub fn load_averages() -> Option<LoadAverages> {
    parse_load_averages(&std::fs::read_to_string("/proc/loadavg").ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_shares_come_from_counter_deltas() {
        let a = CpuTimes::parse("cpu  100 0 50 800 0 10 0 0 0 0\ncpu0 1 2 3 4\n").unwrap();
        let b = CpuTimes::parse("cpu  160 10 70 890 10 20 0 0 0 0\n").unwrap();
        let u = b.shares_since(&a, 5);
        assert_eq!((u.user, u.background, u.kernel, u.interrupt, u.idle), (30, 5, 10, 5, 50));
        let idle = a.shares_since(&a, 60);
        assert_eq!((idle.user, idle.idle), (0, 100));
    }

    #[test]
    fn memory_from_meminfo() {
        let m = Memory::parse("MemTotal:       24609636 kB\nMemFree: 1 kB\nMemAvailable:   18457227 kB\n")
            .unwrap();
        assert_eq!(m, Memory { dram_mb: 24032, installed_mb: 24576, utilization_percent: 25 });
        assert_eq!(Memory::parse("nothing here"), None);
        let meminfo = "MemTotal: 24683664 kB\nMemFree: 11182172 kB\nBuffers: 18408 kB\nCached: 12304020 kB\n\
                       SwapCached: 0 kB\nActive: 3693536 kB\nInactive: 9055200 kB\nActive(anon): 1596 kB\n\
                       Unevictable: 14160 kB\nSwapTotal: 2097148 kB\nSwapFree: 2097000 kB\n";
        let used = parse_memory_use(meminfo).unwrap();
        assert_eq!(
            used,
            MemoryUse {
                active_kb: 3693536,
                inactive_kb: 9055200,
                wired_kb: 14160,
                cache_kb: 12304020,
                buffer_kb: 18408,
                free_kb: 11182172,
                swap_total_kb: 2097148,
                swap_free_kb: 2097000,
            }
        );
    }

    #[test]
    fn load_from_loadavg() {
        let l = parse_load_averages("0.52 0.58 0.59 1/389 12345\n").unwrap();
        assert_eq!((l.one, l.five, l.fifteen), (0.52, 0.58, 0.59));
        assert!(parse_load_averages("x").is_none());
    }
}
