//! API tokens for the automation API (`/api/v1`): what a token may do (its scopes), and what
//! Settings shows of one. The secret itself crosses the wire once, when it is created.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What a token may do. A token also never does more than its creator's role allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ApiScope {
    UsersRead,
    UsersWrite,
    ResetsWrite,
    ActivityRead,
}

impl ApiScope {
    pub const ALL: [ApiScope; 4] = [
        ApiScope::UsersRead,
        ApiScope::UsersWrite,
        ApiScope::ResetsWrite,
        ApiScope::ActivityRead,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            ApiScope::UsersRead => "users:read",
            ApiScope::UsersWrite => "users:write",
            ApiScope::ResetsWrite => "resets:write",
            ApiScope::ActivityRead => "activity:read",
        }
    }
    pub fn parse(s: &str) -> Option<ApiScope> {
        ApiScope::ALL.into_iter().find(|scope| scope.as_str() == s)
    }
    /// What the scope allows, in a few words for Settings.
    pub fn description(self) -> &'static str {
        match self {
            ApiScope::UsersRead => "List and read users, and their emails",
            ApiScope::UsersWrite => "Add and invite users, suspend, reactivate, change roles",
            ApiScope::ResetsWrite => "Reset passwords and resend reset emails",
            ApiScope::ActivityRead => "Read the activity log",
        }
    }
    /// Scopes as stored: sorted, space-separated.
    pub fn join(scopes: &[ApiScope]) -> String {
        let mut sorted = scopes.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        sorted
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }
    /// The scopes of a stored list; unknown words are dropped (they grant nothing).
    pub fn split(stored: &str) -> Vec<ApiScope> {
        stored
            .split_whitespace()
            .filter_map(ApiScope::parse)
            .collect()
    }
}

/// A token as Settings lists it: never its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiTokenView {
    pub id: i64,
    pub name: String,
    pub scopes: Vec<ApiScope>,
    /// Who created it: a user's name, or "command line (…)".
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub last_used_ip: Option<String>,
}

impl ApiTokenView {
    /// Whether it still opens the API at `now`.
    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && now < self.expires_at
    }
}

/// What an owner asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewApiToken {
    pub name: String,
    pub scopes: Vec<ApiScope>,
    /// Days until it stops working (`limits::API_TOKEN_LIFETIME_DAYS`).
    pub expires_in_days: u32,
}

/// A token just created: `secret` is shown once and stored nowhere in clear.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedApiToken {
    pub token: ApiTokenView,
    pub secret: String,
}

impl std::fmt::Debug for CreatedApiToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreatedApiToken")
            .field("token", &self.token)
            .field("secret", &"[redacted]")
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_store_sorted_and_read_back() {
        let stored = ApiScope::join(&[
            ApiScope::ResetsWrite,
            ApiScope::UsersRead,
            ApiScope::ResetsWrite,
        ]);
        assert_eq!(stored, "users:read resets:write");
        assert_eq!(
            ApiScope::split(&stored),
            vec![ApiScope::UsersRead, ApiScope::ResetsWrite]
        );
        assert_eq!(
            ApiScope::split("users:read admin:all"),
            vec![ApiScope::UsersRead]
        );
    }
}
