//! People in bulk, for the command line: importing a CSV file of people (an upsert by email),
//! and finding the users a bulk command works on (by email from a file, or by filter).
//!
//! An import is one transaction. Every row is checked first (name, email, role, lengths, the
//! same email twice in the file); a bad row is reported with its line number and nothing is
//! written for it, while the good rows are written with multi-row statements (as `seed.rs`
//! does), so 100,000 rows take seconds, not minutes.

use std::collections::HashMap;
use std::io::Read;

use chrono::{DateTime, Utc};
use orgdesk_types::{ActivityKind, NewMember, Role, UserFilter, UserId, UserStatus};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, DbBackend, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

use crate::activity::{self, NewActivity};
use crate::db::{self, id_batch, rows_per_insert, Sql};
use crate::entities::user;
use crate::export::{from_spreadsheet_safe, READ_ONLY_COLUMNS};
use crate::people::normalize_email;
use crate::people::{checked_member, new_row, profile_changes, Checked, Initiator, Profile};
use crate::resets::{revoke_sessions, Occasion};
use crate::users::filter_condition;
use crate::{Core, CoreError, CoreResult};

/// The columns an import file may have, in the order the header usually names them.
pub const COLUMNS: [&str; 5] = ["name", "email", "role", "title", "department"];

/// Invitations issued (and emails rendered) per statement batch.
const INVITES_PER_BATCH: usize = 1000;
/// Rows created or updated by one import past which PostgreSQL's statistics are refreshed.
const STATISTICS_AFTER: u64 = 1000;

/// One data row of an import file, as written (checked by the import).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportRow {
    /// 1-based line number in the file (the header is line 1).
    pub line: u64,
    pub name: String,
    pub email: String,
    /// `member`, `admin` or `owner` (any case); empty means member.
    pub role: String,
    pub title: String,
    pub department: String,
}

/// A row that was not imported, and why (one sentence for the person who wrote the file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadRow {
    pub line: u64,
    /// As written in the file (may be empty).
    pub email: String,
    pub reason: String,
}

/// An import file read: its rows, and the lines that could not even be read as rows.
#[derive(Debug, Clone, Default)]
pub struct ImportFile {
    pub rows: Vec<ImportRow>,
    pub bad: Vec<BadRow>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportOptions {
    /// Check everything against the database, report what would happen, write nothing.
    pub dry_run: bool,
    /// Email an invitation to every user the import creates.
    pub invite: bool,
}

/// What an import did (or, in a dry run, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub dry_run: bool,
    /// New users (Invited).
    pub created: u64,
    /// Existing users whose name, role, title or department changed.
    pub updated: u64,
    /// Existing users the file describes as they already are.
    pub unchanged: u64,
    /// Invitations queued (only with `invite`).
    pub invited: u64,
    /// Bad rows, by line: nothing was written for them.
    pub bad: Vec<BadRow>,
}

/// The whole file, or the reason it can't be read.
fn read_all(input: &mut impl Read) -> CoreResult<Vec<u8>> {
    let mut text = Vec::new();
    input
        .read_to_end(&mut text)
        .map_err(|e| CoreError::InvalidInput(format!("The file can't be read: {e}")))?;
    Ok(text)
}

/// A CSV reader as every import reads: rows of varying length, fields trimmed.
fn csv_reader(text: &[u8]) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text)
}

/// Reads an import file: a header naming its columns (`name` and `email` required; `role`,
/// `title`, `department` optional; an export's `status`, `last_sign_in` and `added` read
/// past; any order, any case), then one person per line. A file
/// that can't be read as CSV or has no usable header is refused whole; a line that can't be
/// read becomes a bad row.
pub fn read_csv(mut input: impl Read) -> CoreResult<ImportFile> {
    let text = read_all(&mut input)?;
    let mut lines = LineCounter::new(&text);
    let mut reader = csv_reader(&text);
    let header = reader
        .headers()
        .map_err(|e| CoreError::InvalidInput(format!("The file's header can't be read: {e}")))?
        .clone();
    let mut index: HashMap<&str, usize> = HashMap::new();
    for (i, column) in header.iter().enumerate() {
        let column = column.trim_start_matches('\u{feff}').trim().to_lowercase();
        // An export's own record of each user (decision 76): an edited export imports back.
        if READ_ONLY_COLUMNS.contains(&column.as_str()) {
            continue;
        }
        let Some(known) = COLUMNS.iter().find(|c| **c == column) else {
            return Err(CoreError::InvalidInput(format!(
                "Line 1: unknown column \"{column}\"; the columns are {}.",
                COLUMNS.join(", ")
            )));
        };
        if index.insert(known, i).is_some() {
            return Err(CoreError::InvalidInput(format!(
                "Line 1: the column \"{column}\" appears twice."
            )));
        }
    }
    for required in ["name", "email"] {
        if !index.contains_key(required) {
            return Err(CoreError::InvalidInput(format!(
                "Line 1 must be a header with at least the columns name and email (found: {}).",
                header.iter().collect::<Vec<_>>().join(",")
            )));
        }
    }
    let mut file = ImportFile::default();
    let mut record = csv::StringRecord::new();
    loop {
        let line = lines.at(reader.position().byte());
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = record.position().map_or(line, |p| lines.at(p.byte()));
                if record.iter().all(str::is_empty) {
                    continue;
                }
                let field = |name: &str| {
                    let cell = index
                        .get(name)
                        .and_then(|&i| record.get(i))
                        .unwrap_or_default();
                    from_spreadsheet_safe(cell).to_owned()
                };
                if record.len() > header.len() {
                    file.bad.push(BadRow {
                        line,
                        email: field("email"),
                        reason: format!(
                            "{} fields, but the header names {}.",
                            record.len(),
                            header.len()
                        ),
                    });
                    continue;
                }
                file.rows.push(ImportRow {
                    line,
                    name: field("name"),
                    email: field("email"),
                    role: field("role"),
                    title: field("title"),
                    department: field("department"),
                });
            }
            Err(e) => match e.position() {
                // A line that isn't UTF-8 (or otherwise unreadable): skip it and go on.
                Some(p) if !matches!(e.kind(), csv::ErrorKind::Io(_)) => file.bad.push(BadRow {
                    line: lines.at(p.byte()),
                    email: String::new(),
                    reason: format!("can't be read: {e}"),
                }),
                _ => {
                    return Err(CoreError::InvalidInput(format!(
                        "The file can't be read after line {line}: {e}"
                    )))
                }
            },
        }
    }
    Ok(file)
}

/// Line numbers from byte offsets (the csv crate's own line count skips blank lines), for
/// offsets asked in increasing order.
struct LineCounter<'a> {
    text: &'a [u8],
    offset: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a [u8]) -> LineCounter<'a> {
        LineCounter {
            text,
            offset: 0,
            line: 1,
        }
    }

    /// The 1-based line of the byte at `offset`.
    fn at(&mut self, offset: u64) -> u64 {
        let mut offset = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(self.text.len());
        // A record's position is where the reader stood, before the blank lines it skipped.
        while matches!(self.text.get(offset), Some(b'\n' | b'\r')) {
            offset += 1;
        }
        if offset > self.offset {
            self.line += self.text[self.offset..offset]
                .iter()
                .filter(|&&b| b == b'\n')
                .count() as u64;
            self.offset = offset;
        }
        self.line
    }
}

/// Reads the `email` column of a CSV file (other columns are ignored), for the commands
/// that work on a list of people. Returns (line, email) pairs, blank emails left out.
pub fn read_email_column(mut input: impl Read) -> CoreResult<Vec<(u64, String)>> {
    let text = read_all(&mut input)?;
    let mut lines = LineCounter::new(&text);
    let mut reader = csv_reader(&text);
    let header = reader
        .headers()
        .map_err(|e| CoreError::InvalidInput(format!("The file's header can't be read: {e}")))?;
    let column = header
        .iter()
        .position(|c| {
            c.trim_start_matches('\u{feff}')
                .eq_ignore_ascii_case("email")
        })
        .ok_or_else(|| {
            CoreError::InvalidInput("Line 1 must be a header with an email column.".into())
        })?;
    let mut emails = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| CoreError::InvalidInput(format!("The file: {e}")))?;
        let line = record.position().map_or(0, |p| lines.at(p.byte()));
        if let Some(email) = record.get(column).filter(|e| !e.is_empty()) {
            emails.push((line, email.to_owned()));
        }
    }
    Ok(emails)
}

/// An existing user, as much as the import compares.
struct Existing {
    id: i64,
    name: String,
    role: Role,
    status: Option<UserStatus>,
    title: Option<String>,
    department: Option<String>,
}

/// What an import row changes besides the role, for the activity log.
fn row_changes(before: &Existing, after: &NewMember) -> Vec<String> {
    profile_changes(
        &Profile {
            name: &before.name,
            title: before.title.as_deref(),
            department: before.department.as_deref(),
        },
        &Profile {
            name: &after.name,
            title: after.title.as_deref(),
            department: after.department.as_deref(),
        },
    )
}

/// A good row, checked, and what it does.
struct Planned {
    member: NewMember,
    /// `None`: a new user.
    existing: Option<usize>,
}

fn parse_role(role: &str) -> Result<Role, String> {
    let role = role.trim().to_lowercase();
    if role.is_empty() {
        return Ok(Role::Member);
    }
    Role::parse(&role)
        .ok_or_else(|| format!("unknown role \"{role}\": use member, admin or owner."))
}

fn optional(v: &str) -> Option<String> {
    Some(v.trim().to_owned()).filter(|v| !v.is_empty())
}

impl Core {
    pub(crate) async fn import_users_impl(
        &self,
        initiator: &Initiator,
        rows: &[ImportRow],
        options: ImportOptions,
        progress: &(dyn Fn(u64) + Send + Sync),
    ) -> CoreResult<ImportReport> {
        let mut report = ImportReport {
            dry_run: options.dry_run,
            ..ImportReport::default()
        };
        // Check every row on its own, and the emails against each other.
        let mut first_line: HashMap<String, u64> = HashMap::with_capacity(rows.len());
        let mut good: Vec<(u64, NewMember)> = Vec::with_capacity(rows.len());
        for row in rows {
            let bad = |reason: String| BadRow {
                line: row.line,
                email: row.email.clone(),
                reason,
            };
            let role = match parse_role(&row.role) {
                Ok(role) => role,
                Err(reason) => {
                    report.bad.push(bad(reason));
                    continue;
                }
            };
            let member = match checked_member(&NewMember {
                name: row.name.clone(),
                email: row.email.clone(),
                role,
                title: optional(&row.title),
                department: optional(&row.department),
            }) {
                Ok(member) => member,
                Err(e) => {
                    report.bad.push(bad(match e {
                        CoreError::InvalidInput(reason) => reason,
                        other => other.to_string(),
                    }));
                    continue;
                }
            };
            if let Some(first) = first_line.get(&member.email) {
                report.bad.push(bad(format!(
                    "{} is already on line {first} of this file.",
                    member.email
                )));
                continue;
            }
            first_line.insert(member.email.clone(), row.line);
            good.push((row.line, member));
        }

        let now = self.now();
        let tx = db::begin_write(self.db()).await?;
        let by = self.check_initiator(&tx, initiator).await?;
        let (existing, by_email) = existing_users(&tx, by.org.id).await?;

        // What each good row does, and whether this initiator may do it.
        let mut planned: Vec<Planned> = Vec::with_capacity(good.len());
        for (line, member) in good {
            let found = by_email.get(&member.email).copied();
            let refusal = match found.map(|i| &existing[i]) {
                _ if member.role != Role::Member && !by.owner => {
                    Some("Only an owner can add admins and owners.".to_owned())
                }
                Some(e) if e.role != Role::Member && !by.owner => {
                    Some("Only an owner can change an admin or an owner.".to_owned())
                }
                Some(e) if by.actor_id() == Some(e.id) && e.role != member.role => {
                    Some("You can't change your own role.".to_owned())
                }
                _ => None,
            };
            if let Some(reason) = refusal {
                report.bad.push(BadRow {
                    line,
                    email: member.email,
                    reason,
                });
                continue;
            }
            planned.push(Planned {
                member,
                existing: found,
            });
        }
        // An organization keeps at least one active owner: refuse the demotions otherwise.
        let demotes = |p: &Planned| {
            p.existing
                .is_some_and(|i| existing[i].role == Role::Owner && p.member.role != Role::Owner)
        };
        let demoted: std::collections::HashSet<i64> = planned
            .iter()
            .filter(|p| demotes(p))
            .filter_map(|p| p.existing.map(|i| existing[i].id))
            .collect();
        if !demoted.is_empty() {
            let owners_left = existing
                .iter()
                .filter(|e| e.role == Role::Owner && e.status != Some(UserStatus::Suspended))
                .filter(|e| !demoted.contains(&e.id))
                .count()
                + planned
                    .iter()
                    .filter(|p| p.existing.is_none() && p.member.role == Role::Owner)
                    .count();
            if owners_left == 0 {
                let (refused, kept): (Vec<Planned>, Vec<Planned>) =
                    planned.into_iter().partition(|p| demotes(p));
                planned = kept;
                for p in refused {
                    report.bad.push(BadRow {
                        line: first_line.get(&p.member.email).copied().unwrap_or_default(),
                        email: p.member.email,
                        reason: "An organization keeps at least one active owner.".into(),
                    });
                }
            }
        }
        report.bad.sort_by_key(|b| b.line);

        let mut inserts: Vec<&NewMember> = Vec::new();
        let mut updates: Vec<(&Existing, &NewMember)> = Vec::new();
        for p in &planned {
            match p.existing.map(|i| &existing[i]) {
                None => inserts.push(&p.member),
                Some(e)
                    if e.name == p.member.name
                        && e.role == p.member.role
                        && e.title == p.member.title
                        && e.department == p.member.department =>
                {
                    report.unchanged += 1
                }
                Some(e) => updates.push((e, &p.member)),
            }
        }
        report.created = inserts.len() as u64;
        report.updated = updates.len() as u64;
        if options.invite {
            report.invited = report.created;
        }
        let mut done = report.unchanged;
        progress(done);
        if options.dry_run {
            // Dropping the transaction rolls it back; nothing was written anyway.
            progress(rows.len() as u64);
            return Ok(report);
        }

        let label = by.name();
        let mut events: Vec<NewActivity> = Vec::new();
        // Changes to existing users, a batch per statement.
        for batch in updates.chunks(rows_per_insert(&tx, 5)) {
            let mut sql = Sql::new(
                "UPDATE users SET name = v.column2, role = v.column3, title = v.column4, \
                 department = v.column5 FROM (VALUES ",
            );
            for (i, (e, m)) in batch.iter().enumerate() {
                sql.push(if i == 0 { "(" } else { ", (" })
                    .bind(e.id)
                    .push(", ")
                    .bind(m.name.clone())
                    .push(", ")
                    .bind(m.role.as_str())
                    .push(", ")
                    .bind(m.title.clone())
                    .push(", ")
                    .bind(m.department.clone())
                    .push(")");
            }
            sql.push(") AS v WHERE users.id = v.column1 AND users.org_id = ")
                .bind(by.org.id);
            sql.execute(&tx).await?;
            done += batch.len() as u64;
            progress(done);
        }
        // Console sessions were granted for the old role: sign them out.
        let role_changed: Vec<i64> = updates
            .iter()
            .filter(|(e, m)| e.role != m.role)
            .map(|(e, _)| e.id)
            .collect();
        revoke_sessions(&tx, &role_changed, now).await?;
        // Every change is recorded: the role, and name, title and department together.
        for (e, m) in &updates {
            if e.role != m.role {
                events.push(by.event(
                    e.id,
                    ActivityKind::RoleChanged,
                    format!(
                        "{label} changed {}'s role: {} → {} (CSV import)",
                        m.name,
                        e.role.label().to_lowercase(),
                        m.role.label().to_lowercase()
                    ),
                    None,
                ));
            }
            let changes = row_changes(e, m);
            if !changes.is_empty() {
                events.push(by.event(
                    e.id,
                    ActivityKind::ProfileUpdated,
                    format!(
                        "{label} updated {}'s {} (CSV import)",
                        m.name,
                        changes.join(", ")
                    ),
                    None,
                ));
            }
        }

        // New users, Invited, a batch per statement.
        for batch in inserts.chunks(rows_per_insert(&tx, 13)) {
            let rows: Vec<user::ActiveModel> =
                batch.iter().map(|m| new_row(by.org.id, m, now)).collect();
            user::Entity::insert_many(rows)
                .exec_without_returning(&tx)
                .await?;
            done += batch.len() as u64;
            progress(done);
        }
        if !inserts.is_empty() {
            let new_ids = ids_by_email(&tx, by.org.id, inserts.iter().map(|m| &m.email)).await?;
            for m in &inserts {
                let Some(&id) = new_ids.get(&m.email) else {
                    return Err(CoreError::Internal(format!("{} vanished", m.email)));
                };
                events.push(by.event(
                    id,
                    ActivityKind::UserAdded,
                    format!(
                        "{label} added {} ({}) as {} from a CSV import; {}",
                        m.name,
                        m.email,
                        m.role.label().to_lowercase(),
                        if options.invite {
                            "invitation emailed"
                        } else {
                            "not invited yet"
                        }
                    ),
                    None,
                ));
            }
            if options.invite {
                let mut ids: Vec<i64> = new_ids.into_values().collect();
                ids.sort_unstable();
                self.invite_all(&tx, &by, &ids, now).await?;
            }
        }
        activity::record(&tx, events, now).await?;
        tx.commit().await?;
        self.note_bulk_change(report.created + report.updated);
        // PostgreSQL plans the Users Table from statistics; autovacuum refreshes them within a
        // minute or so, and until then a table that just grew by thousands is planned as if it
        // were small (seen: 350 ms pages). Cheap next to the import: refresh them now.
        if report.created + report.updated >= STATISTICS_AFTER
            && self.db().get_database_backend() == DbBackend::Postgres
        {
            if let Err(e) = self
                .db()
                .execute_unprepared("ANALYZE users, user_search")
                .await
            {
                tracing::warn!(error = %e, "ANALYZE after the import failed");
            }
        }
        progress(rows.len() as u64);
        tracing::info!(
            org = by.org.id,
            created = report.created,
            updated = report.updated,
            bad = report.bad.len(),
            "users imported"
        );
        Ok(report)
    }

    /// Invitations for `ids` (new users of `by`'s organization), in batches.
    async fn invite_all(
        &self,
        tx: &DatabaseTransaction,
        by: &Checked,
        ids: &[i64],
        now: DateTime<Utc>,
    ) -> CoreResult<()> {
        for batch in ids.chunks(INVITES_PER_BATCH) {
            let targets = user::Entity::find()
                .filter(user::Column::OrgId.eq(by.org.id))
                .filter(user::Column::Id.is_in(batch.iter().copied()))
                .order_by_asc(user::Column::Id)
                .all(tx)
                .await?;
            self.issue_and_mail(
                tx,
                &by.org,
                &targets,
                Occasion::Invitation { by: Some(by) },
                None,
                now,
            )
            .await?;
        }
        Ok(())
    }

    /// The ids of `emails` (compared lower-cased) in the initiator's organization, in the
    /// order given; `None` for an email with no account there.
    pub(crate) async fn user_ids_by_email_impl(
        &self,
        initiator: &Initiator,
        emails: &[String],
    ) -> CoreResult<Vec<Option<UserId>>> {
        let by = self.check_initiator(self.db(), initiator).await?;
        let normalized: Vec<String> = emails.iter().map(|e| normalize_email(e)).collect();
        let found = ids_by_email(self.db(), by.org.id, normalized.iter()).await?;
        Ok(normalized.iter().map(|e| found.get(e).copied()).collect())
    }

    /// Every user the filter matches in the initiator's organization, by id.
    pub(crate) async fn matching_user_ids_impl(
        &self,
        initiator: &Initiator,
        filter: &UserFilter,
    ) -> CoreResult<Vec<UserId>> {
        let by = self.check_initiator(self.db(), initiator).await?;
        Ok(user::Entity::find()
            .select_only()
            .column(user::Column::Id)
            .filter(filter_condition(
                self.db().get_database_backend(),
                by.org.id,
                filter,
            )?)
            .order_by_asc(user::Column::Id)
            .into_tuple::<i64>()
            .all(self.db())
            .await?)
    }
}

/// The organization's users, and their index by email.
async fn existing_users(
    tx: &DatabaseTransaction,
    org_id: i64,
) -> CoreResult<(Vec<Existing>, HashMap<String, usize>)> {
    let mut sql = Sql::new(
        "SELECT id, name, email, role, status, title, department FROM users WHERE org_id = ",
    );
    sql.bind(org_id);
    let rows = sql.query_all(tx).await?;
    let mut existing = Vec::with_capacity(rows.len());
    let mut by_email = HashMap::with_capacity(rows.len());
    for row in rows {
        let email: String = row.try_get("", "email")?;
        let role: String = row.try_get("", "role")?;
        let status: String = row.try_get("", "status")?;
        by_email.insert(email, existing.len());
        existing.push(Existing {
            id: row.try_get("", "id")?,
            name: row.try_get("", "name")?,
            role: Role::parse(&role)
                .ok_or_else(|| CoreError::Internal(format!("unknown role {role}")))?,
            status: UserStatus::parse(&status),
            title: row.try_get("", "title")?,
            department: row.try_get("", "department")?,
        });
    }
    Ok((existing, by_email))
}

/// Ids of the users of `org_id` with these (lower-cased) emails.
async fn ids_by_email<'a>(
    db: &impl ConnectionTrait,
    org_id: i64,
    emails: impl Iterator<Item = &'a String>,
) -> CoreResult<HashMap<String, i64>> {
    let emails: Vec<String> = emails.cloned().collect();
    let mut found = HashMap::with_capacity(emails.len());
    for batch in emails.chunks(id_batch(db)) {
        let mut sql = Sql::new("SELECT id, email FROM users WHERE org_id = ");
        sql.bind(org_id)
            .push(" AND ")
            .bind_among(db.get_database_backend(), "email", batch);
        for row in sql.query_all(db).await? {
            found.insert(row.try_get("", "email")?, row.try_get("", "id")?);
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_header_in_any_order_and_reports_unreadable_lines() {
        let text = "Email,Name,role\nann@x.test,Ann,admin\n\nbob@x.test,Bob\ncid@x.test,Cid,member,extra\n";
        let file = read_csv(text.as_bytes()).unwrap();
        assert_eq!(file.rows.len(), 2);
        assert_eq!(file.rows[0].line, 2);
        assert_eq!(file.rows[0].name, "Ann");
        assert_eq!(file.rows[0].role, "admin");
        assert_eq!(file.rows[1].line, 4);
        assert_eq!(file.rows[1].role, "");
        assert_eq!(file.bad.len(), 1);
        assert_eq!(file.bad[0].line, 5);
    }

    #[test]
    fn refuses_a_file_without_a_usable_header() {
        assert!(read_csv("ann@x.test,Ann\n".as_bytes()).is_err());
        assert!(read_csv("name,email,nickname\n".as_bytes()).is_err());
        assert!(read_csv("name,email,email\n".as_bytes()).is_err());
    }

    #[test]
    fn reads_an_export_past_its_record_and_its_marks_for_spreadsheets() {
        let text = "\u{feff}name,email,role,title,department,status,last_sign_in,added\n\
            '=Eve,eve@x.test,member,'+1 Ops,Sales,active,,2026-12-02T04:50:00Z\n";
        let file = read_csv(text.as_bytes()).unwrap();
        assert!(file.bad.is_empty());
        assert_eq!(file.rows[0].name, "=Eve");
        assert_eq!(file.rows[0].title, "+1 Ops");
        assert_eq!(file.rows[0].department, "Sales");
    }

    #[test]
    fn reads_the_email_column() {
        let emails = read_email_column("name,email\nAnn,ann@x.test\nBob,\n".as_bytes()).unwrap();
        assert_eq!(emails, vec![(2, "ann@x.test".to_owned())]);
    }
}
