//! `show version` and the banner of a login session.

use std::fmt::Write;

use crate::proto::SoftwareInformation;
use crate::shell::view::{Element, View};

impl View for SoftwareInformation {
    fn text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "Hostname: {}", self.host_name);
        let _ = writeln!(out, "Model: {}", self.product_model);
        for package in &self.packages {
            let _ = writeln!(out, "{}", package.comment);
        }
        out
    }

    fn element(&self) -> Element {
        let mut e = Element::new("software-information")
            .child(Element::leaf("host-name", &self.host_name))
            .child(Element::leaf("product-model", &self.product_model))
            .child(Element::leaf("product-name", &self.product_name))
            .child(Element::leaf("junos-version", &self.junos_version));
        for p in &self.packages {
            e.push(
                Element::new("package-information")
                    .child(Element::leaf("name", &p.name))
                    .child(Element::leaf("comment", &p.comment)),
            );
        }
        e
    }
}

/// The banner a session prints when it logs in to a Routing Engine.
pub fn login_banner(info: &SoftwareInformation) -> String {
    format!("--- JUNOS {} Kernel 64-bit", info.junos_version)
}
