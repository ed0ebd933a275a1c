//! Sign-in. After an admin reset the old password no longer signs in; instead the user is
//! told a link was emailed and offered Resend Email (only if they knew the old password).
//! When the server is at capacity (a flood of sign-ins fills its hashing queue), the page
//! tries again by itself a few times, saying so, before it gives up with an error.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::params::ParamsMap;

use crate::api::recovery::ResendResetEmail;
use crate::api::session::SignIn;
use crate::components::auth_card::AuthCard;
use crate::components::icons::{Icon, Svg};
use crate::components::post_form::PostForm;
use crate::components::submit::SubmitButton;
use crate::error::ApiError;
use crate::reset_prompt;
use orgdesk_types::busy::{busy_retry_delay_ms, BUSY_RETRIES};

/// `query`: the page's query string (`?reset=done`, `?signed_out=1`, `?session=ended`,
/// `?prompt=reset`, whose address comes from a cookie: `crate::reset_prompt`).
#[component]
pub fn SignInPage(#[prop(into)] query: Signal<ParamsMap>) -> impl IntoView {
    let sign_in = ServerAction::<SignIn>::new();
    let resend = ServerAction::<ResendResetEmail>::new();

    // Read once: the cookie doesn't change while the page is open.
    let prompted = StoredValue::new(
        (query.read_untracked().get_str("prompt") == Some("reset"))
            .then(reset_prompt::prompt_email)
            .flatten(),
    );
    let prompt_email = move || prompted.get_value();
    // The console page an ended session left, to go back to.
    let next = query
        .read_untracked()
        .get("next")
        .filter(|next| crate::routes::console_return_path(next).is_some());
    let pending = sign_in.pending();
    let retrying = retry_when_busy(sign_in);
    let error = move || {
        sign_in
            .value()
            .get()
            .and_then(|r| r.err())
            .filter(|e| !(matches!(e, ApiError::Busy { .. }) && retrying.get()))
    };

    view! {
        <Title text="Sign in"/>
        <AuthCard title="Sign in".to_string() subtitle="Use your work email and password.".to_string()>
            {move || {
                let q = query.read();
                if q.get_str("reset") == Some("done") {
                    Some(view! {
                        <div class="alert alert--success" role="status">
                            <Svg icon=Icon::Check/>
                            <div>"Your password was changed. Sign in with your new password."</div>
                        </div>
                    }.into_any())
                } else if q.get_str("session") == Some("ended") {
                    Some(view! {
                        <div class="alert alert--info" role="status" data-testid="session-ended">
                            <Svg icon=Icon::Info/>
                            <div>"Your session ended. Sign in again to continue."</div>
                        </div>
                    }.into_any())
                } else if q.get_str("signed_out").is_some() {
                    Some(view! {
                        <div class="alert alert--info" role="status">
                            <Svg icon=Icon::Info/>
                            <div>"You're signed out."</div>
                        </div>
                    }.into_any())
                } else {
                    None
                }
            }}
            {move || prompt_email().map(|email| view! {
                <div class="alert alert--warning" role="alert" data-testid="reset-prompt">
                    <Svg icon=Icon::Mail/>
                    <div>
                        <strong>"Update your password to continue."</strong>
                        <p>
                            "An administrator reset your password, so your old one no longer works. "
                            "We emailed a link to " <strong>{email.clone()}</strong>
                            " where you can set a new password. The link works once and expires after a short time."
                        </p>
                        <p class="muted">"Didn't get it within a few minutes? Check your spam or junk folder, or send it again."</p>
                        <PostForm action=resend input=|f| Some(ResendResetEmail { email: f.text("email") }) class="inline-form">
                            <input type="hidden" name="email" value=email.clone()/>
                            <SubmitButton class="btn btn--sm" pending=resend.pending()>"Resend Email"</SubmitButton>
                        </PostForm>
                        {move || resend.value().get().map(|r| match r {
                            Ok(()) => view! { <p class="field__hint" role="status">"Sent. The previous link no longer works."</p> }.into_any(),
                            Err(e) => view! { <p class="field__error" role="alert">{e.to_string()}</p> }.into_any(),
                        })}
                    </div>
                </div>
            })}
            <Show when=move || retrying.get()>
                <div class="alert alert--info" role="status" data-testid="busy-retrying">
                    <span class="spinner" aria-hidden="true"></span>
                    <div>"Orgdesk is busy right now. Trying again…"</div>
                </div>
            </Show>
            {move || error().map(|e| view! {
                <div class="alert alert--error" role="alert">
                    <Svg icon=Icon::Warning/>
                    <div>{e.to_string()}</div>
                </div>
            })}
            <PostForm action=sign_in input=|f| Some(SignIn { email: f.text("email"), password: f.text("password"), next: Some(f.text("next")).filter(|n| !n.is_empty()) }) class="form">
                {next.map(|next| view! { <input type="hidden" name="next" value=next/> })}
                <div class="field">
                    <label class="field__label" for="email">"Email"</label>
                    <input class="input" id="email" name="email" type="email" autocomplete="username" required
                        value=move || prompt_email().unwrap_or_default()/>
                </div>
                <div class="field">
                    <label class="field__label" for="password">"Password"</label>
                    <input class="input" id="password" name="password" type="password" autocomplete="current-password" required/>
                </div>
                <button type="submit" class="btn btn--primary btn--block" disabled=move || pending.get() || retrying.get()>
                    <Show when=move || pending.get()>
                        <span class="spinner" aria-hidden="true"></span>
                    </Show>
                    "Sign in"
                </button>
            </PostForm>
            <div class="card__footer">
                <a class="link" href="/forgot-password">"Forgot your password?"</a>
            </div>
        </AuthCard>
    }
}

/// Sends the last sign-in again each time the server answers `Busy`, up to `BUSY_RETRIES`
/// times, after the wait `busy_retry_delay_ms` gives for the server's hint (about one hash's
/// time, doubled for each retry before, randomised so a crowd of refused browsers doesn't come
/// back in step); the person's own next submit starts the count again. True while a retry is
/// waiting or on its way.
fn retry_when_busy(sign_in: ServerAction<SignIn>) -> Signal<bool> {
    let last = StoredValue::new(None::<SignIn>);
    let tries = StoredValue::new(0u32);
    let automatic = StoredValue::new(false);
    let waiting = RwSignal::new(false);

    Effect::new(move |_| {
        if let Some(input) = sign_in.input().get() {
            if automatic.get_value() {
                automatic.set_value(false);
            } else {
                tries.set_value(0);
            }
            last.set_value(Some(input));
        }
    });
    Effect::new(move |_| {
        let Some(Err(ApiError::Busy { retry_after_ms })) = sign_in.value().get() else {
            return;
        };
        let retry = tries.get_value();
        if retry >= BUSY_RETRIES {
            return;
        }
        tries.set_value(retry + 1);
        waiting.set(true);
        let wait_ms = busy_retry_delay_ms(retry_after_ms, retry, js_sys::Math::random());
        set_timeout(
            move || {
                waiting.set(false);
                if let Some(input) = last.get_value() {
                    automatic.set_value(true);
                    sign_in.dispatch(input);
                }
            },
            std::time::Duration::from_millis(wait_ms),
        );
    });
    let pending = sign_in.pending();
    Signal::derive(move || {
        waiting.get()
            || (pending.get() && matches!(sign_in.value().get(), Some(Err(ApiError::Busy { .. }))))
    })
}
