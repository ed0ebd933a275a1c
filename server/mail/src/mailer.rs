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
