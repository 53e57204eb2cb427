//! The two Routing Engine slots of the chassis.

use std::fmt;
use std::str::FromStr;

/// Slot 0 or 1. Everything that differs per Routing Engine is keyed by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Slot(u8);

impl Slot {
    pub const RE0: Slot = Slot(0);
    pub const RE1: Slot = Slot(1);
    pub const ALL: [Slot; 2] = [Slot::RE0, Slot::RE1];

    pub fn new(n: u32) -> Option<Slot> {
        match n {
            0 | 1 => Some(Slot(n as u8)),
            _ => None,
        }
    }

    pub fn number(self) -> u32 {
        u32::from(self.0)
    }

    pub fn other(self) -> Slot {
        Slot(1 - self.0)
    }
}

/// `re0` / `re1`, as Junos names the Routing Engines in messages.
impl fmt::Display for Slot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "re{}", self.0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid slot '{0}': expected 0 or 1")]
pub struct InvalidSlot(String);

/// Accepts `0`, `1`, `re0` and `re1`.
impl FromStr for Slot {
    type Err = InvalidSlot;

    fn from_str(s: &str) -> Result<Slot, InvalidSlot> {
        let digits = s.strip_prefix("re").unwrap_or(s);
        digits.parse().ok().and_then(Slot::new).ok_or_else(|| InvalidSlot(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_numbers_and_names() {
        assert_eq!("0".parse(), Ok(Slot::RE0));
        assert_eq!("re1".parse(), Ok(Slot::RE1));
        assert!("2".parse::<Slot>().is_err());
        assert!("rex".parse::<Slot>().is_err());
        assert_eq!(Slot::RE0.other(), Slot::RE1);
        assert_eq!(Slot::RE1.to_string(), "re1");
    }
}
