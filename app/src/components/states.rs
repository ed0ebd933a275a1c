//! What a panel or list shows instead of its rows: nothing there yet, or it could not load.

use leptos::prelude::*;

use super::icons::{Icon, Svg};

#[component]
pub fn EmptyState(icon: Icon, title: &'static str) -> impl IntoView {
    view! {
        <div class="empty-state"><Svg icon=icon/><p class="empty-state__title">{title}</p></div>
    }
}

#[component]
pub fn ErrorState(#[prop(into)] message: String) -> impl IntoView {
    view! { <div class="error-state" role="alert"><p>{message}</p></div> }
}
