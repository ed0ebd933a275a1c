//! The Reset Password page, reached from the emailed link. It checks the link on open
//! (valid / expired / used), checks the new password live, and the server checks it again.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_meta::Title;
use orgdesk_types::password_policy::{assess, PasswordContext};
use orgdesk_types::{LinkPurpose, LinkState};

use crate::api::codec::json_resource;
use crate::api::recovery::{fetch_link_state, CompleteReset, ResendFromLink};
use crate::components::alert::ErrorAlert;
use crate::components::auth_card::AuthCard;
use crate::components::icons::{Icon, Svg};
use crate::components::password_field::{PasswordChecklist, PasswordInput};
use crate::components::post_form::PostForm;
use crate::components::submit::SubmitButton;
use crate::error::{link_state_message, link_state_title, ApiError};
use crate::format::utc_time;
use crate::pages::cancel_reset::after_cancelling;

/// `token`: the link's token, from its path (`/reset-password/<token>`).
#[component]
pub fn ResetPasswordPage(#[prop(into)] token: Signal<String>) -> impl IntoView {
    let token = move || token.get();
    let link = json_resource(token, fetch_link_state);

    view! {
        <Title text="Reset password"/>
        <Suspense fallback=|| view! { <AuthCard title="Reset password".to_string()><p class="muted">"Checking your link…"</p></AuthCard> }>
            {move || Suspend::new(async move {
                match link.await {
                    Ok(LinkState::Valid { org_name, name, email, purpose, expires_at }) => {
                        let who = PasswordContext { email: email.clone(), name: name.clone() };
                        let (title, subtitle, expiry) = match purpose {
                            LinkPurpose::AdminReset => (
                                "Reset password",
                                format!("An administrator reset your password. Choose a new password for {email} at {org_name}."),
                                utc_time(expires_at, false),
                            ),
                            LinkPurpose::ForgotPassword => (
                                "Reset password",
                                format!("You asked to reset your password. Choose a new password for {email} at {org_name}."),
                                utc_time(expires_at, false),
                            ),
                            LinkPurpose::Invitation => (
                                "Set your password",
                                format!("Welcome to {org_name}, {name}. Choose a password for {email} to finish setting up your account."),
                                utc_time(expires_at, true),
                            ),
                        };
                        view! {
                            <Title text=title/>
                            <AuthCard title=title.to_string() subtitle=subtitle>
                                <p class="field__hint">
                                    "This link expires at " {expiry} "."
                                </p>
                                <ResetForm token=token() who=who/>
                            </AuthCard>
                        }.into_any()
                    }
                    Ok(state) => view! { <UnusableLink token=token() state=state/> }.into_any(),
                    Err(e) => view! {
                        <AuthCard title="Reset password".to_string()>
                            <ErrorAlert message=e.to_string()/>
                        </AuthCard>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ResetForm(token: String, who: PasswordContext) -> impl IntoView {
    let action = ServerAction::<CompleteReset>::new();
    let password = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());
    let attempted = RwSignal::new(false);
    let pending = action.pending();

    let who_check = who.clone();
    let weak = move || !assess(&password.get(), &who_check).is_acceptable();
    let mismatch = move || !confirm.get().is_empty() && confirm.get() != password.get();

    let on_submit = {
        let weak = weak.clone();
        move |ev: SubmitEvent| {
            attempted.set(true);
            if weak() || password.get_untracked() != confirm.get_untracked() {
                ev.prevent_default();
            }
        }
    };

    let server_error = move || action.value().get().and_then(|r| r.err());

    view! {
        {move || server_error().map(|e| {
            let detail = match &e {
                ApiError::WeakPassword(rules) => rules.iter().map(|r| r.violation()).collect::<Vec<_>>().join(" "),
                ApiError::LinkUnusable(state) => link_state_message(state).to_string(),
                other => other.to_string(),
            };
            view! {
                <div class="alert alert--error" role="alert">
                    <Svg icon=Icon::Warning/>
                    <div><strong>{e.to_string()}</strong> " " {detail}</div>
                </div>
            }
        })}
        <PostForm action=action input=|f| Some(CompleteReset { token: f.text("token"), password: f.text("password"), confirm: f.text("confirm") }) class="form" on:submit=on_submit>
            <input type="hidden" name="token" value=token/>
            <PasswordInput id="password" name="password" label="New password" value=password describedby="password-rules"
                invalid=Signal::derive({ let weak = weak.clone(); move || attempted.get() && weak() })/>
            <PasswordChecklist id="password-rules" password=password who=who/>
            <PasswordInput id="confirm" name="confirm" label="Confirm new password" value=confirm
                invalid=Signal::derive(move || (attempted.get() || !confirm.get().is_empty()) && mismatch())/>
            {move || (attempted.get() || !confirm.get().is_empty()).then(|| {
                if mismatch() || (attempted.get() && confirm.get().is_empty()) {
                    Some(view! { <p class="field__error" role="alert">"The two passwords don't match."</p> })
                } else {
                    None
                }
            })}
            {let weak = weak.clone(); move || (attempted.get() && weak()).then(|| view! {
                <p class="field__error" role="alert">"Choose a password that meets every rule above."</p>
            })}
            <button type="submit" class="btn btn--primary btn--block" disabled=move || pending.get()>
                <Show when=move || pending.get()>
                    <span class="spinner" aria-hidden="true"></span>
                </Show>
                {move || if pending.get() { "Saving…" } else { "Set new password" }}
            </button>
        </PostForm>
    }
}

#[component]
fn UnusableLink(token: String, state: LinkState) -> impl IntoView {
    let resend = ServerAction::<ResendFromLink>::new();
    // Only an expired link earns a new one (the server ignores the rest, so a stale link can't
    // be used to mint fresh ones); a replaced link points to the newest email instead.
    let can_resend = matches!(state, LinkState::Expired { .. });
    let invitation = matches!(
        state,
        LinkState::Expired {
            purpose: LinkPurpose::Invitation
        }
    );
    let replaced = matches!(state, LinkState::Revoked);
    // Cancelled from the email: no Resend Email here, the user said the reset was unexpected.
    let cancelled = match &state {
        LinkState::Cancelled { org_name, purpose } => Some(after_cancelling(*purpose, org_name)),
        _ => None,
    };
    view! {
        <AuthCard title=link_state_title(&state).to_string() subtitle=link_state_message(&state).to_string()>
            {cancelled.map(|text| view! { <p class="muted card__note">{text}</p> })}
            {replaced.then(|| view! {
                <p class="muted card__note">
                    "Use the link in the most recent email. If you can't find it, ask for a new one with Forgot your password?"
                </p>
            })}
            {can_resend.then(|| view! {
                <p class="muted">{if invitation {
                    "We can email you a new invitation; it replaces this one."
                } else {
                    "We can email you a new link; it replaces this one."
                }}</p>
                <PostForm action=resend input=|f| Some(ResendFromLink { token: f.text("token") }) class="form">
                    <input type="hidden" name="token" value=token.clone()/>
                    <SubmitButton class="btn btn--primary btn--block" pending=resend.pending()>{if invitation { "Send me a new invitation" } else { "Resend Email" }}</SubmitButton>
                </PostForm>
                {move || resend.value().get().map(|r| match r {
                    Ok(()) => view! {
                        <div class="alert alert--success" role="status">
                            <Svg icon=Icon::Mail/>
                            <div>"We've sent a new link to your email. Nothing after a few minutes? Check your spam or junk folder."</div>
                        </div>
                    }.into_any(),
                    Err(e) => view! { <ErrorAlert message=e.to_string()/> }.into_any(),
                })}
            })}
            <div class="card__footer">
                <a class="link" href="/sign-in">"Back to sign in"</a>
                <a class="link" href="/forgot-password">"Forgot your password?"</a>
            </div>
        </AuthCard>
    }
}
