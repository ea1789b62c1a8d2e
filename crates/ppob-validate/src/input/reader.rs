//! Reads inputs in bounded batches of documents, so that memory stays flat
//! however large a stream is: a batch holds at most about [`BATCH_BYTES`]
//! (more only when a single document is larger).

use std::collections::VecDeque;
use std::fs::File;
use std::io::Read;
use std::ops::Range;

use serde::de::IgnoredAny;

use super::har;
use super::sources::{Framing, InputSpec};
use ppob_core::contract::DocKind;

/// Target size of one batch's buffer.
pub const BATCH_BYTES: usize = 4 << 20;
/// Most whole files put in one batch.
const BATCH_FILES: usize = 256;
/// The largest document read (a whole file, stdin, a HAR file or one NDJSON
/// line): far above any real answer, and what keeps `validate /dev/zero` or an
/// endless stream from growing until memory runs out.
pub const MAX_DOCUMENT_BYTES: usize = 64 << 20;

/// Why an input stopped at [`MAX_DOCUMENT_BYTES`].
fn too_large(what: &str) -> String {
    format!(
        "{what} is larger than {} MiB, the most one document may be (is it a device or an endless stream?)",
        MAX_DOCUMENT_BYTES >> 20
    )
}

/// Bytes read of a document (or an NDJSON line) before it is judged unable
/// to be JSON at all: one that begins with a byte no JSON value begins with
/// (a device of zeros, a binary file) is read no further, so it costs this
/// much memory, not [`MAX_DOCUMENT_BYTES`]; the parser then names the byte.
const SNIFF_BYTES: usize = 64 * 1024;

/// The first byte of `bytes` past a UTF-8 BOM and JSON whitespace, when it
/// cannot begin a JSON value (`None` when it can, or when there is none yet).
fn not_json_start(bytes: &[u8]) -> Option<u8> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let first = *bytes
        .iter()
        .find(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))?;
    let can_begin = matches!(
        first,
        b'{' | b'[' | b'"' | b'-' | b'0'..=b'9' | b't' | b'f' | b'n'
    );
    (!can_begin).then_some(first)
}

/// Reads `reader` to its end, at most [`MAX_DOCUMENT_BYTES`]; `Ok(false)`
/// when it holds more. An input that cannot be JSON (see [`SNIFF_BYTES`]) is
/// read only that far and returned as it is, `Ok(true)`: its parse error is
/// in what was read.
fn read_capped(reader: &mut dyn Read, buffer: &mut Vec<u8>) -> std::io::Result<bool> {
    let before = buffer.len();
    let ended = fill(reader, buffer, before + SNIFF_BYTES)?;
    if ended || not_json_start(&buffer[before..]).is_some() {
        return Ok(true);
    }
    let left = MAX_DOCUMENT_BYTES - (buffer.len() - before);
    reader.take(left as u64 + 1).read_to_end(buffer)?;
    Ok(buffer.len() - before <= MAX_DOCUMENT_BYTES)
}

/// One document of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocRef {
    /// How findings name it: the path, or `path:line` in a stream.
    pub source: String,
    /// Its bytes within [`Batch::buffer`].
    pub range: Range<usize>,
    /// The source line its first byte is on.
    pub first_line: u64,
    /// The kind it must be checked as, when known before reading it.
    pub kind: Option<DocKind>,
    /// Why it could not be read, if it could not.
    pub problem: Option<String>,
}

/// Documents read together, sharing one buffer.
#[derive(Debug, Default)]
pub struct Batch {
    /// The bytes of every document of the batch.
    pub buffer: Vec<u8>,
    /// The documents, in input order.
    pub docs: Vec<DocRef>,
}

impl Batch {
    /// The bytes of one of this batch's documents.
    pub fn bytes(&self, doc: &DocRef) -> &[u8] {
        &self.buffer[doc.range.clone()]
    }

    fn problem(&mut self, source: String, problem: String) {
        self.docs.push(DocRef {
            source,
            range: 0..0,
            first_line: 1,
            kind: None,
            problem: Some(problem),
        });
    }
}

struct LineStream {
    reader: Box<dyn Read + Send>,
    display: String,
    kind: Option<DocKind>,
    next_line: u64,
    carry: Vec<u8>,
    documents: u64,
    done: bool,
}

/// Yields batches of documents from a list of inputs.
pub struct BatchReader {
    specs: VecDeque<InputSpec>,
    open: Option<LineStream>,
    /// The HAR file being read, when one is.
    har: Option<HarStream>,
    kind_override: Option<DocKind>,
    /// A finished batch's buffer, reused to spare allocation and page faults.
    spare: Vec<u8>,
}

fn open(spec: &InputSpec) -> std::io::Result<Box<dyn Read + Send>> {
    match &spec.path {
        Some(path) => Ok(Box::new(File::open(path)?)),
        None => Ok(Box::new(std::io::stdin())),
    }
}

/// Reads from `reader` until `buffer` holds at least `want` bytes or the input ends.
/// Returns whether the input ended.
fn fill(reader: &mut dyn Read, buffer: &mut Vec<u8>, want: usize) -> std::io::Result<bool> {
    // Reserve once so that reading never doubles and copies the buffer.
    buffer.reserve(want.saturating_sub(buffer.len()));
    let mut limited = reader.take((want.saturating_sub(buffer.len())) as u64);
    let before = buffer.len();
    limited.read_to_end(buffer)?;
    let wanted = want.saturating_sub(before);
    Ok(buffer.len() - before < wanted)
}

impl BatchReader {
    /// A reader over `specs`; `kind_override` (from `--kind`) beats file names.
    pub fn new(specs: Vec<InputSpec>, kind_override: Option<DocKind>) -> Self {
        Self {
            specs: specs.into(),
            open: None,
            har: None,
            kind_override,
            spare: Vec::new(),
        }
    }

    /// Hands a processed batch back so that its buffer serves the next one.
    pub fn recycle(&mut self, batch: Batch) {
        if batch.buffer.capacity() > self.spare.capacity() {
            self.spare = batch.buffer;
        }
    }

    /// The next batch, or `None` when every input is read.
    pub fn next_batch(&mut self) -> Option<Batch> {
        if self.open.is_some() {
            return Some(self.next_lines());
        }
        let mut batch = Batch::default();
        if let Some(stream) = &self.har {
            if read_har(stream, &mut batch) {
                self.har = None;
            } else {
                return Some(batch);
            }
        }
        while let Some(spec) = self.specs.front() {
            let is_stream =
                spec.problem.is_none() && matches!(spec.framing, Framing::Lines | Framing::Sniff);
            if is_stream && !batch.docs.is_empty() {
                break; // finish the batch of whole files first
            }
            // invariant: the loop condition just saw this front element.
            let spec = self.specs.pop_front().expect("front exists");
            if let Some(problem) = spec.problem {
                batch.problem(spec.display, problem);
            } else if is_stream {
                match self.start_stream(&spec) {
                    Ok(None) => return Some(self.next_lines()),
                    Ok(Some(whole)) => {
                        let range = 0..whole.len();
                        let kind = self.kind_for(&spec);
                        return Some(Batch {
                            buffer: whole,
                            docs: vec![DocRef {
                                source: spec.display,
                                range,
                                first_line: 1,
                                kind,
                                problem: None,
                            }],
                        });
                    }
                    Err(e) => batch.problem(spec.display, format!("cannot read: {e}")),
                }
            } else if spec.framing == Framing::Har {
                match HarStream::start(&spec) {
                    Ok(stream) => {
                        if !read_har(&stream, &mut batch) {
                            self.har = Some(stream);
                            break;
                        }
                    }
                    Err(problem) => batch.problem(spec.display, problem),
                }
            } else {
                self.read_whole(&spec, &mut batch);
            }
            if batch.buffer.len() >= BATCH_BYTES || batch.docs.len() >= BATCH_FILES {
                break;
            }
        }
        (!batch.docs.is_empty()).then_some(batch)
    }

    fn kind_for(&self, spec: &InputSpec) -> Option<DocKind> {
        self.kind_override.or(spec.kind_from_name)
    }

    fn read_whole(&self, spec: &InputSpec, batch: &mut Batch) {
        let start = batch.buffer.len();
        let result = open(spec).and_then(|mut r| read_capped(&mut r, &mut batch.buffer));
        match result {
            Ok(false) => {
                batch.buffer.truncate(start);
                batch.problem(spec.display.clone(), too_large("the input"));
            }
            Ok(true) => batch.docs.push(DocRef {
                source: spec.display.clone(),
                range: start..batch.buffer.len(),
                first_line: 1,
                kind: self.kind_for(spec),
                problem: None,
            }),
            Err(e) => {
                batch.buffer.truncate(start);
                batch.problem(spec.display.clone(), format!("cannot read: {e}"));
            }
        }
    }

    /// Opens a line stream, or, when sniffed stdin turns out to hold one
    /// (pretty-printed) document, returns that document's bytes whole.
    fn start_stream(&mut self, spec: &InputSpec) -> std::io::Result<Option<Vec<u8>>> {
        let mut reader = open(spec)?;
        let mut carry = Vec::new();
        let mut done = false;
        if spec.framing == Framing::Sniff {
            // Read up to the end of the first non-blank line to see how stdin is framed.
            // Each read is searched from where the last search stopped, never from the start.
            let mut searched = (0, 0);
            loop {
                if carry.len() > MAX_DOCUMENT_BYTES {
                    return Err(std::io::Error::other(too_large("its first line")));
                }
                let want = carry.len() + 64 * 1024;
                done = fill(&mut reader, &mut carry, want)?;
                if not_json_start(&carry).is_some() {
                    // Not JSON from its first byte (`validate - < /dev/zero`):
                    // one document, read no further; the parser names the byte.
                    return Ok(Some(carry));
                }
                let first_line_end = first_content_line_end(&carry, &mut searched);
                if first_line_end.is_some() || done {
                    let whole_line = first_line_end.unwrap_or(carry.len());
                    let line = &carry[..whole_line];
                    let is_one_value = serde_json::from_slice::<IgnoredAny>(line).is_ok();
                    if !is_one_value {
                        // A single (pretty-printed) document: read it all.
                        if !done && !read_capped(&mut reader, &mut carry)? {
                            return Err(std::io::Error::other(too_large("the input")));
                        }
                        return Ok(Some(carry));
                    }
                    break;
                }
            }
        }
        self.open = Some(LineStream {
            reader,
            display: spec.display.clone(),
            kind: self.kind_for(spec),
            next_line: 1,
            carry,
            documents: 0,
            done,
        });
        Ok(None)
    }

    fn next_lines(&mut self) -> Batch {
        // invariant: called only from `next_batch` while `self.open` is `Some`.
        let stream = self.open.as_mut().expect("a stream is open");
        let mut buffer = std::mem::take(&mut self.spare);
        buffer.clear();
        buffer.extend_from_slice(&stream.carry);
        let mut batch = Batch {
            buffer,
            docs: Vec::new(),
        };
        // Read until the batch holds a whole line past BATCH_BYTES, or the end.
        let mut read_error = None;
        // Only the bytes of each new read are searched for a line end, so a
        // line of any length costs one pass.
        let mut line_ended = memchr::memchr(b'\n', &batch.buffer).is_some();
        while !stream.done {
            let before = batch.buffer.len();
            let want = before.max(BATCH_BYTES / 2) + BATCH_BYTES / 2;
            match fill(&mut stream.reader, &mut batch.buffer, want) {
                Ok(ended) => stream.done = ended,
                Err(e) => {
                    read_error = Some(e);
                    stream.done = true;
                }
            }
            line_ended = line_ended || memchr::memchr(b'\n', &batch.buffer[before..]).is_some();
            if batch.buffer.len() >= BATCH_BYTES && line_ended {
                break;
            }
            // The line being read has no end yet: it starts after the last line end.
            let open_line = if line_ended {
                None
            } else {
                not_json_start(&batch.buffer).filter(|_| batch.buffer.len() > SNIFF_BYTES)
            };
            if !line_ended && (batch.buffer.len() > MAX_DOCUMENT_BYTES || open_line.is_some()) {
                // One line past the cap, or one that cannot be JSON and has no
                // end in sight (`--ndjson /dev/zero`): stop reading this stream.
                batch.buffer.clear();
                stream.carry.clear();
                let display = stream.display.clone();
                let line = stream.next_line;
                stream.done = true;
                self.open = None;
                let problem = match open_line {
                    Some(byte) => format!(
                        "line {line} cannot be JSON (it begins with byte 0x{byte:02x}) and has no \
                         line end in its first {} KiB: reading stopped there (is it a device or \
                         a binary file?)",
                        SNIFF_BYTES >> 10
                    ),
                    None => too_large(&format!("line {line}")),
                };
                batch.problem(display, problem);
                return batch;
            }
        }
        let end = if stream.done {
            batch.buffer.len()
        } else {
            memchr::memrchr(b'\n', &batch.buffer).map_or(batch.buffer.len(), |i| i + 1)
        };
        stream.carry = batch.buffer[end..].to_vec();
        batch.buffer.truncate(end);
        let mut start = 0;
        while start < end {
            let line_end =
                memchr::memchr(b'\n', &batch.buffer[start..end]).map_or(end, |i| start + i);
            let mut content_end = line_end;
            if content_end > start && batch.buffer[content_end - 1] == b'\r' {
                content_end -= 1;
            }
            let line = &batch.buffer[start..content_end];
            if !line.iter().all(u8::is_ascii_whitespace) {
                batch.docs.push(DocRef {
                    source: line_source(&stream.display, stream.next_line),
                    range: start..content_end,
                    first_line: stream.next_line,
                    kind: stream.kind,
                    problem: None,
                });
                stream.documents += 1;
            }
            stream.next_line += 1;
            start = line_end + 1;
        }
        if let Some(e) = read_error {
            let display = stream.display.clone();
            batch.problem(
                display,
                format!("read failed after line {}: {e}", stream.next_line - 1),
            );
        } else if stream.done && stream.documents == 0 {
            let display = stream.display.clone();
            batch.problem(
                display,
                "no documents: the stream is empty (expected one JSON document per line)".into(),
            );
        }
        if stream.done {
            self.open = None;
        }
        batch
    }
}

/// `path:line`, how a document of a stream is named; built without the
/// formatting machinery, as it is once per line of a stream.
fn line_source(display: &str, line: u64) -> String {
    let mut digits = itoa::Buffer::new();
    let digits = digits.format(line);
    let mut source = String::with_capacity(display.len() + 1 + digits.len());
    source.push_str(display);
    source.push(':');
    source.push_str(digits);
    source
}

/// A HAR file being read: a thread parses it entry by entry and hands the
/// documents over a bounded channel, so that memory holds a few entries at a
/// time, never the file.
struct HarStream {
    documents: std::sync::mpsc::Receiver<har::HarDocument>,
}

/// Documents a HAR's reading thread may be ahead of the batches by.
const HAR_DOCUMENTS_AHEAD: usize = 64;
/// Most documents of a HAR put in one batch (they are small: a batch of
/// them is bounded by bytes first).
const HAR_BATCH_DOCUMENTS: usize = 4096;

impl HarStream {
    fn start(spec: &InputSpec) -> Result<Self, String> {
        let file = open(spec).map_err(|e| format!("cannot read: {e}"))?;
        let (send, documents) = std::sync::mpsc::sync_channel(HAR_DOCUMENTS_AHEAD);
        let display = spec.display.clone();
        std::thread::Builder::new()
            .name("har-reader".into())
            .spawn(move || {
                har::stream_har_documents(&display, file, MAX_DOCUMENT_BYTES as u64, &mut |doc| {
                    send.send(doc).is_ok()
                });
            })
            .map_err(|e| format!("cannot start a thread to read it: {e}"))?;
        Ok(Self { documents })
    }
}

/// Adds a HAR stream's next documents to `batch`, up to about [`BATCH_BYTES`];
/// `true` when the stream has ended.
fn read_har(stream: &HarStream, batch: &mut Batch) -> bool {
    while batch.buffer.len() < BATCH_BYTES && batch.docs.len() < HAR_BATCH_DOCUMENTS {
        let Ok(doc) = stream.documents.recv() else {
            return true;
        };
        match doc.text {
            Ok(text) => {
                let start = batch.buffer.len();
                batch.buffer.extend_from_slice(&text);
                batch.docs.push(DocRef {
                    source: doc.source,
                    range: start..batch.buffer.len(),
                    first_line: 1,
                    kind: doc.kind,
                    problem: None,
                });
            }
            Err(problem) => batch.problem(doc.source, problem),
        }
    }
    false
}

/// The end of the first line that is not blank, if the buffer holds it
/// whole. `searched` carries (start of the line being looked at, bytes
/// already searched for its end) from one call to the next, so that a
/// buffer that grows read by read is searched once in all.
fn first_content_line_end(buffer: &[u8], searched: &mut (usize, usize)) -> Option<usize> {
    let (mut line_start, mut from) = *searched;
    while let Some(i) = memchr::memchr(b'\n', &buffer[from..]) {
        let end = from + i;
        if !buffer[line_start..end].iter().all(u8::is_ascii_whitespace) {
            return Some(end);
        }
        line_start = end + 1;
        from = line_start;
    }
    *searched = (line_start, buffer.len());
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_byte_no_json_value_begins_with_stops_the_read() {
        assert_eq!(not_json_start(b"\0\0"), Some(0));
        assert_eq!(not_json_start(b" \r\n\t\xEF"), Some(0xEF));
        assert_eq!(not_json_start(b"\xEF\xBB\xBF  x"), Some(b'x'));
        for fine in [
            &b"\xEF\xBB\xBF{"[..],
            b" [",
            b"\"",
            b"-1",
            b"7",
            b"true",
            b"false",
            b"null",
            b"  ",
        ] {
            assert_eq!(not_json_start(fine), None, "{fine:?}");
        }
        let mut buffer = b"kept".to_vec();
        let mut zeros = std::io::repeat(0);
        assert!(read_capped(&mut zeros, &mut buffer).unwrap());
        assert_eq!(
            buffer.len(),
            4 + SNIFF_BYTES,
            "read no further than the sniff"
        );
    }
    use crate::input::sources::expand;

    fn read_all(specs: Vec<InputSpec>) -> Vec<(String, String, Option<String>)> {
        let mut reader = BatchReader::new(specs, None);
        let mut out = Vec::new();
        while let Some(batch) = reader.next_batch() {
            for doc in &batch.docs {
                let text = String::from_utf8_lossy(batch.bytes(doc)).into_owned();
                out.push((doc.source.clone(), text, doc.problem.clone()));
            }
        }
        out
    }

    #[test]
    fn ndjson_lines_become_documents_named_by_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.ndjson");
        std::fs::write(&path, "{\"a\":1}\r\n\n  \n{\"b\":2}\n{\"c\":3}").unwrap();
        let docs = read_all(expand(std::slice::from_ref(&path), false).inputs);
        let display = path.display();
        assert_eq!(
            docs,
            vec![
                (format!("{display}:1"), "{\"a\":1}".into(), None),
                (format!("{display}:4"), "{\"b\":2}".into(), None),
                (format!("{display}:5"), "{\"c\":3}".into(), None),
            ]
        );
    }

    #[test]
    fn long_streams_are_split_into_bounded_batches_without_losing_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.ndjson");
        let line = format!("{{\"pad\":\"{}\"}}\n", "x".repeat(1000));
        let count = (3 * BATCH_BYTES) / line.len() + 7;
        std::fs::write(&path, line.repeat(count)).unwrap();
        let mut reader = BatchReader::new(expand(&[path], false).inputs, None);
        let (mut batches, mut docs, mut last_line) = (0, 0, 0);
        while let Some(batch) = reader.next_batch() {
            batches += 1;
            assert!(batch.buffer.len() <= 2 * BATCH_BYTES);
            for doc in &batch.docs {
                assert_eq!(doc.first_line, last_line + 1);
                last_line = doc.first_line;
                docs += 1;
            }
        }
        assert_eq!(docs, count);
        assert!(batches >= 3);
    }

    #[test]
    fn the_first_line_is_found_across_reads_without_searching_again() {
        let mut searched = (0, 0);
        let mut buffer = b"\n  \n{\"a\":".to_vec();
        assert_eq!(first_content_line_end(&buffer, &mut searched), None);
        assert_eq!(searched, (4, 9), "what was searched is not searched again");
        buffer.extend_from_slice(b"1}\n{}\n");
        assert_eq!(first_content_line_end(&buffer, &mut searched), Some(11));
        let mut from_scratch = (0, 0);
        assert_eq!(first_content_line_end(&buffer, &mut from_scratch), Some(11));
    }

    #[test]
    fn empty_streams_are_reported() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("empty.ndjson");
        std::fs::write(&path, "\n\n").unwrap();
        let docs = read_all(expand(&[path], false).inputs);
        assert_eq!(docs.len(), 1);
        assert!(docs[0].2.as_deref().unwrap().contains("no documents"));
    }
}
