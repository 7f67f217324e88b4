//! Who may do what: [`Role`]s granted per environment ([`Grant`]), read by the server to
//! decide and by the browser to hide what the user cannot do.
//!
//! - viewer: read, diff, export, history, pull, the read API;
//! - editor: what a viewer may, and bind, unbind, import, revert, test invocations, checks and
//!   discovery;
//! - admin: what an editor may, and environments and their settings, promote, application
//!   profiles and tokens.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::env_name::EnvName;

/// A role, from the least to the most allowed; each allows everything the ones before it do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads.
    Viewer,
    /// Reads and edits bindings; tests and checks them.
    Editor,
    /// Everything: environments, settings, promote, application profiles, tokens.
    Admin,
}

impl Role {
    /// Every role, least allowed first.
    pub const ALL: [Role; 3] = [Role::Viewer, Role::Editor, Role::Admin];

    /// The name on the wire and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Editor => "editor",
            Role::Admin => "admin",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;

    fn from_str(text: &str) -> Result<Role, String> {
        Role::ALL
            .into_iter()
            .find(|role| role.as_str() == text.trim())
            .ok_or_else(|| format!("`{text}` is not a role; the roles are viewer, editor and admin"))
    }
}

/// A role on some environments, or on all of them when `envs` is empty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    /// The role.
    pub role: Role,
    /// The environments it applies to; empty for every environment.
    #[serde(default)]
    pub envs: Vec<EnvName>,
}

impl Grant {
    /// Whether the grant covers `env`; a route that acts on no environment (the list of
    /// environments, tokens) is covered only by a grant on every environment.
    pub fn covers(&self, env: Option<&EnvName>) -> bool {
        self.envs.is_empty() || env.is_some_and(|env| self.envs.contains(env))
    }
}

/// The highest role `grants` give on `env`, if any.
pub fn role_on(grants: &[Grant], env: Option<&EnvName>) -> Option<Role> {
    grants.iter().filter(|grant| grant.covers(env)).map(|grant| grant.role).max()
}

/// Whether `grants` allow what needs `needed` on `env`.
pub fn allows(grants: &[Grant], needed: Role, env: Option<&EnvName>) -> bool {
    role_on(grants, env).is_some_and(|role| role >= needed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> EnvName {
        name.parse().expect("valid")
    }

    #[test]
    fn a_grant_per_environment_allows_only_there_and_a_grant_without_environments_everywhere() {
        let grants = vec![
            Grant { role: Role::Editor, envs: vec![env("dev"), env("staging")] },
            Grant { role: Role::Viewer, envs: vec![] },
        ];
        assert!(allows(&grants, Role::Editor, Some(&env("dev"))));
        assert!(!allows(&grants, Role::Editor, Some(&env("prod"))));
        assert!(allows(&grants, Role::Viewer, Some(&env("prod"))));
        assert!(!allows(&grants, Role::Admin, Some(&env("dev"))));
        assert!(allows(&grants, Role::Viewer, None), "the viewer grant covers every environment");
        assert!(!allows(&grants, Role::Editor, None), "an editor on two environments is not one on all");
    }

    #[test]
    fn roles_parse_by_name_and_say_which_exist() {
        assert_eq!("admin".parse::<Role>(), Ok(Role::Admin));
        assert!("owner".parse::<Role>().unwrap_err().contains("viewer, editor and admin"));
    }
}

/// The name of a token, shown in lists and recorded as the author of its changes: 1 to 64
/// letters, digits, `-`, `_`, `.` or `@`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct TokenName(String);

impl TokenName {
    /// The longest name accepted.
    pub const MAX_LEN: usize = 64;

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for TokenName {
    type Err = String;

    fn from_str(text: &str) -> Result<TokenName, String> {
        if text.is_empty() || text.len() > TokenName::MAX_LEN {
            return Err(format!(
                "a token name has 1 to {} characters; `{text}` has {}",
                TokenName::MAX_LEN,
                text.len()
            ));
        }
        if let Some(bad) = text.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '@'))) {
            return Err(format!("token name `{text}` contains `{bad}`; use letters, digits, `-`, `_`, `.` and `@`"));
        }
        Ok(TokenName(text.to_owned()))
    }
}

impl fmt::Display for TokenName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for TokenName {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer)?.parse().map_err(serde::de::Error::custom)
    }
}

/// An address block (`10.0.0.0/8`, `::1/128`, or one address) that requests may come from,
/// such as the proxies trusted to say who the user is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    network: std::net::IpAddr,
    prefix: u8,
}

impl Cidr {
    /// Whether `address` is in the block. An IPv4 address seen as IPv6 (`::ffff:10.0.0.1`)
    /// counts as the IPv4 address.
    pub fn contains(&self, address: std::net::IpAddr) -> bool {
        use std::net::IpAddr;
        let address = match address {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
            v4 => v4,
        };
        match (self.network, address) {
            (IpAddr::V4(network), IpAddr::V4(address)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.prefix)).unwrap_or(0);
                u32::from(network) & mask == u32::from(address) & mask
            }
            (IpAddr::V6(network), IpAddr::V6(address)) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(self.prefix)).unwrap_or(0);
                u128::from(network) & mask == u128::from(address) & mask
            }
            _ => false,
        }
    }
}

impl FromStr for Cidr {
    type Err = String;

    fn from_str(text: &str) -> Result<Cidr, String> {
        let (address, prefix) = match text.trim().split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text.trim(), None),
        };
        let network: std::net::IpAddr =
            address.parse().map_err(|_| format!("`{text}`: `{address}` is not an IP address"))?;
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(prefix) => prefix
                .parse::<u8>()
                .ok()
                .filter(|prefix| *prefix <= max)
                .ok_or_else(|| format!("`{text}`: the prefix length must be 0 to {max}"))?,
        };
        Ok(Cidr { network, prefix })
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

#[cfg(test)]
mod name_and_address_tests {
    use super::*;

    #[test]
    fn token_names_are_short_and_plain() {
        assert!("ci-deploy@team.example".parse::<TokenName>().is_ok());
        assert!("".parse::<TokenName>().is_err());
        assert!("a b".parse::<TokenName>().unwrap_err().contains("` `"));
    }

    #[test]
    fn an_address_block_contains_its_addresses_and_ipv4_seen_as_ipv6() {
        let block: Cidr = "10.1.0.0/16".parse().expect("valid");
        assert!(block.contains("10.1.200.3".parse().expect("ip")));
        assert!(block.contains("::ffff:10.1.0.9".parse().expect("ip")));
        assert!(!block.contains("10.2.0.1".parse().expect("ip")));
        let one: Cidr = "::1".parse().expect("valid");
        assert!(one.contains("::1".parse().expect("ip")) && !one.contains("::2".parse().expect("ip")));
        assert!("10.0.0.0/33".parse::<Cidr>().is_err());
        let all: Cidr = "0.0.0.0/0".parse().expect("valid");
        assert!(all.contains("192.0.2.1".parse().expect("ip")));
    }
}
