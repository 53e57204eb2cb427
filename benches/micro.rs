//! Micro benchmarks of the pieces a command and a commit go through: the
//! command-line parser, the configuration readers and printers, comparison,
//! inheritance and validation. `cargo bench --bench micro`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use reshell::config::compare::compare;
use reshell::config::generate;
use reshell::config::inherit::expand;
use reshell::config::load::{apply_set_lines, parse_text};
use reshell::config::print::{to_set, to_text};
use reshell::config::schema::Schema;
use reshell::config::tree::Node;
use reshell::config::validate::check;
use reshell::grammar::{Grammar, Language};
use reshell::slot::Slot;

/// Lines in the configuration the configuration benchmarks work on.
const LINES: usize = 20_000;

fn command_line(c: &mut Criterion) {
    let language = |commands| Language { commands, pipes: Grammar::pipes().expect("pipes") };
    let operational = language(Grammar::operational().expect("operational grammar"));
    let configuration = language(Grammar::configuration().expect("configuration grammar"));
    let mut group = c.benchmark_group("command_line");
    group.bench_function("show chassis routing-engine | match", |b| {
        b.iter(|| operational.parse(black_box("show chassis routing-engine | match Master")).is_ok())
    });
    group.bench_function("abbreviated sh ch rou", |b| {
        b.iter(|| operational.parse(black_box("sh ch rou")).is_ok())
    });
    group.bench_function("set interface address", |b| {
        b.iter(|| {
            configuration
                .parse(black_box("set interfaces ge-0/0/0 unit 0 family inet address 10.0.0.1/24"))
                .is_ok()
        })
    });
    group.bench_function("? after show chassis", |b| {
        b.iter(|| operational.completions(black_box("show chassis ")).is_ok())
    });
    group.finish();
}

fn configuration(c: &mut Criterion) {
    let schema = Schema::shipped().expect("schema");
    let set = generate::set_lines(LINES);
    let tree = generate::tree(&schema, LINES);
    let curly = to_text(&schema, None, &tree);
    let effective = expand(&schema, &tree, Slot::RE0);
    // One line in a hundred changed: the shape of a routine commit's diff.
    let mut changed = tree.clone();
    let edits: String =
        set.lines()
            .step_by(100)
            .map(|line| format!("delete {}\n", &line["set ".len()..]))
            .chain((0..LINES / 100).map(|n| {
                format!("set routing-options static route 198.18.{}.{}/32 discard\n", n / 256, n % 256)
            }))
            .collect();
    assert!(apply_set_lines(&schema, &mut changed, &edits).is_empty());

    let mut group = c.benchmark_group("configuration");
    group.sample_size(20).measurement_time(Duration::from_secs(4));
    group.throughput(Throughput::Bytes(set.len() as u64));
    group.bench_function("read set lines", |b| {
        b.iter(|| {
            let mut root = Node::default();
            apply_set_lines(&schema, &mut root, black_box(&set))
        })
    });
    group.throughput(Throughput::Bytes(curly.len() as u64));
    group.bench_function("read curly text", |b| b.iter(|| parse_text(&schema, black_box(&curly))));
    group.bench_function("print curly text", |b| b.iter(|| to_text(&schema, None, black_box(&tree))));
    group.bench_function("print set lines", |b| b.iter(|| to_set(&schema, None, black_box(&tree), "")));
    group.throughput(Throughput::Elements(LINES as u64));
    group.bench_function("compare, 1% changed", |b| b.iter(|| compare(&schema, &tree, black_box(&changed))));
    group.bench_function("inherit (groups, wildcards)", |b| {
        b.iter(|| expand(&schema, black_box(&tree), Slot::RE0))
    });
    group.bench_function("validate", |b| b.iter(|| check(&schema, black_box(&effective))));
    group.finish();
}

/// Reading every schema file: what each process pays once at start.
fn schema(c: &mut Criterion) {
    c.bench_function("read the shipped schema", |b| b.iter(|| Schema::read_shipped().expect("schema")));
}

criterion_group!(benches, command_line, configuration, schema);
criterion_main!(benches);
