//! What a host address means for who can connect: the one place every rule and component
//! asks, for published ports (`10.32.0.1:3994:3000`, `hostIP`) and for listen settings
//! (`OLLAMA_HOST`, redis `bind`, `--http-address`).

use std::net::IpAddr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum HostScope {
    /// Loopback (`127.0.0.0/8`, `::1`, `localhost`): this host only.
    Loopback,
    /// Unspecified (`0.0.0.0`, `::`, no address, redis `*`): every interface of the host.
    Every,
    /// One private address (RFC 1918, CGNAT `100.64.0.0/10`, link-local, IPv6 ULA and
    /// link-local): the networks that address is on.
    Private,
    /// One public address.
    Public,
    /// A variable without a default (`${BIND_IP}`), or a host name: not known here.
    Unknown,
}

impl HostScope {
    /// Other hosts can connect (on some network).
    pub fn beyond_loopback(self) -> bool {
        matches!(
            self,
            HostScope::Every | HostScope::Private | HostScope::Public
        )
    }

    /// For facts: `every`, `loopback`, `private`, `public`, `unknown`.
    pub fn name(self) -> &'static str {
        match self {
            HostScope::Loopback => "loopback",
            HostScope::Every => "every",
            HostScope::Private => "private",
            HostScope::Public => "public",
            HostScope::Unknown => "unknown",
        }
    }
}

/// The scope of an address as written: brackets (`[::1]`), redis's optional-address `-`
/// prefix and `*` wildcards, and a zone (`fe80::1%eth0`) are understood.
pub fn scope(address: &str) -> HostScope {
    let a = address.trim().trim_start_matches('-');
    let a = a
        .strip_prefix('[')
        .and_then(|x| x.strip_suffix(']'))
        .unwrap_or(a);
    let a = a.split_once('%').map_or(a, |(ip, _zone)| ip);
    if matches!(a, "" | "*" | "::*") {
        return HostScope::Every;
    }
    if a.eq_ignore_ascii_case("localhost") {
        return HostScope::Loopback;
    }
    match a.parse::<IpAddr>() {
        Ok(ip) if ip.is_unspecified() => HostScope::Every,
        Ok(ip) if ip.is_loopback() => HostScope::Loopback,
        Ok(IpAddr::V4(v4)) => {
            let [a, b, ..] = v4.octets();
            if v4.is_private() || v4.is_link_local() || (a == 100 && (64..128).contains(&b)) {
                HostScope::Private
            } else {
                HostScope::Public
            }
        }
        Ok(IpAddr::V6(v6)) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return scope(&v4.to_string());
            }
            let first = v6.segments()[0];
            // fc00::/7 unique local, fe80::/10 link-local.
            if first & 0xfe00 == 0xfc00 || first & 0xffc0 == 0xfe80 {
                HostScope::Private
            } else {
                HostScope::Public
            }
        }
        Err(_) => HostScope::Unknown,
    }
}

/// How messages name where a port is published or a server listens.
pub fn describe(address: Option<&str>) -> String {
    let a = address.unwrap_or("").trim();
    match scope(a) {
        HostScope::Every => "all interfaces".to_string(),
        HostScope::Loopback => format!("loopback ({a})"),
        HostScope::Private => format!("the private address {a}"),
        HostScope::Public => format!("the public address {a}"),
        HostScope::Unknown => format!("`{a}`"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes() {
        use HostScope::*;
        for (a, want) in [
            ("", Every),
            ("0.0.0.0", Every),
            ("::", Every),
            ("[::]", Every),
            ("*", Every),
            ("-::*", Every),
            ("0:0:0:0:0:0:0:0", Every),
            ("127.0.0.1", Loopback),
            ("127.1.2.3", Loopback),
            ("::1", Loopback),
            ("-::1", Loopback),
            ("[::1]", Loopback),
            ("localhost", Loopback),
            ("10.32.0.1", Private),
            ("192.168.1.5", Private),
            ("172.16.0.1", Private),
            ("172.31.255.255", Private),
            ("100.64.0.1", Private),
            ("169.254.1.1", Private),
            ("fd00::1", Private),
            ("fe80::1%eth0", Private),
            ("::ffff:10.0.0.1", Private),
            ("172.32.0.1", Public),
            ("203.0.113.7", Public),
            ("8.8.8.8", Public),
            ("2001:db8::1", Public),
            ("${BIND_IP}", Unknown),
            ("db.internal", Unknown),
        ] {
            assert_eq!(scope(a), want, "{a}");
        }
        assert!(Every.beyond_loopback() && Private.beyond_loopback());
        assert!(!Loopback.beyond_loopback() && !Unknown.beyond_loopback());
    }

    #[test]
    fn descriptions() {
        assert_eq!(describe(None), "all interfaces");
        assert_eq!(describe(Some("10.32.0.1")), "the private address 10.32.0.1");
        assert_eq!(describe(Some("${IP}")), "`${IP}`");
    }
}
