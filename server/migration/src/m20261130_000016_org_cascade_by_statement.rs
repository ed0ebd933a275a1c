//! On PostgreSQL, the activity log, the email outbox and the reset links no longer check their
//! `org_id` against `organizations` row by row (decision 49). SQLite is unchanged.
//!
//! Why: a foreign key is checked for every row inserted, with a lookup and a lock of the
//! organization's row: about 4–5 µs each here. A bulk reset of 10,000 inserts 10,000 links,
//! 10,000 emails and 20,000 activity events, all of one organization: 40,000 checks of the same
//! row, ≈ 190 ms of its ≈ 1 s (measured in `psql`: 10,000 activity events took 99 ms with the
//! key and 47 ms without; docs/performance.md, session 19).
//!
//! What the keys did, and what does it now:
//! - Deleting an organization (an operator's SQL; Orgdesk itself never does) took its activity
//!   and its emails with it. A statement trigger on `organizations` now deletes them, once per
//!   statement, over the transition table.
//! - A reset link's organization is its user's (`reset_links.user_id` keeps its key, with its
//!   cascade), so deleting the organization deletes its users and their links as before.
//! - Every `org_id` written to these tables comes from an organization checked in the same
//!   transaction (the caller's, or a user locked there), so the check found nothing to refuse.
//!
//! The users' own key to their organization stays: a user must belong to one.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const POSTGRES_UP: &str = r#"
ALTER TABLE activity DROP CONSTRAINT IF EXISTS fk_activity_org;
ALTER TABLE email_outbox DROP CONSTRAINT IF EXISTS fk_email_outbox_org;
ALTER TABLE reset_links DROP CONSTRAINT IF EXISTS fk_reset_links_org;
CREATE FUNCTION orgdesk_org_rows_removed() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    EXECUTE 'DELETE FROM activity WHERE org_id IN (SELECT id FROM removed)';
    EXECUTE 'DELETE FROM email_outbox WHERE org_id IN (SELECT id FROM removed)';
    RETURN NULL;
END
$body$;
CREATE TRIGGER org_rows_after_delete AFTER DELETE ON organizations
    REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION orgdesk_org_rows_removed();
"#;

/// The keys as migrations 2 and 3 made them.
const POSTGRES_DOWN: &str = r#"
DROP TRIGGER IF EXISTS org_rows_after_delete ON organizations;
DROP FUNCTION IF EXISTS orgdesk_org_rows_removed();
ALTER TABLE activity ADD CONSTRAINT fk_activity_org
    FOREIGN KEY (org_id) REFERENCES organizations (id) ON DELETE CASCADE;
ALTER TABLE email_outbox ADD CONSTRAINT fk_email_outbox_org
    FOREIGN KEY (org_id) REFERENCES organizations (id) ON DELETE CASCADE;
ALTER TABLE reset_links ADD CONSTRAINT fk_reset_links_org
    FOREIGN KEY (org_id) REFERENCES organizations (id) ON DELETE CASCADE;
"#;

sql_per_backend!(up: ("", POSTGRES_UP), down: ("", POSTGRES_DOWN));
