//! Keyboard focus helpers for menus and dialogs (browser only; no-ops on the server).

use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement};

fn focusables(root: &Element, selector: &str) -> Vec<HtmlElement> {
    let Ok(list) = root.query_selector_all(selector) else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|i| list.item(i))
        .filter_map(|n| n.dyn_into::<HtmlElement>().ok())
        .filter(|e| !e.has_attribute("disabled"))
        .collect()
}

pub fn active_element() -> Option<HtmlElement> {
    web_sys::window()?
        .document()?
        .active_element()?
        .dyn_into::<HtmlElement>()
        .ok()
}

/// Moves focus among `selector` matches inside `root`: +1 next, -1 previous (wrapping),
/// `i32::MIN` first, `i32::MAX` last.
pub fn move_focus(root: &Element, selector: &str, step: i32) {
    let items = focusables(root, selector);
    if items.is_empty() {
        return;
    }
    let n = items.len() as i32;
    let current = active_element()
        .and_then(|a| items.iter().position(|e| *e == a))
        .map(|i| i as i32);
    let next = match (step, current) {
        (i32::MIN, _) => 0,
        (i32::MAX, _) => n - 1,
        (s, Some(c)) => (c + s).rem_euclid(n),
        (s, None) if s < 0 => n - 1,
        (_, None) => 0,
    };
    let _ = items[next as usize].focus();
}

pub const TABBABLE: &str =
    "button:not([disabled]), [href], input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex='-1'])";

/// Keeps Tab inside `root` (a modal): returns true when it moved focus itself.
pub fn trap_tab(root: &Element, backwards: bool) -> bool {
    let items = focusables(root, TABBABLE);
    let (Some(first), Some(last)) = (items.first(), items.last()) else {
        return false;
    };
    let active = active_element();
    let outside = active
        .as_ref()
        .map(|a| !root.contains(Some(a)))
        .unwrap_or(true);
    if backwards && active.as_ref() == Some(first) {
        let _ = last.focus();
        true
    } else if (!backwards && active.as_ref() == Some(last)) || outside {
        let _ = first.focus();
        true
    } else {
        false
    }
}

/// Focuses the element matching `selector` anywhere in the document.
pub fn focus_selector(selector: &str) {
    if let Some(el) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector(selector).ok().flatten())
        .and_then(|e| e.dyn_into::<HtmlElement>().ok())
    {
        let _ = el.focus();
    }
}

/// Focuses the element with `id` as soon as it is in the document, checking once per animation
/// frame for up to about two seconds (a panel that re-renders after a server round trip).
/// Gives up early if the user has put focus somewhere else meanwhile.
pub fn focus_id_when_present(id: String) {
    fn attempt(id: String, frames_left: u32) {
        let document = web_sys::window().and_then(|w| w.document());
        let Some(document) = document else {
            return;
        };
        let focus_is_lost = active_element()
            .map(|a| a.tag_name() == "BODY")
            .unwrap_or(true);
        if !focus_is_lost {
            return;
        }
        match document
            .get_element_by_id(&id)
            .and_then(|e| e.dyn_into::<HtmlElement>().ok())
        {
            Some(el) => {
                let _ = el.focus();
            }
            None if frames_left > 0 => {
                leptos::prelude::request_animation_frame(move || attempt(id, frames_left - 1))
            }
            None => {}
        }
    }
    leptos::prelude::request_animation_frame(move || attempt(id, 120));
}
