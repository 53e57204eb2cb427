//! `<rpc-error>`: RFC 6241's error report, made from the shell's failures so
//! that a refusal reads over NETCONF as it does at the CLI.

use std::fmt::Write;

use super::message::escape;
use crate::shell::Failure;

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

    fn warning(message: &str) -> RpcError {
        RpcError::failed(message).warned()
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

/// A failed command line as rpc-errors. A syntax error names the word the
/// caret would point at.
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
        other => from_text(&other.render("", line, false)),
    }
}

/// The word of `line` that starts at or covers character `column`.
fn word_at(line: &str, column: usize) -> Option<String> {
    let rest: String = line.chars().skip(column).collect();
    let word: String = rest.chars().take_while(|c| !c.is_whitespace()).collect();
    if word.is_empty() { None } else { Some(word) }
}

/// The errors in the shell's text of a refusal: the `[edit PATH]` blocks of
/// a commit check (statement, then message), and `error:`/`warning:` lines
/// with the indented lines under them. Text with none of these is one error.
pub fn from_text(text: &str) -> Vec<RpcError> {
    let lines: Vec<&str> = text.lines().collect();
    let mut errors: Vec<RpcError> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if line.starts_with("[edit")
            && let [statement, message, ..] = &lines[i + 1..]
            && statement.trim().starts_with('\'')
        {
            let mut error = RpcError::failed(message.trim()).element(statement.trim().trim_matches('\''));
            error.path = Some(line.to_owned());
            errors.push(error);
            i += 3;
            continue;
        }
        let mut error = match (line.strip_prefix("error: "), line.strip_prefix("warning: ")) {
            (Some(message), _) => RpcError::failed(message),
            (_, Some(message)) => RpcError::warning(message),
            _ => {
                i += 1;
                continue;
            }
        };
        i += 1;
        // `configuration database locked by:` names the holder below.
        while let Some(more) = lines.get(i).filter(|l| l.starts_with(' ')) {
            error.message.push('\n');
            error.message.push_str(more);
            i += 1;
        }
        errors.push(error);
    }
    // A refusal always says something, even when the CLI printed nothing.
    if errors.iter().all(|e| e.warning) {
        let said = text.trim();
        errors.push(RpcError::failed(if said.is_empty() { "the command failed" } else { said }));
    }
    errors
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
    fn commit_check_blocks_become_errors_with_their_path_and_statement() {
        let text = "re0:\n[edit system]\n  'root-authentication'\n    Missing mandatory statement: \
                    'root-authentication'\nerror: configuration check-out failed\n";
        let errors = from_text(text);
        assert_eq!(errors.len(), 2);
        assert_eq!(errors[0].path.as_deref(), Some("[edit system]"));
        assert_eq!(errors[0].bad_element.as_deref(), Some("root-authentication"));
        assert_eq!(errors[0].message, "Missing mandatory statement: 'root-authentication'");
        assert_eq!(errors[1].message, "configuration check-out failed");
    }

    #[test]
    fn an_error_keeps_the_indented_lines_under_it_and_text_without_markers_is_one_error() {
        let text = "Users currently editing the configuration:\n  bob terminal p1\n\
                    error: configuration database locked by:\n  bob terminal p1 (pid 7)\n";
        let errors = from_text(text);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].message, "configuration database locked by:\n  bob terminal p1 (pid 7)");
        let plain = from_text("something went wrong\n");
        assert_eq!(plain, [RpcError::failed("something went wrong")]);
        let warned = from_text("warning: careful\nit broke\n");
        assert_eq!((warned.len(), warned[0].warning, warned[1].warning), (2, true, false));
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
