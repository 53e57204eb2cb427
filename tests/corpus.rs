//! The configuration corpus (tests/corpus/README.md): five routers'
//! configurations as Junos prints them, each in curly and `display set` form,
//! and broken variants with the errors a router gives for them. What reshell
//! accepts of them today is measured and held; the rest of what a router does
//! with them is written out as ignored tests whose reasons name what is
//! missing (`cargo test --test corpus -- --ignored` shows the gap).

mod common;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use common::{Run, embedded};

/// The configurations, by file stem (`NAME.conf` is the curly form,
/// `NAME.set` the set form), with how many of their set lines reshell
/// accepted when the corpus was written: acceptance may only grow.
const CONFIGURATIONS: [(&str, usize); 5] =
    [("mx-edge", 173), ("pe-vrf", 155), ("route-reflector", 118), ("campus-evpn", 119), ("dual-re", 81)];

fn corpus_path(file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/corpus").join(file)
}

fn corpus(file: &str) -> String {
    std::fs::read_to_string(corpus_path(file)).unwrap_or_else(|e| panic!("tests/corpus/{file}: {e}"))
}

/// A fresh embedded chassis that keeps its state between the runs of one test.
struct Chassis {
    dir: tempfile::TempDir,
    scripts: usize,
}

impl Chassis {
    fn new() -> Chassis {
        Chassis { dir: tempfile::tempdir().expect("a state dir"), scripts: 0 }
    }

    /// Runs a batch file, going on after errors and answering `yes`; text
    /// for `load ... terminal` follows its command, up to a line `^D`.
    fn run(&mut self, script: &str) -> Run {
        self.scripts += 1;
        let file = self.dir.path().join(format!("script-{}", self.scripts));
        std::fs::write(&file, script).expect("write the batch file");
        let state = self.dir.path().join("state");
        let mut command = embedded(&state);
        command.args(["--keep-going", "--yes", "-f"]).arg(&file);
        command.output().expect("run reshell").into()
    }

    /// The committed configuration, as `set` lines.
    fn committed(&mut self) -> String {
        let run = self.run("show configuration | display set\n");
        assert!(run.ok, "{}", run.stderr);
        run.stdout
    }
}

/// `configure`, then `load ACTION terminal` of `text`.
fn load(action: &str, text: &str) -> String {
    format!("configure\nload {action} terminal\n{text}^D\n")
}

/// The lines a `load ... terminal` refused, by line number, with why:
/// `terminal:LINE:(COLUMN) MESSAGE`.
fn refused(output: &str) -> BTreeMap<usize, String> {
    let mut lines = BTreeMap::new();
    for line in output.lines() {
        let line = line.strip_prefix("^D").unwrap_or(line);
        let Some(rest) = line.strip_prefix("terminal:") else { continue };
        let Some((number, message)) = rest.split_once(':') else { continue };
        if let Ok(number) = number.parse() {
            lines.entry(number).or_insert_with(|| message.to_owned());
        }
    }
    lines
}

/// The top-level hierarchy a `set` (or `deactivate`) line edits.
fn hierarchy(line: &str) -> &str {
    line.split_whitespace().nth(1).unwrap_or("")
}

/// Lines accepted and lines in all, by top-level hierarchy.
#[derive(Default)]
struct Tally(BTreeMap<String, (usize, usize)>);

impl Tally {
    fn add(&mut self, hierarchy: &str, accepted: bool) {
        let entry = self.0.entry(hierarchy.to_owned()).or_default();
        entry.0 += usize::from(accepted);
        entry.1 += 1;
    }

    fn accepted(&self) -> usize {
        self.0.values().map(|(a, _)| a).sum()
    }

    fn total(&self) -> usize {
        self.0.values().map(|(_, t)| t).sum()
    }

    /// `hierarchy accepted/total (percent)`, one line each, then the sum.
    fn table(&self) -> String {
        let mut out = String::new();
        let row = |out: &mut String, name: &str, (a, t): (usize, usize)| {
            let _ =
                writeln!(out, "{name:<20} {:>9} ({:>5.1}%)", format!("{a}/{t}"), 100.0 * a as f64 / t as f64);
        };
        for (name, counts) in &self.0 {
            row(&mut out, name, *counts);
        }
        row(&mut out, "all", (self.accepted(), self.total()));
        out
    }
}

/// Loads a configuration's set form into a fresh chassis; what was accepted
/// by hierarchy, and the refused lines with their messages.
fn measure(name: &str) -> (Tally, Vec<String>) {
    let set = corpus(&format!("{name}.set"));
    let run = Chassis::new().run(&load("set", &set));
    let refused = refused(&run.stdout);
    let finished =
        run.stdout.contains("load complete") || run.stdout.contains("error: configuration not loaded");
    assert!(finished, "{name}: the load did not finish: {}", run.stderr);
    let mut tally = Tally::default();
    let mut why = Vec::new();
    for (n, line) in set.lines().enumerate() {
        let refusal = refused.get(&(n + 1));
        tally.add(hierarchy(line), refusal.is_none());
        if let Some(message) = refusal {
            why.push(format!("{name}.set:{}: {line}\n    {message}", n + 1));
        }
    }
    (tally, why)
}

/// The acceptance report: each configuration's set form loaded with
/// `load set`, the share of lines accepted by top-level hierarchy, per
/// configuration and over the whole corpus. `--nocapture` prints it, with
/// every refused line when `CORPUS_REFUSALS` is set.
#[test]
fn corpus_acceptance_by_hierarchy() {
    let mut whole = Tally::default();
    let mut report = String::new();
    for (name, floor) in CONFIGURATIONS {
        let (tally, why) = measure(name);
        let _ = writeln!(report, "== {name}\n{}", tally.table());
        if std::env::var_os("CORPUS_REFUSALS").is_some() {
            report.extend(why.iter().map(|w| format!("{w}\n")));
        }
        assert!(
            tally.accepted() >= floor,
            "{name}: {} lines accepted, {floor} before:\n{}",
            tally.accepted(),
            why.join("\n")
        );
        for (hierarchy, (accepted, total)) in tally.0 {
            let entry = whole.0.entry(hierarchy).or_default();
            entry.0 += accepted;
            entry.1 += total;
        }
    }
    println!("{report}== corpus\n{}", whole.table());
}

/// The curly form as `display set` prints it: each leaf with its full path,
/// one line per member of a `[ list ]`, an `inactive:` statement followed
/// by its `deactivate` line; annotations and `##` comments are not shown.
fn display_set(curly: &str) -> String {
    let words = words(curly);
    let mut out = String::new();
    let mut at = 0;
    statements(&words, &mut at, &mut Vec::new(), &mut out);
    assert_eq!(at, words.len(), "unbalanced braces");
    out
}

/// The words of a curly text: a quoted string whole (quotes kept, as `set`
/// lines print them), braces, `;` and brackets on their own; comments dropped.
fn words(text: &str) -> Vec<String> {
    let (mut words, mut chars) = (Vec::new(), text.char_indices().peekable());
    while let Some((i, c)) = chars.next() {
        match c {
            c if c.is_whitespace() => {}
            '/' if text[i..].starts_with("/*") => {
                let end = text[i..].find("*/").map_or(text.len(), |e| i + e + 2);
                while chars.next_if(|&(j, _)| j < end).is_some() {}
            }
            '#' => while chars.next_if(|&(_, c)| c != '\n').is_some() {},
            '"' => {
                let mut word = String::from('"');
                while let Some((_, c)) = chars.next() {
                    word.push(c);
                    if c == '\\' {
                        word.extend(chars.next().map(|(_, c)| c));
                    } else if c == '"' {
                        break;
                    }
                }
                words.push(word);
            }
            '{' | '}' | ';' | '[' | ']' => words.push(c.to_string()),
            _ => {
                let mut word = String::from(c);
                while let Some((_, c)) = chars.next_if(|&(_, c)| !c.is_whitespace() && !"{};[]\"".contains(c))
                {
                    word.push(c);
                }
                words.push(word);
            }
        }
    }
    words
}

/// The one-liners of the corpus that Junos prints with several statements
/// on the entry's line (`server 192.0.2.123 key 1 prefer;`, `archive size
/// 1m files 10;`), which `display set` prints one per line: the keyword and
/// the number of words that name the entry.
const FLAT_ONE_LINERS: &[(&str, usize)] = &[("archive", 1), ("authentication-key", 2), ("server", 2)];

/// The statements without a value that such one-liners hold.
const FLAGS_IN_ONE_LINERS: &[&str] = &["prefer"];

/// How many words of `statement` name its entry, when it is a one-liner
/// holding several statements.
fn flat_head(statement: &[String]) -> Option<usize> {
    let &(_, head) = FLAT_ONE_LINERS.iter().find(|(keyword, _)| *keyword == statement[0])?;
    let rest = statement.len().checked_sub(head)?;
    // One statement (`server 192.0.2.1 prefer;`) is one line as it is.
    let several = rest > 2 || (rest == 2 && FLAGS_IN_ONE_LINERS.contains(&statement[head].as_str()));
    several.then_some(head)
}

/// Writes the set lines of the statements from `at` to the `}` that ends
/// their block (or the end), each under `path`.
fn statements(words: &[String], at: &mut usize, path: &mut Vec<String>, out: &mut String) {
    while *at < words.len() && words[*at] != "}" {
        let inactive = words[*at] == "inactive:";
        *at += usize::from(inactive);
        let start = *at;
        while words[*at] != "{" && words[*at] != ";" {
            *at += 1;
        }
        let statement = &words[start..*at];
        let depth = path.len();
        if words[*at] == "{" {
            *at += 1;
            path.extend(statement.iter().cloned());
            let before = out.len();
            statements(words, at, path, out);
            if out.len() == before {
                let _ = writeln!(out, "set {}", path.join(" "));
            }
            assert_eq!(words[*at], "}");
        } else if let Some(open) = statement.iter().position(|w| w == "[") {
            for member in &statement[open + 1..statement.len() - 1] {
                let _ = writeln!(
                    out,
                    "set {} {member}",
                    path.iter().chain(&statement[..open]).cloned().collect::<Vec<_>>().join(" ")
                );
            }
            path.push(statement[0].clone());
        } else if let Some(head) = flat_head(statement) {
            // A one-liner holding several statements: a line for each.
            let entry = path.iter().chain(&statement[..head]).cloned().collect::<Vec<_>>().join(" ");
            let mut rest = &statement[head..];
            while let Some(word) = rest.first() {
                let width = if FLAGS_IN_ONE_LINERS.contains(&word.as_str()) { 1 } else { 2.min(rest.len()) };
                let _ = writeln!(out, "set {entry} {}", rest[..width].join(" "));
                rest = &rest[width..];
            }
            path.push(statement[0].clone());
        } else {
            let _ =
                writeln!(out, "set {}", path.iter().chain(statement).cloned().collect::<Vec<_>>().join(" "));
            path.push(statement[0].clone());
        }
        *at += 1;
        if inactive {
            let _ = writeln!(out, "deactivate {}", path.join(" "));
        }
        path.truncate(depth);
    }
}

/// The corpus itself: its two forms of each configuration say the same.
#[test]
fn the_curly_and_set_forms_of_each_configuration_agree() {
    for (name, _) in CONFIGURATIONS {
        let (curly, set) = (corpus(&format!("{name}.conf")), corpus(&format!("{name}.set")));
        assert_eq!(display_set(&curly), set, "{name}: the set form is not the curly form's");
        let lines = curly.lines().count();
        assert!((150..=400).contains(&lines), "{name}.conf has {lines} lines");
    }
}

/// The curly text as the shell prints it, the time of its `## Last changed`
/// header set aside.
fn without_time(text: &str) -> String {
    text.lines()
        .map(|l| if l.starts_with("## Last changed: ") { "## Last changed: TIME" } else { l })
        .collect::<Vec<_>>()
        .join("\n")
}

/// What a run printed after the last `load complete` line (which counts
/// the errors, if any).
fn after_load(run: &Run) -> &str {
    let Some(at) = run.stdout.rfind("load complete") else { return "" };
    run.stdout[at..].split_once('\n').map_or("", |(_, rest)| rest)
}

/// `shown` and `expected` are the same text; if not, where they first differ.
fn same_text(name: &str, shown: &str, expected: &str) {
    let (shown, expected) = (without_time(shown), without_time(expected));
    let first = shown.lines().zip(expected.lines()).position(|(s, e)| s != e);
    let at = first.unwrap_or(shown.lines().count().min(expected.lines().count()));
    assert_eq!(
        shown,
        expected,
        "{name}: line {} shows {:?}, not {:?}",
        at + 1,
        shown.lines().nth(at).unwrap_or("(the end)"),
        expected.lines().nth(at).unwrap_or("(the end)")
    );
}

#[test]
fn each_configuration_loads_from_its_set_form_without_an_error() {
    for (name, _) in CONFIGURATIONS {
        let (tally, why) = measure(name);
        assert_eq!(tally.accepted(), tally.total(), "{name}:\n{}", why.join("\n"));
    }
}

#[test]
fn each_configuration_loads_from_its_curly_form_and_commits() {
    for (name, _) in CONFIGURATIONS {
        let run = Chassis::new().run(&(load("override", &corpus(&format!("{name}.conf"))) + "commit\n"));
        assert!(run.stdout.contains("^Dload complete\n"), "{name}: {}", run.stdout);
        assert!(run.stdout.ends_with("commit complete\n"), "{name}: {}{}", run.stdout, run.stderr);
    }
}

#[test]
fn show_prints_each_configuration_byte_for_byte_as_its_curly_form() {
    for (name, _) in CONFIGURATIONS {
        let curly = corpus(&format!("{name}.conf"));
        let run = Chassis::new().run(&(load("override", &curly) + "show\n"));
        same_text(name, after_load(&run), &curly);
    }
}

#[test]
fn display_set_prints_each_curly_configuration_as_its_set_form() {
    for (name, _) in CONFIGURATIONS {
        let run = Chassis::new()
            .run(&(load("override", &corpus(&format!("{name}.conf"))) + "show | display set\n"));
        same_text(name, after_load(&run), &corpus(&format!("{name}.set")));
    }
}

/// The set form carries no annotations: what it loads to is the curly
/// form less its `/* */` lines.
#[test]
fn each_set_form_loads_to_its_curly_form() {
    for (name, _) in CONFIGURATIONS {
        let script = load("override", "") + &load("set", &corpus(&format!("{name}.set"))) + "show\n";
        let run = Chassis::new().run(&script);
        let curly = corpus(&format!("{name}.conf"));
        let unannotated: String =
            curly.lines().filter(|l| !l.trim_start().starts_with("/*")).map(|l| format!("{l}\n")).collect();
        same_text(name, after_load(&run), &unannotated);
    }
}

/// `show | display json` without the time of the last change: the
/// configuration's `"@"` member that holds only the `junos:changed-*` stamp.
fn json_without_stamp(shown: &str) -> String {
    let lines: Vec<&str> = shown.lines().collect();
    let mut out = String::new();
    let mut at = 0;
    while at < lines.len() {
        let stamp =
            lines[at + 1..].iter().take_while(|l| l.trim_start().starts_with("\"junos:changed-")).count();
        if lines[at].trim() == "\"@\" : {" && stamp > 0 {
            at += stamp + 2;
            continue;
        }
        out.push_str(lines[at]);
        out.push('\n');
        at += 1;
    }
    out
}

/// The `<configuration>` element of `show | display xml` on its own: out of
/// its `<rpc-reply>` (so one indent less), declaring the `junos:` namespace
/// the reply declared, without the `junos:changed-*` stamp.
fn xml_configuration(shown: &str) -> String {
    let namespace = shown
        .split_once("<rpc-reply ")
        .and_then(|(_, rest)| rest.split_once('>'))
        .map_or("", |(attributes, _)| attributes);
    let mut out = String::new();
    let lines = shown.lines().skip_while(|l| !l.starts_with("    <configuration"));
    for (n, line) in lines.enumerate() {
        let line = line.strip_prefix("    ").unwrap_or(line);
        if n == 0 {
            let _ = writeln!(out, "<configuration {namespace}>");
        } else {
            let _ = writeln!(out, "{line}");
        }
        if line == "</configuration>" {
            break;
        }
    }
    out
}

/// One chassis loads each configuration's `FORM` file with `load override`,
/// shows it, commits it and shows it with `| display FORM`.
fn load_show_commit_display(form: &str, display: fn(&str) -> String) {
    let mut script = String::from("configure\n");
    for (name, _) in CONFIGURATIONS {
        let text = corpus(&format!("{name}.{form}"));
        let _ = write!(script, "load override terminal\n{text}^D\nshow\ncommit\nshow | display {form}\n");
    }
    let run = Chassis::new().run(&script);
    let mut loads = run.stdout.split("load complete\n").skip(1);
    for (name, _) in CONFIGURATIONS {
        let output =
            loads.next().unwrap_or_else(|| panic!("{name}.{form}: not loaded: {}{}", run.stdout, run.stderr));
        // The curly form ends with the `}` of its last hierarchy; the commit's
        // report follows (one per Routing Engine on a two-RE chassis), then
        // the display, then the next load's prompt.
        let (committed, displayed) = output
            .rsplit_once("commit complete\n")
            .unwrap_or_else(|| panic!("{name}.{form}: not committed: {output}"));
        let shown = committed.rsplit_once("\n}\n").map_or(committed, |(shown, _)| shown);
        let displayed = displayed.split("[Type ^D").next().unwrap_or_default();
        same_text(&format!("{name}.{form}"), &format!("{shown}\n}}\n"), &corpus(&format!("{name}.conf")));
        same_text(
            &format!("{name} | display {form}"),
            &display(displayed),
            &corpus(&format!("{name}.{form}")),
        );
    }
}

#[test]
fn each_json_form_loads_shows_as_its_curly_form_commits_and_displays_as_itself() {
    load_show_commit_display("json", json_without_stamp);
}

#[test]
fn each_xml_form_loads_shows_as_its_curly_form_commits_and_displays_as_itself() {
    load_show_commit_display("xml", xml_configuration);
}

/// Loads a broken variant (`load set` of a `.set`, `load merge` of a
/// `.conf`) and commits; what was printed, and whether the committed
/// configuration changed.
fn load_broken(file: &str) -> (String, bool) {
    let action = if file.ends_with(".set") { "set" } else { "merge" };
    let mut chassis = Chassis::new();
    let before = chassis.committed();
    let run = chassis.run(&(load(action, &corpus(&format!("broken/{file}"))) + "commit\n"));
    (format!("{}{}", run.stdout, run.stderr), chassis.committed() != before)
}

/// The lines of the variant's `.expected` were printed, in order (a
/// `terminal:` line may follow the echoed `^D`); whether the committed
/// configuration changed.
fn refused_with_junos_error(file: &str) -> bool {
    let (output, changed) = load_broken(file);
    let stem = file.rsplit_once('.').map_or(file, |(stem, _)| stem);
    let mut printed = output.lines().map(|l| l.strip_prefix("^D").unwrap_or(l));
    for expected in corpus(&format!("broken/{stem}.expected")).lines() {
        assert!(printed.any(|l| l == expected), "{file}: {expected:?} not printed (in order) in:\n{output}");
    }
    changed
}

#[test]
fn a_bad_ipv4_prefix_is_refused_with_junos_error() {
    refused_with_junos_error("bad-prefix.set");
}

#[test]
fn an_unknown_statement_is_refused_with_junos_error() {
    refused_with_junos_error("unknown-statement.set");
}

#[test]
fn a_value_out_of_range_is_refused_with_junos_error() {
    refused_with_junos_error("out-of-range.set");
}

#[test]
fn a_missing_semicolon_is_refused_with_junos_error() {
    refused_with_junos_error("missing-semicolon.conf");
}

#[test]
fn a_file_with_an_error_loads_nothing() {
    for file in ["bad-prefix.set", "unknown-statement.set", "out-of-range.set", "missing-semicolon.conf"] {
        let (output, changed) = load_broken(file);
        assert!(!changed, "{file} changed the configuration:\n{output}");
    }
}

#[test]
fn an_undefined_policy_is_refused_at_commit_and_changes_nothing() {
    assert!(!refused_with_junos_error("undefined-policy.set"), "the commit went through");
}

#[test]
fn an_undefined_prefix_list_community_or_policer_is_refused_at_commit_and_changes_nothing() {
    assert!(!refused_with_junos_error("undefined-prefix-list.set"), "the commit went through");
}

#[test]
fn an_undefined_login_class_is_refused_at_commit_and_changes_nothing() {
    assert!(!refused_with_junos_error("undefined-class.set"), "the commit went through");
}
