//! A real SMTP server on loopback for the tests and the benchmark: speaks EHLO/HELO, MAIL FROM,
//! RCPT TO, DATA, RSET, NOOP and QUIT, records what it receives, can reject chosen recipients
//! with 550, and can go down (stop listening, drop open connections) and come back on the
//! same port. Optionally it speaks STARTTLS or TLS from the first byte (with the test CA in
//! `fixtures/`), and requires AUTH PLAIN.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tokio::task::JoinSet;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::{self, ServerConfig};
use tokio_rustls::TlsAcceptor;

/// The test CA that signed the sink's certificate (for `localhost` and `127.0.0.1`).
pub const TEST_CA_FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/ca.pem");

/// How the sink encrypts its sessions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SinkTls {
    None,
    /// Offers STARTTLS after EHLO.
    StartTls,
    /// TLS from the first byte.
    Implicit,
}

trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

/// One message as the sink received it.
#[derive(Debug, Clone)]
pub struct ReceivedMessage {
    pub mail_from: String,
    pub rcpt_to: Vec<String>,
    /// The DATA section, dot-unstuffed, CRLF line endings.
    pub data: String,
}

#[derive(Default)]
struct SinkState {
    tls: Option<(SinkTls, TlsAcceptor)>,
    /// AUTH PLAIN with these is required before MAIL.
    credentials: Mutex<Option<(String, String)>>,
    /// Sessions that carried a message over TLS.
    encrypted_messages: AtomicUsize,
    received: Mutex<Vec<ReceivedMessage>>,
    rejected: Mutex<HashSet<String>>,
    arrived: Notify,
    connections: AtomicUsize,
    /// Count every message but keep none (the benchmark).
    count_only: std::sync::atomic::AtomicBool,
    counted: AtomicUsize,
}

pub struct SmtpSink {
    addr: SocketAddr,
    state: Arc<SinkState>,
    server: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl SmtpSink {
    /// Listens on 127.0.0.1 on a free port, in plain text.
    pub async fn start() -> SmtpSink {
        SmtpSink::start_with(SinkTls::None).await
    }

    /// Listens on 127.0.0.1 on a free port, encrypting as `tls` says.
    pub async fn start_with(tls: SinkTls) -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the SMTP sink");
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(SinkState {
            tls: (tls != SinkTls::None).then(|| (tls, test_acceptor())),
            ..SinkState::default()
        });
        let server = tokio::spawn(serve(listener, Arc::clone(&state)));
        SmtpSink {
            addr,
            state,
            server: Mutex::new(Some(server)),
        }
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Keep counts only (for the benchmark, so memory stays flat).
    pub fn count_only(&self) {
        self.state.count_only.store(true, Ordering::SeqCst);
    }

    /// Messages accepted so far.
    pub fn count(&self) -> usize {
        self.state.counted.load(Ordering::SeqCst)
    }

    /// Messages that arrived over an encrypted session.
    pub fn encrypted_messages(&self) -> usize {
        self.state.encrypted_messages.load(Ordering::SeqCst)
    }

    /// From now on, MAIL needs AUTH PLAIN with these first.
    pub fn require_auth(&self, user: &str, password: &str) {
        *self.state.credentials.lock().unwrap() = Some((user.into(), password.into()));
    }

    /// TCP connections accepted so far.
    pub fn connections(&self) -> usize {
        self.state.connections.load(Ordering::SeqCst)
    }

    /// `RCPT TO` this address gets `550 5.1.1 mailbox unavailable`.
    pub fn reject_recipient(&self, address: &str) {
        self.state
            .rejected
            .lock()
            .unwrap()
            .insert(address.to_ascii_lowercase());
    }

    pub fn messages(&self) -> Vec<ReceivedMessage> {
        self.state.received.lock().unwrap().clone()
    }

    /// Stops listening and drops every open connection: the port refuses connections.
    pub async fn go_down(&self) {
        let server = self.server.lock().unwrap().take();
        if let Some(server) = server {
            server.abort();
            let _ = server.await;
        }
    }

    /// Listens again on the same port.
    pub async fn come_back(&self) {
        self.go_down().await;
        let listener = TcpListener::bind(self.addr)
            .await
            .expect("rebind the SMTP sink on its port");
        *self.server.lock().unwrap() = Some(tokio::spawn(serve(listener, Arc::clone(&self.state))));
    }

    /// Waits until at least `n` messages were accepted, or panics after `timeout`.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<ReceivedMessage> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let arrived = self.state.arrived.notified();
            if self.count() >= n {
                return self.messages();
            }
            if tokio::time::timeout_at(deadline, arrived).await.is_err() {
                panic!(
                    "the SMTP sink received {} messages, expected {n} within {timeout:?}",
                    self.count()
                );
            }
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        if let Some(server) = self.server.lock().unwrap().take() {
            server.abort();
        }
    }
}

/// Accepts connections until aborted; aborting it drops the listener and, through the
/// JoinSet, every connection task.
async fn serve(listener: TcpListener, state: Arc<SinkState>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                if let Ok((stream, _)) = accepted {
                    state.connections.fetch_add(1, Ordering::SeqCst);
                    let _ = stream.set_nodelay(true);
                    let state = Arc::clone(&state);
                    connections.spawn(async move {
                        match &state.tls {
                            Some((SinkTls::Implicit, acceptor)) => {
                                let tls = acceptor.accept(stream).await?;
                                session(Box::new(tls), true, state).await
                            }
                            _ => session(Box::new(stream), false, state).await,
                        }
                    });
                }
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

async fn session(
    stream: Box<dyn Stream>,
    mut encrypted: bool,
    state: Arc<SinkState>,
) -> std::io::Result<()> {
    let mut stream = BufReader::new(stream);
    stream
        .write_all(b"220 sink.test ESMTP Orgdesk test sink\r\n")
        .await?;
    let mut mail_from: Option<String> = None;
    let mut rcpt_to: Vec<String> = Vec::new();
    let mut authenticated = false;
    let mut line = String::new();
    loop {
        line.clear();
        if stream.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_owned();
        let verb = command
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_ascii_uppercase();
        let required = state.credentials.lock().unwrap().clone();
        let offers_starttls = matches!(state.tls, Some((SinkTls::StartTls, _))) && !encrypted;
        let reply: Vec<u8> = match verb.as_str() {
            "EHLO" => {
                let mut reply = String::from("250-sink.test\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n");
                if offers_starttls {
                    reply.push_str("250-STARTTLS\r\n");
                }
                if required.is_some() {
                    reply.push_str("250-AUTH PLAIN\r\n");
                }
                reply.push_str("250 SIZE 10485760\r\n");
                reply.into_bytes()
            }
            "HELO" => b"250 sink.test\r\n".to_vec(),
            "STARTTLS" if offers_starttls => {
                stream.write_all(b"220 2.0.0 go ahead\r\n").await?;
                let Some((_, acceptor)) = &state.tls else {
                    unreachable!("offered only with an acceptor")
                };
                let tls = acceptor.accept(stream.into_inner()).await?;
                stream = BufReader::new(Box::new(tls));
                encrypted = true;
                (mail_from, authenticated) = (None, false);
                rcpt_to.clear();
                continue;
            }
            "AUTH" => {
                let mut words = command.split_whitespace().skip(1);
                let mechanism = words.next().unwrap_or("").to_ascii_uppercase();
                let initial = words.next().map(str::to_owned);
                let response = match initial {
                    Some(response) => response,
                    None => {
                        stream.write_all(b"334 \r\n").await?;
                        let mut answer = String::new();
                        stream.read_line(&mut answer).await?;
                        answer.trim_end().to_owned()
                    }
                };
                let decoded = base64::engine::general_purpose::STANDARD
                    .decode(response)
                    .unwrap_or_default();
                let parts: Vec<&[u8]> = decoded.split(|b| *b == 0).collect();
                let matches = match (&required, parts.as_slice()) {
                    (Some((user, password)), [_, u, p]) => {
                        u == &user.as_bytes() && p == &password.as_bytes()
                    }
                    _ => false,
                };
                if mechanism == "PLAIN" && matches {
                    authenticated = true;
                    b"235 2.7.0 authenticated\r\n".to_vec()
                } else {
                    b"535 5.7.8 authentication failed\r\n".to_vec()
                }
            }
            "MAIL" if required.is_some() && !authenticated => {
                b"530 5.7.0 authentication required\r\n".to_vec()
            }
            "MAIL" => {
                mail_from = Some(address_in(&command));
                rcpt_to.clear();
                b"250 2.1.0 OK\r\n".to_vec()
            }
            "RCPT" => {
                let to = address_in(&command);
                if mail_from.is_none() {
                    b"503 5.5.1 MAIL first\r\n".to_vec()
                } else if state
                    .rejected
                    .lock()
                    .unwrap()
                    .contains(&to.to_ascii_lowercase())
                {
                    b"550 5.1.1 mailbox unavailable\r\n".to_vec()
                } else {
                    rcpt_to.push(to);
                    b"250 2.1.5 OK\r\n".to_vec()
                }
            }
            "DATA" => {
                if mail_from.is_none() || rcpt_to.is_empty() {
                    b"503 5.5.1 RCPT first\r\n".to_vec()
                } else {
                    stream.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await?;
                    let data = read_data(&mut stream).await?;
                    let message = ReceivedMessage {
                        mail_from: mail_from.take().unwrap_or_default(),
                        rcpt_to: std::mem::take(&mut rcpt_to),
                        data,
                    };
                    if !state.count_only.load(Ordering::SeqCst) {
                        state.received.lock().unwrap().push(message);
                    }
                    if encrypted {
                        state.encrypted_messages.fetch_add(1, Ordering::SeqCst);
                    }
                    state.counted.fetch_add(1, Ordering::SeqCst);
                    state.arrived.notify_waiters();
                    b"250 2.0.0 queued\r\n".to_vec()
                }
            }
            "RSET" => {
                mail_from = None;
                rcpt_to.clear();
                b"250 2.0.0 OK\r\n".to_vec()
            }
            "NOOP" => b"250 2.0.0 OK\r\n".to_vec(),
            "QUIT" => {
                stream.write_all(b"221 2.0.0 bye\r\n").await?;
                return Ok(());
            }
            _ => b"502 5.5.2 command not recognized\r\n".to_vec(),
        };
        stream.write_all(&reply).await?;
    }
}

/// The sink's side of TLS: the test certificate for `localhost` / `127.0.0.1`.
pub(crate) fn test_acceptor() -> TlsAcceptor {
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures");
    let certificates = CertificateDer::pem_file_iter(format!("{fixtures}/server.pem"))
        .expect("the test certificate")
        .collect::<Result<Vec<_>, _>>()
        .expect("a PEM certificate");
    let key = PrivateKeyDer::from_pem_file(format!("{fixtures}/server.key")).expect("the test key");
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_no_client_auth()
        .with_single_cert(certificates, key)
        .expect("a usable certificate and key");
    TlsAcceptor::from(Arc::new(config))
}

async fn read_data<R: AsyncBufReadExt + Unpin>(read: &mut R) -> std::io::Result<String> {
    let mut data = String::new();
    let mut line = String::new();
    loop {
        line.clear();
        if read.read_line(&mut line).await? == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "connection closed in DATA",
            ));
        }
        if line == ".\r\n" || line == ".\n" {
            return Ok(data);
        }
        data.push_str(line.strip_prefix('.').unwrap_or(&line));
    }
}

/// `MAIL FROM:<a@b> SIZE=1` → `a@b`.
fn address_in(command: &str) -> String {
    match (command.find('<'), command.find('>')) {
        (Some(start), Some(end)) if start < end => command[start + 1..end].to_owned(),
        _ => command
            .split_once(':')
            .map(|(_, rest)| rest.trim().to_owned())
            .unwrap_or_default(),
    }
}
