//! How long a bulk admin reset of 10,000 users takes in an organization of 100,000, emails
//! queued in the same transaction, on SQLite and on PostgreSQL. Not a timed test: it prints.
//!
//!     cargo bench -p orgdesk-core --bench bulk_reset
//!
//! PostgreSQL comes from ORGDESK_TEST_PG_URL (default postgres://orgdesk:orgdesk@127.0.0.1:5432/postgres);
//! a database is created for the run and dropped after it. `--sqlite-only` / `--pg-only` pick
//! one database; `--runs N` (default 3) resets N different sets of 10,000 users.
//! `ORGDESK_BENCH_KEEP_SQLITE` / `ORGDESK_BENCH_KEEP_PG` keep the database afterwards and
//! print its URL, to take a query apart by hand.

use std::sync::Arc;
use std::time::Instant;

use orgdesk_core::types::{Actor, UserQuery, UserSort};
use orgdesk_core::{Core, CoreConfig, NewUser, TestClock};
use orgdesk_testkit::TestDatabase;

const ORG_USERS: u64 = 100_000;
const RESET: usize = 10_000;

type BenchResult<T> = Result<T, Box<dyn std::error::Error>>;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> BenchResult<()> {
    let args: Vec<String> = std::env::args().collect();
    let sqlite_only = args.iter().any(|a| a == "--sqlite-only");
    let pg_only = args.iter().any(|a| a == "--pg-only");
    let runs = args
        .iter()
        .position(|a| a == "--runs")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse::<i64>().ok())
        .unwrap_or(3)
        .clamp(1, 10);

    if !pg_only {
        let database = TestDatabase::sqlite();
        run("SQLite", &database.url, runs).await?;
        if std::env::var_os("ORGDESK_BENCH_KEEP_SQLITE").is_some() {
            println!("kept {}", database.keep());
        }
    }
    if !sqlite_only {
        let database = TestDatabase::postgres().await;
        run("PostgreSQL", &database.url, runs).await?;
        if std::env::var_os("ORGDESK_BENCH_KEEP_PG").is_some() {
            println!("kept {}", database.keep());
        }
    }
    Ok(())
}

async fn run(label: &str, url: &str, runs: i64) -> BenchResult<()> {
    let config = CoreConfig {
        public_base_url: "https://orgdesk.example".into(),
        ..CoreConfig::default()
    };
    let core = Core::connect(url, config, Arc::new(TestClock::new())).await?;
    let org = core.create_organization("Bench Corp").await?;
    let admin_id = core
        .create_user(
            org,
            NewUser::member("Bench Admin", "admin@bench.test", "orgdesk-admin")
                .with_role(orgdesk_core::types::Role::Admin),
        )
        .await?;
    let admin = Actor {
        user_id: admin_id,
        org_id: org,
        org_name: "Bench Corp".into(),
        name: "Bench Admin".into(),
        email: "admin@bench.test".into(),
        role: orgdesk_core::types::Role::Admin,
    };

    let started = Instant::now();
    core.seed_bulk_users(org, ORG_USERS).await?;
    let seeded = started.elapsed();

    println!(
        "{label}: seeded {ORG_USERS} users in {:.2} s",
        seeded.as_secs_f64()
    );
    // Every tenth member (ids follow the admin's, inserted in one transaction): 10,000
    // scattered ids, as a selection across many pages would be. Each run takes other users.
    for run in 0..runs {
        let ids: Vec<i64> = (0..RESET as i64)
            .map(|i| admin_id + 1 + run + i * 10)
            .collect();
        let cpu_before = process_cpu_secs();
        let started = Instant::now();
        let report = core.admin_reset_passwords(&admin, &ids, None).await?;
        let reset = started.elapsed();
        let cpu = process_cpu_secs()
            .zip(cpu_before)
            .map(|(after, before)| after - before);
        if report.reset.len() != RESET {
            return Err(format!(
                "expected {RESET} resets, got {} ({} skipped)",
                report.reset.len(),
                report.skipped.len()
            )
            .into());
        }
        println!(
            "{label}: bulk admin reset of {RESET} users (links, sessions, {RESET} emails queued, activity) in {:.3} s \
             (this process's CPU: {})",
            reset.as_secs_f64(),
            cpu.map(|c| format!("{c:.2} s")).unwrap_or_else(|| "n/a".into())
        );
    }

    let started = Instant::now();
    let page = core
        .list_users(
            &admin,
            &UserQuery {
                sort: UserSort::LastSignIn,
                descending: true,
                page: 2_000,
                per_page: 25,
                ..Default::default()
            },
        )
        .await?;
    let listed = started.elapsed();
    for _ in 0..2 {
        let started = Instant::now();
        let search = core
            .list_users(
                &admin,
                &UserQuery {
                    filter: orgdesk_core::types::UserFilter {
                        search: Some("carter 4".into()),
                        ..Default::default()
                    },
                    ..Default::default()
                },
            )
            .await?;
        println!(
            "{label}: search \"carter 4\" in {:.1} ms ({} rows on its first page)",
            started.elapsed().as_secs_f64() * 1e3,
            search.users.len()
        );
    }
    let started = Instant::now();
    let search = core
        .list_users(
            &admin,
            &UserQuery {
                filter: orgdesk_core::types::UserFilter {
                    search: Some("carter 4".into()),
                    ..Default::default()
                },
                ..Default::default()
            },
        )
        .await?;
    let searched = started.elapsed();

    println!(
        "{label}: Users Table page 2000 sorted by last sign-in, by number (OFFSET), in {:.1} ms ({} rows)",
        listed.as_secs_f64() * 1e3,
        page.users.len()
    );
    println!(
        "{label}: search \"carter 4\" in {:.1} ms ({} rows on its first page)",
        searched.as_secs_f64() * 1e3,
        search.users.len()
    );
    Ok(())
}

/// User + system CPU seconds of this process so far (Linux), to tell the work from the wait
/// on a busy machine. For SQLite that is all of the reset's work.
fn process_cpu_secs() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which is in parentheses and may hold spaces).
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}
