//! Bringing people in and managing them from the console: Add user (Invited, with an
//! invitation email), Resend invitation, Edit details, Suspend / Reactivate, Sign out
//! everywhere, Change role. The core applies
//! the rules (owners add admins and change roles; nobody suspends themselves).

use leptos::prelude::*;
use orgdesk_types::{ImportSummary, NewMember, ProfileChange, Role, UserId, UserStatus};

use crate::error::ApiError;

/// Adds a user and emails them an invitation. The link itself never comes back to the
/// browser: only the invited person, through their email, gets it.
#[server(endpoint = "add_user", input = leptos::server_fn::codec::Json)]
pub async fn add_user(member: NewMember) -> Result<UserId, ApiError> {
    let (core, actor) = super::ssr::require_admin().await?;
    let ip = super::ssr::client_ip().await;
    Ok(core.add_user(&actor, &member, ip.as_deref()).await?.user_id)
}

/// A new invitation for a user who hasn't set a password yet; the previous link stops working.
#[server(endpoint = "resend_invitation")]
pub async fn resend_invitation(user: UserId) -> Result<(), ApiError> {
    let (core, actor) = super::ssr::require_admin().await?;
    let ip = super::ssr::client_ip().await;
    core.resend_invitation(&actor, user, ip.as_deref()).await?;
    Ok(())
}

/// Suspends (`suspended = true`) or reactivates a user; answers their status afterwards.
#[server(endpoint = "set_suspended")]
pub async fn set_suspended(user: UserId, suspended: bool) -> Result<UserStatus, ApiError> {
    let (core, actor) = super::ssr::require_admin().await?;
    let ip = super::ssr::client_ip().await;
    Ok(core
        .set_suspended(&actor, user, suspended, ip.as_deref())
        .await?)
}

/// Signs a user out of every browser and device, their password unchanged; answers how many
/// sessions ended.
#[server(endpoint = "sign_out_user")]
pub async fn sign_out_user(user: UserId) -> Result<u64, ApiError> {
    let (core, actor) = super::ssr::require_admin().await?;
    let ip = super::ssr::client_ip().await;
    Ok(core.sign_out_user(&actor, user, ip.as_deref()).await?)
}

/// Sets a user's name, title and department; answers whether anything changed.
#[server(endpoint = "update_profile", input = leptos::server_fn::codec::Json)]
pub async fn update_profile(user: UserId, change: ProfileChange) -> Result<bool, ApiError> {
    let (core, actor) = super::ssr::require_admin().await?;
    let ip = super::ssr::client_ip().await;
    Ok(core
        .update_profile(&actor, user, &change, ip.as_deref())
        .await?)
}

/// Changes a user's role (owners only).
#[server(endpoint = "change_role")]
pub async fn change_role(user: UserId, role: Role) -> Result<(), ApiError> {
    let (core, actor) = super::ssr::require_admin().await?;
    let ip = super::ssr::client_ip().await;
    Ok(core.change_role(&actor, user, role, ip.as_deref()).await?)
}

/// Import users from CSV text (`name,email,role,title,department`, header required): an upsert
/// by email. `dry_run` checks everything and writes nothing (the console's preview); `invite`
/// emails an invitation to each new user. Rows with errors are reported by line and skipped.
#[server(endpoint = "import_users", input = leptos::server_fn::codec::Json)]
pub async fn import_users(
    csv: String,
    dry_run: bool,
    invite: bool,
) -> Result<ImportSummary, ApiError> {
    use orgdesk_core::imports::{read_csv, ImportOptions};
    use orgdesk_types::ImportProblem;

    let most = orgdesk_types::limits::MAX_CONSOLE_IMPORT_BYTES;
    if csv.len() > most {
        return Err(super::ssr::refuse(ApiError::Invalid(format!(
            "The file is larger than {} KB: import it with the command line (orgdesk users import).",
            most / 1024
        ))));
    }
    let (core, actor) = super::ssr::require_admin().await?;
    let file = read_csv(csv.as_bytes())?;
    let report = core
        .import_users(
            &actor,
            &file.rows,
            ImportOptions { dry_run, invite },
            &|_| {},
        )
        .await?;
    let mut bad: Vec<ImportProblem> = file
        .bad
        .into_iter()
        .chain(report.bad)
        .map(|b| ImportProblem {
            line: b.line,
            email: b.email,
            reason: b.reason,
        })
        .collect();
    bad.sort_by_key(|b| b.line);
    Ok(ImportSummary {
        dry_run: report.dry_run,
        created: report.created,
        updated: report.updated,
        unchanged: report.unchanged,
        invited: report.invited,
        bad,
    })
}
