//! The modelled parts of the router: what a real chassis reads from sensors
//! and ID EEPROMs, and the software it runs. Values are stable so that scripts
//! and tests see the same router every time.

use crate::JUNOS_VERSION;
use crate::proto::{ChassisModule, SoftwarePackage};
use crate::slot::Slot;

pub const PRODUCT_MODEL: &str = "mx480";
pub const PRODUCT_NAME: &str = "mx480";
pub const RE_MODEL: &str = "RE-S-1800x4";
/// The serial number of a chassis that is no lab node.
const CHASSIS_SERIAL: &str = "JN11E4A1BAFA";
const BUILD: &str = "20240612.5f6d4b1_builder_stable_13";
pub const LAST_REBOOT_REASON: &str = "Router rebooted after a normal shutdown.";

/// The host name an RE reports until configuration gives it one.
pub fn default_host_name(slot: Slot) -> String {
    slot.to_string()
}

/// The chassis serial number: a lab node's derives from its name, so that
/// the nodes of a lab (and the inventories built from them) tell apart and
/// each keeps its own across restarts.
pub fn chassis_serial(node: Option<&str>) -> String {
    let Some(node) = node else { return CHASSIS_SERIAL.to_owned() };
    // FNV-1a, then mixed so that every digit depends on every byte (the RE
    // serials take four of them): stable across builds, as a serial must be.
    let hash = node
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
    let hash = (hash ^ (hash >> 33)).wrapping_mul(0xff51_afd7_ed55_8ccd);
    let hash = hash ^ (hash >> 33);
    format!("JN{:010X}", hash & 0xff_ffff_ffff)
}

/// Routing Engine serial numbers follow the chassis serial, one per slot.
pub fn re_serial(chassis: &str, slot: Slot) -> String {
    let digits = chassis.get(2..6).unwrap_or(chassis);
    format!("9009{digits}{:02}", 40 + slot.number())
}

/// Each RE sits in its own airflow, so the two read a little apart.
pub fn temperatures_celsius(slot: Slot) -> (i32, i32) {
    match slot.number() {
        0 => (39, 37),
        _ => (37, 35),
    }
}

pub fn software_packages() -> Vec<SoftwarePackage> {
    let package = |name: &str, comment: String| SoftwarePackage { name: name.into(), comment };
    let mut packages = vec![package("junos-version", format!("Junos: {JUNOS_VERSION}"))];
    for (name, label) in [
        ("os-kernel", "JUNOS OS Kernel 64-bit "),
        ("os-libs", "JUNOS OS libs"),
        ("os-runtime", "JUNOS OS runtime"),
        ("os-zoneinfo", "JUNOS OS time zone information"),
        ("junos-runtime", "JUNOS Runtime Software Suite"),
        ("junos-routing", "JUNOS Routing Software Suite"),
        ("junos-redistributions", "JUNOS Redistributions"),
        ("junos-mx", "JUNOS mx Runtime"),
        ("jpfe-common", "JUNOS Packet Forwarding Engine Support (MX Common)"),
    ] {
        packages.push(package(name, format!("{label} [{BUILD}]")));
    }
    packages
}

/// The inventory of the modelled MX480: one line per field-replaceable unit.
pub fn chassis_inventory(serial: &str) -> Vec<ChassisModule> {
    let m =
        |depth: u32, name: &str, version: &str, part: &str, serial: &str, description: &str| ChassisModule {
            name: name.into(),
            version: version.into(),
            part_number: part.into(),
            serial_number: serial.into(),
            description: description.into(),
            depth,
        };
    let mut modules = vec![
        m(0, "Chassis", "", "", serial, "MX480"),
        m(0, "Midplane", "REV 04", "750-047862", "ACRD1717", "Enhanced MX480 Midplane"),
        m(0, "FPM Board", "REV 03", "710-017254", "KD7823", "Front Panel Display"),
        m(0, "PEM 0", "Rev 10", "740-029970", "QCS1739U06N", "PS 1.4-2.52kW; 90-264V AC in"),
        m(0, "PEM 1", "Rev 10", "740-029970", "QCS1739U07K", "PS 1.4-2.52kW; 90-264V AC in"),
        m(0, "PEM 2", "Rev 10", "740-029970", "QCS1739U0A2", "PS 1.4-2.52kW; 90-264V AC in"),
        m(0, "PEM 3", "Rev 10", "740-029970", "QCS1739U0B9", "PS 1.4-2.52kW; 90-264V AC in"),
    ];
    for slot in Slot::ALL {
        modules.push(m(
            0,
            &format!("Routing Engine {}", slot.number()),
            "REV 10",
            "740-031116",
            &re_serial(serial, slot),
            RE_MODEL,
        ));
    }
    modules.extend([
        m(0, "CB 0", "REV 24", "750-031391", "CAEA9005", "Enhanced MX SCB"),
        m(0, "CB 1", "REV 24", "750-031391", "CAEA9011", "Enhanced MX SCB"),
    ]);
    for (fpc, serial) in super::forwarding::FPC_SLOTS.into_iter().zip(["CAAB3421", "CAAB3467"]) {
        modules.extend([
            m(0, &format!("FPC {fpc}"), "REV 42", "750-028467", serial, "MPC 3D 16x 10GE"),
            m(1, "CPU", "REV 10", "711-029089", &format!("{serial}C"), "AMPC PMB"),
        ]);
        for pic in 0..4 {
            modules.push(m(1, &format!("PIC {pic}"), "", "BUILTIN", "BUILTIN", "4x 10GE(LAN) SFP+"));
            // An optic in every port that `show interfaces` lists.
            for port in 0..super::forwarding::interfaces::PORTS {
                let serial = format!("AS9{fpc}{pic}{port}KQ");
                modules.push(m(2, &format!("Xcvr {port}"), "REV 01", "740-021308", &serial, "SFP+-10G-SR"));
            }
        }
    }
    modules.push(m(0, "Fan Tray 0", "REV 04", "740-031521", "ACAC1075", "Enhanced Fan Tray"));
    modules
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials_are_per_slot_and_stable() {
        let serial = chassis_serial(None);
        assert_eq!(re_serial(&serial, Slot::RE0), "900911E440");
        assert_ne!(re_serial(&serial, Slot::RE0), re_serial(&serial, Slot::RE1));
    }

    #[test]
    fn lab_nodes_have_serials_of_their_own_that_last() {
        let (r1, r2) = (chassis_serial(Some("r1")), chassis_serial(Some("r2")));
        assert_ne!(r1, r2);
        assert_eq!(r1, chassis_serial(Some("r1")));
        assert!(r1.starts_with("JN") && r1.len() == CHASSIS_SERIAL.len(), "{r1}");
        assert_ne!(re_serial(&r1, Slot::RE0), re_serial(&r2, Slot::RE0));
    }

    #[test]
    fn inventory_lists_both_routing_engines() {
        let names: Vec<String> = chassis_inventory(CHASSIS_SERIAL).into_iter().map(|m| m.name).collect();
        assert!(names.contains(&"Routing Engine 0".to_string()));
        assert!(names.contains(&"Routing Engine 1".to_string()));
        assert_eq!(names[0], "Chassis");
    }
}
