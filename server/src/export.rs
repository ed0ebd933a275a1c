//! `GET /users/export.csv` and `GET /activity/export.csv`: Export CSV on the Users and Activity
//! pages (decision 76). Plain downloads, not server functions: the browser saves the answer
//! (`Content-Disposition: attachment`) and stays on the page; an answer that isn't the file
//! (the session ended, a member's) is a page the browser shows instead. The filter is the
//! page's own query (`q`, `status`, `role` for Users; `kind`, `q` for Activity).

use std::collections::HashMap;
use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use orgdesk_app::api::ssr::session_cookie_for;
use orgdesk_app::format::cookie_value;
use orgdesk_app::pages::console::activity::{activity_filter_from_params, activity_href};
use orgdesk_app::pages::console::users::{query_from_params, users_href};
use orgdesk_app::routes::{session_ended_at, ACTIVITY_EXPORT, USERS_EXPORT};
use orgdesk_core::{Core, CoreError};
use orgdesk_types::{Actor, UserQuery};

pub fn routes<S: Clone + Send + Sync + 'static>(core: Core) -> Router<S> {
    Router::new()
        .route(USERS_EXPORT, get(export_users))
        .route(ACTIVITY_EXPORT, get(export_activity))
        .with_state(core)
}

/// The signed-in admin or owner a download is for; otherwise the answer instead of the file:
/// a visitor signs in (as at any console page), a browser whose session ended comes back to
/// `page` (the list the export came from) after signing in, a member is told no.
async fn downloader(core: &Core, headers: &HeaderMap, page: &str) -> Result<Actor, Response> {
    let https = core.config().public_base_url.starts_with("https://");
    let Some(token) = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|cookies| cookie_value(cookies, session_cookie_for(https)))
        .filter(|t| t.len() <= 128)
    else {
        return Err(Redirect::to("/sign-in").into_response());
    };
    match core.session_actor(token).await {
        Ok(Some(actor)) if actor.role.is_admin() => Ok(actor),
        Ok(Some(_)) => Err(refused(CoreError::Forbidden)),
        Ok(None) => Err(Redirect::to(&session_ended_at(page)).into_response()),
        Err(e) => Err(refused(e)),
    }
}

fn client_ip(core: &Core, peer: SocketAddr, headers: &HeaderMap) -> String {
    crate::web::client_addr(&core.config().trusted_proxies, peer.ip(), headers).to_string()
}

async fn export_users(
    State(core): State<Core>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let filter = query_from_params(|k| params.get(k).cloned()).filter;
    let page = users_href(
        &UserQuery {
            filter: filter.clone(),
            ..UserQuery::default()
        },
        None,
        None,
    );
    let actor = match downloader(&core, &headers, &page).await {
        Ok(actor) => actor,
        Err(answer) => return answer,
    };
    let ip = client_ip(&core, peer, &headers);
    match core.export_users(&actor, &filter, Some(&ip)).await {
        Ok(export) => csv_file(&export.file_name, Body::from(export.csv)),
        Err(e) => refused(e),
    }
}

async fn export_activity(
    State(core): State<Core>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let filter = activity_filter_from_params(|k| params.get(k).cloned());
    let page = activity_href(&filter, 1);
    let actor = match downloader(&core, &headers, &page).await {
        Ok(actor) => actor,
        Err(answer) => return answer,
    };
    let ip = client_ip(&core, peer, &headers);
    match core.export_activity(&actor, &filter, Some(&ip)).await {
        Ok(export) => {
            let name = export.file_name.clone();
            // Sent as it is read, a run of events at a time.
            let runs = futures::stream::try_unfold(export, |mut export| async move {
                Ok::<_, CoreError>(export.next_chunk().await?.map(|chunk| (chunk, export)))
            });
            csv_file(&name, Body::from_stream(runs))
        }
        Err(e) => refused(e),
    }
}

/// `body` as a CSV file the browser saves as `name`.
fn csv_file(name: &str, body: Body) -> Response {
    let mut response = body.into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// An answer in words, for the page the browser shows instead of saving a file.
fn refused(e: CoreError) -> Response {
    let (status, text) = match e {
        CoreError::Forbidden => (
            StatusCode::FORBIDDEN,
            "Only admins and owners can export the organization's users and activity.".to_owned(),
        ),
        CoreError::InvalidInput(why) => (StatusCode::BAD_REQUEST, why),
        e => {
            tracing::error!(error = %e, "export failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "The export failed on the server. Please try again.".to_owned(),
            )
        }
    };
    (status, text).into_response()
}
