//! A real SMTP server on loopback for the tests and the benchmark: speaks EHLO/HELO, MAIL FROM,
//! RCPT TO, DATA, RSET, NOOP and QUIT, records what it receives, can reject chosen recipients
//! with 550, and can go down (stop listening, drop open connections) and come back on the
//! same port.
#![allow(dead_code)]

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio::task::JoinSet;

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
    /// Listens on 127.0.0.1 on a free port.
    pub async fn start() -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the SMTP sink");
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(SinkState::default());
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
                    connections.spawn(session(stream, Arc::clone(&state)));
                }
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

async fn session(stream: TcpStream, state: Arc<SinkState>) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    write
        .write_all(b"220 sink.test ESMTP Orgdesk test sink\r\n")
        .await?;
    let mut mail_from: Option<String> = None;
    let mut rcpt_to: Vec<String> = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if read.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let command = line.trim_end();
        let verb = command
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" => b"250-sink.test\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 SIZE 10485760\r\n",
            "HELO" => b"250 sink.test\r\n",
            "MAIL" => {
                mail_from = Some(address_in(command));
                rcpt_to.clear();
                b"250 2.1.0 OK\r\n"
            }
            "RCPT" => {
                let to = address_in(command);
                if mail_from.is_none() {
                    b"503 5.5.1 MAIL first\r\n"
                } else if state
                    .rejected
                    .lock()
                    .unwrap()
                    .contains(&to.to_ascii_lowercase())
                {
                    b"550 5.1.1 mailbox unavailable\r\n"
                } else {
                    rcpt_to.push(to);
                    b"250 2.1.5 OK\r\n"
                }
            }
            "DATA" => {
                if mail_from.is_none() || rcpt_to.is_empty() {
                    b"503 5.5.1 RCPT first\r\n"
                } else {
                    write.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await?;
                    let data = read_data(&mut read).await?;
                    let message = ReceivedMessage {
                        mail_from: mail_from.take().unwrap_or_default(),
                        rcpt_to: std::mem::take(&mut rcpt_to),
                        data,
                    };
                    if !state.count_only.load(Ordering::SeqCst) {
                        state.received.lock().unwrap().push(message);
                    }
                    state.counted.fetch_add(1, Ordering::SeqCst);
                    state.arrived.notify_waiters();
                    b"250 2.0.0 queued\r\n"
                }
            }
            "RSET" => {
                mail_from = None;
                rcpt_to.clear();
                b"250 2.0.0 OK\r\n"
            }
            "NOOP" => b"250 2.0.0 OK\r\n",
            "QUIT" => {
                write.write_all(b"221 2.0.0 bye\r\n").await?;
                return Ok(());
            }
            _ => b"502 5.5.2 command not recognized\r\n",
        };
        write.write_all(reply).await?;
    }
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
