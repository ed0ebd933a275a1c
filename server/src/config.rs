//! Server configuration from the environment (documented in the README).

use std::net::SocketAddr;
use std::path::PathBuf;

use leptos::prelude::LeptosOptions;
use orgdesk_core::CoreConfig;
use orgdesk_mail::MailConfig;

#[derive(Clone)]
pub struct ServerConfig {
    pub leptos: LeptosOptions,
    /// Where the build's files are served from (`pkg`): `leptos.site_pkg_dir` is the current
    /// build's folder inside it.
    pub pkg_root: String,
    pub addr: SocketAddr,
    pub database_url: String,
    pub core: CoreConfig,
    pub mail: MailConfig,
    /// Demo mode: create the demo organization (Acme Corp) if it is missing.
    pub seed_demo: bool,
    /// The demo accounts' password when the organization is created; random if unset.
    pub demo_password: Option<String>,
    /// End-to-end tests move time with `POST /__test/clock?minutes=N`. Only in a server built
    /// with the `test-clock` cargo feature.
    pub test_clock: bool,
}

/// Something for development, demos or tests that is switched on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DevSurface {
    pub variable: &'static str,
    pub what: String,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn env_bool(name: &str, default: bool) -> Result<bool, String> {
    match env(name).as_deref() {
        None => Ok(default),
        Some("1" | "true" | "yes") => Ok(true),
        Some("0" | "false" | "no") => Ok(false),
        Some(other) => Err(format!("{name}={other:?}: use 1 or 0")),
    }
}

/// `DATABASE_URL`, or the SQLite file in `data/`.
fn database_url() -> String {
    env("DATABASE_URL").unwrap_or_else(|| "sqlite://data/orgdesk.db?mode=rwc".to_string())
}

/// The core's settings from the environment; links point at `ORGDESK_PUBLIC_URL`, or at
/// `addr` when it is unset.
fn core_config(addr: SocketAddr) -> Result<CoreConfig, String> {
    let mut core = CoreConfig {
        public_base_url: env("ORGDESK_PUBLIC_URL")
            .unwrap_or_else(|| format!("http://{addr}"))
            .trim_end_matches('/')
            .to_string(),
        ..CoreConfig::default()
    };
    if let Some(max) = env("ORGDESK_SIGN_IN_LIMIT") {
        core.sign_in_limit.max = max.parse().map_err(|_| {
            format!("ORGDESK_SIGN_IN_LIMIT={max:?}: use a whole number of attempts per 15 minutes")
        })?;
    }
    if let Some(max) = env("ORGDESK_RESEND_LIMIT") {
        core.resend_limit.max = max.parse().ok().filter(|n| *n > 0).ok_or_else(|| {
            format!("ORGDESK_RESEND_LIMIT={max:?}: use a whole number of links per person per 15 minutes, at least 1")
        })?;
    }
    if let Some(max) = env("ORGDESK_API_RATE_LIMIT") {
        core.api_limit.max = max.parse().map_err(|_| {
            format!("ORGDESK_API_RATE_LIMIT={max:?}: use a whole number of calls per minute per API token")
        })?;
    }
    if let Some(n) = env("ORGDESK_MAX_CONCURRENT_HASHES") {
        core.max_concurrent_hashes = n.parse().ok().filter(|n| *n > 0).ok_or_else(|| {
            format!("ORGDESK_MAX_CONCURRENT_HASHES={n:?}: use a whole number of password hashes at once, at least 1")
        })?;
    }
    if let Some(n) = env("ORGDESK_MAX_QUEUED_HASHES") {
        core.max_queued_hashes = n.parse().map_err(|_| {
            format!(
                "ORGDESK_MAX_QUEUED_HASHES={n:?}: use a whole number of password hashes waiting"
            )
        })?;
    }
    if let Some(n) = env("ORGDESK_SESSION_IDLE_MINUTES") {
        let max = core.session_ttl.as_secs() / 60;
        core.session_idle = n
            .parse::<u64>()
            .ok()
            .filter(|n| (5..=max).contains(n))
            .map(|n| std::time::Duration::from_secs(n * 60))
            .ok_or_else(|| {
                format!("ORGDESK_SESSION_IDLE_MINUTES={n:?}: use a whole number of minutes from 5 to {max}")
            })?;
    }
    if let Some(list) = env("ORGDESK_TRUSTED_PROXIES") {
        core.trusted_proxies = orgdesk_core::proxies::TrustedProxies::parse(&list)
            .map_err(|e| format!("ORGDESK_TRUSTED_PROXIES: {e}"))?;
    }
    Ok(core)
}

/// What the command line needs: the same database, links and email settings as the server
/// (so a link it prints or queues points where the server answers), nothing to listen on.
#[derive(Clone)]
pub struct CliConfig {
    pub database_url: String,
    pub core: CoreConfig,
    pub mail: MailConfig,
}

impl CliConfig {
    pub fn from_env() -> Result<Self, String> {
        let conf = leptos::prelude::get_configuration(None)
            .map_err(|e| format!("leptos configuration: {e}"))?;
        Ok(CliConfig {
            database_url: database_url(),
            core: core_config(conf.leptos_options.site_addr)?,
            mail: MailConfig::from_env().map_err(|e| format!("email configuration: {e}"))?,
        })
    }

    /// Whether emails can leave without the command line's help: only over SMTP (the dev
    /// mailbox and the hold both leave the link with whoever runs the command).
    pub fn smtp_configured(&self) -> bool {
        matches!(self.mail.delivery, orgdesk_mail::Delivery::Smtp(_))
    }

    /// The database URL without its password, for messages.
    pub fn redacted_database_url(&self) -> String {
        redact_url(&self.database_url)
    }
}

impl ServerConfig {
    pub async fn from_env() -> Result<Self, String> {
        let conf = leptos::prelude::get_configuration(None)
            .map_err(|e| format!("leptos configuration: {e}"))?;
        let mut leptos = conf.leptos_options;
        // The front end is in a folder named by its content when the build says so
        // (scripts/build-site.sh); files are served from the package directory either way.
        let pkg_root = leptos.site_pkg_dir.to_string();
        if let Some(build) = orgdesk_app::assets::read_hashes(&leptos.hash_file)
            .as_deref()
            .and_then(orgdesk_app::assets::build_of)
        {
            leptos.site_pkg_dir = format!("{pkg_root}/{build}").into();
        }
        // Names inside the folder are plain (Leptos' per-file hashing is not used).
        leptos.hash_files = false;
        let addr = leptos.site_addr;
        let database_url = database_url();
        let core = core_config(addr)?;
        let mail = MailConfig::from_env().map_err(|e| format!("email configuration: {e}"))?;
        let seed_demo = env_bool("ORGDESK_SEED_DEMO", false)?;
        let demo_password = env("ORGDESK_DEMO_PASSWORD");
        if demo_password.is_some() && !seed_demo {
            return Err("ORGDESK_DEMO_PASSWORD is set but ORGDESK_SEED_DEMO is not 1".into());
        }
        let test_clock = env_bool("ORGDESK_TEST_CLOCK", false)?;
        if test_clock && !cfg!(feature = "test-clock") {
            return Err("ORGDESK_TEST_CLOCK=1, but this server was built without the test-clock cargo feature (it is for end-to-end tests only)".into());
        }
        let config = ServerConfig {
            leptos,
            pkg_root,
            addr,
            database_url,
            core,
            mail,
            seed_demo,
            demo_password,
            test_clock,
        };
        config.check_dev_surfaces_are_fenced()?;
        Ok(config)
    }

    /// Every development or test surface that is on, for the start banner.
    pub fn dev_surfaces(&self) -> Vec<DevSurface> {
        let mut on = Vec::new();
        if self.seed_demo {
            on.push(DevSurface {
                variable: "ORGDESK_SEED_DEMO=1",
                what: "demo organization (Acme Corp) with a demo password".into(),
            });
        }
        if let Some(dir) = self.mail.dev_mailbox_dir() {
            on.push(DevSurface {
                variable: "ORGDESK_DEV_MAILBOX=1",
                what: format!(
                    "dev mailbox: emails are files in {}, readable by anyone at /dev/mailbox",
                    dir.display()
                ),
            });
        }
        if self.test_clock {
            on.push(DevSurface {
                variable: "ORGDESK_TEST_CLOCK=1",
                what: "test clock: anyone can move time with POST /__test/clock".into(),
            });
        }
        on
    }

    /// Why this looks like a deployment, if it does: it listens beyond loopback, or its public
    /// URL is https.
    pub fn deployed_because(&self) -> Option<String> {
        if !self.addr.ip().is_loopback() {
            Some(format!(
                "the server would listen on {} (LEPTOS_SITE_ADDR)",
                self.addr
            ))
        } else if self.core.public_base_url.starts_with("https://") {
            Some(format!(
                "ORGDESK_PUBLIC_URL is https ({})",
                self.core.public_base_url
            ))
        } else {
            None
        }
    }

    /// Dev surfaces only on loopback, and never behind an https public URL (a deployment).
    fn check_dev_surfaces_are_fenced(&self) -> Result<(), String> {
        let on = self.dev_surfaces();
        if on.is_empty() {
            return Ok(());
        }
        let names = on.iter().map(|s| s.variable).collect::<Vec<_>>().join(", ");
        match self.deployed_because() {
            Some(deployed) => Err(format!(
                "refusing to start: {names} are for development on this machine only, but {deployed}, which means a deployment. Listen on 127.0.0.1 over http, or turn them off."
            )),
            None => Ok(()),
        }
    }

    /// The folder of a SQLite database file, to create before connecting.
    pub fn sqlite_dir(&self) -> Option<PathBuf> {
        let path = self.database_url.strip_prefix("sqlite://")?;
        let path = path.split('?').next()?;
        PathBuf::from(path)
            .parent()
            .map(PathBuf::from)
            .filter(|p| !p.as_os_str().is_empty())
    }

    /// The database URL without its password, for messages.
    pub fn redacted_database_url(&self) -> String {
        redact_url(&self.database_url)
    }
}

fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            let user = creds.split(':').next().unwrap_or_default();
            format!("{}{user}:***{}", &url[..scheme + 3], &url[at..])
        }
        _ => url.to_owned(),
    }
}
