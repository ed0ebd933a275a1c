//! Delivery over SMTP: lettre's async SMTP client on connections this module opens and pools.
//!
//! Why not lettre's own pooled `AsyncSmtpTransport`: it opens its sockets with Nagle's
//! algorithm on, and its client writes a message and the five-byte end-of-data marker
//! separately, so every message waits for the server's delayed ACK — about 40 ms, capping a
//! connection at ~23 messages/s. Opening the socket here lets us set `TCP_NODELAY`; lettre
//! still speaks all of SMTP (EHLO, STARTTLS, AUTH, MAIL/RCPT/DATA) through
//! [`AsyncSmtpConnection::connect_with_transport`].
//!
//! `tls` builds the TLS side of a connection; `diagnosis` turns what went wrong into words
//! an operator can act on.

mod diagnosis;
pub(crate) mod tls;

use std::sync::Mutex;
use std::time::{Duration, Instant};

use lettre::address::Envelope;
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, Certificate, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::Message;
use orgdesk_core::OutboundEmail;
use tokio::net::TcpStream;
use tokio_rustls::rustls::pki_types::ServerName;
use tokio_rustls::TlsConnector;

use crate::config::{SmtpSettings, TlsMode};
use crate::error::{MailError, SendFailure};
use diagnosis::{describe_error, tls_mismatch_hint, Symptom, Trouble};
use tls::{client_config, read_ca_file, ImplicitTls};

/// A pooled connection idle for longer than this is checked with NOOP before it is reused
/// (servers close idle clients: Postfix after 300 s, many providers sooner).
const CHECK_AFTER_IDLE: Duration = Duration::from_secs(5);
/// A pooled connection idle for longer than this is closed rather than reused.
const MAX_IDLE: Duration = Duration::from_secs(60);

/// Pooled SMTP connections to one server. Sends may run concurrently, each taking an idle
/// connection from the pool or opening one; the caller bounds how many run at once.
pub struct SmtpMailer {
    settings: SmtpSettings,
    from: Mailbox,
    hello: ClientId,
    encryption: Encryption,
    idle: Mutex<Vec<IdleConnection>>,
    /// How many idle connections are kept for reuse.
    pool_size: usize,
}

enum Encryption {
    None,
    /// Upgrade after EHLO; lettre's TLS parameters (system roots).
    StartTls(TlsParameters),
    /// TLS from the first byte (usually port 465).
    Implicit(TlsConnector, ServerName<'static>),
}

struct IdleConnection {
    connection: AsyncSmtpConnection,
    since: Instant,
}

impl std::fmt::Debug for SmtpMailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpMailer")
            .field("settings", &self.settings)
            .field("from", &self.from)
            .field("pool_size", &self.pool_size)
            .finish_non_exhaustive()
    }
}

impl SmtpMailer {
    /// Prepares delivery (TLS settings included); nothing connects until the first send.
    /// `pool_size` is how many idle connections are kept for reuse.
    pub fn new(
        settings: SmtpSettings,
        from: Mailbox,
        pool_size: usize,
    ) -> Result<SmtpMailer, MailError> {
        let setup_error = |reason: String| MailError::Transport {
            server: settings.server(),
            reason,
        };
        let extra_roots = match &settings.ca_file {
            Some(path) => Some(read_ca_file(path)?),
            None => None,
        };
        let encryption = match settings.tls {
            TlsMode::None => Encryption::None,
            TlsMode::StartTls => {
                let mut parameters = TlsParameters::builder(settings.host.clone());
                if let Some(pem) = &extra_roots {
                    let certificate =
                        Certificate::from_pem(pem).map_err(|e| setup_error(describe_error(&e)))?;
                    parameters = parameters.add_root_certificate(certificate);
                }
                Encryption::StartTls(
                    parameters
                        .build()
                        .map_err(|e| setup_error(describe_error(&e)))?,
                )
            }
            TlsMode::Tls => {
                let name = ServerName::try_from(settings.host.clone()).map_err(|e| {
                    setup_error(format!("\"{}\" is not a host name: {e}", settings.host))
                })?;
                let config = client_config(extra_roots.as_deref()).map_err(setup_error)?;
                Encryption::Implicit(TlsConnector::from(config), name)
            }
        };
        Ok(SmtpMailer {
            hello: ClientId::default(),
            encryption,
            idle: Mutex::new(Vec::new()),
            pool_size: pool_size.max(1),
            settings,
            from,
        })
    }

    pub fn settings(&self) -> &SmtpSettings {
        &self.settings
    }

    /// Sends one message as multipart/alternative (plain text, then HTML), taking at most
    /// `settings.timeout`, connecting included.
    pub async fn send(&self, email: &OutboundEmail) -> Result<(), SendFailure> {
        let message = build_message(&self.from, email)?;
        let raw = message.formatted();
        // A server that accepts the connection and then says nothing (one waiting for a TLS
        // handshake, or a hung one) would otherwise hold this send, and the worker's pass,
        // forever. A connection cut off here is dropped, never returned to the pool.
        match tokio::time::timeout(
            self.settings.timeout,
            self.transmit(message.envelope(), &raw),
        )
        .await
        {
            Ok(Ok(())) => Ok(()),
            Ok(Err(trouble)) => Err(self.failure(
                trouble.symptom(),
                trouble.describe(),
                trouble.is_permanent(),
            )),
            Err(_elapsed) => {
                let waited = format!("no answer within {:?}", self.settings.timeout);
                Err(self.failure(Symptom::Silent, waited, false))
            }
        }
    }

    /// Closes pooled connections that have been idle for `idle_for` or longer (QUIT).
    pub async fn close_idle(&self, idle_for: Duration) {
        let stale: Vec<_> = {
            let mut idle = self.lock_idle();
            let (stale, fresh) = idle.drain(..).partition(|c| c.since.elapsed() >= idle_for);
            *idle = fresh;
            stale
        };
        futures::future::join_all(stale.into_iter().map(|c| quit(c.connection))).await;
    }

    /// Closes pooled connections that have sat unused too long to be worth keeping.
    pub async fn close_stale(&self) {
        self.close_idle(MAX_IDLE).await;
    }

    /// Closes every pooled connection politely (QUIT).
    pub async fn shutdown(&self) {
        self.close_idle(Duration::ZERO).await;
    }

    async fn transmit(&self, envelope: &Envelope, raw: &[u8]) -> Result<(), Trouble> {
        let mut connection = self.checkout().await?;
        // On an error lettre has already sent QUIT and closed the connection (its state
        // mid-transaction is unknown): it is dropped, not pooled.
        connection.send(envelope, raw).await?;
        self.check_in(connection);
        Ok(())
    }

    /// An idle pooled connection that still answers, or a new one.
    async fn checkout(&self) -> Result<AsyncSmtpConnection, Trouble> {
        loop {
            let Some(IdleConnection {
                mut connection,
                since,
            }) = self.lock_idle().pop()
            else {
                return self.connect().await;
            };
            let idle_for = since.elapsed();
            if idle_for >= MAX_IDLE {
                quit(connection).await;
            } else if idle_for < CHECK_AFTER_IDLE || connection.test_connected().await {
                return Ok(connection);
            }
        }
    }

    fn check_in(&self, connection: AsyncSmtpConnection) {
        let mut idle = self.lock_idle();
        if idle.len() < self.pool_size {
            idle.push(IdleConnection {
                connection,
                since: Instant::now(),
            });
        }
    }

    async fn connect(&self) -> Result<AsyncSmtpConnection, Trouble> {
        let tcp = TcpStream::connect((self.settings.host.as_str(), self.settings.port))
            .await
            .map_err(Trouble::Connect)?;
        tcp.set_nodelay(true).map_err(Trouble::Connect)?;
        let mut connection = match &self.encryption {
            Encryption::Implicit(connector, name) => {
                let tls = connector
                    .connect(name.clone(), tcp)
                    .await
                    .map_err(Trouble::TlsHandshake)?;
                AsyncSmtpConnection::connect_with_transport(Box::new(ImplicitTls(tls)), &self.hello)
                    .await?
            }
            Encryption::None | Encryption::StartTls(_) => {
                AsyncSmtpConnection::connect_with_transport(Box::new(tcp), &self.hello).await?
            }
        };
        if let Encryption::StartTls(parameters) = &self.encryption {
            connection.starttls(parameters.clone(), &self.hello).await?;
        }
        if let Some((user, password)) = &self.settings.credentials {
            let credentials = Credentials::new(user.clone(), password.clone());
            connection
                .auth(&[Mechanism::Plain, Mechanism::Login], &credentials)
                .await?;
        }
        Ok(connection)
    }

    fn lock_idle(&self) -> std::sync::MutexGuard<'_, Vec<IdleConnection>> {
        self.idle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// 5xx answers are permanent; everything else (refused connections, timeouts, 4xx, TLS
    /// trouble an operator can fix) is worth retrying.
    fn failure(&self, symptom: Symptom, error: String, permanent: bool) -> SendFailure {
        let mut reason = format!("SMTP {}: {error}", self.settings.server());
        if let Some(hint) = tls_mismatch_hint(&self.settings, symptom) {
            reason.push_str(" — ");
            reason.push_str(&hint);
        }
        SendFailure { reason, permanent }
    }
}

/// QUIT, without waiting long for a server that has gone quiet.
async fn quit(mut connection: AsyncSmtpConnection) {
    let _ = tokio::time::timeout(Duration::from_secs(2), connection.quit()).await;
}

/// Turns an outbox row into a MIME message. An unusable recipient is a permanent failure.
pub(crate) fn build_message(from: &Mailbox, email: &OutboundEmail) -> Result<Message, SendFailure> {
    let to: Mailbox = email
        .to
        .parse()
        .map_err(|e| SendFailure::permanent(format!("invalid recipient address: {e}")))?;
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(email.subject.clone())
        .date_now()
        .multipart(MultiPart::alternative_plain_html(
            email.text.clone(),
            email.html.clone(),
        ))
        .map_err(|e| SendFailure::permanent(format!("the message could not be built: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email(to: &str) -> OutboundEmail {
        OutboundEmail {
            id: 7,
            to: to.into(),
            subject: "Reset your Acme password".into(),
            text: "Hello".into(),
            html: "<p>Hello</p>".into(),
            attempts: 0,
        }
    }

    #[test]
    fn an_invalid_recipient_address_is_a_permanent_failure() {
        let from: Mailbox = "Orgdesk <no-reply@orgdesk.local>".parse().unwrap();
        let failure = build_message(&from, &email("not-an-address")).unwrap_err();
        assert!(failure.permanent);
        assert!(
            failure.reason.contains("invalid recipient address"),
            "{failure}"
        );
    }

    #[test]
    fn a_message_carries_both_a_text_and_an_html_part() {
        let from: Mailbox = "Orgdesk <no-reply@orgdesk.local>".parse().unwrap();
        let raw = String::from_utf8(
            build_message(&from, &email("jane@acme.test"))
                .unwrap()
                .formatted(),
        )
        .unwrap();
        assert!(raw.contains("multipart/alternative"));
        assert!(raw.contains("text/plain"));
        assert!(raw.contains("text/html"));
        assert!(raw.contains("To: jane@acme.test"));
    }

    #[test]
    fn tls_hints_name_the_setting_to_try() {
        let mut settings = SmtpSettings::plaintext("mail.acme.test", 465);
        settings.tls = TlsMode::Tls;
        let hint = |settings: &SmtpSettings, symptom| {
            tls_mismatch_hint(settings, symptom).unwrap_or_default()
        };
        assert_eq!(
            hint(&settings, Symptom::TlsHandshake),
            "the server at mail.acme.test:465 does not seem to speak TLS; try ORGDESK_SMTP_TLS=starttls or none"
        );
        assert!(
            hint(&settings, Symptom::Certificate).contains("not trusted for \"mail.acme.test\"")
        );
        settings.tls = TlsMode::StartTls;
        assert!(hint(&settings, Symptom::NoStartTls)
            .contains("does not offer STARTTLS; try ORGDESK_SMTP_TLS=none"));
        settings.tls = TlsMode::None;
        assert!(hint(&settings, Symptom::Silent).contains("try ORGDESK_SMTP_TLS=tls"));
        // Not a TLS question: no hint.
        for symptom in [Symptom::SmtpReply, Symptom::Unreachable, Symptom::Other] {
            assert_eq!(tls_mismatch_hint(&settings, symptom), None);
        }
    }
}
