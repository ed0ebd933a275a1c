//! What went wrong with a send, classified (connect, TLS handshake, SMTP reply) and worded
//! for the operator, with a hint when the TLS setting looks wrong for the server.

use std::error::Error as _;
use std::io;

use crate::config::{SmtpSettings, TlsMode};

/// Why a send did not go through, before it is worded for the operator.
#[derive(Debug)]
pub(super) enum Trouble {
    /// The TCP connection could not be opened.
    Connect(io::Error),
    /// The implicit-TLS handshake failed.
    TlsHandshake(io::Error),
    /// lettre's client: an SMTP reply, STARTTLS, AUTH, or the connection during the exchange.
    Smtp(lettre::transport::smtp::Error),
}

impl From<lettre::transport::smtp::Error> for Trouble {
    fn from(e: lettre::transport::smtp::Error) -> Self {
        Trouble::Smtp(e)
    }
}

impl Trouble {
    pub(super) fn is_permanent(&self) -> bool {
        matches!(self, Trouble::Smtp(e) if e.is_permanent())
    }

    pub(super) fn describe(&self) -> String {
        match self {
            Trouble::Connect(e) => format!("could not connect: {}", describe_error(e)),
            Trouble::TlsHandshake(e) => format!("TLS handshake failed: {}", describe_error(e)),
            Trouble::Smtp(e) => describe_error(e),
        }
    }

    pub(super) fn symptom(&self) -> Symptom {
        match self {
            Trouble::Connect(e) => Symptom::of_io(e).unwrap_or(Symptom::Other),
            Trouble::TlsHandshake(e) => {
                if describe_error(e)
                    .to_ascii_lowercase()
                    .contains("certificate")
                {
                    Symptom::Certificate
                } else {
                    Symptom::of_io(e)
                        .filter(|s| *s == Symptom::Silent)
                        .unwrap_or(Symptom::TlsHandshake)
                }
            }
            Trouble::Smtp(e) => Symptom::of(e),
        }
    }
}

/// What a failed send looked like, as far as TLS settings are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Symptom {
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
    pub(super) fn of(e: &lettre::transport::smtp::Error) -> Symptom {
        if e.is_permanent() || e.is_transient() {
            return Symptom::SmtpReply;
        }
        let mut source = e.source();
        while let Some(cause) = source {
            if let Some(symptom) = cause.downcast_ref::<io::Error>().and_then(Symptom::of_io) {
                return symptom;
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

    /// What an I/O error says by its kind alone, if anything.
    pub(super) fn of_io(e: &io::Error) -> Option<Symptom> {
        use io::ErrorKind::*;
        match e.kind() {
            ConnectionRefused | HostUnreachable | NetworkUnreachable | AddrNotAvailable => {
                Some(Symptom::Unreachable)
            }
            TimedOut => Some(Symptom::Silent),
            _ => None,
        }
    }
}

/// A hint for the operator when a failure suggests the TLS setting doesn't match what the
/// server speaks.
pub(super) fn tls_mismatch_hint(settings: &SmtpSettings, symptom: Symptom) -> Option<String> {
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

/// The error with its whole chain of causes: lettre's own text is often just "Connection error".
pub(super) fn describe_error(e: &(dyn std::error::Error + 'static)) -> String {
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
