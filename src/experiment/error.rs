//! The one error type of the experiment command: a kind, a message for the user, what to
//! do next, and (when the branch was already pushed) where it is.

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorKind {
    /// Bad arguments (CLI exit code 2).
    Usage,
    NotARepo,
    DetachedHead,
    NoBase,
    NoRemote,
    InvalidOverride,
    InvalidParams,
    NothingToCommit,
    Identity,
    Signing,
    BranchExists,
    PushRejected,
    AuthFailed,
    Network,
    Cancelled,
    /// The forge API answered with an error status (see `status`).
    Forge,
    Git,
    Io,
}

/// Where a branch that was pushed before the failure lives.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pushed {
    pub branch: String,
    pub commit: String,
    pub remote: String,
    /// The forge page to open the pull request by hand, when the forge is known.
    pub compare_url: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExpError {
    pub kind: ErrorKind,
    pub message: String,
    pub hint: Option<String>,
    /// HTTP status for [`ErrorKind::Forge`].
    pub status: Option<u16>,
    /// Set when the branch is on the remote although a later step failed.
    pub pushed: Option<Box<Pushed>>,
}

impl ExpError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> ExpError {
        ExpError { kind, message: message.into(), hint: None, status: None, pushed: None }
    }

    pub fn hint(mut self, hint: impl Into<String>) -> ExpError {
        self.hint = Some(hint.into());
        self
    }

    pub fn git(doing: &str, e: &git2::Error) -> ExpError {
        ExpError::new(ErrorKind::Git, format!("git error while {doing}: {}", e.message()))
    }

    /// The CLI exit code: 2 for usage errors (bad flags, invalid `-S` overrides), else 1.
    pub fn exit_code(&self) -> u8 {
        if matches!(self.kind, ErrorKind::Usage | ErrorKind::InvalidOverride) {
            2
        } else {
            1
        }
    }
}

impl fmt::Display for ExpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(h) = &self.hint {
            write!(f, "\nhint: {h}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ExpError {}
