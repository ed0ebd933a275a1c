//! A real `orgdesk` server process on a loopback port, and a small keep-alive HTTP/1.1 client
//! for it: what the HTTP tests and the load harness (`server/benches/http_load.rs`) talk to.

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

pub type HttpResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// A server process, killed when the last clone is dropped.
#[derive(Clone)]
pub struct ServerProcess {
    pub addr: String,
    _process: Arc<Running>,
}

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl ServerProcess {
    /// Starts `binary` (a test's `env!("CARGO_BIN_EXE_orgdesk")`) on `database_url` and a free
    /// loopback port, with `env` on top, and waits until `/healthz` answers.
    pub async fn start(
        binary: &str,
        database_url: &str,
        env: &[(&str, &str)],
    ) -> HttpResult<ServerProcess> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let addr = format!("127.0.0.1:{port}");
        let mut command = Command::new(binary);
        command
            .env("DATABASE_URL", database_url)
            .env("LEPTOS_SITE_ADDR", &addr)
            .env("LEPTOS_OUTPUT_NAME", "orgdesk")
            .env("LEPTOS_SITE_ROOT", "target/site")
            .env("ORGDESK_PUBLIC_URL", format!("http://{addr}"))
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null());
        for name in [
            "ORGDESK_SMTP_HOST",
            "ORGDESK_DEV_MAILBOX",
            "ORGDESK_SEED_DEMO",
        ] {
            command.env_remove(name);
        }
        for (name, value) in env {
            command.env(name, value);
        }
        let server = ServerProcess {
            addr,
            _process: Arc::new(Running(command.spawn()?)),
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(mut conn) = server.connect().await {
                if let Ok(res) = conn.request("GET", "/healthz", &[], b"").await {
                    if res.status == 200 {
                        return Ok(server);
                    }
                }
            }
            if Instant::now() > deadline {
                return Err("the server did not answer /healthz within 60 s".into());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn connect(&self) -> HttpResult<Conn> {
        let stream = TcpStream::connect(&self.addr).await?;
        stream.set_nodelay(true)?;
        Ok(Conn {
            stream: BufReader::new(stream),
            addr: self.addr.clone(),
            cookie: None,
            origin: true,
        })
    }
}

/// One keep-alive HTTP/1.1 connection.
pub struct Conn {
    stream: BufReader<TcpStream>,
    addr: String,
    /// Sent as `Cookie` with every request.
    pub cookie: Option<String>,
    /// Whether to send the server's own `Origin` (as a page of the app would).
    pub origin: bool,
}

#[derive(Debug)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

impl Conn {
    pub async fn request(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> HttpResult<HttpResponse> {
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAccept: application/json\r\n",
            addr = self.addr
        );
        // A caller may declare its own length (to test a server's limit without sending it).
        if !headers
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case("content-length"))
        {
            head.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        if self.origin {
            head.push_str(&format!("Origin: http://{}\r\n", self.addr));
        }
        if let Some(cookie) = &self.cookie {
            head.push_str(&format!("Cookie: {cookie}\r\n"));
        }
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        let stream = self.stream.get_mut();
        stream.write_all(head.as_bytes()).await?;
        stream.write_all(body).await?;

        let mut line = String::new();
        self.stream.read_line(&mut line).await?;
        let status = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| format!("not an HTTP answer: {line:?}"))?;
        let mut headers = Vec::new();
        loop {
            line.clear();
            self.stream.read_line(&mut line).await?;
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((n, v)) = l.split_once(':') {
                headers.push((n.trim().to_owned(), v.trim().to_owned()));
            }
        }
        let mut res = HttpResponse {
            status,
            headers,
            body: Vec::new(),
        };
        if let Some(len) = res.header("content-length").and_then(|v| v.parse().ok()) {
            res.body.resize(len, 0);
            self.stream.read_exact(&mut res.body).await?;
        } else if res
            .header("transfer-encoding")
            .is_some_and(|v| v.eq_ignore_ascii_case("chunked"))
        {
            loop {
                line.clear();
                self.stream.read_line(&mut line).await?;
                let size = usize::from_str_radix(line.trim(), 16)?;
                let start = res.body.len();
                res.body.resize(start + size, 0);
                self.stream.read_exact(&mut res.body[start..]).await?;
                line.clear();
                self.stream.read_line(&mut line).await?;
                if size == 0 {
                    break;
                }
            }
        }
        Ok(res)
    }
}
