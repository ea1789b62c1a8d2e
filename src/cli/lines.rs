//! Whole lines on the terminal: the terminal report reaches stdout in whole
//! lines ([`Gated`]), and progress lines reach stderr ([`line_on_stderr`]),
//! both under one lock, so a log that merges the two never shows a progress
//! line in the middle of a result line.

use std::io::{self, Write};
use std::sync::{Mutex, MutexGuard, PoisonError};

/// The lock every whole line of the terminal report and every heartbeat line
/// is written under.
static LINES: Mutex<()> = Mutex::new(());

fn lines() -> MutexGuard<'static, ()> {
    LINES.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Writes one line on stderr under the lines' lock, in one write.
#[cfg_attr(not(feature = "full"), allow(dead_code))]
pub fn line_on_stderr(line: &str) {
    let mut text = String::with_capacity(line.len() + 1);
    text.push_str(line);
    text.push('\n');
    let _guard = lines();
    let _ = anstream::stderr().write_all(text.as_bytes());
}

/// A writer that hands its inner writer whole lines only, each batch under
/// the lines' lock; a trailing partial line waits for its end (or a flush).
pub struct Gated<W: Write> {
    inner: W,
    partial: Vec<u8>,
}

impl<W: Write> Gated<W> {
    /// Gates `inner`.
    pub fn new(inner: W) -> Self {
        Self {
            inner,
            partial: Vec::new(),
        }
    }

    fn write_out(&mut self, whole: &[u8]) -> io::Result<()> {
        self.partial.extend_from_slice(whole);
        let _guard = lines();
        let written = self.inner.write_all(&self.partial);
        self.partial.clear();
        written
    }
}

impl<W: Write> Write for Gated<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match buf.iter().rposition(|&b| b == b'\n') {
            Some(end) => {
                self.write_out(&buf[..=end])?;
                self.partial.extend_from_slice(&buf[end + 1..]);
            }
            None => self.partial.extend_from_slice(buf),
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.write_out(&[])?;
        self.inner.flush()
    }
}

impl<W: Write> Drop for Gated<W> {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer recording each batch it was handed.
    #[derive(Default)]
    struct Batches(Vec<Vec<u8>>);

    impl Write for &mut Batches {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.push(buf.to_vec());
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn the_gate_hands_on_whole_lines_and_the_rest_at_a_flush() {
        let mut batches = Batches::default();
        {
            let mut gated = Gated::new(&mut batches);
            gated.write_all(b"one\ntw").unwrap();
            gated.write_all(b"o").unwrap();
            gated.write_all(b"\nthree\nfo").unwrap();
            gated.flush().unwrap();
            gated.write_all(b"five").unwrap();
        }
        let text: Vec<String> = batches
            .0
            .iter()
            .filter(|b| !b.is_empty())
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .collect();
        assert_eq!(text, ["one\n", "two\nthree\n", "fo", "five"]);
    }
}
