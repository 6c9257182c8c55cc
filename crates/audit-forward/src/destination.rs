//! Where the log goes: the hub's `HOST:PORT`, as given to `--syslog`.

use std::fmt;
use std::str::FromStr;

/// A syslog-over-TLS receiver. The host is what the hub's certificate must name (a DNS name or an
/// IP address); it is kept lower-case so one hub is one key in the forwarding state.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Destination {
    host: String,
    port: u16,
}

/// A `--syslog` value that is not `HOST:PORT`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{input:?} is not a syslog destination: {reason} (expected HOST:PORT, e.g. hub.example.jp:6514 or [2001:db8::1]:6514)"
)]
pub struct DestinationError {
    input: String,
    reason: &'static str,
}

impl Destination {
    pub fn host(&self) -> &str {
        &self.host
    }

    pub fn port(&self) -> u16 {
        self.port
    }
}

impl FromStr for Destination {
    type Err = DestinationError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let error = |reason| DestinationError {
            input: input.to_owned(),
            reason,
        };
        let (host, port) = input.rsplit_once(':').ok_or_else(|| error("no port"))?;
        // An IPv6 address is written in brackets so its colons are not taken for the port's.
        let host = match host.strip_prefix('[') {
            Some(inner) => inner
                .strip_suffix(']')
                .ok_or_else(|| error("unclosed '[' around an IPv6 address"))?,
            None if host.contains(':') => {
                return Err(error("an IPv6 address must be written in brackets"));
            }
            None => host,
        };
        if host.is_empty() {
            return Err(error("no host"));
        }
        if host
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '/')
        {
            return Err(error(
                "the host contains a space, slash or control character",
            ));
        }
        let port = port
            .parse::<u16>()
            .ok()
            .filter(|&p| p != 0)
            .ok_or_else(|| error("the port is not a number from 1 to 65535"))?;
        Ok(Destination {
            host: host.to_ascii_lowercase(),
            port,
        })
    }
}

impl fmt::Display for Destination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_and_port_are_read_and_written_back() {
        let d: Destination = "Hub.Example.JP:6514".parse().expect("valid");
        assert_eq!((d.host(), d.port()), ("hub.example.jp", 6514));
        assert_eq!(d.to_string(), "hub.example.jp:6514");
        let v4: Destination = "127.0.0.1:6514".parse().expect("valid");
        assert_eq!(v4.host(), "127.0.0.1");
    }

    #[test]
    fn ipv6_addresses_are_bracketed() {
        let d: Destination = "[2001:DB8::1]:6514".parse().expect("valid");
        assert_eq!(d.host(), "2001:db8::1");
        assert_eq!(d.to_string(), "[2001:db8::1]:6514");
        assert!("2001:db8::1:6514".parse::<Destination>().is_err());
        assert!("[2001:db8::1:6514".parse::<Destination>().is_err());
    }

    #[test]
    fn missing_or_bad_parts_are_refused_with_the_input_named() {
        for bad in [
            "hub",
            "hub:",
            ":6514",
            "hub:0",
            "hub:65536",
            "hub:port",
            "a b:1",
        ] {
            let err = bad.parse::<Destination>().expect_err(bad);
            assert!(err.to_string().contains(&format!("{bad:?}")), "{err}");
        }
    }
}
