//! The Users Table and the profile sidebar's Details and Assets tabs. Every query is scoped
//! to the admin's organization and served by the `(org_id, …, id)` indexes, or for a search by
//! the search indexes (on PostgreSQL in the search table beside `users`, [`Source`]), so pages
//! stay fast at 100,000 users.

use std::collections::HashMap;

use orgdesk_types::{
    AssetView, PageAt, Role, UserDetails, UserFilter, UserId, UserPage, UserQuery, UserStatus,
    UserSummary,
};
use sea_orm::sea_query::{Alias, Expr, Func, LikeExpr, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, Select, Statement,
};

use orgdesk_types::limits::{MAX_PAGE, MAX_PER_PAGE, MAX_SEARCH_CHARS};

use crate::db::{like_pattern, Sql};
use crate::entities::{asset, organization, reset_link, user};
use crate::people::Initiator;
use crate::{authz, Core, CoreError, CoreResult};

mod paging;

use paging::Cursor;

/// The text `filter` searches for: none when it is empty or only spaces.
pub(crate) fn search_text(filter: &UserFilter) -> Option<&str> {
    filter
        .search
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// Where the Users Table's queries find the users a filter matches (decision 47).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    /// `users` itself.
    Users,
    /// PostgreSQL's search table (`user_search`, migration 15), read under the name `users`: it
    /// holds the search indexes and every column a filter or sort reads, so the same conditions
    /// and orders apply to it. Only the page's own rows are then read from `users`, by id.
    SearchTable,
}

impl Source {
    /// Where a query of `filter` reads: a search on PostgreSQL reads the search table.
    pub(crate) fn of(backend: DbBackend, filter: &UserFilter) -> Source {
        if backend == DbBackend::Postgres && search_text(filter).is_some() {
            Source::SearchTable
        } else {
            Source::Users
        }
    }

    /// The ids of the users `select` finds, in its order, read from this source.
    pub(crate) fn ids(self, select: Select<user::Entity>) -> SelectStatement {
        let mut query = select.select_only().column(user::Column::Id).into_query();
        if self == Source::SearchTable {
            query.from_clear().from_as(
                Alias::new(orgdesk_migration::POSTGRES_SEARCH_TABLE),
                user::Entity,
            );
        }
        query
    }
}

/// The users `filter` matches within `org_id`, as a condition on `users`: what "Select all N
/// matching" resets. A search on PostgreSQL is looked up in the search table ([`Source`]).
pub(crate) fn filter_condition(
    backend: DbBackend,
    org_id: i64,
    filter: &UserFilter,
) -> CoreResult<Condition> {
    // Scoped: its blanket impl would shadow `Ord::max` and friends elsewhere in this module.
    use sea_orm::sea_query::ExprTrait;
    let matching = matching_condition(backend, org_id, filter)?;
    Ok(match Source::of(backend, filter) {
        Source::Users => matching,
        source @ Source::SearchTable => Condition::all().add(user::Column::OrgId.eq(org_id)).add(
            Expr::col((user::Entity, user::Column::Id))
                .in_subquery(source.ids(user::Entity::find().filter(matching))),
        ),
    })
}

/// The SQL condition for `filter` within `org_id`, over the columns of the rows its
/// [`Source`] reads.
fn matching_condition(
    backend: DbBackend,
    org_id: i64,
    filter: &UserFilter,
) -> CoreResult<Condition> {
    condition_within(
        backend,
        Condition::all().add(user::Column::OrgId.eq(org_id)),
        filter,
    )
}

/// The same users as [`matching_condition`], found from the search index first. SQLite has no
/// statistics, so it takes `org_id = ?` for the narrow condition and checks all 100,000 of an
/// organization's users against the search's matches (≈ 10 ms even when nothing matches);
/// hiding `org_id` from the index (unary `+`) makes it look the matches up by id instead. Right
/// for counting and for few matches; for many, walking the sort index (plain) finds a page
/// sooner.
pub(crate) fn search_first_condition(
    backend: DbBackend,
    org_id: i64,
    filter: &UserFilter,
) -> CoreResult<Condition> {
    if backend != DbBackend::Sqlite || search_text(filter).is_none() {
        return matching_condition(backend, org_id, filter);
    }
    condition_within(
        backend,
        Condition::all().add(Expr::cust_with_values(r#"+"users"."org_id" = ?"#, [org_id])),
        filter,
    )
}

fn condition_within(
    backend: DbBackend,
    mut condition: Condition,
    filter: &UserFilter,
) -> CoreResult<Condition> {
    if let Some(search) = search_text(filter) {
        if search.chars().count() > MAX_SEARCH_CHARS {
            return Err(CoreError::InvalidInput(format!(
                "The search text is too long (at most {MAX_SEARCH_CHARS} characters)."
            )));
        }
        condition = condition.add(search_condition(backend, search));
    }
    if let Some(status) = filter.status {
        condition = condition.add(user::Column::Status.eq(status.as_str()));
    }
    if let Some(role) = filter.role {
        condition = condition.add(user::Column::Role.eq(role.as_str()));
    }
    Ok(condition)
}

/// For one or two letters or digits, which no trigram can look up: the prefix, lower-cased, that
/// a word of the name or of the email's local part must start with (the word-prefix index,
/// migrations 8 and 14; not the domain, which everyone in an organization may share).
fn word_prefix(search: &str) -> Option<String> {
    (search.chars().count() < 3 && search.chars().all(char::is_alphanumeric))
        .then(|| search.to_lowercase())
}

/// The full-text index of SQLite that finds the users `search` matches, and what to ask it:
/// from three characters on, the trigram index (migration 6), asked for a quoted FTS5 phrase
/// (taken literally; only `"` needs doubling); for a [`word_prefix`], the word-prefix index,
/// asked for words that start with it. `None` for one or two other characters: those are
/// matched with `LIKE`.
pub(crate) fn sqlite_text_match(search: &str) -> Option<(&'static str, String)> {
    if search.chars().count() >= 3 {
        return Some((
            "users_search",
            format!("\"{}\"", search.replace('"', "\"\"")),
        ));
    }
    word_prefix(search).map(|prefix| ("users_words", format!("\"{prefix}\"*")))
}

/// Name or email contains `search`, ignoring case (emails are stored lower-cased); for one or
/// two characters, a word of the name or of the email before its `@` starts with it.
fn search_condition(backend: DbBackend, search: &str) -> Condition {
    // Scoped: its blanket impl would shadow `Ord::max` and friends elsewhere in this module.
    use sea_orm::sea_query::ExprTrait;
    if backend == DbBackend::Sqlite {
        if let Some((index, query)) = sqlite_text_match(search) {
            return Condition::all().add(Expr::cust_with_values(
                format!(r#""users"."id" IN (SELECT rowid FROM {index} WHERE {index} MATCH ?)"#),
                [query],
            ));
        }
    }
    // PostgreSQL: a word prefix is read from the GIN index of the words, in the search table
    // (`Source::SearchTable`), which is where a search on PostgreSQL reads.
    if let Some(prefix) = word_prefix(search).filter(|_| backend != DbBackend::Sqlite) {
        return Condition::all().add(Expr::cust_with_values(
            // The expression of the index `user_search_words` (migration 15).
            format!(
                "{} @@ to_tsquery('simple', $1)",
                orgdesk_migration::POSTGRES_USER_WORDS
            ),
            [format!("{prefix}:*")],
        ));
    }
    let pattern = like_pattern(search);
    let name = match backend {
        // SQLite's LIKE already ignores ASCII case (and LOWER() only folds ASCII).
        DbBackend::Sqlite => Expr::col(user::Column::Name),
        // `lower(name)` and `email` carry pg_trgm indexes in the search table (migration 15).
        _ => Expr::expr(Func::lower(Expr::col(user::Column::Name))),
    };
    Condition::any()
        .add(name.like(LikeExpr::new(&pattern).escape('\\')))
        .add(Expr::col(user::Column::Email).like(LikeExpr::new(&pattern).escape('\\')))
}

/// The ids of the users whose name or email `search` matches, as a subquery for `sql`: the
/// people [`search_condition`] finds for the Users Table, from the same indexes (SQLite's FTS5
/// tables; PostgreSQL's search table, within `org_id`). The activity log's search names its
/// people with it (decision 81). SQLite's FTS5 tables hold every organization's users; the
/// log's own `org_id` keeps its events to the organization.
pub(crate) fn push_people_matching(sql: &mut Sql, backend: DbBackend, org_id: i64, search: &str) {
    if backend == DbBackend::Sqlite {
        if let Some((index, query)) = sqlite_text_match(search) {
            sql.push("SELECT rowid FROM ")
                .push(index)
                .push(" WHERE ")
                .push(index)
                .push(" MATCH ")
                .bind(query);
            return;
        }
    }
    let (table, name) = match backend {
        DbBackend::Sqlite => ("users", "name"),
        _ => (orgdesk_migration::POSTGRES_SEARCH_TABLE, "LOWER(name)"),
    };
    sql.push("SELECT id FROM ")
        .push(table)
        .push(" WHERE org_id = ")
        .bind(org_id);
    if let Some(prefix) = word_prefix(search).filter(|_| backend != DbBackend::Sqlite) {
        sql.push(" AND ")
            .push(orgdesk_migration::POSTGRES_USER_WORDS)
            .push(" @@ to_tsquery('simple', ")
            .bind(format!("{prefix}:*"))
            .push(")");
        return;
    }
    let pattern = like_pattern(search);
    sql.push(" AND (")
        .push(name)
        .push(" LIKE ")
        .bind(pattern.clone())
        .push(" ESCAPE '\\' OR email LIKE ")
        .bind(pattern)
        .push(" ESCAPE '\\')");
}

/// What a page whose rows went away shows: nothing (the API and the command line follow
/// `next` until there is none, and must not see a page twice), or the nearest page that has
/// rows (the Users Table, where an empty page would say that nothing matches).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WhenGone {
    Empty,
    Nearest,
}

/// The rows of a page read from `from` (or from the start, or from the end when `backward`
/// and no cursor), up to `shown`, in the table's order, and whether any lie before and after.
async fn read_page(
    db: &impl ConnectionTrait,
    ordered: paging::Ordered<'_>,
    descending: bool,
    from: Option<&Cursor>,
    backward: bool,
    shown: u64,
) -> CoreResult<(Vec<user::Model>, bool, bool)> {
    // One row more than the page shows, to know whether there is more that way.
    let ascending = descending == backward;
    let mut rows = paging::scan(db, ordered, ascending, from, shown + 1).await?;
    let more = rows.len() as u64 > shown;
    rows.truncate(shown as usize);
    // The cursor's own row lies on the other side.
    let beyond_cursor = from.is_some();
    Ok(if backward {
        rows.reverse();
        (rows, more, beyond_cursor)
    } else {
        (rows, beyond_cursor, more)
    })
}

/// The totals of searches on SQLite, each counted once per `search_version` of its organization
/// (migration 25, decision 69): the version moves whenever one of its users comes, goes, or
/// changes name or email, which is all that changes what a search alone matches. The Users
/// Table's total and its pages then share one count (4.3 ms for "a" at 100,000 users), and a
/// page asked for by number near the end reads from the end ("a" by name descending, page 350
/// of 351, skipped 17,450 matches from the start: 7–9 ms at p50 over HTTP).
#[derive(Debug, Default)]
pub(crate) struct SearchTotals(std::sync::Mutex<HashMap<(i64, String), (i64, u64)>>);

impl SearchTotals {
    /// How many searches are kept before the oldest are forgotten (all of them at once: a
    /// count costs no more than it did before anything was kept).
    const KEPT: usize = 1_024;

    fn get(&self, org_id: i64, search: &str, version: i64) -> Option<u64> {
        let kept = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        kept.get(&(org_id, search.to_owned()))
            .filter(|(at, _)| *at == version)
            .map(|(_, total)| *total)
    }

    fn put(&self, org_id: i64, search: &str, version: i64, total: u64) {
        let mut kept = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if kept.len() >= Self::KEPT {
            kept.clear();
        }
        kept.insert((org_id, search.to_owned()), (version, total));
    }
}

/// The text of a search alone (no status or role, which resets change) on SQLite: what
/// [`SearchTotals`] keeps totals of.
fn kept_search(backend: DbBackend, filter: &UserFilter) -> Option<&str> {
    let alone = filter.status.is_none() && filter.role.is_none();
    search_text(filter).filter(|_| alone && backend == DbBackend::Sqlite)
}

/// The organization's `search_version` (migration 25, SQLite only).
async fn search_version(db: &impl ConnectionTrait, org_id: i64) -> CoreResult<i64> {
    let statement = Statement::from_sql_and_values(
        DbBackend::Sqlite,
        "SELECT search_version AS n FROM organizations WHERE id = ?",
        [org_id.into()],
    );
    let row = db.query_one_raw(statement).await?;
    Ok(row
        .map(|row| row.try_get::<i64>("", "n"))
        .transpose()?
        .unwrap_or(0))
}

impl Core {
    /// How many users of `org` match `filter` without counting them: everyone's (migration 13,
    /// by triggers on `users`; counting 100,000 took 5–15 ms), a status's or role's
    /// ([`tallied`]), a one-letter search's on PostgreSQL ([`tallied_initial`]), or a search's
    /// on SQLite counted before, while its organization's users stayed the same
    /// ([`SearchTotals`]). `None` otherwise: only a count can tell.
    async fn kept_total(
        &self,
        db: &impl ConnectionTrait,
        org: &organization::Model,
        filter: &UserFilter,
    ) -> CoreResult<Option<u64>> {
        if is_everyone(filter) {
            return Ok(Some(org.user_count.max(0) as u64));
        }
        if let Some(total) = tallied_initial(db, org.id, filter).await? {
            return Ok(Some(total));
        }
        if let Some(search) = kept_search(db.get_database_backend(), filter) {
            let version = search_version(db, org.id).await?;
            return Ok(self.search_totals.get(org.id, search, version));
        }
        tallied(db, org.id, filter).await
    }

    /// How many users of `org` match `filter`, counted; on SQLite, a search's count is kept
    /// for [`Core::kept_total`] under the version read before it (a user added meanwhile
    /// moves the version on, so the count is never kept for a version it missed).
    async fn counted_total(
        &self,
        db: &impl ConnectionTrait,
        org: &organization::Model,
        filter: &UserFilter,
    ) -> CoreResult<u64> {
        let backend = db.get_database_backend();
        let kept = match kept_search(backend, filter) {
            Some(search) => Some((search, search_version(db, org.id).await?)),
            None => None,
        };
        let condition = search_first_condition(backend, org.id, filter)?;
        let total = paging::count(
            db,
            Source::of(backend, filter),
            user::Entity::find().filter(condition),
        )
        .await?;
        if let Some((search, version)) = kept {
            self.search_totals.put(org.id, search, version, total);
        }
        Ok(total)
    }
}

/// How many users of `org_id` a one-letter search matches on PostgreSQL, with no status or role,
/// read from what the database keeps per letter and digit (migration 22): those with a word
/// starting with it, as `initials` records them. `None` for anything else.
async fn tallied_initial(
    db: &impl ConnectionTrait,
    org_id: i64,
    filter: &UserFilter,
) -> CoreResult<Option<u64>> {
    let backend = db.get_database_backend();
    let Some(bit) = search_initial(backend, filter) else {
        return Ok(None);
    };
    let statement = Statement::from_sql_and_values(
        backend,
        "SELECT COALESCE(SUM(n), 0)::bigint AS n FROM user_initial_tallies \
         WHERE org_id = $1 AND \"bit\" = $2",
        [org_id.into(), i64::from(bit.trailing_zeros()).into()],
    );
    Ok(Some(paging::count_rows(db, statement).await?))
}

/// How many users of `org_id` a status or role filter matches, read from what the database
/// keeps per status and role (migration 18): a few rows instead of counting up to 100,000
/// (8.8 ms on PostgreSQL for Active). `None` for a search, which only a count can tell.
async fn tallied(
    db: &impl ConnectionTrait,
    org_id: i64,
    filter: &UserFilter,
) -> CoreResult<Option<u64>> {
    // Scoped: its blanket impl would shadow `Ord::max` and friends elsewhere in this module.
    use sea_orm::sea_query::ExprTrait;
    if search_text(filter).is_some() {
        return Ok(None);
    }
    let column = |name: &str| Expr::col((Alias::new("user_tallies"), Alias::new(name)));
    let mut query = Query::select();
    query
        .expr(Expr::cust("CAST(COALESCE(SUM(n), 0) AS BIGINT) AS n"))
        .from(Alias::new("user_tallies"))
        .and_where(column("org_id").eq(org_id));
    if let Some(status) = filter.status {
        query.and_where(column("status").eq(status.as_str()));
    }
    if let Some(role) = filter.role {
        query.and_where(column("role").eq(role.as_str()));
    }
    let backend = db.get_database_backend();
    Ok(Some(paging::count_rows(db, backend.build(&query)).await?))
}

/// For a one-letter search on PostgreSQL, which the search table answers by sorting every
/// match ([`paging::Walk`]): the users the status and role leave in, the search's own
/// condition, both over `users`, and the letter's bit in the search table's `initials`
/// (migration 19) when no status or role narrows the search.
fn walk_conditions(
    backend: DbBackend,
    org_id: i64,
    filter: &UserFilter,
) -> CoreResult<Option<(Condition, Condition, Option<i64>)>> {
    let Some(letter) = search_text(filter).filter(|s| s.chars().count() == 1) else {
        return Ok(None);
    };
    if Source::of(backend, filter) != Source::SearchTable {
        return Ok(None);
    }
    if word_prefix(letter).is_none() {
        return Ok(None);
    }
    let unsearched = UserFilter {
        search: None,
        ..filter.clone()
    };
    Ok(Some((
        matching_condition(backend, org_id, &unsearched)?,
        search_condition(backend, letter),
        search_initial(backend, filter),
    )))
}

/// The bit of a one-letter search on PostgreSQL in `initials` (migrations 19 and 21), when no
/// status or role narrows it: what the indexes and the tallies of initials answer for.
fn search_initial(backend: DbBackend, filter: &UserFilter) -> Option<i64> {
    let letter = search_text(filter).filter(|s| s.chars().count() == 1)?;
    let alone = filter.status.is_none() && filter.role.is_none();
    if !alone || Source::of(backend, filter) != Source::SearchTable {
        return None;
    }
    initial_bit(&word_prefix(letter)?)
}

/// The bit that stands for words starting with `prefix` in the search table's `initials`
/// (migration 19): `a`–`z` are bits 0–25 and `0`–`9` bits 26–35. `None` for anything else (a
/// letter outside ASCII, or two characters), which that column doesn't record.
fn initial_bit(prefix: &str) -> Option<i64> {
    let mut chars = prefix.chars();
    let (Some(c), None) = (chars.next(), chars.next()) else {
        return None;
    };
    match c {
        'a'..='z' => Some(1 << (c as u32 - 'a' as u32)),
        '0'..='9' => Some(1 << (26 + c as u32 - '0' as u32)),
        _ => None,
    }
}

pub(crate) fn summary(u: &user::Model) -> CoreResult<UserSummary> {
    Ok(UserSummary {
        id: u.id,
        name: u.name.clone(),
        email: u.email.clone(),
        role: stored_role(u.id, &u.role)?,
        status: stored_status(u.id, &u.status)?,
        last_sign_in_at: u.last_sign_in_at,
        created_at: u.created_at,
    })
}

/// User `id`'s role as the database holds it; text no release writes is a fault.
pub(crate) fn stored_role(id: UserId, role: &str) -> CoreResult<Role> {
    Role::parse(role).ok_or_else(|| CoreError::Internal(format!("user {id} has an unknown role")))
}

/// User `id`'s status as the database holds it; text no release writes is a fault.
pub(crate) fn stored_status(id: UserId, status: &str) -> CoreResult<UserStatus> {
    UserStatus::parse(status)
        .ok_or_else(|| CoreError::Internal(format!("user {id} has an unknown status")))
}

/// Whether `filter` leaves every user of the organization in.
pub(crate) fn is_everyone(filter: &UserFilter) -> bool {
    filter.status.is_none() && filter.role.is_none() && search_text(filter).is_none()
}

/// Refuses page numbers and sizes no screen asks for (they would only overflow offsets).
pub(crate) fn check_page(page: u64, per_page: u64) -> CoreResult<()> {
    if page > MAX_PAGE {
        return Err(CoreError::InvalidInput(format!(
            "There is no page {page}: pages go up to {MAX_PAGE}."
        )));
    }
    if per_page == 0 || per_page > MAX_PER_PAGE {
        return Err(CoreError::InvalidInput(format!(
            "Rows per page must be between 1 and {MAX_PER_PAGE}."
        )));
    }
    Ok(())
}

impl Core {
    pub(crate) async fn list_users_impl(
        &self,
        initiator: &Initiator,
        query: &UserQuery,
        when_gone: WhenGone,
    ) -> CoreResult<UserPage> {
        let org = self.check_initiator(self.db(), initiator).await?.org;
        check_page(query.page, query.per_page)?;
        let db = self.db();
        let per_page = query.per_page;
        let page = query.page.max(1);
        let sort = query.sort;
        let descending = query.descending;
        let backend = db.get_database_backend();
        let search_first = search_first_condition(backend, org.id, &query.filter)?;
        let source = Source::of(backend, &query.filter);
        let plan = match source {
            // The search table has no index of the columns themselves to walk (its sort indexes
            // are of `name || ''` and `email || ''`, for one letter's walk, paging::Walk): its
            // matches are read from the search indexes and sorted, ordered by the columns.
            Source::SearchTable => paging::Plan::Plain,
            Source::Users => paging::plan_for(db, &search_first, sort, &query.filter).await?,
        };
        let condition = match plan {
            paging::Plan::Sorted => search_first,
            paging::Plan::Plain => matching_condition(backend, org.id, &query.filter)?,
        };
        let scope = paging::scope_of(&query.filter);
        let walk = walk_conditions(backend, org.id, &query.filter)?;
        let ordered = paging::Ordered {
            condition: &condition,
            sort,
            plan,
            source,
            walk: walk.as_ref().map(|(within, search, initial)| paging::Walk {
                within,
                search,
                initial: *initial,
            }),
        };
        let (mut rows, mut earlier, mut later) = match &query.at {
            // A page number without a cursor (typed, or an old link): counted from the start,
            // or from the end when it is nearer and the total is known: everyone's and a
            // status's or role's are kept (migrations 13 and 18), a search's on SQLite is
            // counted once and kept for the next pages and the table's total (decision 69),
            // other searches' would cost a count each time.
            None if page > 1 => {
                let total = match self.kept_total(db, &org, &query.filter).await? {
                    None if kept_search(backend, &query.filter).is_some() => {
                        Some(self.counted_total(db, &org, &query.filter).await?)
                    }
                    total => total,
                };
                let (rows, later) = paging::page_at(
                    db,
                    ordered,
                    !descending,
                    (page - 1).saturating_mul(per_page),
                    per_page,
                    total,
                )
                .await?;
                (rows, true, later)
            }
            at => {
                // Where to start, whether to read against the table's order (Previous, Last),
                // and how many rows the page shows.
                let (from, backward, shown) = match at {
                    Some(PageAt::After(token)) => (
                        Some(Cursor::decode(token, sort, descending, &scope)?),
                        false,
                        per_page,
                    ),
                    Some(PageAt::Before(token)) => (
                        Some(Cursor::decode(token, sort, descending, &scope)?),
                        true,
                        per_page,
                    ),
                    Some(PageAt::Last(n)) if (1..=per_page).contains(n) => (None, true, *n),
                    Some(PageAt::Last(_)) => {
                        return Err(CoreError::InvalidInput(format!(
                            "The last page holds between 1 and {per_page} rows."
                        )))
                    }
                    None => (None, false, per_page),
                };
                read_page(db, ordered, descending, from.as_ref(), backward, shown).await?
            }
        };
        let mut page = page;
        let gone = rows.is_empty() && (page > 1 || query.at.is_some());
        if gone && when_gone == WhenGone::Nearest {
            // Nothing where this page was: its number is past the end, or its rows went away
            // since its link was made (reset out of a filter, say, with the page still open).
            // The nearest page that has rows is shown instead: the first for Previous, the last
            // otherwise.
            let total = self.total_of(&org, &query.filter).await?;
            if total > 0 {
                let pages = total.div_ceil(per_page);
                let (number, backward, shown) = match query.at {
                    Some(PageAt::Before(_)) => (1, false, per_page),
                    _ => (pages, true, total - (pages - 1) * per_page),
                };
                (rows, earlier, later) =
                    read_page(db, ordered, descending, None, backward, shown).await?;
                page = number;
            }
        }
        let cursor = |row: &user::Model| Cursor::of(sort, descending, &scope, row).encode();
        Ok(UserPage {
            users: rows.iter().map(summary).collect::<CoreResult<Vec<_>>>()?,
            page,
            per_page,
            next: rows.last().filter(|_| later).map(cursor),
            prev: rows.first().filter(|_| earlier).map(cursor),
        })
    }

    /// How many users match `filter`: the Users Table asks once per filter, not per page.
    pub(crate) async fn count_users_impl(
        &self,
        initiator: &Initiator,
        filter: &UserFilter,
    ) -> CoreResult<u64> {
        let org = self.check_initiator(self.db(), initiator).await?.org;
        self.total_of(&org, filter).await
    }

    /// How many users of `org` match `filter`: kept, or counted for a search.
    async fn total_of(&self, org: &organization::Model, filter: &UserFilter) -> CoreResult<u64> {
        match self.kept_total(self.db(), org, filter).await? {
            Some(total) => Ok(total),
            None => self.counted_total(self.db(), org, filter).await,
        }
    }

    pub(crate) async fn user_details_impl(
        &self,
        initiator: &Initiator,
        user_id: UserId,
    ) -> CoreResult<UserDetails> {
        let org_id = self.check_initiator(self.db(), initiator).await?.org.id;
        let u = authz::user_in_org(self.db(), org_id, user_id).await?;
        let assets = asset::Entity::find()
            .filter(asset::Column::OwnerId.eq(u.id))
            .filter(asset::Column::OrgId.eq(org_id))
            .order_by_asc(asset::Column::AssignedAt)
            .order_by_asc(asset::Column::Id)
            .all(self.db())
            .await?
            .into_iter()
            .map(|a| AssetView {
                id: a.id,
                kind: a.kind,
                name: a.name,
                identifier: a.identifier,
                assigned_at: a.assigned_at,
            })
            .collect();
        // While a reset is pending: when its newest link expires (possibly already past, so
        // the sidebar can say "expired — Resend Email"), or when the user cancelled it.
        let newest_link = if u.status() == Some(UserStatus::ResetPending) {
            reset_link::Entity::find()
                .filter(reset_link::Column::UserId.eq(u.id))
                .filter(reset_link::Column::UsedAt.is_null())
                .order_by_desc(reset_link::Column::CreatedAt)
                .order_by_desc(reset_link::Column::Id)
                .one(self.db())
                .await?
        } else {
            None
        };
        let reset_id = newest_link.as_ref().map(|l| l.id);
        let (reset_link_expires_at, reset_link_cancelled_at) = match newest_link {
            Some(l) if l.revoked_at.is_none() => (Some(l.expires_at), None),
            Some(l) => (None, l.cancelled_at),
            None => (None, None),
        };
        Ok(UserDetails {
            user: summary(&u)?,
            title: u.title,
            department: u.department,
            reset_id,
            reset_link_expires_at,
            reset_link_cancelled_at,
            password_changed_at: u.password_changed_at,
            assets,
        })
    }
}
