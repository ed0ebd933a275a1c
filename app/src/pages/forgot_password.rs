//! Forgot your password?: a different flow from the admin reset. The current password keeps
//! working until a new one is set, and the answer never says whether the email exists.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::params::ParamsMap;

use crate::api::recovery::ForgotPassword;
use crate::components::auth_card::AuthCard;
use crate::components::icons::{Icon, Svg};
use crate::components::post_form::PostForm;

/// `query`: the page's query string (`?sent=1` after a form post without the wasm).
#[component]
pub fn ForgotPasswordPage(#[prop(into)] query: Signal<ParamsMap>) -> impl IntoView {
    let action = ServerAction::<ForgotPassword>::new();
    let sent = move || {
        query.read().get_str("sent").is_some() || matches!(action.value().get(), Some(Ok(())))
    };
    let pending = action.pending();

    view! {
        <Title text="Forgot your password?"/>
        <AuthCard
            title="Forgot your password?".to_string()
            subtitle="Enter the email you sign in with and we'll send you a link to choose a new password. Your current password keeps working until you do.".to_string()
        >
            <Show when=sent>
                <div class="alert alert--success" role="status">
                    <Svg icon=Icon::Mail/>
                    <div>
                        <strong>"Check your email."</strong>
                        <p>"If an account exists for that address, we've sent a link to reset its password."</p>
                        <p class="muted">"Nothing after a few minutes? Check your spam or junk folder."</p>
                    </div>
                </div>
            </Show>
            {move || action.value().get().and_then(|r| r.err()).map(|e| view! {
                <div class="alert alert--error" role="alert">
                    <Svg icon=Icon::Warning/>
                    <div>{e.to_string()}</div>
                </div>
            })}
            <PostForm action=action input=|f| Some(ForgotPassword { email: f.text("email") }) class="form">
                <div class="field">
                    <label class="field__label" for="email">"Email"</label>
                    <input class="input" id="email" name="email" type="email" autocomplete="username" required/>
                </div>
                <button type="submit" class="btn btn--primary btn--block" disabled=move || pending.get()>
                    <Show when=move || pending.get()>
                        <span class="spinner" aria-hidden="true"></span>
                    </Show>
                    "Send reset link"
                </button>
            </PostForm>
            <div class="card__footer">
                <a class="link" href="/sign-in">"Back to sign in"</a>
            </div>
        </AuthCard>
    }
}
