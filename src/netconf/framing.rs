//! RFC 6242 framing: where one NETCONF message ends in the byte stream.
//!
//! Every session starts with base 1.0 end-of-message framing (`]]>]]>` after
//! each message). When both hellos advertise `urn:ietf:params:netconf:base:1.1`
//! both directions switch to chunked framing: `\n#LEN\n` before each chunk of
//! LEN bytes and `\n##\n` after the last one.

use std::io::{Read, Write};

/// The base 1.0 end-of-message marker.
const END_OF_MESSAGE: &[u8] = b"]]>]]>";

/// The largest chunk RFC 6242 allows (its `chunk-size` is at most 4294967295).
const MAX_CHUNK: u64 = 4_294_967_295;

/// The largest chunk written. Clients that look for the next chunk header
/// by decoding all they hold of the current chunk at every read (ncclient,
/// and PyEZ over it, read 4 KiB at a time) take time in the square of the
/// chunk's size: a 60 MB reply as one chunk took them minutes.
const CHUNK: usize = 16 << 10;

/// The largest message read; beyond it the message is refused, never
/// buffered. Each session may hold one such message, its parse, and its
/// input window, so this bounds a session's memory: 4 MiB (tonic's default
/// for a gRPC message) holds any RPC and a configuration of tens of
/// thousands of lines, and a larger one is loaded from a file with
/// `<load-configuration url=...>`. Junos has no statement to change it.
pub const MAX_MESSAGE_BYTES: usize = 4 << 20;

/// Why no message could be read.
#[derive(Debug, thiserror::Error)]
pub enum FramingError {
    /// The message was longer than the limit; it was read to its end and
    /// dropped, so the session can answer and go on.
    #[error("message too large (more than {0} bytes)")]
    TooLarge(usize),
    /// A chunk header that is not `\n#LEN\n` or `\n##\n`: nothing after it
    /// can be trusted to start a message, so the session ends.
    #[error("bad chunk header")]
    BadChunk,
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// Reads framed messages from a byte stream.
pub struct FrameReader<'a> {
    input: &'a mut dyn Read,
    /// Bytes read and not yet part of a returned message.
    buffer: Vec<u8>,
    /// How far `buffer` has been taken by the message being read.
    position: usize,
    /// Chunked framing (base 1.1) is in use.
    chunked: bool,
    limit: usize,
}

impl<'a> FrameReader<'a> {
    pub fn new(input: &'a mut dyn Read) -> FrameReader<'a> {
        FrameReader::with_limit(input, MAX_MESSAGE_BYTES)
    }

    pub(crate) fn with_limit(input: &'a mut dyn Read, limit: usize) -> FrameReader<'a> {
        FrameReader { input, buffer: Vec::new(), position: 0, chunked: false, limit }
    }

    /// From the next message on, messages are chunked.
    pub fn use_chunks(&mut self) {
        self.chunked = true;
    }

    /// The next message, or `None` when the stream ends (a message cut
    /// short by the end of the stream is dropped: its sender is gone).
    pub fn next_message(&mut self) -> Result<Option<Vec<u8>>, FramingError> {
        let message = if self.chunked { self.next_chunked() } else { self.next_delimited() };
        // What the message took is dropped, whatever became of it.
        self.buffer.drain(..self.position.min(self.buffer.len()));
        self.position = 0;
        message
    }

    /// Reads more bytes into the buffer; `false` at the end of the stream.
    fn fill(&mut self) -> std::io::Result<bool> {
        let mut block = [0u8; 64 * 1024];
        loop {
            match self.input.read(&mut block) {
                Ok(0) => return Ok(false),
                Ok(n) => {
                    self.buffer.extend_from_slice(&block[..n]);
                    return Ok(true);
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Base 1.0: everything up to `]]>]]>`. An oversized message is read on
    /// to its marker without being kept (only the marker's length of it).
    fn next_delimited(&mut self) -> Result<Option<Vec<u8>>, FramingError> {
        let mut searched: usize = 0;
        let mut oversized = false;
        loop {
            // The marker may straddle two reads: look again at its length less one.
            let from = searched.saturating_sub(END_OF_MESSAGE.len() - 1);
            if let Some(at) = find(&self.buffer[from..], END_OF_MESSAGE) {
                let end = from + at;
                self.position = end + END_OF_MESSAGE.len();
                // One read may bring a whole message past the limit.
                if oversized || end > self.limit {
                    return Err(FramingError::TooLarge(self.limit));
                }
                return Ok(Some(self.buffer[..end].to_vec()));
            }
            searched = self.buffer.len();
            // With no marker, all but a marker's start is message.
            if self.buffer.len() >= self.limit + END_OF_MESSAGE.len() {
                oversized = true;
                let keep = END_OF_MESSAGE.len() - 1;
                self.buffer.drain(..self.buffer.len() - keep);
                searched = keep;
            }
            if !self.fill()? {
                self.position = self.buffer.len();
                return Ok(None);
            }
        }
    }

    /// The byte at `position`, reading more if needed; `None` at the end.
    fn peek(&mut self) -> std::io::Result<Option<u8>> {
        while self.position >= self.buffer.len() {
            if !self.fill()? {
                return Ok(None);
            }
        }
        Ok(Some(self.buffer[self.position]))
    }

    fn expect(&mut self, wanted: u8) -> Result<Option<()>, FramingError> {
        match self.peek()? {
            None => Ok(None),
            Some(b) if b == wanted => {
                self.position += 1;
                Ok(Some(()))
            }
            Some(_) => Err(FramingError::BadChunk),
        }
    }

    /// Base 1.1: chunks until the end-of-chunks marker. Whitespace before a
    /// message's first chunk is skipped, as clients send a newline after a
    /// message; inside a message the headers must be exact.
    fn next_chunked(&mut self) -> Result<Option<Vec<u8>>, FramingError> {
        while let Some(b) = self.peek()? {
            if !b.is_ascii_whitespace() {
                break;
            }
            self.position += 1;
            // Skipped whitespace is not kept: a client may send it forever.
            if self.position == self.buffer.len() {
                self.buffer.clear();
                self.position = 0;
            }
        }
        let mut message = Vec::new();
        let mut oversized = false;
        let mut first = true;
        loop {
            if !first && self.expect(b'\n')?.is_none() {
                return Ok(None);
            }
            if self.expect(b'#')?.is_none() {
                return Ok(None);
            }
            let Some(size) = self.chunk_size(first)? else {
                return Ok(None);
            };
            first = false;
            let Some(size) = size else {
                if oversized {
                    return Err(FramingError::TooLarge(self.limit));
                }
                return Ok(Some(message));
            };
            oversized |= message.len() as u64 + size > self.limit as u64;
            let mut left = size;
            while left > 0 {
                if self.peek()?.is_none() {
                    return Ok(None);
                }
                let available = (self.buffer.len() - self.position).min(left as usize);
                if !oversized {
                    message.extend_from_slice(&self.buffer[self.position..self.position + available]);
                }
                self.position += available;
                left -= available as u64;
                // Chunk data already handed over need not stay in the buffer.
                self.buffer.drain(..self.position);
                self.position = 0;
            }
        }
    }

    /// After `#`: the chunk's size and its newline, or `Some(None)` for the
    /// end-of-chunks `#\n` (not allowed before the first chunk).
    fn chunk_size(&mut self, first: bool) -> Result<Option<Option<u64>>, FramingError> {
        if self.peek()? == Some(b'#') {
            if first {
                return Err(FramingError::BadChunk);
            }
            self.position += 1;
            return Ok(self.expect(b'\n')?.map(|()| None));
        }
        let mut size: u64 = 0;
        let mut digits = 0;
        loop {
            match self.peek()? {
                None => return Ok(None),
                Some(b'\n') if digits > 0 => {
                    self.position += 1;
                    return Ok(Some(Some(size)));
                }
                // `chunk-size = [1-9][0-9]*`, at most 4294967295.
                Some(d @ b'0'..=b'9') if !(digits == 0 && d == b'0') => {
                    size = size * 10 + u64::from(d - b'0');
                    digits += 1;
                    if size > MAX_CHUNK {
                        return Err(FramingError::BadChunk);
                    }
                    self.position += 1;
                }
                Some(_) => return Err(FramingError::BadChunk),
            }
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Writes framed messages.
pub struct FrameWriter<'a> {
    output: &'a mut dyn Write,
    chunked: bool,
}

impl<'a> FrameWriter<'a> {
    pub fn new(output: &'a mut dyn Write) -> FrameWriter<'a> {
        FrameWriter { output, chunked: false }
    }

    /// From the next message on, messages are chunked.
    pub fn use_chunks(&mut self) {
        self.chunked = true;
    }

    /// Sends one message whole, in one write (one SSH packet when it fits):
    /// a client acts on it only when its end arrives.
    pub fn send(&mut self, message: &str) -> std::io::Result<()> {
        let mut framed = Vec::with_capacity(message.len() + 16);
        if self.chunked {
            // The messages are never empty, so there is at least one chunk.
            for chunk in chunks(message, CHUNK) {
                framed.extend_from_slice(format!("\n#{}\n", chunk.len()).as_bytes());
                framed.extend_from_slice(chunk.as_bytes());
            }
            framed.extend_from_slice(b"\n##\n");
        } else {
            framed.extend_from_slice(message.as_bytes());
            // Nothing after the marker: a client that moves to chunks
            // after the hellos must find the first chunk header next.
            framed.extend_from_slice(END_OF_MESSAGE);
        }
        self.output.write_all(&framed)?;
        self.output.flush()
    }
}

/// `text` in pieces of at most `size` bytes (`size` at least 4), each cut
/// between characters: clients decode each chunk on its own.
fn chunks(mut text: &str, size: usize) -> impl Iterator<Item = &str> {
    std::iter::from_fn(move || {
        if text.is_empty() {
            return None;
        }
        let mut end = text.len().min(size);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let (chunk, rest) = text.split_at(end);
        text = rest;
        Some(chunk)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stream that gives one byte a read, as a slow connection might.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let Some((&first, rest)) = self.0.split_first() else { return Ok(0) };
            buf[0] = first;
            self.0 = rest;
            Ok(1)
        }
    }

    fn messages(input: &[u8], chunked: bool, limit: usize) -> Vec<Result<String, String>> {
        let mut trickle = Trickle(input);
        let mut reader = FrameReader::with_limit(&mut trickle, limit);
        if chunked {
            reader.use_chunks();
        }
        let mut out = Vec::new();
        loop {
            match reader.next_message() {
                Ok(Some(m)) => out.push(Ok(String::from_utf8(m).unwrap())),
                Ok(None) => return out,
                Err(e @ FramingError::TooLarge(_)) => out.push(Err(e.to_string())),
                Err(e) => {
                    out.push(Err(e.to_string()));
                    return out;
                }
            }
        }
    }

    #[test]
    fn end_of_message_framing_splits_at_the_marker_even_across_reads() {
        let input = b"\n<?xml version=\"1.0\"?>\n<hello/>]]>]]>\n<rpc/>]]>]]><rpc>]]></rpc>]]>]]>";
        assert_eq!(
            messages(input, false, 1000),
            [
                Ok("\n<?xml version=\"1.0\"?>\n<hello/>".into()),
                Ok("\n<rpc/>".into()),
                Ok("<rpc>]]></rpc>".into())
            ]
        );
        // A message the stream cuts short is not a message.
        assert_eq!(messages(b"<rpc/>]]>]]><rpc", false, 1000), [Ok("<rpc/>".into())]);
    }

    #[test]
    fn an_oversized_message_is_refused_and_the_next_one_read() {
        let mut input = vec![b'x'; 100];
        input.extend_from_slice(b"]]>]]><rpc/>]]>]]>");
        assert_eq!(
            messages(&input, false, 10),
            [Err("message too large (more than 10 bytes)".into()), Ok("<rpc/>".into())]
        );
        let input = b"\n#8\nxxxxxxxx\n#8\nxxxxxxxx\n##\n\n#6\n<rpc/>\n##\n";
        assert_eq!(
            messages(input, true, 10),
            [Err("message too large (more than 10 bytes)".into()), Ok("<rpc/>".into())]
        );
    }

    #[test]
    fn a_message_past_the_limit_in_one_read_is_refused_too() {
        let mut input = &b"<rpc>0123456789</rpc>]]>]]><rpc/>]]>]]>"[..];
        let mut reader = FrameReader::with_limit(&mut input, 10);
        assert!(matches!(reader.next_message(), Err(FramingError::TooLarge(10))));
        assert_eq!(reader.next_message().unwrap(), Some(b"<rpc/>".to_vec()));
    }

    #[test]
    fn chunks_join_into_one_message() {
        let input = b"\n#4\n<rpc\n#17\n message-id=\"1\"/>\n##\n\n\n#3\n<a/\n#1\n>\n##\n";
        assert_eq!(messages(input, true, 1000), [Ok("<rpc message-id=\"1\"/>".into()), Ok("<a/>".into())]);
    }

    #[test]
    fn a_bad_chunk_header_ends_the_stream() {
        for bad in [
            &b"\n#0\n\n##\n"[..],
            b"\n#01\nx\n##\n",
            b"\n#x\n",
            b"\n##\n",
            b"\n#\n",
            b"\n#4294967296\n",
            b"\n#1\nx#1\ny\n##\n",
            b"<rpc/>]]>]]>",
        ] {
            assert_eq!(messages(bad, true, 1000), [Err("bad chunk header".to_owned())], "{bad:?}");
        }
    }

    #[test]
    fn messages_are_written_in_the_framing_in_use() {
        let mut out = Vec::new();
        let mut writer = FrameWriter::new(&mut out);
        writer.send("<hello/>").unwrap();
        writer.use_chunks();
        writer.send("<rpc-reply/>").unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "<hello/>]]>]]>\n#12\n<rpc-reply/>\n##\n");
    }

    #[test]
    fn a_long_message_goes_in_chunks_cut_between_characters() {
        let message = format!("<rpc-reply>{}</rpc-reply>", "é".repeat(CHUNK));
        let mut out = Vec::new();
        let mut writer = FrameWriter::new(&mut out);
        writer.use_chunks();
        writer.send(&message).unwrap();
        assert_eq!(messages(&out, true, usize::MAX), [Ok(message.clone())]);
        let sizes: Vec<usize> = chunks(&message, CHUNK).map(str::len).collect();
        // `<rpc-reply>` is 11 bytes: a cut at CHUNK would split an `é`.
        assert_eq!(sizes, [CHUNK - 1, CHUNK, 24]);
        assert!(chunks(&message, 5).all(|c| c.len() <= 5 && !c.is_empty()));
    }
}
