//! A password input with show/hide, and the live policy checklist with its strength bar —
//! computed in wasm by the same `password_policy` the server enforces.

use leptos::prelude::*;
use orgdesk_types::password_policy::{assess, PasswordContext};

use super::icons::{Icon, Svg};

#[component]
pub fn PasswordInput(
    #[prop(into)] id: String,
    #[prop(into)] name: String,
    #[prop(into)] label: String,
    value: RwSignal<String>,
    #[prop(optional, into)] describedby: Option<String>,
    #[prop(optional)] invalid: Signal<bool>,
    /// `new-password` unless told (`current-password` for the one being replaced).
    #[prop(optional)]
    autocomplete: Option<&'static str>,
) -> impl IntoView {
    let shown = RwSignal::new(false);
    view! {
        <div class="field">
            <label class="field__label" for=id.clone()>{label.clone()}</label>
            <div class="password-field">
                <input
                    class="input"
                    id=id
                    name=name
                    type=move || if shown.get() { "text" } else { "password" }
                    autocomplete=autocomplete.unwrap_or("new-password")
                    required
                    aria-describedby=describedby
                    aria-invalid=move || invalid.get().to_string()
                    prop:value=move || value.get()
                    on:input=move |ev| value.set(event_target_value(&ev))
                />
                <button
                    type="button"
                    class="password-field__toggle icon-btn"
                    aria-label=move || if shown.get() { format!("Hide {}", label.to_lowercase()) } else { format!("Show {}", label.to_lowercase()) }
                    aria-pressed=move || shown.get().to_string()
                    on:click=move |_| shown.update(|s| *s = !*s)
                >
                    {move || if shown.get() { view! { <Svg icon=Icon::EyeOff/> } } else { view! { <Svg icon=Icon::Eye/> } }}
                </button>
            </div>
        </div>
    }
}

/// The rules as a live checklist, with the strength bar.
#[component]
pub fn PasswordChecklist(
    #[prop(into)] id: String,
    password: RwSignal<String>,
    who: PasswordContext,
) -> impl IntoView {
    let assessment = Memo::new(move |_| assess(&password.get(), &who));
    view! {
        <div class="strength" aria-live="polite">
            <div class="strength__bar" data-score=move || assessment.get().strength.score().to_string()>
                <span></span><span></span><span></span><span></span>
            </div>
            <span class="strength__label">
                "Strength: " {move || if password.get().is_empty() { "—" } else { assessment.get().strength.label() }}
            </span>
        </div>
        <ul class="checklist" id=id>
            {move || {
                assessment
                    .get()
                    .checks
                    .into_iter()
                    .map(|(rule, ok)| {
                        let state = if ok { "ok" } else { "bad" };
                        view! {
                            <li class=state data-rule=format!("{rule:?}")>
                                <span class="sr-only">{if ok { "Met: " } else { "Not met: " }}</span>
                                {rule.describe()}
                            </li>
                        }
                    })
                    .collect_view()
            }}
        </ul>
    }
}
