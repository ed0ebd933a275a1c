//! Delivery over SMTP: lettre's async SMTP client on connections this module opens and pools.
//!
//! Why not lettre's own pooled `AsyncSmtpTransport`: it opens its sockets with Nagle's
//! algorithm on, and its client writes a message and the five-byte end-of-data marker
//! separately, so every message waits for the server's delayed ACK — about 40 ms, capping a
//! connection at ~23 messages/s. Opening the socket here lets us set `TCP_NODELAY`; lettre
//! still speaks all of SMTP (EHLO, STARTTLS, AUTH, MAIL/RCPT/DATA) through
//! [`AsyncSmtpConnection::connect_with_transport`].

use std::error::Error as _;
use std::io;
use std::net::SocketAddr;
use std::path::Path;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use lettre::address::Envelope;
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{
    AsyncSmtpConnection, AsyncTokioStream, Certificate, TlsParameters,
};
use lettre::transport::smtp::extension::ClientId;
use lettre::Message;
use orgdesk_core::OutboundEmail;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use tokio_rustls::rustls::{self, ClientConfig, RootCertStore};
use tokio_rustls::TlsConnector;

use crate::config::{SmtpSettings, TlsMode, ENV_SMTP_CA_FILE};
use crate::error::{MailError, SendFailure};

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

/// TLS for implicit-TLS servers, trusting the system's root certificates (as lettre does
/// for STARTTLS) and those in `extra_roots` (PEM).
fn client_config(extra_roots: Option<&[u8]>) -> Result<Arc<ClientConfig>, String> {
    let mut roots = RootCertStore::empty();
    let found = rustls_native_certs::load_native_certs();
    roots.add_parsable_certificates(found.certs);
    if let Some(pem) = extra_roots {
        let certificates = CertificateDer::pem_slice_iter(pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("{ENV_SMTP_CA_FILE} holds no usable PEM certificate: {e}"))?;
        roots.add_parsable_certificates(certificates);
    }
    if roots.is_empty() {
        return Err("no trusted root certificates were found on this machine".into());
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// The PEM bytes of `ORGDESK_SMTP_CA_FILE`, which must hold at least one certificate.
fn read_ca_file(path: &Path) -> Result<Vec<u8>, MailError> {
    let invalid = |problem: String| MailError::InvalidSetting {
        var: ENV_SMTP_CA_FILE,
        problem,
    };
    let pem =
        std::fs::read(path).map_err(|e| invalid(format!("cannot read {}: {e}", path.display())))?;
    match CertificateDer::pem_slice_iter(&pem).next() {
        Some(Ok(_)) => Ok(pem),
        _ => Err(invalid(format!(
            "{} holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
            path.display()
        ))),
    }
}

/// A TLS stream lettre's client can run on.
#[derive(Debug)]
struct ImplicitTls(tokio_rustls::client::TlsStream<TcpStream>);

impl AsyncTokioStream for ImplicitTls {
    fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.0.get_ref().0.peer_addr()
    }
}

impl AsyncRead for ImplicitTls {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for ImplicitTls {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

/// Why a send did not go through, before it is worded for the operator.
#[derive(Debug)]
enum Trouble {
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
    fn is_permanent(&self) -> bool {
        matches!(self, Trouble::Smtp(e) if e.is_permanent())
    }

    fn describe(&self) -> String {
        match self {
            Trouble::Connect(e) => format!("could not connect: {}", describe_error(e)),
            Trouble::TlsHandshake(e) => format!("TLS handshake failed: {}", describe_error(e)),
            Trouble::Smtp(e) => describe_error(e),
        }
    }

    fn symptom(&self) -> Symptom {
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
    fn of_io(e: &io::Error) -> Option<Symptom> {
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
fn describe_error(e: &(dyn std::error::Error + 'static)) -> String {
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
