//! The entry points `cargo fuzz` drives (see `fuzz/`): each reads untrusted
//! text with one of the parsers and must return, never panic. The unit test
//! below runs them over the seed corpus and mutations of it on every
//! `cargo test`, a bounded fuzz run that needs no nightly toolchain. The
//! network parsers (SSH channel input, NETCONF framing and XML, gRPC
//! messages) must also hold memory in proportion to their input, never
//! more than their limits allow: the tests count what each run allocates
//! (under `cargo fuzz`, libFuzzer's `-malloc_limit_mb` does).

use std::sync::OnceLock;

use crate::config::load::{apply_set_lines, parse_text};
use crate::config::schema::Schema;
use crate::config::tree::Node;

use crate::config::print::{to_set, to_text};
use crate::frontends::channel::{self, Terminal};
use crate::grammar::{Grammar, Language};
use crate::netconf::framing::{FrameReader, FramingError};
use crate::netconf::message::{self, Incoming};

fn languages() -> &'static [Language; 2] {
    static LANGUAGES: OnceLock<[Language; 2]> = OnceLock::new();
    LANGUAGES.get_or_init(|| {
        let language = |commands: Grammar| Language {
            commands,
            pipes: Grammar::pipes().expect("the shipped pipe grammar loads"),
        };
        [
            language(Grammar::operational().expect("the shipped grammar loads")),
            language(Grammar::configuration().expect("the shipped grammar loads")),
        ]
    })
}

fn schema() -> &'static Schema {
    static SCHEMA: OnceLock<std::sync::Arc<Schema>> = OnceLock::new();
    SCHEMA.get_or_init(|| Schema::shipped().expect("the shipped schema loads"))
}

/// A command line, as typed in either mode: run, `?` and TAB.
pub fn command_line(data: &[u8]) {
    let line = String::from_utf8_lossy(data);
    for language in languages() {
        let _ = language.parse(&line);
        let _ = language.completions(&line);
        let _ = language.complete_word(&line);
    }
}

/// A grammar file.
pub fn grammar(data: &[u8]) {
    let _ = Grammar::load("fuzz.grammar", &String::from_utf8_lossy(data));
}

/// A configuration in curly-brace form: what reads without error prints
/// back to text that reads to the same tree.
pub fn configuration_text(data: &[u8]) {
    let schema = schema();
    let (tree, errors) = parse_text(schema, &String::from_utf8_lossy(data));
    if errors.is_empty() {
        let printed = to_text(schema, None, &tree);
        let (again, errors) = parse_text(schema, &printed);
        assert!(errors.is_empty(), "the printed form reads back: {errors:?}\n{printed}");
        assert_eq!(to_text(schema, None, &again), printed, "printing is stable");
    }
}

/// A configuration as `set` lines.
pub fn configuration_set(data: &[u8]) {
    let schema = schema();
    let mut tree = Node::default();
    let _ = apply_set_lines(schema, &mut tree, &String::from_utf8_lossy(data));
    let _ = to_set(schema, None, &tree, "set ");
}

/// The message limit the framing target reads with: small, so that inputs
/// of any size cross it.
pub const FRAMING_LIMIT: usize = 1024;

/// Bytes from an SSH channel, as NETCONF reads them (the first byte picks
/// end-of-message or chunked framing): no message is longer than the limit.
pub fn netconf_framing(data: &[u8]) {
    let (chunked, mut input) = match data.split_first() {
        Some((first, rest)) => (first & 1 == 1, rest),
        None => (false, data),
    };
    let mut reader = FrameReader::with_limit(&mut input, FRAMING_LIMIT);
    if chunked {
        reader.use_chunks();
    }
    loop {
        match reader.next_message() {
            Ok(Some(message)) => assert!(message.len() <= FRAMING_LIMIT, "a message past the limit"),
            Ok(None) | Err(FramingError::BadChunk | FramingError::Io(_)) => return,
            Err(FramingError::TooLarge(_)) => {}
        }
    }
}

/// One NETCONF message's text: whatever it is, the reply to it is XML.
pub fn netconf_xml(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let body = match message::parse(text) {
        Err(error) => error.to_xml(),
        Ok(document) => match message::classify(&document) {
            Incoming::Hello { capabilities } => {
                capabilities.iter().map(|c| message::leaf("capability", c)).collect()
            }
            Incoming::Rpc(rpc) => message::reply(&rpc.attributes, "<ok/>"),
            Incoming::Refused { attributes, error } => message::reply(&attributes, &error.to_xml()),
        },
    };
    let reply = message::reply("", &body);
    if let Err(e) = roxmltree::Document::parse(&reply) {
        panic!("a reply that is not XML ({e}): {reply}");
    }
}

/// What an SSH client types at the CLI: lines, shown or hidden, each no
/// longer than a command line may be.
pub fn channel_input(data: &[u8]) {
    static RUNTIME: OnceLock<Option<tokio::runtime::Runtime>> = OnceLock::new();
    let Some(runtime) = RUNTIME.get_or_init(|| tokio::runtime::Builder::new_current_thread().build().ok())
    else {
        return;
    };
    let (typed, keys) = channel::input();
    // All of it fits the session's window: nothing reads until it is sent.
    let data = &data[..data.len().min(channel::INPUT_WINDOW)];
    runtime.block_on(async {
        for chunk in data.chunks(4096) {
            typed.send(chunk).await;
        }
    });
    drop(typed);
    let mut terminal = Terminal::new(keys, Box::new(std::io::sink()));
    let mut echo = true;
    while let Some(line) = terminal.read_line(echo) {
        assert!(line.len() <= crate::MAX_LINE_BYTES, "a line of {} bytes", line.len());
        echo = !echo;
    }
}

/// One gRPC message's bytes, as each message type an agent is sent:
/// decoding fails or succeeds, and never panics.
pub fn grpc_messages(data: &[u8]) {
    use crate::proto::*;
    use prost::Message;
    macro_rules! decode {
        ($($message:ty),* $(,)?) => { $( let _ = <$message>::decode(data); )* };
    }
    decode!(
        AdmitRequest,
        AttachRequest,
        ChangeMastershipRequest,
        ChecksumFileRequest,
        ClaimRequest,
        CloseRequest,
        CommitRequest,
        CompareRequest,
        CopyFileRequest,
        EditRequest,
        FaultRequest,
        FileChunk,
        FilePathRequest,
        GetConfigurationRequest,
        GetInterfaceInformationRequest,
        GetRouteInformationRequest,
        ListFilesRequest,
        LoadRequest,
        LoginOtherRequest,
        LoginRequest,
        LogoutRequest,
        OpenRequest,
        PeerStatus,
        ProbeRequest,
        ReadFileRequest,
        RenameFileRequest,
        RestartProcessRequest,
        RescueRequest,
        RollbackRequest,
        SaveFileRequest,
        SetLevelRequest,
        ShutdownRequest,
        SynchronizeRequest,
    );
}

/// Counts the bytes each thread holds, for the memory bounds of the
/// network parsers.
#[cfg(test)]
mod allocations {
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::cell::Cell;

    thread_local! {
        static HELD: Cell<isize> = const { Cell::new(0) };
        static PEAK: Cell<isize> = const { Cell::new(0) };
    }

    fn count(change: isize) {
        // Not at all while the thread's locals are torn down.
        let _ = HELD.try_with(|held| {
            held.set(held.get() + change);
            let _ = PEAK.try_with(|peak| peak.set(peak.get().max(held.get())));
        });
    }

    struct Counting;

    // SAFETY: every call is passed to the system allocator unchanged.
    unsafe impl GlobalAlloc for Counting {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            count(layout.size() as isize);
            // SAFETY: the caller's contract is the system allocator's.
            unsafe { System.alloc(layout) }
        }

        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            count(-(layout.size() as isize));
            // SAFETY: as above.
            unsafe { System.dealloc(ptr, layout) }
        }

        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            count(new_size as isize - layout.size() as isize);
            // SAFETY: as above.
            unsafe { System.realloc(ptr, layout, new_size) }
        }
    }

    #[global_allocator]
    static COUNTING: Counting = Counting;

    /// The most `run` held at once on this thread beyond what was held before.
    pub fn peak(run: impl FnOnce()) -> usize {
        let before = HELD.with(Cell::get);
        PEAK.with(|peak| peak.set(before));
        run();
        (PEAK.with(Cell::get) - before).max(0) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::random::Rng;

    /// The seeds of a target, from `fuzz/corpus/TARGET`.
    fn seeds(target: &str) -> Vec<Vec<u8>> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus").join(target);
        let mut seeds: Vec<Vec<u8>> =
            std::fs::read_dir(&dir).unwrap().map(|e| std::fs::read(e.unwrap().path()).unwrap()).collect();
        assert!(!seeds.is_empty(), "{} has seeds", dir.display());
        seeds.sort();
        seeds
    }

    /// One of the edits a fuzzer makes: flip, insert, delete, duplicate, splice.
    fn mutate(rng: &mut Rng, input: &[u8], other: &[u8]) -> Vec<u8> {
        const INTERESTING: &[u8] = b"{};\"\\# \n\t|?*<>[]/-0123456789";
        let mut out = input.to_vec();
        for _ in 0..=rng.below(4) {
            let at = rng.below(out.len() + 1);
            match rng.below(5) {
                0 if at < out.len() => out[at] = rng.next_u64() as u8,
                1 => out.insert(at, INTERESTING[rng.below(INTERESTING.len())]),
                2 if at < out.len() => {
                    let end = (at + rng.below(16)).min(out.len());
                    out.drain(at..end);
                }
                3 if at < out.len() => {
                    let end = (at + rng.below(64)).min(out.len());
                    let copy = out[at..end].to_vec();
                    out.splice(at..at, copy);
                }
                _ if !other.is_empty() => {
                    let from = rng.below(other.len());
                    let end = (from + rng.below(64)).min(other.len());
                    out.splice(at..at, other[from..end].iter().copied());
                }
                _ => {}
            }
        }
        out
    }

    fn run(target: &str, mut entry: impl FnMut(&[u8]), rounds: usize) {
        let seeds = seeds(target);
        let mut rng = Rng::new(0x5eed);
        for seed in &seeds {
            entry(seed);
        }
        for _ in 0..rounds {
            let input = &seeds[rng.below(seeds.len())];
            let other = &seeds[rng.below(seeds.len())];
            let mutated = mutate(&mut rng, input, other);
            entry(&mutated);
        }
    }

    /// `run`, and no input makes `entry` hold more than `bound` of its length.
    fn run_bounded(target: &str, entry: fn(&[u8]), rounds: usize, bound: fn(usize) -> usize) {
        // What the target sets up once is not the input's doing.
        entry(&[]);
        let check = |input: &[u8]| {
            let held = allocations::peak(|| entry(input));
            assert!(held <= bound(input.len()), "{target}: {held} bytes held for {} of input", input.len());
        };
        run(target, check, rounds);
    }

    #[test]
    fn netconf_framing_never_panics_and_holds_at_most_its_limit() {
        run_bounded("netconf_framing", netconf_framing, 20_000, |_| FRAMING_BOUND);
        // However long a message without its end, or its chunks, the reader
        // holds its limit and one read.
        let endless = [&b"\x00<rpc>"[..], &vec![b'x'; 4 << 20]].concat();
        let mut chunked = b"\x01\n#4194304\n".to_vec();
        chunked.resize(chunked.len() + (4 << 20), b'y');
        chunked.extend_from_slice(b"\n##\n");
        for input in [endless, chunked] {
            let held = allocations::peak(|| netconf_framing(&input));
            assert!(held <= FRAMING_BOUND, "{held} bytes held for {} of input", input.len());
        }
    }

    /// The framing reader's buffer: a message of the limit and a read of
    /// 64 KiB past it, each at most doubled by `Vec`'s growth.
    const FRAMING_BOUND: usize = 2 * (FRAMING_LIMIT + (64 << 10)) + 2 * FRAMING_LIMIT;

    #[test]
    fn netconf_xml_never_panics_and_every_reply_is_xml() {
        run_bounded("netconf_xml", netconf_xml, 20_000, XML_BOUND);
        // The most nodes a byte can make: the tree is the cost of a message,
        // some 32 bytes a byte of it (so up to 128 MiB while a message of
        // the 4 MiB limit is read).
        let dense = format!("<rpc message-id=\"1\">{}</rpc>", "<a>x</a>\n".repeat(100_000));
        let held = allocations::peak(|| netconf_xml(dense.as_bytes()));
        assert!(held <= XML_BOUND(dense.len()), "{held} bytes held for {} of input", dense.len());
    }

    /// What a message's parse may hold: its tree and the reply, beyond
    /// the error texts every reply may carry.
    const XML_BOUND: fn(usize) -> usize = |n| 40 * n + (16 << 10);

    #[test]
    fn channel_input_never_panics_and_lines_stay_short() {
        run_bounded("channel_input", channel_input, 20_000, |n| 8 * n + (16 << 10));
        // A line that never ends holds what was sent and one command line.
        let endless = vec![b'a'; 1 << 20];
        let held = allocations::peak(|| channel_input(&endless));
        let bound = endless.len() + 4 * crate::MAX_LINE_BYTES + (64 << 10);
        assert!(held <= bound, "{held} bytes held for {} of input", endless.len());
    }

    #[test]
    fn grpc_messages_never_panic() {
        run_bounded("grpc_messages", grpc_messages, 20_000, GRPC_BOUND);
        // The most a byte can cost: an empty repeated message is two bytes
        // of input and a whole struct of output.
        let dense = b"\x0a\x00".repeat(1 << 16);
        let held = allocations::peak(|| grpc_messages(&dense));
        assert!(held <= GRPC_BOUND(dense.len()), "{held} bytes held for {} of input", dense.len());
    }

    const GRPC_BOUND: fn(usize) -> usize = |n| 16 * n + (16 << 10);

    #[test]
    fn command_lines_never_panic() {
        run("command_line", command_line, 20_000);
    }

    #[test]
    fn grammar_files_never_panic() {
        run("grammar", grammar, 2_000);
    }

    #[test]
    fn configuration_text_never_panics_and_reads_back() {
        run("configuration_text", configuration_text, 5_000);
    }

    #[test]
    fn configuration_set_lines_never_panic() {
        run("configuration_set", configuration_set, 5_000);
    }
}
