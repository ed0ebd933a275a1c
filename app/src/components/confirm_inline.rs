//! A destructive action in a table row that asks once, in place: "Revoke" turns into the
//! danger button (the caller's form), a Cancel and a line saying what happens. For actions on
//! one row of a settings table (revoke a token, remove a webhook endpoint), where a dialog would
//! be heavier than the decision.

use leptos::prelude::*;

#[component]
pub fn ConfirmInline(
    /// The row's button before asking, e.g. "Revoke".
    trigger: &'static str,
    /// The accessible name of the question, e.g. "Revoke Help desk".
    label: String,
    /// What happens, shown under the buttons.
    note: &'static str,
    /// The form that does it, with its danger submit button.
    children: ChildrenFn,
) -> impl IntoView {
    let asking = RwSignal::new(false);
    view! {
        <Show when=move || asking.get() fallback=move || view! {
            <button type="button" class="btn btn--sm btn--ghost" on:click=move |_| asking.set(true)>{trigger}</button>
        }>
            <div class="revoke-confirm" role="group" aria-label=label.clone()>
                <div class="revoke-confirm__actions">
                    {children()}
                    <button type="button" class="btn btn--sm btn--ghost" on:click=move |_| asking.set(false)>"Cancel"</button>
                </div>
                <p class="revoke-confirm__note">{note}</p>
            </div>
        </Show>
    }
}
