//! Login classes and their permission flags, as both sides use them: the
//! agent to decide what a caller may ask, the shell to show each user only
//! the commands their class allows.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

/// The Junos permission flags this router knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Permission {
    All,
    Clear,
    Configure,
    Control,
    InterfaceControl,
    Maintenance,
    Network,
    Reboot,
    Reset,
    /// Sees secret statements (password hashes, keys) in the configuration.
    Secret,
    /// Sees and changes them.
    SecretControl,
    Shell,
    Trace,
    View,
    ViewConfiguration,
}

impl Permission {
    pub const ALL: [Permission; 15] = [
        Permission::All,
        Permission::Clear,
        Permission::Configure,
        Permission::Control,
        Permission::InterfaceControl,
        Permission::Maintenance,
        Permission::Network,
        Permission::Reboot,
        Permission::Reset,
        Permission::Secret,
        Permission::SecretControl,
        Permission::Shell,
        Permission::Trace,
        Permission::View,
        Permission::ViewConfiguration,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Permission::All => "all",
            Permission::Clear => "clear",
            Permission::Configure => "configure",
            Permission::Control => "control",
            Permission::InterfaceControl => "interface-control",
            Permission::Maintenance => "maintenance",
            Permission::Network => "network",
            Permission::Reboot => "reboot",
            Permission::Reset => "reset",
            Permission::Secret => "secret",
            Permission::SecretControl => "secret-control",
            Permission::Shell => "shell",
            Permission::Trace => "trace",
            Permission::View => "view",
            Permission::ViewConfiguration => "view-configuration",
        }
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown permission '{0}'")]
pub struct UnknownPermission(pub String);

impl FromStr for Permission {
    type Err = UnknownPermission;

    fn from_str(s: &str) -> Result<Permission, UnknownPermission> {
        Permission::ALL.into_iter().find(|p| p.name() == s).ok_or_else(|| UnknownPermission(s.to_owned()))
    }
}

/// What one login class grants.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Permissions(BTreeSet<Permission>);

impl Permissions {
    pub fn of(flags: impl IntoIterator<Item = Permission>) -> Permissions {
        Permissions(flags.into_iter().collect())
    }

    /// The flags by name, ignoring any this router does not know (a class
    /// written for a bigger one still grants what it can).
    pub fn parse<'a>(names: impl IntoIterator<Item = &'a str>) -> Permissions {
        Permissions(names.into_iter().filter_map(|n| n.parse().ok()).collect())
    }

    /// Whether the class may do what needs `flag`; `all` grants everything.
    pub fn allows(&self, flag: Permission) -> bool {
        self.0.contains(&Permission::All) || self.0.contains(&flag)
    }

    /// Whether it grants any of `flags`; an empty list needs only a login.
    pub fn allows_any(&self, flags: &[Permission]) -> bool {
        flags.is_empty() || flags.iter().any(|&f| self.allows(f))
    }

    /// Whether secret values may be shown: `secret`, or `secret-control`,
    /// which changes them and so sees them too.
    pub fn sees_secrets(&self) -> bool {
        self.allows(Permission::Secret) || self.allows(Permission::SecretControl)
    }

    pub fn names(&self) -> Vec<String> {
        self.0.iter().map(|p| p.name().to_owned()).collect()
    }
}

/// The classes every router has; they cannot be changed.
pub fn predefined(class: &str) -> Option<Permissions> {
    use Permission::*;
    match class {
        "super-user" | "superuser" => Some(Permissions::of([All])),
        "operator" => Some(Permissions::of([Clear, Network, Reset, Trace, View])),
        "read-only" => Some(Permissions::of([View])),
        "unauthorized" => Some(Permissions::default()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn predefined_classes_grant_what_junos_lists() {
        let operator = predefined("operator").unwrap();
        assert!(operator.allows(Permission::View) && operator.allows(Permission::Clear));
        assert!(!operator.allows(Permission::Maintenance) && !operator.allows(Permission::Configure));
        assert!(predefined("superuser").unwrap().allows(Permission::Reboot));
        assert!(!predefined("unauthorized").unwrap().allows_any(&[Permission::View]));
        assert!(predefined("unauthorized").unwrap().allows_any(&[]));
        assert_eq!(predefined("ops"), None);
        assert!(predefined("super-user").unwrap().sees_secrets());
        for class in ["operator", "read-only", "unauthorized"] {
            assert!(!predefined(class).unwrap().sees_secrets(), "{class}");
        }
        assert!(Permissions::parse(["view", "secret-control"]).sees_secrets());
    }

    #[test]
    fn flags_read_by_name() {
        let p = Permissions::parse(["view", "configure", "firewall"]);
        assert_eq!(p.names(), ["configure", "view"]);
        assert_eq!("interface-control".parse(), Ok(Permission::InterfaceControl));
        assert_eq!("x".parse::<Permission>(), Err(UnknownPermission("x".into())));
    }
}
