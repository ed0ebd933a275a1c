//! Delivery over SMTP with lettre's pooled async transport.

use std::error::Error as _;
use std::sync::Mutex;

use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use orgdesk_core::OutboundEmail;

use crate::config::{SmtpSettings, TlsMode};
use crate::error::{MailError, SendFailure};

type Transport = AsyncSmtpTransport<Tokio1Executor>;

/// Pooled SMTP connections to one server. Sends may run concurrently, each taking a connection
/// from the pool (or opening one).
pub struct SmtpMailer {
    /// The pool and its generation; replaced when a send is cut off by the deadline.
    transport: Mutex<(u64, Transport)>,
    settings: SmtpSettings,
    from: Mailbox,
    pool_size: usize,
}

impl std::fmt::Debug for SmtpMailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpMailer")
            .field("settings", &self.settings)
            .field("from", &self.from)
            .finish_non_exhaustive()
    }
}

impl SmtpMailer {
    /// Builds the transport; nothing is connected until the first send. `pool_size` is how
    /// many idle connections are kept for reuse.
    pub fn new(
        settings: SmtpSettings,
        from: Mailbox,
        pool_size: usize,
    ) -> Result<SmtpMailer, MailError> {
        let transport = build_transport(&settings, pool_size)?;
        Ok(SmtpMailer {
            transport: Mutex::new((0, transport)),
            settings,
            from,
            pool_size,
        })
    }

    pub fn settings(&self) -> &SmtpSettings {
        &self.settings
    }

    /// Sends one message as multipart/alternative (plain text, then HTML), taking at most
    /// `settings.timeout`, connecting included.
    pub async fn send(&self, email: &OutboundEmail) -> Result<(), SendFailure> {
        let message = build_message(&self.from, email)?;
        let (generation, transport) = self.transport();
        // lettre's own timeout covers connecting; a server that accepts the connection and
        // then says nothing (one waiting for a TLS handshake, or a hung one) would otherwise
        // hold this send, and the worker's whole pass, forever.
        match tokio::time::timeout(self.settings.timeout, transport.send(message)).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(self.failure(Symptom::of(&e), describe_error(&e), e.is_permanent())),
            Err(_elapsed) => {
                // The connection was dropped mid-conversation and would go back to the pool
                // out of step with the server: start over with a fresh pool.
                self.replace_pool(generation);
                let waited = format!("no answer within {:?}", self.settings.timeout);
                Err(self.failure(Symptom::Silent, waited, false))
            }
        }
    }

    /// Closes pooled connections politely (QUIT).
    pub async fn shutdown(&self) {
        self.transport().1.shutdown().await;
    }

    fn transport(&self) -> (u64, Transport) {
        let guard = self
            .transport
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        (guard.0, guard.1.clone())
    }

    fn replace_pool(&self, stale_generation: u64) {
        let Ok(fresh) = build_transport(&self.settings, self.pool_size) else {
            return; // it was built once with the same settings; keep the old pool if not
        };
        let mut guard = self
            .transport
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        // Several sends may time out together: replace the stale pool once.
        if guard.0 == stale_generation {
            *guard = (stale_generation.wrapping_add(1), fresh);
        }
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

fn build_transport(settings: &SmtpSettings, pool_size: usize) -> Result<Transport, MailError> {
    let transport_error = |e: lettre::transport::smtp::Error| MailError::Transport {
        server: settings.server(),
        reason: describe_error(&e),
    };
    let builder = match settings.tls {
        TlsMode::None => Transport::builder_dangerous(settings.host.as_str()),
        TlsMode::StartTls => Transport::starttls_relay(&settings.host).map_err(transport_error)?,
        TlsMode::Tls => Transport::relay(&settings.host).map_err(transport_error)?,
    };
    let pool = PoolConfig::new().max_size(u32::try_from(pool_size.max(1)).unwrap_or(u32::MAX));
    let mut builder = builder
        .port(settings.port)
        .timeout(Some(settings.timeout))
        .pool_config(pool);
    if let Some((user, password)) = &settings.credentials {
        builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
    }
    Ok(builder.build())
}

/// What a failed send looked like, as far as TLS settings are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Symptom {
    /// The server answered in SMTP (a 4xx/5xx reply): the connection itself is fine.
    SmtpReply,
    /// Nobody listening, or unreachable: not a TLS question.
    Unreachable,
    /// Connected, but no usable answer in time.
    Silent,
    /// The bytes that came back were not SMTP (e.g. a TLS server answering plain text).
    NotSmtp,
    /// The TLS handshake failed (e.g. a plain-text server answering a ClientHello).
    TlsHandshake,
    /// The certificate was not trusted for the host name.
    Certificate,
    /// STARTTLS was required but the server does not offer it.
    NoStartTls,
    Other,
}

impl Symptom {
    fn of(e: &lettre::transport::smtp::Error) -> Symptom {
        if e.is_permanent() || e.is_transient() {
            return Symptom::SmtpReply;
        }
        let mut source = e.source();
        while let Some(cause) = source {
            if let Some(io) = cause.downcast_ref::<std::io::Error>() {
                use std::io::ErrorKind::*;
                match io.kind() {
                    ConnectionRefused | HostUnreachable | NetworkUnreachable | AddrNotAvailable => {
                        return Symptom::Unreachable
                    }
                    TimedOut => return Symptom::Silent,
                    _ => {}
                }
            }
            source = cause.source();
        }
        let text = describe_error(e).to_ascii_lowercase();
        if text.contains("starttls is not supported") {
            Symptom::NoStartTls
        } else if text.contains("certificate") {
            Symptom::Certificate
        } else if [
            "corrupt message",
            "invalidcontenttype",
            "handshake",
            "wrong version number",
        ]
        .iter()
        .any(|needle| text.contains(needle))
        {
            Symptom::TlsHandshake
        } else if e.is_response() {
            Symptom::NotSmtp
        } else if e.is_timeout() {
            Symptom::Silent
        } else {
            Symptom::Other
        }
    }
}

/// A hint for the operator when a failure suggests the TLS setting doesn't match what the
/// server speaks.
fn tls_mismatch_hint(settings: &SmtpSettings, symptom: Symptom) -> Option<String> {
    let server = settings.server();
    let not_trusted = || {
        format!(
            "the TLS certificate of {server} is not trusted for \"{}\"; check that ORGDESK_SMTP_HOST is the name on the certificate",
            settings.host
        )
    };
    match (settings.tls, symptom) {
        (_, Symptom::SmtpReply | Symptom::Unreachable | Symptom::Other) => None,
        (TlsMode::Tls | TlsMode::StartTls, Symptom::Certificate) => Some(not_trusted()),
        (TlsMode::Tls, Symptom::TlsHandshake | Symptom::NotSmtp | Symptom::Silent) => Some(format!(
            "the server at {server} does not seem to speak TLS; try ORGDESK_SMTP_TLS=starttls or none"
        )),
        (TlsMode::StartTls, Symptom::NoStartTls) => Some(format!(
            "the server at {server} does not offer STARTTLS; try ORGDESK_SMTP_TLS=none (or tls if it expects TLS from the first byte, usually port 465)"
        )),
        (TlsMode::None | TlsMode::StartTls, Symptom::Silent | Symptom::NotSmtp | Symptom::TlsHandshake) => {
            Some(format!(
                "the server at {server} does not seem to speak plain SMTP; if it expects TLS from the first byte (usually port 465), try ORGDESK_SMTP_TLS=tls"
            ))
        }
        _ => None,
    }
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

/// The error with its whole chain of causes: lettre's own text is often just "Connection error".
fn describe_error(e: &lettre::transport::smtp::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
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
