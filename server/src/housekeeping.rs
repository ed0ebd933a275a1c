//! Housekeeping, every quarter of an hour while the server runs: rate-limit windows and dead
//! sessions are trimmed in the database (`Core::purge_expired`), and the dev mailbox, when it
//! is on, forgets messages older than a week. Each instance does it; the work is idempotent.
//! And on PostgreSQL, a vacuum of `users` soon after a bulk change.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use orgdesk_core::Core;
use tokio::sync::watch;

const EVERY: Duration = Duration::from_secs(15 * 60);
const FIRST_AFTER: Duration = Duration::from_secs(60);
const KEEP_DEV_MAIL: Duration = Duration::from_secs(7 * 24 * 60 * 60);

pub async fn run(core: Core, dev_mailbox: Option<PathBuf>, mut shutdown: watch::Receiver<bool>) {
    let mut next = tokio::time::Instant::now() + FIRST_AFTER;
    loop {
        tokio::select! {
            _ = shutdown.wait_for(|stop| *stop) => return,
            _ = tokio::time::sleep_until(next) => {}
        }
        next += EVERY;
        match core.purge_expired().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(
                rows = n,
                "housekeeping: purged expired rate-limit windows and sessions"
            ),
            Err(e) => tracing::warn!(error = %e, "housekeeping: purge failed; will try again"),
        }
        if let Some(dir) = &dev_mailbox {
            match prune_old_files(dir, KEEP_DEV_MAIL).await {
                Ok(0) => {}
                Ok(n) => {
                    tracing::info!(files = n, "housekeeping: removed old dev-mailbox messages")
                }
                Err(e) => {
                    tracing::warn!(error = %e, "housekeeping: could not prune the dev mailbox")
                }
            }
        }
    }
}

/// How long the bulk changes must pause before the vacuum they asked for runs: the console's
/// bulk reset of 10,000 is ten calls about a tenth of a second apart, and makes one vacuum.
const VACUUM_WHEN_QUIET_FOR: Duration = Duration::from_secs(1);

/// On PostgreSQL, vacuums `users` once a bulk change of thousands has paused, rather than a
/// minute later when autovacuum wakes (`orgdesk_core::vacuum`): typed page numbers read the
/// sort index alone again. Each instance does it for its own bulk changes.
pub async fn vacuum_after_bulk_changes(core: Core, mut shutdown: watch::Receiver<bool>) {
    let wanted = core.vacuum_wanted_signal();
    loop {
        tokio::select! {
            _ = shutdown.wait_for(|stop| *stop) => return,
            _ = wanted.notified() => {}
        }
        loop {
            tokio::select! {
                _ = shutdown.wait_for(|stop| *stop) => return,
                _ = wanted.notified() => continue,
                _ = tokio::time::sleep(VACUUM_WHEN_QUIET_FOR) => break,
            }
        }
        let started = std::time::Instant::now();
        match core.vacuum_users().await {
            Ok(true) => tracing::info!(
                ms = started.elapsed().as_millis() as u64,
                "vacuumed users after a bulk change"
            ),
            Ok(false) => {}
            Err(e) => tracing::warn!(error = %e, "vacuum after a bulk change failed"),
        }
    }
}

/// Removes the files in `dir` last modified more than `keep` ago; returns how many.
pub async fn prune_old_files(dir: &Path, keep: Duration) -> std::io::Result<u64> {
    let cutoff = SystemTime::now()
        .checked_sub(keep)
        .unwrap_or(SystemTime::UNIX_EPOCH);
    let mut removed = 0;
    let mut entries = match tokio::fs::read_dir(dir).await {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e),
    };
    while let Some(entry) = entries.next_entry().await? {
        let meta = entry.metadata().await?;
        if meta.is_file() && meta.modified()? < cutoff {
            tokio::fs::remove_file(entry.path()).await?;
            removed += 1;
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn old_dev_mail_is_pruned_and_new_mail_kept() {
        let dir = std::env::temp_dir().join(format!("orgdesk-prune-{}", std::process::id()));
        tokio::fs::create_dir_all(&dir).await.unwrap();
        tokio::fs::write(dir.join("new.json"), "{}").await.unwrap();
        assert_eq!(
            prune_old_files(&dir, Duration::from_secs(3600))
                .await
                .unwrap(),
            0
        );
        assert_eq!(prune_old_files(&dir, Duration::ZERO).await.unwrap(), 1);
        assert!(!dir.join("new.json").exists());
        assert_eq!(
            prune_old_files(&dir.join("missing"), Duration::ZERO)
                .await
                .unwrap(),
            0
        );
        tokio::fs::remove_dir_all(&dir).await.unwrap();
    }
}
