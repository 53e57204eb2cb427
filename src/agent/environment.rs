//! What the chassis daemon reads from the modelled MX480's sensors and
//! boards: temperatures and fans (`show chassis environment`), firmware
//! (`show chassis firmware`), and the alarms it and the management process
//! raise (`show chassis alarms`, `show system alarms`), and its power
//! entry modules (`show chassis power`).

use crate::JUNOS_VERSION;
use crate::proto::{Alarm, EnvironmentItem, Firmware, PowerSupply, TemperatureThreshold};
use crate::slot::Slot;

use super::forwarding::FPC_SLOTS;
use super::model;

/// The sensors and fans, in the order Junos lists them: temperatures, then
/// fans. A reading drifts a degree with the second so that it is seen to
/// be live, and stays within a degree of the model's value.
pub fn environment(now: i64) -> Vec<EnvironmentItem> {
    let drift = i32::from(now % 60 >= 30);
    let temp = |name: String, celsius: i32| EnvironmentItem {
        class: "Temp".into(),
        name,
        status: "OK".into(),
        celsius: Some(celsius + drift),
        comment: String::new(),
    };
    let mut items: Vec<EnvironmentItem> = (0..4).map(|n| temp(format!("PEM {n}"), 40 + n)).collect();
    for slot in Slot::ALL {
        let (re, cpu) = model::temperatures_celsius(slot);
        items.push(temp(format!("Routing Engine {}", slot.number()), re));
        items.push(temp(format!("Routing Engine {} CPU", slot.number()), cpu));
    }
    for cb in 0..2 {
        items.push(temp(format!("CB {cb} Intake"), 31 + cb));
        items.push(temp(format!("CB {cb} Exhaust A"), 34 + cb));
        items.push(temp(format!("CB {cb} Exhaust B"), 35 + cb));
    }
    for fpc in FPC_SLOTS {
        let fpc_temp = 36 + fpc as i32;
        items.push(temp(format!("FPC {fpc} Intake"), fpc_temp - 5));
        items.push(temp(format!("FPC {fpc} Exhaust A"), fpc_temp));
        items.push(temp(format!("FPC {fpc} Exhaust B"), fpc_temp + 6));
    }
    for fan in [
        "Top Rear Fan",
        "Bottom Rear Fan",
        "Top Middle Fan",
        "Bottom Middle Fan",
        "Top Front Fan",
        "Bottom Front Fan",
    ] {
        items.push(EnvironmentItem {
            class: "Fans".into(),
            name: fan.into(),
            status: "OK".into(),
            celsius: None,
            comment: "Spinning at normal speed".into(),
        });
    }
    items
}

/// The boards' boot ROMs and the software they run.
/// The MX480's four AC power entry modules, each 2520 W, sharing the load
/// of one zone; their output moves a watt with the clock, as a live reading does.
pub fn power_supplies(now: i64) -> Vec<PowerSupply> {
    const CAPACITY: u32 = 2520;
    const VOLTS: u32 = 58;
    (0..4)
        .map(|n| {
            let output = 486 + 4 * n + (now % 2) as u32;
            PowerSupply {
                name: format!("PEM {n}"),
                state: "Online".into(),
                capacity_watts: CAPACITY,
                output_watts: output,
                output_amperes: output / VOLTS,
                output_volts: VOLTS,
                load_percent: output * 100 / CAPACITY,
            }
        })
        .collect()
}

pub fn firmware() -> Vec<Firmware> {
    let mut firmware = Vec::new();
    let mut add = |part: &str, kind: &str, version: String| {
        firmware.push(Firmware { part: part.into(), r#type: kind.into(), version });
    };
    for fpc in FPC_SLOTS {
        let part = format!("FPC {fpc}");
        add(&part, "ROM", "Juniper ROM Monitor Version 10.5b3".into());
        add(&part, "O/S", format!("Version {JUNOS_VERSION} by builder on 2024-06-12 05:41:17 UTC"));
    }
    for slot in Slot::ALL {
        let part = format!("Routing Engine {}", slot.number());
        add(&part, "BIOS", "V0018.4".into());
        add(&part, "FPGA", "Version 11.0".into());
    }
    firmware
}

/// Where the chassis speeds its fans up, raises alarms and shuts down,
/// for the chassis as a whole and for the boards that run hotter.
pub fn temperature_thresholds() -> Vec<TemperatureThreshold> {
    let row =
        |name: &str, fan: (i32, i32), yellow: (i32, i32), red: (i32, i32), fire: i32| TemperatureThreshold {
            name: name.into(),
            fan_normal_speed: fan.0,
            fan_high_speed: fan.1,
            yellow_alarm: yellow.0,
            bad_fan_yellow_alarm: yellow.1,
            red_alarm: red.0,
            bad_fan_red_alarm: red.1,
            fire_shutdown: fire,
        };
    let mut rows = vec![row("Chassis default", (48, 54), (65, 55), (75, 65), 100)];
    for slot in Slot::ALL {
        rows.push(row(&format!("Routing Engine {}", slot.number()), (70, 80), (95, 85), (110, 100), 112));
    }
    for fpc in FPC_SLOTS {
        rows.push(row(&format!("FPC {fpc}"), (55, 65), (75, 65), (85, 75), 100));
    }
    rows
}

/// The management process's alarms: a router without a rescue
/// configuration says so, raised when the RE started.
pub fn system_alarms(rescue_saved: bool, since: i64) -> Vec<Alarm> {
    if rescue_saved {
        return Vec::new();
    }
    vec![Alarm {
        time: since,
        class: "Minor".into(),
        description: "Rescue configuration is not set".into(),
        short_description: "no-rescue".into(),
        r#type: "Configuration".into(),
    }]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temperatures_come_first_then_fans_each_with_its_reading() {
        let items = environment(0);
        let classes: Vec<&str> = items.iter().map(|i| i.class.as_str()).collect();
        let first_fan = classes.iter().position(|c| *c == "Fans").unwrap();
        assert!(classes[..first_fan].iter().all(|c| *c == "Temp"));
        assert!(classes[first_fan..].iter().all(|c| *c == "Fans"));
        assert!(items[..first_fan].iter().all(|i| i.celsius.is_some()));
        assert_eq!(items[first_fan].comment, "Spinning at normal speed");
        assert_eq!(environment(45)[0].celsius, Some(items[0].celsius.unwrap() + 1));
    }

    #[test]
    fn every_sensor_is_below_every_yellow_alarm() {
        let coolest_yellow = temperature_thresholds().iter().map(|t| t.yellow_alarm).min().unwrap();
        assert!(environment(45).iter().filter_map(|i| i.celsius).all(|c| c < coolest_yellow));
    }

    #[test]
    fn a_rescue_configuration_clears_the_system_alarm() {
        assert_eq!(system_alarms(false, 7)[0].description, "Rescue configuration is not set");
        assert!(system_alarms(true, 7).is_empty());
    }
}
