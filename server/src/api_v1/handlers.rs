//! The operations: each reads its input, calls one `Core` method as the token, and answers
//! in the API's own shapes (`wire`).

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json as JsonResponse};
use chrono::NaiveDate;
use orgdesk_core::jobs::{ResetTargets, JOB_THRESHOLD};
use orgdesk_core::types::{
    parse_day, ActivityFilter, ActivityKind, NewMember, PageAt, ProfileChange, Role, UserQuery,
    UserSort, UserStatus,
};
use orgdesk_core::Core;
use serde::Serialize;

use super::extract::{Id, Json, Query};
use super::problem::{ApiResult, Problem};
use super::wire::{self, Page};
use super::{Ctx, PREFIX};

/// Rows per page when the caller does not say.
const DEFAULT_LIMIT: u64 = 50;
/// The most rows per page: the console's largest page.
const MAX_LIMIT: u64 = orgdesk_types::limits::MAX_PER_PAGE;

fn limit(asked: Option<u64>) -> ApiResult<u64> {
    match asked {
        None => Ok(DEFAULT_LIMIT),
        Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        Some(_) => Err(Problem::invalid(format!(
            "limit must be between 1 and {MAX_LIMIT}."
        ))),
    }
}

fn json(status: StatusCode, value: impl Serialize) -> Response {
    (status, JsonResponse(value)).into_response()
}

async fn detail(core: &Core, ctx: &Ctx, id: i64) -> ApiResult<wire::UserDetail> {
    let details = core.user_details(&ctx.caller, id).await?;
    Ok(wire::UserDetail::new(details, core.now()))
}

pub async fn list_users(
    State(core): State<Core>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<wire::ListUsers>,
) -> ApiResult<Response> {
    let filter = wire::Filter {
        status: q.status,
        role: q.role,
        search: q.search,
    }
    .to_core()?;
    let sort = match q.sort.as_deref() {
        None => UserSort::Name,
        Some(s) => UserSort::parse(s).ok_or_else(|| {
            Problem::invalid(format!(
                "Unknown sort {s:?}: use name, email, role, status or last_sign_in."
            ))
        })?,
    };
    let descending = match q.order.as_deref() {
        None | Some("asc") => false,
        Some("desc") => true,
        Some(other) => {
            return Err(Problem::invalid(format!(
                "Unknown order {other:?}: use asc or desc."
            )))
        }
    };
    let query = UserQuery {
        filter,
        sort,
        descending,
        page: 1,
        per_page: limit(q.limit)?,
        at: q.cursor.map(PageAt::After),
    };
    let page = core.list_users(&ctx.caller, &query).await?;
    Ok(json(
        StatusCode::OK,
        Page {
            data: page.users.into_iter().map(wire::User::from).collect(),
            next_cursor: page.next,
        },
    ))
}

pub async fn count_users(
    State(core): State<Core>,
    Extension(ctx): Extension<Ctx>,
    Query(filter): Query<wire::Filter>,
) -> ApiResult<Response> {
    let count = core.count_users(&ctx.caller, &filter.to_core()?).await?;
    Ok(json(StatusCode::OK, wire::Count { count }))
}

pub async fn get_user(
    State(core): State<Core>,
    Extension(ctx): Extension<Ctx>,
    Id(id): Id,
) -> ApiResult<Response> {
    Ok(json(StatusCode::OK, detail(&core, &ctx, id).await?))
}

pub async fn create_user(
    State(core): State<Core>,
    Extension(ctx): Extension<Ctx>,
    Json(new): Json<wire::NewUser>,
) -> ApiResult<Response> {
    let member = NewMember {
        name: new.name,
        email: new.email,
        role: new
            .role
            .as_deref()
            .map(wire::role)
            .transpose()?
            .unwrap_or(Role::Member),
        title: new.title,
        department: new.department,
    };
    let invitation = core
        .add_user(&ctx.caller, &member, ctx.ip.as_deref())
        .await?;
    let user = detail(&core, &ctx, invitation.user_id).await?;
    let mut response = json(StatusCode::CREATED, user);
    if let Ok(location) = format!("{PREFIX}/users/{}", invitation.user_id).parse() {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

pub async fn update_user(
    State(core): State<Core>,
    Extension(ctx): Extension<Ctx>,
    Id(id): Id,
    Json(change): Json<wire::UserChange>,
) -> ApiResult<Response> {
    if change.profile() {
        if change.status.is_some() || change.role.is_some() {
            return Err(Problem::invalid(
                "Change the status, the role or the profile, one per request.",
            ));
        }
        // An absent field stays as it is.
        let now = core.user_details(&ctx.caller, id).await?;
        let profile = ProfileChange {
            name: change.name.unwrap_or(now.user.name),
            title: change.title.or(now.title),
            department: change.department.or(now.department),
        };
        core.update_profile(&ctx.caller, id, &profile, ctx.ip.as_deref())
            .await?;
        return Ok(json(StatusCode::OK, detail(&core, &ctx, id).await?));
    }
    match (change.status.as_deref(), change.role.as_deref()) {
        (Some(status), None) => {
            let suspended = match wire::status(status)? {
                UserStatus::Suspended => true,
                UserStatus::Active => false,
                _ => {
                    return Err(Problem::invalid(
                        "status can be set to suspended or active.",
                    ))
                }
            };
            core.set_suspended(&ctx.caller, id, suspended, ctx.ip.as_deref())
                .await?;
        }
        (None, Some(role)) => {
            core.change_role(&ctx.caller, id, wire::role(role)?, ctx.ip.as_deref())
                .await?;
        }
        (Some(_), Some(_)) => {
            return Err(Problem::invalid(
                "Change the status or the role, one per request.",
            ))
        }
        (None, None) => {
            return Err(Problem::invalid(
                "Send a status, a role, or a name, title or department to change.",
            ));
        }
    }
    Ok(json(StatusCode::OK, detail(&core, &ctx, id).await?))
}

/// The pending reset of `id`, as the answer to a reset or resend.
async fn reset_of(core: &Core, ctx: &Ctx, id: i64, status: StatusCode) -> ApiResult<Response> {
    let details = core.user_details(&ctx.caller, id).await?;
    let reset = wire::Reset::of(&details, core.now()).ok_or_else(|| {
        Problem::new(
            super::problem::SERVER,
            "The reset was made but could not be read back.",
        )
    })?;
    Ok(json(status, reset))
}

pub async fn reset_one(
    State(core): State<Core>,
    Extension(ctx): Extension<Ctx>,
    Id(id): Id,
) -> ApiResult<Response> {
    let report = core
        .admin_reset_passwords(&ctx.caller, &[id], ctx.ip.as_deref())
        .await?;
    if let Some(skipped) = report.skipped.first() {
        return Err(Problem::skipped(skipped.reason));
    }
    reset_of(&core, &ctx, id, StatusCode::CREATED).await
}

pub async fn sign_out_user(
    State(core): State<Core>,
    Extension(ctx): Extension<Ctx>,
    Id(id): Id,
) -> ApiResult<Response> {
    let sessions_ended = core
        .sign_out_user(&ctx.caller, id, ctx.ip.as_deref())
        .await?;
    Ok(json(StatusCode::OK, wire::SignedOut { sessions_ended }))
}

pub async fn resend(
    State(core): State<Core>,
    Extension(ctx): Extension<Ctx>,
    Id(id): Id,
) -> ApiResult<Response> {
    core.admin_resend_reset_email(&ctx.caller, id, ctx.ip.as_deref())
        .await?;
    reset_of(&core, &ctx, id, StatusCode::OK).await
}

pub async fn reset_many(
    State(core): State<Core>,
    Extension(ctx): Extension<Ctx>,
    Json(bulk): Json<wire::BulkReset>,
) -> ApiResult<Response> {
    let targets =
        match (bulk.ids, bulk.filter, bulk.expected_count) {
            (Some(ids), None, None) => ResetTargets::Ids(ids),
            (None, Some(filter), Some(expected_count)) => ResetTargets::Matching {
                filter: filter.to_core()?,
                expected_count,
            },
            (None, Some(_), None) => return Err(Problem::invalid(
                "A reset by filter needs expected_count: how many users you expect it to match.",
            )),
            _ => {
                return Err(Problem::invalid(
                    "Send either ids, or a filter with expected_count.",
                ))
            }
        };
    if targets.count() > JOB_THRESHOLD {
        let job = core
            .start_reset_job(&ctx.caller, targets, ctx.ip.as_deref())
            .await?;
        let mut response = json(StatusCode::ACCEPTED, wire::Job::from(job.clone()));
        if let Ok(location) = format!("{PREFIX}/jobs/{}", job.id).parse() {
            response.headers_mut().insert(header::LOCATION, location);
        }
        return Ok(response);
    }
    let report = match targets {
        ResetTargets::Ids(ids) => {
            core.admin_reset_passwords(&ctx.caller, &ids, ctx.ip.as_deref())
                .await?
        }
        ResetTargets::Matching {
            filter,
            expected_count,
        } => {
            core.admin_reset_matching(&ctx.caller, &filter, expected_count, ctx.ip.as_deref())
                .await?
        }
    };
    Ok(json(StatusCode::OK, wire::Report::from(report)))
}

pub async fn get_job(
    State(core): State<Core>,
    Extension(ctx): Extension<Ctx>,
    Id(id): Id,
) -> ApiResult<Response> {
    let job = core.job(&ctx.caller, id).await?;
    Ok(json(StatusCode::OK, wire::Job::from(job)))
}

pub async fn user_emails(
    State(core): State<Core>,
    Extension(ctx): Extension<Ctx>,
    Id(id): Id,
    Query(q): Query<wire::Limit>,
) -> ApiResult<Response> {
    let emails = core.user_emails(&ctx.caller, id, limit(q.limit)?).await?;
    Ok(json(
        StatusCode::OK,
        wire::List {
            data: emails.into_iter().map(wire::Email::from).collect(),
        },
    ))
}

fn activity_cursor(cursor: Option<&str>) -> ApiResult<Option<i64>> {
    cursor
        .map(|c| {
            c.parse::<i64>()
                .ok()
                .filter(|id| *id > 0)
                .ok_or_else(|| Problem::invalid("The cursor is not one this API gave."))
        })
        .transpose()
}

/// The query parameter `name`, a day as `YYYY-MM-DD`.
fn day(text: Option<&str>, name: &str) -> ApiResult<Option<NaiveDate>> {
    text.map(|t| {
        parse_day(t).ok_or_else(|| {
            Problem::invalid(format!(
                "`{name}` must be a day written YYYY-MM-DD, not {t:?}."
            ))
        })
    })
    .transpose()
}

async fn activity_page(
    core: &Core,
    ctx: &Ctx,
    filter: ActivityFilter,
    cursor: Option<&str>,
    asked: Option<u64>,
) -> ApiResult<Response> {
    let limit = limit(asked)?;
    let events = core
        .activity_feed(&ctx.caller, &filter, activity_cursor(cursor)?, limit)
        .await?;
    let next_cursor = (events.len() as u64 == limit)
        .then(|| events.last().map(|e| e.id.to_string()))
        .flatten();
    Ok(json(
        StatusCode::OK,
        Page {
            data: events.into_iter().map(wire::Activity::from).collect(),
            next_cursor,
        },
    ))
}

pub async fn user_activity(
    State(core): State<Core>,
    Extension(ctx): Extension<Ctx>,
    Id(id): Id,
    Query(q): Query<wire::ListActivity>,
) -> ApiResult<Response> {
    if q.kind.is_some() || q.user_id.is_some() || q.since.is_some() || q.until.is_some() {
        return Err(Problem::invalid(
            "Filter by kind or day on /activity; this route is one user's.",
        ));
    }
    // Unknown or other-organization users are 404s, not empty lists.
    core.user_details(&ctx.caller, id).await?;
    let filter = ActivityFilter {
        subject: Some(id),
        ..ActivityFilter::default()
    };
    activity_page(&core, &ctx, filter, q.cursor.as_deref(), q.limit).await
}

pub async fn activity(
    State(core): State<Core>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<wire::ListActivity>,
) -> ApiResult<Response> {
    let kind = q
        .kind
        .as_deref()
        .map(|k| {
            ActivityKind::parse(k)
                .ok_or_else(|| Problem::invalid(format!("Unknown activity kind {k:?}.")))
        })
        .transpose()?;
    let filter = ActivityFilter {
        kind,
        subject: q.user_id,
        search: None,
        since: day(q.since.as_deref(), "since")?,
        until: day(q.until.as_deref(), "until")?,
    };
    activity_page(&core, &ctx, filter, q.cursor.as_deref(), q.limit).await
}
