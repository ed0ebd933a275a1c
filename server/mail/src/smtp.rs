//! Delivery over SMTP with lettre's pooled async transport.

use std::error::Error as _;

use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use orgdesk_core::OutboundEmail;

use crate::config::{SmtpSettings, TlsMode};
use crate::error::{MailError, SendFailure};

/// A pooled SMTP connection to one server. Cheap to share: sends may run concurrently, each
/// taking a connection from the pool (or opening one).
#[derive(Clone)]
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    settings: SmtpSettings,
    from: Mailbox,
}

impl std::fmt::Debug for SmtpMailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpMailer").field("settings", &self.settings).field("from", &self.from).finish()
    }
}

impl SmtpMailer {
    /// Builds the transport; nothing is connected until the first send.
    pub fn new(settings: SmtpSettings, from: Mailbox, pool_size: usize) -> Result<SmtpMailer, MailError> {
        let transport_error = |e: lettre::transport::smtp::Error| MailError::Transport {
            server: settings.server(),
            reason: describe_error(&e),
        };
        let builder = match settings.tls {
            TlsMode::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(settings.host.as_str()),
            TlsMode::StartTls => {
                AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&settings.host).map_err(transport_error)?
            }
            TlsMode::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&settings.host).map_err(transport_error)?,
        };
        let mut builder = builder
            .port(settings.port)
            .timeout(Some(settings.timeout))
            .pool_config(PoolConfig::new().max_size(u32::try_from(pool_size.max(1)).unwrap_or(u32::MAX)));
        if let Some((user, password)) = &settings.credentials {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        Ok(SmtpMailer { transport: builder.build(), settings, from })
    }

    pub fn settings(&self) -> &SmtpSettings {
        &self.settings
    }

    /// Sends one message as multipart/alternative (plain text, then HTML).
    pub async fn send(&self, email: &OutboundEmail) -> Result<(), SendFailure> {
        let message = build_message(&self.from, email)?;
        match self.transport.send(message).await {
            Ok(_) => Ok(()),
            Err(e) => Err(self.classify(&e)),
        }
    }

    /// Closes pooled connections politely (QUIT).
    pub async fn shutdown(&self) {
        self.transport.shutdown().await;
    }

    /// 5xx answers are permanent; everything else (refused connections, timeouts, 4xx,
    /// TLS trouble an operator can fix) is worth retrying.
    fn classify(&self, e: &lettre::transport::smtp::Error) -> SendFailure {
        let mut reason = format!("SMTP {}: {}", self.settings.server(), describe_error(e));
        if let Some(hint) = tls_mismatch_hint(&self.settings, e) {
            reason.push_str(" — ");
            reason.push_str(&hint);
        }
        if e.is_permanent() {
            SendFailure::permanent(reason)
        } else {
            SendFailure::transient(reason)
        }
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
        .multipart(MultiPart::alternative_plain_html(email.text.clone(), email.html.clone()))
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

/// A hint for the operator when the failure looks like our TLS setting doesn't match what the
/// server speaks.
fn tls_mismatch_hint(settings: &SmtpSettings, e: &lettre::transport::smtp::Error) -> Option<String> {
    if e.is_permanent() || e.is_transient() {
        return None; // the server answered in SMTP: the TLS layer is fine
    }
    let server = settings.server();
    let text = describe_error(e).to_ascii_lowercase();
    let looks_like_tls_trouble = ["corrupt message", "invalidcontenttype", "content type", "handshake", "wrong version number", "tls"]
        .iter()
        .any(|needle| text.contains(needle));
    let certificate_trouble = text.contains("certificate");
    match settings.tls {
        TlsMode::Tls if certificate_trouble => Some(format!(
            "the TLS certificate presented by {server} is not trusted for \"{}\"; check ORGDESK_SMTP_HOST matches the certificate",
            settings.host
        )),
        TlsMode::Tls if looks_like_tls_trouble || e.is_timeout() || text.contains("unexpected eof") => Some(format!(
            "the server at {server} does not seem to speak TLS; try ORGDESK_SMTP_TLS=starttls or none"
        )),
        TlsMode::StartTls if text.contains("starttls is not supported") => Some(format!(
            "the server at {server} does not offer STARTTLS; try ORGDESK_SMTP_TLS=none (or tls if it expects TLS from the first byte, usually port 465)"
        )),
        TlsMode::StartTls if certificate_trouble => Some(format!(
            "the TLS certificate presented by {server} is not trusted for \"{}\"; check ORGDESK_SMTP_HOST matches the certificate",
            settings.host
        )),
        TlsMode::None | TlsMode::StartTls if settings.port == 465 => Some(format!(
            "port 465 usually expects TLS from the first byte, and the server at {server} did not talk plain SMTP; try ORGDESK_SMTP_TLS=tls"
        )),
        TlsMode::None | TlsMode::StartTls if e.is_timeout() || e.is_response() => Some(format!(
            "the server at {server} did not answer in plain SMTP; if it expects TLS from the first byte, try ORGDESK_SMTP_TLS=tls"
        )),
        _ => None,
    }
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
        assert!(failure.reason.contains("invalid recipient address"), "{failure}");
    }

    #[test]
    fn a_message_carries_both_a_text_and_an_html_part() {
        let from: Mailbox = "Orgdesk <no-reply@orgdesk.local>".parse().unwrap();
        let raw = String::from_utf8(build_message(&from, &email("jane@acme.test")).unwrap().formatted()).unwrap();
        assert!(raw.contains("multipart/alternative"));
        assert!(raw.contains("text/plain"));
        assert!(raw.contains("text/html"));
        assert!(raw.contains("To: jane@acme.test"));
    }
}
