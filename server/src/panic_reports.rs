//! `POST /client-panic`: the browser build reports its panics here, so they reach the server
//! log. Anyone can call it, so it is built to be harmless: it never touches the database, reads
//! at most `panic_report::MAX_BYTES`, logs the text with control characters escaped, and is
//! rate-limited per client address (the client behind a trusted proxy, an IPv6 client by its
//! /64, as the other limits count them) and in total.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{ConnectInfo, DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use orgdesk_core::proxies::TrustedProxies;
use orgdesk_types::panic_report;

/// Reports accepted per client address, and from everyone together, per window.
const PER_ADDRESS: u32 = 5;
const IN_TOTAL: u32 = 60;
const WINDOW: Duration = Duration::from_secs(60);

#[derive(Default)]
struct Windows {
    started: Option<Instant>,
    total: u32,
    by_address: HashMap<String, u32>,
}

/// Fixed one-minute windows, in memory: a report is a log line, not state worth sharing
/// between instances.
#[derive(Clone, Default)]
pub struct PanicReportLimiter {
    windows: Arc<Mutex<Windows>>,
    proxies: TrustedProxies,
}

impl PanicReportLimiter {
    /// The client a request comes from, as every rate limit counts it.
    fn client(&self, peer: IpAddr, headers: &HeaderMap) -> String {
        let client = crate::web::client_addr(&self.proxies, peer, headers);
        orgdesk_core::rate_limit::address_bucket(&client.to_string())
    }

    fn admit(&self, from: String, now: Instant) -> bool {
        let Ok(mut w) = self.windows.lock() else {
            return false;
        };
        if w.started.is_none_or(|s| now.duration_since(s) >= WINDOW) {
            *w = Windows {
                started: Some(now),
                ..Windows::default()
            };
        }
        if w.total >= IN_TOTAL {
            return false;
        }
        let count = w.by_address.entry(from).or_insert(0);
        if *count >= PER_ADDRESS {
            return false;
        }
        *count += 1;
        w.total += 1;
        true
    }
}

pub fn routes<S: Clone + Send + Sync + 'static>(proxies: TrustedProxies) -> Router<S> {
    Router::new()
        .route(panic_report::PATH, post(receive))
        .layer(DefaultBodyLimit::max(panic_report::MAX_BYTES))
        .with_state(PanicReportLimiter {
            proxies,
            ..PanicReportLimiter::default()
        })
}

async fn receive(
    State(limiter): State<PanicReportLimiter>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let from = limiter.client(peer.ip(), &headers);
    if !limiter.admit(from, Instant::now()) {
        return StatusCode::TOO_MANY_REQUESTS;
    }
    let text = String::from_utf8_lossy(&body);
    tracing::error!(target: "client_panic", report = %loggable(&text), "a browser reported a panic");
    StatusCode::NO_CONTENT
}

/// One line, no control characters (no forged log lines), no reset tokens.
fn loggable(text: &str) -> String {
    let text = panic_report::truncate(text);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' => out.push_str(" | "),
            c if c.is_control() => out.extend(c.escape_default()),
            c => out.push(c),
        }
    }
    redact_reset_tokens(&out)
}

fn redact_reset_tokens(text: &str) -> String {
    const MARK: &str = "/reset-password/";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(MARK) {
        let (before, after) = rest.split_at(at + MARK.len());
        out.push_str(before);
        let token_len = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .unwrap_or(after.len());
        if let Some(after_mark) = after.strip_prefix("[token]") {
            out.push_str("[token]");
            rest = after_mark;
        } else {
            if token_len > 0 {
                out.push_str("[token]");
            }
            rest = &after[token_len..];
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_each_address_and_everyone() {
        let limiter = PanicReportLimiter::default();
        let t0 = Instant::now();
        let a = || "10.0.0.1".to_string();
        for _ in 0..PER_ADDRESS {
            assert!(limiter.admit(a(), t0));
        }
        assert!(!limiter.admit(a(), t0), "one address is capped");
        let mut admitted = PER_ADDRESS;
        for i in 0..=255u8 {
            if limiter.admit(format!("10.0.1.{i}"), t0) {
                admitted += 1;
            }
        }
        assert_eq!(admitted, IN_TOTAL, "everyone together is capped");
        assert!(
            limiter.admit(a(), t0 + WINDOW),
            "a new window starts afresh"
        );
    }

    #[test]
    fn counts_clients_as_the_other_limits_do() {
        let limiter = PanicReportLimiter {
            proxies: TrustedProxies::parse("127.0.0.1").unwrap(),
            ..PanicReportLimiter::default()
        };
        let forwarded = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert("x-forwarded-for", value.parse().unwrap());
            headers
        };
        let proxy: IpAddr = [127, 0, 0, 1].into();
        // Behind the trusted proxy: the client it names, not the proxy.
        assert_eq!(
            limiter.client(proxy, &forwarded("198.51.100.4")),
            "198.51.100.4"
        );
        // Anyone else's header is not believed.
        let stranger: IpAddr = [203, 0, 113, 9].into();
        assert_eq!(
            limiter.client(stranger, &forwarded("198.51.100.4")),
            "203.0.113.9"
        );
        // An IPv6 client is one /64, whichever address in it it picks.
        let v6 = |last: u16| IpAddr::from([0x2001, 0xdb8, 1, 2, 0, 0, 0, last]);
        assert_eq!(
            limiter.client(v6(1), &HeaderMap::new()),
            limiter.client(v6(2), &HeaderMap::new())
        );
    }

    #[test]
    fn log_text_is_one_line_without_tokens() {
        let text = "panicked at x.rs:1:2\nboom\u{1b}[31m\npage: /reset-password/AbC-12_x/cancel";
        assert_eq!(
            loggable(text),
            "panicked at x.rs:1:2 | boom\\u{1b}[31m | page: /reset-password/[token]/cancel"
        );
        assert_eq!(
            loggable("page: /reset-password/[token]"),
            "page: /reset-password/[token]"
        );
    }
}
