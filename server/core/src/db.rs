//! The database plumbing every service shares: opening the pool, write transactions that
//! behave the same on SQLite and PostgreSQL, and a small builder for set-based SQL.

use std::time::Duration;

use sea_orm::sea_query::extension::postgres::PgFunc;
use sea_orm::sea_query::{Expr, ExprTrait, IntoColumnRef, SimpleExpr};
use sea_orm::sqlx::postgres::{PgConnectOptions, PgSslMode};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    DbErr, SqliteTransactionMode, Statement, TransactionOptions, TransactionTrait, Value,
};

/// How many ids (or other keys) one statement names ([`among`], [`Sql::bind_among`]), and how
/// many rows of `columns` columns go into one multi-row `INSERT`. PostgreSQL pays a round trip per
/// statement, so it gets big statements (its ids travel as one array parameter, so a bulk reset
/// of 10,000 users names them all at once); SQLite runs in-process, where big statements only
/// cost compile time, so it gets batches of 500.
pub(crate) fn id_batch(db: &impl ConnectionTrait) -> usize {
    match db.get_database_backend() {
        DbBackend::Postgres => 50_000,
        _ => 500,
    }
}

/// `column` is one of `ids`. PostgreSQL gets `= ANY($1)` with the ids as one `bigint[]`
/// parameter: one bind, and a statement text that is the same for any number of ids (a list of
/// 10,000 placeholders took ≈ 30 ms to build, send and bind, for each statement of a bulk
/// reset). SQLite gets `IN (…)`.
pub(crate) fn among(backend: DbBackend, column: impl IntoColumnRef, ids: &[i64]) -> SimpleExpr {
    let column = Expr::col(column);
    match backend {
        DbBackend::Postgres => column.eq(PgFunc::any(Expr::val(ids.to_vec()))),
        _ => column.is_in(ids.iter().copied()),
    }
}

pub(crate) fn rows_per_insert(db: &impl ConnectionTrait, columns: usize) -> usize {
    match db.get_database_backend() {
        DbBackend::Postgres => 30_000 / columns,
        _ => 500,
    }
}

/// How many rows [`insert_json_rows`] sends in one statement: 5,000 emails with their bodies
/// are ≈ 15 MB of JSON.
pub(crate) const JSON_ROWS: usize = 5_000;

/// Inserts `rows` into `table` on PostgreSQL in one statement: the rows travel as a single JSON
/// parameter, which `json_to_recordset` turns back into rows of `columns` (name, SQL type),
/// in order. `constants` are further columns with one value for every row. One parse, bind and
/// execution, where a multi-row insert of the same rows is several statements of 30,000
/// parameters each, most of their time spent building and binding them (a bulk reset of
/// 10,000 users: 1.2 s of its 2 s on inserts, measured in docs/performance.md).
pub(crate) async fn insert_json_rows<R: serde::Serialize>(
    db: &impl ConnectionTrait,
    table: &str,
    columns: &[(&str, &str)],
    constants: &[(&str, Value)],
    rows: &[R],
) -> Result<(), DbErr> {
    if rows.is_empty() {
        return Ok(());
    }
    let json = serde_json::to_string(rows)
        .map_err(|e| DbErr::Custom(format!("rows for {table} as JSON: {e}")))?;
    let names = columns.iter().map(|(name, _)| *name);
    let mut sql = Sql::new(&format!(
        "INSERT INTO {table} ({}) SELECT ",
        names
            .clone()
            .chain(constants.iter().map(|(name, _)| *name))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    sql.push(&names.collect::<Vec<_>>().join(", "));
    for (_, value) in constants {
        sql.push(", ").bind(value.clone());
    }
    sql.push(" FROM json_to_recordset(")
        .bind(json)
        .push("::json) AS r(");
    sql.push(
        &columns
            .iter()
            .map(|(name, ty)| format!("{name} {ty}"))
            .collect::<Vec<_>>()
            .join(", "),
    )
    .push(")");
    sql.execute(db).await?;
    Ok(())
}

/// A pooled connection idle at least this long is pinged before it is handed out; a busier one
/// goes straight to its statement. Pinging every checkout (sqlx's default) adds a round trip to
/// every statement, and what the ping is for, a connection the server or a firewall dropped
/// while it sat unused, happens to idle ones.
const PING_WHEN_IDLE_FOR: Duration = Duration::from_secs(30);

/// How long a SQLite writer waits for another one before giving up.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(15);

pub(crate) async fn open(database_url: &str) -> Result<DatabaseConnection, DbErr> {
    open_pool(database_url, false).await
}

/// The bulk lane's own connection (`background`): one, opened on the lane's thread so that, on
/// a SQLite file, its SQLite thread, started there, inherits the lane's priority; on
/// PostgreSQL, its backend's priority is lowered when it connects.
pub(crate) async fn open_lane(database_url: &str) -> Result<DatabaseConnection, DbErr> {
    open_pool(database_url, true).await
}

async fn open_pool(database_url: &str, lane: bool) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(database_url.to_owned());
    options
        .sqlx_logging(false)
        .acquire_timeout(Duration::from_secs(30))
        .test_before_acquire_if_idle_for(PING_WHEN_IDLE_FOR);
    if database_url.starts_with("sqlite:") {
        // An in-memory database exists per connection, so it gets exactly one.
        let in_memory = !is_sqlite_file(database_url);
        if !in_memory {
            create_parent_dir(database_url);
        }
        options
            .max_connections(if in_memory || lane { 1 } else { 8 })
            .min_connections(if lane { 0 } else { 1 });
        // WAL lets readers carry on while one writer writes; writers queue on the busy
        // timeout instead of failing with SQLITE_BUSY.
        options.map_sqlx_sqlite_opts(move |o| {
            o.create_if_missing(true)
                // 16 KiB pages (a new file only; an existing one keeps its size): an outbox
                // row with its two bodies is 2–3 KB, and 4 KiB pages held one each, half
                // empty. A bulk reset of 100,000 writes a third less.
                .page_size(16_384)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(SQLITE_BUSY_TIMEOUT)
                .foreign_keys(true)
                // Read through a memory map and a 32 MB page cache: searching 100,000 users
                // reads the whole table, which through read() calls costs four times more.
                .pragma("mmap_size", "268435456")
                .pragma("cache_size", "-32768")
                .thread_name(move |id| {
                    if lane {
                        format!("orgdesk-bulk-db-{id}")
                    } else {
                        format!("sqlx-sqlite-worker-{id}")
                    }
                })
        });
    } else {
        let tls_asked_for = asks_for_tls_mode(database_url);
        options
            .map_sqlx_postgres_opts(move |pg| without_tls_over_loopback(pg, tls_asked_for))
            .max_connections(if lane { 1 } else { 16 })
            .min_connections(if lane { 0 } else { 1 })
            .map_sqlx_postgres_pool_opts(move |pool| {
                pool.after_connect(move |conn, _| {
                    Box::pin(async move {
                        crate::nodelay::for_connection(conn).await;
                        if lane {
                            crate::background::lower_backends_priority(conn).await;
                        }
                        Ok(())
                    })
                })
            });
    }
    Database::connect(options).await
}

/// Whether the operator chose a TLS mode for PostgreSQL: `sslmode` (or `ssl-mode`) in the URL's
/// query, or `PGSSLMODE` in the environment, as libpq reads them.
fn asks_for_tls_mode(database_url: &str) -> bool {
    let in_url = database_url.split_once('?').is_some_and(|(_, query)| {
        query
            .split('&')
            .filter_map(|pair| pair.split_once('=').map(|(key, _)| key))
            .any(|key| key == "sslmode" || key == "ssl-mode")
    });
    in_url || std::env::var_os("PGSSLMODE").is_some()
}

/// A connection to this machine's own PostgreSQL over loopback without TLS, unless the operator
/// chose a mode. sqlx, like libpq, defaults to `prefer`: TLS whenever the server offers it, as
/// Debian's does. Over loopback the bytes never leave the kernel, so TLS protects nothing there
/// and costs a handshake per connection (≈ 90 ms on the 2-core test machine, which the request
/// that needed the connection waited for) and an encryption on both ends of every message.
fn without_tls_over_loopback(pg: PgConnectOptions, tls_asked_for: bool) -> PgConnectOptions {
    if tls_asked_for || !crate::net::is_loopback_host(pg.get_host()) {
        return pg;
    }
    pg.ssl_mode(PgSslMode::Disable)
}

/// Whether `database_url` is a SQLite database in a file (not in memory).
pub(crate) fn is_sqlite_file(database_url: &str) -> bool {
    database_url.starts_with("sqlite:")
        && !(database_url.contains(":memory:") || database_url.contains("mode=memory"))
}

/// `sqlite://data/orgdesk.db?mode=rwc` → creates `data/` if missing, so a fresh checkout
/// starts without set-up. Failures surface when the pool opens the file.
fn create_parent_dir(database_url: &str) {
    let rest = database_url
        .trim_start_matches("sqlite:")
        .trim_start_matches("//");
    let path = rest.split('?').next().unwrap_or_default();
    if let Some(parent) = std::path::Path::new(path)
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
    {
        std::fs::create_dir_all(parent).ok();
    }
}

/// Begins a transaction that will write. On SQLite it takes the write lock at `BEGIN`
/// (`BEGIN IMMEDIATE`), so two writers queue one after the other instead of both reading
/// and then one failing to upgrade its lock; PostgreSQL serializes on row locks instead.
///
/// A transaction dropped without `commit` rolls back (SeaORM's `Drop`): an early `return` or
/// `?` after `begin_write` changes nothing, and the code relies on that rather than calling
/// `rollback` on every way out. It calls `rollback` only to end the transaction before doing
/// something else on the same task (another transaction, a read of what is committed).
pub(crate) async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}

/// SQL text with `$n` placeholders (both sqlx drivers accept them) and its values, built
/// piece by piece so `IN (…)` lists and multi-row inserts stay readable.
#[derive(Debug, Default)]
pub(crate) struct Sql {
    text: String,
    values: Vec<Value>,
}

impl Sql {
    pub(crate) fn new(text: &str) -> Sql {
        Sql {
            text: text.to_owned(),
            values: Vec::new(),
        }
    }

    pub(crate) fn push(&mut self, text: &str) -> &mut Sql {
        self.text.push_str(text);
        self
    }

    /// Appends one placeholder bound to `value`.
    pub(crate) fn bind(&mut self, value: impl Into<Value>) -> &mut Sql {
        self.values.push(value.into());
        self.text.push('$');
        self.text.push_str(&self.values.len().to_string());
        self
    }

    /// Appends `column` is one of `values` (ids, emails), as [`among`] writes it for
    /// `backend`: one array parameter on PostgreSQL, `IN (…)` on SQLite.
    pub(crate) fn bind_among<V>(
        &mut self,
        backend: DbBackend,
        column: &str,
        values: &[V],
    ) -> &mut Sql
    where
        V: Clone + Into<Value>,
        Vec<V>: Into<Value>,
    {
        self.push(column);
        match backend {
            DbBackend::Postgres => self.push(" = ANY(").bind(values.to_vec()).push(")"),
            _ => self
                .push(" IN (")
                .bind_list(values.iter().cloned())
                .push(")"),
        }
    }

    /// Appends `$a, $b, …` bound to `values`.
    pub(crate) fn bind_list<V: Into<Value>>(
        &mut self,
        values: impl IntoIterator<Item = V>,
    ) -> &mut Sql {
        for (i, value) in values.into_iter().enumerate() {
            if i > 0 {
                self.text.push_str(", ");
            }
            self.bind(value);
        }
        self
    }

    pub(crate) fn statement(&self, backend: DbBackend) -> Statement {
        Statement::from_sql_and_values(backend, self.text.clone(), self.values.clone())
    }

    pub(crate) async fn execute(&self, db: &impl ConnectionTrait) -> Result<u64, DbErr> {
        Ok(db
            .execute_raw(self.statement(db.get_database_backend()))
            .await?
            .rows_affected())
    }

    pub(crate) async fn query_all(
        &self,
        db: &impl ConnectionTrait,
    ) -> Result<Vec<sea_orm::QueryResult>, DbErr> {
        db.query_all_raw(self.statement(db.get_database_backend()))
            .await
    }

    pub(crate) async fn query_one(
        &self,
        db: &impl ConnectionTrait,
    ) -> Result<Option<sea_orm::QueryResult>, DbErr> {
        db.query_one_raw(self.statement(db.get_database_backend()))
            .await
    }
}

/// `%text%` for `LIKE … ESCAPE '\'`, lower-cased, with `%`, `_` and `\` taken literally.
pub(crate) fn like_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

#[cfg(test)]
mod tests {
    use sea_orm::{ConnectionTrait, Statement};

    use super::asks_for_tls_mode;

    /// Whether the connection a query on `db` runs on is encrypted, as the server sees it.
    async fn encrypted(db: &impl ConnectionTrait) -> bool {
        db.query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
        ))
        .await
        .expect("pg_stat_ssl")
        .expect("a row for this backend")
        .try_get_by_index::<bool>(0)
        .expect("ssl")
    }

    #[tokio::test]
    async fn over_loopback_postgresql_is_reached_without_tls_unless_the_url_asks_for_it() {
        let server = orgdesk_testkit::pg_server_url();
        assert!(
            !asks_for_tls_mode(&server),
            "the test server's URL must leave the mode to the server: {server}"
        );
        let plain = super::open(&server).await.expect("PostgreSQL");
        assert!(!encrypted(&plain).await, "loopback, no sslmode: plain TCP");

        // The test server offers TLS (Debian enables it with its snakeoil certificate), so a
        // URL that asks for it gets it: the operator's choice always wins.
        let separator = if server.contains('?') { '&' } else { '?' };
        let asked = super::open(&format!("{server}{separator}sslmode=require"))
            .await
            .expect("PostgreSQL over TLS (the test server must have ssl = on)");
        assert!(
            encrypted(&asked).await,
            "sslmode=require over loopback: TLS"
        );
    }

    #[test]
    fn a_tls_mode_is_asked_for_by_the_urls_sslmode_in_either_spelling() {
        assert!(!asks_for_tls_mode("postgres://u:p@127.0.0.1:5432/orgdesk"));
        assert!(!asks_for_tls_mode(
            "postgres://u:p@127.0.0.1/orgdesk?application_name=sslmode"
        ));
        assert!(asks_for_tls_mode(
            "postgres://u:p@127.0.0.1/orgdesk?sslmode=prefer"
        ));
        assert!(asks_for_tls_mode(
            "postgres://u:p@localhost/orgdesk?application_name=x&ssl-mode=require"
        ));
    }
}
