//! Removes secrets from text we show: known tokens, URL credentials, token-looking words.

const TOKEN_PREFIXES: &[&str] =
    &["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "glpat-", "gldt-", "glptt-", "ATBB", "ATCTT"];

/// Returns `text` with every secret in `secrets`, credentials in URLs (`https://user:pw@`)
/// and token-looking words replaced by `***`.
pub fn redact(text: &str, secrets: &[&str]) -> String {
    let mut out = text.to_string();
    for s in secrets.iter().filter(|s| s.len() >= 4) {
        out = out.replace(*s, "***");
    }
    out = redact_url_userinfo(&out);
    let mut result = String::with_capacity(out.len());
    let mut word = String::new();
    let flush = |word: &mut String, result: &mut String| {
        if looks_like_token(word) {
            result.push_str("***");
        } else {
            result.push_str(word);
        }
        word.clear();
    };
    for c in out.chars() {
        if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
            word.push(c);
        } else {
            flush(&mut word, &mut result);
            result.push(c);
        }
    }
    flush(&mut word, &mut result);
    result
}

fn looks_like_token(w: &str) -> bool {
    if TOKEN_PREFIXES.iter().any(|p| w.starts_with(p) && w.len() >= p.len() + 8) {
        return true;
    }
    // Long opaque words, except hexadecimal object ids.
    w.len() >= 40
        && !w.bytes().all(|b| b.is_ascii_hexdigit())
        && w.bytes().any(|b| b.is_ascii_digit())
        && w.bytes().any(|b| b.is_ascii_alphabetic())
        && !w.contains("--")
}

fn redact_url_userinfo(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        out.push_str(&rest[..i + 3]);
        rest = &rest[i + 3..];
        let end =
            rest.find(|c: char| c.is_whitespace() || c == '/' || c == '\'' || c == '"').unwrap_or(rest.len());
        if let Some(at) = rest[..end].rfind('@') {
            out.push_str("***");
            rest = &rest[at..];
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts() {
        assert_eq!(redact("bad token s3cr3t-value here", &["s3cr3t-value"]), "bad token *** here");
        assert_eq!(
            redact("fatal: unable to access 'https://me:pw@github.com/a/b.git/'", &[]),
            "fatal: unable to access 'https://***@github.com/a/b.git/'"
        );
        assert_eq!(redact("x ghp_abcdefghijklmnop y", &[]), "x *** y");
        assert_eq!(redact("glpat-1234567890abcdef!", &[]), "***!");
        let sha = "0123456789abcdef0123456789abcdef01234567";
        assert_eq!(redact(sha, &[]), sha);
        assert_eq!(redact("no secrets: exp/train-lr-abc1234", &[]), "no secrets: exp/train-lr-abc1234");
    }
}
