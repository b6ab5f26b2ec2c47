use super::*;

fn frame(body: &str) -> String {
    format!("Content-Length: {}\r\n\r\n{body}", body.len())
}

/// What [`Checked`] passes on, and the problems it reports, for `input`, read in pieces of
/// every size from 1 byte to the whole: the result must not depend on how reads split it.
fn run(input: &[u8]) -> (String, Vec<Problem>) {
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let mut first = None;
    for piece in [input.len().max(1), 1, 2, 3, 7, 64, 1000] {
        let mut problems = Vec::new();
        let mut out = Vec::new();
        let reader = pieces(input, piece);
        rt.block_on(async {
            use tokio::io::AsyncReadExt;
            let mut checked = Checked::new(reader, |p| problems.push(p));
            checked.read_to_end(&mut out).await.unwrap();
        });
        let got = (String::from_utf8(out).unwrap(), problems);
        match &first {
            None => first = Some(got),
            Some(f) => assert_eq!(&got, f, "read in pieces of {piece} bytes"),
        }
    }
    first.unwrap()
}

/// A reader that returns `input` at most `piece` bytes per read.
fn pieces(input: &[u8], piece: usize) -> Pieces {
    Pieces { data: input.to_vec(), pos: 0, piece }
}

struct Pieces {
    data: Vec<u8>,
    pos: usize,
    piece: usize,
}

impl AsyncRead for Pieces {
    fn poll_read(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let n = this.piece.min(buf.remaining()).min(this.data.len() - this.pos);
        buf.put_slice(&this.data[this.pos..this.pos + n]);
        this.pos += n;
        Poll::Ready(Ok(()))
    }
}

const INIT: &str = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}"#;
const SHUTDOWN: &str = r#"{"jsonrpc":"2.0","id":2,"method":"shutdown"}"#;

fn problem(offset: usize, message: &str) -> Problem {
    Problem { offset: offset as u64, message: message.to_string() }
}

#[test]
fn well_formed_frames_pass_unchanged() {
    let response = r#"{"jsonrpc":"2.0","id":"a","result":null}"#;
    let error = r#"{"jsonrpc":"2.0","id":3,"error":{"code":-32601,"message":"no"}}"#;
    let notification = r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#;
    let input = [frame(INIT), frame(response), frame(error), frame(notification)].concat();
    assert_eq!(run(input.as_bytes()), (input.clone(), vec![]));
}

#[test]
fn other_headers_are_dropped_and_names_read_in_any_case() {
    let input = format!(
        "Content-Type: application/vscode-jsonrpc; charset=utf-8\r\ncontent-length: {}\r\n\r\n{INIT}",
        INIT.len()
    );
    assert_eq!(run(input.as_bytes()), (frame(INIT), vec![]));
}

#[test]
fn a_body_that_is_not_json_is_dropped_with_its_position() {
    let bad = r#"{"jsonrpc":"2.0","id":2,"method":"textDocument/hover","params":{"#;
    let input = [frame(INIT), frame(bad), frame(SHUTDOWN)].concat();
    let (out, problems) = run(input.as_bytes());
    assert_eq!(out, [frame(INIT), frame(SHUTDOWN)].concat());
    assert_eq!(
        problems,
        vec![problem(
            frame(INIT).len(),
            "a message body that is not valid JSON: EOF while parsing an object at line 1 column 64"
        )]
    );
}

#[test]
fn json_that_is_not_a_message_is_dropped() {
    let cases = [
        (r#"[1,2]"#, "not a JSON-RPC message: invalid type: integer `1`, expected a string at line 1 column 2"),
        (r#"{"id":1,"method":"x"}"#, "not a JSON-RPC message: missing field `jsonrpc` at line 1 column 21"),
        (r#"{"jsonrpc":"1.0","method":"x"}"#, "not a JSON-RPC 2.0 message (`jsonrpc` must be \"2.0\")"),
        (r#"{"jsonrpc":"2.0","id":1.5,"method":"x"}"#, "not a JSON-RPC message: data did not match any variant of untagged enum Id at line 1 column 25"),
        (r#"{"jsonrpc":"2.0","method":7}"#, "not a JSON-RPC message: invalid type: integer `7`, expected a string at line 1 column 27"),
        ("\"caf\u{e9}\"", "not a JSON-RPC message: invalid type: string \"caf\u{e9}\", expected struct Message at line 1 column 7"),
    ];
    for (body, message) in cases {
        let input = [frame(body), frame(SHUTDOWN)].concat();
        let (out, problems) = run(input.as_bytes());
        assert_eq!(out, frame(SHUTDOWN), "{body}");
        assert_eq!(problems, vec![problem(0, message)], "{body}");
    }
}

#[test]
fn a_body_that_is_not_utf8_is_dropped() {
    let mut input = b"Content-Length: 7\r\n\r\n\"\xff\xfe\xfd\xfc\"\n".to_vec();
    input.extend_from_slice(frame(SHUTDOWN).as_bytes());
    let (out, problems) = run(&input);
    assert_eq!(out, frame(SHUTDOWN));
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].offset, 0);
    assert!(
        problems[0].message.starts_with("a message body that is not valid JSON: invalid unicode"),
        "{problems:?}"
    );
}

#[test]
fn bad_headers_are_skipped_up_to_the_next_message() {
    let garbage = "hello there\r\n{\"jsonrpc\":\"2.0\"}\r\n\r\n";
    let input = [garbage.to_string(), frame(INIT)].concat();
    assert_eq!(run(input.as_bytes()), (frame(INIT), vec![problem(0, JUNK)]));

    let input = ["Content-Length: ten\r\n\r\n".to_string(), frame(SHUTDOWN)].concat();
    assert_eq!(
        run(input.as_bytes()),
        (frame(SHUTDOWN), vec![problem(0, "invalid Content-Length `ten` in a message header")])
    );

    let input = ["Content-Type: text/plain\r\n\r\n".to_string(), frame(SHUTDOWN)].concat();
    assert_eq!(
        run(input.as_bytes()),
        (frame(SHUTDOWN), vec![problem(0, "a message header without Content-Length")])
    );
}

#[test]
fn a_body_shorter_than_announced_loses_itself_and_the_next() {
    // The first frame announces 5 bytes more than it has: it swallows the start of the next
    // frame's header (`Conte`), so its body is not JSON, the rest of that header is not a
    // Content-Length, and that frame's body runs into the third frame's header on one line.
    let short = format!("Content-Length: {}\r\n\r\n{INIT}", INIT.len() + 5);
    let input = [short.clone(), frame(SHUTDOWN), frame(SHUTDOWN)].concat();
    let (out, problems) = run(input.as_bytes());
    assert_eq!(out, frame(SHUTDOWN));
    let second_body = short.len() + frame(SHUTDOWN).len() - SHUTDOWN.len();
    assert_eq!(
        problems,
        vec![
            problem(0, "a message body that is not valid JSON: trailing characters at line 1 column 59"),
            problem(short.len() + 5, "a message header without Content-Length"),
            problem(second_body, JUNK),
        ]
    );
}

#[test]
fn binary_junk_and_overlong_lines_are_skipped() {
    let mut input = vec![0u8, 0xff, b'\r', b'\n'];
    input.extend(std::iter::repeat_n(b'x', MAX_HEADER_LINE * 3));
    input.extend_from_slice(b"\r\n\r\n");
    input.extend_from_slice(frame(INIT).as_bytes());
    assert_eq!(run(&input), (frame(INIT), vec![problem(0, JUNK)]));
}

#[test]
fn the_stream_ending_inside_a_frame_is_reported() {
    let input = [frame(INIT), "Content-Length: 100\r\n\r\n{\"jsonrpc\"".to_string()].concat();
    assert_eq!(
        run(input.as_bytes()),
        (
            frame(INIT),
            vec![problem(frame(INIT).len(), "the stream ended inside a message body of 100 bytes")]
        )
    );
    let input = [frame(INIT), "Content-Length: 10\r\n".to_string()].concat();
    assert_eq!(
        run(input.as_bytes()),
        (frame(INIT), vec![problem(frame(INIT).len(), "the stream ended inside a header")])
    );
}

#[test]
fn a_body_over_the_limit_is_skipped_without_buffering() {
    let input = [format!("Content-Length: {}\r\n\r\n", MAX_BODY + 1), frame(SHUTDOWN)].concat();
    // The stream ends before the announced size: skipped, then the end.
    let (out, problems) = run(input.as_bytes());
    assert_eq!(out, "");
    assert_eq!(
        problems,
        vec![problem(
            0,
            &format!(
                "a message of {} bytes is larger than the limit of {MAX_BODY} bytes; skipped",
                MAX_BODY + 1
            )
        )]
    );
}

#[test]
fn blank_lines_between_frames_are_ignored() {
    let input = ["\r\n\r\n".to_string(), frame(INIT), "\n".to_string(), frame(SHUTDOWN)].concat();
    assert_eq!(run(input.as_bytes()), ([frame(INIT), frame(SHUTDOWN)].concat(), vec![]));
}

/// Random streams of good frames, broken frames, junk and stray line breaks: the reader
/// never panics or stalls, passes on every good frame whose header stands on its own
/// (preceded by a blank line or a complete frame), and passes on nothing that is not a
/// well-formed message.
#[test]
fn random_streams_lose_only_the_damaged_frames() {
    use crate::yaml::tests::Rng;
    let mut rng = Rng(0x1b5e_c0de_1b5e_c0de);
    let bodies = [INIT, SHUTDOWN, r#"{"jsonrpc":"2.0","method":"initialized","params":{"é":"😀"}}"#];
    let damage: [&[u8]; 8] = [
        b"Content-Length: 3\r\n\r\n{\"a",
        b"\x00\xff\xfe",
        b"\r\n",
        b"Content-Length: -1\r\n\r\n",
        b"Content-Type: text/plain\r\n\r\n",
        b"{\"jsonrpc\":\"2.0\"}",
        b"Content-Length: 12\r\n\r\n[1,2,3,4,5,6]",
        b"content-length:5\n\n\"abc\"",
    ];
    for round in 0..300 {
        let mut input = Vec::new();
        let mut expected = Vec::new();
        // Whether the stream is at a frame boundary, so a good frame here must pass.
        let mut clean = true;
        for _ in 0..rng.below(12) {
            if rng.below(3) == 0 {
                let d = damage[rng.below(damage.len())];
                input.extend_from_slice(d);
                // Damage that does not end with a line break leaves the next header on its
                // line; a body shorter than announced swallows the next header.
                clean = d.ends_with(b"\r\n\r\n") || d == b"\r\n" && clean;
            } else {
                let f = frame(bodies[rng.below(bodies.len())]);
                input.extend_from_slice(f.as_bytes());
                if clean {
                    expected.extend_from_slice(f.as_bytes());
                }
                clean = true;
            }
        }
        let (out, _) = run(&input);
        // Every passed frame is a good one; all frames expected to pass are there, in order.
        let mut rest = out.as_str();
        let mut passed = Vec::new();
        while !rest.is_empty() {
            let body = bodies.iter().find(|b| rest.starts_with(&frame(b))).unwrap_or_else(|| {
                panic!("round {round}: passed something that is not a good frame: {rest:?}")
            });
            passed.push(frame(body));
            rest = &rest[frame(body).len()..];
        }
        let expected = String::from_utf8(expected).unwrap();
        assert!(is_subsequence(&expected, &passed), "round {round}: {input:?}\npassed {passed:?}");
    }
}

/// Whether the frames of `expected` (a concatenation) all appear in `passed`, in order.
fn is_subsequence(expected: &str, passed: &[String]) -> bool {
    let mut rest = expected;
    for p in passed {
        if rest.starts_with(p.as_str()) {
            rest = &rest[p.len()..];
        }
    }
    rest.is_empty()
}
