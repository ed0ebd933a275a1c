//! Formatting for people and for URLs, the same on the server and in wasm: thousands
//! separators, avatar initials, times of day, query strings, and cookie headers.

use chrono::{DateTime, Datelike, Timelike, Utc};

/// 12345 → "12,345".
pub fn group_thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A count and its noun: (1, "event", "events") → "1 event", 12345 → "12,345 events".
pub fn counted(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", group_thousands(n), if n == 1 { one } else { many })
}

/// Initials for avatars: "Jane Doe" → "JD".
pub fn initials(name: &str) -> String {
    name.split_whitespace()
        .filter_map(|w| w.chars().next())
        .take(2)
        .flat_map(char::to_uppercase)
        .collect()
}

// Times are written from their calendar fields rather than with chrono's `format`, so the
// browser's modules carry no format-string interpreter.

/// "14:05 UTC", or "2026-12-02 14:05 UTC" with the date.
pub fn utc_time(at: DateTime<Utc>, with_date: bool) -> String {
    let clock = format!("{:02}:{:02} UTC", at.hour(), at.minute());
    if with_date {
        format!("{} {clock}", iso_date(at))
    } else {
        clock
    }
}

/// "2026-12-02 14:05:09 UTC": a time to the second, for a title on hover.
pub fn utc_timestamp(at: DateTime<Utc>) -> String {
    format!(
        "{} {:02}:{:02}:{:02} UTC",
        iso_date(at),
        at.hour(),
        at.minute(),
        at.second()
    )
}

/// "2026-12-02T14:05:09Z": a `<time>`'s machine-readable `datetime`, to the second.
pub fn iso_timestamp(at: DateTime<Utc>) -> String {
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        iso_date(at),
        at.hour(),
        at.minute(),
        at.second()
    )
}

/// "Dec 2, 2026".
pub fn calendar_date(at: DateTime<Utc>) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = MONTHS[at.month0() as usize % 12];
    format!("{month} {}, {}", at.day(), at.year())
}

fn iso_date(at: DateTime<Utc>) -> String {
    format!("{:04}-{:02}-{:02}", at.year(), at.month(), at.day())
}

/// Percent-encodes `value` for a query string: everything but RFC 3986's unreserved
/// characters is escaped, byte by byte.
pub fn encode_value(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The value [`encode_value`] encoded; `None` for a malformed escape or bytes that aren't UTF-8.
pub fn decode_value(encoded: &str) -> Option<String> {
    let mut bytes = Vec::with_capacity(encoded.len());
    let mut rest = encoded.bytes();
    while let Some(b) = rest.next() {
        if b == b'%' {
            let hex = [rest.next()?, rest.next()?];
            if !hex.iter().all(u8::is_ascii_hexdigit) {
                return None;
            }
            bytes.push(u8::from_str_radix(std::str::from_utf8(&hex).ok()?, 16).ok()?);
        } else {
            bytes.push(b);
        }
    }
    String::from_utf8(bytes).ok()
}

/// The value of cookie `name` in a `Cookie` header (or `document.cookie`): `a=1; b=2`.
pub fn cookie_value<'a>(cookies: &'a str, name: &str) -> Option<&'a str> {
    cookies
        .split(';')
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
        .filter(|v| !v.is_empty())
}

/// `path` with `pairs` as its query string, each value encoded; just `path` when there are
/// none.
pub fn with_query<K: AsRef<str>, V: AsRef<str>>(path: &str, pairs: &[(K, V)]) -> String {
    if pairs.is_empty() {
        return path.to_string();
    }
    let qs = pairs
        .iter()
        .map(|(k, v)| format!("{}={}", k.as_ref(), encode_value(v.as_ref())))
        .collect::<Vec<_>>()
        .join("&");
    format!("{path}?{qs}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_of_a_thing_is_singular() {
        assert_eq!(counted(0, "event", "events"), "0 events");
        assert_eq!(counted(1, "event", "events"), "1 event");
        assert_eq!(counted(1_234, "user", "users"), "1,234 users");
    }

    #[test]
    fn reserved_and_non_ascii_characters_are_escaped() {
        assert_eq!(encode_value("jane.doe@acme.test"), "jane.doe%40acme.test");
        assert_eq!(encode_value("a b&c=d"), "a%20b%26c%3Dd");
        assert_eq!(encode_value("Zoë"), "Zo%C3%AB");
        for value in ["jane.doe@acme.test", "a b&c=d;e", "Zoë", ""] {
            assert_eq!(decode_value(&encode_value(value)).as_deref(), Some(value));
        }
        for malformed in ["%", "%4", "%zz", "%+5", "%FF"] {
            assert_eq!(decode_value(malformed), None, "{malformed}");
        }
    }

    #[test]
    fn finds_the_named_cookie_only() {
        let cookies = "orgdesk_session=abc; orgdesk_reset_prompt=jane%40acme.test; x=";
        assert_eq!(
            cookie_value(cookies, "orgdesk_reset_prompt"),
            Some("jane%40acme.test")
        );
        assert_eq!(cookie_value(cookies, "reset_prompt"), None);
        assert_eq!(cookie_value(cookies, "x"), None);
        assert_eq!(cookie_value("", "x"), None);
    }

    #[test]
    fn a_query_keeps_ampersands_inside_values() {
        let empty: [(&str, &str); 0] = [];
        assert_eq!(with_query("/activity", &empty), "/activity");
        assert_eq!(
            with_query("/activity", &[("q", "R&D team"), ("page", "2")]),
            "/activity?q=R%26D%20team&page=2"
        );
    }

    #[test]
    fn times_of_day_as_strftime_writes_them() {
        let at = DateTime::parse_from_rfc3339("2026-03-04T07:05:59Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(utc_time(at, false), at.format("%H:%M UTC").to_string());
        assert_eq!(
            utc_time(at, true),
            at.format("%Y-%m-%d %H:%M UTC").to_string()
        );
        assert_eq!(utc_time(at, true), "2026-03-04 07:05 UTC");
        assert_eq!(
            utc_timestamp(at),
            at.format("%Y-%m-%d %H:%M:%S UTC").to_string()
        );
        assert_eq!(
            iso_timestamp(at),
            at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        );
        assert_eq!(calendar_date(at), at.format("%b %-d, %Y").to_string());
        assert_eq!(calendar_date(at), "Mar 4, 2026");
        for month in 1..=12 {
            let first = DateTime::parse_from_rfc3339(&format!("2026-{month:02}-01T00:00:00Z"))
                .unwrap()
                .with_timezone(&Utc);
            assert_eq!(calendar_date(first), first.format("%b %-d, %Y").to_string());
        }
    }

    #[test]
    fn numbers_and_names() {
        assert_eq!(group_thousands(0), "0");
        assert_eq!(group_thousands(999), "999");
        assert_eq!(group_thousands(1_000), "1,000");
        assert_eq!(group_thousands(100_042), "100,042");
        assert_eq!(initials("jane van doe"), "JV");
        assert_eq!(initials(""), "");
    }
}
