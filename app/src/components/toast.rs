//! Toasts: short confirmations bottom-right, in a polite live region.

use std::time::Duration;

use leptos::prelude::*;

use super::icons::{Icon, Svg};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToastKind {
    Success,
    Error,
    Info,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Toast {
    id: u64,
    kind: ToastKind,
    text: String,
}

/// Handed out through context by `provide_toasts`.
#[derive(Clone, Copy)]
pub struct Toasts {
    list: RwSignal<Vec<Toast>>,
    next: StoredValue<u64>,
}

impl Toasts {
    pub fn show(&self, kind: ToastKind, text: impl Into<String>) {
        let Some(id) = self.next.try_get_value() else {
            return;
        };
        self.next.try_set_value(id + 1);
        self.list.try_update(|l| {
            l.push(Toast {
                id,
                kind,
                text: text.into(),
            })
        });
        let list = self.list;
        set_timeout(
            // The region can be gone by then (a page without toasts): nothing to remove.
            move || {
                list.try_update(|l| l.retain(|t| t.id != id));
            },
            Duration::from_secs(6),
        );
    }
    pub fn success(&self, text: impl Into<String>) {
        self.show(ToastKind::Success, text)
    }
    pub fn error(&self, text: impl Into<String>) {
        self.show(ToastKind::Error, text)
    }
    fn dismiss(&self, id: u64) {
        self.list.try_update(|l| l.retain(|t| t.id != id));
    }
}

pub fn provide_toasts() -> Toasts {
    let toasts = Toasts {
        list: RwSignal::new(Vec::new()),
        next: StoredValue::new(0),
    };
    provide_context(toasts);
    toasts
}

pub fn use_toasts() -> Toasts {
    use_context::<Toasts>().unwrap_or_else(provide_toasts)
}

#[component]
pub fn ToastRegion() -> impl IntoView {
    let toasts = use_toasts();
    view! {
        <div class="toasts" role="status" aria-live="polite">
            <For each=move || toasts.list.get() key=|t| t.id let:toast>
                {
                    let (class, icon) = match toast.kind {
                        ToastKind::Success => ("toast toast--success", Icon::Check),
                        ToastKind::Error => ("toast toast--error", Icon::Warning),
                        ToastKind::Info => ("toast toast--info", Icon::Info),
                    };
                    let id = toast.id;
                    view! {
                        <div class=class>
                            <Svg icon=icon/>
                            <span class="toast__text">{toast.text}</span>
                            <button class="icon-btn" aria-label="Dismiss" on:click=move |_| toasts.dismiss(id)>
                                <Svg icon=Icon::Close/>
                            </button>
                        </div>
                    }
                }
            </For>
        </div>
    }
}
