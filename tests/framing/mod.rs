//! LSP base-protocol framing (`Content-Length` headers) for the tests and benches that
//! drive the built binary over stdio.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::ChildStdout;
use std::sync::mpsc;

use serde_json::Value;

/// Reads the server's messages on a thread; the channel closes when stdout does. A
/// malformed header or body ends the thread with a panic naming the fault.
pub fn read_messages(stdout: ChildStdout) -> mpsc::Receiver<Value> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut r = BufReader::new(stdout);
        loop {
            let mut len = None;
            loop {
                let mut line = String::new();
                if r.read_line(&mut line).unwrap_or(0) == 0 {
                    return;
                }
                let line = line.trim_end();
                if line.is_empty() {
                    break;
                }
                let (k, v) = line.split_once(':').expect("a header line");
                if k.eq_ignore_ascii_case("content-length") {
                    len = Some(v.trim().parse::<usize>().expect("a length"));
                }
            }
            let mut body = vec![0; len.expect("Content-Length header")];
            if r.read_exact(&mut body).is_err() {
                return;
            }
            let msg: Value = serde_json::from_slice(&body).expect("a JSON body");
            if tx.send(msg).is_err() {
                return;
            }
        }
    });
    rx
}

/// Writes one framed message.
pub fn write_message(w: &mut impl Write, msg: &Value) -> std::io::Result<()> {
    let body = msg.to_string();
    write!(w, "Content-Length: {}\r\n\r\n{body}", body.len())?;
    w.flush()
}
