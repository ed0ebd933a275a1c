//! Bulk resets at background CPU priority.
//!
//! On 2 cores, a bulk reset of 10,000 users (the console's ten calls of 1,000) kept one core
//! busy with its database's work and half of the other with its handler; the Users Table's
//! p95 meanwhile was 4–5 × idle (docs/performance.md, sessions 22–24). Nothing is locked
//! against the table's reads: they waited for a core. So a reset of [`FROM_TARGETS`] users or
//! more runs on the *bulk lane*: one thread of its own (`orgdesk-bulk`) with a single-threaded
//! async runtime, at nice [`NICE`] and under Linux's `SCHED_BATCH` (it never preempts a thread
//! that wakes, as the table's requests do), and it writes through a connection of its own,
//! which the lane opens. Under contention the bulk gets a smaller share of the CPU; with a
//! core to spare it runs as fast as before.
//!
//! - SQLite (a database file): the connection's SQLite thread, started by sqlx from the lane's
//!   thread, inherits both.
//! - PostgreSQL: the bulk's work runs in the database's process for the lane's connection (its
//!   backend), which the lane lowers in the same way when it opens the connection, if it can:
//!   the database must be on this machine, the backend must be seen to hold the other end of
//!   the connection's socket (so no other process is ever touched), and the server must be
//!   allowed to lower another user's process (the database's Unix user, or `CAP_SYS_NICE`; a
//!   server run as root may). Otherwise the lane logs why once per connection and the backend
//!   runs as before. On its own machine the database has cores of its own and none of this
//!   matters (decision 59). Linux weighs a lowered backend only against processes of its own
//!   scheduling group (a CPU cgroup, or while autogroups are on, its session), so the lane says
//!   when the backend's group isn't the server's (decision 68).
//!
//! A reset on the lane runs to its end even if the request that asked for it is dropped (a
//! closed tab): it commits or rolls back as one transaction, as before.
//!
//! Priority inversion is bounded: the lane's transaction holds SQLite's write lock (or, on
//! PostgreSQL, the locks of the rows it resets), so other writes to them (a sign-in's) wait for
//! it as they did, and at nice 10 it still gets about a tenth of a contended core
//! (`SQLITE_BUSY_TIMEOUT` is 15 s; a call of 1,000 takes about 0.1 s alone). Bulk resets on
//! one server take turns on the lane's one connection.

use std::cell::Cell;
use std::future::Future;
use std::sync::{Arc, OnceLock};

use sea_orm::sqlx::{self, PgConnection};
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

/// Where the lane writes: its own connection to the same database, opened by the lane.
pub(crate) struct LaneDb {
    url: String,
    db: tokio::sync::OnceCell<DatabaseConnection>,
}

impl LaneDb {
    /// The lane's connection to come, for a SQLite file or PostgreSQL; none for an in-memory
    /// database, which exists per connection.
    pub(crate) fn for_url(database_url: &str) -> Option<Arc<LaneDb>> {
        (db::is_sqlite_file(database_url) || !database_url.starts_with("sqlite:")).then(|| {
            Arc::new(LaneDb {
                url: database_url.to_owned(),
                db: tokio::sync::OnceCell::new(),
            })
        })
    }
}

impl Core {
    /// Whether a reset of `users` runs on the lane: many users, on a SQLite file or PostgreSQL.
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
    // On Linux, 0 names the calling thread for both system calls.
    lower_priority(0)
}

/// `SCHED_BATCH` and nice [`NICE`] for thread `tid` (0: the calling one).
#[cfg(target_os = "linux")]
fn lower_priority(tid: libc::pid_t) -> std::io::Result<()> {
    let param = libc::sched_param { sched_priority: 0 };
    // SAFETY: two system calls on plain values and a pointer to `param`, which outlives them;
    // only the scheduling of thread `tid` changes (the callers name the lane's own thread, or a
    // PostgreSQL backend, one thread, seen to hold the other end of the lane's connection).
    let (policy, nice) = unsafe {
        (
            libc::sched_setscheduler(tid, libc::SCHED_BATCH, &param),
            libc::setpriority(libc::PRIO_PROCESS, tid as libc::id_t, NICE),
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

/// Puts the PostgreSQL process serving `conn` (the lane's connection) under `SCHED_BATCH` at
/// nice [`NICE`], as the lane's own thread is, when it is this machine's and the server may;
/// otherwise says why, and the connection works as before.
pub(crate) async fn lower_backends_priority(conn: &mut PgConnection) {
    let ends: Result<(i32, Option<i32>, Option<i32>), sqlx::Error> =
        sqlx::query_as("SELECT pg_backend_pid(), inet_client_port(), inet_server_port()")
            .fetch_one(&mut *conn)
            .await;
    let lowered = match ends {
        Ok((pid, Some(ours), Some(theirs))) => match (u16::try_from(ours), u16::try_from(theirs)) {
            (Ok(ours), Ok(theirs)) => lower_backend(pid, ours, theirs),
            _ => Err(std::io::Error::other(
                "the connection's ports are out of range",
            )),
        },
        Ok(_) => Err(std::io::Error::other("the connection is not over TCP")),
        Err(e) => Err(std::io::Error::other(format!(
            "could not ask the database: {e}"
        ))),
    };
    match lowered {
        Ok(pid) => match separate_cpu_groups(pid) {
            None => tracing::info!(
                pid,
                "bulk lane: its database process runs at background CPU priority"
            ),
            Some((ours, theirs)) => tracing::warn!(
                pid,
                server = %ours,
                database = %theirs,
                "bulk lane: its database process is lowered, but Linux schedules it in another \
                 group than this server, and a priority counts only within its group, so the \
                 console may slow during bulk resets; on a machine that runs both, turn \
                 autogroups off (kernel.sched_autogroup_enabled = 0) or weigh the services' CPU \
                 cgroups (README, \"Deploying\")"
            ),
        },
        Err(e) => {
            tracing::warn!("bulk lane: its database process runs at normal CPU priority ({e})")
        }
    }
}

/// Lowers process `pid` of this machine if it holds the database's end of the connection from
/// our port `ours` to the database's port `theirs` (a process of another machine, container or
/// PID namespace with the same number is never touched); its `pid` if so.
#[cfg(target_os = "linux")]
fn lower_backend(pid: i32, ours: u16, theirs: u16) -> std::io::Result<i32> {
    // The database's end goes from its port to ours.
    let Some(inode) = tcp_socket_inode(theirs, ours)? else {
        return Err(std::io::Error::other(
            "the database is not on this machine (no socket here from its port to ours)",
        ));
    };
    let end = format!("socket:[{inode}]");
    let holds = std::fs::read_dir(format!("/proc/{pid}/fd"))?
        .flatten()
        .any(|fd| std::fs::read_link(fd.path()).is_ok_and(|to| to.as_os_str() == end.as_str()));
    if !holds {
        return Err(std::io::Error::other(format!(
            "process {pid} here does not hold the database's end of the connection"
        )));
    }
    lower_priority(pid)?;
    Ok(pid)
}

#[cfg(not(target_os = "linux"))]
fn lower_backend(_pid: i32, _ours: u16, _theirs: u16) -> std::io::Result<i32> {
    Err(std::io::Error::other("only on Linux"))
}

/// The CPU scheduling groups of this server and of process `pid`, when they differ.
///
/// Linux's fair scheduler weighs groups against each other first and a group's processes only
/// within it: a process in a CPU cgroup of its own (the `cpu` controller) is in that group,
/// one in the root cgroup is in its session's autogroup while `kernel.sched_autogroup_enabled`
/// is 1 (Debian's default; PostgreSQL, started as a daemon, has a session of its own).
/// Lowering a database process in another group then only favours the database's other
/// processes, not this server's threads (docs/performance.md, session 29).
#[cfg(target_os = "linux")]
fn separate_cpu_groups(pid: i32) -> Option<(String, String)> {
    let read = |path: &str| std::fs::read_to_string(path).unwrap_or_default();
    let autogroups = read("/proc/sys/kernel/sched_autogroup_enabled").trim() == "1";
    // cgroup v2: the `cpu` controller applies to a cgroup its parent enables it for.
    let cpu_controlled = |path: &str| {
        let parent = path.rsplit_once('/').map_or("", |(parent, _)| parent);
        read(&format!("/sys/fs/cgroup{parent}/cgroup.subtree_control"))
            .split_whitespace()
            .any(|c| c == "cpu")
    };
    let group = |proc_dir: &str| {
        let autogroup = autogroups.then(|| read(&format!("{proc_dir}/autogroup")));
        cpu_group(
            &read(&format!("{proc_dir}/cgroup")),
            cpu_controlled,
            autogroup.as_deref(),
        )
    };
    let (ours, theirs) = (group("/proc/self"), group(&format!("/proc/{pid}")));
    (ours != theirs).then_some((ours, theirs))
}

#[cfg(not(target_os = "linux"))]
fn separate_cpu_groups(_pid: i32) -> Option<(String, String)> {
    None
}

/// A process's CPU scheduling group from its `/proc/<pid>/cgroup` and, while autogroups are
/// on, its `/proc/<pid>/autogroup` (`/autogroup-42 nice 0`; empty in init's session, which is
/// weighed in the root group): its cgroup of the `cpu` controller (cgroup v1), or its cgroup
/// of the unified hierarchy (v2) if `cpu_controlled` says the controller applies there; else,
/// in the root cgroup, its autogroup; else the root group.
#[cfg(target_os = "linux")]
fn cpu_group(
    cgroups: &str,
    cpu_controlled: impl Fn(&str) -> bool,
    autogroup: Option<&str>,
) -> String {
    let v1 = cgroups.lines().find_map(|line| {
        let (_, rest) = line.split_once(':')?;
        let (controllers, path) = rest.split_once(':')?;
        controllers.split(',').any(|c| c == "cpu").then_some(path)
    });
    let v2 = || {
        cgroups
            .lines()
            .find_map(|line| line.strip_prefix("0::"))
            .filter(|path| cpu_controlled(path))
    };
    match v1.or_else(v2) {
        Some(path) if path != "/" => format!("cgroup {path}"),
        _ => autogroup
            .and_then(|line| line.split_whitespace().next())
            .map_or_else(
                || "the root group".to_owned(),
                |name| format!("autogroup {}", name.trim_start_matches('/')),
            ),
    }
}

/// The inode of the TCP socket of this machine (this network namespace) from port `local` to
/// port `peer`, read from `/proc/net/tcp` and `/proc/net/tcp6`.
#[cfg(target_os = "linux")]
fn tcp_socket_inode(local: u16, peer: u16) -> std::io::Result<Option<u64>> {
    let port = |address: &str| {
        address
            .rsplit_once(':')
            .and_then(|(_, port)| u16::from_str_radix(port, 16).ok())
    };
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = std::fs::read_to_string(table) else {
            continue;
        };
        // `sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode …`
        for line in text.lines().skip(1) {
            let fields: Vec<&str> = line.split_whitespace().collect();
            if let [_, from, to, _, _, _, _, _, _, inode, ..] = fields[..] {
                if port(from) == Some(local) && port(to) == Some(peer) {
                    return Ok(inode.parse().ok().filter(|&inode| inode != 0));
                }
            }
        }
    }
    Ok(None)
}

#[cfg(all(test, target_os = "linux"))]
pub(crate) mod tests {
    use super::*;

    /// The scheduling policy and nice value of this process's thread `tid`, from `/proc`.
    pub(crate) fn policy_and_nice(tid: &str) -> (i64, i64) {
        stat_policy_and_nice(&format!("/proc/self/task/{tid}/stat"))
    }

    /// The scheduling policy and nice value in the `stat` file at `path`.
    fn stat_policy_and_nice(path: &str) -> (i64, i64) {
        let stat = std::fs::read_to_string(path).unwrap();
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

    /// The scheduling policy and nice value of process `pid`, from `/proc`.
    fn process_policy_and_nice(pid: i64) -> (i64, i64) {
        stat_policy_and_nice(&format!("/proc/{pid}/stat"))
    }

    /// A new organization of [`FROM_TARGETS`] + 20 users on `database_url`: one is reset where
    /// it is asked (the lane's connection is not even opened), then all the others on the
    /// lane, and both resets are committed.
    async fn reset_one_then_many(database_url: &str) -> Core {
        use sea_orm::{ConnectionTrait, Statement};

        use crate::clock::TestClock;
        use crate::{CoreConfig, Initiator};

        let core = Core::connect(
            database_url,
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
        let lane = core.lane_db.clone().expect("the database has a lane");

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
        let pending = core
            .db()
            .query_one_raw(Statement::from_string(
                core.db().get_database_backend(),
                format!(
                    "SELECT COUNT(*) FROM users WHERE org_id = {org} AND status = 'reset_pending'"
                ),
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get_by_index::<i64>(0)
            .unwrap();
        assert_eq!(pending as usize, ids.len(), "both resets committed");
        core
    }

    /// A bulk reset on a SQLite file runs on the lane, through the lane's own connection,
    /// whose SQLite thread inherits the lane's scheduling; a small one runs where it is asked.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_bulk_reset_on_sqlite_writes_through_a_connection_at_the_lanes_priority() {
        let database = orgdesk_testkit::TestDatabase::sqlite();
        let _core = reset_one_then_many(&database.url).await;
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
    }

    /// A bulk reset on PostgreSQL (on this machine, the server allowed: the test command runs
    /// as root) runs on the lane, through the lane's own connection, whose backend is lowered
    /// as the lane's thread is; the pool's backends are untouched.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_bulk_reset_on_postgres_writes_through_a_backend_at_the_lanes_priority() {
        use sea_orm::{ConnectionTrait, Statement};

        let database = orgdesk_testkit::TestDatabase::postgres().await;
        let core = reset_one_then_many(&database.url).await;
        let backend_of = |db: &DatabaseConnection| {
            let db = db.clone();
            async move {
                db.query_one_raw(Statement::from_string(
                    db.get_database_backend(),
                    "SELECT pg_backend_pid()::bigint",
                ))
                .await
                .unwrap()
                .unwrap()
                .try_get_by_index::<i64>(0)
                .unwrap()
            }
        };
        let lane = core.lane_db.clone().expect("PostgreSQL has a lane");
        let lane_backend = backend_of(lane.db.get().expect("the lane's connection")).await;
        assert_eq!(
            process_policy_and_nice(lane_backend),
            (libc::SCHED_BATCH as i64, NICE as i64),
            "the lane's backend"
        );
        let pool_backend = backend_of(core.db()).await;
        assert_ne!(pool_backend, lane_backend);
        assert_eq!(
            process_policy_and_nice(pool_backend),
            (libc::SCHED_OTHER as i64, 0),
            "a backend of the pool"
        );
    }

    /// The lane lowers only the process that holds the database's end of the connection: given
    /// another one (this test's own), it refuses and changes nothing.
    #[tokio::test]
    async fn only_the_connections_own_backend_is_ever_lowered() {
        use sea_orm::sqlx::Connection;

        let mut conn = PgConnection::connect(&orgdesk_testkit::pg_server_url())
            .await
            .expect("PostgreSQL");
        let (backend, ours, theirs): (i32, i32, i32) =
            sqlx::query_as("SELECT pg_backend_pid(), inet_client_port(), inet_server_port()")
                .fetch_one(&mut conn)
                .await
                .expect("the connection's ends");
        let (ours, theirs) = (ours as u16, theirs as u16);
        let me = std::process::id() as i32;
        let refused = lower_backend(me, ours, theirs).expect_err("not the database's end");
        assert!(refused.to_string().contains("does not hold"), "{refused}");
        assert_eq!(
            process_policy_and_nice(me.into()),
            (libc::SCHED_OTHER as i64, 0)
        );
        assert!(
            lower_backend(backend, theirs, ours).is_err(),
            "the ports the wrong way round name no socket of the database's"
        );
        assert_eq!(
            process_policy_and_nice(backend.into()),
            (libc::SCHED_OTHER as i64, 0)
        );
        assert_eq!(
            lower_backend(backend, ours, theirs).expect("lowered"),
            backend
        );
        assert_eq!(
            process_policy_and_nice(backend.into()),
            (libc::SCHED_BATCH as i64, NICE as i64)
        );
    }

    /// The scheduling group a process is weighed in: its CPU cgroup, else its autogroup while
    /// those are on, else the root group.
    #[test]
    fn a_process_is_weighed_in_its_cpu_cgroup_else_its_autogroup() {
        let none = |_: &str| false;
        let v1_root = "9:name=systemd:/\n2:cpuacct:/\n1:cpu:/\n0::/\n";
        assert_eq!(
            cpu_group(v1_root, none, Some("/autogroup-55349 nice 0\n")),
            "autogroup autogroup-55349"
        );
        assert_eq!(cpu_group(v1_root, none, None), "the root group");
        assert_eq!(
            cpu_group(v1_root, none, Some("")),
            "the root group",
            "init's session: the kernel shows no autogroup"
        );
        let v1_unit = "3:cpu,cpuacct:/system.slice/postgresql.service\n0::/\n";
        assert_eq!(
            cpu_group(v1_unit, none, Some("/autogroup-7 nice 0")),
            "cgroup /system.slice/postgresql.service"
        );
        let v2 = "0::/system.slice/orgdesk.service\n";
        assert_eq!(
            cpu_group(
                v2,
                |path: &str| path.starts_with("/system.slice/"),
                Some("/autogroup-9 nice 0")
            ),
            "cgroup /system.slice/orgdesk.service"
        );
        assert_eq!(
            cpu_group(v2, none, Some("/autogroup-9 nice 0")),
            "autogroup autogroup-9",
            "no cpu controller there: the root task group, so autogroups"
        );
    }

    /// PostgreSQL runs as a daemon, in a session of its own: while autogroups are on (as on
    /// Debian by default), its backends are weighed as another group than this process, which
    /// the lane reports when it lowers one.
    #[tokio::test]
    async fn a_database_process_is_in_another_group_while_autogroups_are_on() {
        use sea_orm::sqlx::Connection;

        let mut conn = PgConnection::connect(&orgdesk_testkit::pg_server_url())
            .await
            .expect("PostgreSQL");
        let (backend,): (i32,) = sqlx::query_as("SELECT pg_backend_pid()")
            .fetch_one(&mut conn)
            .await
            .expect("the backend");
        let autogroups = std::fs::read_to_string("/proc/sys/kernel/sched_autogroup_enabled")
            .is_ok_and(|on| on.trim() == "1");
        let groups = separate_cpu_groups(backend);
        if autogroups {
            // This process is in its session's autogroup, or in the root group when its
            // session is init's (the kernel shows no autogroup for that one): a CI runner's.
            let (ours, theirs) = groups.expect("another group");
            assert!(
                ours.starts_with("autogroup ") || ours == "the root group",
                "{ours}"
            );
            assert!(theirs.starts_with("autogroup "), "{theirs}");
        } else {
            assert_eq!(groups, None);
        }
        assert_eq!(separate_cpu_groups(std::process::id() as i32), None);
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
