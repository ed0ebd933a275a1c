//! The one error type of the web layer: what a server function can answer, in words a person
//! understands. `orgdesk-core`'s `CoreError` is converted into it once, in `api::ssr`.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use orgdesk_types::password_policy::Rule;
use orgdesk_types::{LinkPurpose, LinkState};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum ApiError {
    #[error("Please sign in to continue.")]
    Unauthenticated,
    /// The browser's session ended (left idle, expired, signed out elsewhere, revoked): the
    /// server cleared its cookie, and the browser goes to the sign-in page, which says so.
    #[error("Your session ended. Sign in again to continue.")]
    SessionEnded,
    #[error("You don't have permission to do that.")]
    Forbidden,
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Invalid(String),
    #[error("That email and password don't match an account.")]
    InvalidCredentials,
    #[error("The new password doesn't meet the rules.")]
    WeakPassword(Vec<Rule>),
    #[error("{}", link_state_message(.0))]
    LinkUnusable(LinkState),
    #[error("Too many attempts. Please wait {} and try again.", wait_words(*retry_after_secs))]
    RateLimited { retry_after_secs: u64 },
    /// The server is at capacity; nothing was judged or counted. The sign-in page tries again
    /// by itself, the first time after about `retry_after_ms` (`orgdesk_types::busy`).
    #[error("Orgdesk is busy right now. Please try again in a moment.")]
    Busy { retry_after_ms: u64 },
    #[error("Something went wrong on our side. Please try again.")]
    Server,
    #[error("Couldn't reach Orgdesk. Check your connection and try again.")]
    Network(String),
}

impl ApiError {
    /// Whether the same request may succeed if sent again unchanged: the network, the server
    /// or a limit was in the way, not the request itself.
    pub fn worth_retrying(&self) -> bool {
        matches!(
            self,
            ApiError::Network(_)
                | ApiError::Server
                | ApiError::Busy { .. }
                | ApiError::RateLimited { .. }
        )
    }
}

impl FromServerFnError for ApiError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Request(e) | ServerFnErrorErr::Response(e) => ApiError::Network(e),
            // On the server these are the caller's fault: a body that isn't the arguments
            // (wrong types, missing fields, unknown values, bad JSON). A 400, not a 500.
            ServerFnErrorErr::Args(e)
            | ServerFnErrorErr::MissingArg(e)
            | ServerFnErrorErr::Deserialization(e) => {
                #[cfg(feature = "ssr")]
                crate::api::ssr::set_status(http::StatusCode::BAD_REQUEST);
                ApiError::Invalid(format!("The request was malformed: {e}"))
            }
            other => ApiError::Network(other.to_string()),
        }
    }

    /// An error answered by the server, in the browser. `server_fn` follows a server's
    /// redirect only when the call succeeded, so the one error that comes with one, an ended
    /// session, is followed here, whichever page or dialog made the call.
    fn de(data: leptos::server_fn::Bytes) -> Self {
        use leptos::server_fn::Decodes;
        let error = JsonEncoding::decode(data).unwrap_or_else(|e| {
            ApiError::from_server_fn_error(ServerFnErrorErr::Deserialization(e.to_string()))
        });
        #[cfg(feature = "hydrate")]
        if error == ApiError::SessionEnded {
            crate::browser::session_ended();
        }
        error
    }
}

pub fn link_state_message(state: &LinkState) -> &'static str {
    match state {
        LinkState::Valid { .. } => "This link is valid.",
        LinkState::Expired { purpose: LinkPurpose::Invitation } => "This invitation has expired.",
        LinkState::Expired { .. } => "This link has expired.",
        LinkState::Used => "This link has already been used.",
        LinkState::Revoked => "This link is no longer valid: a newer link was sent, or the password was already changed.",
        LinkState::Cancelled { .. } => "The request was cancelled from the email, so this link can't be used.",
        LinkState::Unknown => "This link isn't valid. Check that you copied the whole link from the email.",
    }
}

/// The heading of a page that opened a link it can't use.
pub fn link_state_title(state: &LinkState) -> &'static str {
    match state {
        LinkState::Expired {
            purpose: LinkPurpose::Invitation,
        } => "This invitation has expired",
        LinkState::Expired { .. } => "This link has expired",
        LinkState::Used => "This link has already been used",
        LinkState::Revoked => "This link is no longer valid",
        LinkState::Cancelled { .. } => "This link no longer works",
        LinkState::Valid { .. } | LinkState::Unknown => "This link isn't valid",
    }
}

fn wait_words(secs: u64) -> String {
    match secs {
        0..=1 => "a second".into(),
        2..=59 => format!("{secs} seconds"),
        60..=119 => "a minute".into(),
        _ => format!("{} minutes", secs.div_ceil(60)),
    }
}
