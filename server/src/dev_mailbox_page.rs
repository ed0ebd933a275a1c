//! `/dev/mailbox`: the emails the embedded default delivered to files under `data/`, so a
//! newcomer can reset a user and click the link. Present only while no SMTP server is set.

use std::path::PathBuf;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use orgdesk_mail::{list_messages, read_message, DevMessage, MailConfig};

const LIST_LIMIT: usize = 200;

pub fn routes<S: Clone + Send + Sync + 'static>(mail: &MailConfig) -> Router<S> {
    match mail.dev_mailbox_dir() {
        Some(dir) => Router::new()
            .route("/dev/mailbox", get(list))
            .route("/dev/mailbox/{id}", get(show))
            .with_state(dir.to_path_buf()),
        None => Router::new(),
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn page(title: &str, body: String) -> Html<String> {
    Html(format!(
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin"><title>{} · Dev mailbox · Orgdesk</title><link rel="stylesheet" href="/pkg/orgdesk.css"></head>
<body><main class="page-body"><header class="page-header"><div class="page-eyebrow">Development only — no SMTP server configured</div>
<h1 class="page-title">{}</h1></header>{body}</main></body></html>"#,
        escape(title),
        escape(title)
    ))
}

async fn list(State(dir): State<PathBuf>) -> Response {
    match list_messages(&dir, LIST_LIMIT).await {
        Ok(messages) if messages.is_empty() => page(
            "Dev mailbox",
            "<div class=\"empty-state\"><p class=\"empty-state__title\">No emails yet</p><p class=\"muted\">Reset a user's password in the console and the email appears here.</p></div>".into(),
        )
        .into_response(),
        Ok(messages) => {
            let rows: String = messages.iter().map(row).collect();
            page("Dev mailbox", format!("<ul class=\"mailbox__list\">{rows}</ul>")).into_response()
        }
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, format!("Couldn't read the dev mailbox: {e}")).into_response(),
    }
}

fn row(m: &DevMessage) -> String {
    format!(
        "<li class=\"mailbox__item\"><a class=\"mailbox__subject link\" href=\"/dev/mailbox/{}\">{}</a> <span class=\"mailbox__to muted\">to {}</span> <time class=\"muted\">{}</time></li>",
        escape(&m.id),
        escape(&m.subject),
        escape(&m.to),
        m.sent_at.format("%Y-%m-%d %H:%M:%S UTC")
    )
}

async fn show(State(dir): State<PathBuf>, Path(id): Path<String>) -> Response {
    match read_message(&dir, &id).await {
        Ok(Some(m)) => page(
            &m.subject,
            format!(
                "<p class=\"muted\">To {} · {} · <a class=\"link\" href=\"/dev/mailbox\">All messages</a></p>\
                 <iframe class=\"mailbox__preview\" style=\"width:100%;height:560px\" title=\"HTML version\" sandbox=\"allow-top-navigation-by-user-activation allow-popups\" srcdoc=\"{}\"></iframe>\
                 <h2 class=\"panel__title\">Plain text</h2><pre class=\"code\">{}</pre>",
                escape(&m.to),
                m.sent_at.format("%Y-%m-%d %H:%M:%S UTC"),
                escape(&m.html),
                escape(&m.text)
            ),
        )
        .into_response(),
        Ok(None) => (StatusCode::NOT_FOUND, "No such message.").into_response(),
        Err(e) => (StatusCode::BAD_REQUEST, format!("{e}")).into_response(),
    }
}
