//! The centered card the user-facing pages share.

use leptos::prelude::*;

#[component]
pub fn AuthCard(
    #[prop(into)] title: String,
    #[prop(optional, into)] subtitle: Option<String>,
    children: Children,
) -> impl IntoView {
    view! {
        <main class="auth-page">
            <div class="card">
                <div class="card__brand">
                    <span class="nav__logo" aria-hidden="true">"O"</span>
                    <span>"Orgdesk"</span>
                </div>
                <h1 class="card__title">{title}</h1>
                {subtitle.map(|s| view! { <p class="card__subtitle">{s}</p> })}
                {children()}
            </div>
        </main>
    }
}
