//! `show chassis environment`, `show chassis power`, `show chassis firmware`,
//! and `show chassis alarms` / `show system alarms`.

use super::columns::{Column, Columns};
use super::junos_time;
use crate::proto::{AlarmInformation, EnvironmentInformation, FirmwareInformation, TemperatureThresholds};
use crate::shell::view::{Element, View};

/// `40 degrees C / 104 degrees F`.
pub fn degrees(celsius: i32) -> String {
    let fahrenheit = (f64::from(celsius) * 9.0 / 5.0 + 32.0).round() as i32;
    format!("{celsius} degrees C / {fahrenheit} degrees F")
}

/// Each item's class, printed on the first item of the class only, as
/// Junos prints it in text and in XML.
fn first_of_class(info: &EnvironmentInformation) -> Vec<Option<&str>> {
    let mut last = None;
    info.items
        .iter()
        .map(|item| {
            let first = last != Some(item.class.as_str());
            last = Some(item.class.as_str());
            first.then_some(item.class.as_str())
        })
        .collect()
}

impl View for EnvironmentInformation {
    fn text(&self) -> String {
        let mut table = Columns::new(&[Column::left(6), Column::left(31), Column::left(11), Column::left(0)]);
        table.row(["Class", "Item", "Status", "Measurement"]);
        for (item, class) in self.items.iter().zip(first_of_class(self)) {
            let measurement = item.celsius.map_or_else(|| item.comment.clone(), degrees);
            table.row([class.unwrap_or(""), &item.name, &item.status, &measurement]);
        }
        table.render()
    }

    fn element(&self) -> Element {
        let mut root = Element::reply_root("environment-information", "junos-chassis");
        for (item, class) in self.items.iter().zip(first_of_class(self)) {
            let mut e = Element::new("environment-item").child(Element::leaf("name", &item.name));
            if let Some(class) = class {
                e.push(Element::leaf("class", class));
            }
            e.push(Element::leaf("status", &item.status));
            if let Some(celsius) = item.celsius {
                e.push(Element::leaf("temperature", degrees(celsius)).attr("junos:celsius", celsius));
            }
            if !item.comment.is_empty() {
                e.push(Element::leaf("comment", &item.comment));
            }
            root.push(e);
        }
        root
    }
}

/// `show chassis power [detail]`: each power entry module and the zone
/// they share.
pub struct Power {
    pub info: EnvironmentInformation,
    pub detail: bool,
}

impl View for Power {
    fn text(&self) -> String {
        let mut out = String::new();
        for pem in &self.info.power_supplies {
            out.push_str(&format!(
                "{}:\n  State:                      {}\n  AC input:                   OK (1 feed expected, 1 feed connected)\n  \
                 Capacity:                   {} W (maximum {} W)\n  \
                 DC output:                  {} W (zone 0, {} A at {} V, {}% of capacity)\n\n",
                pem.name,
                pem.state,
                pem.capacity_watts,
                pem.capacity_watts,
                pem.output_watts,
                pem.output_amperes,
                pem.output_volts,
                pem.load_percent
            ));
        }
        let capacity: u32 = self.info.power_supplies.iter().map(|p| p.capacity_watts).sum();
        let usage: u32 = self.info.power_supplies.iter().map(|p| p.output_watts).sum();
        out.push_str(&format!(
            "System:\n  Zone 0:\n      Capacity:               {capacity} W (maximum {capacity} W)\n      \
             Actual usage:           {usage} W\n  Total system capacity:      {capacity} W (maximum {capacity} W)\n  \
             Total remaining power:      {} W\n",
            capacity.saturating_sub(usage)
        ));
        out
    }

    fn element(&self) -> Element {
        let mut root = Element::reply_root("power-usage-information", "junos-chassis");
        for pem in &self.info.power_supplies {
            let mut item = Element::new("power-usage-item")
                .child(Element::leaf("name", &pem.name))
                .child(Element::leaf("state", &pem.state))
                .child(
                    Element::new("pem-capacity-detail")
                        .child(Element::leaf("capacity-actual", pem.capacity_watts))
                        .child(Element::leaf("capacity-max", pem.capacity_watts)),
                );
            let mut output = Element::new("dc-output-detail")
                .child(Element::leaf("dc-power", pem.output_watts))
                .child(Element::leaf("zone", 0))
                .child(Element::leaf("dc-current", pem.output_amperes))
                .child(Element::leaf("dc-voltage", pem.output_volts))
                .child(Element::leaf("dc-load", pem.load_percent));
            if !self.detail {
                output.children.truncate(2);
            }
            item.push(output);
            root.push(item);
        }
        root
    }
}

impl View for FirmwareInformation {
    fn text(&self) -> String {
        let mut table = Columns::new(&[Column::left(25), Column::left(11), Column::left(0)]);
        table.row(["Part", "Type", "Version"]);
        let mut last = "";
        for f in &self.firmware {
            table.row([if f.part == last { "" } else { &f.part }, &f.r#type, &f.version]);
            last = &f.part;
        }
        table.render()
    }

    fn element(&self) -> Element {
        let mut chassis = Element::new("chassis").attr("junos:style", "firmware");
        let mut module: Option<Element> = None;
        for f in &self.firmware {
            if module.as_ref().and_then(|m| m.children.first()).and_then(|n| n.text.as_deref())
                != Some(f.part.as_str())
            {
                chassis.children.extend(module.take());
                module = Some(Element::new("chassis-module").child(Element::leaf("name", &f.part)));
            }
            if let Some(m) = module.as_mut() {
                m.push(
                    Element::new("firmware")
                        .child(Element::leaf("type", &f.r#type))
                        .child(Element::leaf("firmware-version", &f.version)),
                );
            }
        }
        chassis.children.extend(module);
        Element::reply_root("firmware-information", "junos-chassis").child(chassis)
    }
}

impl View for TemperatureThresholds {
    fn text(&self) -> String {
        let mut table = Columns::new(&[
            Column::left(25),
            Column::right(6),
            Column::right(6),
            Column::right(9),
            Column::right(9),
            Column::right(9),
            Column::right(9),
            Column::right(11),
        ]);
        let mut out = String::from(
            "                            Fan speed      Yellow alarm      Red alarm      Fire Shutdown\n\
             \x20                          (degrees C)      (degrees C)     (degrees C)      (degrees C)\n",
        );
        table.row(["Item", "Normal", "High", "Normal", "Bad fan", "Normal", "Bad fan", "Normal"]);
        for t in &self.thresholds {
            table.row([
                t.name.clone(),
                t.fan_normal_speed.to_string(),
                t.fan_high_speed.to_string(),
                t.yellow_alarm.to_string(),
                t.bad_fan_yellow_alarm.to_string(),
                t.red_alarm.to_string(),
                t.bad_fan_red_alarm.to_string(),
                t.fire_shutdown.to_string(),
            ]);
        }
        out.push_str(&table.render());
        out
    }

    fn element(&self) -> Element {
        let mut root = Element::reply_root("temperature-threshold-information", "junos-chassis");
        for t in &self.thresholds {
            root.push(
                Element::new("temperature-threshold")
                    .child(Element::leaf("name", &t.name))
                    .child(Element::leaf("fan-normal-speed", t.fan_normal_speed))
                    .child(Element::leaf("fan-high-speed", t.fan_high_speed))
                    .child(Element::leaf("yellow-alarm", t.yellow_alarm))
                    .child(Element::leaf("bad-fan-yellow-alarm", t.bad_fan_yellow_alarm))
                    .child(Element::leaf("red-alarm", t.red_alarm))
                    .child(Element::leaf("bad-fan-red-alarm", t.bad_fan_red_alarm))
                    .child(Element::leaf("fire-shutdown", t.fire_shutdown)),
            );
        }
        root
    }
}

impl View for AlarmInformation {
    fn text(&self) -> String {
        if self.alarms.is_empty() {
            return "No alarms currently active\n".into();
        }
        let mut out = format!("{} alarms currently active\n", self.alarms.len());
        let mut table = Columns::new(&[Column::left(25), Column::left(7), Column::left(0)]);
        table.row(["Alarm time", "Class", "Description"]);
        for a in &self.alarms {
            table.row([junos_time(a.time), a.class.clone(), a.description.clone()]);
        }
        out.push_str(&table.render());
        out
    }

    fn element(&self) -> Element {
        let summary = if self.alarms.is_empty() {
            Element::new("no-active-alarms")
        } else {
            Element::leaf("active-alarm-count", self.alarms.len())
        };
        let mut root = Element::reply_root("alarm-information", "junos-alarm")
            .child(Element::new("alarm-summary").child(summary));
        for a in &self.alarms {
            root.push(
                Element::new("alarm-detail")
                    .child(Element::leaf("alarm-time", junos_time(a.time)).attr("junos:seconds", a.time))
                    .child(Element::leaf("alarm-class", &a.class))
                    .child(Element::leaf("alarm-description", &a.description))
                    .child(Element::leaf("alarm-short-description", &a.short_description))
                    .child(Element::leaf("alarm-type", &a.r#type)),
            );
        }
        root
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::{Alarm, EnvironmentItem, Firmware};
    use crate::shell::view::to_xml;

    fn names(e: &Element) -> Vec<String> {
        let mut out = vec![e.name.clone()];
        for c in &e.children {
            out.extend(names(c).into_iter().map(|n| format!("{}/{n}", e.name)));
        }
        out
    }

    fn environment() -> EnvironmentInformation {
        let item = |class: &str, name: &str, celsius: Option<i32>, comment: &str| EnvironmentItem {
            class: class.into(),
            name: name.into(),
            status: "OK".into(),
            celsius,
            comment: comment.into(),
        };
        EnvironmentInformation {
            items: vec![
                item("Temp", "PEM 0", Some(40), ""),
                item("Temp", "Routing Engine 0", Some(39), ""),
                item("Fans", "Top Rear Fan", None, "Spinning at normal speed"),
            ],
            power_supplies: Vec::new(),
        }
    }

    #[test]
    fn power_lists_each_module_with_its_capacity_and_output() {
        let pem = |n: u32| crate::proto::PowerSupply {
            name: format!("PEM {n}"),
            state: "Online".into(),
            capacity_watts: 2520,
            output_watts: 486,
            output_amperes: 8,
            output_volts: 58,
            load_percent: 19,
        };
        let info = EnvironmentInformation { power_supplies: vec![pem(0), pem(1)], ..Default::default() };
        let text = Power { info: info.clone(), detail: false }.text();
        assert!(
            text.starts_with(
                "PEM 0:\n  State:                      Online\n  AC input:                   OK (1 feed expected, 1 feed connected)\n  \
                 Capacity:                   2520 W (maximum 2520 W)\n  DC output:                  486 W (zone 0, 8 A at 58 V, 19% of capacity)\n\n"
            ),
            "{text}"
        );
        assert!(text.ends_with("  Total remaining power:      4068 W\n"), "{text}");
        let detail = Power { info, detail: true }.element();
        assert_eq!(detail.name, "power-usage-information");
        let item = &detail.children[0];
        let names: Vec<_> = item.children.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["name", "state", "pem-capacity-detail", "dc-output-detail"]);
        assert_eq!(item.children[3].children[0].name, "dc-power");
    }

    #[test]
    fn environment_prints_each_class_once_in_junos_columns() {
        assert_eq!(
            environment().text(),
            "Class Item                           Status     Measurement\n\
             Temp  PEM 0                          OK         40 degrees C / 104 degrees F\n\
             \x20     Routing Engine 0               OK         39 degrees C / 102 degrees F\n\
             Fans  Top Rear Fan                   OK         Spinning at normal speed\n"
        );
        let e = environment().element();
        assert_eq!(
            names(&e.children[0]),
            [
                "environment-item",
                "environment-item/name",
                "environment-item/class",
                "environment-item/status",
                "environment-item/temperature"
            ]
        );
        assert_eq!(e.children[1].children.iter().filter(|c| c.name == "class").count(), 0);
        let xml = to_xml(&e, "{master}");
        assert!(
            xml.contains("<temperature junos:celsius=\"40\">40 degrees C / 104 degrees F</temperature>"),
            "{xml}"
        );
        assert!(xml.contains("<comment>Spinning at normal speed</comment>"), "{xml}");
    }

    #[test]
    fn alarms_read_as_junos_prints_them() {
        assert_eq!(AlarmInformation::default().text(), "No alarms currently active\n");
        let none = to_xml(&AlarmInformation::default().element(), "");
        assert!(none.contains("<alarm-summary>\n            <no-active-alarms/>"), "{none}");
        let one = AlarmInformation {
            alarms: vec![Alarm {
                time: 1_397_725_761,
                class: "Minor".into(),
                description: "Rescue configuration is not set".into(),
                short_description: "no-rescue".into(),
                r#type: "Configuration".into(),
            }],
        };
        assert_eq!(
            one.text(),
            "1 alarms currently active\nAlarm time               Class  Description\n\
             2014-04-17 09:09:21 UTC  Minor  Rescue configuration is not set\n"
        );
        let detail = &one.element().children[1];
        assert_eq!(
            names(detail)[1..],
            [
                "alarm-detail/alarm-time",
                "alarm-detail/alarm-class",
                "alarm-detail/alarm-description",
                "alarm-detail/alarm-short-description",
                "alarm-detail/alarm-type"
            ]
        );
    }

    #[test]
    fn thresholds_carry_what_napalm_compares() {
        let info = TemperatureThresholds {
            thresholds: vec![crate::proto::TemperatureThreshold {
                name: "Chassis default".into(),
                fan_normal_speed: 48,
                fan_high_speed: 54,
                yellow_alarm: 65,
                bad_fan_yellow_alarm: 55,
                red_alarm: 75,
                bad_fan_red_alarm: 65,
                fire_shutdown: 100,
            }],
        };
        let text = info.text();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[2],
            "Item                     Normal  High   Normal  Bad fan   Normal  Bad fan     Normal"
        );
        assert_eq!(
            lines[3],
            "Chassis default              48    54       65       55       75       65        100"
        );
        assert_eq!(
            names(&info.element().children[0])[1..],
            [
                "temperature-threshold/name",
                "temperature-threshold/fan-normal-speed",
                "temperature-threshold/fan-high-speed",
                "temperature-threshold/yellow-alarm",
                "temperature-threshold/bad-fan-yellow-alarm",
                "temperature-threshold/red-alarm",
                "temperature-threshold/bad-fan-red-alarm",
                "temperature-threshold/fire-shutdown"
            ]
        );
    }

    #[test]
    fn firmware_groups_by_part() {
        let f = |part: &str, kind: &str, version: &str| Firmware {
            part: part.into(),
            r#type: kind.into(),
            version: version.into(),
        };
        let info = FirmwareInformation {
            firmware: vec![
                f("FPC 0", "ROM", "Juniper ROM Monitor Version 10.5b3"),
                f("FPC 0", "O/S", "Version 1"),
            ],
        };
        assert_eq!(
            info.text(),
            "Part                     Type       Version\n\
             FPC 0                    ROM        Juniper ROM Monitor Version 10.5b3\n\
             \x20                        O/S        Version 1\n"
        );
        let chassis = &info.element().children[0];
        assert_eq!(chassis.children[0].name, "chassis-module");
        assert_eq!(
            names(&chassis.children[0].children[1]),
            ["firmware", "firmware/type", "firmware/firmware-version"]
        );
    }
}
