//! Settings: how long reset links and invitations stay valid (General); API tokens have their
//! own tab (`api_tokens.rs`), shown to owners.

use leptos::prelude::*;
use leptos_meta::Title;
use orgdesk_types::limits::{
    DEFAULT_ADMIN_LINK_MINUTES, DEFAULT_FORGOT_LINK_MINUTES, DEFAULT_INVITATION_MINUTES,
    INVITATION_LIFETIME_MINUTES, LINK_LIFETIME_MINUTES, MINUTES_PER_DAY,
};
use orgdesk_types::{Actor, Role};

use crate::api::codec::json_resource;
use crate::api::settings::{fetch_org_settings, UpdateInvitationLifetime, UpdateLinkLifetimes};
use crate::components::alert::ErrorAlert;
use crate::components::icons::{Icon, Svg};
use crate::components::page_header::PageHeader;
use crate::components::post_form::PostForm;
use crate::components::states::ErrorState;
use crate::components::submit::SubmitButton;

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum SettingsTab {
    General,
    ApiTokens,
    Webhooks,
}

/// The Settings tabs; API tokens and webhooks only for owners (the server refuses everyone
/// else anyway).
pub fn settings_tabs(active: SettingsTab) -> Vec<(&'static str, &'static str, bool)> {
    let owner = use_context::<Actor>().is_some_and(|a| a.role == Role::Owner);
    let mut tabs = vec![("General", "/settings", active == SettingsTab::General)];
    if owner {
        tabs.push((
            "API tokens",
            "/settings/api-tokens",
            active == SettingsTab::ApiTokens,
        ));
        tabs.push((
            "Webhooks",
            "/settings/webhooks",
            active == SettingsTab::Webhooks,
        ));
    }
    tabs
}

#[component]
pub fn SettingsPage() -> impl IntoView {
    let save = ServerAction::<UpdateLinkLifetimes>::new();
    let save_invitations = ServerAction::<UpdateInvitationLifetime>::new();
    let settings = json_resource(
        move || (save.version().get(), save_invitations.version().get()),
        |_| fetch_org_settings(),
    );
    view! {
        <Title text="Settings"/>
        <PageHeader eyebrow="Admin Console" title="Settings" tabs=settings_tabs(SettingsTab::General)/>
        <div class="page-body">
            <section class="panel">
                <h2 class="panel__title">"Password reset links"</h2>
                <p class="muted">"How long the links in reset emails keep working. After that, the user asks for a new one with Resend Email."</p>
                {move || save.value().get().map(|r| match r {
                    Ok(_) => view! { <div class="alert alert--success" role="status"><Svg icon=Icon::Check/><div>"Saved."</div></div> }.into_any(),
                    Err(e) => view! { <ErrorAlert message=e.to_string()/> }.into_any(),
                })}
                <Suspense fallback=|| view! { <span class="skeleton" style="width:50%"></span> }>
                    {move || Suspend::new(async move {
                        match settings.await {
                            Ok(s) => view! {
                                <PostForm action=save class="form settings-form" input=|f| Some(UpdateLinkLifetimes {
                                    admin_minutes: f.number("admin_minutes")?,
                                    forgot_minutes: f.number("forgot_minutes")?,
                                })>
                                    <div class="field">
                                        <label class="field__label" for="admin_minutes">"Admin reset link lifetime (minutes)"</label>
                                        <input class="input" id="admin_minutes" name="admin_minutes" type="number" min=*LINK_LIFETIME_MINUTES.start() max=*LINK_LIFETIME_MINUTES.end() required value=s.admin_link_ttl_minutes.to_string()/>
                                        <p class="field__hint">{format!("Links sent when an admin resets a password. Default {DEFAULT_ADMIN_LINK_MINUTES}.")}</p>
                                    </div>
                                    <div class="field">
                                        <label class="field__label" for="forgot_minutes">"Forgot-password link lifetime (minutes)"</label>
                                        <input class="input" id="forgot_minutes" name="forgot_minutes" type="number" min=*LINK_LIFETIME_MINUTES.start() max=*LINK_LIFETIME_MINUTES.end() required value=s.forgot_link_ttl_minutes.to_string()/>
                                        <p class="field__hint">{format!("Links sent from Forgot your password?. Default {DEFAULT_FORGOT_LINK_MINUTES}.")}</p>
                                    </div>
                                    <div>
                                        <SubmitButton class="btn btn--primary" pending=save.pending()>"Save"</SubmitButton>
                                    </div>
                                </PostForm>
                            }.into_any(),
                            Err(e) => view! { <ErrorState message=e.to_string()/> }.into_any(),
                        }
                    })}
                </Suspense>
            </section>
            <section class="panel">
                <h2 class="panel__title">"Invitations"</h2>
                <p class="muted">"How long the link in an invitation keeps working. After that, the invited person opens it anyway to ask for a new one, or an admin resends it."</p>
                {move || save_invitations.value().get().map(|r| match r {
                    Ok(_) => view! { <div class="alert alert--success" role="status"><Svg icon=Icon::Check/><div>"Saved."</div></div> }.into_any(),
                    Err(e) => view! { <ErrorAlert message=e.to_string()/> }.into_any(),
                })}
                <Suspense fallback=|| view! { <span class="skeleton" style="width:50%"></span> }>
                    {move || Suspend::new(async move {
                        settings.await.ok().map(|s| view! {
                            <PostForm action=save_invitations class="form settings-form" input=|f| Some(UpdateInvitationLifetime { days: f.number("days")? })>
                                <div class="field">
                                    <label class="field__label" for="invitation_days">"Invitation lifetime (days)"</label>
                                    <input class="input" id="invitation_days" name="days" type="number" min="1" max=INVITATION_LIFETIME_MINUTES.end() / MINUTES_PER_DAY required
                                        value=(s.invitation_ttl_minutes / MINUTES_PER_DAY).max(1).to_string()/>
                                    <p class="field__hint">{format!("For invitations sent from now on. Default {}.", DEFAULT_INVITATION_MINUTES / MINUTES_PER_DAY)}</p>
                                </div>
                                <div>
                                    <SubmitButton class="btn btn--primary" pending=save_invitations.pending()>"Save"</SubmitButton>
                                </div>
                            </PostForm>
                        })
                    })}
                </Suspense>
            </section>
        </div>
    }
}
