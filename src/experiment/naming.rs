//! Branch names, commit titles and messages, pull request bodies: pure text.

use super::params::{Change, DiffEntry};

/// Prefix of generated branch names unless the settings give another.
pub const DEFAULT_BRANCH_PREFIX: &str = "exp/";
const SLUG_MAX: usize = 40;
const TITLE_MAX: usize = 72;

/// `exp/<changed-keys-slug>-<short content hash>`: the same edit on the same base gives
/// the same name, so a retry finds the branch it pushed before.
pub fn default_branch(prefix: &str, diff: &[DiffEntry], content_hash: &str) -> String {
    let mut slug = String::new();
    for e in diff {
        let part = slugify(&e.key);
        if part.is_empty() {
            continue;
        }
        if slug.is_empty() {
            slug = part.chars().take(SLUG_MAX).collect();
        } else if slug.len() + 1 + part.len() <= SLUG_MAX {
            slug.push('-');
            slug.push_str(&part);
        } else {
            break;
        }
    }
    let slug = slug.trim_matches('-');
    let slug = if slug.is_empty() { "params" } else { slug };
    let short: String = content_hash.chars().take(7).collect();
    format!("{prefix}{slug}-{short}")
}

fn slugify(key: &str) -> String {
    let mut out = String::new();
    for c in key.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_alphanumeric() || c == '_' {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

/// Checks a branch name with git's reference rules.
pub fn validate_branch(name: &str) -> Result<(), String> {
    if name.is_empty()
        || name.starts_with('-')
        || !git2::Reference::is_valid_name(&format!("refs/heads/{name}"))
    {
        return Err(format!("{name:?} is not a valid branch name"));
    }
    Ok(())
}

fn item(e: &DiffEntry) -> String {
    match (&e.change, &e.new) {
        (Change::Removed, _) | (_, None) => format!("{} removed", qualified(e)),
        (_, Some(v)) => format!("{}={v}", qualified(e)),
    }
}

fn qualified(e: &DiffEntry) -> String {
    if e.file == super::overrides::DEFAULT_PARAMS_FILE {
        e.key.clone()
    } else {
        format!("{}:{}", e.file, e.key)
    }
}

/// `Run experiment: train.lr=0.01, train.epochs=20` (shortened to about 72 characters).
pub fn default_title(diff: &[DiffEntry]) -> String {
    let head = "Run experiment: ";
    let mut title = head.to_string();
    for (i, e) in diff.iter().enumerate() {
        let it = item(e);
        let sep = if i == 0 { "" } else { ", " };
        let rest = diff.len() - i;
        let more = format!(", +{} more", rest);
        if i > 0 && title.len() + sep.len() + it.len() + if rest > 1 { more.len() } else { 0 } > TITLE_MAX {
            title.push_str(&more);
            return title;
        }
        title.push_str(sep);
        title.push_str(&it);
    }
    title
}

/// The commit message: title, the description, and the params changes as plain text.
pub fn commit_message(title: &str, description: Option<&str>, diff: &[DiffEntry]) -> String {
    let mut m = format!("{}\n\n", title.trim());
    if let Some(d) = description.map(str::trim).filter(|d| !d.is_empty()) {
        m.push_str(d);
        m.push_str("\n\n");
    }
    m.push_str("Params:\n");
    for e in diff {
        let old = e.old.as_deref().unwrap_or("(absent)");
        let new = e.new.as_deref().unwrap_or("(removed)");
        m.push_str(&format!("  {}: {old} -> {new}\n", qualified(e)));
    }
    m
}

fn cell(v: Option<&str>) -> String {
    match v {
        None => "—".into(),
        Some(v) => format!("`{}`", v.replace('`', "'").replace('|', "\\|")),
    }
}

/// The pull request body: the description, then a Markdown table of the params diff.
pub fn pr_body(description: Option<&str>, diff: &[DiffEntry]) -> String {
    let mut b = String::new();
    if let Some(d) = description.map(str::trim).filter(|d| !d.is_empty()) {
        b.push_str(d);
        b.push_str("\n\n");
    }
    b.push_str("| Param | Old | New |\n|---|---|---|\n");
    for e in diff {
        b.push_str(&format!(
            "| {} | {} | {} |\n",
            cell(Some(&qualified(e))),
            cell(e.old.as_deref()),
            cell(e.new.as_deref())
        ));
    }
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(file: &str, key: &str, old: Option<&str>, new: Option<&str>, change: Change) -> DiffEntry {
        DiffEntry {
            file: file.into(),
            key: key.into(),
            old: old.map(Into::into),
            new: new.map(Into::into),
            change,
        }
    }

    fn sample() -> Vec<DiffEntry> {
        vec![
            e("params.yaml", "train.lr", Some("0.001"), Some("0.01"), Change::Modified),
            e("params.yaml", "train.epochs", Some("10"), Some("20"), Change::Modified),
        ]
    }

    #[test]
    fn branch_names() {
        assert_eq!(default_branch("exp/", &sample(), "abcdef123456"), "exp/train-lr-train-epochs-abcdef1");
        let long = vec![e(
            "params.yaml",
            "a_very_long_section_name.with_an_even_longer_key_name_here",
            None,
            Some("1"),
            Change::Added,
        )];
        assert_eq!(default_branch("", &long, "0123456"), "a_very_long_section_name-with_an_even_lo-0123456");
        assert_eq!(default_branch("exp/", &[], "0123456789"), "exp/params-0123456");
        assert_eq!(validate_branch("exp/a-b"), Ok(()));
        assert_eq!(validate_branch("bad..name"), Err("\"bad..name\" is not a valid branch name".into()));
        assert_eq!(validate_branch("a b"), Err("\"a b\" is not a valid branch name".into()));
        assert_eq!(validate_branch("-x"), Err("\"-x\" is not a valid branch name".into()));
        assert!(validate_branch(&default_branch("exp/", &sample(), "abc1234")).is_ok());
    }

    #[test]
    fn titles() {
        assert_eq!(default_title(&sample()), "Run experiment: train.lr=0.01, train.epochs=20");
        let many: Vec<DiffEntry> = (0..10)
            .map(|i| e("params.yaml", &format!("section.key{i}"), None, Some("12345"), Change::Added))
            .collect();
        assert_eq!(default_title(&many), "Run experiment: section.key0=12345, section.key1=12345, +8 more");
        let other = vec![e("conf/p.json", "x", Some("1"), None, Change::Removed)];
        assert_eq!(default_title(&other), "Run experiment: conf/p.json:x removed");
    }

    #[test]
    fn messages_and_bodies() {
        assert_eq!(
            commit_message("T", Some("why\n"), &sample()),
            "T\n\nwhy\n\nParams:\n  train.lr: 0.001 -> 0.01\n  train.epochs: 10 -> 20\n"
        );
        let d = vec![e("params.yaml", "a|b", None, Some("x`y"), Change::Added)];
        assert_eq!(pr_body(None, &d), "| Param | Old | New |\n|---|---|---|\n| `a\\|b` | — | `x'y` |\n");
        assert_eq!(
            pr_body(Some("Try a higher rate."), &sample()),
            "Try a higher rate.\n\n| Param | Old | New |\n|---|---|---|\n| `train.lr` | `0.001` | `0.01` |\n| `train.epochs` | `10` | `20` |\n"
        );
    }
}
