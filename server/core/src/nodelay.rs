//! PostgreSQL connections that send without Nagle's delay.
//!
//! sqlx 0.9 opens its TCP sockets without `TCP_NODELAY` (transact-rs/sqlx#4335; the fix, #4336,
//! is merged but not released), and neither sqlx's nor SeaORM's options can set it. A statement
//! whose parameters span more than one segment (a bulk reset's 10,000 ids, its JSON rows) then
//! waits for the server's delayed acknowledgement before its last bytes leave: 40 ms on Linux,
//! ≈ 0.2 s of a bulk reset of 10,000 users in one call and ≈ 0.5 s of one sent as ten calls
//! of 1,000 (docs/performance.md, sessions 13 and 16). libpq sets
//! the option on every connection; this module does it for sqlx's, from the pool's
//! `after_connect`: it asks the server for the connection's two ports, finds the socket with
//! those ends among this process's descriptors, and sets the option on it.
//!
//! Drop this module when the sqlx release with #4336 comes.

use sea_orm::sqlx::{self, PgConnection};

/// Turns Nagle's algorithm off for `conn`'s socket. A connection over a Unix socket has no
/// such delay, and one whose ports this process can't see as the server does (a NAT, a pooler
/// in between) is left as it is: either way the connection works, and only a warning is logged
/// if the server can't be asked.
pub(crate) async fn for_connection(conn: &mut PgConnection) {
    let ports: Result<(Option<i32>, Option<i32>), sqlx::Error> =
        sqlx::query_as("SELECT inet_client_port(), inet_server_port()")
            .fetch_one(&mut *conn)
            .await;
    let (local, peer) = match ports {
        Ok((Some(local), Some(peer))) => (local, peer),
        Ok(_) => return,
        Err(e) => {
            tracing::warn!("TCP_NODELAY: could not read the connection's ports: {e}");
            return;
        }
    };
    let (Ok(local), Ok(peer)) = (u16::try_from(local), u16::try_from(peer)) else {
        return;
    };
    match set_on_socket(local, peer) {
        Ok(true) => {}
        Ok(false) => tracing::debug!(
            "TCP_NODELAY: no socket of this process goes from port {local} to port {peer}"
        ),
        Err(e) => tracing::warn!("TCP_NODELAY: {e}"),
    }
}

/// Sets `TCP_NODELAY` on this process's TCP socket from port `local` to port `peer`. Whether
/// there was one.
fn set_on_socket(local: u16, peer: u16) -> std::io::Result<bool> {
    Ok(with_socket(local, peer, |socket| socket.set_tcp_nodelay(true))?.is_some())
}

/// `f` of this process's TCP socket from port `local` to port `peer`, if there is one.
#[cfg(target_os = "linux")]
fn with_socket<T>(
    local: u16,
    peer: u16,
    f: impl FnOnce(socket2::SockRef<'_>) -> std::io::Result<T>,
) -> std::io::Result<Option<T>> {
    use std::os::fd::{BorrowedFd, RawFd};

    for entry in std::fs::read_dir("/proc/self/fd")? {
        let Ok(entry) = entry else { continue };
        let Some(fd) = entry
            .file_name()
            .to_str()
            .and_then(|name| name.parse::<RawFd>().ok())
        else {
            continue;
        };
        let is_socket = std::fs::read_link(entry.path()).is_ok_and(|target| {
            target
                .as_os_str()
                .as_encoded_bytes()
                .starts_with(b"socket:")
        });
        if !is_socket {
            continue;
        }
        // SAFETY: `fd` was open a moment ago and is only borrowed for the system calls below,
        // none of which touches memory of ours. Another thread could close it (and the number
        // be reused) meanwhile; then the calls fail, or read another socket's ends, which must
        // match both ports before `f` is called.
        let fd = unsafe { BorrowedFd::borrow_raw(fd) };
        let socket = socket2::SockRef::from(&fd);
        let port = |addr: std::io::Result<socket2::SockAddr>| {
            addr.ok().and_then(|a| a.as_socket()).map(|a| a.port())
        };
        if port(socket.local_addr()) == Some(local) && port(socket.peer_addr()) == Some(peer) {
            return f(socket).map(Some);
        }
    }
    Ok(None)
}

#[cfg(not(target_os = "linux"))]
fn with_socket<T>(
    _local: u16,
    _peer: u16,
    _f: impl FnOnce(socket2::SockRef<'_>) -> std::io::Result<T>,
) -> std::io::Result<Option<T>> {
    Ok(None)
}

#[cfg(test)]
mod tests {
    use sea_orm::sqlx::{Connection, PgConnection};
    use sea_orm::{ConnectionTrait, Statement};

    /// The ends of the connection a query on `db` runs on, as the server sees them.
    async fn ports(db: &impl ConnectionTrait) -> (u16, u16) {
        let row = db
            .query_one_raw(Statement::from_string(
                db.get_database_backend(),
                "SELECT inet_client_port() AS local, inet_server_port() AS peer",
            ))
            .await
            .expect("the ports")
            .expect("a row");
        let local: i32 = row.try_get("", "local").expect("a client port");
        let peer: i32 = row.try_get("", "peer").expect("a server port");
        (local as u16, peer as u16)
    }

    fn nodelay(local: u16, peer: u16) -> bool {
        super::with_socket(local, peer, |s| s.tcp_nodelay())
            .expect("the process's descriptors")
            .expect("the connection's socket")
    }

    #[tokio::test]
    async fn a_connection_sends_without_delay_once_set() {
        let mut conn = PgConnection::connect(&orgdesk_testkit::pg_server_url())
            .await
            .expect("PostgreSQL");
        let (local, peer): (i32, i32) =
            sea_orm::sqlx::query_as("SELECT inet_client_port(), inet_server_port()")
                .fetch_one(&mut conn)
                .await
                .expect("the ports");
        let (local, peer) = (local as u16, peer as u16);
        assert!(
            !nodelay(local, peer),
            "sqlx sets TCP_NODELAY itself now: drop this module"
        );
        super::for_connection(&mut conn).await;
        assert!(nodelay(local, peer));
    }

    #[tokio::test]
    async fn the_pool_sets_it_on_its_connections() {
        let db = crate::db::open(&orgdesk_testkit::pg_server_url())
            .await
            .expect("PostgreSQL");
        let (local, peer) = ports(&db).await;
        assert!(nodelay(local, peer));
    }
}
