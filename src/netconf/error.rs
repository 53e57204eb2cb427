//! `<rpc-error>`: RFC 6241's error report, made from the problems the shell
//! reports as data, so that a refusal reads over NETCONF as it does at the CLI.

use std::fmt::Write;

use super::message::escape;
use crate::shell::{Failure, Problem};

/// An `<rpc-error>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RpcError {
    /// `transport`, `rpc`, `protocol` or `application`.
    pub error_type: &'static str,
    /// RFC 6241 appendix A: `operation-failed`, `lock-denied`, ...
    pub tag: &'static str,
    pub warning: bool,
    /// `[edit system]`: where in the configuration, for commit errors.
    pub path: Option<String>,
    pub message: String,
    /// The statement or element that is wrong.
    pub bad_element: Option<String>,
}

impl RpcError {
    /// The usual Junos refusal: `protocol`, `operation-failed`.
    pub fn failed(message: impl Into<String>) -> RpcError {
        RpcError {
            error_type: "protocol",
            tag: "operation-failed",
            warning: false,
            path: None,
            message: message.into(),
            bad_element: None,
        }
    }

    /// A message that is not XML, or not a NETCONF message.
    pub fn malformed(message: impl Into<String>) -> RpcError {
        RpcError { error_type: "rpc", tag: "malformed-message", ..RpcError::failed(message) }
    }

    /// A message longer than the session reads.
    pub fn too_big(message: impl Into<String>) -> RpcError {
        RpcError { error_type: "rpc", tag: "too-big", ..RpcError::failed(message) }
    }

    /// An RPC or element Junos does not know: `syntax error`, naming it.
    pub fn syntax(element: &str) -> RpcError {
        RpcError::failed("syntax error").element(element)
    }

    pub fn tagged(self, tag: &'static str) -> RpcError {
        RpcError { tag, ..self }
    }

    pub fn element(self, element: &str) -> RpcError {
        RpcError { bad_element: Some(element.to_owned()), ..self }
    }

    /// The same, as a warning.
    pub fn warned(self) -> RpcError {
        RpcError { warning: true, ..self }
    }

    pub fn to_xml(&self) -> String {
        let mut out = String::from("<rpc-error>\n");
        let _ = writeln!(out, "<error-type>{}</error-type>", self.error_type);
        let _ = writeln!(out, "<error-tag>{}</error-tag>", self.tag);
        let severity = if self.warning { "warning" } else { "error" };
        let _ = writeln!(out, "<error-severity>{severity}</error-severity>");
        if let Some(path) = &self.path {
            let _ = writeln!(out, "<error-path>{}</error-path>", escape(path));
        }
        let _ = writeln!(out, "<error-message>{}</error-message>", escape(&self.message));
        if let Some(element) = &self.bad_element {
            let _ =
                writeln!(out, "<error-info>\n<bad-element>{}</bad-element>\n</error-info>", escape(element));
        }
        out.push_str("</rpc-error>\n");
        out
    }
}

/// Several errors, in order, as one reply body.
pub fn errors_xml(errors: &[RpcError]) -> String {
    errors.iter().map(RpcError::to_xml).collect()
}

impl From<&Problem> for RpcError {
    fn from(problem: &Problem) -> RpcError {
        RpcError {
            warning: problem.warning,
            path: problem.path.clone(),
            bad_element: problem.element.clone(),
            ..RpcError::failed(&problem.message)
        }
    }
}

/// A refusal as rpc-errors, from the problems the shell reports as data. A
/// syntax error in a command `line` names the word the caret would point at.
pub fn from_failure(line: &str, failure: &Failure) -> Vec<RpcError> {
    match failure {
        Failure::Parse(e) => {
            let word = e.column().and_then(|column| word_at(line, column));
            let error = RpcError::failed(e.to_string());
            vec![match word {
                Some(word) => error.element(&word),
                None => error,
            }]
        }
        other => other.problems().iter().map(RpcError::from).collect(),
    }
}

/// The word of `line` that starts at or covers character `column`.
fn word_at(line: &str, column: usize) -> Option<String> {
    let rest: String = line.chars().skip(column).collect();
    let word: String = rest.chars().take_while(|c| !c.is_whitespace()).collect();
    if word.is_empty() { None } else { Some(word) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grammar::ParseError;

    #[test]
    fn the_unknown_rpc_error_is_junos_syntax_error() {
        assert_eq!(
            RpcError::syntax("get-foo").to_xml(),
            "<rpc-error>\n<error-type>protocol</error-type>\n<error-tag>operation-failed</error-tag>\n\
             <error-severity>error</error-severity>\n<error-message>syntax error</error-message>\n\
             <error-info>\n<bad-element>get-foo</bad-element>\n</error-info>\n</rpc-error>\n"
        );
    }

    #[test]
    fn a_refusal_keeps_its_path_statement_and_severity() {
        let failure = Failure::Problems {
            before: "Users currently editing the configuration:\n  bob\n".into(),
            problems: vec![
                Problem::warning("careful"),
                Problem {
                    path: Some("[edit system]".into()),
                    element: Some("root-authentication".into()),
                    ..Problem::error("Missing mandatory statement: 'root-authentication'")
                },
            ],
        };
        let errors = from_failure("", &failure);
        assert_eq!(errors.len(), 2);
        assert!(errors[0].warning && !errors[1].warning);
        assert_eq!(errors[1].path.as_deref(), Some("[edit system]"));
        assert_eq!(errors[1].bad_element.as_deref(), Some("root-authentication"));
        let xml = errors[1].to_xml();
        for name in
            ["error-type", "error-tag", "error-severity", "error-path", "error-message", "bad-element"]
        {
            assert!(xml.contains(&format!("<{name}>")), "{name} in {xml}");
        }
    }

    #[test]
    fn a_syntax_error_names_the_word_under_the_caret() {
        let errors = from_failure("show chassis bogus", &Failure::Parse(ParseError::Syntax { column: 13 }));
        assert_eq!(errors[0].bad_element.as_deref(), Some("bogus"));
        assert_eq!(errors[0].message, "syntax error, expecting <command>.");
        let errors = from_failure("x", &Failure::Error("not allowed".into()));
        assert_eq!(errors, [RpcError::failed("not allowed")]);
    }
}
