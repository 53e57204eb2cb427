//! Where each Routing Engine's agent listens, as the shell is told.

use std::str::FromStr;

use crate::slot::Slot;

/// Where each Routing Engine's agent listens, as far as the shell knows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Addresses {
    by_slot: [Option<String>; 2],
    /// Attach to whichever RE is master, as a management address that
    /// follows the master would.
    pub master: bool,
}

impl Addresses {
    pub fn get(&self, slot: Slot) -> Option<&str> {
        self.by_slot[slot.number() as usize].as_deref()
    }

    pub fn set(&mut self, slot: Slot, address: String) {
        self.by_slot[slot.number() as usize] = Some(address);
    }

    /// These addresses but `slot`'s.
    pub fn without(&self, slot: Slot) -> Addresses {
        let mut rest = self.clone();
        rest.by_slot[slot.number() as usize] = None;
        rest
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid address list '{0}': expected re0=ADDR,re1=ADDR[,master]")]
pub struct InvalidAddresses(String);

/// `re0=ADDR,re1=ADDR`; either may be left out; `master` anywhere in the
/// list asks for the master.
impl FromStr for Addresses {
    type Err = InvalidAddresses;

    fn from_str(spec: &str) -> Result<Addresses, InvalidAddresses> {
        let invalid = || InvalidAddresses(spec.to_owned());
        let mut addresses = Addresses::default();
        for part in spec.split(',') {
            if part.trim() == "master" && !addresses.master {
                addresses.master = true;
                continue;
            }
            let (slot, address) = part.split_once('=').ok_or_else(invalid)?;
            let slot: Slot = slot.trim().parse().map_err(|_| invalid())?;
            if address.trim().is_empty() || addresses.get(slot).is_some() {
                return Err(invalid());
            }
            addresses.set(slot, address.trim().to_owned());
        }
        if Slot::ALL.iter().all(|&slot| addresses.get(slot).is_none()) {
            return Err(invalid());
        }
        Ok(addresses)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_list_names_slots_and_may_ask_for_the_master() {
        let both: Addresses = "re0=a:1,re1=b:2".parse().unwrap();
        assert_eq!(
            (both.get(Slot::RE0), both.get(Slot::RE1), both.master),
            (Some("a:1"), Some("b:2"), false)
        );
        let master: Addresses = "master,re1=b:2".parse().unwrap();
        assert_eq!((master.get(Slot::RE0), master.get(Slot::RE1), master.master), (None, Some("b:2"), true));
        for bad in ["master", "re0=a,re0=b", "re2=a", "re0=", "a:1", "re0=a,master,master"] {
            assert!(bad.parse::<Addresses>().is_err(), "{bad}");
        }
    }
}
