use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    crate::api::ssr::set_status(http::StatusCode::NOT_FOUND);
    view! {
        <Title text="Page not found"/>
        <main class="auth-page">
            <div class="card">
                <h1 class="card__title">"Page not found"</h1>
                <p class="card__subtitle">"There's nothing at this address."</p>
                <a class="btn btn--primary btn--block" href="/users">"Go to the Admin Console"</a>
            </div>
        </main>
    }
}
