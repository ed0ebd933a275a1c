//! A fieldset of checkboxes, each naming a machine value (a scope, an event type) with a line
//! saying what it means: Settings → API tokens' scopes and Settings → Webhooks' events.

use leptos::prelude::*;

/// One checkbox: the form field it sets, the value shown in code type, and what it means.
pub struct Choice {
    pub field: String,
    pub code: &'static str,
    pub description: &'static str,
}

#[component]
pub fn ChoiceList(
    /// The fieldset's legend.
    legend: &'static str,
    /// Prefixes each checkbox's `id`, unique on the page.
    id_prefix: &'static str,
    choices: Vec<Choice>,
) -> impl IntoView {
    view! {
        <fieldset class="field scope-list">
            <legend class="field__label">{legend}</legend>
            {choices.into_iter().map(|choice| {
                let id = format!("{id_prefix}_{}", choice.field);
                let label_for = id.clone();
                view! {
                    <label class="scope" for=label_for>
                        <input type="checkbox" id=id name=choice.field/>
                        <span>
                            <code class="code">{choice.code}</code>
                            <span class="scope__desc">{choice.description}</span>
                        </span>
                    </label>
                }
            }).collect_view()}
        </fieldset>
    }
}
