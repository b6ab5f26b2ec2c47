//! The client's byte stream, checked frame by frame before the protocol library reads it.
//!
//! The library's reader ends the session at the first frame it cannot decode (a body that
//! is not JSON, not UTF-8 or not a JSON-RPC message, or a bad header): every later message,
//! `shutdown` included, would be lost. [`Checked`] sits between stdin and the library as a
//! reader: it passes on each well-formed frame with a plain `Content-Length` header, and
//! drops the others with a [`Problem`] that says where the frame started and what was wrong,
//! so one bad message costs that message only. It runs inside the library's own reads (no
//! extra task or pipe, so no extra latency). Bodies are never echoed into problems: they may
//! hold secrets.

use std::borrow::Cow;
use std::pin::Pin;
use std::task::{Context, Poll};

use serde::de::IgnoredAny;
use serde::{Deserialize, Deserializer};
use tokio::io::{AsyncRead, ReadBuf};
use tower_lsp_server::jsonrpc::{Error as RpcError, Id};

/// A header line longer than this is not a header (binary junk, a body without a header).
const MAX_HEADER_LINE: usize = 8 * 1024;
const JUNK: &str = "bytes that are not a message header were skipped";
/// Larger bodies are skipped rather than buffered.
pub const MAX_BODY: usize = 512 * 1024 * 1024;
/// How much is read from the client at a time.
const READ_CHUNK: usize = 64 * 1024;

/// A frame that was dropped: `offset` is the byte offset in the stream where it started.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub offset: u64,
    pub message: String,
}

/// Where the parser is in the stream.
enum Mode {
    Headers,
    /// Discarding the rest of an overlong header line.
    SkipLine,
    Body(usize),
    /// Discarding an oversized body: bytes left.
    SkipBody(usize),
    Done,
}

/// The header block being read: reset after each frame.
#[derive(Default)]
struct Block {
    /// Where the block's first header line began (the offset its problems are reported at).
    start: Option<u64>,
    length: Option<Result<usize, String>>,
    /// Where bytes that are not a header began, until they are reported.
    junk_at: Option<u64>,
    /// A header other than Content-Length was read since the last blank line or junk.
    other_header: bool,
}

/// `inner` with malformed frames taken out; see the module documentation.
pub struct Checked<R, F> {
    inner: R,
    on_problem: F,
    /// Bytes read are `input[..filled]` (the rest is zeroed room for the next read); those
    /// not yet parsed start at `pos`; `base` is the stream offset of `input[0]`.
    input: Vec<u8>,
    filled: usize,
    pos: usize,
    base: u64,
    eof: bool,
    mode: Mode,
    block: Block,
    /// Checked frames waiting for the reader, from `out_pos`.
    out: Vec<u8>,
    out_pos: usize,
}

impl<R: AsyncRead + Unpin, F: FnMut(Problem) + Unpin> Checked<R, F> {
    pub fn new(inner: R, on_problem: F) -> Self {
        Checked {
            inner,
            on_problem,
            input: Vec::new(),
            filled: 0,
            pos: 0,
            base: 0,
            eof: false,
            mode: Mode::Headers,
            block: Block::default(),
            out: Vec::new(),
            out_pos: 0,
        }
    }

    fn report(&mut self, offset: u64, message: impl Into<String>) {
        (self.on_problem)(Problem { offset, message: message.into() });
    }

    /// Reports a problem of the frame whose header block is being read.
    fn report_frame(&mut self, message: impl Into<String>) {
        let at = self.block.start.unwrap_or(self.base + self.pos as u64);
        self.report(at, message);
    }

    /// Parses what has been read: checked frames go to `out`, problems are reported.
    fn parse(&mut self) {
        loop {
            let here = self.base + self.pos as u64;
            let avail = &self.input[self.pos..self.filled];
            match self.mode {
                Mode::Done => return,
                Mode::Headers => {
                    let Some(nl) = memchr::memchr(b'\n', avail) else {
                        if avail.len() > MAX_HEADER_LINE {
                            self.junk_line(here);
                            self.pos = self.filled;
                            self.mode = Mode::SkipLine;
                            continue;
                        }
                        if self.eof {
                            if !avail.is_empty() {
                                self.junk_line(here);
                            }
                            self.end_in_header();
                        }
                        return;
                    };
                    let mut line = &avail[..nl];
                    while let [rest @ .., b'\r'] = line {
                        line = rest;
                    }
                    let line = line.to_vec();
                    self.pos += nl + 1;
                    match String::from_utf8(line) {
                        Ok(text) if text.len() <= MAX_HEADER_LINE => self.header_line(here, &text),
                        _ => self.junk_line(here),
                    }
                }
                Mode::SkipLine => match memchr::memchr(b'\n', avail) {
                    Some(nl) => {
                        self.pos += nl + 1;
                        self.mode = Mode::Headers;
                    }
                    None => {
                        self.pos = self.filled;
                        if self.eof {
                            self.end_in_header();
                        }
                        return;
                    }
                },
                Mode::Body(len) => {
                    if avail.len() < len {
                        if self.eof {
                            self.report_frame(format!(
                                "the stream ended inside a message body of {len} bytes"
                            ));
                            self.mode = Mode::Done;
                        }
                        return;
                    }
                    let body = &avail[..len];
                    match check_message(body) {
                        Ok(()) => {
                            self.out.extend_from_slice(format!("Content-Length: {len}\r\n\r\n").as_bytes());
                            self.out.extend_from_slice(body);
                        }
                        Err(message) => self.report_frame(message),
                    }
                    self.pos += len;
                    self.next_block();
                }
                Mode::SkipBody(left) => {
                    let n = left.min(avail.len());
                    self.pos += n;
                    if n == left {
                        self.next_block();
                    } else {
                        self.mode = Mode::SkipBody(left - n);
                        if self.eof {
                            self.mode = Mode::Done;
                        }
                        return;
                    }
                }
            }
        }
    }

    fn next_block(&mut self) {
        self.mode = Mode::Headers;
        self.block = Block::default();
    }

    /// Bytes that are not a header: they void the headers read before them.
    fn junk_line(&mut self, line_start: u64) {
        let junk_at = *self.block.junk_at.get_or_insert(line_start);
        self.block = Block { junk_at: Some(junk_at), ..Block::default() };
    }

    fn end_in_header(&mut self) {
        if let Some(at) = self.block.junk_at {
            self.report(at, JUNK);
        } else if self.block.length.is_some() {
            self.report_frame("the stream ended inside a header");
        }
        self.mode = Mode::Done;
    }

    /// One complete header line (without its line break).
    fn header_line(&mut self, line_start: u64, text: &str) {
        if text.is_empty() {
            match self.block.length.take() {
                Some(Ok(len)) if len > MAX_BODY => {
                    self.report_frame(format!(
                        "a message of {len} bytes is larger than the limit of {MAX_BODY} bytes; skipped"
                    ));
                    self.mode = Mode::SkipBody(len);
                }
                Some(Ok(len)) => self.mode = Mode::Body(len),
                Some(Err(message)) => {
                    self.report_frame(message);
                    self.next_block();
                }
                None => {
                    if let Some(at) = self.block.junk_at.take() {
                        self.report(at, JUNK);
                    } else if self.block.other_header {
                        self.report_frame("a message header without Content-Length");
                    }
                    // Blank lines between frames are harmless.
                    self.next_block();
                }
            }
            return;
        }
        // A header may follow junk on the same line (a body shorter than announced).
        let text = match find_ascii_ci(text, "content-length:") {
            Some(i) if i > 0 => {
                self.junk_line(line_start);
                &text[i..]
            }
            _ => text,
        };
        let header = text.split_once(':').map(|(n, v)| (n.trim(), v.trim()));
        match header {
            Some((name, value)) if name.eq_ignore_ascii_case("content-length") => {
                if let Some(at) = self.block.junk_at.take() {
                    self.report(at, JUNK);
                }
                self.block.start.get_or_insert(line_start);
                self.block.length =
                    Some(value.parse::<usize>().map_err(|_| {
                        format!("invalid Content-Length `{}` in a message header", shorten(value))
                    }));
            }
            // Other headers (Content-Type) are dropped: the body is UTF-8 JSON or rejected.
            Some((name, _)) if is_header_name(name) => {
                if self.block.junk_at.is_none() {
                    self.block.start.get_or_insert(line_start);
                    self.block.other_header = true;
                }
            }
            _ => self.junk_line(line_start),
        }
    }

    /// Drops the parsed bytes from the input buffer.
    fn compact(&mut self) {
        if self.pos > 0 {
            self.input.copy_within(self.pos..self.filled, 0);
            self.filled -= self.pos;
            self.base += self.pos as u64;
            self.pos = 0;
        }
        // Give back the room a large body took.
        if self.filled == 0 && self.input.len() > 4 * READ_CHUNK {
            self.input = Vec::new();
        }
    }
}

impl<R: AsyncRead + Unpin, F: FnMut(Problem) + Unpin> AsyncRead for Checked<R, F> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        loop {
            if this.out_pos < this.out.len() {
                let n = buf.remaining().min(this.out.len() - this.out_pos);
                buf.put_slice(&this.out[this.out_pos..this.out_pos + n]);
                this.out_pos += n;
                if this.out_pos == this.out.len() {
                    this.out.clear();
                    this.out_pos = 0;
                }
                return Poll::Ready(Ok(()));
            }
            if this.eof || matches!(this.mode, Mode::Done) {
                // End of stream for the reader.
                return Poll::Ready(Ok(()));
            }
            this.compact();
            // Room for a whole body being read, and for a chunk in any case.
            let want = match this.mode {
                Mode::Body(len) => len.max(this.filled + READ_CHUNK),
                _ => this.filled + READ_CHUNK,
            };
            if this.input.len() < want {
                this.input.resize(want, 0);
            }
            let mut rb = ReadBuf::new(&mut this.input[this.filled..]);
            let polled = Pin::new(&mut this.inner).poll_read(cx, &mut rb);
            let n = rb.filled().len();
            this.filled += n;
            match polled {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Ready(Ok(())) => {
                    if n == 0 {
                        this.eof = true;
                    }
                    this.parse();
                    if this.eof && this.out_pos == this.out.len() {
                        return Poll::Ready(Ok(()));
                    }
                }
            }
        }
    }
}

fn is_header_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn find_ascii_ci(haystack: &str, needle: &str) -> Option<usize> {
    let (h, n) = (haystack.as_bytes(), needle.as_bytes());
    (0..=h.len().checked_sub(n.len())?).find(|&i| h[i..i + n.len()].eq_ignore_ascii_case(n))
}

fn shorten(s: &str) -> String {
    let mut out: String = s.chars().take(20).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}

/// Why `body` is not a message the protocol library accepts: it takes a response (`jsonrpc`
/// "2.0", `id`, and `result` or `error`) or else a request or notification (`jsonrpc` "2.0",
/// optional string `method`, any `params`, optional `id`). The shapes mirror the library's
/// own types field for field, with the payloads skipped rather than built.
fn check_message(body: &[u8]) -> Result<(), String> {
    if body.is_empty() {
        return Err("an empty message body".into());
    }
    let request = serde_json::from_slice::<Message<'_>>(body);
    let err = match request {
        Ok(r) if r.jsonrpc == "2.0" => return Ok(()),
        Ok(_) => return Err("not a JSON-RPC 2.0 message (`jsonrpc` must be \"2.0\")".into()),
        Err(e) => e,
    };
    if let Ok(r) = serde_json::from_slice::<Response<'_>>(body) {
        if r.jsonrpc == "2.0" && (r.result.is_some() || r.error.is_some()) {
            return Ok(());
        }
    }
    Err(match err.classify() {
        serde_json::error::Category::Data => format!("not a JSON-RPC message: {err}"),
        serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
            format!("a message body that is not valid JSON: {err}")
        }
        serde_json::error::Category::Io => format!("unreadable message body: {err}"),
    })
}

#[derive(Deserialize)]
struct Message<'a> {
    #[serde(borrow)]
    jsonrpc: Cow<'a, str>,
    #[serde(default, borrow)]
    #[allow(dead_code)]
    method: Cow<'a, str>,
    #[serde(default)]
    #[allow(dead_code)]
    params: Option<IgnoredAny>,
    #[serde(default, deserialize_with = "some")]
    #[allow(dead_code)]
    id: Option<Id>,
}

#[derive(Deserialize)]
struct Response<'a> {
    #[serde(borrow)]
    jsonrpc: Cow<'a, str>,
    #[allow(dead_code)]
    id: Id,
    #[serde(default, deserialize_with = "some")]
    result: Option<IgnoredAny>,
    #[serde(default)]
    error: Option<RpcError>,
}

/// A present field is `Some`, even when it is `null` (as the library reads `id`).
fn some<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

#[cfg(test)]
#[path = "inbound_tests.rs"]
mod tests;
