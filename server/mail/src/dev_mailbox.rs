//! The dev mailbox: with no SMTP server configured, each message becomes a JSON file
//! `<unix-millis>-<outbox id>.json` in a directory, which the app's `/dev/mailbox` page lists
//! with [`list_messages`] and opens with [`read_message`].
//!
//! Files are written under a hidden temporary name and renamed into place, so a reader never
//! sees half a message.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Utc};
use orgdesk_core::OutboundEmail;
use serde::{Deserialize, Serialize};

use crate::error::{MailError, SendFailure};

/// One message as the dev mailbox stores it. `Debug` leaves the bodies (live links) out.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DevMessage {
    /// The file name without `.json`: `<unix-millis>-<outbox id>`. Pass it to [`read_message`].
    pub id: String,
    pub outbox_id: i64,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub sent_at: DateTime<Utc>,
}

impl std::fmt::Debug for DevMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DevMessage")
            .field("id", &self.id)
            .field("outbox_id", &self.outbox_id)
            .field("to", &self.to)
            .field("subject", &self.subject)
            .field("text", &"[redacted]")
            .field("html", &"[redacted]")
            .field("sent_at", &self.sent_at)
            .finish()
    }
}

/// Writes messages into one directory.
#[derive(Debug, Clone)]
pub struct DevMailbox {
    dir: PathBuf,
}

impl DevMailbox {
    pub fn new(dir: impl Into<PathBuf>) -> DevMailbox {
        DevMailbox { dir: dir.into() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Stores the message; the directory is created if needed. I/O trouble (a full disk, a
    /// read-only directory) is transient: the outbox retries once an operator fixes it.
    pub async fn deliver(&self, email: &OutboundEmail) -> Result<DevMessage, SendFailure> {
        let sent_at = Utc::now();
        let id = format!("{:013}-{}", sent_at.timestamp_millis(), email.id);
        let message = DevMessage {
            id: id.clone(),
            outbox_id: email.id,
            to: email.to.clone(),
            subject: email.subject.clone(),
            text: email.text.clone(),
            html: email.html.clone(),
            sent_at,
        };
        let json = serde_json::to_vec_pretty(&message).map_err(|e| {
            SendFailure::permanent(format!("the message could not be encoded: {e}"))
        })?;
        let failure = |e: std::io::Error| {
            SendFailure::transient(format!("dev mailbox {}: {e}", self.dir.display()))
        };

        tokio::fs::create_dir_all(&self.dir)
            .await
            .map_err(failure)?;
        // Unique per process and call, so concurrent writers never share a temporary file.
        static NEXT_TEMP: AtomicU64 = AtomicU64::new(0);
        let temp = self.dir.join(format!(
            ".{id}.{}.{}.tmp",
            std::process::id(),
            NEXT_TEMP.fetch_add(1, Ordering::Relaxed)
        ));
        let target = self.dir.join(format!("{id}.json"));
        if let Err(e) = tokio::fs::write(&temp, &json).await {
            let _ = tokio::fs::remove_file(&temp).await;
            return Err(failure(e));
        }
        if let Err(e) = tokio::fs::rename(&temp, &target).await {
            let _ = tokio::fs::remove_file(&temp).await;
            return Err(failure(e));
        }
        Ok(message)
    }
}

/// The newest `limit` messages in `dir`, newest first. A directory that doesn't exist yet is
/// an empty mailbox.
pub async fn list_messages(
    dir: impl AsRef<Path>,
    limit: usize,
) -> Result<Vec<DevMessage>, MailError> {
    let dir = dir.as_ref();
    let io_error = |source| MailError::DevMailbox {
        path: dir.display().to_string(),
        source,
    };
    let mut entries = match tokio::fs::read_dir(dir).await {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io_error(e)),
    };
    let mut ids = Vec::new();
    while let Some(entry) = entries.next_entry().await.map_err(io_error)? {
        if let Some(key) = entry
            .file_name()
            .to_str()
            .and_then(|name| name.strip_suffix(".json"))
            .and_then(parse_id)
        {
            ids.push(key);
        }
    }
    // Newest first: by send time, then by outbox id.
    ids.sort_unstable_by(|a, b| b.cmp(a));
    let mut messages = Vec::with_capacity(limit.min(ids.len()));
    for (millis, outbox_id) in ids.into_iter().take(limit) {
        let id = format!("{millis:013}-{outbox_id}");
        // A file deleted between listing and reading is simply gone.
        if let Some(message) = read_message(dir, &id).await? {
            messages.push(message);
        }
    }
    Ok(messages)
}

/// One message by its id, `None` if there is no such message. Ids that aren't of the form
/// the mailbox writes (e.g. `../secret`) are rejected as not found, so a path can't escape
/// the directory.
pub async fn read_message(
    dir: impl AsRef<Path>,
    id: &str,
) -> Result<Option<DevMessage>, MailError> {
    if parse_id(id).is_none() {
        return Ok(None);
    }
    let dir = dir.as_ref();
    let path = dir.join(format!("{id}.json"));
    let bytes = match tokio::fs::read(&path).await {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(MailError::DevMailbox {
                path: path.display().to_string(),
                source,
            })
        }
    };
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|e| MailError::DevMailboxMessage {
            id: id.to_owned(),
            reason: e.to_string(),
        })
}

/// `<unix-millis>-<outbox id>` → (millis, outbox id).
fn parse_id(id: &str) -> Option<(i64, i64)> {
    let (millis, outbox_id) = id.split_once('-')?;
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(millis) || !all_digits(outbox_id) {
        return None;
    }
    Some((millis.parse().ok()?, outbox_id.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_ids_the_mailbox_writes_are_accepted() {
        assert_eq!(parse_id("1712345678901-42"), Some((1712345678901, 42)));
        for bad in [
            "", "-", "12-", "-12", "../etc-1", "1-2-3", "1-2.json", "12 -3", "+1-2",
        ] {
            assert_eq!(parse_id(bad), None, "{bad:?}");
        }
    }
}
