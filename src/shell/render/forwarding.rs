//! The master's line cards: `show chassis fpc [detail]`.

use std::fmt::Write;

use super::columns::{Column, Columns};
use super::{junos_time, uptime};
use crate::proto::FpcInformation;
use crate::shell::view::{Element, View};

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

impl View for FpcInformation {
    fn text(&self) -> String {
        let mut out = String::from(
            "                     Temp  CPU Utilization (%)   CPU Utilization (%)  Memory    Utilization (%)\n\
             Slot State            (C)  Total  Interrupt      1min   5min   15min  DRAM (MB) Heap     Buffer\n",
        );
        // Each figure ends where its heading does.
        let mut table = Columns::new(&[
            Column::right(3),
            Column::left(16).after(2),
            Column::right(4),
            Column::right(7),
            Column::right(11),
            Column::right(10),
            Column::right(7),
            Column::right(8),
            Column::right(8),
            Column::right(8),
            Column::right(11),
        ]);
        for f in &self.fpcs {
            table.row([
                f.slot.to_string(),
                f.state.clone(),
                f.temperature_celsius.to_string(),
                f.cpu_total.to_string(),
                f.cpu_interrupt.to_string(),
                f.cpu_total.to_string(),
                f.cpu_total.to_string(),
                f.cpu_total.to_string(),
                f.memory_dram_mb.to_string(),
                f.memory_heap_utilization.to_string(),
                f.memory_buffer_utilization.to_string(),
            ]);
        }
        out.push_str(&table.render());
        out
    }

    fn element(&self) -> Element {
        let mut root = Element::reply_root("fpc-information", "junos-chassis");
        for f in &self.fpcs {
            root.push(
                Element::new("fpc")
                    .child(Element::leaf("slot", f.slot))
                    .child(Element::leaf("state", &f.state))
                    .child(
                        Element::leaf("temperature", f.temperature_celsius)
                            .attr("junos:celsius", f.temperature_celsius.to_string()),
                    )
                    .child(Element::leaf("cpu-total", f.cpu_total))
                    .child(Element::leaf("cpu-interrupt", f.cpu_interrupt))
                    .child(Element::leaf("memory-dram-size", f.memory_dram_mb))
                    .child(Element::leaf("memory-heap-utilization", f.memory_heap_utilization))
                    .child(Element::leaf("memory-buffer-utilization", f.memory_buffer_utilization))
                    .child(
                        Element::leaf("start-time", junos_time(f.start_time))
                            .attr("junos:seconds", f.start_time.to_string()),
                    )
                    .child(Element::leaf("up-time", uptime((now() - f.start_time).max(0) as u64))),
            );
        }
        root
    }
}

/// `show chassis fpc detail`: when each FPC came online and for how long.
pub struct FpcDetail(pub FpcInformation);

impl View for FpcDetail {
    fn text(&self) -> String {
        let mut out = String::new();
        for f in &self.0.fpcs {
            let _ = writeln!(out, "Slot {} information:", f.slot);
            let _ = writeln!(out, "  {:<36}{}", "State", f.state);
            let _ = writeln!(
                out,
                "  {:<30}{:>4} degrees C / {} degrees F",
                "Temperature",
                f.temperature_celsius,
                f.temperature_celsius * 9 / 5 + 32
            );
            let _ = writeln!(out, "  {:<30}{:>4} MB", "Total CPU DRAM", f.memory_dram_mb);
            let _ = writeln!(out, "  {:<36}{}", "Start time", junos_time(f.start_time));
            let _ = writeln!(out, "  {:<36}{}", "Uptime", uptime((now() - f.start_time).max(0) as u64));
        }
        out
    }

    fn element(&self) -> Element {
        self.0.element()
    }
}
