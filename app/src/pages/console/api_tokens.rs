//! Settings → API tokens: owners create tokens for the automation API (`/api/v1`), see when
//! and from where each was last used, and revoke them. A new token's secret is shown once.

use leptos::prelude::*;
use leptos_meta::Title;
use orgdesk_types::limits::{DEFAULT_API_TOKEN_DAYS, MAX_API_TOKEN_NAME_CHARS};
use orgdesk_types::{Actor, ApiScope, ApiTokenView, Role};

use super::settings::{settings_tabs, SettingsTab};
use crate::api::codec::json_resource;
use crate::api::tokens::{fetch_api_tokens, scope_field, CreateApiToken, RevokeApiToken};
use crate::components::alert::ErrorAlert;
use crate::components::choices::{Choice, ChoiceList};
use crate::components::confirm_inline::ConfirmInline;
use crate::components::icons::{Icon, Svg};
use crate::components::one_time_secret::OneTimeSecret;
use crate::components::page_header::PageHeader;
use crate::components::post_form::PostForm;
use crate::components::states::{EmptyState, ErrorState};
use crate::components::submit::SubmitButton;
use crate::components::time::RelativeTime;

/// Lifetimes offered, in days.
const LIFETIMES: [(u32, &str); 5] = [
    (7, "7 days"),
    (30, "30 days"),
    (90, "90 days"),
    (180, "180 days"),
    (365, "1 year"),
];

#[component]
pub fn ApiTokensPage() -> impl IntoView {
    let owner = use_context::<Actor>().is_some_and(|a| a.role == Role::Owner);
    if !owner {
        return view! {
            <Title text="API tokens · Settings"/>
            <PageHeader eyebrow="Admin Console" title="Settings" tabs=settings_tabs(SettingsTab::ApiTokens)/>
            <div class="page-body">
                <div class="alert alert--info" role="alert"><Svg icon=Icon::Warning/>
                    <div>"Only the organization's owners manage API tokens."</div>
                </div>
            </div>
        }
        .into_any();
    }
    let create = ServerAction::<CreateApiToken>::new();
    let revoke = ServerAction::<RevokeApiToken>::new();
    let tokens = json_resource(
        move || (create.version().get(), revoke.version().get()),
        |_| fetch_api_tokens(),
    );
    view! {
        <Title text="API tokens · Settings"/>
        <PageHeader eyebrow="Admin Console" title="Settings" tabs=settings_tabs(SettingsTab::ApiTokens)/>
        <div class="page-body">
            <section class="panel">
                <h2 class="panel__title">"Create an API token"</h2>
                <p class="panel__desc">
                    "Scripts and other systems call the automation API ("<code class="code">"/api/v1"</code>
                    ") with a token: it can do what its scopes allow, never more than your role does, and it never opens the console. "
                    <a class="link" href="/api/v1/openapi.json">"API reference (OpenAPI)"</a>
                </p>
                {move || create.value().get().map(|r| match r {
                    Ok(created) => view! {
                        <OneTimeSecret
                            title=format!("Token “{}” created. Copy it now: it won't be shown again.", created.token.name)
                            label="New API token"
                            secret=created.secret/>
                    }.into_any(),
                    Err(e) => view! { <ErrorAlert message=e.to_string()/> }.into_any(),
                })}
                <PostForm action=create class="form settings-form" input=|f| Some(CreateApiToken::from_form(f.text("name"), f.number("days")?, |name| f.ticked(name)))>
                    <div class="field">
                        <label class="field__label" for="token_name">"Name"</label>
                        <input class="input" id="token_name" name="name" type="text" required
                            maxlength=MAX_API_TOKEN_NAME_CHARS.to_string() placeholder="e.g. Help desk"/>
                        <p class="field__hint">"Shown in the activity log as “API token <name>”."</p>
                    </div>
                    <ChoiceList legend="Scopes" id_prefix="scope" choices=ApiScope::ALL.into_iter().map(|scope| Choice {
                        field: scope_field(scope),
                        code: scope.as_str(),
                        description: scope.description(),
                    }).collect()/>
                    <div class="field">
                        <label class="field__label" for="token_days">"Expires after"</label>
                        <select class="select" id="token_days" name="days">
                            {LIFETIMES.into_iter().map(|(days, label)| view! {
                                <option value=days.to_string() selected=days == DEFAULT_API_TOKEN_DAYS>{label}</option>
                            }).collect_view()}
                        </select>
                    </div>
                    <div>
                        <SubmitButton class="btn btn--primary" pending=create.pending()>"Create token"</SubmitButton>
                    </div>
                </PostForm>
            </section>
            <section class="panel">
                <h2 class="panel__title">"Tokens"</h2>
                <p class="panel__desc">"Last use is noted at most once a minute per address. Revoking is immediate."</p>
                {move || revoke.value().get().and_then(|r| r.err()).map(|e| view! {
                    <ErrorAlert message=e.to_string()/>
                })}
                <Transition fallback=|| view! { <span class="skeleton" style="width:50%"></span> }>
                    {move || Suspend::new(async move {
                        match tokens.await {
                            Ok(list) if list.is_empty() => view! {
                                <EmptyState icon=Icon::Settings title="No API tokens yet"/>
                            }.into_any(),
                            Ok(list) => view! { <TokenTable tokens=list revoke=revoke/> }.into_any(),
                            Err(e) => view! { <ErrorState message=e.to_string()/> }.into_any(),
                        }
                    })}
                </Transition>
            </section>
        </div>
    }
    .into_any()
}

#[component]
fn TokenTable(tokens: Vec<ApiTokenView>, revoke: ServerAction<RevokeApiToken>) -> impl IntoView {
    let now = chrono::Utc::now();
    view! {
        <div class="table-wrap">
            <table class="table" aria-label="API tokens">
                <thead><tr>
                    <th scope="col">"Name"</th><th scope="col">"Scopes"</th><th scope="col">"Created"</th>
                    <th scope="col">"Expires"</th><th scope="col">"Last used"</th><th scope="col">"Status"</th>
                    <th scope="col"><span class="sr-only">"Actions"</span></th>
                </tr></thead>
                <tbody>
                    {tokens.into_iter().map(|t| {
                        let live = t.is_live(now);
                        let (badge, label) = match (t.revoked_at, live) {
                            (Some(_), _) => ("badge badge--failed", "Revoked"),
                            (None, true) => ("badge badge--active", "Live"),
                            (None, false) => ("badge", "Expired"),
                        };
                        let name = t.name.clone();
                        view! {
                            <tr>
                                <td><strong>{t.name.clone()}</strong></td>
                                <td><div class="token-scopes">{t.scopes.iter().map(|s| view! { <code class="code">{s.as_str()}</code> }).collect_view()}</div></td>
                                <td class="muted"><RelativeTime at=t.created_at now=now past=true/>" by "{t.created_by.clone()}</td>
                                <td class="muted"><RelativeTime at=t.expires_at now=now/></td>
                                <td class="muted">{match t.last_used_at {
                                    Some(at) => view! {
                                        <RelativeTime at=at now=now past=true/>
                                        {t.last_used_ip.clone().map(|ip| format!(" from {ip}"))}
                                    }.into_any(),
                                    None => "Never".into_any(),
                                }}</td>
                                <td><span class=badge>{label}</span></td>
                                <td class="cell-actions">
                                    {(t.revoked_at.is_none()).then(|| view! { <RevokeButton id=t.id name=name revoke=revoke/> })}
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// Revoke, asked twice: scripts using the token stop working at once.
#[component]
fn RevokeButton(id: i64, name: String, revoke: ServerAction<RevokeApiToken>) -> impl IntoView {
    view! {
        <ConfirmInline trigger="Revoke" label=format!("Revoke {name}") note="Scripts using it stop working at once.">
            <PostForm action=revoke input=|f| Some(RevokeApiToken { id: f.number("id")? })>
                <input type="hidden" name="id" value=id.to_string()/>
                <button type="submit" class="btn btn--sm btn--danger">"Revoke token"</button>
            </PostForm>
        </ConfirmInline>
    }
}
