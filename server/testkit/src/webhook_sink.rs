//! A webhook receiver on loopback for the tests and the benchmark: takes each POST, records its
//! headers and body, and answers 200 (or, while "down", closes the connection unanswered). It
//! speaks HTTPS with the test certificate (`fixtures/`, for `localhost` and `127.0.0.1`) or
//! plain HTTP.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

/// One request as received.
#[derive(Debug, Clone)]
pub struct ReceivedHook {
    /// Lower-cased names.
    pub headers: HashMap<String, String>,
    pub body: String,
}

impl ReceivedHook {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }
}

#[derive(Default)]
struct State {
    received: Mutex<Vec<ReceivedHook>>,
    down: AtomicBool,
    /// Record only the count (benchmarks).
    count_only: AtomicBool,
    count: std::sync::atomic::AtomicUsize,
}

pub struct WebhookSink {
    port: u16,
    https: bool,
    state: Arc<State>,
    task: tokio::task::JoinHandle<()>,
}

impl WebhookSink {
    /// An HTTPS receiver (its certificate is signed by `smtp_sink::TEST_CA_FILE`).
    pub async fn start_https() -> WebhookSink {
        Self::start(Some(crate::smtp_sink::test_acceptor())).await
    }
    pub async fn start_http() -> WebhookSink {
        Self::start(None).await
    }

    async fn start(tls: Option<TlsAcceptor>) -> WebhookSink {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a loopback port");
        let port = listener.local_addr().expect("an address").port();
        let state = Arc::new(State::default());
        let https = tls.is_some();
        let task = tokio::spawn(serve(listener, tls, state.clone()));
        WebhookSink {
            port,
            https,
            state,
            task,
        }
    }

    pub fn url(&self) -> String {
        let scheme = if self.https { "https" } else { "http" };
        format!("{scheme}://127.0.0.1:{}/hooks/orgdesk", self.port)
    }
    /// Close connections unanswered until `come_back`.
    pub fn go_down(&self) {
        self.state.down.store(true, Ordering::SeqCst);
    }
    pub fn come_back(&self) {
        self.state.down.store(false, Ordering::SeqCst);
    }
    pub fn count_only(&self) {
        self.state.count_only.store(true, Ordering::SeqCst);
    }
    pub fn count(&self) -> usize {
        self.state.count.load(Ordering::SeqCst)
    }
    pub fn received(&self) -> Vec<ReceivedHook> {
        self.state
            .received
            .lock()
            .map(|r| r.clone())
            .unwrap_or_default()
    }
    /// Waits until `n` requests arrived (or `timeout`), and returns them all.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<ReceivedHook> {
        let deadline = tokio::time::Instant::now() + timeout;
        while self.count() < n && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        self.received()
    }
}

impl Drop for WebhookSink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(listener: TcpListener, tls: Option<TlsAcceptor>, state: Arc<State>) {
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            continue;
        };
        let state = state.clone();
        let tls = tls.clone();
        tokio::spawn(async move {
            if state.down.load(Ordering::SeqCst) {
                return;
            }
            match tls {
                Some(tls) => {
                    if let Ok(stream) = tls.accept(tcp).await {
                        let _ = exchange(stream, &state).await;
                    }
                }
                None => {
                    let _ = exchange(tcp, &state).await;
                }
            }
        });
    }
}

async fn exchange<S: AsyncRead + AsyncWrite + Unpin>(
    stream: S,
    state: &State,
) -> std::io::Result<()> {
    let mut stream = BufReader::new(stream);
    let mut line = String::new();
    stream.read_line(&mut line).await?;
    let mut headers = HashMap::new();
    loop {
        line.clear();
        stream.read_line(&mut line).await?;
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        if let Some((name, value)) = l.split_once(':') {
            headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_owned());
        }
    }
    let len: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    stream.read_exact(&mut body).await?;
    state.count.fetch_add(1, Ordering::SeqCst);
    if !state.count_only.load(Ordering::SeqCst) {
        if let Ok(mut received) = state.received.lock() {
            received.push(ReceivedHook {
                headers,
                body: String::from_utf8_lossy(&body).into_owned(),
            });
        }
    }
    let stream = stream.get_mut();
    stream
        .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        .await?;
    stream.flush().await?;
    stream.shutdown().await
}
