//! A labelled text input bound to a signal: the people dialogs' Name, Email, Title and
//! Department.

use leptos::prelude::*;

#[component]
pub fn TextField(
    /// The input's id, which its label points at.
    id: &'static str,
    /// The form field's name.
    name: &'static str,
    label: &'static str,
    value: RwSignal<String>,
    /// Marked "(optional)" beside its label; otherwise the input is `required`.
    #[prop(optional)]
    optional: bool,
    /// The field a dialog focuses first.
    #[prop(optional)]
    autofocus: bool,
    /// `text` unless told (`email`).
    #[prop(default = "text")]
    input_type: &'static str,
) -> impl IntoView {
    view! {
        <div class="field">
            <label class="field__label" for=id>
                {label}
                {optional.then(|| view! { " " <span class="muted">"(optional)"</span> })}
            </label>
            <input class="input" id=id name=name type=input_type autocomplete="off"
                required=!optional data-autofocus=autofocus.then_some("")
                prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev))/>
        </div>
    }
}
