//! The webhook delivery worker: drains the core's webhook deliveries (written in the same
//! transaction as the change each event describes) by POSTing them, signed, to their
//! endpoints over HTTPS (plain HTTP only to loopback). Every instance runs one; claims are
//! leased, so a crashed worker's deliveries come back. Any answer but 2xx, and any connection
//! trouble or timeout, is retried with the core's backoff for a day.
//!
//! It also announces reset links that expired unused (`reset.link_expired`), every half
//! minute.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::stream::{self, StreamExt};
use orgdesk_core::webhooks::{signature, OutboundWebhook};
use orgdesk_core::{Core, FailedAttempt};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio_rustls::rustls::pki_types::ServerName;
use tokio_rustls::rustls::ClientConfig;
use tokio_rustls::TlsConnector;
use tracing::{error, info, warn};

/// What one pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct WebhookPass {
    pub claimed: usize,
    pub delivered: usize,
    pub will_retry: usize,
    pub gave_up: usize,
}

pub struct WebhookWorker {
    core: Core,
    worker_id: String,
    tls: TlsConnector,
    /// Deliveries claimed per pass.
    pub batch_size: u64,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// Connect + send + first line of the answer.
    pub timeout: Duration,
    pub idle_poll: Duration,
    pub lease: Duration,
}

const ANNOUNCE_EVERY: Duration = Duration::from_secs(30);

impl WebhookWorker {
    /// A worker trusting the system's root certificates (and `extra_roots`, PEM).
    pub fn new(core: Core, worker_id: String, extra_roots: Option<&[u8]>) -> Result<Self, String> {
        let config: Arc<ClientConfig> = match crate::smtp::tls::client_config(extra_roots) {
            Ok(config) => config,
            // No root certificates here: HTTPS deliveries fail (and are retried, recorded)
            // until there are; loopback HTTP still works. The server starts either way.
            Err(e) => {
                warn!(error = %e, "webhooks: no trusted root certificates; HTTPS endpoints will fail");
                let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
                Arc::new(
                    ClientConfig::builder_with_provider(provider)
                        .with_safe_default_protocol_versions()
                        .map_err(|e| e.to_string())?
                        .with_root_certificates(tokio_rustls::rustls::RootCertStore::empty())
                        .with_no_client_auth(),
                )
            }
        };
        Ok(WebhookWorker {
            core,
            worker_id,
            tls: TlsConnector::from(config),
            batch_size: 200,
            concurrency: 32,
            timeout: Duration::from_secs(10),
            idle_poll: Duration::from_millis(500),
            lease: Duration::from_secs(60),
        })
    }

    /// Polls until `shutdown` completes; a pass in progress is finished first.
    pub async fn run_until(self, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        info!(worker = %self.worker_id, "webhook worker started");
        let mut last_announce: Option<Instant> = None;
        loop {
            if last_announce.is_none_or(|at| at.elapsed() >= ANNOUNCE_EVERY) {
                last_announce = Some(Instant::now());
                match self.core.announce_expired_links().await {
                    Ok(0) => {}
                    Ok(n) => info!(links = n, "announced reset links that expired unused"),
                    Err(e) => warn!(error = %e, "could not announce expired reset links"),
                }
            }
            let more = match self.deliver_due().await {
                Ok(pass) => {
                    if pass.claimed > 0 {
                        info!(
                            worker = %self.worker_id,
                            claimed = pass.claimed,
                            delivered = pass.delivered,
                            will_retry = pass.will_retry,
                            gave_up = pass.gave_up,
                            "webhook pass"
                        );
                    }
                    pass.claimed as u64 >= self.batch_size
                }
                Err(e) => {
                    error!(worker = %self.worker_id, error = %e, "could not claim webhook deliveries");
                    false
                }
            };
            if !more {
                tokio::select! {
                    _ = &mut shutdown => break,
                    _ = tokio::time::sleep(self.idle_poll) => {}
                }
            }
        }
        info!(worker = %self.worker_id, "webhook worker stopped");
    }

    /// One pass: claim due deliveries, send them (`concurrency` at once), record the results.
    pub async fn deliver_due(&self) -> Result<WebhookPass, orgdesk_core::CoreError> {
        let claimed = self
            .core
            .claim_webhooks(&self.worker_id, self.batch_size, self.lease)
            .await?;
        let mut pass = WebhookPass {
            claimed: claimed.len(),
            ..WebhookPass::default()
        };
        // The signature's time is when the request leaves, by the wall clock receivers check it
        // against (not the core's clock, which tests move).
        let now = chrono::Utc::now().timestamp();
        let results: Vec<(OutboundWebhook, Result<u16, String>)> = stream::iter(claimed)
            .map(|delivery| async move {
                let sent = self.send(&delivery, now).await;
                (delivery, sent)
            })
            .buffer_unordered(self.concurrency.max(1))
            .collect()
            .await;
        let mut delivered = Vec::new();
        for (delivery, result) in results {
            let (code, reason) = match result {
                Ok(code) if (200..300).contains(&code) => {
                    delivered.push((delivery.id, code));
                    continue;
                }
                Ok(code) => (Some(code), format!("the endpoint answered HTTP {code}")),
                Err(reason) => (None, reason),
            };
            match self
                .core
                .webhook_attempt_failed(delivery.id, code, &reason)
                .await
            {
                Ok(FailedAttempt::WillRetry { at }) => {
                    pass.will_retry += 1;
                    warn!(delivery = delivery.id, event = %delivery.event_type, %reason, retry_at = %at, "webhook delivery failed; will retry");
                }
                Ok(FailedAttempt::GaveUp) => {
                    pass.gave_up += 1;
                    warn!(delivery = delivery.id, event = %delivery.event_type, %reason, "webhook delivery given up on");
                }
                Ok(FailedAttempt::AlreadySettled) => {}
                Err(e) => {
                    error!(delivery = delivery.id, error = %e, "could not record a failed webhook delivery")
                }
            }
        }
        pass.delivered = delivered.len();
        self.core.webhooks_delivered(&delivered).await?;
        Ok(pass)
    }

    async fn send(&self, delivery: &OutboundWebhook, now: i64) -> Result<u16, String> {
        let target = Target::parse(&delivery.url)?;
        let request = format!(
            "POST {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: Orgdesk-Webhooks/1\r\n\
             Content-Type: application/json\r\nContent-Length: {len}\r\nConnection: close\r\n\
             Orgdesk-Event-Id: {id}\r\nOrgdesk-Event-Type: {kind}\r\n\
             Orgdesk-Delivery-Attempt: {attempt}\r\nOrgdesk-Signature: {signature}\r\n\r\n{body}",
            path = target.path,
            host = target.authority,
            len = delivery.payload.len(),
            id = delivery.event_id,
            kind = delivery.event_type,
            attempt = delivery.attempts + 1,
            signature = signature(&delivery.secret, now, &delivery.payload),
            body = delivery.payload,
        );
        let exchange = async {
            let tcp = TcpStream::connect((target.host.as_str(), target.port))
                .await
                .map_err(|e| format!("can't connect to {}: {e}", target.authority))?;
            tcp.set_nodelay(true).ok();
            if target.https {
                let name = ServerName::try_from(target.host.clone())
                    .map_err(|e| format!("{}: {e}", target.host))?;
                let tls = self
                    .tls
                    .connect(name, tcp)
                    .await
                    .map_err(|e| format!("TLS with {} failed: {e}", target.authority))?;
                status_of(tls, request.as_bytes()).await
            } else {
                status_of(tcp, request.as_bytes()).await
            }
        };
        match tokio::time::timeout(self.timeout, exchange).await {
            Ok(result) => result,
            Err(_) => Err(format!(
                "no answer from {} within {} s",
                target.authority,
                self.timeout.as_secs()
            )),
        }
    }
}

/// Sends `request` and reads the status code of the answer.
async fn status_of<S: AsyncRead + AsyncWrite + Unpin>(
    stream: S,
    request: &[u8],
) -> Result<u16, String> {
    let mut stream = BufReader::new(stream);
    stream
        .get_mut()
        .write_all(request)
        .await
        .map_err(|e| format!("sending failed: {e}"))?;
    stream
        .get_mut()
        .flush()
        .await
        .map_err(|e| format!("sending failed: {e}"))?;
    let mut line = String::new();
    stream
        .read_line(&mut line)
        .await
        .map_err(|e| format!("no answer: {e}"))?;
    line.split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| format!("not an HTTP answer: {:?}", line.trim()))
}

/// Where a delivery goes, from an endpoint URL the core already checked.
struct Target {
    https: bool,
    host: String,
    port: u16,
    authority: String,
    path: String,
}

impl Target {
    fn parse(url: &str) -> Result<Target, String> {
        let (https, rest) = match url.split_once("://") {
            Some(("https", rest)) => (true, rest),
            Some(("http", rest)) => (false, rest),
            _ => return Err(format!("not an http(s) URL: {url}")),
        };
        let (authority, path) = match rest.find(['/', '?']) {
            Some(at) => (&rest[..at], &rest[at..]),
            None => (rest, "/"),
        };
        let path = path.split('#').next().unwrap_or("/");
        let path = if path.starts_with('/') {
            path.to_owned()
        } else {
            format!("/{path}")
        };
        let default_port = if https { 443 } else { 80 };
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (host, after) = v6.split_once(']').ok_or("a bad IPv6 address")?;
            let port = match after.strip_prefix(':') {
                Some(p) => p.parse().map_err(|_| "a bad port")?,
                None => default_port,
            };
            (host.to_owned(), port)
        } else {
            match authority.rsplit_once(':') {
                Some((host, port)) => (
                    host.to_owned(),
                    port.parse().map_err(|_| format!("a bad port in {url}"))?,
                ),
                None => (authority.to_owned(), default_port),
            }
        };
        Ok(Target {
            https,
            host,
            port,
            authority: authority.to_owned(),
            path,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::Target;

    #[test]
    fn targets_read_host_port_and_path() {
        let t = Target::parse("https://hooks.example.com/orgdesk?x=1#frag").unwrap();
        assert!(t.https);
        assert_eq!(
            (t.host.as_str(), t.port, t.path.as_str()),
            ("hooks.example.com", 443, "/orgdesk?x=1")
        );
        let t = Target::parse("http://127.0.0.1:9000").unwrap();
        assert_eq!(
            (t.host.as_str(), t.port, t.path.as_str()),
            ("127.0.0.1", 9000, "/")
        );
        let t = Target::parse("http://[::1]:8080/h").unwrap();
        assert_eq!(
            (t.host.as_str(), t.port, t.path.as_str()),
            ("::1", 8080, "/h")
        );
    }
}
