//! A CycloneDX 1.6 cryptographic bill of materials (CBOM) of the evidence
//! (`pkimm report --format cbom --evidence …`, `pkimm collect … --cbom FILE`).
//!
//! Components are cryptographic assets: certificates, the public keys in
//! them, the algorithms those use, and one TLS protocol component per
//! endpoint and version with the cipher suites it accepted. Every `bom-ref`
//! is derived from what it names (a fingerprint, an SPKI hash, an algorithm
//! name, an endpoint), and components and dependencies are sorted, so two
//! scans of the same estate give the same document except for the metadata
//! timestamp, and a replaced certificate shows as exactly its own lines.
//!
//! Keys read over PKCS#11 are components of their own (`private-key`,
//! `public-key`, `secret-key`) where they were seen on a token. Not in it yet:
//! key-exchange groups (the TLS collector does not enumerate them).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use pkimm_model::evidence::{Certificate, EvidenceBundle, KeyAlgorithm};
use pkimm_model::tls_suites::suite_id;
use serde_json::{json, Value};

/// The CycloneDX version written.
pub const CBOM_SPEC_VERSION: &str = "1.6";

/// One algorithm component being collected.
struct Algorithm {
    primitive: &'static str,
    functions: &'static [&'static str],
    parameter_set: Option<String>,
    curve: Option<String>,
    classical: Option<u32>,
    quantum: u32,
    oid: Option<String>,
}

fn algorithm_ref(name: &str) -> String {
    format!("algo:{name}")
}

/// Classical security strength of an RSA or finite-field modulus (NIST SP
/// 800-57 Part 1 Table 2).
fn modulus_strength(bits: u32) -> u32 {
    match bits {
        0..=1023 => 0,
        1024..=2047 => 80,
        2048..=3071 => 112,
        3072..=7679 => 128,
        7680..=15359 => 192,
        _ => 256,
    }
}

/// The key algorithm component of a certificate's key: name and properties.
fn key_algorithm(c: &Certificate) -> (String, Algorithm) {
    let bits = c.key.bits;
    let plain =
        |primitive, functions, parameter_set: Option<String>, classical, quantum| Algorithm {
            primitive,
            functions,
            parameter_set,
            curve: None,
            classical,
            quantum,
            oid: Some(c.key.oid.to_string()),
        };
    match c.key.algorithm {
        KeyAlgorithm::Rsa | KeyAlgorithm::RsaPss => (
            format!("RSA-{bits}"),
            plain(
                "pke",
                &["encapsulate", "decapsulate", "sign", "verify"][..],
                Some(bits.to_string()),
                Some(modulus_strength(bits)),
                0,
            ),
        ),
        KeyAlgorithm::Dsa => (
            format!("DSA-{bits}"),
            plain(
                "signature",
                &["sign", "verify"][..],
                Some(bits.to_string()),
                Some(modulus_strength(bits)),
                0,
            ),
        ),
        KeyAlgorithm::Ec => {
            let curve = c.key.curve.clone().unwrap_or_else(|| "unknown".into());
            let mut algorithm = plain(
                "signature",
                &["sign", "verify"][..],
                None,
                Some(bits / 2),
                0,
            );
            algorithm.curve = Some(curve.to_string());
            (format!("ECDSA-{curve}"), algorithm)
        }
        KeyAlgorithm::Ed25519 => (
            "Ed25519".into(),
            plain("signature", &["sign", "verify"][..], None, Some(128), 0),
        ),
        KeyAlgorithm::Ed448 => (
            "Ed448".into(),
            plain("signature", &["sign", "verify"][..], None, Some(224), 0),
        ),
        KeyAlgorithm::X25519 => (
            "X25519".into(),
            plain("key-agree", &["keyderive"][..], None, Some(128), 0),
        ),
        KeyAlgorithm::X448 => (
            "X448".into(),
            plain("key-agree", &["keyderive"][..], None, Some(224), 0),
        ),
        KeyAlgorithm::MlDsa => {
            let (set, level) = match bits {
                0..=10_600 => ("44", 2),
                10_601..=15_600 => ("65", 3),
                _ => ("87", 5),
            };
            (
                format!("ML-DSA-{set}"),
                plain(
                    "signature",
                    &["sign", "verify"][..],
                    Some(set.into()),
                    None,
                    level,
                ),
            )
        }
        KeyAlgorithm::MlKem => {
            let (set, level) = match bits {
                0..=6_400 => ("512", 1),
                6_401..=9_500 => ("768", 3),
                _ => ("1024", 5),
            };
            (
                format!("ML-KEM-{set}"),
                plain(
                    "kem",
                    &["encapsulate", "decapsulate"][..],
                    Some(set.into()),
                    None,
                    level,
                ),
            )
        }
        KeyAlgorithm::CompositeMlDsa => {
            let (name, set) =
                pkimm_model::evidence::composite_ml_dsa(&c.key.oid).unwrap_or(("composite", ""));
            let level = match set {
                "ML-DSA-44" => 2,
                "ML-DSA-65" => 3,
                _ => 5,
            };
            (
                name.to_string(),
                plain(
                    "signature",
                    &["sign", "verify"][..],
                    set.strip_prefix("ML-DSA-").map(str::to_string),
                    None,
                    level,
                ),
            )
        }
        KeyAlgorithm::SlhDsa => (
            "SLH-DSA".into(),
            plain("signature", &["sign", "verify"][..], None, None, 1),
        ),
        KeyAlgorithm::Unknown => (
            format!("key-{}", c.key.oid),
            plain("unknown", &["unknown"][..], None, None, 0),
        ),
    }
}

/// The algorithm of a key on a token, named as for certificates where the
/// type is the same.
fn token_key_algorithm(k: &pkimm_model::evidence::TokenKey) -> (String, Algorithm) {
    let bits = k.bits.unwrap_or(0);
    let algorithm = |primitive,
                     functions,
                     parameter_set: Option<String>,
                     curve: Option<String>,
                     classical,
                     quantum| Algorithm {
        primitive,
        functions,
        parameter_set,
        curve,
        classical,
        quantum,
        oid: None,
    };
    match k.key_type.as_str() {
        "rsa" => (
            format!("RSA-{bits}"),
            algorithm(
                "pke",
                &["encapsulate", "decapsulate", "sign", "verify"][..],
                Some(bits.to_string()),
                None,
                Some(modulus_strength(bits)),
                0,
            ),
        ),
        "ec" => {
            let curve = k.curve.clone().unwrap_or_else(|| "unknown".to_string());
            (
                format!("ECDSA-{curve}"),
                algorithm(
                    "signature",
                    &["sign", "verify"][..],
                    None,
                    Some(curve),
                    Some(bits / 2),
                    0,
                ),
            )
        }
        "aes" => {
            let quantum = match bits {
                0..=127 => 0,
                128..=191 => 1,
                192..=255 => 3,
                _ => 5,
            };
            (
                format!("AES-{bits}"),
                algorithm(
                    "block-cipher",
                    &["encrypt", "decrypt", "keygen"][..],
                    Some(bits.to_string()),
                    None,
                    Some(bits),
                    quantum,
                ),
            )
        }
        "des3" => (
            "3DES".to_string(),
            algorithm(
                "block-cipher",
                &["encrypt", "decrypt"][..],
                Some("192".into()),
                None,
                Some(112),
                0,
            ),
        ),
        other => (
            format!("key-{other}"),
            algorithm("unknown", &["unknown"][..], None, None, None, 0),
        ),
    }
}

/// The signature algorithm component of a certificate.
fn signature_algorithm(c: &Certificate) -> (String, Algorithm) {
    let quantum = u32::from(!c.key.algorithm.quantum_vulnerable()) * 2;
    (
        c.signature.name.to_string(),
        Algorithm {
            primitive: "signature",
            functions: &["sign", "verify"],
            parameter_set: (!c.signature.hash.is_empty()).then(|| c.signature.hash.to_string()),
            curve: None,
            classical: None,
            quantum,
            oid: Some(c.signature.oid.to_string()),
        },
    )
}

/// The algorithms a TLS cipher suite names: key exchange, authentication,
/// bulk cipher and hash, by IANA name part.
fn suite_algorithms(suite: &str) -> Vec<(String, Algorithm)> {
    let name = suite.trim_start_matches("TLS_");
    let (exchange, rest) = match name.split_once("_WITH_") {
        Some((exchange, rest)) => (Some(exchange), rest),
        None => (None, name),
    };
    let simple = |primitive, functions: &'static [&'static str], classical| Algorithm {
        primitive,
        functions,
        parameter_set: None,
        curve: None,
        classical,
        quantum: 0,
        oid: None,
    };
    let mut out = Vec::new();
    if let Some(exchange) = exchange {
        for part in exchange.split('_') {
            let algorithm = match part {
                "ECDHE" | "ECDH" | "DHE" | "DH" => {
                    simple("key-agree", &["keygen", "keyderive"][..], None)
                }
                "RSA" => simple(
                    "pke",
                    &["encapsulate", "decapsulate", "sign", "verify"][..],
                    None,
                ),
                "ECDSA" | "DSS" => simple("signature", &["sign", "verify"][..], None),
                "anon" | "EXPORT" | "EXPORT1024" => simple("other", &["other"][..], Some(0)),
                _ => continue,
            };
            out.push((part.to_string(), algorithm));
        }
    }
    // The last part is the MAC or PRF hash; the rest is the bulk cipher.
    let (bulk, hash) = match rest.rsplit_once('_') {
        Some((bulk, hash)) if hash.starts_with("SHA") || hash == "MD5" => (bulk, hash),
        _ => (rest, ""),
    };
    if !bulk.is_empty() {
        let (primitive, classical) = match bulk {
            b if b.contains("GCM") || b.contains("CCM") || b.contains("CHACHA20") => ("ae", None),
            b if b.starts_with("RC4") => ("stream-cipher", Some(0)),
            "NULL" => ("other", Some(0)),
            _ => ("block-cipher", None),
        };
        out.push((
            bulk.replace('_', "-"),
            simple(primitive, &["encrypt", "decrypt"][..], classical),
        ));
    }
    if !hash.is_empty() {
        let name = match hash {
            "SHA" => "SHA-1".to_string(),
            h if h.starts_with("SHA") => format!("SHA-{}", &h[3..]),
            h => h.to_string(),
        };
        out.push((name, simple("hash", &["digest"][..], None)));
    }
    out
}

/// The key-establishment algorithm of a TLS group: ML-KEM hybrids and pure
/// ML-KEM as KEMs (with their NIST quantum security category), ECDH and
/// finite-field groups as key agreement.
fn group_algorithm(name: &str) -> Option<(String, Algorithm)> {
    use pkimm_model::tls_groups::{group_by_name, GroupKind};
    let group = group_by_name(name)?;
    let kem = |quantum| Algorithm {
        primitive: "kem",
        functions: &["keygen", "encapsulate", "decapsulate"],
        parameter_set: None,
        curve: None,
        classical: Some(u32::from(group.strength_bits)),
        quantum,
        oid: None,
    };
    let algorithm = match group.kind {
        // FIPS 203: ML-KEM-512, -768 and -1024 are categories 1, 3 and 5.
        GroupKind::PqHybrid | GroupKind::PqPure => kem(if name.contains("1024") {
            5
        } else if name.contains("768") {
            3
        } else {
            1
        }),
        GroupKind::Ecdh => Algorithm {
            primitive: "key-agree",
            functions: &["keygen", "keyderive"],
            parameter_set: None,
            curve: Some(name.to_string()),
            classical: Some(u32::from(group.strength_bits)),
            quantum: 0,
            oid: None,
        },
        GroupKind::Ffdh => Algorithm {
            primitive: "key-agree",
            functions: &["keygen", "keyderive"],
            parameter_set: Some(name.trim_start_matches("ffdhe").to_string()),
            curve: None,
            classical: Some(u32::from(group.strength_bits)),
            quantum: 0,
            oid: None,
        },
    };
    Some((name.to_string(), algorithm))
}

fn algorithm_component(name: &str, a: &Algorithm) -> Value {
    let mut properties = json!({
        "primitive": a.primitive,
        "executionEnvironment": "unknown",
        "implementationPlatform": "unknown",
        "cryptoFunctions": a.functions,
        "nistQuantumSecurityLevel": a.quantum,
    });
    if let Some(set) = &a.parameter_set {
        properties["parameterSetIdentifier"] = json!(set);
    }
    if let Some(curve) = &a.curve {
        properties["curve"] = json!(curve);
    }
    if let Some(level) = a.classical {
        properties["classicalSecurityLevel"] = json!(level);
    }
    let mut crypto = json!({"assetType": "algorithm", "algorithmProperties": properties});
    if let Some(oid) = &a.oid {
        crypto["oid"] = json!(oid);
    }
    json!({
        "type": "cryptographic-asset",
        "bom-ref": algorithm_ref(name),
        "name": name,
        "cryptoProperties": crypto,
    })
}

fn occurrences(locations: impl IntoIterator<Item = String>) -> Value {
    let unique: BTreeSet<String> = locations.into_iter().collect();
    json!({"occurrences": unique.into_iter().map(|l| json!({"location": l})).collect::<Vec<_>>()})
}

/// The CBOM of `bundle`.
pub fn render_bundle(bundle: &EvidenceBundle) -> Result<String, serde_json::Error> {
    let mut components: BTreeMap<String, Value> = BTreeMap::new();
    let mut algorithms: BTreeMap<String, Algorithm> = BTreeMap::new();
    let mut dependencies: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut key_users: HashMap<&str, usize> = HashMap::new();
    for c in &bundle.certificates {
        *key_users.entry(c.spki_sha256.as_str()).or_default() += 1;
    }
    for c in &bundle.certificates {
        let cert_ref = format!("cert:{}", c.fingerprint_sha256);
        let key_ref = format!("key:{}", c.spki_sha256);
        let (key_name, key_algorithm) = key_algorithm(c);
        let (signature_name, signature) = signature_algorithm(c);
        let name = c
            .subject_cn
            .first()
            .cloned()
            .unwrap_or_else(|| c.subject.clone());
        components.insert(
            cert_ref.clone(),
            json!({
                "type": "cryptographic-asset",
                "bom-ref": cert_ref,
                "name": name,
                "hashes": [{"alg": "SHA-256", "content": c.fingerprint_sha256}],
                "evidence": occurrences(c.observations.iter().map(|o| o.source.clone())),
                "cryptoProperties": {
                    "assetType": "certificate",
                    "certificateProperties": {
                        "subjectName": c.subject,
                        "issuerName": c.issuer,
                        "notValidBefore": c.not_before.to_string(),
                        "notValidAfter": c.not_after.to_string(),
                        "signatureAlgorithmRef": algorithm_ref(&signature_name),
                        "subjectPublicKeyRef": key_ref,
                        "certificateFormat": "X.509",
                        "certificateExtension": "crt",
                    },
                },
                "properties": [
                    {"name": "pkimm:serial", "value": c.serial},
                    {"name": "pkimm:ca", "value": c.is_ca().to_string()},
                ],
            }),
        );
        let reused = key_users.get(c.spki_sha256.as_str()).copied().unwrap_or(1) > 1;
        components.entry(key_ref.clone()).or_insert_with(|| {
            json!({
                "type": "cryptographic-asset",
                "bom-ref": key_ref,
                "name": format!("{key_name} public key"),
                "cryptoProperties": {
                    "assetType": "related-crypto-material",
                    "relatedCryptoMaterialProperties": {
                        "type": "public-key",
                        "id": c.spki_sha256,
                        "size": c.key.bits,
                        "algorithmRef": algorithm_ref(&key_name),
                        "format": "SubjectPublicKeyInfo",
                    },
                },
                "properties": [{"name": "pkimm:key-reused", "value": reused.to_string()}],
            })
        });
        dependencies
            .entry(cert_ref)
            .or_default()
            .extend([key_ref.clone(), algorithm_ref(&signature_name)]);
        dependencies
            .entry(key_ref)
            .or_default()
            .insert(algorithm_ref(&key_name));
        algorithms.entry(key_name).or_insert(key_algorithm);
        algorithms.entry(signature_name).or_insert(signature);
    }
    for k in &bundle.keys {
        let key_ref = format!("token-key:{}/{}/{}", k.token_serial, k.class.name(), k.id);
        let (algorithm_name, algorithm) = token_key_algorithm(k);
        let mut properties = vec![
            json!({"name": "pkimm:token", "value": k.token_label}),
            json!({"name": "pkimm:label", "value": k.label}),
        ];
        for (name, value) in [
            ("sensitive", k.sensitive),
            ("extractable", k.extractable),
            ("local", k.local),
        ] {
            if let Some(value) = value {
                properties
                    .push(json!({"name": format!("pkimm:{name}"), "value": value.to_string()}));
            }
        }
        let mut material = json!({
            "type": format!("{}-key", k.class.name()),
            "id": k.spki_sha256.clone().unwrap_or_else(|| k.id.clone()),
            "algorithmRef": algorithm_ref(&algorithm_name),
        });
        if let Some(bits) = k.bits {
            material["size"] = json!(bits);
        }
        components.insert(
            key_ref.clone(),
            json!({
                "type": "cryptographic-asset",
                "bom-ref": key_ref,
                "name": format!("{} {} key {}", k.class.name(), k.key_type, k.label),
                "evidence": occurrences([k.provenance.source.clone()]),
                "cryptoProperties": {
                    "assetType": "related-crypto-material",
                    "relatedCryptoMaterialProperties": material,
                },
                "properties": properties,
            }),
        );
        dependencies
            .entry(key_ref)
            .or_default()
            .insert(algorithm_ref(&algorithm_name));
        algorithms.entry(algorithm_name).or_insert(algorithm);
    }
    for e in &bundle.tls_endpoints {
        for version in &e.versions {
            let protocol_ref = format!("tls:{}#{version}", e.target);
            let enumerated = e.suites.iter().find(|s| s.version == *version);
            let suites: Vec<String> = if let Some(found) = enumerated {
                found.suites.clone()
            } else if version == "TLSv1.3" {
                e.negotiated
                    .iter()
                    .filter(|n| n.version == *version)
                    .map(|n| n.cipher.clone())
                    .collect()
            } else {
                e.accepted_ciphers.clone()
            };
            let mut refs = BTreeSet::new();
            let cipher_suites: Vec<Value> = suites
                .iter()
                .map(|suite| {
                    let parts = suite_algorithms(suite);
                    let part_refs: Vec<String> =
                        parts.iter().map(|(n, _)| algorithm_ref(n)).collect();
                    refs.extend(part_refs.iter().cloned());
                    for (name, algorithm) in parts {
                        algorithms.entry(name).or_insert(algorithm);
                    }
                    let mut entry = json!({"name": suite, "algorithms": part_refs});
                    if let Some(id) = suite_id(suite) {
                        entry["identifiers"] =
                            json!([format!("0x{:02X},0x{:02X}", id >> 8, id & 0xff)]);
                    }
                    entry
                })
                .collect();
            let mut group_refs = Vec::new();
            for group in &e.groups {
                if let Some((name, algorithm)) = group_algorithm(group) {
                    group_refs.push(algorithm_ref(&name));
                    algorithms.entry(name).or_insert(algorithm);
                }
            }
            refs.extend(group_refs.iter().cloned());
            let number = version
                .trim_start_matches("TLSv")
                .trim_start_matches("SSLv");
            components.insert(
                protocol_ref.clone(),
                json!({
                    "type": "cryptographic-asset",
                    "bom-ref": protocol_ref,
                    "name": format!("{version} at {}", e.target),
                    "evidence": occurrences([e.target.clone()]),
                    "cryptoProperties": {
                        "assetType": "protocol",
                        "protocolProperties": {
                            "type": if version.starts_with("SSL") { "other" } else { "tls" },
                            "version": number,
                            "cipherSuites": cipher_suites,
                            "cryptoRefArray": group_refs,
                        },
                    },
                }),
            );
            let depends = dependencies.entry(protocol_ref).or_default();
            depends.extend(refs);
            if let Some(leaf) = &e.leaf {
                depends.insert(format!("cert:{leaf}"));
            }
        }
    }
    for (name, algorithm) in &algorithms {
        components.insert(algorithm_ref(name), algorithm_component(name, algorithm));
    }
    let seed = components.keys().cloned().collect::<Vec<_>>().join("\n");
    let bom = json!({
        "bomFormat": "CycloneDX",
        "specVersion": CBOM_SPEC_VERSION,
        "serialNumber": format!("urn:uuid:{}", crate::uuid::name_uuid(&seed)),
        "version": 1,
        "metadata": {
            "timestamp": bundle.created_at.to_string(),
            "tools": {"components": [{"type": "application", "name": "pkimm", "version": env!("CARGO_PKG_VERSION")}]},
        },
        "components": components.into_values().collect::<Vec<_>>(),
        "dependencies": dependencies
            .into_iter()
            .map(|(r, on)| json!({"ref": r, "dependsOn": on.into_iter().collect::<Vec<_>>()}))
            .collect::<Vec<_>>(),
    });
    Ok(serde_json::to_string_pretty(&bom)? + "\n")
}

#[cfg(test)]
mod tests {
    use super::suite_algorithms;

    #[test]
    fn suites_split_into_their_algorithms() {
        let names = |s: &str| {
            suite_algorithms(s)
                .into_iter()
                .map(|(n, _)| n)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            names("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
            ["ECDHE", "RSA", "AES-128-GCM", "SHA-256"]
        );
        assert_eq!(names("TLS_AES_256_GCM_SHA384"), ["AES-256-GCM", "SHA-384"]);
        assert_eq!(
            names("TLS_RSA_WITH_3DES_EDE_CBC_SHA"),
            ["RSA", "3DES-EDE-CBC", "SHA-1"]
        );
        assert_eq!(
            names("TLS_AES_128_CCM_8_SHA256"),
            ["AES-128-CCM-8", "SHA-256"]
        );
        assert_eq!(names("TLS_RSA_WITH_AES_128_CCM"), ["RSA", "AES-128-CCM"]);
    }
}
