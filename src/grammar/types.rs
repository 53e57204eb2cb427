//! Argument types of the grammar and the checks a typed value must pass.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

/// The type of an argument node: what a token must look like to be taken as its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArgType {
    String,
    Filename,
    Int {
        min: i64,
        max: i64,
    },
    Ipv4,
    Ipv6,
    /// Either address family.
    Ip,
    Ipv4Prefix,
    Ipv6Prefix,
    /// A prefix of either family.
    Prefix,
    /// An address or a prefix, of either family.
    IpOrPrefix,
    /// An interface as Junos names it: `ge-0/0/0`, `ae0`, `lo0.0`, `irb.10`.
    InterfaceName,
    /// A number that may end in a multiplier, `k`, `m` or `g`: decimal for
    /// a bandwidth (`10g`), binary for a size (`1m`); the range is of the
    /// multiplied value.
    Scaled {
        min: u64,
        max: u64,
        binary: bool,
    },
    /// One of a fixed set of words; they complete and abbreviate like keywords.
    Enum(Vec<String>),
    /// The rest of the command: a configuration path (or a command for `run`)
    /// that its handler reads itself.
    Path,
}

/// Refuses text with a control character: an escape sequence or a line break
/// in a value, an annotation or a commit comment would land in every prompt,
/// log line and listing that prints it.
pub fn free_of_control(value: &str) -> Result<(), String> {
    // Bytes first: those of ASCII's controls are never part of another
    // character; C1 controls (U+0080 to U+009F) only past ASCII.
    // Folded rather than stopped at the first: a whole value at a time.
    let ascii_control = value.bytes().fold(false, |found, b| found | (b < 0x20) | (b == 0x7f));
    if ascii_control || !value.is_ascii() && value.chars().any(char::is_control) {
        return Err(format!("invalid value: '{}': control characters are not allowed", value.escape_debug()));
    }
    Ok(())
}

impl ArgType {
    /// Checks `value`, returning the Junos message for a value of the wrong shape.
    pub fn check(&self, value: &str) -> Result<(), String> {
        free_of_control(value)?;
        match self {
            ArgType::String | ArgType::Path => Ok(()),
            ArgType::Filename => {
                if value.is_empty() {
                    Err(format!("invalid filename: '{value}'"))
                } else {
                    Ok(())
                }
            }
            ArgType::Int { min, max } => {
                let n: i64 = value.parse().map_err(|_| format!("invalid numeric value: '{value}'"))?;
                if n < *min || n > *max {
                    Err(format!("Value {n} is not within range ({min}..{max})"))
                } else {
                    Ok(())
                }
            }
            ArgType::Ipv4 => check_ipv4(value),
            ArgType::Ipv6 => check_ipv6(value),
            ArgType::Ip => {
                if value.contains(':') {
                    check_ipv6(value)
                } else {
                    check_ipv4(value)
                }
            }
            ArgType::Ipv4Prefix => check_prefix(value, 32, check_ipv4),
            ArgType::Ipv6Prefix => check_prefix(value, 128, check_ipv6),
            ArgType::Prefix => {
                if value.contains(':') {
                    check_prefix(value, 128, check_ipv6)
                } else {
                    check_prefix(value, 32, check_ipv4)
                }
            }
            ArgType::IpOrPrefix => {
                if value.contains('/') {
                    ArgType::Prefix.check(value)
                } else {
                    ArgType::Ip.check(value)
                }
            }
            ArgType::InterfaceName => check_interface_name(value),
            ArgType::Scaled { min, max, binary } => {
                let n = scaled(value, *binary).ok_or_else(|| format!("invalid numeric value: '{value}'"))?;
                if n < *min || n > *max {
                    Err(format!("Value {value} is not within range ({min}..{max})"))
                } else {
                    Ok(())
                }
            }
            ArgType::Enum(values) => {
                if values.iter().any(|v| v == value) {
                    Ok(())
                } else {
                    Err(format!("invalid value: '{value}'"))
                }
            }
        }
    }

    /// What `?` appends to an argument's help text, as Junos shows ranges.
    pub fn help_suffix(&self) -> Option<String> {
        match self {
            ArgType::Int { min, max } => Some(format!("({min}..{max})")),
            ArgType::Scaled { min, max, .. } => Some(format!("({min}..{max})")),
            _ => None,
        }
    }
}

fn check_ipv4(value: &str) -> Result<(), String> {
    if value.parse::<Ipv4Addr>().is_ok() {
        return Ok(());
    }
    let octets: Vec<&str> = value.split('.').collect();
    if octets.len() == 4
        && let Some(bad) = octets.iter().find(|o| o.parse::<u8>().is_err())
    {
        return Err(format!("invalid value '{bad}' in ip address: '{value}'"));
    }
    Err(format!("invalid ip address: '{value}'"))
}

/// `10g` as 10_000_000_000 (or 10 << 30 when `binary`); `None` when it is
/// not a number with an optional multiplier.
fn scaled(value: &str, binary: bool) -> Option<u64> {
    let (digits, unit) = match value.char_indices().last()? {
        (i, c) if c.is_ascii_alphabetic() => (&value[..i], Some(c.to_ascii_lowercase())),
        _ => (value, None),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let base: u64 = if binary { 1024 } else { 1000 };
    let multiplier = match unit {
        None => 1,
        Some('k') => base,
        Some('m') => base.pow(2),
        Some('g') => base.pow(3),
        Some(_) => return None,
    };
    digits.parse::<u64>().ok()?.checked_mul(multiplier)
}

/// The interface types named `type-fpc/pic/port` (a channel `:n` may follow).
const SLOTTED: &[&str] = &[
    "ge", "xe", "et", "fe", "so", "at", "gr", "ip", "lt", "mt", "pe", "pd", "vt", "si", "sp", "ms", "ls",
    "lsq", "cp", "ds", "e1", "e3", "t1", "t3", "ce1", "ct1", "ct3", "fti", "mo", "rlsq", "ps", "ut", "mge",
    "xle", "fte", "sxe",
];

/// The interface types named by a word and an optional number.
const UNSLOTTED: &[&str] = &[
    "ae", "lo", "em", "fxp", "me", "vme", "irb", "vlan", "reth", "st", "fab", "dsc", "gre", "ipip", "lsi",
    "mtun", "pimd", "pime", "tap", "cbp", "pip", "esi", "vtep", "jsrv", "bme", "rbeb", "swfab", "demux",
    "pp", "ps", "fti", "ams", "rlsq",
];

/// Checks an interface name as Junos does: a known type, its numbers, and
/// an optional logical unit `.n`.
fn check_interface_name(value: &str) -> Result<(), String> {
    let number = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && s.parse::<u32>().is_ok();
    let (device, unit) = match value.split_once('.') {
        Some((device, unit)) => (device, Some(unit)),
        None => (value, None),
    };
    if unit.is_some_and(|u| !number(u)) {
        return Err(format!("invalid interface unit number in '{value}'"));
    }
    let shaped = match device.split_once('-') {
        Some((kind, slot)) if SLOTTED.contains(&kind) => {
            let (slot, channel) = slot.split_once(':').map_or((slot, None), |(s, c)| (s, Some(c)));
            let parts: Vec<&str> = slot.split('/').collect();
            if parts.len() != 3 || !parts.iter().all(|p| number(p)) || channel.is_some_and(|c| !number(c)) {
                return Err(format!("invalid interface name: '{value}'"));
            }
            true
        }
        Some(_) => false,
        None => {
            let kind = device.trim_end_matches(|c: char| c.is_ascii_digit());
            UNSLOTTED.contains(&kind)
        }
    };
    if !shaped {
        return Err(format!("invalid interface type in '{value}'"));
    }
    Ok(())
}

fn check_ipv6(value: &str) -> Result<(), String> {
    value.parse::<Ipv6Addr>().map(|_| ()).map_err(|_| format!("invalid ipv6 address: '{value}'"))
}

fn check_prefix(
    value: &str,
    max_len: u32,
    check_address: fn(&str) -> Result<(), String>,
) -> Result<(), String> {
    let Some((address, length)) = value.split_once('/') else {
        return Err(format!("missing or invalid prefix length in address '{value}'"));
    };
    check_address(address)?;
    let length: u32 = length
        .parse()
        .map_err(|_| format!("missing or invalid prefix length '{length}' in address '{value}'"))?;
    if length > max_len {
        return Err(format!("prefix length '{length}' is larger than {max_len} in address '{value}'"));
    }
    Ok(())
}

impl fmt::Display for ArgType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ArgType::String => f.write_str("string"),
            ArgType::Filename => f.write_str("filename"),
            ArgType::Path => f.write_str("path"),
            ArgType::Int { min, max } => write!(f, "int({min}..{max})"),
            ArgType::Ipv4 => f.write_str("ipv4"),
            ArgType::Ipv6 => f.write_str("ipv6"),
            ArgType::Ip => f.write_str("ip"),
            ArgType::Ipv4Prefix => f.write_str("ipv4-prefix"),
            ArgType::Ipv6Prefix => f.write_str("ipv6-prefix"),
            ArgType::Prefix => f.write_str("prefix"),
            ArgType::IpOrPrefix => f.write_str("ip-or-prefix"),
            ArgType::InterfaceName => f.write_str("interface-name"),
            ArgType::Scaled { min, max, binary: false } => write!(f, "bandwidth({min}..{max})"),
            ArgType::Scaled { min, max, binary: true } => write!(f, "size({min}..{max})"),
            ArgType::Enum(values) => write!(f, "enum({})", values.join("|")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_are_checked_against_their_range() {
        let t = ArgType::Int { min: 2, max: 10000 };
        assert_eq!(t.check("300"), Ok(()));
        assert_eq!(t.check("1"), Err("Value 1 is not within range (2..10000)".into()));
        assert_eq!(t.check("x1"), Err("invalid numeric value: 'x1'".into()));
        assert_eq!(t.help_suffix().as_deref(), Some("(2..10000)"));
    }

    #[test]
    fn control_characters_are_refused_in_every_value() {
        for t in [ArgType::String, ArgType::Filename, ArgType::Path, ArgType::Enum(vec!["a\nb".into()])] {
            assert_eq!(
                t.check("r1\x1b[2J\n"),
                Err("invalid value: 'r1\\u{1b}[2J\\n': control characters are not allowed".into())
            );
            assert_eq!(
                t.check("r1\tx"),
                Err("invalid value: 'r1\\tx': control characters are not allowed".into())
            );
        }
        assert_eq!(ArgType::String.check("ré-1 \"quoted\""), Ok(()));
        // DEL, and a C1 control past ASCII, are controls too.
        assert!(ArgType::String.check("a\x7fb").is_err());
        assert!(ArgType::String.check("é\u{85}").is_err());
        assert_eq!(ArgType::String.check("é\u{a0}\u{100}"), Ok(()));
    }

    #[test]
    fn addresses_and_prefixes_use_junos_messages() {
        assert_eq!(ArgType::Ipv4.check("10.0.0.1"), Ok(()));
        assert_eq!(
            ArgType::Ipv4.check("100.1.1.256"),
            Err("invalid value '256' in ip address: '100.1.1.256'".into())
        );
        assert_eq!(ArgType::Ip.check("2001:db8::1"), Ok(()));
        assert!(ArgType::Ipv6.check("::-1").is_err());
        assert_eq!(ArgType::Prefix.check("10.0.0.0/8"), Ok(()));
        assert_eq!(
            ArgType::Ipv4Prefix.check("100.1.1.0/33"),
            Err("prefix length '33' is larger than 32 in address '100.1.1.0/33'".into())
        );
        assert_eq!(
            ArgType::Ipv4Prefix.check("100.1.1.0/-1"),
            Err("missing or invalid prefix length '-1' in address '100.1.1.0/-1'".into())
        );
        assert_eq!(ArgType::Ipv6Prefix.check("2001:db8::/32"), Ok(()));
    }

    #[test]
    fn interface_names_are_checked_as_junos_names_them() {
        for good in [
            "ge-0/0/0",
            "xe-1/2/3.100",
            "et-0/0/1:2",
            "ae0",
            "ae12.0",
            "lo0.0",
            "fxp0",
            "em0",
            "irb.10",
            "vlan",
            "mge-0/0/3",
            "xe-1/0/0:1",
            "fti0",
            "st0.1",
            "reth1",
            "ps0.10",
        ] {
            assert_eq!(ArgType::InterfaceName.check(good), Ok(()), "{good}");
        }
        assert_eq!(ArgType::InterfaceName.check("foo0"), Err("invalid interface type in 'foo0'".into()));
        assert_eq!(
            ArgType::InterfaceName.check("qe-0/0/0"),
            Err("invalid interface type in 'qe-0/0/0'".into())
        );
        assert_eq!(ArgType::InterfaceName.check("ge-0/0"), Err("invalid interface name: 'ge-0/0'".into()));
        assert_eq!(
            ArgType::InterfaceName.check("ge-0/0/x"),
            Err("invalid interface name: 'ge-0/0/x'".into())
        );
        assert_eq!(
            ArgType::InterfaceName.check("ge-0/0/0.a"),
            Err("invalid interface unit number in 'ge-0/0/0.a'".into())
        );
    }

    #[test]
    fn scaled_numbers_take_a_multiplier_and_a_range() {
        let bandwidth = ArgType::Scaled { min: 1000, max: 100_000_000_000, binary: false };
        assert_eq!(bandwidth.check("10g"), Ok(()));
        assert_eq!(bandwidth.check("1500"), Ok(()));
        assert_eq!(
            bandwidth.check("200g"),
            Err("Value 200g is not within range (1000..100000000000)".into())
        );
        assert_eq!(bandwidth.check("10x"), Err("invalid numeric value: '10x'".into()));
        assert_eq!(bandwidth.check("g"), Err("invalid numeric value: 'g'".into()));
        let size = ArgType::Scaled { min: 65536, max: 1 << 30, binary: true };
        assert_eq!(size.check("1m"), Ok(()));
        assert_eq!(size.check("1g"), Ok(()));
        assert!(size.check("2g").is_err());
        assert_eq!(size.to_string(), "size(65536..1073741824)");
    }

    #[test]
    fn either_an_address_or_a_prefix() {
        assert_eq!(ArgType::IpOrPrefix.check("10.0.0.1"), Ok(()));
        assert_eq!(ArgType::IpOrPrefix.check("2001:db8::/32"), Ok(()));
        assert_eq!(
            ArgType::IpOrPrefix.check("10.0.0.0/33"),
            Err("prefix length '33' is larger than 32 in address '10.0.0.0/33'".into())
        );
    }

    #[test]
    fn enums_accept_only_their_words() {
        let t = ArgType::Enum(vec!["master".into(), "backup".into()]);
        assert_eq!(t.check("backup"), Ok(()));
        assert!(t.check("primary").is_err());
    }
}
