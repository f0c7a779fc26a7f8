//! What the hello probe enumerates beyond versions: accepted suites per
//! version and the server's order, key-exchange groups (post-quantum ones
//! included), the DH prime size, and TLS_FALLBACK_SCSV.
//!
//! Every function opens its own connections through the [`Dialer`] (so the
//! rate limit and time-outs apply) and counts them in [`Connections`].

use std::sync::atomic::{AtomicU32, Ordering};

use futures_util::future::join_all;
use pkimm_model::tls_groups::{GroupKind, GROUPS};

use super::ciphers::{client_preference_order, suite_name, TLS13_SUITES};
use super::dial::Dialer;
use super::hello::{parse_key_exchange, KeyExchangeParams, Offer, ProtocolVersion};
use super::probe::{send_offer, Accepted, ProbeError, ProbeSettings, Reply};

/// Counts the connections one endpoint scan opens.
#[derive(Debug, Default)]
pub struct Connections(AtomicU32);

impl Connections {
    /// One more connection.
    pub fn add(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }

    /// The count so far.
    pub fn count(&self) -> u32 {
        self.0.load(Ordering::Relaxed)
    }
}

/// The probe's context for one endpoint.
pub struct Prober<'a> {
    /// Connects to the endpoint (STARTTLS included).
    pub dialer: &'a Dialer,
    /// Time-outs and limits.
    pub settings: &'a ProbeSettings,
    /// SNI to send.
    pub sni: Option<&'a str>,
    /// Connections opened.
    pub connections: &'a Connections,
}

impl Prober<'_> {
    /// Sends one offer.
    pub async fn send(&self, offer: &Offer<'_>, full_flight: bool) -> Result<Reply, ProbeError> {
        self.connections.add();
        send_offer(self.dialer, self.settings, offer, full_flight).await
    }

    fn offer<'b>(&'b self, version: ProtocolVersion, suites: &'b [u16]) -> Offer<'b> {
        Offer::new(version, suites, self.sni)
    }

    /// Offers `version` with every suite the collector knows and every
    /// group, reading the full flight up to TLS 1.2.
    pub async fn first_flight(&self, version: ProtocolVersion) -> Result<Reply, ProbeError> {
        if version == ProtocolVersion::Tls13 {
            let suites = tls13_suites();
            let groups = all_groups();
            let offer = Offer {
                groups: &groups,
                ..self.offer(version, &suites)
            };
            self.send(&offer, false).await
        } else {
            let suites = client_preference_order();
            self.send(&self.offer(version, &suites), true).await
        }
    }

    /// Every suite of `suites` the server accepts under `version`, by
    /// offering the remaining ones until the server refuses, in the order
    /// the server chose them.
    pub async fn accepted_suites(
        &self,
        version: ProtocolVersion,
        suites: &[u16],
        groups: &[u16],
    ) -> Result<Vec<u16>, ProbeError> {
        let mut remaining = suites.to_vec();
        let mut accepted = Vec::new();
        while !remaining.is_empty() {
            let offer = Offer {
                groups,
                ..self.offer(version, &remaining)
            };
            match self.send(&offer, false).await? {
                Reply::Accepted(a)
                    if a.hello.version == version.wire()
                        && remaining.contains(&a.hello.cipher_suite) =>
                {
                    remaining.retain(|&s| s != a.hello.cipher_suite);
                    accepted.push(a.hello.cipher_suite);
                }
                // A lower version, or a suite we did not offer: nothing more.
                Reply::Accepted(_) | Reply::Refused(_) => break,
            }
        }
        Ok(accepted)
    }

    /// The suites accepted under `version`. Up to TLS 1.2 they are
    /// enumerated in independent families (by key exchange) in parallel;
    /// the server's preference holds within a family.
    pub async fn suites(&self, version: ProtocolVersion) -> Result<Vec<u16>, ProbeError> {
        if version == ProtocolVersion::Tls13 {
            let groups = all_groups();
            return self
                .accepted_suites(version, &tls13_suites(), &groups)
                .await;
        }
        let mut families: [Vec<u16>; 4] = Default::default();
        for suite in client_preference_order() {
            families[family(&suite_name(suite))].push(suite);
        }
        let groups = super::hello::LEGACY_GROUPS;
        let results = join_all(
            families
                .iter()
                .map(|f| self.accepted_suites(version, f, groups)),
        )
        .await;
        let mut accepted = Vec::new();
        for result in results {
            accepted.extend(result?);
        }
        Ok(accepted)
    }

    /// Whether the server imposes its own order: offered the accepted
    /// suites reversed, does it still pick its first choice? `None` for
    /// fewer than two suites.
    pub async fn server_order(
        &self,
        version: ProtocolVersion,
        accepted: &[u16],
    ) -> Result<Option<bool>, ProbeError> {
        // Compare within one key-exchange family, as enumerated.
        let first_family = accepted.first().map(|s| family(&suite_name(*s)));
        let same: Vec<u16> = accepted
            .iter()
            .copied()
            .filter(|s| Some(family(&suite_name(*s))) == first_family)
            .collect();
        if same.len() < 2 {
            return Ok(None);
        }
        let reversed: Vec<u16> = same.iter().rev().copied().collect();
        let groups = if version == ProtocolVersion::Tls13 {
            all_groups()
        } else {
            super::hello::LEGACY_GROUPS.to_vec()
        };
        let offer = Offer {
            groups: &groups,
            ..self.offer(version, &reversed)
        };
        Ok(match self.send(&offer, false).await? {
            Reply::Accepted(a) => Some(a.hello.cipher_suite == same[0]),
            Reply::Refused(_) => None,
        })
    }

    /// TLS 1.3 groups, from HelloRetryRequests: offered every remaining
    /// group without a key share, the server names the one it wants.
    /// Returns them in the order the server named them.
    pub async fn tls13_groups(&self) -> Result<Vec<u16>, ProbeError> {
        let suites = tls13_suites();
        let mut remaining = all_groups();
        let mut accepted = Vec::new();
        while !remaining.is_empty() {
            let offer = Offer {
                groups: &remaining,
                ..self.offer(ProtocolVersion::Tls13, &suites)
            };
            match self.send(&offer, false).await? {
                Reply::Accepted(a) => match retry_group(&a) {
                    Some(g) if remaining.contains(&g) => {
                        remaining.retain(|&x| x != g);
                        accepted.push(g);
                    }
                    _ => break,
                },
                Reply::Refused(_) => break,
            }
        }
        Ok(accepted)
    }

    /// Whether the server picks groups by its own order: offered the
    /// accepted groups reversed, does it still name its first choice?
    pub async fn tls13_group_order(&self, accepted: &[u16]) -> Result<Option<bool>, ProbeError> {
        if accepted.len() < 2 {
            return Ok(None);
        }
        let suites = tls13_suites();
        let reversed: Vec<u16> = accepted.iter().rev().copied().collect();
        let offer = Offer {
            groups: &reversed,
            ..self.offer(ProtocolVersion::Tls13, &suites)
        };
        Ok(match self.send(&offer, false).await? {
            Reply::Accepted(a) => retry_group(&a).map(|g| g == accepted[0]),
            Reply::Refused(_) => None,
        })
    }

    /// ECDHE curves under a TLS 1.2-or-older `version`, from the named
    /// curve in each ServerKeyExchange, offering the accepted ECDHE suites.
    pub async fn legacy_curves(
        &self,
        version: ProtocolVersion,
        ecdhe_suites: &[u16],
    ) -> Result<Vec<u16>, ProbeError> {
        let mut remaining: Vec<u16> = GROUPS
            .iter()
            .filter(|g| g.kind == GroupKind::Ecdh)
            .map(|g| g.id)
            .collect();
        let mut accepted = Vec::new();
        while !remaining.is_empty() && !ecdhe_suites.is_empty() {
            let offer = Offer {
                groups: &remaining,
                ..self.offer(version, ecdhe_suites)
            };
            let Reply::Accepted(a) = self.send(&offer, true).await? else {
                break;
            };
            match key_exchange(&a, false) {
                Some(KeyExchangeParams::Ec { group }) if remaining.contains(&group) => {
                    remaining.retain(|&g| g != group);
                    accepted.push(group);
                }
                _ => break,
            }
        }
        Ok(accepted)
    }

    /// The DH prime size for the accepted DHE suites under `version`. Only
    /// elliptic curves are offered in supported_groups, so an RFC 7919
    /// server sends its own parameters, as it would to an older client.
    pub async fn dh_bits(
        &self,
        version: ProtocolVersion,
        dhe_suites: &[u16],
    ) -> Result<Option<u32>, ProbeError> {
        if dhe_suites.is_empty() {
            return Ok(None);
        }
        let curves: Vec<u16> = GROUPS
            .iter()
            .filter(|g| g.kind == GroupKind::Ecdh)
            .map(|g| g.id)
            .collect();
        let offer = Offer {
            groups: &curves,
            ..self.offer(version, dhe_suites)
        };
        Ok(match self.send(&offer, true).await? {
            Reply::Accepted(a) => match key_exchange(&a, true) {
                Some(KeyExchangeParams::Dh { prime_bits }) => Some(prime_bits),
                _ => None,
            },
            Reply::Refused(_) => None,
        })
    }

    /// RFC 7507: offers `lower` (a version the server accepts, below its
    /// newest) with TLS_FALLBACK_SCSV. `Some(true)` when the server refuses
    /// with inappropriate_fallback, `Some(false)` when it accepts `lower`.
    pub async fn fallback_scsv(&self, lower: ProtocolVersion) -> Result<Option<bool>, ProbeError> {
        let suites = client_preference_order();
        let offer = Offer {
            fallback_scsv: true,
            ..self.offer(lower, &suites)
        };
        Ok(match self.send(&offer, false).await? {
            Reply::Refused(alert) if alert == "inappropriate_fallback" => Some(true),
            Reply::Accepted(a) if a.hello.version == lower.wire() => Some(false),
            Reply::Accepted(_) | Reply::Refused(_) => None,
        })
    }
}

/// The group a HelloRetryRequest asks for.
fn retry_group(accepted: &Accepted) -> Option<u16> {
    if accepted.hello.version != ProtocolVersion::Tls13.wire() {
        return None;
    }
    accepted.hello.group
}

/// The parameters of the ServerKeyExchange, when sent and readable.
pub fn key_exchange(accepted: &Accepted, dh: bool) -> Option<KeyExchangeParams> {
    parse_key_exchange(accepted.key_exchange.as_deref()?, dh).ok()
}

/// The suite families enumerated separately: ECDHE, DHE, static RSA, other.
fn family(name: &str) -> usize {
    if name.starts_with("TLS_ECDHE_") {
        0
    } else if name.starts_with("TLS_DHE_") {
        1
    } else if name.starts_with("TLS_RSA_") {
        2
    } else {
        3
    }
}

/// Whether a suite is a DHE suite (finite-field ephemeral DH).
pub fn is_dhe(name: &str) -> bool {
    name.starts_with("TLS_DHE_") || name.starts_with("TLS_DH_anon_")
}

/// Whether a suite is an ECDHE suite.
pub fn is_ecdhe(name: &str) -> bool {
    name.starts_with("TLS_ECDHE_") || name.starts_with("TLS_ECDH_anon_")
}

/// The TLS 1.3 suites, in a modern client's order.
pub fn tls13_suites() -> Vec<u16> {
    TLS13_SUITES.iter().map(|s| s.id).collect()
}

/// Every group the collector knows, post-quantum first.
pub fn all_groups() -> Vec<u16> {
    GROUPS.iter().map(|g| g.id).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_and_kinds() {
        assert_eq!(family("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"), 0);
        assert_eq!(family("TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"), 1);
        assert_eq!(family("TLS_RSA_WITH_AES_128_GCM_SHA256"), 2);
        assert_eq!(family("TLS_ECDH_anon_WITH_AES_128_CBC_SHA"), 3);
        assert!(is_dhe("TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"));
        assert!(!is_dhe("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"));
        assert!(is_ecdhe("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"));
        assert_eq!(tls13_suites().len(), 5);
        assert!(all_groups().contains(&0x11ec));
    }
}
