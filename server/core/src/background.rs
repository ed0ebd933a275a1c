//! Bulk resets at background CPU priority, on SQLite.
//!
//! On 2 cores, a bulk reset of 10,000 users (the console's ten calls of 1,000) kept one core
//! busy with its SQLite connection's thread and half of the other with its handler; the Users
//! Table's p95 meanwhile was 4–5 × idle (docs/performance.md, sessions 22 and 23). Nothing is
//! locked against the table's reads (WAL): they waited for a core. So a reset of
//! [`FROM_TARGETS`] users or more runs on the *bulk lane*: one thread of its own
//! (`orgdesk-bulk`) with a single-threaded async runtime, at nice [`NICE`] and under Linux's
//! `SCHED_BATCH` (it never preempts a thread that wakes, as the table's requests do), and it
//! writes through a connection of its own, which the lane opens, so that connection's SQLite
//! thread (started by sqlx from the lane's thread) inherits both. Under contention the bulk
//! gets a smaller share of the CPU; with a core to spare it runs as fast as before.
//!
//! Only on SQLite, with a database file: on PostgreSQL the bulk's work is in the database's
//! own process, which the server can't deprioritise, and the lane measured no better there.
//! A reset on the lane runs to its end even if the request that asked for it is dropped (a
//! closed tab): it commits or rolls back as one transaction, as before.
//!
//! Priority inversion is bounded: the lane's transaction holds SQLite's write lock, so other
//! writes (a sign-in's) wait for it as they did, and at nice 10 it still gets about a tenth of
//! a contended core (`SQLITE_BUSY_TIMEOUT` is 15 s; a call of 1,000 takes about 0.1 s alone).

use std::cell::Cell;
use std::future::Future;
use std::sync::{Arc, OnceLock};

use sea_orm::DatabaseConnection;

use crate::{db, Core, CoreError, CoreResult};

/// Resets of this many users or more run on the lane; fewer (a row menu's, a profile's, a
/// small selection's) run where they are asked for, at once.
pub(crate) const FROM_TARGETS: usize = 100;

/// The lane's nice value (a weight of 110 against 1,024 at nice 0).
pub(crate) const NICE: i32 = 10;

static LANE: OnceLock<Result<tokio::runtime::Handle, String>> = OnceLock::new();

thread_local! {
    static ON_LANE: Cell<bool> = const { Cell::new(false) };
}

/// Where the lane writes: its own connection to the same SQLite file, opened by the lane.
pub(crate) struct LaneDb {
    url: String,
    db: tokio::sync::OnceCell<DatabaseConnection>,
}

impl LaneDb {
    /// The lane's connection to come, for a SQLite file; none for anything else.
    pub(crate) fn for_url(database_url: &str) -> Option<Arc<LaneDb>> {
        db::is_sqlite_file(database_url).then(|| {
            Arc::new(LaneDb {
                url: database_url.to_owned(),
                db: tokio::sync::OnceCell::new(),
            })
        })
    }
}

impl Core {
    /// Whether a reset of `users` runs on the lane: many users, on a SQLite file.
    pub(crate) fn on_bulk_lane(&self, users: usize) -> bool {
        self.lane_db.is_some() && users >= FROM_TARGETS
    }

    /// The pool a write transaction begins on: the lane's own connection on the lane, the
    /// shared pool everywhere else.
    pub(crate) async fn writer(&self) -> CoreResult<&DatabaseConnection> {
        match &self.lane_db {
            Some(lane) if on_lane() => {
                Ok(lane.db.get_or_try_init(|| db::open_lane(&lane.url)).await?)
            }
            _ => Ok(self.db()),
        }
    }
}

/// Whether the caller runs on the lane's thread.
pub(crate) fn on_lane() -> bool {
    ON_LANE.with(Cell::get)
}

/// Runs `work` on the lane, started on first use, and returns its result. A panic in `work`
/// is an internal error; the lane carries on.
pub(crate) async fn run<F, T>(work: F) -> CoreResult<T>
where
    F: Future<Output = CoreResult<T>> + Send + 'static,
    T: Send + 'static,
{
    let lane = LANE
        .get_or_init(start)
        .as_ref()
        .map_err(|e| CoreError::Internal(format!("the bulk lane did not start: {e}")))?;
    lane.spawn(work)
        .await
        .map_err(|e| CoreError::Internal(format!("bulk work failed: {e}")))?
}

fn start() -> Result<tokio::runtime::Handle, String> {
    let (handle_tx, handle_rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("orgdesk-bulk".into())
        .spawn(move || {
            ON_LANE.with(|on| on.set(true));
            if let Err(e) = lower_this_threads_priority() {
                tracing::warn!(error = %e, "bulk lane: runs at normal CPU priority");
            }
            match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(runtime) => {
                    let _ = handle_tx.send(Ok(runtime.handle().clone()));
                    runtime.block_on(std::future::pending::<()>());
                }
                Err(e) => {
                    let _ = handle_tx.send(Err(e.to_string()));
                }
            }
        })
        .map_err(|e| e.to_string())?;
    handle_rx.recv().map_err(|e| e.to_string())?
}

/// `SCHED_BATCH` and nice [`NICE`] for the calling thread, and so for the threads it starts.
#[cfg(target_os = "linux")]
fn lower_this_threads_priority() -> std::io::Result<()> {
    let param = libc::sched_param { sched_priority: 0 };
    // SAFETY: two system calls on plain values and a pointer to `param`, which outlives them;
    // on Linux, 0 names the calling thread for both, and only its scheduling changes.
    let (policy, nice) = unsafe {
        (
            libc::sched_setscheduler(0, libc::SCHED_BATCH, &param),
            libc::setpriority(libc::PRIO_PROCESS, 0, NICE),
        )
    };
    if policy != 0 || nice != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

#[cfg(not(target_os = "linux"))]
fn lower_this_threads_priority() -> std::io::Result<()> {
    Ok(())
}

#[cfg(all(test, target_os = "linux"))]
pub(crate) mod tests {
    use super::*;

    /// The scheduling policy and nice value of this process's thread `tid`, from `/proc`.
    pub(crate) fn policy_and_nice(tid: &str) -> (i64, i64) {
        let stat = std::fs::read_to_string(format!("/proc/self/task/{tid}/stat")).unwrap();
        // The fields after the command's closing parenthesis, from the third (state) on.
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .unwrap()
            .1
            .split_whitespace()
            .collect();
        (fields[38].parse().unwrap(), fields[16].parse().unwrap())
    }

    #[tokio::test]
    async fn work_on_the_lane_runs_on_its_thread_in_batch_at_nice_10() {
        assert!(!on_lane());
        let (on, tid) = run(async {
            let tid = std::fs::read_link("/proc/thread-self")
                .unwrap()
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            Ok((on_lane(), tid))
        })
        .await
        .unwrap();
        assert!(on, "the work ran on the lane");
        assert_eq!(
            policy_and_nice(&tid),
            (libc::SCHED_BATCH as i64, NICE as i64)
        );
        let (_, here) = policy_and_nice(
            &std::fs::read_link("/proc/thread-self")
                .unwrap()
                .file_name()
                .unwrap()
                .to_string_lossy(),
        );
        assert_eq!(here, 0, "the caller's thread is untouched");
    }

    /// A bulk reset on a SQLite file runs on the lane, through the lane's own connection,
    /// whose SQLite thread inherits the lane's scheduling; a small one runs where it is asked.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_bulk_reset_on_sqlite_writes_through_a_connection_at_the_lanes_priority() {
        use sea_orm::{ConnectionTrait, Statement};

        use crate::clock::TestClock;
        use crate::{Core, CoreConfig, Initiator};

        let database = orgdesk_testkit::TestDatabase::sqlite();
        let core = Core::connect(
            &database.url,
            CoreConfig::default(),
            std::sync::Arc::new(TestClock::new()),
        )
        .await
        .unwrap();
        let org = core.create_organization("Lane Corp").await.unwrap();
        core.seed_bulk_users(org, FROM_TARGETS as u64 + 20)
            .await
            .unwrap();
        let ids: Vec<i64> = core
            .db()
            .query_all_raw(Statement::from_string(
                core.db().get_database_backend(),
                format!("SELECT id FROM users WHERE org_id = {org} ORDER BY id"),
            ))
            .await
            .unwrap()
            .iter()
            .map(|row| row.try_get_by_index(0).unwrap())
            .collect();
        let cli = Initiator::CommandLine {
            org_id: org,
            os_user: "test".into(),
        };
        let lane = core.lane_db.clone().expect("a SQLite file has a lane");

        let one = core
            .admin_reset_passwords(cli.clone(), &ids[..1], None)
            .await
            .unwrap();
        assert_eq!(one.reset.len(), 1);
        assert!(
            !lane.db.initialized(),
            "one user is reset where it is asked"
        );

        let many = core
            .admin_reset_passwords(cli, &ids[1..], None)
            .await
            .unwrap();
        assert_eq!(many.reset.len(), ids.len() - 1);
        assert!(lane.db.initialized(), "many are reset on the lane");
        let lane_db_threads: Vec<(i64, i64)> = std::fs::read_dir("/proc/self/task")
            .unwrap()
            .filter_map(|task| {
                let tid = task.ok()?.file_name().to_string_lossy().into_owned();
                let comm = std::fs::read_to_string(format!("/proc/self/task/{tid}/comm")).ok()?;
                comm.starts_with("orgdesk-bulk-db")
                    .then(|| policy_and_nice(&tid))
            })
            .collect();
        assert!(!lane_db_threads.is_empty(), "the lane's SQLite thread");
        for scheduling in lane_db_threads {
            assert_eq!(scheduling, (libc::SCHED_BATCH as i64, NICE as i64));
        }
        let pending = core
            .db()
            .query_one_raw(Statement::from_string(
                core.db().get_database_backend(),
                "SELECT COUNT(*) FROM users WHERE status = 'reset_pending'".to_owned(),
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get_by_index::<i64>(0)
            .unwrap();
        assert_eq!(pending as usize, ids.len(), "both resets committed");
    }

    #[tokio::test]
    async fn a_panic_on_the_lane_is_an_error_and_the_lane_carries_on() {
        let failed = run(async {
            if on_lane() {
                panic!("a bug");
            }
            Ok(())
        })
        .await;
        assert!(matches!(failed, Err(CoreError::Internal(_))), "{failed:?}");
        assert_eq!(run(async { Ok(7) }).await.unwrap(), 7);
    }
}
