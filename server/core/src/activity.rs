//! The activity log: recorded in the same transaction as what it describes, read newest
//! first by the sidebar's Activity tab and the console's Activity page. Recording an event
//! also queues its webhook deliveries, in that transaction.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use orgdesk_types::limits::{ACTIVITY_COUNT_CAP, MAX_PER_PAGE, MAX_SEARCH_CHARS};
use orgdesk_types::{ActivityFilter, ActivityKind, ActivityPage, ActivityView, Actor, UserId};
use sea_orm::{ActiveValue::Set, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryResult};
use serde::Serialize;

use crate::db::{insert_json_rows, rows_per_insert, Sql, JSON_ROWS};
use crate::entities::activity;
use crate::people::Initiator;
use crate::{authz, Core, CoreError, CoreResult};

/// Longest IP address text kept (the column is 64 characters).
const MAX_IP_LEN: usize = 64;

/// One event to record.
#[derive(Debug, Clone)]
pub(crate) struct NewActivity {
    pub org_id: i64,
    pub actor_id: Option<i64>,
    /// Who acted when it was not a user of the organization (see [`Initiator`]).
    ///
    /// [`Initiator`]: crate::Initiator
    pub actor_label: Option<String>,
    pub subject_id: Option<i64>,
    pub kind: ActivityKind,
    pub details: String,
    pub ip: Option<String>,
}

pub(crate) fn clean_ip(ip: Option<&str>) -> Option<String> {
    ip.map(str::trim)
        .filter(|ip| !ip.is_empty())
        .map(|ip| ip.chars().take(MAX_IP_LEN).collect())
}

/// Records `events` with multi-row inserts (on PostgreSQL, rows sent as JSON).
pub(crate) async fn record(
    db: &impl ConnectionTrait,
    events: Vec<NewActivity>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    // Webhook deliveries for what this records, in the same transaction (see `webhooks`).
    crate::webhooks::enqueue_for(db, &events, now).await?;
    if db.get_database_backend() == DbBackend::Postgres {
        return record_as_json(db, &events, now).await;
    }
    let mut events = events.into_iter().peekable();
    while events.peek().is_some() {
        let rows: Vec<activity::ActiveModel> = events
            .by_ref()
            .take(rows_per_insert(db, 8))
            .map(|e| activity::ActiveModel {
                org_id: Set(e.org_id),
                actor_id: Set(e.actor_id),
                actor_label: Set(e.actor_label),
                subject_id: Set(e.subject_id),
                kind: Set(e.kind.as_str().to_owned()),
                details: Set(e.details),
                ip: Set(e.ip),
                created_at: Set(now),
                ..Default::default()
            })
            .collect();
        activity::Entity::insert_many(rows)
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// [`record`] on PostgreSQL: each batch in one statement ([`insert_json_rows`]).
async fn record_as_json(
    db: &impl ConnectionTrait,
    events: &[NewActivity],
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    #[derive(Serialize)]
    struct Row<'a> {
        org_id: i64,
        actor_id: Option<i64>,
        actor_label: Option<&'a str>,
        subject_id: Option<i64>,
        kind: &'a str,
        details: &'a str,
        ip: Option<&'a str>,
    }
    for batch in events.chunks(JSON_ROWS) {
        let rows: Vec<Row<'_>> = batch
            .iter()
            .map(|e| Row {
                org_id: e.org_id,
                actor_id: e.actor_id,
                actor_label: e.actor_label.as_deref(),
                subject_id: e.subject_id,
                kind: e.kind.as_str(),
                details: &e.details,
                ip: e.ip.as_deref(),
            })
            .collect();
        insert_json_rows(
            db,
            "activity",
            &[
                ("org_id", "bigint"),
                ("actor_id", "bigint"),
                ("actor_label", "text"),
                ("subject_id", "bigint"),
                ("kind", "text"),
                ("details", "text"),
                ("ip", "text"),
            ],
            &[("created_at", now.into())],
            &rows,
        )
        .await?;
    }
    Ok(())
}

pub(crate) async fn record_one(
    db: &impl ConnectionTrait,
    event: NewActivity,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    record(db, vec![event], now).await
}

/// An event as [`view`] reads it: its row, and its actor's and subject's names.
const VIEW_COLUMNS: &str = "SELECT a.id, a.created_at, a.kind, a.details, a.ip, a.subject_id, \
     COALESCE(actor.name, a.actor_label) AS actor_name, subject.name AS subject_name ";
const VIEW_JOINS: &str = "LEFT JOIN users actor ON actor.id = a.actor_id \
     LEFT JOIN users subject ON subject.id = a.subject_id ";

fn select_view() -> Sql {
    let mut sql = Sql::new(VIEW_COLUMNS);
    sql.push("FROM activity a ").push(VIEW_JOINS);
    sql
}

fn view(row: &QueryResult) -> Result<Option<ActivityView>, DbErr> {
    let kind: String = row.try_get("", "kind")?;
    // A kind this version doesn't know (written by a newer one) is left out, not an error.
    let Some(kind) = ActivityKind::parse(&kind) else {
        return Ok(None);
    };
    Ok(Some(ActivityView {
        id: row.try_get("", "id")?,
        at: row.try_get("", "created_at")?,
        kind,
        actor_name: row.try_get("", "actor_name")?,
        subject_id: row.try_get("", "subject_id")?,
        subject_name: row.try_get("", "subject_name")?,
        details: row.try_get("", "details")?,
        ip: row.try_get("", "ip")?,
    }))
}

/// Refuses a range of days that ends before it starts, in words.
fn check_days(filter: &ActivityFilter) -> CoreResult<()> {
    match (filter.since, filter.until) {
        (Some(since), Some(until)) if since > until => Err(CoreError::InvalidInput(format!(
            "The range of days ends ({until}) before it starts ({since})."
        ))),
        _ => Ok(()),
    }
}

/// Checks `filter` ([`check_days`]; too long a search is refused in words) and gives its
/// search text, trimmed, `None` without one.
pub(crate) fn search_text(filter: &ActivityFilter) -> CoreResult<Option<&str>> {
    check_days(filter)?;
    match filter.search.as_deref().map(str::trim) {
        Some(s) if s.chars().count() > MAX_SEARCH_CHARS => Err(CoreError::InvalidInput(format!(
            "The search text is too long (at most {MAX_SEARCH_CHARS} characters)."
        ))),
        Some(s) if !s.is_empty() => Ok(Some(s)),
        _ => Ok(None),
    }
}

/// The first moment of `day`, UTC.
fn start_of(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(NaiveTime::MIN).and_utc()
}

/// The people an Activity search names, as the log's query reads them (decisions 81, 82).
#[derive(Debug, Clone)]
pub(crate) enum Searched {
    /// Looked up inside the query, from the Users Table's search indexes
    /// ([`crate::users::push_people_matching`]). SQLite reads their events from the log's
    /// indexes by actor and by subject; PostgreSQL, for more than [`BOUND_PEOPLE`] people,
    /// tests each event of the organization against them, hashed once.
    Within(String),
    /// Their ids, looked up first and bound as one array (PostgreSQL): the planner sees how
    /// many there are and reads their events from the log's indexes by person.
    Ids(Vec<i64>),
}

/// The most people a PostgreSQL search binds as an array. Past that many, their events are a
/// good part of the log, and testing each event against them costs no more than reading them
/// from the indexes.
const BOUND_PEOPLE: usize = 5_000;

impl Searched {
    /// Whom `search` names in `org_id`: on PostgreSQL their ids, read first, when there are at
    /// most [`BOUND_PEOPLE`] of them.
    pub(crate) async fn find(
        db: &impl ConnectionTrait,
        org_id: i64,
        search: &str,
    ) -> CoreResult<Searched> {
        let backend = db.get_database_backend();
        if backend == DbBackend::Sqlite {
            return Ok(Searched::Within(search.to_owned()));
        }
        let mut sql = Sql::default();
        crate::users::push_people_matching(&mut sql, backend, org_id, search);
        sql.push(" LIMIT ").bind(BOUND_PEOPLE as i64 + 1);
        let rows = sql.query_all(db).await?;
        if rows.len() > BOUND_PEOPLE {
            return Ok(Searched::Within(search.to_owned()));
        }
        let ids = rows
            .iter()
            .map(|row| row.try_get_by_index::<i64>(0))
            .collect::<Result<_, _>>()?;
        Ok(Searched::Ids(ids))
    }

    /// [`Searched::find`] for `filter`'s search text ([`search_text`]), `None` without one.
    pub(crate) async fn for_filter(
        db: &impl ConnectionTrait,
        org_id: i64,
        filter: &ActivityFilter,
    ) -> CoreResult<Option<Searched>> {
        match search_text(filter)? {
            Some(search) => Ok(Some(Searched::find(db, org_id, search).await?)),
            None => Ok(None),
        }
    }
}

/// `WHERE` the events of `org_id` that `filter` and the people its search names match, on
/// `activity a` alone.
pub(crate) fn where_matching(
    sql: &mut Sql,
    backend: DbBackend,
    org_id: i64,
    filter: &ActivityFilter,
    searched: Option<&Searched>,
) {
    sql.push("WHERE a.org_id = ").bind(org_id);
    if let Some(kind) = filter.kind {
        sql.push(" AND a.kind = ").bind(kind.as_str());
    }
    if let Some(subject) = filter.subject {
        sql.push(" AND a.subject_id = ").bind(subject);
    }
    if let Some(since) = filter.since {
        sql.push(" AND a.created_at >= ").bind(start_of(since));
    }
    // Through the end of `until`: before the next day starts (no bound after the last day).
    if let Some(next) = filter.until.and_then(|until| until.succ_opt()) {
        sql.push(" AND a.created_at < ").bind(start_of(next));
    }
    match searched {
        None => {}
        // Nobody: no event, read from nowhere.
        Some(Searched::Ids(ids)) if ids.is_empty() => {
            sql.push(" AND 1 = 0");
        }
        // A BitmapOr over `ix_activity_subject_created` and `ix_activity_actor_created`
        // (migration 28), whatever the order the page asks for.
        Some(Searched::Ids(ids)) => {
            sql.push(" AND (")
                .bind_among(backend, "a.actor_id", ids)
                .push(" OR ")
                .bind_among(backend, "a.subject_id", ids)
                .push(")");
        }
        // SQLite reads this from the two indexes of the log by person (its MULTI-INDEX OR).
        // PostgreSQL, with the people not bound, tests each event of the organization
        // against them, hashed once: its `= ANY(ARRAY(…))` of the same subquery walked the
        // log in time order testing each event against the whole array (3.4 s for "carter"
        // at 100,000 users; decision 81).
        Some(Searched::Within(search)) => {
            for (i, person) in ["a.actor_id", "a.subject_id"].into_iter().enumerate() {
                sql.push(if i == 0 { " AND (" } else { " OR " })
                    .push(person)
                    .push(" IN (");
                crate::users::push_people_matching(sql, backend, org_id, search);
                sql.push(")");
            }
            sql.push(")");
        }
    }
}

/// Up to `limit` events `filter` matches, newest first, older than `after` (an event's time
/// and id) when given: the activity log read in runs, for a file of any length.
pub(crate) async fn matching_events(
    db: &impl ConnectionTrait,
    org_id: i64,
    filter: &ActivityFilter,
    searched: Option<&Searched>,
    after: Option<(DateTime<Utc>, i64)>,
    limit: u64,
) -> CoreResult<Vec<ActivityView>> {
    let mut sql = select_view();
    where_matching(
        &mut sql,
        db.get_database_backend(),
        org_id,
        filter,
        searched,
    );
    if let Some((at, id)) = after {
        sql.push(" AND (a.created_at < ")
            .bind(at)
            .push(" OR (a.created_at = ")
            .bind(at)
            .push(" AND a.id < ")
            .bind(id)
            .push("))");
    }
    sql.push(" ORDER BY a.created_at DESC, a.id DESC LIMIT ")
        .bind(i64::try_from(limit).unwrap_or(i64::MAX));
    let rows = sql.query_all(db).await?;
    let mut events = Vec::with_capacity(rows.len());
    for row in &rows {
        events.extend(view(row)?);
    }
    Ok(events)
}

impl Core {
    pub(crate) async fn user_activity_impl(
        &self,
        initiator: &Initiator,
        user: UserId,
        limit: u64,
    ) -> CoreResult<Vec<ActivityView>> {
        let org_id = self.check_initiator(self.db(), initiator).await?.org.id;
        authz::user_in_org(self.db(), org_id, user).await?;
        let limit = limit.clamp(1, MAX_PER_PAGE);
        let theirs = ActivityFilter {
            subject: Some(user),
            ..ActivityFilter::default()
        };
        let mut sql = select_view();
        where_matching(
            &mut sql,
            self.db().get_database_backend(),
            org_id,
            &theirs,
            None,
        );
        sql.push(" ORDER BY a.created_at DESC, a.id DESC LIMIT ")
            .bind(limit as i64);
        let rows = sql.query_all(self.db()).await?;
        let mut events = Vec::with_capacity(rows.len());
        for row in &rows {
            events.extend(view(row)?);
        }
        Ok(events)
    }

    pub(crate) async fn activity_feed_impl(
        &self,
        initiator: &Initiator,
        filter: &ActivityFilter,
        before: Option<i64>,
        limit: u64,
    ) -> CoreResult<Vec<ActivityView>> {
        let org_id = self.check_initiator(self.db(), initiator).await?.org.id;
        if filter.search.is_some() {
            return Err(CoreError::InvalidInput(
                "The activity feed filters by kind, user and day, not by search text.".into(),
            ));
        }
        check_days(filter)?;
        let mut sql = select_view();
        where_matching(
            &mut sql,
            self.db().get_database_backend(),
            org_id,
            filter,
            None,
        );
        if let Some(before) = before {
            sql.push(" AND a.id < ").bind(before);
        }
        sql.push(" ORDER BY a.id DESC LIMIT ")
            .bind(limit.clamp(1, MAX_PER_PAGE) as i64);
        let rows = sql.query_all(self.db()).await?;
        let mut events = Vec::with_capacity(rows.len());
        for row in &rows {
            events.extend(view(row)?);
        }
        Ok(events)
    }

    pub(crate) async fn org_activity_impl(
        &self,
        actor: &Actor,
        filter: &ActivityFilter,
        page: u64,
        per_page: u64,
    ) -> CoreResult<ActivityPage> {
        let admin = authz::console_admin(self.db(), actor).await?;
        crate::users::check_page(page, per_page)?;
        let page = page.max(1);
        let searched = Searched::for_filter(self.db(), admin.org_id, filter).await?;
        let backend = self.db().get_database_backend();
        let where_clause =
            |sql: &mut Sql| where_matching(sql, backend, admin.org_id, filter, searched.as_ref());

        // Counted to one past the cap, from the log's indexes alone: the time stays that of
        // ten thousand events however long the log grows.
        let mut count = Sql::new("SELECT COUNT(*) AS n FROM (SELECT 1 FROM activity a ");
        where_clause(&mut count);
        count
            .push(" LIMIT ")
            .bind(ACTIVITY_COUNT_CAP as i64 + 1)
            .push(") c");
        let counted: i64 = match count.query_one(self.db()).await? {
            Some(row) => row.try_get("", "n")?,
            None => 0,
        };
        let counted = counted.max(0) as u64;

        // The page's ids first, skipping in the index; then the names for those rows alone.
        // One row past the page says whether another follows, which the count can't past its cap.
        let mut sql = Sql::new(VIEW_COLUMNS);
        sql.push("FROM (SELECT a.id FROM activity a ");
        where_clause(&mut sql);
        sql.push(" ORDER BY a.created_at DESC, a.id DESC LIMIT ")
            .bind(per_page as i64 + 1);
        sql.push(" OFFSET ")
            .bind(((page - 1).saturating_mul(per_page)).min(i64::MAX as u64) as i64);
        sql.push(") p JOIN activity a ON a.id = p.id ")
            .push(VIEW_JOINS)
            .push("ORDER BY a.created_at DESC, a.id DESC");
        let rows = sql.query_all(self.db()).await?;
        let next = rows.len() as u64 > per_page;
        let mut events = Vec::with_capacity(rows.len());
        for row in rows.iter().take(per_page as usize) {
            events.extend(view(row)?);
        }
        Ok(ActivityPage {
            events,
            total: counted.min(ACTIVITY_COUNT_CAP),
            more: counted > ACTIVITY_COUNT_CAP,
            next,
            page,
            per_page,
        })
    }
}
