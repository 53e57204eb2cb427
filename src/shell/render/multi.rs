//! `invoke-on all-routing-engines|other-routing-engine`: each RE's reply
//! under its name, as Junos prints and wraps them.

use crate::shell::view::{Element, View};

/// The line under each RE's name.
const RULE: &str = "--------------------------------------------------------------------------";

/// An RE's reply, or why it gave none.
pub type Reply = Result<Box<dyn View>, String>;

/// Each RE's name (`re0`) and its reply.
pub struct MultiRoutingEngine(pub Vec<(String, Reply)>);

impl View for MultiRoutingEngine {
    fn text(&self) -> String {
        let blocks: Vec<String> = self
            .0
            .iter()
            .map(|(name, reply)| {
                let body = match reply {
                    Ok(view) => view.text(),
                    Err(error) => format!("error: {error}\n"),
                };
                format!("{name}:\n{RULE}\n{body}")
            })
            .collect();
        blocks.join("\n")
    }

    fn element(&self) -> Element {
        let mut root = Element::new("multi-routing-engine-results");
        for (name, reply) in &self.0 {
            let mut item = Element::new("multi-routing-engine-item").child(Element::leaf("re-name", name));
            item.push(match reply {
                Ok(view) => view.element(),
                Err(error) => Element::leaf("output", error),
            });
            root.push(item);
        }
        root
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_re_under_its_name_and_a_rule() {
        let multi = MultiRoutingEngine(vec![
            ("re0".into(), Ok(Box::new("Hostname: re0\n".to_owned()) as Box<dyn View>)),
            ("re1".into(), Err("could not connect to re1".into())),
        ]);
        assert_eq!(
            multi.text(),
            format!("re0:\n{RULE}\nHostname: re0\n\nre1:\n{RULE}\nerror: could not connect to re1\n")
        );
        assert_eq!(RULE.len(), 74);
        let e = multi.element();
        assert_eq!(e.name, "multi-routing-engine-results");
        let item = &e.children[0];
        assert_eq!(
            (item.children[0].name.as_str(), item.children[0].text.as_deref()),
            ("re-name", Some("re0"))
        );
        assert_eq!(item.children[1].name, "output");
    }
}
