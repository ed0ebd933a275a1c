//! The active delivery, chosen once from [`MailConfig`].

use orgdesk_core::OutboundEmail;

use crate::config::{Delivery, MailConfig};
use crate::dev_mailbox::DevMailbox;
use crate::error::{MailError, SendFailure};
use crate::smtp::SmtpMailer;

/// Sends one message the configured way.
#[derive(Debug)]
pub enum Mailer {
    Smtp(Box<SmtpMailer>),
    DevMailbox(DevMailbox),
    /// Nowhere to send: the worker leaves every email queued (see [`Delivery::Hold`]).
    Hold,
}

impl Mailer {
    pub fn from_config(config: &MailConfig) -> Result<Mailer, MailError> {
        Ok(match &config.delivery {
            Delivery::Smtp(settings) => Mailer::Smtp(Box::new(SmtpMailer::new(
                settings.clone(),
                config.from.clone(),
                config.worker.concurrency,
            )?)),
            Delivery::DevMailbox(dir) => Mailer::DevMailbox(DevMailbox::new(dir.clone())),
            Delivery::Hold => Mailer::Hold,
        })
    }

    pub async fn send(&self, email: &OutboundEmail) -> Result<(), SendFailure> {
        match self {
            Mailer::Smtp(smtp) => smtp.send(email).await,
            Mailer::DevMailbox(mailbox) => {
                // Same rule as SMTP, so the dev mailbox never accepts what a server would refuse.
                if let Err(failure) = email.to.parse::<lettre::message::Mailbox>() {
                    return Err(SendFailure::permanent(format!(
                        "invalid recipient address: {failure}"
                    )));
                }
                mailbox.deliver(email).await.map(|_| ())
            }
            // The worker never claims emails while holding; should one get here, it stays
            // queued and is retried once SMTP is configured.
            Mailer::Hold => Err(SendFailure::transient(
                "no SMTP server is configured (ORGDESK_SMTP_HOST)".to_owned(),
            )),
        }
    }

    /// Lets go of connections unused for a while (called when the outbox is idle).
    pub async fn close_stale_connections(&self) {
        if let Mailer::Smtp(smtp) = self {
            smtp.close_stale().await;
        }
    }

    pub async fn shutdown(&self) {
        if let Mailer::Smtp(smtp) = self {
            smtp.shutdown().await;
        }
    }
}
