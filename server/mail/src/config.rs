//! Delivery settings, read from the environment (see the crate docs for every variable).

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use lettre::message::Mailbox;

use crate::error::MailError;

pub const ENV_SMTP_HOST: &str = "ORGDESK_SMTP_HOST";
pub const ENV_SMTP_PORT: &str = "ORGDESK_SMTP_PORT";
pub const ENV_SMTP_TLS: &str = "ORGDESK_SMTP_TLS";
pub const ENV_SMTP_USERNAME: &str = "ORGDESK_SMTP_USERNAME";
pub const ENV_SMTP_PASSWORD: &str = "ORGDESK_SMTP_PASSWORD";
pub const ENV_SMTP_MAX_CONNECTIONS: &str = "ORGDESK_SMTP_MAX_CONNECTIONS";
pub const ENV_SMTP_CA_FILE: &str = "ORGDESK_SMTP_CA_FILE";
pub const ENV_MAIL_FROM: &str = "ORGDESK_MAIL_FROM";
pub const ENV_DEV_MAILBOX: &str = "ORGDESK_DEV_MAILBOX";
pub const ENV_DEV_MAILBOX_DIR: &str = "ORGDESK_DEV_MAILBOX_DIR";

pub const DEFAULT_MAIL_FROM: &str = "Orgdesk <no-reply@orgdesk.local>";
pub const DEFAULT_DEV_MAILBOX_DIR: &str = "data/mailbox";

/// Everything the delivery side needs: where messages go, who they are from, and how hard
/// the outbox worker pushes.
#[derive(Debug, Clone)]
pub struct MailConfig {
    pub delivery: Delivery,
    pub from: Mailbox,
    pub worker: WorkerSettings,
}

/// Where messages go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// A real SMTP server.
    Smtp(SmtpSettings),
    /// For development and demos only (`ORGDESK_DEV_MAILBOX=1`, and the server allows it on a
    /// loopback address only): every message becomes a JSON file in this directory, readable
    /// through [`crate::dev_mailbox`].
    DevMailbox(PathBuf),
    /// No SMTP server configured and no dev mailbox: emails wait in the outbox, nothing is
    /// sent or dropped, until an SMTP server is configured.
    Hold,
}

/// How the connection to the SMTP server is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// Plain text from start to end (a local relay or a test sink). `ORGDESK_SMTP_TLS=none`.
    None,
    /// Plain text, upgraded with STARTTLS before anything is sent; refuses to send if the
    /// server does not offer it. `ORGDESK_SMTP_TLS=starttls` (the default).
    StartTls,
    /// TLS from the first byte (SMTPS, usually port 465). `ORGDESK_SMTP_TLS=tls`.
    Tls,
}

impl TlsMode {
    pub fn as_str(self) -> &'static str {
        match self {
            TlsMode::None => "none",
            TlsMode::StartTls => "starttls",
            TlsMode::Tls => "tls",
        }
    }
    /// The port a server speaking this mode usually listens on.
    pub fn default_port(self) -> u16 {
        match self {
            TlsMode::None => 25,
            TlsMode::StartTls => 587,
            TlsMode::Tls => 465,
        }
    }
}

impl FromStr for TlsMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "none" | "off" | "plain" => Ok(TlsMode::None),
            "starttls" => Ok(TlsMode::StartTls),
            "tls" | "smtps" | "implicit" => Ok(TlsMode::Tls),
            other => Err(format!(
                "\"{other}\" is not a TLS mode; use none, starttls or tls"
            )),
        }
    }
}

#[derive(Clone, PartialEq, Eq)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub tls: TlsMode,
    /// Username and password, when the server wants authentication.
    pub credentials: Option<(String, String)>,
    /// The longest one message may take, connecting included.
    pub timeout: Duration,
    /// PEM certificates trusted besides the system's roots (an internal relay's own CA).
    pub ca_file: Option<PathBuf>,
}

impl SmtpSettings {
    /// Plain-text SMTP without authentication, e.g. a local relay or a test sink.
    pub fn plaintext(host: impl Into<String>, port: u16) -> Self {
        SmtpSettings {
            host: host.into(),
            port,
            tls: TlsMode::None,
            credentials: None,
            timeout: Duration::from_secs(30),
            ca_file: None,
        }
    }
    /// `host:port`, as shown in log lines and hints.
    pub fn server(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

// The password must never reach a log line.
impl fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("username", &self.credentials.as_ref().map(|(user, _)| user))
            .field("timeout", &self.timeout)
            .field("ca_file", &self.ca_file)
            .finish()
    }
}

/// How the [`crate::OutboxWorker`] paces itself. Not read from the environment: the defaults
/// suit one instance and N instances alike; tests and the benchmark tune them.
#[derive(Debug, Clone)]
pub struct WorkerSettings {
    /// Messages claimed per pass.
    pub batch_size: u64,
    /// Messages sent at once (also the size of the SMTP connection pool).
    pub concurrency: usize,
    /// How long a claim keeps other workers off a message. Must outlast the slowest batch,
    /// or a message could be sent twice; if a worker dies, its claims come back after this.
    pub lease: Duration,
    /// Sleep between polls when the outbox is empty (a wake-up cuts it short).
    pub idle_poll: Duration,
}

impl WorkerSettings {
    /// Settings for `connections` messages in flight at once. A batch is eight rounds of
    /// them: large enough that the last, partly filled round wastes little, small enough that
    /// even with every send running into the 30 s deadline a batch ends within its lease.
    pub fn for_connections(connections: usize) -> WorkerSettings {
        let connections = connections.max(1);
        WorkerSettings {
            batch_size: (connections as u64 * 8).min(1000),
            concurrency: connections,
            lease: Duration::from_secs(5 * 60),
            idle_poll: Duration::from_millis(500),
        }
    }
}

impl Default for WorkerSettings {
    /// 32 connections (under Postfix's default limit of 50 per client), batches of 256.
    fn default() -> Self {
        WorkerSettings::for_connections(32)
    }
}

impl MailConfig {
    /// Reads the `ORGDESK_SMTP_*`, `ORGDESK_MAIL_FROM` and `ORGDESK_DEV_MAILBOX_DIR` variables.
    pub fn from_env() -> Result<MailConfig, MailError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Like [`MailConfig::from_env`], with the variables looked up by `lookup`. Empty values
    /// count as unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<MailConfig, MailError> {
        let var = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };

        let from_raw = var(ENV_MAIL_FROM).unwrap_or_else(|| DEFAULT_MAIL_FROM.to_owned());
        let from = from_raw.parse::<Mailbox>().map_err(|e| MailError::InvalidSetting {
            var: ENV_MAIL_FROM,
            problem: format!(
                "\"{from_raw}\" is not an email address ({e}); use e.g. \"Orgdesk <no-reply@example.com>\""
            ),
        })?;

        let dev_mailbox = match var(ENV_DEV_MAILBOX).as_deref() {
            None | Some("0" | "false" | "no") => false,
            Some("1" | "true" | "yes") => true,
            Some(other) => {
                return Err(MailError::InvalidSetting {
                    var: ENV_DEV_MAILBOX,
                    problem: format!("\"{other}\" is not 1 or 0"),
                })
            }
        };
        let delivery = match var(ENV_SMTP_HOST) {
            None => {
                // SMTP details without a host would be silently ignored: say so instead.
                for name in [
                    ENV_SMTP_PORT,
                    ENV_SMTP_TLS,
                    ENV_SMTP_USERNAME,
                    ENV_SMTP_PASSWORD,
                    ENV_SMTP_MAX_CONNECTIONS,
                    ENV_SMTP_CA_FILE,
                ] {
                    if var(name).is_some() {
                        return Err(MailError::InvalidSetting {
                            var: ENV_SMTP_HOST,
                            problem: format!(
                                "{name} is set but {ENV_SMTP_HOST} is not; set the SMTP host, or unset {name}"
                            ),
                        });
                    }
                }
                if dev_mailbox {
                    let dir = var(ENV_DEV_MAILBOX_DIR)
                        .unwrap_or_else(|| DEFAULT_DEV_MAILBOX_DIR.to_owned());
                    Delivery::DevMailbox(PathBuf::from(dir))
                } else {
                    Delivery::Hold
                }
            }
            Some(_) if dev_mailbox => {
                return Err(MailError::InvalidSetting {
                    var: ENV_DEV_MAILBOX,
                    problem: format!(
                        "the dev mailbox and {ENV_SMTP_HOST} exclude each other; unset one"
                    ),
                })
            }
            Some(host) => {
                if host.contains(char::is_whitespace) || host.contains('/') {
                    return Err(MailError::InvalidSetting {
                        var: ENV_SMTP_HOST,
                        problem: format!("\"{host}\" is not a host name; use e.g. smtp.example.com (no scheme, no port)"),
                    });
                }
                let tls = match var(ENV_SMTP_TLS) {
                    None => TlsMode::StartTls,
                    Some(raw) => {
                        raw.parse::<TlsMode>()
                            .map_err(|problem| MailError::InvalidSetting {
                                var: ENV_SMTP_TLS,
                                problem,
                            })?
                    }
                };
                let port = match var(ENV_SMTP_PORT) {
                    None => tls.default_port(),
                    Some(raw) => match raw.parse::<u16>() {
                        Ok(port) if port > 0 => port,
                        _ => {
                            return Err(MailError::InvalidSetting {
                                var: ENV_SMTP_PORT,
                                problem: format!("\"{raw}\" is not a port number (1-65535)"),
                            })
                        }
                    },
                };
                let credentials = match (
                    var(ENV_SMTP_USERNAME),
                    lookup(ENV_SMTP_PASSWORD).filter(|p| !p.is_empty()),
                ) {
                    (Some(user), Some(password)) => Some((user, password)),
                    (None, None) => None,
                    (Some(_), None) => {
                        return Err(MailError::InvalidSetting {
                            var: ENV_SMTP_PASSWORD,
                            problem: format!(
                                "{ENV_SMTP_USERNAME} is set but the password is empty"
                            ),
                        })
                    }
                    (None, Some(_)) => {
                        return Err(MailError::InvalidSetting {
                            var: ENV_SMTP_USERNAME,
                            problem: format!(
                                "{ENV_SMTP_PASSWORD} is set but the username is empty"
                            ),
                        })
                    }
                };
                // A password sent over a plain connection can be read on every network it
                // crosses; only this machine's own relay may take one without TLS.
                if credentials.is_some()
                    && tls == TlsMode::None
                    && !orgdesk_core::net::is_loopback_host(&host)
                {
                    return Err(MailError::InvalidSetting {
                        var: ENV_SMTP_TLS,
                        problem: format!(
                            "none would send {ENV_SMTP_PASSWORD} unencrypted to {host}; use starttls or tls (plain SMTP with a password only to this machine)"
                        ),
                    });
                }
                let ca_file = var(ENV_SMTP_CA_FILE).map(PathBuf::from);
                if ca_file.is_some() && tls == TlsMode::None {
                    return Err(MailError::InvalidSetting {
                        var: ENV_SMTP_CA_FILE,
                        problem: format!(
                            "a CA file only matters with TLS, but {ENV_SMTP_TLS} is none; set it to starttls or tls, or unset {ENV_SMTP_CA_FILE}"
                        ),
                    });
                }
                Delivery::Smtp(SmtpSettings {
                    host,
                    port,
                    tls,
                    credentials,
                    timeout: Duration::from_secs(30),
                    ca_file,
                })
            }
        };

        let mut worker = WorkerSettings::default();
        if let Some(raw) = var(ENV_SMTP_MAX_CONNECTIONS) {
            worker = match raw.parse::<usize>() {
                Ok(n) if (1..=1024).contains(&n) => WorkerSettings::for_connections(n),
                _ => {
                    return Err(MailError::InvalidSetting {
                        var: ENV_SMTP_MAX_CONNECTIONS,
                        problem: format!("\"{raw}\" is not a number of connections (1-1024)"),
                    })
                }
            };
        }

        Ok(MailConfig {
            delivery,
            from,
            worker,
        })
    }

    /// Delivery into the dev mailbox at `dir`, from the default sender.
    pub fn dev_mailbox(dir: impl Into<PathBuf>) -> MailConfig {
        MailConfig {
            delivery: Delivery::DevMailbox(dir.into()),
            from: default_from(),
            worker: WorkerSettings::default(),
        }
    }

    /// Delivery over SMTP, from the default sender.
    pub fn smtp(settings: SmtpSettings) -> MailConfig {
        MailConfig {
            delivery: Delivery::Smtp(settings),
            from: default_from(),
            worker: WorkerSettings::default(),
        }
    }

    /// The dev mailbox directory when it is the active delivery (the app shows its
    /// `/dev/mailbox` page only then).
    pub fn dev_mailbox_dir(&self) -> Option<&Path> {
        match &self.delivery {
            Delivery::DevMailbox(dir) => Some(dir),
            Delivery::Smtp(_) | Delivery::Hold => None,
        }
    }

    /// Whether emails wait in the outbox (no SMTP server and no dev mailbox).
    pub fn holds(&self) -> bool {
        self.delivery == Delivery::Hold
    }

    /// One line for the startup log, without secrets.
    pub fn describe(&self) -> String {
        match &self.delivery {
            Delivery::Smtp(s) => format!(
                "SMTP {} (TLS: {}{}), from {}",
                s.server(),
                s.tls.as_str(),
                if s.credentials.is_some() {
                    ", with authentication"
                } else {
                    ""
                },
                self.from
            ),
            Delivery::DevMailbox(dir) => {
                format!("dev mailbox in {} (no SMTP host configured)", dir.display())
            }
            Delivery::Hold => "none: no SMTP host configured, emails wait in the outbox".to_owned(),
        }
    }
}

fn default_from() -> Mailbox {
    Mailbox::new(
        Some("Orgdesk".to_owned()),
        lettre::Address::new_dangerous("no-reply", "orgdesk.local"),
    )
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<MailConfig, MailError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        MailConfig::from_lookup(|name| vars.get(name).cloned())
    }

    #[test]
    fn with_nothing_configured_mail_waits_in_the_outbox() {
        let c = config(&[]).unwrap();
        assert_eq!(c.delivery, Delivery::Hold);
        assert_eq!(c.dev_mailbox_dir(), None);
        assert_eq!(c.from.to_string(), DEFAULT_MAIL_FROM);
        assert_eq!(c.from, default_from());
    }

    #[test]
    fn the_dev_mailbox_is_opt_in() {
        let c = config(&[(ENV_DEV_MAILBOX, "1")]).unwrap();
        assert_eq!(
            c.delivery,
            Delivery::DevMailbox(PathBuf::from("data/mailbox"))
        );
        assert_eq!(
            config(&[(ENV_DEV_MAILBOX, "0")]).unwrap().delivery,
            Delivery::Hold
        );
        assert!(config(&[(ENV_DEV_MAILBOX, "maybe")]).is_err());
        let both = config(&[(ENV_DEV_MAILBOX, "1"), (ENV_SMTP_HOST, "smtp.example.com")]);
        assert!(
            both.is_err(),
            "the dev mailbox never shadows a configured SMTP server"
        );
    }

    #[test]
    fn an_smtp_host_selects_smtp_with_starttls_on_587_by_default() {
        let c = config(&[(ENV_SMTP_HOST, "smtp.example.com")]).unwrap();
        let Delivery::Smtp(s) = c.delivery else {
            panic!("expected SMTP")
        };
        assert_eq!(
            (s.host.as_str(), s.port, s.tls, s.credentials),
            ("smtp.example.com", 587, TlsMode::StartTls, None)
        );
    }

    #[test]
    fn a_password_is_never_sent_in_the_clear_across_a_network() {
        let plain_with_password = |host: &str| {
            config(&[
                (ENV_SMTP_HOST, host),
                (ENV_SMTP_TLS, "none"),
                (ENV_SMTP_USERNAME, "bot"),
                (ENV_SMTP_PASSWORD, "s3cret"),
            ])
        };
        let refused = plain_with_password("smtp.example.com").unwrap_err();
        assert!(
            refused.to_string().contains(ENV_SMTP_TLS),
            "the error names the setting to change: {refused}"
        );
        assert!(plain_with_password("10.0.0.25").is_err());
        // This machine's own relay may take it, and plain SMTP without a password is allowed.
        assert!(plain_with_password("127.0.0.1").is_ok());
        assert!(plain_with_password("localhost").is_ok());
        assert!(config(&[(ENV_SMTP_HOST, "smtp.example.com"), (ENV_SMTP_TLS, "none")]).is_ok());
    }

    #[test]
    fn every_smtp_setting_is_read() {
        let c = config(&[
            (ENV_SMTP_HOST, "mail.example.org"),
            (ENV_SMTP_PORT, "2525"),
            (ENV_SMTP_TLS, "TLS"),
            (ENV_SMTP_USERNAME, "bot"),
            (ENV_SMTP_PASSWORD, "s3cret"),
            (ENV_SMTP_MAX_CONNECTIONS, "8"),
            (ENV_SMTP_CA_FILE, "/etc/acme/relay-ca.pem"),
            (ENV_MAIL_FROM, "Acme IT <it@acme.test>"),
        ])
        .unwrap();
        let Delivery::Smtp(s) = &c.delivery else {
            panic!("expected SMTP")
        };
        assert_eq!((s.port, s.tls), (2525, TlsMode::Tls));
        assert_eq!(s.credentials, Some(("bot".into(), "s3cret".into())));
        assert_eq!(
            s.ca_file.as_deref(),
            Some("/etc/acme/relay-ca.pem".as_ref())
        );
        assert_eq!(c.from.email.to_string(), "it@acme.test");
        assert_eq!((c.worker.concurrency, c.worker.batch_size), (8, 64));
        assert!(
            !format!("{c:?}").contains("s3cret"),
            "the password must not appear in Debug output"
        );
        assert!(!c.describe().contains("s3cret"));
    }

    #[test]
    fn implicit_tls_defaults_to_port_465_and_none_to_25() {
        let tls = config(&[(ENV_SMTP_HOST, "h"), (ENV_SMTP_TLS, "tls")]).unwrap();
        let none = config(&[(ENV_SMTP_HOST, "h"), (ENV_SMTP_TLS, "none")]).unwrap();
        assert!(matches!(
            tls.delivery,
            Delivery::Smtp(SmtpSettings { port: 465, .. })
        ));
        assert!(matches!(
            none.delivery,
            Delivery::Smtp(SmtpSettings { port: 25, .. })
        ));
    }

    #[test]
    fn invalid_values_are_explained_not_panicked_on() {
        let cases: &[(&[(&str, &str)], &str)] = &[
            (
                &[(ENV_SMTP_HOST, "h"), (ENV_SMTP_PORT, "smtp")],
                "ORGDESK_SMTP_PORT: \"smtp\" is not a port number",
            ),
            (
                &[(ENV_SMTP_HOST, "h"), (ENV_SMTP_PORT, "70000")],
                "is not a port number",
            ),
            (
                &[(ENV_SMTP_HOST, "h"), (ENV_SMTP_PORT, "0")],
                "is not a port number",
            ),
            (
                &[(ENV_SMTP_HOST, "h"), (ENV_SMTP_TLS, "ssl3")],
                "ORGDESK_SMTP_TLS: \"ssl3\" is not a TLS mode; use none, starttls or tls",
            ),
            (
                &[(ENV_SMTP_HOST, "h"), (ENV_SMTP_USERNAME, "bot")],
                "ORGDESK_SMTP_PASSWORD: ORGDESK_SMTP_USERNAME is set",
            ),
            (
                &[(ENV_SMTP_HOST, "h"), (ENV_SMTP_PASSWORD, "pw")],
                "ORGDESK_SMTP_USERNAME: ORGDESK_SMTP_PASSWORD is set",
            ),
            (&[(ENV_SMTP_HOST, "smtp://h:25")], "is not a host name"),
            (
                &[(ENV_SMTP_PORT, "25")],
                "ORGDESK_SMTP_PORT is set but ORGDESK_SMTP_HOST is not",
            ),
            (
                &[(ENV_MAIL_FROM, "not an address")],
                "ORGDESK_MAIL_FROM: \"not an address\" is not an email address",
            ),
            (
                &[(ENV_SMTP_HOST, "h"), (ENV_SMTP_MAX_CONNECTIONS, "0")],
                "ORGDESK_SMTP_MAX_CONNECTIONS: \"0\" is not a number of connections (1-1024)",
            ),
            (
                &[
                    (ENV_SMTP_HOST, "h"),
                    (ENV_SMTP_TLS, "none"),
                    (ENV_SMTP_CA_FILE, "/ca.pem"),
                ],
                "ORGDESK_SMTP_CA_FILE: a CA file only matters with TLS",
            ),
        ];
        for (vars, expected) in cases {
            let err = config(vars).unwrap_err().to_string();
            assert!(
                err.contains(expected),
                "{vars:?}: got {err:?}, expected it to contain {expected:?}"
            );
        }
    }

    #[test]
    fn the_dev_mailbox_directory_can_be_moved() {
        let c = config(&[
            (ENV_DEV_MAILBOX, "1"),
            (ENV_DEV_MAILBOX_DIR, "/tmp/orgdesk-mail"),
        ])
        .unwrap();
        assert_eq!(c.dev_mailbox_dir(), Some(Path::new("/tmp/orgdesk-mail")));
    }
}
