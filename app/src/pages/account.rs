//! Your account: where a member lands after signing in (the console is for admins) and where
//! anyone signed in changes their password, sees where they are signed in and signs out any of
//! those places, or signs out. An admin who comes here is offered the way to the console.
//!
//! A public app's page (`crate::public`), drawn by the sign-in module, which the browser has
//! just loaded for the sign-in page: landing here loads no other module (docs/decisions.md 73).

use chrono::{DateTime, Utc};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::params::ParamsMap;
use orgdesk_types::password_policy::{assess, PasswordContext};
use orgdesk_types::{AccountOverview, OwnSession, OwnSessions};

use crate::api::account::{fetch_account, ChangePassword, SignOutOtherSessions, SignOutSession};
use crate::api::codec::json_resource;
use crate::api::session::SignOut;
use crate::components::alert::ErrorAlert;
use crate::components::auth_card::AuthCard;
use crate::components::icons::{Icon, Svg};
use crate::components::password_field::{PasswordChecklist, PasswordInput};
use crate::components::post_form::PostForm;
use crate::components::time::RelativeTime;
use crate::error::ApiError;

/// `query`: the page's query string, which says what a form just did.
#[component]
pub fn AccountPage(query: Signal<ParamsMap>) -> impl IntoView {
    let account = json_resource(|| (), |_| fetch_account());
    let sign_out = ServerAction::<SignOut>::new();
    view! {
        <Title text="Your account"/>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match account.await {
                    Ok(Some(AccountOverview { actor, sessions })) => view! {
                        <AuthCard title=format!("Hi, {}", actor.name) subtitle=format!("You're signed in to {} as {}.", actor.org_name, actor.email)>
                            <Done query/>
                            {if actor.role.is_admin() {
                                view! { <a class="btn btn--primary btn--block card__action" href="/users">"Open the Admin Console"</a> }.into_any()
                            } else {
                                view! { <p class="muted">"The Admin Console is for your organization's administrators."</p> }.into_any()
                            }}
                            <ChangePasswordForm who=PasswordContext { email: actor.email.clone(), name: actor.name.clone() }/>
                            <Sessions list=sessions/>
                            <PostForm action=sign_out input=|_| Some(SignOut {}) class="form card__section">
                                <button type="submit" class="btn btn--block">"Sign out"</button>
                            </PostForm>
                        </AuthCard>
                    }.into_any(),
                    Err(ApiError::SessionEnded) => leave_for(crate::routes::SESSION_ENDED),
                    _ => leave_for("/sign-in"),
                }
            })}
        </Suspense>
    }
}

/// Sends a visitor without a session to the sign-in page: the response's redirect on the
/// server; a page load in the browser, which has no router here.
fn leave_for(path: &'static str) -> AnyView {
    #[cfg(feature = "ssr")]
    leptos_axum::redirect(path);
    #[cfg(feature = "hydrate")]
    crate::browser::go_to(path);
    #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
    let _ = path;
    ().into_any()
}

/// What the last form did, from the address it came back to (`api::account`).
#[component]
fn Done(query: Signal<ParamsMap>) -> impl IntoView {
    move || {
        let query = query.read();
        let said = if query.get("password").as_deref() == Some("changed") {
            "Your password was changed. Every other browser and device signed in to your account was signed out; this one stays signed in.".to_string()
        } else {
            match query
                .get("signed_out")
                .and_then(|n| n.parse::<u64>().ok())?
            {
                0 => "No other browser or device was signed in to your account.".to_string(),
                1 => "Signed out of 1 other browser or device.".to_string(),
                n => format!("Signed out of {n} other browsers and devices."),
            }
        };
        Some(view! {
            <div class="alert alert--success" role="status"><Svg icon=Icon::Check/><div>{said}</div></div>
        })
    }
}

#[component]
fn ChangePasswordForm(who: PasswordContext) -> impl IntoView {
    let action = ServerAction::<ChangePassword>::new();
    let current = RwSignal::new(String::new());
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
        <section class="card__section" aria-labelledby="change-password">
            <h2 class="card__section-title" id="change-password">"Change password"</h2>
            <p class="muted">"Every other browser and device signed in to your account will be signed out."</p>
            {move || server_error().map(|e| {
                let detail = match &e {
                    ApiError::WeakPassword(rules) => rules.iter().map(|r| r.violation()).collect::<Vec<_>>().join(" "),
                    _ => String::new(),
                };
                view! { <ErrorAlert message=format!("{e} {detail}").trim_end().to_string()/> }
            })}
            <PostForm action=action input=|f| Some(ChangePassword { current: f.text("current"), password: f.text("password"), confirm: f.text("confirm") }) class="form" on:submit=on_submit>
                <PasswordInput id="current" name="current" label="Current password" value=current autocomplete="current-password"/>
                <PasswordInput id="password" name="password" label="New password" value=password describedby="password-rules"
                    invalid=Signal::derive({ let weak = weak.clone(); move || attempted.get() && weak() })/>
                <PasswordChecklist id="password-rules" password=password who=who/>
                <PasswordInput id="confirm" name="confirm" label="Confirm new password" value=confirm
                    invalid=Signal::derive(move || (attempted.get() || !confirm.get().is_empty()) && mismatch())/>
                {move || ((attempted.get() || !confirm.get().is_empty()) && (mismatch() || (attempted.get() && confirm.get().is_empty()))).then(|| view! {
                    <p class="field__error" role="alert">"The two passwords don't match."</p>
                })}
                {let weak = weak.clone(); move || (attempted.get() && weak()).then(|| view! {
                    <p class="field__error" role="alert">"Choose a password that meets every rule above."</p>
                })}
                <button type="submit" class="btn btn--primary btn--block" disabled=move || pending.get()>
                    <Show when=move || pending.get()>
                        <span class="spinner" aria-hidden="true"></span>
                    </Show>
                    {move || if pending.get() { "Saving…" } else { "Change password" }}
                </button>
            </PostForm>
        </section>
    }
}

/// Where you're signed in: every browser and device with a live session, each with a way to
/// sign it out, and one to sign out all but this one.
#[component]
fn Sessions(list: OwnSessions) -> impl IntoView {
    let OwnSessions { now, sessions } = list;
    let sign_out_one = ServerAction::<SignOutSession>::new();
    let sign_out_others = ServerAction::<SignOutOtherSessions>::new();
    let pending = sign_out_others.pending();
    let error = move || {
        sign_out_one
            .value()
            .get()
            .and_then(|r| r.err())
            .or_else(|| sign_out_others.value().get().and_then(|r| r.err()))
    };
    view! {
        <section class="card__section" aria-labelledby="sessions">
            <h2 class="card__section-title" id="sessions">"Where you're signed in"</h2>
            <p class="muted">"Don't recognise one, or left one signed in on a computer that isn't yours? Sign it out."</p>
            {move || error().map(|e| view! { <ErrorAlert message=e.to_string()/> })}
            <ul class="sessions">
                {sessions.into_iter().map(|s| view! { <SessionItem session=s now action=sign_out_one/> }).collect_view()}
            </ul>
            <PostForm action=sign_out_others input=|_| Some(SignOutOtherSessions {}) class="form">
                <button type="submit" class="btn btn--block" disabled=move || pending.get()>
                    "Sign out everywhere else"
                </button>
            </PostForm>
        </section>
    }
}

/// One browser or device: what it is, from where, when it signed in and was last active.
#[component]
fn SessionItem(
    session: OwnSession,
    now: DateTime<Utc>,
    action: ServerAction<SignOutSession>,
) -> impl IntoView {
    let OwnSession {
        id,
        current,
        device,
        ip,
        signed_in_at,
        last_seen_at,
    } = session;
    let label = format!("Sign out {device}");
    view! {
        <li class="sessions__item">
            <div class="sessions__what">
                <div class="sessions__device">
                    {device}
                    {current.then(|| view! { <span class="sessions__here">"This browser"</span> })}
                </div>
                <div class="sessions__when">
                    {ip.unwrap_or_else(|| "Address unknown".into())}
                    " · signed in " <RelativeTime at=signed_in_at now past=true/>
                    " · active " <RelativeTime at=last_seen_at now past=true/>
                </div>
            </div>
            {(!current).then(|| view! {
                <PostForm action=action input=|f| Some(SignOutSession { id: f.number("id")? }) class="sessions__form">
                    <input type="hidden" name="id" value=id/>
                    <button type="submit" class="btn btn--sm" aria-label=label>"Sign out"</button>
                </PostForm>
            })}
        </li>
    }
}
