//! A secret shown once (a new API token, a webhook's signing secret): selected on focus, with
//! a Copy button.

use leptos::prelude::*;

use crate::components::icons::{Icon, Svg};

#[component]
pub fn OneTimeSecret(
    #[prop(into)] title: String,
    /// The field's accessible name.
    label: &'static str,
    secret: String,
) -> impl IntoView {
    let copied = RwSignal::new(false);
    let to_copy = secret.clone();
    view! {
        <div class="alert alert--success token-secret" role="status">
            <Svg icon=Icon::Check/>
            <div class="alert__body">
                <div class="alert__title">{title}</div>
                <div class="token-secret__row">
                    <input class="input token-secret__value" type="text" readonly value=secret aria-label=label
                        on:focus=|ev| {
                            use wasm_bindgen::JsCast;
                            if let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) {
                                input.select();
                            }
                        }/>
                    <button type="button" class="btn btn--sm" on:click=move |_| {
                        copy_text(&to_copy);
                        copied.set(true);
                    }>{move || if copied.get() { "Copied" } else { "Copy" }}</button>
                </div>
            </div>
        </div>
    }
}

/// `navigator.clipboard.writeText(text)`, looked up at run time.
fn copy_text(text: &str) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let clipboard = js_sys::Reflect::get(&window.navigator(), &"clipboard".into());
    if let Ok(clipboard) = clipboard {
        use wasm_bindgen::JsCast;
        if let Ok(write) = js_sys::Reflect::get(&clipboard, &"writeText".into())
            .and_then(|f| f.dyn_into::<js_sys::Function>())
        {
            let _ = write.call1(&clipboard, &text.into());
        }
    }
}
