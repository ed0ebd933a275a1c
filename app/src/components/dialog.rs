//! Modal dialogs: `role="dialog"` + `aria-modal`, focus starts on the safe choice, Tab stays
//! inside, Escape closes, and focus returns to whatever opened it.

use leptos::ev::KeyboardEvent;
use leptos::html;
use leptos::prelude::*;

use super::focus;
use super::icons::{Icon, Svg};

/// The frame every dialog shares. The element marked `data-autofocus` gets focus first.
#[component]
pub fn Modal(
    #[prop(into)] title_id: String,
    /// Called on Escape or a backdrop click, unless `busy`.
    on_close: Callback<()>,
    #[prop(optional)] busy: Signal<bool>,
    /// Room for a table (the import preview).
    #[prop(optional)]
    wide: bool,
    children: Children,
) -> impl IntoView {
    let dialog = NodeRef::<html::Div>::new();
    let opener = StoredValue::new_local(None::<web_sys::HtmlElement>);

    Effect::new(move || {
        if let Some(d) = dialog.get() {
            if opener.with_value(Option::is_none) {
                opener.set_value(focus::active_element());
            }
            // A dialog opened from an async continuation (the bulk result) may not be in the
            // document yet, and focusing a detached element does nothing: wait for the frame.
            request_animation_frame(move || {
                match d.query_selector("[data-autofocus]").ok().flatten() {
                    Some(el) => {
                        use wasm_bindgen::JsCast;
                        if let Ok(el) = el.dyn_into::<web_sys::HtmlElement>() {
                            let _ = el.focus();
                        }
                    }
                    None => focus::move_focus(&d, focus::TABBABLE, i32::MIN),
                }
            });
        }
    });
    // Focus goes back to the opener. If what the dialog did re-rendered the opener (a reset
    // refreshes the profile sidebar, Three Dots button included), its successor with the same
    // id takes focus once it is in the page.
    on_cleanup(move || {
        let Some(el) = opener.try_get_value().flatten() else {
            return;
        };
        if el.is_connected() {
            let _ = el.focus();
            return;
        }
        let id = el.id();
        if !id.is_empty() {
            focus::focus_id_when_present(id);
        }
    });

    let on_keydown = move |ev: KeyboardEvent| match ev.key().as_str() {
        "Escape" => {
            ev.prevent_default();
            ev.stop_propagation();
            if !busy.get_untracked() {
                on_close.run(());
            }
        }
        "Tab" => {
            if let Some(d) = dialog.get_untracked() {
                if focus::trap_tab(&d, ev.shift_key()) {
                    ev.prevent_default();
                }
            }
        }
        _ => {}
    };

    view! {
        <div
            class="dialog-backdrop"
            on:click=move |ev| {
                use wasm_bindgen::JsCast;
                let on_backdrop = ev
                    .target()
                    .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                    .map(|t| t.class_list().contains("dialog-backdrop"))
                    .unwrap_or(false);
                if on_backdrop && !busy.get_untracked() {
                    on_close.run(());
                }
            }
        >
            <div
                class="dialog"
                class:dialog--wide=wide
                role="dialog"
                aria-modal="true"
                aria-labelledby=title_id
                node_ref=dialog
                on:keydown=on_keydown
            >
                {children()}
            </div>
        </div>
    }
}

/// "Reset password for Jane Doe?": what will happen, Cancel (focused first) and the danger
/// button.
#[component]
pub fn ConfirmDialog(
    #[prop(into)] title: String,
    #[prop(into)] intro: String,
    consequences: Vec<String>,
    confirm_label: &'static str,
    pending_label: &'static str,
    pending: Signal<bool>,
    on_confirm: Callback<()>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    view! {
        <Modal title_id="confirm-title" on_close=on_cancel busy=pending>
            <div class="dialog__icon"><Svg icon=Icon::Key/></div>
            <h2 class="dialog__title" id="confirm-title">{title}</h2>
            <p class="dialog__body">{intro}</p>
            <ul class="dialog__list">
                {consequences.into_iter().map(|c| view! { <li>{c}</li> }).collect_view()}
            </ul>
            <div class="dialog__actions">
                <button
                    type="button"
                    class="btn"
                    data-autofocus
                    disabled=move || pending.get()
                    on:click=move |_| on_cancel.run(())
                >
                    "Cancel"
                </button>
                <button
                    type="button"
                    class="btn btn--danger"
                    aria-busy=move || pending.get().to_string()
                    disabled=move || pending.get()
                    on:click=move |_| on_confirm.run(())
                >
                    <Show when=move || pending.get()>
                        <span class="spinner" aria-hidden="true"></span>
                    </Show>
                    {move || if pending.get() { pending_label } else { confirm_label }}
                </button>
            </div>
        </Modal>
    }
}
