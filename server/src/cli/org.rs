//! `orgdesk org …`: creating an organization with its first owner.

use clap::Subcommand;
use orgdesk_core::types::{NewMember, Role};

use super::{CliResult, ExitCode, Session};

#[derive(Subcommand, Debug)]
pub enum OrgCommand {
    /// Create an organization and invite its first owner.
    #[command(
        long_about = "Creates the organization NAME and its first owner in one step: the owner \
            is added as Invited and sent an invitation to set a password (valid 7 days). With \
            no SMTP server configured, the email waits in the outbox and the invitation link \
            is printed here, to hand over yourself. NAME must not be taken: the other commands \
            find the organization by it (or by the id printed here).",
        after_help = "Example:\n  orgdesk org create \"Acme Corp\" --owner ceo@acme.example --owner-name \"Olivia Owens\""
    )]
    Create {
        /// The organization's name, as people will see it.
        name: String,
        /// The first owner's email address.
        #[arg(long, value_name = "EMAIL")]
        owner: String,
        /// The first owner's name (default: the part of the email before the @).
        #[arg(long, value_name = "NAME")]
        owner_name: Option<String>,
    },
}

pub async fn run(session: &Session, command: OrgCommand) -> CliResult<ExitCode> {
    match command {
        OrgCommand::Create {
            name,
            owner,
            owner_name,
        } => {
            let owner_name = owner_name.unwrap_or_else(|| {
                owner
                    .trim()
                    .split('@')
                    .next()
                    .unwrap_or_default()
                    .to_owned()
            });
            let member = NewMember {
                name: owner_name,
                email: owner,
                role: Role::Owner,
                title: None,
                department: None,
            };
            let (org, invitation) = session
                .core
                .create_organization_with_owner(&name, &member, &session.os_user)
                .await
                .map_err(|e| e.to_string())?;
            println!("Created the organization {} (id {}).", org.name, org.id);
            println!(
                "Its owner {} is invited to set a password (the invitation is valid until {}).",
                invitation.email,
                invitation.expires_at.format("%Y-%m-%d %H:%M UTC")
            );
            print_invitation(session, &invitation);
            Ok(0)
        }
    }
}

/// Where an invitation goes: over SMTP by the running server, or into these hands.
pub fn print_invitation(session: &Session, invitation: &orgdesk_core::types::Invitation) {
    if session.print_links() {
        println!(
            "No SMTP server is configured, so the email waits in the outbox. Give {} this link yourself:",
            invitation.email
        );
        println!("  {}", invitation.link);
    } else {
        println!("The running server's outbox worker emails it.");
    }
}
