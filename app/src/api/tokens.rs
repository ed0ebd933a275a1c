//! API tokens for the automation API: Settings → API tokens (owners only; the core decides).

use leptos::prelude::*;
use orgdesk_types::{ApiScope, ApiTokenView, CreatedApiToken};

use crate::error::ApiError;

#[server(endpoint = "api_tokens")]
pub async fn fetch_api_tokens() -> Result<Vec<ApiTokenView>, ApiError> {
    let (core, actor) = super::ssr::require_admin().await?;
    Ok(core.list_api_tokens(&actor).await?)
}

/// The form's checkboxes are one field per scope (present when ticked, named by
/// [`scope_field`]), so it also posts without JavaScript.
#[server(endpoint = "create_api_token")]
pub async fn create_api_token(
    name: String,
    days: u32,
    users_read: Option<String>,
    users_write: Option<String>,
    resets_write: Option<String>,
    activity_read: Option<String>,
) -> Result<CreatedApiToken, ApiError> {
    let (core, actor) = super::ssr::require_admin().await?;
    let ip = super::ssr::client_ip().await;
    let input = CreateApiToken {
        name,
        days,
        users_read,
        users_write,
        resets_write,
        activity_read,
    };
    let new = orgdesk_types::NewApiToken {
        scopes: input.scopes(),
        name: input.name,
        expires_in_days: input.days,
    };
    Ok(core.create_api_token(&actor, &new, ip.as_deref()).await?)
}

/// The name of the checkbox that grants `scope` in the form that creates a token: the scope's
/// name with `:` as `_`, which is also `create_api_token`'s parameter for it.
pub fn scope_field(scope: ApiScope) -> String {
    scope.as_str().replace(':', "_")
}

impl CreateApiToken {
    /// The input of the submitted form: its name and lifetime, and each scope's checkbox
    /// ([`scope_field`]) as `ticked` reads it.
    pub fn from_form(name: String, days: u32, ticked: impl Fn(&str) -> Option<String>) -> Self {
        let field = |scope| ticked(&scope_field(scope));
        Self {
            name,
            days,
            users_read: field(ApiScope::UsersRead),
            users_write: field(ApiScope::UsersWrite),
            resets_write: field(ApiScope::ResetsWrite),
            activity_read: field(ApiScope::ActivityRead),
        }
    }

    /// The scopes ticked.
    #[cfg(any(test, feature = "ssr"))]
    fn scopes(&self) -> Vec<ApiScope> {
        [
            (&self.users_read, ApiScope::UsersRead),
            (&self.users_write, ApiScope::UsersWrite),
            (&self.resets_write, ApiScope::ResetsWrite),
            (&self.activity_read, ApiScope::ActivityRead),
        ]
        .into_iter()
        .filter_map(|(ticked, scope)| ticked.as_ref().map(|_| scope))
        .collect()
    }
}

#[server(endpoint = "revoke_api_token")]
pub async fn revoke_api_token(id: i64) -> Result<ApiTokenView, ApiError> {
    let (core, actor) = super::ssr::require_admin().await?;
    let ip = super::ssr::client_ip().await;
    Ok(core.revoke_api_token(&actor, id, ip.as_deref()).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each scope's checkbox reaches the server as that scope, whether the page reads the form
    /// (`from_form`) or the browser posts it without JavaScript (the server function reads the
    /// body with serde_qs).
    #[test]
    fn each_scopes_checkbox_names_that_scope() {
        for scope in ApiScope::ALL {
            let field = scope_field(scope);
            let read = CreateApiToken::from_form("Help desk".into(), 30, |name| {
                (name == field).then(|| "on".to_owned())
            });
            assert_eq!(read.scopes(), [scope], "{field}");
            let posted: CreateApiToken =
                serde_qs::from_str(&format!("name=Help+desk&days=30&{field}=on"))
                    .expect("a plain post's body");
            assert_eq!(posted.scopes(), [scope], "{field}");
        }
        let none = CreateApiToken::from_form("Help desk".into(), 30, |_| None);
        assert!(none.scopes().is_empty());
    }
}
