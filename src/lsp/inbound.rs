//! The client's byte stream, checked frame by frame before the protocol library reads it.
//!
//! The library's reader ends the session at the first frame it cannot decode (a body that
//! is not JSON, not UTF-8 or not a JSON-RPC message, or a bad header): every later message,
//! `shutdown` included, would be lost. [`forward`] reads the frames itself, passes on each
//! well-formed one with a plain `Content-Length` header, and drops the others with a
//! [`Problem`] that says where the frame started and what was wrong, so one bad message costs
//! that message only. Bodies are never echoed into problems: they may hold secrets.

use std::borrow::Cow;

use serde::de::IgnoredAny;
use serde::{Deserialize, Deserializer};
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tower_lsp_server::jsonrpc::{Error as RpcError, Id};

/// A header line longer than this is not a header (binary junk, a body without a header).
const MAX_HEADER_LINE: usize = 8 * 1024;
const JUNK: &str = "bytes that are not a message header were skipped";
/// Larger bodies are skipped rather than buffered.
pub const MAX_BODY: usize = 512 * 1024 * 1024;

/// A frame that was dropped: `offset` is the byte offset in the stream where it started.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub offset: u64,
    pub message: String,
}

/// Copies well-formed frames from `input` to `output` until `input` ends or `output` is
/// closed; reports every dropped frame to `on_problem`.
pub async fn forward<R, W>(input: R, mut output: W, mut on_problem: impl FnMut(Problem))
where
    R: AsyncBufRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut reader = Reader { input, offset: 0 };
    loop {
        let frame = match reader.next_frame(&mut on_problem).await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                on_problem(Problem {
                    offset: reader.offset,
                    message: format!("cannot read from the client: {e}"),
                });
                break;
            }
        };
        if let Err(message) = check_message(&frame.body) {
            on_problem(Problem { offset: frame.offset, message });
            continue;
        }
        let header = format!("Content-Length: {}\r\n\r\n", frame.body.len());
        let written = async {
            output.write_all(header.as_bytes()).await?;
            output.write_all(&frame.body).await?;
            output.flush().await
        };
        if written.await.is_err() {
            // The protocol library stopped reading (exit): nothing more to pass on.
            return;
        }
    }
    let _ = output.shutdown().await;
}

struct Frame {
    offset: u64,
    body: Vec<u8>,
}

struct Reader<R> {
    input: R,
    /// Bytes consumed so far.
    offset: u64,
}

/// One header line: its text without the line break, or `None` when it was too long or
/// not UTF-8.
enum Line {
    Text(String),
    Junk,
    Eof,
}

impl<R: AsyncBufRead + Unpin> Reader<R> {
    /// The next frame whose header is well formed; frames with bad headers are reported and
    /// skipped. `None` at the end of the stream.
    async fn next_frame(&mut self, on_problem: &mut impl FnMut(Problem)) -> std::io::Result<Option<Frame>> {
        loop {
            let mut start = self.offset;
            let mut length: Option<Result<usize, String>> = None;
            // Where bytes that are not a header began, until they are reported.
            let mut junk_at: Option<u64> = None;
            // A header other than Content-Length was read since the last blank line or junk.
            let mut other_header = false;
            loop {
                let line_start = self.offset;
                let text = match self.line().await? {
                    Line::Eof => {
                        if let Some(at) = junk_at {
                            on_problem(Problem { offset: at, message: JUNK.into() });
                        } else if length.is_some() {
                            on_problem(Problem {
                                offset: start,
                                message: "the stream ended inside a header".into(),
                            });
                        }
                        return Ok(None);
                    }
                    Line::Junk => {
                        junk_at.get_or_insert(line_start);
                        length = None;
                        continue;
                    }
                    Line::Text(t) => t,
                };
                if text.is_empty() {
                    if length.is_some() {
                        break;
                    }
                    if let Some(at) = junk_at.take() {
                        on_problem(Problem { offset: at, message: JUNK.into() });
                    } else if other_header {
                        on_problem(Problem {
                            offset: start,
                            message: "a message header without Content-Length".into(),
                        });
                    }
                    other_header = false;
                    start = self.offset;
                    // Blank lines between frames are harmless.
                    continue;
                }
                // A header may follow junk on the same line (a body shorter than announced).
                let text = match find_ascii_ci(&text, "content-length:") {
                    Some(i) if i > 0 => {
                        junk_at.get_or_insert(line_start);
                        &text[i..]
                    }
                    _ => text.as_str(),
                };
                let header = text.split_once(':').map(|(n, v)| (n.trim(), v.trim()));
                match header {
                    Some((name, value)) if name.eq_ignore_ascii_case("content-length") => {
                        if let Some(at) = junk_at.take() {
                            on_problem(Problem { offset: at, message: JUNK.into() });
                            start = line_start;
                        }
                        length = Some(value.parse::<usize>().map_err(|_| {
                            format!("invalid Content-Length `{}` in a message header", shorten(value))
                        }));
                    }
                    // Other headers (Content-Type) are dropped: the body is UTF-8 JSON or rejected.
                    Some((name, _)) if is_header_name(name) => {
                        if junk_at.is_none() && length.is_none() && !other_header {
                            start = line_start;
                        }
                        other_header |= junk_at.is_none();
                    }
                    _ => {
                        junk_at.get_or_insert(line_start);
                        length = None;
                        other_header = false;
                    }
                }
            }
            let len = match length {
                Some(Ok(n)) => n,
                Some(Err(message)) => {
                    on_problem(Problem { offset: start, message });
                    continue;
                }
                None => continue,
            };
            if len > MAX_BODY {
                on_problem(Problem {
                    offset: start,
                    message: format!(
                        "a message of {len} bytes is larger than the limit of {MAX_BODY} bytes; skipped"
                    ),
                });
                let skipped =
                    tokio::io::copy(&mut (&mut self.input).take(len as u64), &mut tokio::io::sink()).await?;
                self.offset += skipped;
                if skipped < len as u64 {
                    return Ok(None);
                }
                continue;
            }
            let mut body = vec![0; len];
            match self.input.read_exact(&mut body).await {
                Ok(_) => self.offset += len as u64,
                Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                    on_problem(Problem {
                        offset: start,
                        message: format!("the stream ended inside a message body of {len} bytes"),
                    });
                    return Ok(None);
                }
                Err(e) => return Err(e),
            }
            return Ok(Some(Frame { offset: start, body }));
        }
    }

    /// Reads one line (ending in `\n`, which is not returned, nor a `\r` before it).
    async fn line(&mut self) -> std::io::Result<Line> {
        let mut buf = Vec::new();
        let mut too_long = false;
        loop {
            let available = self.input.fill_buf().await?;
            if available.is_empty() {
                if buf.is_empty() && !too_long {
                    return Ok(Line::Eof);
                }
                break;
            }
            let (take, done) = match memchr::memchr(b'\n', available) {
                Some(i) => (i + 1, true),
                None => (available.len(), false),
            };
            if !too_long {
                if buf.len() + take > MAX_HEADER_LINE {
                    too_long = true;
                    buf.clear();
                } else {
                    buf.extend_from_slice(&available[..take]);
                }
            }
            self.input.consume(take);
            self.offset += take as u64;
            if done {
                break;
            }
        }
        if too_long {
            return Ok(Line::Junk);
        }
        while matches!(buf.last(), Some(b'\n' | b'\r')) {
            buf.pop();
        }
        Ok(String::from_utf8(buf).map_or(Line::Junk, Line::Text))
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
