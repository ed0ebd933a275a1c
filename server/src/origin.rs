//! Where requests may come from. Every request must name this server's public host (`Host`),
//! which defeats DNS rebinding of a loopback instance; every state-changing request must come
//! from its public origin (scheme, host and port), which defeats cross-site request forgery
//! beside the SameSite session cookie; and server functions take only the two bodies they
//! are written for (JSON from the hydrated app, a form from the no-JavaScript pages).

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The public origin, from `ORGDESK_PUBLIC_URL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginPolicy {
    /// `scheme://host[:port]`, lower case, default port left out: what browsers send as Origin.
    origin: String,
    /// `host[:port]`: what browsers send as Host.
    host: String,
}

/// Why a request was turned away (the body of the 4xx answer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    WrongHost,
    CrossSite,
    UnsupportedBody,
}

impl OriginPolicy {
    pub fn from_public_url(url: &str) -> Result<OriginPolicy, String> {
        let bad = || format!("ORGDESK_PUBLIC_URL={url:?}: use e.g. https://orgdesk.example.com");
        let (scheme, rest) = url.split_once("://").ok_or_else(bad)?;
        let scheme = scheme.to_ascii_lowercase();
        let default_port = match scheme.as_str() {
            "http" => "80",
            "https" => "443",
            _ => return Err(bad()),
        };
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        if authority.is_empty() || authority.contains('@') {
            return Err(bad());
        }
        let authority = authority.to_ascii_lowercase();
        let host = match authority.rsplit_once(':') {
            Some((h, port)) if port == default_port => h.to_owned(),
            _ => authority,
        };
        Ok(OriginPolicy {
            origin: format!("{scheme}://{host}"),
            host,
        })
    }

    /// Checks one request's headers; `Ok` lets it through.
    pub fn check(&self, method: &Method, path: &str, headers: &HeaderMap) -> Result<(), Refusal> {
        // Load balancers probe health by address, not by name.
        if path != "/healthz" {
            let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
            if !host.is_some_and(|h| h.eq_ignore_ascii_case(&self.host)) {
                return Err(Refusal::WrongHost);
            }
        }
        if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
            return Ok(());
        }
        // The automation API takes bearer tokens only, never the session cookie, so no other
        // site can ride a session there; it checks its own bodies. (A browser on another site
        // can't even send the token: the API answers no CORS preflight.)
        if path.starts_with("/api/v1/") {
            return Ok(());
        }
        let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let fetch_site = text("sec-fetch-site");
        match text("origin") {
            Some(origin) if origin.eq_ignore_ascii_case(&self.origin) => {}
            // A page served with `Referrer-Policy: no-referrer` (the reset and cancel pages)
            // makes the browser send `Origin: null` even for its own forms. Only the browser
            // itself can set Sec-Fetch-Site, so it vouches for those.
            Some("null") if fetch_site == Some("same-origin") => {}
            Some(_) => return Err(Refusal::CrossSite),
            None => {
                let vouched = fetch_site == Some("same-origin");
                // A client that isn't a browser (no Sec-Fetch-*) and sends no cookie can't be
                // riding anyone's session.
                let cookieless_tool = fetch_site.is_none() && !headers.contains_key(header::COOKIE);
                if !(vouched || cookieless_tool) {
                    return Err(Refusal::CrossSite);
                }
            }
        }
        if path.starts_with("/api/") {
            let content_type = text("content-type")
                .and_then(|c| c.split(';').next())
                .map(|c| c.trim().to_ascii_lowercase());
            if !matches!(
                content_type.as_deref(),
                Some("application/json" | "application/x-www-form-urlencoded")
            ) {
                return Err(Refusal::UnsupportedBody);
            }
        }
        Ok(())
    }
}

impl OriginPolicy {
    fn refuse(&self, refusal: Refusal) -> Response {
        let policy = self;
        match refusal {
            Refusal::WrongHost => (
                StatusCode::MISDIRECTED_REQUEST,
                format!(
                    "This Orgdesk answers at {} (ORGDESK_PUBLIC_URL).",
                    policy.origin
                ),
            )
                .into_response(),
            Refusal::CrossSite => {
                (StatusCode::FORBIDDEN, "Cross-site request refused.").into_response()
            }
            Refusal::UnsupportedBody => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Send application/json or a form (application/x-www-form-urlencoded).",
            )
                .into_response(),
        }
    }
}

pub async fn enforce(
    State(policy): State<OriginPolicy>,
    req: Request<Body>,
    next: Next,
) -> Response {
    match policy.check(req.method(), req.uri().path(), req.headers()) {
        Ok(()) => next.run(req).await,
        Err(refusal) => {
            tracing::info!(method = %req.method(), path = %crate::web::redact(req.uri().path()), ?refusal, "request refused");
            policy.refuse(refusal)
        }
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn policy(url: &str) -> OriginPolicy {
        OriginPolicy::from_public_url(url).unwrap()
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn the_public_url_gives_origin_and_host() {
        let p = policy("https://Orgdesk.Example.com:443/base/");
        assert_eq!(
            (p.origin.as_str(), p.host.as_str()),
            ("https://orgdesk.example.com", "orgdesk.example.com")
        );
        let p = policy("http://127.0.0.1:3000");
        assert_eq!(
            (p.origin.as_str(), p.host.as_str()),
            ("http://127.0.0.1:3000", "127.0.0.1:3000")
        );
        let p = policy("http://[::1]:8080");
        assert_eq!(p.host, "[::1]:8080");
        for bad in [
            "orgdesk.example.com",
            "ftp://x",
            "https://",
            "https://user@x",
        ] {
            assert!(OriginPolicy::from_public_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn host_must_be_the_public_one() {
        let p = policy("http://127.0.0.1:3000");
        let get = Method::GET;
        assert_eq!(
            p.check(&get, "/users", &headers(&[("host", "127.0.0.1:3000")])),
            Ok(())
        );
        assert_eq!(
            p.check(&get, "/users", &headers(&[("host", "evil.test:3000")])),
            Err(Refusal::WrongHost)
        );
        assert_eq!(
            p.check(&get, "/users", &headers(&[])),
            Err(Refusal::WrongHost)
        );
        assert_eq!(
            p.check(&get, "/healthz", &headers(&[("host", "10.0.0.7")])),
            Ok(())
        );
    }

    #[test]
    fn writes_must_come_from_the_public_origin() {
        let p = policy("https://orgdesk.example.com");
        let base = [
            ("host", "orgdesk.example.com"),
            ("content-type", "application/json"),
        ];
        let cross = Err(Refusal::CrossSite);
        type Headers = &'static [(&'static str, &'static str)];
        let cases: &[(Headers, Result<(), Refusal>, &str)] = &[
            (
                &[("origin", "https://orgdesk.example.com")],
                Ok(()),
                "the public origin",
            ),
            (
                &[("origin", "http://orgdesk.example.com")],
                cross.clone(),
                "scheme counts",
            ),
            (
                &[("origin", "https://orgdesk.example.com:8443")],
                cross.clone(),
                "port counts",
            ),
            (
                &[("origin", "https://evil.test")],
                cross.clone(),
                "another site",
            ),
            (&[("origin", "null")], cross.clone(), "null alone"),
            (
                &[("origin", "null"), ("sec-fetch-site", "cross-site")],
                cross.clone(),
                "null, cross-site",
            ),
            (
                &[("origin", "null"), ("sec-fetch-site", "same-origin")],
                Ok(()),
                "null from a no-referrer page of ours",
            ),
            (
                &[("cookie", "orgdesk_session=x")],
                cross.clone(),
                "no Origin with a cookie",
            ),
            (
                &[("sec-fetch-site", "same-site")],
                cross.clone(),
                "a sibling site",
            ),
            (
                &[("sec-fetch-site", "same-origin"), ("cookie", "x=y")],
                Ok(()),
                "the browser vouches",
            ),
            (&[], Ok(()), "a cookieless tool"),
        ];
        for (extra, expected, why) in cases {
            let mut h = headers(&base);
            for (k, v) in *extra {
                h.append(*k, HeaderValue::from_static(v));
            }
            assert_eq!(
                &p.check(&Method::POST, "/api/sign_in", &h),
                expected,
                "{why}"
            );
        }
    }

    #[test]
    fn server_functions_take_json_or_a_form() {
        let p = policy("http://127.0.0.1:3000");
        let base = [
            ("host", "127.0.0.1:3000"),
            ("origin", "http://127.0.0.1:3000"),
        ];
        let with = |ct: &'static str| {
            let mut h = headers(&base);
            h.insert("content-type", HeaderValue::from_static(ct));
            p.check(&Method::POST, "/api/admin_reset_passwords", &h)
        };
        assert_eq!(with("application/json"), Ok(()));
        assert_eq!(with("application/x-www-form-urlencoded"), Ok(()));
        assert_eq!(
            with("text/plain;charset=UTF-8"),
            Err(Refusal::UnsupportedBody)
        );
        assert_eq!(
            with("multipart/form-data; boundary=x"),
            Err(Refusal::UnsupportedBody)
        );
        assert_eq!(
            p.check(&Method::POST, "/api/x", &headers(&base)),
            Err(Refusal::UnsupportedBody)
        );
        // Outside /api the body type is the route's business (the panic report is text).
        let mut h = headers(&base);
        h.insert("content-type", HeaderValue::from_static("text/plain"));
        assert_eq!(p.check(&Method::POST, "/client-panic", &h), Ok(()));
    }
}
