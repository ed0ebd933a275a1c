//! `ORGDESK_TRUSTED_PROXIES`: behind a load balancer every connection comes from the balancer,
//! so per-address limits would count everyone together. The client's address is then taken
//! from `X-Forwarded-For`, but only when the connection comes from a proxy we trust, and only
//! as far as the chain of trusted proxies goes (a client can write anything into the header).

use std::net::IpAddr;

/// Addresses and networks (`10.0.0.0/8`, `::1`, `fd00::/8`) of our own proxies.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<(IpAddr, u8)>);

impl TrustedProxies {
    /// A comma-separated list; `Err` names the entry that is not an address or network.
    pub fn parse(list: &str) -> Result<TrustedProxies, String> {
        let mut nets = Vec::new();
        for entry in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let bad = || format!("{entry:?} is not an IP address or network (e.g. 10.0.0.0/8)");
            let (addr, bits) = match entry.split_once('/') {
                Some((a, b)) => (a, Some(b.parse::<u8>().map_err(|_| bad())?)),
                None => (entry, None),
            };
            let addr: IpAddr = addr.parse().map_err(|_| bad())?;
            let max = if addr.is_ipv4() { 32 } else { 128 };
            let bits = bits.unwrap_or(max);
            if bits > max {
                return Err(bad());
            }
            nets.push((addr, bits));
        }
        Ok(TrustedProxies(nets))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn trusts(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0
            .iter()
            .any(|(net, bits)| contains(canonical(*net), *bits, ip))
    }

    /// The client's address: `peer` itself unless it is a trusted proxy; then the nearest
    /// address in `forwarded_for` (the `X-Forwarded-For` values, in order) that is not one.
    pub fn client_ip<'a>(
        &self,
        peer: IpAddr,
        forwarded_for: impl IntoIterator<Item = &'a str>,
    ) -> IpAddr {
        if !self.trusts(peer) {
            return canonical(peer);
        }
        let chain: Vec<&str> = forwarded_for
            .into_iter()
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect();
        let mut client = canonical(peer);
        for hop in chain.iter().rev() {
            let Ok(ip) = hop.parse::<IpAddr>() else {
                // A garbled entry: stop at the last address we can vouch for.
                break;
            };
            client = canonical(ip);
            if !self.trusts(client) {
                break;
            }
        }
        client
    }
}

fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    }
}

fn contains(net: IpAddr, bits: u8, ip: IpAddr) -> bool {
    match (net, ip) {
        (IpAddr::V4(n), IpAddr::V4(i)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(bits)).unwrap_or(0);
            u32::from(n) & mask == u32::from(i) & mask
        }
        (IpAddr::V6(n), IpAddr::V6(i)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(bits)).unwrap_or(0);
            u128::from(n) & mask == u128::from(i) & mask
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn parses_addresses_and_networks() {
        let p = TrustedProxies::parse("10.0.0.0/8, 127.0.0.1,fd00::/8").unwrap();
        assert!(p.trusts(ip("10.1.2.3")));
        assert!(p.trusts(ip("127.0.0.1")));
        assert!(p.trusts(ip("::ffff:10.9.9.9")));
        assert!(p.trusts(ip("fd12::1")));
        assert!(!p.trusts(ip("11.0.0.1")));
        assert!(!p.trusts(ip("127.0.0.2")));
        assert!(TrustedProxies::parse("").unwrap().is_empty());
        assert!(TrustedProxies::parse("10.0.0.0/33").is_err());
        assert!(TrustedProxies::parse("proxy.local").is_err());
    }

    #[test]
    fn the_client_is_the_first_untrusted_hop_from_the_right() {
        let p = TrustedProxies::parse("10.0.0.0/8").unwrap();
        // Not through a trusted proxy: the header is ignored, whatever it says.
        assert_eq!(
            p.client_ip(ip("203.0.113.5"), ["1.2.3.4"]),
            ip("203.0.113.5")
        );
        // Through our proxy.
        assert_eq!(
            p.client_ip(ip("10.0.0.2"), ["198.51.100.7"]),
            ip("198.51.100.7")
        );
        // A client that forged an entry can't hide behind it: the rightmost untrusted wins.
        assert_eq!(
            p.client_ip(ip("10.0.0.2"), ["6.6.6.6, 198.51.100.7", "10.0.0.3"]),
            ip("198.51.100.7")
        );
        // No header, or garbage: the proxy's own address.
        assert_eq!(p.client_ip(ip("10.0.0.2"), []), ip("10.0.0.2"));
        assert_eq!(p.client_ip(ip("10.0.0.2"), ["garbage"]), ip("10.0.0.2"));
        // Nobody trusted: always the peer.
        assert_eq!(
            TrustedProxies::default().client_ip(ip("10.0.0.2"), ["198.51.100.7"]),
            ip("10.0.0.2")
        );
    }
}
