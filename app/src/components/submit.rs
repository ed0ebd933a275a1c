//! A form's submit button that is disabled, with a spinner, while its action runs.

use leptos::prelude::*;

#[component]
pub fn SubmitButton(
    /// Whether the form's action is running (`action.pending()`).
    #[prop(into)]
    pending: Signal<bool>,
    class: &'static str,
    children: Children,
) -> impl IntoView {
    view! {
        <button type="submit" class=class disabled=move || pending.get()>
            <Show when=move || pending.get()><span class="spinner" aria-hidden="true"></span></Show>
            {children()}
        </button>
    }
}
