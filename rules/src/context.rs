//! Facts about one record that need the whole bundle: shared keys, duplicate
//! serials, inventory matches, revocation status, chains. Computed once per
//! evaluation, so rules stay simple per-record expressions.

mod name_constraints;

use std::collections::BTreeSet;

use foldhash::{HashMap, HashSet};
use rayon::prelude::*;

use pkimm_model::evidence::{
    dn_key, Certificate, CompactString, EvidenceBundle, InventoryRecord, KeyClass, Sha256Hex,
    TokenKey,
};

/// Indexes over a bundle.
pub struct BundleIndex {
    has_enrolment: bool,
    enrolment_by_subject: HashMap<String, BTreeSet<&'static str>>,
    enrolment_by_key_id: HashMap<String, BTreeSet<&'static str>>,
    has_tokens: bool,
    token_private_spki: HashMap<String, bool>,
    hardware_token_serials: HashSet<String>,
    ca_spki: HashSet<Sha256Hex>,
    served_spki: HashSet<Sha256Hex>,
    spki_count: HashMap<Sha256Hex, usize>,
    spki_hosts: HashMap<Sha256Hex, HashSet<String>>,
    issuer_serial_count: HashMap<(String, CompactString), usize>,
    subjects: HashMap<String, Vec<usize>>,
    has_inventory: bool,
    inventory_issuer_serial: HashSet<(String, CompactString)>,
    inventory_serials_without_issuer: HashSet<CompactString>,
    inventory_fingerprints: HashSet<String>,
    discovered_issuer_serial: HashSet<(String, CompactString)>,
    discovered_serials: HashSet<CompactString>,
    discovered_fingerprints: HashSet<Sha256Hex>,
    endpoint_leaves: HashSet<String>,
    deployed_issuer_serial: HashSet<(String, CompactString)>,
    deployed_serials: HashSet<CompactString>,
    revoked: HashMap<(String, CompactString), String>,
    crl_numbers: HashSet<(String, String)>,
    /// Issuers with at least one delta CRL in the bundle.
    delta_issuers: HashSet<String>,
    self_signed_subjects: HashSet<String>,
    chain_to_root: Vec<bool>,
    /// By position: how many CAs above the certificate carry name
    /// constraints, and the certificate's names they do not allow; empty
    /// when no certificate in the bundle has name constraints.
    name_constraints: Vec<(usize, Vec<String>)>,
    /// `dn_key` of each certificate's issuer, by position.
    issuer_keys: Vec<String>,
}

/// Per-certificate facts from the bundle.
#[derive(Debug, Clone, Default)]
pub struct CertificateFacts {
    /// Certificates (including this one) with the same public key.
    pub spki_shared_count: usize,
    /// Distinct host names across the certificates sharing this key.
    pub key_hosts: usize,
    /// Another certificate from the same issuer has the same serial.
    pub duplicate_serial: bool,
    /// The issuer certificate is in the bundle (or the certificate is self-issued).
    pub issuer_in_bundle: bool,
    /// Issuers can be followed to a self-signed root inside the bundle.
    pub chain_to_root: bool,
    /// The bundle has inventory rows at all.
    pub inventory_available: bool,
    /// The certificate matches an inventory row.
    pub in_inventory: bool,
    /// The certificate was served by a TLS endpoint.
    pub on_endpoint: bool,
    /// A CRL in the bundle lists the certificate, with the reason.
    pub revocation_reason: Option<String>,
    /// The bundle has PKCS#11 token records at all.
    pub token_inventory: bool,
    /// A private key on a token has this certificate's public key.
    pub key_on_token: bool,
    /// That token sits in a hardware slot.
    pub key_in_hardware: bool,
    /// The bundle has enrolment endpoint records at all.
    pub enrolment_inventory: bool,
    /// The enrolment protocols an endpoint in the bundle offers for this
    /// certificate's issuer (`acme`, `cmp`, `est`, `scep`), sorted.
    pub issuer_enrolment: Vec<&'static str>,
    /// CAs above the certificate in the bundle that carry name constraints.
    pub name_constraining_cas: usize,
    /// The certificate's names that those constraints do not allow, each
    /// with the reason.
    pub name_constraint_violations: Vec<String>,
}

/// Per-key facts from the bundle.
#[derive(Debug, Clone, Default)]
pub struct KeyFacts {
    /// Certificates in the bundle with this key's public key.
    pub certificates: usize,
    /// One of them is a CA certificate.
    pub ca_certificate: bool,
    /// One of them was served by a TLS endpoint.
    pub served: bool,
    /// The key's token sits in a hardware slot.
    pub hardware: bool,
}

/// Per-inventory-row facts from the bundle.
#[derive(Debug, Clone, Default)]
pub struct InventoryFacts {
    /// A certificate with this serial and issuer (or fingerprint) was discovered.
    pub discovered: bool,
    /// That certificate was served by a TLS endpoint.
    pub deployed: bool,
}

fn host_names(certificate: &Certificate) -> impl Iterator<Item = String> + '_ {
    certificate
        .san
        .dns
        .iter()
        .chain(certificate.subject_cn.iter())
        .map(|h| h.as_str().to_ascii_lowercase())
}

impl BundleIndex {
    /// Builds the indexes.
    pub fn new(bundle: &EvidenceBundle) -> Self {
        let certificates = &bundle.certificates;
        let hardware_tokens: HashSet<&str> = bundle
            .tokens
            .iter()
            .filter(|t| t.hardware_slot)
            .map(|t| t.serial_number.as_str())
            .collect();
        // Public key hash → whether a private key with it is on a hardware token.
        let mut token_private_spki: HashMap<String, bool> = HashMap::default();
        for key in bundle.keys.iter().filter(|k| k.class == KeyClass::Private) {
            if let Some(spki) = &key.spki_sha256 {
                let hardware = hardware_tokens.contains(key.token_serial.as_str());
                *token_private_spki.entry(spki.clone()).or_default() |= hardware;
            }
        }
        // Name normalisation is the costly part: do it once, in parallel.
        let (issuer_keys, subject_keys): (Vec<String>, Vec<String>) = certificates
            .par_iter()
            .map(|c| (dn_key(&c.issuer), dn_key(&c.subject)))
            .unzip();
        // What was discovered matters only to inventory rows.
        let has_inventory = !bundle.inventory.is_empty();
        let mut spki_count: HashMap<Sha256Hex, usize> = HashMap::default();
        let mut spki_hosts: HashMap<Sha256Hex, HashSet<String>> = HashMap::default();
        let mut issuer_serial_count: HashMap<(String, CompactString), usize> = HashMap::default();
        let mut subjects: HashMap<String, Vec<usize>> = HashMap::default();
        let mut discovered_issuer_serial = HashSet::default();
        let mut discovered_serials = HashSet::default();
        let mut discovered_fingerprints = HashSet::default();
        let mut self_signed_subjects = HashSet::default();
        for (i, c) in certificates.iter().enumerate() {
            *spki_count.entry(c.spki_sha256).or_default() += 1;
            let issuer = &issuer_keys[i];
            *issuer_serial_count
                .entry((issuer.clone(), c.serial.clone()))
                .or_default() += 1;
            subjects.entry(subject_keys[i].clone()).or_default().push(i);
            if has_inventory {
                discovered_issuer_serial.insert((issuer.clone(), c.serial.clone()));
                discovered_serials.insert(c.serial.clone());
                discovered_fingerprints.insert(c.fingerprint_sha256);
            }
            if c.self_signed {
                self_signed_subjects.insert(subject_keys[i].clone());
            }
        }
        // Host names matter only for keys in more than one certificate.
        for c in certificates {
            if spki_count.get(&c.spki_sha256).is_some_and(|n| *n > 1) {
                spki_hosts
                    .entry(c.spki_sha256)
                    .or_default()
                    .extend(host_names(c));
            }
        }
        let mut inventory_issuer_serial = HashSet::default();
        let mut inventory_serials_without_issuer = HashSet::default();
        let mut inventory_fingerprints = HashSet::default();
        for row in &bundle.inventory {
            match &row.issuer {
                Some(issuer) => {
                    inventory_issuer_serial.insert((dn_key(issuer), row.serial.as_str().into()));
                }
                None => {
                    inventory_serials_without_issuer.insert(row.serial.as_str().into());
                }
            }
            if let Some(fp) = &row.fingerprint_sha256 {
                inventory_fingerprints.insert(fp.clone());
            }
        }
        let endpoint_leaves: HashSet<String> = bundle
            .tls_endpoints
            .iter()
            .filter_map(|e| e.leaf.clone())
            .chain(
                bundle
                    .chains
                    .iter()
                    .filter_map(|c| c.certificates.first().cloned()),
            )
            .collect();
        let mut deployed_issuer_serial = HashSet::default();
        let mut deployed_serials = HashSet::default();
        for (i, c) in certificates
            .iter()
            .enumerate()
            .filter(|(_, c)| endpoint_leaves.contains(c.fingerprint_sha256.as_str()))
        {
            deployed_issuer_serial.insert((issuer_keys[i].clone(), c.serial.clone()));
            deployed_serials.insert(c.serial.clone());
        }
        let mut revoked = HashMap::default();
        let mut crl_numbers = HashSet::default();
        let mut delta_issuers = HashSet::default();
        for crl in &bundle.crls {
            let issuer = dn_key(&crl.issuer);
            if crl.is_delta {
                delta_issuers.insert(issuer.clone());
            }
            for entry in &crl.entries {
                revoked.insert(
                    (issuer.clone(), entry.serial.as_str().into()),
                    entry
                        .reason
                        .clone()
                        .unwrap_or_else(|| "unspecified".to_string()),
                );
            }
            if let Some(number) = &crl.crl_number {
                crl_numbers.insert((issuer, number.clone()));
            }
        }
        let ca_spki: HashSet<Sha256Hex> = certificates
            .iter()
            .filter(|c| c.is_ca())
            .map(|c| c.spki_sha256)
            .collect();
        let served_spki: HashSet<Sha256Hex> = certificates
            .iter()
            .filter(|c| endpoint_leaves.contains(c.fingerprint_sha256.as_str()))
            .map(|c| c.spki_sha256)
            .collect();
        let (enrolment_by_subject, enrolment_by_key_id) = enrolment_issuers(bundle);
        let mut index = Self {
            has_enrolment: !bundle.enrolment_endpoints.is_empty(),
            enrolment_by_subject,
            enrolment_by_key_id,
            has_tokens: !bundle.tokens.is_empty(),
            token_private_spki,
            hardware_token_serials: hardware_tokens.into_iter().map(str::to_string).collect(),
            ca_spki,
            served_spki,
            spki_count,
            spki_hosts,
            issuer_serial_count,
            subjects,
            has_inventory,
            inventory_issuer_serial,
            inventory_serials_without_issuer,
            inventory_fingerprints,
            discovered_issuer_serial,
            discovered_serials,
            discovered_fingerprints,
            endpoint_leaves,
            deployed_issuer_serial,
            deployed_serials,
            revoked,
            crl_numbers,
            delta_issuers,
            self_signed_subjects,
            chain_to_root: Vec::new(),
            name_constraints: Vec::new(),
            issuer_keys,
        };
        index.chain_to_root = (0..certificates.len())
            .into_par_iter()
            .map(|i| index.reaches_root(certificates, i))
            .collect();
        if certificates.iter().any(|c| c.name_constraints.is_some()) {
            index.name_constraints = (0..certificates.len())
                .into_par_iter()
                .map(|i| index.name_constraints_above(certificates, i))
                .collect();
        }
        index
    }

    /// The issuer of the certificate at `position`, found by name and, when
    /// both carry them, by key identifier.
    fn issuer_position(&self, certificates: &[Certificate], position: usize) -> Option<usize> {
        let current = &certificates[position];
        let candidates = self.subjects.get(&self.issuer_keys[position])?;
        candidates.iter().copied().find(|i| {
            let issuer = &certificates[*i];
            issuer.fingerprint_sha256 != current.fingerprint_sha256
                && match (&current.authority_key_id, &issuer.subject_key_id) {
                    (Some(aki), Some(ski)) => aki == ski,
                    _ => true,
                }
        })
    }

    /// The name-constrained CAs above the certificate at `start` (at most 16
    /// steps up) and the certificate's names they do not allow. Self-issued
    /// certificates are not checked (RFC 5280 §4.2.1.10 exempts them inside a
    /// path, and a root ends it).
    fn name_constraints_above(
        &self,
        certificates: &[Certificate],
        start: usize,
    ) -> (usize, Vec<String>) {
        let certificate = &certificates[start];
        if certificate.self_issued {
            return (0, Vec::new());
        }
        let (mut cas, mut violations) = (0, Vec::new());
        let mut position = start;
        for _ in 0..16 {
            if certificates[position].self_signed {
                break;
            }
            let Some(issuer) = self.issuer_position(certificates, position) else {
                break;
            };
            let ca = &certificates[issuer];
            if let Some(constraints) = &ca.name_constraints {
                cas += 1;
                violations.extend(name_constraints::violations(
                    certificate,
                    constraints,
                    &ca.subject,
                ));
            }
            position = issuer;
        }
        (cas, violations)
    }

    /// Follows issuers by name, at most 16 steps, from the certificate at
    /// `start` to a self-signed certificate.
    fn reaches_root(&self, certificates: &[Certificate], start: usize) -> bool {
        let mut position = start;
        for _ in 0..16 {
            let current = &certificates[position];
            if current.self_signed {
                return true;
            }
            match self.issuer_position(certificates, position) {
                Some(issuer) => position = issuer,
                None => return false,
            }
        }
        false
    }

    /// Facts for the certificate at `position` in the bundle.
    pub fn certificate(&self, position: usize, c: &Certificate) -> CertificateFacts {
        let issuer = match self.issuer_keys.get(position) {
            Some(key) => key.clone(),
            None => dn_key(&c.issuer),
        };
        let shared = self.spki_count.get(&c.spki_sha256).copied().unwrap_or(1);
        CertificateFacts {
            spki_shared_count: shared,
            key_hosts: if shared > 1 {
                self.spki_hosts.get(&c.spki_sha256).map_or(0, HashSet::len)
            } else {
                1
            },
            duplicate_serial: self
                .issuer_serial_count
                .get(&(issuer.clone(), c.serial.clone()))
                .is_some_and(|n| *n > 1),
            issuer_in_bundle: c.self_issued || self.subjects.contains_key(&issuer),
            chain_to_root: self.chain_to_root.get(position).copied().unwrap_or(false),
            inventory_available: self.has_inventory,
            in_inventory: self
                .inventory_fingerprints
                .contains(c.fingerprint_sha256.as_str())
                || self
                    .inventory_issuer_serial
                    .contains(&(issuer.clone(), c.serial.clone()))
                || self.inventory_serials_without_issuer.contains(&c.serial),
            on_endpoint: self.endpoint_leaves.contains(c.fingerprint_sha256.as_str()),
            token_inventory: self.has_tokens,
            key_on_token: self.token_private_spki.contains_key(c.spki_sha256.as_str()),
            key_in_hardware: self
                .token_private_spki
                .get(c.spki_sha256.as_str())
                .copied()
                .unwrap_or(false),
            enrolment_inventory: self.has_enrolment,
            issuer_enrolment: self.issuer_enrolment(c, &issuer),
            name_constraining_cas: self.name_constraints.get(position).map_or(0, |n| n.0),
            name_constraint_violations: self
                .name_constraints
                .get(position)
                .map_or_else(Vec::new, |n| n.1.clone()),
            revocation_reason: self.revoked.get(&(issuer, c.serial.clone())).cloned(),
        }
    }

    /// The protocols offered for `c`'s issuer, found by its authority key
    /// id or its issuer name (`issuer` normalised).
    fn issuer_enrolment(&self, c: &Certificate, issuer: &str) -> Vec<&'static str> {
        if !self.has_enrolment {
            return Vec::new();
        }
        let mut protocols: BTreeSet<&'static str> = BTreeSet::new();
        if let Some(found) = c
            .authority_key_id
            .as_ref()
            .and_then(|aki| self.enrolment_by_key_id.get(aki))
        {
            protocols.extend(found);
        }
        if let Some(found) = self.enrolment_by_subject.get(issuer) {
            protocols.extend(found);
        }
        protocols.into_iter().collect()
    }

    /// Facts for a key on a token.
    pub fn key(&self, key: &TokenKey) -> KeyFacts {
        let spki = key.spki_sha256.as_deref().unwrap_or("");
        KeyFacts {
            certificates: self.spki_count.get(spki).copied().unwrap_or(0),
            ca_certificate: self.ca_spki.contains(spki),
            served: self.served_spki.contains(spki),
            hardware: self.hardware_token_serials.contains(&key.token_serial),
        }
    }

    /// Facts for an inventory row.
    pub fn inventory(&self, row: &InventoryRecord) -> InventoryFacts {
        let by_fingerprint = row
            .fingerprint_sha256
            .as_ref()
            .is_some_and(|fp| self.discovered_fingerprints.contains(fp.as_str()));
        let by_serial = match &row.issuer {
            Some(issuer) => self
                .discovered_issuer_serial
                .contains(&(dn_key(issuer), row.serial.as_str().into())),
            None => self.discovered_serials.contains(row.serial.as_str()),
        };
        let discovered = by_fingerprint || by_serial;
        let deployed = row
            .fingerprint_sha256
            .as_ref()
            .is_some_and(|fp| self.endpoint_leaves.contains(fp))
            || match &row.issuer {
                Some(issuer) => self
                    .deployed_issuer_serial
                    .contains(&(dn_key(issuer), row.serial.as_str().into())),
                None => self.deployed_serials.contains(row.serial.as_str()),
            };
        InventoryFacts {
            discovered,
            deployed,
        }
    }

    /// Whether a CRL with this issuer and number is in the bundle.
    pub fn has_crl_number(&self, issuer: &str, number: &str) -> bool {
        self.crl_numbers
            .contains(&(dn_key(issuer), number.to_string()))
    }

    /// Whether a delta CRL from this issuer is in the bundle.
    pub fn has_delta_for(&self, issuer: &str) -> bool {
        self.delta_issuers.contains(&dn_key(issuer))
    }

    /// Whether a certificate for this subject is in the bundle.
    pub fn has_subject(&self, subject: &str) -> bool {
        self.subjects.contains_key(&dn_key(subject))
    }

    /// Whether the named subject is a self-signed root in the bundle.
    pub fn is_root_subject(&self, subject: &str) -> bool {
        self.self_signed_subjects.contains(&dn_key(subject))
    }

    /// The revocation reason of a serial from an issuer, when a CRL lists it.
    pub fn revocation(&self, issuer: &str, serial: &str) -> Option<&str> {
        self.revoked
            .get(&(dn_key(issuer), serial.into()))
            .map(String::as_str)
    }
}

/// Which CAs offer which enrolment protocols, by subject name (normalised)
/// and by subject key id: the CA certificates each SCEP, CMP and EST
/// endpoint gave out (and the CA certificates among a CMP response's
/// `extraCerts`), and the issuers of certificates an ACME server's Renewal
/// Information knew (ACME directories do not name their CAs).
type ProtocolsBy = HashMap<String, BTreeSet<&'static str>>;

fn enrolment_issuers(bundle: &EvidenceBundle) -> (ProtocolsBy, ProtocolsBy) {
    let mut by_subject = ProtocolsBy::default();
    let mut by_key_id = ProtocolsBy::default();
    for endpoint in &bundle.enrolment_endpoints {
        let protocol = endpoint.protocol.name();
        let extra = endpoint
            .cmp
            .iter()
            .flat_map(|c| &c.extra_certificates)
            .filter(|f| bundle.certificate(f).is_some_and(Certificate::is_ca));
        for fingerprint in endpoint.ca_certificates.iter().chain(extra) {
            if let Some(ca) = bundle.certificate(fingerprint) {
                by_subject
                    .entry(dn_key(&ca.subject))
                    .or_default()
                    .insert(protocol);
                if let Some(ski) = &ca.subject_key_id {
                    by_key_id.entry(ski.clone()).or_default().insert(protocol);
                }
            }
        }
        for window in endpoint.acme.iter().flat_map(|a| &a.renewal_windows) {
            if let Some(known) = bundle.certificate(&window.certificate) {
                by_subject
                    .entry(dn_key(&known.issuer))
                    .or_default()
                    .insert(protocol);
                if let Some(aki) = &known.authority_key_id {
                    by_key_id.entry(aki.clone()).or_default().insert(protocol);
                }
            }
        }
    }
    (by_subject, by_key_id)
}
