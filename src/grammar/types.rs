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
    if value.chars().any(char::is_control) {
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
    fn enums_accept_only_their_words() {
        let t = ArgType::Enum(vec!["master".into(), "backup".into()]);
        assert_eq!(t.check("backup"), Ok(()));
        assert!(t.check("primary").is_err());
    }
}
