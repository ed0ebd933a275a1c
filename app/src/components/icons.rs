//! Small inline SVG icons (16 px, stroked with currentColor). Decorative: `aria-hidden`, the
//! surrounding button carries the accessible name.

use leptos::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Icon {
    Kebab,
    Search,
    Check,
    Warning,
    Mail,
    Key,
    Users,
    Activity,
    Settings,
    Close,
    ChevronLeft,
    ChevronRight,
    Eye,
    EyeOff,
    Info,
    Laptop,
    SignOut,
}

impl Icon {
    /// The icon's shapes, inside a 16 × 16 view box. Markup from this file only, never from
    /// input: it is written into the page as it is (`inner_html`), so that every icon is the
    /// same view for Leptos, not one view type, with its own code, per icon.
    fn shapes(self) -> &'static str {
        match self {
            Icon::Kebab => {
                r#"<circle cx="8" cy="3" r="1.25" fill="currentColor" stroke="none"/><circle cx="8" cy="8" r="1.25" fill="currentColor" stroke="none"/><circle cx="8" cy="13" r="1.25" fill="currentColor" stroke="none"/>"#
            }
            Icon::Search => r#"<circle cx="7" cy="7" r="4.5"/><path d="M10.5 10.5 14 14"/>"#,
            Icon::Check => r#"<path d="M3 8.5 6.5 12 13 4.5"/>"#,
            Icon::Warning => {
                r#"<path d="M8 1.75 15 14H1L8 1.75Z"/><path d="M8 6v3.5M8 11.75v.25"/>"#
            }
            Icon::Mail => {
                r#"<rect x="1.75" y="3.25" width="12.5" height="9.5" rx="1.5"/><path d="m2 4 6 5 6-5"/>"#
            }
            Icon::Key => r#"<circle cx="5" cy="11" r="3"/><path d="m7.2 8.8 6.3-6.3M11 5l2 2"/>"#,
            Icon::Users => {
                r#"<circle cx="6" cy="5.5" r="2.5"/><path d="M1.5 14c.5-2.6 2.3-4 4.5-4s4 1.4 4.5 4"/><path d="M10.5 3.2a2.5 2.5 0 0 1 0 4.6M12 10.2c1.3.5 2.2 1.8 2.5 3.8"/>"#
            }
            Icon::Activity => r#"<path d="M1.5 8h3l2-5 3 10 2-5h3"/>"#,
            Icon::Settings => {
                r#"<circle cx="8" cy="8" r="2.25"/><path d="M8 1.5v2M8 12.5v2M1.5 8h2M12.5 8h2M3.4 3.4l1.4 1.4M11.2 11.2l1.4 1.4M3.4 12.6l1.4-1.4M11.2 4.8l1.4-1.4"/>"#
            }
            Icon::Close => r#"<path d="m4 4 8 8M12 4l-8 8"/>"#,
            Icon::ChevronLeft => r#"<path d="M10 3 5 8l5 5"/>"#,
            Icon::ChevronRight => r#"<path d="m6 3 5 5-5 5"/>"#,
            Icon::Eye => {
                r#"<path d="M1 8s2.5-5 7-5 7 5 7 5-2.5 5-7 5-7-5-7-5Z"/><circle cx="8" cy="8" r="2"/>"#
            }
            Icon::EyeOff => {
                r#"<path d="M2 2l12 12M6.6 3.2A7 7 0 0 1 8 3c4.5 0 7 5 7 5a12 12 0 0 1-1.8 2.4M4.2 4.3C2.2 5.6 1 8 1 8s2.5 5 7 5c1.2 0 2.3-.3 3.2-.8"/>"#
            }
            Icon::Info => r#"<circle cx="8" cy="8" r="6.5"/><path d="M8 7v4.5M8 4.75V5"/>"#,
            Icon::Laptop => {
                r#"<rect x="3" y="3" width="10" height="7" rx="1"/><path d="M1 13h14"/>"#
            }
            Icon::SignOut => {
                r#"<path d="M6 2.5H3.5a1 1 0 0 0-1 1v9a1 1 0 0 0 1 1H6M10.5 11 13.5 8l-3-3M13.5 8H6"/>"#
            }
        }
    }
}

#[component]
pub fn Svg(icon: Icon, #[prop(optional, into)] class: Option<&'static str>) -> impl IntoView {
    view! {
        <svg
            class=class.unwrap_or("icon")
            width="16"
            height="16"
            viewBox="0 0 16 16"
            fill="none"
            stroke="currentColor"
            stroke-width="1.5"
            stroke-linecap="round"
            stroke-linejoin="round"
            aria-hidden="true"
            focusable="false"
            inner_html=icon.shapes()
        ></svg>
    }
}
