//! The Three Dots (kebab) dropdown: `role="menu"`, arrow keys move, Enter selects, Escape
//! closes and returns focus to the button.

use leptos::ev::{FocusEvent, KeyboardEvent};
use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::focus;
use super::icons::{Icon, Svg};

#[derive(Clone)]
pub struct MenuItem {
    pub label: &'static str,
    pub icon: Icon,
    pub danger: bool,
    pub on_select: Callback<()>,
}

impl MenuItem {
    pub fn new(
        label: &'static str,
        icon: Icon,
        on_select: impl Fn() + Send + Sync + 'static,
    ) -> Self {
        MenuItem {
            label,
            icon,
            danger: false,
            on_select: Callback::new(move |_| on_select()),
        }
    }
    pub fn danger(mut self) -> Self {
        self.danger = true;
        self
    }
}

/// A kebab button with its menu. `label` is the button's accessible name
/// ("More actions for Jane Doe"); `items` is re-read each time the menu opens.
#[component]
pub fn KebabMenu(
    #[prop(into)] label: String,
    items: Signal<Vec<MenuItem>>,
    #[prop(optional, into)] button_id: Option<String>,
    #[prop(optional)] disabled: Signal<bool>,
) -> impl IntoView {
    let open = RwSignal::new(false);
    let anchor = NodeRef::<html::Div>::new();
    let button = NodeRef::<html::Button>::new();
    let menu = NodeRef::<html::Div>::new();

    // Focus the first item once the menu is in the DOM.
    Effect::new(move || {
        if open.get() {
            if let Some(m) = menu.get() {
                focus::move_focus(&m, "[role=menuitem]", i32::MIN);
            }
        }
    });

    // Everything below may run after the menu is gone: the browser fires `focusout` while it
    // removes a focused menu (the selection bar unmounts when a bulk reset clears the
    // selection), and a chosen item can unmount its own menu. Hence the `try_` accessors.
    let close_to_button = move || {
        open.try_set(false);
        if let Some(b) = button.try_get_untracked().flatten() {
            let _ = b.focus();
        }
    };

    let on_keydown = move |ev: KeyboardEvent| {
        let Some(m) = menu.try_get_untracked().flatten() else {
            return;
        };
        let step = match ev.key().as_str() {
            "ArrowDown" => 1,
            "ArrowUp" => -1,
            "Home" => i32::MIN,
            "End" => i32::MAX,
            "Escape" => {
                ev.prevent_default();
                ev.stop_propagation();
                close_to_button();
                return;
            }
            "Tab" => {
                open.try_set(false);
                return;
            }
            _ => return,
        };
        ev.prevent_default();
        focus::move_focus(&m, "[role=menuitem]", step);
    };

    // Clicking or tabbing anywhere outside closes the menu.
    let on_focusout = move |ev: FocusEvent| {
        let inside = match (anchor.try_get_untracked().flatten(), ev.related_target()) {
            (Some(a), Some(t)) => t
                .dyn_ref::<web_sys::Node>()
                .map(|n| a.contains(Some(n)))
                .unwrap_or(false),
            _ => false,
        };
        if !inside {
            open.try_set(false);
        }
    };

    let on_button_keydown = move |ev: KeyboardEvent| {
        if matches!(ev.key().as_str(), "ArrowDown" | "ArrowUp") {
            ev.prevent_default();
            open.try_set(true);
        }
    };

    view! {
        <div class="menu-anchor" node_ref=anchor on:focusout=on_focusout>
            <button
                type="button"
                class="icon-btn"
                id=button_id
                node_ref=button
                aria-label=label
                aria-haspopup="menu"
                aria-expanded=move || open.get().to_string()
                disabled=move || disabled.get()
                on:click=move |_| {
                    open.try_update(|o| *o = !*o);
                }
                on:keydown=on_button_keydown
            >
                <Svg icon=Icon::Kebab/>
            </button>
            <Show when=move || open.get()>
                <div class="menu" role="menu" node_ref=menu on:keydown=on_keydown>
                    {move || {
                        items
                            .get()
                            .into_iter()
                            .map(|item| {
                                let class = if item.danger { "menu__item menu__item--danger" } else { "menu__item" };
                                let run = item.on_select;
                                view! {
                                    <button
                                        type="button"
                                        class=class
                                        role="menuitem"
                                        tabindex="-1"
                                        on:click=move |_| {
                                            close_to_button();
                                            run.run(());
                                        }
                                    >
                                        <Svg icon=item.icon class="menu__icon"/>
                                        <span>{item.label}</span>
                                    </button>
                                }
                            })
                            .collect_view()
                    }}
                </div>
            </Show>
        </div>
    }
}
