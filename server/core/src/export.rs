//! The console's lists as files for a spreadsheet (decision 76), each export recorded in
//! Activity: a list of everyone's email address, or the audit trail, leaving the console is
//! something an auditor asks about.
//!
//! - The Users Table: the users a filter matches, by name. The columns are the import's
//!   (`name,email,role,title,department`, so an edited export imports back), then what only
//!   the organization knows (`status`, `last_sign_in`, `added`, which an import leaves alone).
//! - Activity: the events a filter matches, newest first, read and sent in runs of
//!   [`EVENTS_PER_RUN`], so a log of millions of events is never held in memory.

use chrono::{DateTime, Utc};
use orgdesk_types::{ActivityFilter, ActivityKind, UserFilter};
use sea_orm::{DerivePartialModel, EntityTrait, QueryFilter, QueryOrder};

use crate::activity::{self, clean_ip, matching_events, Searched};
use crate::db;
use crate::entities::user;
use crate::people::Initiator;
use crate::users::{filter_condition, stored_role, stored_status};
use crate::{Core, CoreError, CoreResult};

/// The export's header. The first five are [`crate::imports::COLUMNS`], in its order.
pub const EXPORT_COLUMNS: [&str; 8] = [
    "name",
    "email",
    "role",
    "title",
    "department",
    "status",
    "last_sign_in",
    "added",
];

/// The Activity export's header.
pub const ACTIVITY_COLUMNS: [&str; 7] =
    ["time", "event", "kind", "by", "user", "details", "address"];

/// Events read and written per statement of an Activity export.
pub const EVENTS_PER_RUN: u64 = 2_000;

/// The columns an export writes that an import reads past: the organization's own record.
pub const READ_ONLY_COLUMNS: [&str; 3] = ["status", "last_sign_in", "added"];

/// A finished export.
#[derive(Debug, Clone)]
pub struct UsersExport {
    /// What the browser saves it as: the organization and the day, e.g.
    /// `acme-corp-users-2026-12-02.csv`.
    pub file_name: String,
    /// UTF-8 with a byte-order mark, so spreadsheets read accented names right.
    pub csv: Vec<u8>,
    pub count: u64,
}

/// An Activity export under way: [`ActivityExport::next_chunk`] until it answers `None`.
pub struct ActivityExport {
    pub file_name: String,
    core: Core,
    org_id: i64,
    filter: ActivityFilter,
    /// Whom the filter's search names, looked up once as the export starts.
    searched: Option<Searched>,
    /// The time and id of the last event written; `None` before the first run.
    after: Option<(DateTime<Utc>, i64)>,
    started: bool,
    done: bool,
}

impl ActivityExport {
    /// The next part of the file (the header with the first run), or `None` at its end.
    pub async fn next_chunk(&mut self) -> CoreResult<Option<Vec<u8>>> {
        if self.done {
            return Ok(None);
        }
        let events = matching_events(
            self.core.db(),
            self.org_id,
            &self.filter,
            self.searched.as_ref(),
            self.after,
            EVENTS_PER_RUN,
        )
        .await?;
        self.done = (events.len() as u64) < EVENTS_PER_RUN;
        let start: &[u8] = if self.started {
            b""
        } else {
            "\u{feff}".as_bytes()
        };
        let mut out = csv::Writer::from_writer(start.to_vec());
        if !self.started {
            out.write_record(ACTIVITY_COLUMNS).map_err(write_failed)?;
            self.started = true;
        }
        for e in &events {
            let text = |s: Option<&str>| spreadsheet_safe(s.unwrap_or_default()).into_owned();
            out.write_record([
                timestamp(e.at),
                e.kind.label().to_owned(),
                e.kind.as_str().to_owned(),
                text(e.actor_name.as_deref()),
                text(e.subject_name.as_deref()),
                text(Some(e.details.as_str())),
                text(e.ip.as_deref()),
            ])
            .map_err(write_failed)?;
        }
        if let Some(last) = events.last() {
            self.after = Some((last.at, last.id));
        }
        out.into_inner()
            .map(Some)
            .map_err(|e| write_failed(e.error()))
    }
}

/// Characters a spreadsheet reads as the start of a formula when a cell begins with them.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// `cell` as a spreadsheet shows it as text: one that a spreadsheet would take for a formula
/// (a name such as `=HYPERLINK(…)`) gets a leading apostrophe, the usual mark for "text".
pub fn spreadsheet_safe(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(FORMULA_STARTS) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

/// The inverse of [`spreadsheet_safe`], for an import of an exported file.
pub fn from_spreadsheet_safe(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_STARTS) => rest,
        _ => cell,
    }
}

/// The organization's name for a file name: lower-case ASCII letters and digits, words joined
/// by hyphens; "organization" when nothing is left.
fn file_slug(name: &str) -> String {
    let words: Vec<String> = name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    if words.is_empty() {
        "organization".into()
    } else {
        words.join("-")
    }
}

fn write_failed(e: impl std::fmt::Display) -> CoreError {
    CoreError::Internal(format!("can't write the export: {e}"))
}

fn timestamp(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The filter in words, for the activity log: ` (search "smith", status Reset pending)`.
fn filter_words(filter: &UserFilter) -> String {
    let mut parts = Vec::new();
    if let Some(search) = filter.search.as_deref().filter(|s| !s.is_empty()) {
        parts.push(format!("search \"{search}\""));
    }
    if let Some(status) = filter.status {
        parts.push(format!("status {}", status.label()));
    }
    if let Some(role) = filter.role {
        parts.push(format!("role {}", role.label()));
    }
    in_parentheses(&parts)
}

/// An Activity filter in words: ` (Password reset by admin, search "jane", 2026-11-01 to
/// 2026-11-30)`.
fn activity_filter_words(filter: &ActivityFilter) -> String {
    let mut parts = Vec::new();
    if let Some(kind) = filter.kind {
        parts.push(kind.label().to_owned());
    }
    if let Some(search) = filter
        .search
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        parts.push(format!("search \"{search}\""));
    }
    match (filter.since, filter.until) {
        (Some(since), Some(until)) => parts.push(format!("{since} to {until}")),
        (Some(since), None) => parts.push(format!("since {since}")),
        (None, Some(until)) => parts.push(format!("until {until}")),
        (None, None) => {}
    }
    in_parentheses(&parts)
}

fn in_parentheses(parts: &[String]) -> String {
    if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join(", "))
    }
}

/// `{organization}-{what}-{day}.csv`.
fn file_name(org_name: &str, what: &str, now: DateTime<Utc>) -> String {
    format!(
        "{}-{what}-{}.csv",
        file_slug(org_name),
        now.format("%Y-%m-%d")
    )
}

/// What a row of the Users export reads: the columns it writes, never the password hashes.
#[derive(Debug, DerivePartialModel)]
#[sea_orm(entity = "user::Entity")]
struct ExportRow {
    id: i64,
    name: String,
    email: String,
    role: String,
    status: String,
    title: Option<String>,
    department: Option<String>,
    last_sign_in_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
}

fn write_csv(users: &[ExportRow]) -> CoreResult<Vec<u8>> {
    let mut out = csv::Writer::from_writer("\u{feff}".as_bytes().to_vec());
    out.write_record(EXPORT_COLUMNS).map_err(write_failed)?;
    for u in users {
        let text = |s: &str| spreadsheet_safe(s).into_owned();
        out.write_record([
            text(&u.name),
            text(&u.email),
            stored_role(u.id, &u.role)?.as_str().to_owned(),
            text(u.title.as_deref().unwrap_or_default()),
            text(u.department.as_deref().unwrap_or_default()),
            stored_status(u.id, &u.status)?.as_str().to_owned(),
            u.last_sign_in_at.map(timestamp).unwrap_or_default(),
            timestamp(u.created_at),
        ])
        .map_err(write_failed)?;
    }
    out.into_inner().map_err(|e| write_failed(e.error()))
}

impl Core {
    pub(crate) async fn export_users_impl(
        &self,
        initiator: &Initiator,
        filter: &UserFilter,
        ip: Option<&str>,
    ) -> CoreResult<UsersExport> {
        let now = self.now();
        let db = self.db();
        let by = self.check_initiator(db, initiator).await?;
        // One statement: the file is one moment's list, however many pages it would fill.
        let condition = filter_condition(db.get_database_backend(), by.org.id, filter)?;
        let users = user::Entity::find()
            .filter(condition)
            .order_by_asc(user::Column::Name)
            .order_by_asc(user::Column::Id)
            .into_partial_model::<ExportRow>()
            .all(db)
            .await?;
        let csv = write_csv(&users)?;
        let count = users.len() as u64;
        let noun = if count == 1 { "user" } else { "users" };
        let details = format!(
            "{} exported {count} {noun} as CSV{}",
            by.name(),
            filter_words(filter)
        );
        // Recorded before the file leaves: no export goes unrecorded.
        let tx = db::begin_write(db).await?;
        activity::record_one(
            &tx,
            by.org_event(ActivityKind::UsersExported, details, clean_ip(ip)),
            now,
        )
        .await?;
        tx.commit().await?;
        tracing::info!(org = by.org.id, count, "users exported");
        Ok(UsersExport {
            file_name: file_name(&by.org.name, "users", now),
            csv,
            count,
        })
    }

    pub(crate) async fn export_activity_impl(
        &self,
        initiator: &Initiator,
        filter: &ActivityFilter,
        ip: Option<&str>,
    ) -> CoreResult<ActivityExport> {
        let now = self.now();
        let by = self.check_initiator(self.db(), initiator).await?;
        let searched = Searched::for_filter(self.db(), by.org.id, filter).await?;
        // Recorded first, so the file's first line is this export itself.
        let details = format!(
            "{} exported the activity log as CSV{}",
            by.name(),
            activity_filter_words(filter)
        );
        let tx = db::begin_write(self.db()).await?;
        activity::record_one(
            &tx,
            by.org_event(ActivityKind::ActivityExported, details, clean_ip(ip)),
            now,
        )
        .await?;
        tx.commit().await?;
        tracing::info!(org = by.org.id, "activity exported");
        Ok(ActivityExport {
            file_name: file_name(&by.org.name, "activity", now),
            core: self.clone(),
            org_id: by.org.id,
            filter: filter.clone(),
            searched,
            after: None,
            started: false,
            done: false,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cell_a_spreadsheet_would_run_is_kept_as_text_and_read_back() {
        for cell in ["=HYPERLINK(\"x\")", "+1", "-2", "@SUM(A1)", "\tx"] {
            let safe = spreadsheet_safe(cell);
            assert_eq!(safe, format!("'{cell}"));
            assert_eq!(from_spreadsheet_safe(&safe), cell);
        }
        for cell in ["Liam Carter", "O'Brien", "'quoted'", ""] {
            assert_eq!(spreadsheet_safe(cell), cell);
            assert_eq!(from_spreadsheet_safe(cell), cell);
        }
    }

    #[test]
    fn a_file_is_named_after_its_organization() {
        assert_eq!(file_slug("Acme Corp"), "acme-corp");
        assert_eq!(file_slug("  Ünïcode & Co. "), "n-code-co");
        assert_eq!(file_slug("日本"), "organization");
    }
}
