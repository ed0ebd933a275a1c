//! Server configuration from the environment (documented in the README).

use std::net::SocketAddr;
use std::path::PathBuf;

use leptos::prelude::LeptosOptions;
use orgdesk_core::CoreConfig;
use orgdesk_mail::MailConfig;

#[derive(Clone)]
pub struct ServerConfig {
    pub leptos: LeptosOptions,
    pub addr: SocketAddr,
    pub database_url: String,
    pub core: CoreConfig,
    pub mail: MailConfig,
    pub seed_demo: bool,
    /// End-to-end tests move time with `POST /__test/clock?minutes=N`. Never in production.
    pub test_clock: bool,
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

impl ServerConfig {
    pub async fn from_env() -> Result<Self, String> {
        let conf = leptos::prelude::get_configuration(None)
            .map_err(|e| format!("leptos configuration: {e}"))?;
        let leptos = conf.leptos_options;
        let addr = leptos.site_addr;
        let database_url =
            env("DATABASE_URL").unwrap_or_else(|| "sqlite://data/orgdesk.db?mode=rwc".to_string());
        let mut core = CoreConfig {
            public_base_url: env("ORGDESK_PUBLIC_URL")
                .unwrap_or_else(|| format!("http://{addr}"))
                .trim_end_matches('/')
                .to_string(),
            ..CoreConfig::default()
        };
        if let Some(max) = env("ORGDESK_SIGN_IN_LIMIT") {
            core.sign_in_limit.max = max.parse().map_err(|_| {
                format!(
                    "ORGDESK_SIGN_IN_LIMIT={max:?}: use a whole number of attempts per 15 minutes"
                )
            })?;
        }
        let mail = MailConfig::from_env().map_err(|e| format!("email configuration: {e}"))?;
        Ok(ServerConfig {
            leptos,
            addr,
            database_url,
            core,
            mail,
            seed_demo: env_bool("ORGDESK_SEED_DEMO", true)?,
            test_clock: env_bool("ORGDESK_TEST_CLOCK", false)?,
        })
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
        match (self.database_url.find("://"), self.database_url.rfind('@')) {
            (Some(scheme), Some(at)) if at > scheme => {
                let creds = &self.database_url[scheme + 3..at];
                let user = creds.split(':').next().unwrap_or_default();
                format!(
                    "{}{user}:***{}",
                    &self.database_url[..scheme + 3],
                    &self.database_url[at..]
                )
            }
            _ => self.database_url.clone(),
        }
    }
}
