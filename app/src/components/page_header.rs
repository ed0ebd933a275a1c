//! The header at the top of each console page: eyebrow, title and tabs.

use leptos::prelude::*;

/// The "User Management" header with its tabs.
#[component]
pub fn PageHeader(
    #[prop(into)] eyebrow: String,
    #[prop(into)] title: String,
    tabs: Vec<(&'static str, &'static str, bool)>,
    /// Actions at the header's right (e.g. Add user).
    #[prop(optional)]
    children: Option<Children>,
) -> impl IntoView {
    view! {
        <header class="page-header">
            <div class="page-header__top">
                <div>
                    <div class="page-eyebrow">{eyebrow}</div>
                    <h1 class="page-title">{title}</h1>
                </div>
                {children.map(|c| view! { <div class="page-header__actions">{c()}</div> })}
            </div>
            {(!tabs.is_empty()).then(|| view! {
                <nav class="tabs" aria-label="Sections">
                    {tabs.into_iter().map(|(label, href, active)| view! {
                        <a class="tab" href=href aria-current=active.then_some("page")>{label}</a>
                    }).collect_view()}
                </nav>
            })}
        </header>
    }
}
