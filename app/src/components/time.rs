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

/// A moment that has happened (a sign-in, an event), relative to `now`: a time ahead of it,
/// which only a clock ahead of this one can have written (the server's, when the browser's is
/// slow), reads "just now" rather than "in 2 minutes".
pub fn relative_past(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    relative(at.min(now), now)
}

/// A `<time>` with relative text and the exact time as its title; `past` for a moment that
/// has happened ([`relative_past`]), rather than one to come (a link's expiry).
#[component]
pub fn RelativeTime(
    at: DateTime<Utc>,
    now: DateTime<Utc>,
    #[prop(optional)] past: bool,
) -> impl IntoView {
    let text = if past {
        relative_past(at, now)
    } else {
        relative(at, now)
    };
    view! { <time datetime=crate::format::iso_timestamp(at) title=exact(at)>{text}</time> }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn a_moment_past_never_reads_as_to_come() {
        let now = Utc::now();
        assert_eq!(relative(now - Duration::minutes(3), now), "3 minutes ago");
        assert_eq!(relative(now + Duration::minutes(15), now), "in 15 minutes");
        assert_eq!(relative_past(now + Duration::minutes(15), now), "just now");
        assert_eq!(relative_past(now - Duration::hours(3), now), "3 hours ago");
    }
}
