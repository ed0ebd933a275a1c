//! Housekeeping the server runs every quarter of an hour (`server/src/housekeeping.rs`): the
//! tables that only grow — rate-limit windows, dead sessions and browsers no longer known — are
//! trimmed. The activity log is the audit trail and is kept.

use chrono::Duration;

use crate::db::Sql;
use crate::{Core, CoreResult};

/// Dead sessions are kept this long (for support questions), then deleted.
const KEEP_DEAD_SESSIONS_DAYS: i64 = 30;

impl Core {
    pub(crate) async fn purge_expired_impl(&self) -> CoreResult<u64> {
        let now = self.now();
        let config = self.config();
        let longest_window = [
            config.sign_in_limit.per,
            config.forgot_limit.per,
            config.resend_limit.per,
        ]
        .into_iter()
        .max()
        .unwrap_or_default();
        let window = Duration::from_std(longest_window).unwrap_or(Duration::days(1));
        let mut limits = Sql::new("DELETE FROM rate_limits WHERE window_start < ");
        limits.bind(now - window - Duration::hours(1));
        let mut purged = limits.execute(self.db()).await?;

        let cutoff = now - Duration::days(KEEP_DEAD_SESSIONS_DAYS);
        let mut sessions = Sql::new("DELETE FROM sessions WHERE expires_at < ");
        sessions.bind(cutoff).push(" OR revoked_at < ").bind(cutoff);
        purged += sessions.execute(self.db()).await?;

        let mut devices = Sql::new("DELETE FROM known_devices WHERE expires_at < ");
        devices.bind(now);
        purged += devices.execute(self.db()).await?;

        let mut replies = Sql::new("DELETE FROM api_idempotency WHERE created_at < ");
        replies.bind(now - crate::api_tokens::IDEMPOTENCY_WINDOW);
        purged += replies.execute(self.db()).await?;
        purged += self.fail_interrupted_jobs().await?;
        Ok(purged)
    }
}
