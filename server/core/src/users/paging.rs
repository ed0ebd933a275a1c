//! Keyset paging for the Users Table. A page is read from where the previous one ended, so
//! page 4,000 costs what page 1 costs and a row added meanwhile never shifts a page: the
//! cursor names the sort value and id of a row, and the query asks the `(org_id, column, id)`
//! index for the rows after (or before) that pair.
//!
//! "Last sign-in" has a gap the index can't jump in one range: people who never signed in
//! (NULL), who come first in ascending order and last in descending order on both databases.
//! Its order is therefore read as two runs, the never-signed-in by id and the signed-in by
//! time, each one index range; a page that straddles them reads from both.

use std::collections::HashMap;

use base64::Engine;
use chrono::{DateTime, Utc};
use orgdesk_types::{UserFilter, UserSort};
use sea_orm::sea_query::{Alias, Asterisk, Expr, ExprTrait, NullOrdering, SimpleExpr};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, IdenStatic, Order,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait, Select, Statement, Value,
};
use sha2::{Digest, Sha256};

use super::Source;
use crate::db;
use crate::entities::user;
use crate::{CoreError, CoreResult};

/// A row's place in one order of one filtered table: what [`orgdesk_types::UserPage::next`]
/// and `prev` carry, opaque to the browser (base64url of `v2|sort|dir|scope|id|value`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Cursor {
    pub sort: UserSort,
    pub descending: bool,
    /// The filter the page was read under ([`scope_of`]): a cursor only reads back under the
    /// same one, so a page link is never replayed against another search or status.
    pub scope: String,
    pub id: i64,
    /// The row's sort value; `None` only for "Last sign-in" of someone who never signed in.
    pub key: Option<String>,
}

/// A short digest of what `filter` selects (the search as the query uses it, trimmed).
pub(crate) fn scope_of(filter: &UserFilter) -> String {
    let search = super::search_text(filter).unwrap_or_default();
    let status = filter.status.map(|s| s.as_str()).unwrap_or_default();
    let role = filter.role.map(|r| r.as_str()).unwrap_or_default();
    let digest = Sha256::digest(format!("{search}\u{1f}{status}\u{1f}{role}").as_bytes());
    B64.encode(&digest[..6])
}

/// A cursor that doesn't read back: edited by hand, or made for another order or filter.
fn stale() -> CoreError {
    CoreError::InvalidInput("This page link is no longer valid: go back to the first page.".into())
}

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

impl Cursor {
    pub fn of(sort: UserSort, descending: bool, scope: &str, row: &user::Model) -> Cursor {
        let key = match sort {
            UserSort::Name => Some(row.name.clone()),
            UserSort::Email => Some(row.email.clone()),
            UserSort::Role => Some(row.role.clone()),
            UserSort::Status => Some(row.status.clone()),
            UserSort::LastSignIn => row.last_sign_in_at.map(|t| t.to_rfc3339()),
        };
        Cursor {
            sort,
            descending,
            scope: scope.to_owned(),
            id: row.id,
            key,
        }
    }

    pub fn encode(&self) -> String {
        let dir = if self.descending { "d" } else { "a" };
        let key = match &self.key {
            Some(k) => format!("s{k}"),
            None => "n".to_string(),
        };
        B64.encode(format!(
            "v2|{}|{dir}|{}|{}|{key}",
            self.sort.as_str(),
            self.scope,
            self.id
        ))
    }

    /// Reads a cursor made for this `sort`, direction and filter `scope`; anything else is a
    /// clear error (a page link edited by hand, or kept from another order or filter).
    pub fn decode(
        token: &str,
        sort: UserSort,
        descending: bool,
        scope: &str,
    ) -> CoreResult<Cursor> {
        let text = B64
            .decode(token)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or_else(stale)?;
        let mut parts = text.splitn(6, '|');
        let (Some("v2"), Some(s), Some(dir), Some(made_for), Some(id), Some(key)) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(stale());
        };
        let cursor = Cursor {
            sort: UserSort::parse(s).ok_or_else(stale)?,
            descending: match dir {
                "a" => false,
                "d" => true,
                _ => return Err(stale()),
            },
            scope: made_for.to_owned(),
            id: id.parse().map_err(|_| stale())?,
            key: match key.split_at_checked(1) {
                Some(("s", k)) => Some(k.to_string()),
                Some(("n", "")) => None,
                _ => return Err(stale()),
            },
        };
        if cursor.sort != sort || cursor.descending != descending || cursor.scope != scope {
            return Err(stale());
        }
        if cursor.key.is_none() && sort != UserSort::LastSignIn {
            return Err(stale());
        }
        Ok(cursor)
    }

    /// The sort value as the database compares it.
    fn value(&self) -> CoreResult<Value> {
        match (&self.key, self.sort) {
            (Some(k), UserSort::LastSignIn) => DateTime::parse_from_rfc3339(k)
                .map(|t| Value::from(t.with_timezone(&Utc)))
                .map_err(|_| stale()),
            (Some(k), _) => Ok(Value::from(k.clone())),
            (None, _) => Ok(Value::from(None::<String>)),
        }
    }
}

/// One stretch of an order that a single index range serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Run {
    /// The whole order (every sort but "Last sign-in").
    All,
    /// Never signed in, by id.
    NeverSignedIn,
    /// Signed in, by time then id.
    SignedIn,
}

impl Run {
    fn holds(self, cursor: &Cursor) -> bool {
        match self {
            Run::All => true,
            Run::NeverSignedIn => cursor.key.is_none(),
            Run::SignedIn => cursor.key.is_some(),
        }
    }
}

/// The runs of `sort` in reading order, for a scan that goes up (`ascending`) or down. Never
/// signed in is "longest ago": first going up, last going down.
fn runs(sort: UserSort, ascending: bool) -> &'static [Run] {
    match (sort, ascending) {
        (UserSort::LastSignIn, true) => &[Run::NeverSignedIn, Run::SignedIn],
        (UserSort::LastSignIn, false) => &[Run::SignedIn, Run::NeverSignedIn],
        _ => &[Run::All],
    }
}

pub(crate) fn sort_column(sort: UserSort) -> user::Column {
    match sort {
        UserSort::Name => user::Column::Name,
        UserSort::Email => user::Column::Email,
        UserSort::Role => user::Column::Role,
        UserSort::Status => user::Column::Status,
        UserSort::LastSignIn => user::Column::LastSignInAt,
    }
}

/// How a scan is ordered in SQL. `Plain` lets the database read the sort index in order;
/// `Sorted` hides the columns from that index (SQLite's unary `+`; on PostgreSQL an
/// expression equal to the column, such as `name || ''`), so the matches are read from the
/// filter's or the search's own index and sorted, instead of walking the whole sort index to
/// find them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Plan {
    Plain,
    Sorted,
}

fn column_expr(backend: DbBackend, column: user::Column, plan: Plan) -> SimpleExpr {
    let name = column.as_str();
    match (plan, backend) {
        (Plan::Plain, _) => Expr::col((user::Entity, column)),
        (Plan::Sorted, DbBackend::Sqlite) => Expr::cust(format!(r#"+"users"."{name}""#)),
        // Same values, same order, no index of that expression.
        (Plan::Sorted, _) => Expr::cust(match column {
            user::Column::Id => r#"("users"."id" + 0)"#.to_owned(),
            user::Column::LastSignInAt => {
                r#"("users"."last_sign_in_at" + interval '0 seconds')"#.to_owned()
            }
            _ => format!(r#"("users"."{name}" || '')"#),
        }),
    }
}

/// The rows of `condition` in `run`.
fn in_run(condition: &Condition, run: Run) -> Select<user::Entity> {
    let select = user::Entity::find().filter(condition.clone());
    match run {
        Run::All => select,
        Run::NeverSignedIn => select.filter(user::Column::LastSignInAt.is_null()),
        Run::SignedIn => select.filter(user::Column::LastSignInAt.is_not_null()),
    }
}

/// `select` (rows of one run) in the order of `sort`, upwards or downwards: one index range.
fn in_order(
    select: Select<user::Entity>,
    backend: DbBackend,
    sort: UserSort,
    ascending: bool,
    plan: Plan,
) -> Select<user::Entity> {
    let order = if ascending { Order::Asc } else { Order::Desc };
    // In the never-signed-in run the sort column is NULL throughout, so ordering by it too
    // changes nothing but lets PostgreSQL read the index in order: it does not count
    // `IS NULL` as fixing the column, and sorted 33,000 ids by id alone (13.5 against 6.1 ms).
    select
        .order_by(column_expr(backend, sort_column(sort), plan), order.clone())
        .order_by(column_expr(backend, user::Column::Id, plan), order)
}

/// `select` (rows of every run) in the order of `sort`, upwards or downwards, the runs one after
/// the other: those who never signed in first upwards and last downwards, as [`runs`] reads
/// them. For a statement that sorts its rows anyway (the search table's), not an index range.
fn across_runs(
    select: Select<user::Entity>,
    backend: DbBackend,
    sort: UserSort,
    ascending: bool,
) -> Select<user::Entity> {
    let (order, nulls) = if ascending {
        (Order::Asc, NullOrdering::First)
    } else {
        (Order::Desc, NullOrdering::Last)
    };
    select
        .order_by_with_nulls(
            column_expr(backend, sort_column(sort), Plan::Plain),
            order.clone(),
            nulls,
        )
        .order_by(column_expr(backend, user::Column::Id, Plan::Plain), order)
}

/// What the Users Table reads a page from: the rows of `condition` in `source`, in the order
/// of `sort`, found as `plan` says.
#[derive(Clone, Copy)]
pub(crate) struct Ordered<'a> {
    pub condition: &'a Condition,
    pub sort: UserSort,
    pub plan: Plan,
    pub source: Source,
    /// A search whose matches may lie close together in the order: a page is first looked for
    /// in the few rows of `users` from where it starts ([`Walk`]).
    pub walk: Option<Walk<'a>>,
}

/// A search on PostgreSQL whose page may be found without the search table: the next
/// [`WALK_PER_ROW`] × page rows of `users` in the sort index are read, each checked against the
/// search, and kept if they hold a whole page of matches. Otherwise the matches are read from
/// the search table and sorted, as for any search (≈ 1–2 ms lost for a page of 50).
///
/// For a single letter, which a fifth of an organization may match: sorting them all reads
/// every page of the search table ("a", 17,500 of 100,000: 7 ms in `pgbench`), while where
/// they come close together, as at the start of the name order for "a", the walk finds a page
/// in 0.5 ms. Walking without a bound is decision 40's trap (378 ms for "li" checked row by
/// row); two letters or more match 1 % of users or fewer, too few for a short walk to find a
/// page, so they are never walked.
#[derive(Clone, Copy)]
pub(crate) struct Walk<'a> {
    /// The users of the organization that the status and role leave in, the search aside.
    pub within: &'a Condition,
    /// The search itself, checked on each row walked.
    pub search: &'a Condition,
    /// The search's letter as a bit of `initials` (migrations 19 and 21), when no status or
    /// role narrows it. Sorted by name or email, its page is then read from the search table's
    /// index of the column and the initials ([`walk_initials`]) instead of from `users`, and a
    /// page by number skips in it; sorted by anything else, a page by number skips in the sort
    /// index of `users` ([`at_offset`]).
    pub initial: Option<i64>,
}

impl Walk<'_> {
    /// The letter's bit, when the search table has an index of word initials in `sort`'s
    /// order: by name (migration 19) and by email (migration 20).
    fn initial_in(&self, sort: UserSort) -> Option<i64> {
        self.initial
            .filter(|_| matches!(sort, UserSort::Name | UserSort::Email))
    }

    /// The users of the search, as a condition on `users` alone, when the sort index of `users`
    /// in `sort`'s order holds the word initials: by last sign-in, status or role (migration
    /// 21). Checking a row's bit there costs next to nothing, where checking its words costs
    /// ≈ 5 µs ([`WALK_PER_ROW`]).
    fn on_users(&self, sort: UserSort) -> Option<Condition> {
        let bit = self.initial.filter(|_| {
            matches!(
                sort,
                UserSort::LastSignIn | UserSort::Status | UserSort::Role
            )
        })?;
        Some(
            Condition::all()
                .add(self.within.clone())
                .add(Expr::cust_with_values(
                    r#"("users"."initials" & $1) <> 0"#,
                    [bit],
                )),
        )
    }
}

/// Where [`by_initials`] starts in the index: after a cursor (or at the start), reading at most
/// `bound` entries, for a walk; or after skipping `offset` matches from the start, for a page
/// asked for by its number.
#[derive(Clone, Copy)]
enum Skip<'a> {
    After {
        cursor: Option<&'a Cursor>,
        bound: u64,
    },
    Offset(u64),
}

/// How many rows of `users` a [`Walk`] reads for each row of the page it looks for: a page of
/// 50 is found where at least one row in eight matches, and reading 408 rows costs ≈ 2 ms
/// (each one's words computed, ≈ 5 µs). "a" matches one user in six on average.
const WALK_PER_ROW: u64 = 8;

/// How many entries of the search table's index of initials [`walk_initials`] reads
/// for each row of the page it looks for: a page of 50 is found where at least one user in 200
/// has a word starting with the letter, reading 10,200 entries at most (≈ 0.14 µs each, from
/// the index alone: ≈ 1.4 ms, what [`WALK_PER_ROW`]'s 408 rows of `users` cost). A letter rarer
/// than that has few enough matches for the search table to sort them all in about a
/// millisecond.
const INITIALS_PER_ROW: u64 = 200;

/// How many users `select` finds in `source`.
pub(crate) async fn count(
    db: &impl ConnectionTrait,
    source: Source,
    select: Select<user::Entity>,
) -> CoreResult<u64> {
    let counted = sea_orm::sea_query::Query::select()
        .expr(Expr::cust("COUNT(*) AS n"))
        .from_subquery(source.ids(select), "counted")
        .to_owned();
    let backend = db.get_database_backend();
    count_rows(db, backend.build(&counted)).await
}

/// The ids `select` finds in `source`, in its order.
async fn ids_of(
    db: &impl ConnectionTrait,
    source: Source,
    select: Select<user::Entity>,
) -> CoreResult<Vec<i64>> {
    ids_in(db, &source.ids(select)).await
}

/// The `id` column of what `query` finds, in its order.
async fn ids_in(
    db: &impl ConnectionTrait,
    query: &sea_orm::sea_query::SelectStatement,
) -> CoreResult<Vec<i64>> {
    let backend = db.get_database_backend();
    db.query_all_raw(backend.build(query))
        .await?
        .iter()
        .map(|row| row.try_get("", "id").map_err(CoreError::from))
        .collect()
}

/// Up to `limit` rows of `of`, in its order read upwards (`ascending`) or downwards, starting
/// right after `from` (or at the start).
pub(crate) async fn scan(
    db: &impl ConnectionTrait,
    of: Ordered<'_>,
    ascending: bool,
    from: Option<&Cursor>,
    limit: u64,
) -> CoreResult<Vec<user::Model>> {
    let Ordered {
        condition,
        sort,
        plan,
        source,
        walk,
    } = of;
    let runs = runs(sort, ascending);
    let start = from
        .and_then(|c| runs.iter().position(|r| r.holds(c)))
        .unwrap_or(0);
    let backend = db.get_database_backend();
    let id = column_expr(backend, user::Column::Id, plan);
    let mut rows: Vec<user::Model> = Vec::new();
    for (i, &run) in runs.iter().enumerate().skip(start) {
        let want = limit.saturating_sub(rows.len() as u64);
        if want == 0 {
            break;
        }
        // The rows beyond the cursor, when the page starts in this run.
        let beyond = match from.filter(|_| i == start) {
            Some(cursor) => {
                let (mine, theirs) = match run {
                    Run::NeverSignedIn => (id.clone(), Expr::value(cursor.id)),
                    _ => (
                        Expr::tuple([column_expr(backend, sort_column(sort), plan), id.clone()]),
                        Expr::tuple([Expr::value(cursor.value()?), Expr::value(cursor.id)]),
                    ),
                };
                Some(if ascending {
                    mine.gt(theirs)
                } else {
                    mine.lt(theirs)
                })
            }
            None => None,
        };
        if let Some(walk) = walk.filter(|_| source == Source::SearchTable) {
            let walked = match walk.initial_in(sort) {
                Some(bit) => {
                    let from = from.filter(|_| i == start);
                    walk_initials(db, walk.within, bit, sort, from, ascending, want).await?
                }
                None => walk_run(db, walk, run, beyond.clone(), sort, ascending, want).await?,
            };
            if let Some(found) = walked {
                rows.extend(found);
                continue;
            }
        }
        let mut select = in_run(condition, run);
        if let Some(beyond) = beyond {
            select = select.filter(beyond);
        }
        let page = in_order(select, backend, sort, ascending, plan).limit(want);
        rows.extend(match source {
            Source::Users => page.all(db).await?,
            // The page's ids from the search table, then their rows, in one statement.
            Source::SearchTable => {
                let found = user::Entity::find().filter(
                    Expr::col((user::Entity, user::Column::Id)).in_subquery(source.ids(page)),
                );
                in_order(found, backend, sort, ascending, Plan::Plain)
                    .all(db)
                    .await?
            }
        });
    }
    Ok(rows)
}

/// The first `want` rows of `run` that `walk`'s search matches (after `beyond`, when given), if
/// the next [`WALK_PER_ROW`] × `want` rows of `users` in the order hold them; `None` if not.
async fn walk_run(
    db: &impl ConnectionTrait,
    walk: Walk<'_>,
    run: Run,
    beyond: Option<SimpleExpr>,
    sort: UserSort,
    ascending: bool,
    want: u64,
) -> CoreResult<Option<Vec<user::Model>>> {
    let backend = db.get_database_backend();
    let mut next = in_run(walk.within, run);
    if let Some(beyond) = beyond {
        next = next.filter(beyond);
    }
    let walked = in_order(next, backend, sort, ascending, Plan::Plain)
        .limit(want.saturating_mul(WALK_PER_ROW))
        .into_query();
    // The walked rows keep the name `users`, so the search's condition reads them as it is.
    let order = if ascending { Order::Asc } else { Order::Desc };
    let matches = sea_orm::sea_query::Query::select()
        .column(Asterisk)
        .from_subquery(walked, user::Entity)
        .cond_where(walk.search.clone())
        .order_by((user::Entity, sort_column(sort)), order.clone())
        .order_by((user::Entity, user::Column::Id), order)
        .limit(want)
        .to_owned();
    let found = user::Entity::find()
        .from_raw_sql(backend.build(&matches))
        .all(db)
        .await?;
    Ok((found.len() as u64 == want).then_some(found))
}

/// The first `want` users in `sort`'s order, by name or email (after `from`, or from the
/// start), whose words start with the letter of `bit`, read from the search table's index of
/// that column and the initials alone ([`by_initials`]), if the next [`INITIALS_PER_ROW`] ×
/// `want` entries hold them; `None` if not. Only the page's own rows are then read from
/// `users`.
async fn walk_initials(
    db: &impl ConnectionTrait,
    within: &Condition,
    bit: i64,
    sort: UserSort,
    from: Option<&Cursor>,
    ascending: bool,
    want: u64,
) -> CoreResult<Option<Vec<user::Model>>> {
    let backend = db.get_database_backend();
    let skip = Skip::After {
        cursor: from,
        bound: want.saturating_mul(INITIALS_PER_ROW),
    };
    let page = by_initials(within, bit, sort, ascending, skip, want)?;
    let found =
        user::Entity::find().filter(Expr::col((user::Entity, user::Column::Id)).in_subquery(page));
    let found = in_order(found, backend, sort, ascending, Plan::Plain)
        .all(db)
        .await?;
    Ok((found.len() as u64 == want).then_some(found))
}

/// The ids of `limit` users in `sort`'s order whose words start with the letter of `bit`, from
/// where `skip` says, read in order from the search table's index of that column and the
/// initials alone (migrations 19 and 20).
fn by_initials(
    within: &Condition,
    bit: i64,
    sort: UserSort,
    ascending: bool,
    skip: Skip<'_>,
    limit: u64,
) -> CoreResult<sea_orm::sea_query::SelectStatement> {
    let order = if ascending { Order::Asc } else { Order::Desc };
    // The index's expression, which no other query of the search table sorts by.
    let column = sort_column(sort).as_str();
    let key = || Expr::cust(format!(r#"("users"."{column}" || '')"#));
    let mut range = Condition::all().add(within.clone());
    if let Skip::After {
        cursor: Some(cursor),
        ..
    } = skip
    {
        let mine = Expr::tuple([key(), Expr::col((user::Entity, user::Column::Id))]);
        let theirs = Expr::tuple([Expr::value(cursor.value()?), Expr::value(cursor.id)]);
        range = range.add(if ascending {
            mine.gt(theirs)
        } else {
            mine.lt(theirs)
        });
    }
    let mut entries = sea_orm::sea_query::Query::select();
    entries
        .column((user::Entity, user::Column::Id))
        .expr_as(Expr::cust(r#""users"."initials""#), Alias::new("initials"))
        .expr_as(key(), Alias::new("k"))
        .from_as(
            Alias::new(orgdesk_migration::POSTGRES_SEARCH_TABLE),
            user::Entity,
        )
        .cond_where(range)
        .order_by_expr(key(), order.clone())
        .order_by((user::Entity, user::Column::Id), order.clone());
    if let Skip::After { bound, .. } = skip {
        entries.limit(bound);
    }
    let walked = Alias::new("walked");
    let mut page = sea_orm::sea_query::Query::select();
    page.column((walked.clone(), Alias::new("id")))
        .from_subquery(entries, walked.clone())
        .and_where(Expr::cust_with_values(
            r#"("walked"."initials" & $1) <> 0"#,
            [bit],
        ))
        .order_by((walked.clone(), Alias::new("k")), order.clone())
        .order_by((walked, Alias::new("id")), order)
        .limit(limit);
    if let Skip::Offset(offset) = skip {
        page.offset(offset);
    }
    Ok(page)
}

/// The `limit` rows of `of` after the first `offset` in its order read upwards (`ascending`)
/// or downwards, and whether any follow: what a page number without a cursor asks for. When
/// the number of rows is known (`total`), a page nearer the end is counted from the end,
/// reading the order the other way, so no page skips more than half of them (page 2,000 of
/// 2,001 by last sign-in skipped 99,950 index entries on PostgreSQL, 31 ms).
pub(crate) async fn page_at(
    db: &impl ConnectionTrait,
    of: Ordered<'_>,
    ascending: bool,
    offset: u64,
    limit: u64,
    total: Option<u64>,
) -> CoreResult<(Vec<user::Model>, bool)> {
    let end = offset.saturating_add(limit);
    match total {
        Some(total) if total.saturating_sub(end) < offset => {
            let end = Ord::min(end, total);
            if end <= offset {
                return Ok((Vec::new(), false));
            }
            let mut rows = at_offset(db, of, !ascending, total - end, end - offset).await?;
            rows.reverse();
            Ok((rows, end < total))
        }
        _ => {
            // One row more than the page, to know whether any follow.
            let mut rows = at_offset(db, of, ascending, offset, limit + 1).await?;
            let later = rows.len() as u64 > limit;
            rows.truncate(limit as usize);
            Ok((rows, later))
        }
    }
}

/// Up to `limit` rows of `of` in its order read upwards (`ascending`) or downwards, after the
/// first `offset`. Each run of the order is one index range, as in [`scan`], and the rows
/// skipped are skipped as ids, read from the index alone; only the page's own rows are then
/// read (page 2,000 by last sign-in took 78–89 ms on PostgreSQL reading and sorting every row
/// before it).
async fn at_offset(
    db: &impl ConnectionTrait,
    of: Ordered<'_>,
    ascending: bool,
    mut offset: u64,
    limit: u64,
) -> CoreResult<Vec<user::Model>> {
    let Ordered {
        condition,
        sort,
        plan,
        source,
        walk,
    } = of;
    let backend = db.get_database_backend();
    // A one-letter search by last sign-in, status or role skips its matches in the sort index
    // of `users`, which holds the words' initials (migration 21): "a" by last sign-in, page 175
    // at 100,000 users, 4.2 ms in SQL, where sorting all 17,501 matches in the search table
    // took 8.3 ms (14.1 ms over HTTP). The runs of "Last sign-in" are read as for any filter.
    let searched = walk
        .filter(|_| source == Source::SearchTable)
        .and_then(|w| w.on_users(sort));
    let (condition, source, plan) = match &searched {
        Some(searched) => (searched, Source::Users, Plan::Plain),
        None => (condition, source, plan),
    };
    // A one-letter search by name or email skips its matches in the search table's index of
    // that column and the initials (migrations 19 and 20): "a" by name, descending, page 350 of
    // 351 at 100,000 users, 8.9 ms over HTTP, where sorting all 17,501 matches to skip them took
    // 11–14 ms in SQL alone. A rarer letter reads further for each match it skips, never more
    // than the organization's entries.
    let initial = walk
        .filter(|_| source == Source::SearchTable)
        .and_then(|w| w.initial_in(sort).map(|bit| (w.within, bit)));
    let ids = if let Some((within, bit)) = initial {
        let skip = Skip::Offset(offset);
        ids_in(db, &by_initials(within, bit, sort, ascending, skip, limit)?).await?
    } else if source == Source::SearchTable {
        // The search table sorts all its matches for any page: one sort for every run, rather
        // than a sort per run and a count to skip a whole one ("a" by last sign-in, page 300:
        // 27.8 ms at p95 over HTTP at 100,000 users that way).
        let page = across_runs(
            user::Entity::find().filter(condition.clone()),
            backend,
            sort,
            ascending,
        );
        ids_of(db, source, page.offset(offset).limit(limit)).await?
    } else {
        let mut ids: Vec<i64> = Vec::new();
        // SQLite orders NULL below every time, as the runs are read (never signed in first
        // upwards, last downwards), so on SQLite one index range holds the whole order and its
        // rows are skipped in one pass: "a" by last sign-in, page 300 at 100,000 users, skipped
        // the signed-in run, counted it again and went on into the next, 17 ms at p95 over HTTP.
        let runs = match backend {
            DbBackend::Sqlite => &[Run::All][..],
            _ => runs(sort, ascending),
        };
        for &run in runs {
            let want = limit.saturating_sub(ids.len() as u64);
            if want == 0 {
                break;
            }
            if searched.is_some() {
                let ordered = in_order(in_run(condition, run), backend, sort, ascending, plan);
                let (found, held) = skip_and_count(db, ordered, offset, want).await?;
                // Empty: the page starts beyond this run, which held `held` rows to skip.
                offset = if found.is_empty() {
                    offset.saturating_sub(held)
                } else {
                    0
                };
                ids.extend(found);
                continue;
            }
            let found = ids_of(
                db,
                source,
                in_order(in_run(condition, run), backend, sort, ascending, plan)
                    .offset(offset)
                    .limit(want),
            )
            .await?;
            if found.is_empty() && offset > 0 {
                // The page starts beyond this whole run: skip the run by its size.
                offset = offset.saturating_sub(count(db, source, in_run(condition, run)).await?);
                continue;
            }
            offset = 0;
            ids.extend(found);
        }
        ids
    };
    let mut rows: HashMap<i64, user::Model> = user::Entity::find()
        .filter(db::among(backend, (user::Entity, user::Column::Id), &ids))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    Ok(ids.iter().filter_map(|id| rows.remove(id)).collect())
}

/// Up to `limit` ids of `ordered` (one run of an order of `users`, on PostgreSQL) after its first
/// `offset`, and how many rows it holds up to `offset` + `limit`: a page by number that starts
/// beyond the run then skips it by that count, without reading the run a second time to count
/// it. The run is read once, in its order, up to the page's end: "a" by last sign-in, 14,950
/// matches skipped, 3.9 ms in `pgbench` where reading the run and then counting it took 7.0 ms;
/// a page inside the run costs 0.35 ms more than `OFFSET` alone.
///
/// The ids are gathered in the order the subquery reads them (an ordered index range with a
/// limit, which PostgreSQL hands on in order); the scenarios check every page by number against
/// the pages read by cursor.
async fn skip_and_count(
    db: &impl ConnectionTrait,
    ordered: Select<user::Entity>,
    offset: u64,
    limit: u64,
) -> CoreResult<(Vec<i64>, u64)> {
    let backend = db.get_database_backend();
    let run = backend.build(&Source::Users.ids(ordered.limit(offset.saturating_add(limit))));
    let (first, last) = (offset.saturating_add(1), offset.saturating_add(limit));
    let statement = Statement {
        sql: format!(
            r#"SELECT COUNT(*) AS n, (array_agg("run"."id"))[{first}:{last}] AS page FROM ({}) AS "run""#,
            run.sql
        ),
        ..run
    };
    let Some(row) = db.query_one_raw(statement).await? else {
        return Ok((Vec::new(), 0));
    };
    let held: i64 = row.try_get("", "n")?;
    let page: Option<Vec<i64>> = row.try_get("", "page")?;
    Ok((page.unwrap_or_default(), u64::try_from(held).unwrap_or(0)))
}

/// Whether to walk the sort index of `users` or sort the matches (see [`Plan`]). Not asked for
/// searches on PostgreSQL, which read the search table and always sort there: its statistics
/// say nothing about where a search's matches lie in the sort order, and they cluster
/// ("Carter" sorts by first name): walking the name index to find a page of them took 60–130
/// ms at 100,000 users, reading them from the search index and sorting 20–45 ms.
/// - A filter that matches few users (a probe reads at most `RARE + 1` entries of
///   its index) sorts them, on both databases: SQLite has no statistics, and PostgreSQL's
///   know how rare a status is but not where its rows lie in the sort order (2 % suspended,
///   clustered late by email, took 29 ms walking the email index).
/// - A search on SQLite sorts its matches when they are `RARE_SEARCH` or fewer in every
///   organization, counted from the full-text index alone (≈ 0.5 ms), and walks the sort index
///   otherwise. Measured at 100,000 users with the server's page cache and memory map (session
///   19, docs/performance.md): sorting costs ≈ 0.75 µs a match, each looked up in `users`
///   (2,500 of "carter" 1.9 ms, 5,000 of "ja" 4.1 ms, 7,500 of "li" 6.1 ms, 17,500 of "a"
///   11.2 ms); a walk costs what lies before the first page of matches, at most the whole
///   organization's index with each entry checked against the matches (5.4 ms for a search
///   nothing matches; "carter", clustered half-way, 4.4 ms; "li" 4.5 ms; "a" 2.3 ms). So neither
///   passes ≈ 5.5 ms. A search alone is not probed for this organization's share of the
///   matches: the probe looks each match up in `users`, which costs about what it would save.
///   With a status or role as well, which may leave few of many matches (and a walk would then
///   look up every match on its way), it is.
pub(crate) async fn plan_for(
    db: &impl ConnectionTrait,
    condition: &Condition,
    sort: UserSort,
    filter: &orgdesk_types::UserFilter,
) -> CoreResult<Plan> {
    const RARE: u64 = 2_000;
    const RARE_SEARCH: u64 = 5_000;
    let search = super::search_text(filter);
    let searching = search.is_some();
    let served_by_sort_index = match sort {
        UserSort::Status => filter.role.is_none() && !searching,
        UserSort::Role => filter.status.is_none() && !searching,
        _ => false,
    };
    if super::is_everyone(filter) || served_by_sort_index {
        return Ok(Plan::Plain);
    }
    let few = |n: u64, rare: u64| if n <= rare { Plan::Sorted } else { Plan::Plain };
    if let Some((index, query)) = search.and_then(super::sqlite_text_match) {
        let everywhere = Statement::from_sql_and_values(
            DbBackend::Sqlite,
            format!(
                "SELECT COUNT(*) AS n FROM (SELECT rowid FROM {index} WHERE {index} MATCH ? LIMIT ?)"
            ),
            [query.into(), (RARE_SEARCH as i64 + 1).into()],
        );
        let plan = few(count_rows(db, everywhere).await?, RARE_SEARCH);
        if plan == Plan::Sorted || (filter.status.is_none() && filter.role.is_none()) {
            return Ok(plan);
        }
    }
    // A filter, or a search with many matches and a status or role that may leave few.
    let rare = if searching { RARE_SEARCH } else { RARE };
    let probe = user::Entity::find()
        .filter(condition.clone())
        .limit(rare + 1);
    Ok(few(count(db, Source::Users, probe).await?, rare))
}

/// The `n` of a `SELECT COUNT(*) AS n …`.
pub(crate) async fn count_rows(db: &impl ConnectionTrait, statement: Statement) -> CoreResult<u64> {
    let n: i64 = match db.query_one_raw(statement).await? {
        Some(row) => row.try_get("", "n")?,
        None => 0,
    };
    Ok(u64::try_from(n).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn search(text: &str) -> UserFilter {
        UserFilter {
            search: Some(text.to_owned()),
            ..UserFilter::default()
        }
    }

    #[test]
    fn a_cursor_reads_back_as_written_and_only_for_its_own_order_and_filter() {
        let scope = scope_of(&search("ada"));
        for key in [Some("Ada | Lovelace".to_string()), None] {
            let c = Cursor {
                sort: UserSort::LastSignIn,
                descending: true,
                scope: scope.clone(),
                id: 42,
                key,
            };
            let token = c.encode();
            assert_eq!(
                Cursor::decode(&token, UserSort::LastSignIn, true, &scope).unwrap(),
                c
            );
            assert!(Cursor::decode(&token, UserSort::LastSignIn, false, &scope).is_err());
            assert!(Cursor::decode(&token, UserSort::Name, true, &scope).is_err());
            let elsewhere = scope_of(&search("bob"));
            let e = Cursor::decode(&token, UserSort::LastSignIn, true, &elsewhere).unwrap_err();
            assert!(e.to_string().contains("no longer valid"), "{e}");
        }
    }

    #[test]
    fn a_filter_scope_is_what_the_query_selects() {
        assert_eq!(scope_of(&search(" ada ")), scope_of(&search("ada")));
        assert_eq!(scope_of(&search("")), scope_of(&UserFilter::default()));
        let suspended = UserFilter {
            status: Some(orgdesk_types::UserStatus::Suspended),
            ..UserFilter::default()
        };
        let admins = UserFilter {
            role: Some(orgdesk_types::Role::Admin),
            ..UserFilter::default()
        };
        assert_ne!(scope_of(&suspended), scope_of(&admins));
        assert_ne!(scope_of(&suspended), scope_of(&UserFilter::default()));
    }

    #[test]
    fn a_cursor_edited_by_hand_is_a_clear_error() {
        for token in [
            "",
            "!!",
            "djF8bmFtZXxhfDF8",
            &B64.encode("v2|name|a||x|sAda"),
            &B64.encode("v1|name|a|1|sAda"),
        ] {
            let e = Cursor::decode(token, UserSort::Name, false, "").unwrap_err();
            assert!(e.to_string().contains("no longer valid"), "{token}: {e}");
        }
        let no_key = Cursor {
            sort: UserSort::Name,
            descending: false,
            scope: String::new(),
            id: 1,
            key: None,
        };
        assert!(Cursor::decode(&no_key.encode(), UserSort::Name, false, "").is_err());
    }
}
