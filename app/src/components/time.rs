//! Times as people read them: "3 hours ago", with the exact time on hover.

use chrono::{DateTime, Utc};
use leptos::prelude::*;

/// Relative to `now` (the page's render time, so server and browser agree on hydration).
pub fn relative(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let secs = (now - at).num_seconds();
    let future = secs < 0;
    let s = secs.unsigned_abs();
    let words = match s {
        0..=44 => return "just now".into(),
        45..=89 => "1 minute".to_string(),
        90..=3_599 => format!("{} minutes", s.div_ceil(60).clamp(2, 59)),
        3_600..=5_399 => "1 hour".to_string(),
        5_400..=86_399 => format!("{} hours", (s + 1_800) / 3_600),
        86_400..=172_799 => {
            return if future {
                "tomorrow".into()
            } else {
                "yesterday".into()
            }
        }
        172_800..=2_591_999 => format!("{} days", s / 86_400),
        2_592_000..=31_535_999 => format!("{} months", (s / 2_592_000).max(1)),
        _ => format!("{} years", s / 31_536_000),
    };
    if future {
        format!("in {words}")
    } else {
        format!("{words} ago")
    }
}

/// The exact time, to the second: "2026-12-02 14:05:09 UTC".
pub fn exact(at: DateTime<Utc>) -> String {
    crate::format::utc_timestamp(at)
}

/// A `<time>` with relative text and the exact time as its title.
#[component]
pub fn RelativeTime(at: DateTime<Utc>, now: DateTime<Utc>) -> impl IntoView {
    view! { <time datetime=at.to_rfc3339() title=exact(at)>{relative(at, now)}</time> }
}
