//! PostgreSQL's visibility map, brought up to date after users change in bulk.
//!
//! On PostgreSQL a typed page number of the Users Table skips its rows in the sort index alone,
//! which works only where vacuum has marked the table's pages all-visible (decision 50). A bulk
//! reset or an import of thousands rewrites most of those pages, and autovacuum, which wakes
//! once a minute, comes 12–31 s later: meanwhile those pages read the table for every row
//! skipped (17–23 ms instead of 5–11 at 100,000 users). So the bulk paths count the rows they
//! changed; past [`VACUUM_AFTER_ROWS`], the server's tidy-up task (`server/src/housekeeping.rs`)
//! waits for a quiet second, so the ten calls of a console bulk reset make one vacuum, and
//! vacuums `users` and its search copy itself. SQLite has no visibility map: nothing to do.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use sea_orm::{ConnectionTrait, DbBackend};

use crate::{Core, CoreResult};

/// Rows changed in bulk, summed over calls, after which a vacuum is asked for: autovacuum's
/// own threshold for `users` is 500 plus 1 % of its rows (migration 17), and it ends a sign-in
/// streak's updates well enough; this is for the bulk paths' thousands at once.
pub(crate) const VACUUM_AFTER_ROWS: u64 = 1_000;

/// The bulk paths' count of rows changed since the last request, and the request itself.
#[derive(Default)]
pub(crate) struct BulkChanges {
    rows: AtomicU64,
    wanted: Arc<tokio::sync::Notify>,
}

impl BulkChanges {
    /// Adds `rows`; true when that brings the sum to the threshold (which starts it again).
    fn add(&self, rows: u64) -> bool {
        let before = self.rows.fetch_add(rows, Ordering::Relaxed);
        if before + rows < VACUUM_AFTER_ROWS {
            return false;
        }
        // Whoever crosses the threshold asks and starts the count again; a concurrent
        // caller's rows may be lost from the new count, which only delays the next request.
        self.rows.store(0, Ordering::Relaxed);
        true
    }
}

impl Core {
    /// Called by the bulk paths after their commit, with the number of users they changed.
    pub(crate) fn note_bulk_change(&self, rows: u64) {
        if self.db().get_database_backend() != DbBackend::Postgres {
            return;
        }
        if self.bulk_changes.add(rows) {
            self.bulk_changes.wanted.notify_one();
        }
    }

    pub(crate) fn vacuum_wanted_signal_impl(&self) -> Arc<tokio::sync::Notify> {
        Arc::clone(&self.bulk_changes.wanted)
    }

    pub(crate) async fn vacuum_users_impl(&self) -> CoreResult<bool> {
        if self.db().get_database_backend() != DbBackend::Postgres {
            return Ok(false);
        }
        // SKIP_LOCKED: another instance's vacuum (or autovacuum's) of the same table is
        // already doing it. Vacuum blocks no reads or writes. Not inside a transaction, which
        // it refuses; and by the owner of the tables, which the server is (it migrates them).
        self.db()
            .execute_unprepared("VACUUM (SKIP_LOCKED) users, user_search")
            .await?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_threshold_is_crossed_once_per_thousand_rows_summed_over_calls() {
        let changes = BulkChanges::default();
        assert!(!changes.add(400));
        assert!(!changes.add(599));
        assert!(changes.add(1), "400 + 599 + 1 reaches the threshold");
        assert!(!changes.add(999), "the count starts again after a request");
        assert!(changes.add(10_000), "one call of many rows asks at once");
        assert!(!changes.add(0));
    }
}
