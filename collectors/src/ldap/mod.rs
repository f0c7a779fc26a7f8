//! The directory collector: PKI objects in LDAP (RFC 4523 `pkiCA`, `pkiUser`,
//! `certificationAuthority`, `cRLDistributionPoint`, `deltaCRL`) and Active
//! Directory Certificate Services objects under `CN=Public Key Services`.
//!
//! - [`sd`]: Windows security descriptors (enroll and write rights);
//! - [`template`]: certificate template flags, validity and rights.
//!
//! Certificates and CRLs found in attributes go through the same parsers as
//! the files collector. The bind password is never logged or written.

mod config;
pub mod sd;
pub mod template;

pub use config::LdapConfig;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use ldap3::adapters::{Adapter, EntriesOnly, PagedResults};
use ldap3::controls::RawControl;
use ldap3::{LdapConnAsync, LdapConnSettings, Scope, SearchEntry};
use pkimm_model::evidence::{
    DirectoryObject, EvidenceBundle, Failure, FailureKind, ObjectAcl, Principal, Provenance,
    UtcTime,
};

use crate::parse::certificate::certificate_from_der;
use crate::parse::crl::{crl_from_der, CrlOptions};
use crate::revocation::issuers::Issuers;
use template::texts_of;

/// LDAP_SERVER_SD_FLAGS_OID: ask AD for owner, group and DACL only.
const SD_FLAGS_CONTROL: &str = "1.2.840.113556.1.4.801";

/// Attributes holding certificates.
const CERTIFICATE_ATTRIBUTES: &[&str] = &["cacertificate", "usercertificate"];
/// Attributes holding CRLs.
const CRL_ATTRIBUTES: &[&str] = &[
    "certificaterevocationlist",
    "authorityrevocationlist",
    "deltarevocationlist",
];

/// The filter for PKI objects.
const FILTER: &str = "(|(objectClass=certificationAuthority)(objectClass=pkiCA)(objectClass=cRLDistributionPoint)\
(objectClass=deltaCRL)(objectClass=pkiUser)(objectClass=pKICertificateTemplate)(objectClass=pKIEnrollmentService)\
(objectClass=msPKI-Enterprise-Oid)(cACertificate=*)(userCertificate=*)(certificateRevocationList=*)\
(altSecurityIdentities=*))";

/// Attributes requested (plain names; `;binary` is stripped from results).
const ATTRIBUTES: &[&str] = &[
    "objectClass",
    "cn",
    "displayName",
    "cACertificate",
    "userCertificate",
    "certificateRevocationList",
    "authorityRevocationList",
    "deltaRevocationList",
    "crossCertificatePair",
    "dNSHostName",
    "certificateTemplates",
    "msPKI-Certificate-Name-Flag",
    "msPKI-Enrollment-Flag",
    "msPKI-Private-Key-Flag",
    "pKIExtendedKeyUsage",
    "msPKI-RA-Signature",
    "msPKI-RA-Application-Policies",
    "msPKI-Template-Schema-Version",
    "msPKI-Minimal-Key-Size",
    "pKIExpirationPeriod",
    "msPKI-Certificate-Policy",
    "msPKI-Cert-Template-OID",
    "msDS-OIDToGroupLink",
    "nTSecurityDescriptor",
    "altSecurityIdentities",
    "sAMAccountName",
];

/// The AD CS containers under Public Key Services whose rights decide ESC5
/// (the container itself is read too).
const PKI_CONTAINERS: &[&str] = &[
    "Certificate Templates",
    "Enrollment Services",
    "NTAuthCertificates",
    "AIA",
    "OID",
    "Certification Authorities",
    "CDP",
    "KRA",
];

/// Collector settings.
#[derive(Clone)]
pub struct LdapOptions {
    /// `ldap://host:port` or `ldaps://host:port`.
    pub url: String,
    /// Upgrade `ldap://` with the StartTLS extended operation.
    pub starttls: bool,
    /// TLS client configuration (trust anchors) for ldaps and StartTLS.
    pub tls: Option<Arc<rustls::ClientConfig>>,
    /// Bind DN; anonymous when absent.
    pub bind_dn: Option<String>,
    /// Bind password (from an environment variable or a file; never logged).
    pub password: Option<pkimm_model::secret::Secret>,
    /// Search bases; the root DSE's naming contexts when empty.
    pub bases: Vec<String>,
    /// Connect and operation time-out.
    pub timeout: Duration,
    /// Paged results page size.
    pub page_size: i32,
    /// Most entries read per base.
    pub max_entries: usize,
    /// CRL parsing settings.
    pub crl: CrlOptions,
    /// Agent name for provenance.
    pub agent: Option<String>,
}

impl std::fmt::Debug for LdapOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LdapOptions")
            .field("url", &self.url)
            .field("starttls", &self.starttls)
            .field("bind_dn", &self.bind_dn)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("bases", &self.bases)
            .finish_non_exhaustive()
    }
}

/// Why the directory could not be read at all.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LdapError {
    /// Connecting or the TLS upgrade failed.
    #[error("cannot connect to {url}: {message}")]
    Connect {
        /// The server.
        url: String,
        /// What happened.
        message: String,
    },
    /// The bind was refused. The password is never part of the message.
    #[error("LDAP bind as {dn} to {url} failed: {message}")]
    Bind {
        /// The server.
        url: String,
        /// The bind DN.
        dn: String,
        /// The server's answer.
        message: String,
    },
    /// Reading the root DSE failed.
    #[error("cannot read the root DSE of {url}: {message}")]
    RootDse {
        /// The server.
        url: String,
        /// What happened.
        message: String,
    },
    /// The searches read no PKI object at all, and the server's answers (or
    /// an anonymous bind) say why: nothing read is not success.
    #[error("{url}: no PKI objects were read from {bases}: {reason}")]
    NothingRead {
        /// The server.
        url: String,
        /// The bases searched.
        bases: String,
        /// The server's answers, or why an anonymous read is suspect.
        reason: String,
    },
}

/// An entry's attributes: lowercased names without `;binary`, values as bytes.
type Attributes = HashMap<String, Vec<Vec<u8>>>;

fn attributes(entry: SearchEntry) -> Attributes {
    let mut out: Attributes = HashMap::new();
    let key = |name: &str| name.split(';').next().unwrap_or(name).to_ascii_lowercase();
    for (name, values) in entry.attrs {
        out.entry(key(&name))
            .or_default()
            .extend(values.into_iter().map(String::into_bytes));
    }
    for (name, values) in entry.bin_attrs {
        out.entry(key(&name)).or_default().extend(values);
    }
    out
}

fn classify(classes: &[String]) -> &'static str {
    let has = |c: &str| classes.iter().any(|x| x.eq_ignore_ascii_case(c));
    if has("pKICertificateTemplate") {
        "certificate_template"
    } else if has("pKIEnrollmentService") {
        "enrollment_service"
    } else if has("msPKI-Enterprise-Oid") {
        "oid"
    } else if has("certificationAuthority") || has("pkiCA") {
        "certification_authority"
    } else if has("cRLDistributionPoint") || has("deltaCRL") {
        "crl_distribution_point"
    } else if has("pkiUser") {
        "pki_user"
    } else {
        "other"
    }
}

/// The certificates of a crossCertificatePair value: SEQUENCE { [0] forward,
/// [1] reverse }, both optional.
fn cross_pair_certificates(value: &[u8]) -> Vec<&[u8]> {
    fn tlv(b: &[u8]) -> Option<(u8, &[u8], &[u8])> {
        let tag = *b.first()?;
        let first = *b.get(1)?;
        let (len, head) = if first < 0x80 {
            (usize::from(first), 2)
        } else {
            let n = usize::from(first & 0x7f);
            if n == 0 || n > 4 {
                return None;
            }
            let len = b
                .get(2..2 + n)?
                .iter()
                .fold(0usize, |a, x| a << 8 | usize::from(*x));
            (len, 2 + n)
        };
        let body = b.get(head..head + len)?;
        Some((tag, body, &b[head + len..]))
    }
    let Some((0x30, mut body, _)) = tlv(value) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    while let Some((tag, inner, rest)) = tlv(body) {
        if tag == 0xa0 || tag == 0xa1 {
            out.push(inner);
        }
        body = rest;
    }
    out
}

struct Collected {
    bundle: EvidenceBundle,
    /// (index of the template's directory object, its security descriptor),
    /// for the bound account's access check.
    template_sds: Vec<(usize, Vec<u8>)>,
    /// (DN, attribute, DER, provenance) CRLs waiting for issuers.
    pending_crls: Vec<(usize, Vec<u8>, Provenance)>,
}

/// Reads the directory. Connection, TLS and bind problems are errors; problems
/// with single entries or values become failure records.
pub async fn collect_ldap(options: &LdapOptions) -> Result<EvidenceBundle, LdapError> {
    let started = UtcTime::now();
    let url = options.url.clone();
    let mut settings = LdapConnSettings::new()
        .set_conn_timeout(options.timeout)
        .set_starttls(options.starttls);
    if let Some(config) = &options.tls {
        settings = settings.set_config(config.clone());
    }
    let (conn, mut ldap) = LdapConnAsync::with_settings(settings, &url)
        .await
        .map_err(|e| LdapError::Connect {
            url: url.clone(),
            message: e.to_string(),
        })?;
    ldap3::drive!(conn);
    ldap.with_timeout(options.timeout);
    if let Some(dn) = &options.bind_dn {
        let password = options
            .password
            .as_ref()
            .map_or("", pkimm_model::secret::Secret::expose);
        let result = ldap
            .simple_bind(dn, password)
            .await
            .and_then(|r| r.success());
        if let Err(e) = result {
            return Err(LdapError::Bind {
                url,
                dn: dn.clone(),
                message: describe_ldap_error(&e),
            });
        }
    }
    // Root DSE.
    let root = ldap
        .with_timeout(options.timeout)
        .search(
            "",
            Scope::Base,
            "(objectClass=*)",
            vec![
                "namingContexts",
                "configurationNamingContext",
                "defaultNamingContext",
                "supportedControl",
            ],
        )
        .await
        .and_then(|r| r.success())
        .map_err(|e| LdapError::RootDse {
            url: url.clone(),
            message: describe_ldap_error(&e),
        })?;
    let root = root.0.into_iter().next().map(SearchEntry::construct);
    let root_attr = |name: &str| -> Vec<String> {
        root.as_ref()
            .and_then(|r| {
                r.attrs
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v.clone())
            })
            .unwrap_or_default()
    };
    let sd_flags = root_attr("supportedControl")
        .iter()
        .any(|c| c == SD_FLAGS_CONTROL);
    let bases = if options.bases.is_empty() {
        default_bases(
            &root_attr("namingContexts"),
            &root_attr("configurationNamingContext"),
            &root_attr("defaultNamingContext"),
        )
    } else {
        options.bases.clone()
    };
    // Entries already read: in AD each naming context is its own partition,
    // but a directory that keeps the configuration under the domain (slapd
    // with an AD-shaped schema) returns them twice.
    let mut seen: HashSet<String> = HashSet::new();
    let mut search_failures = 0usize;
    let mut collected = Collected {
        bundle: EvidenceBundle::new(format!("pkimm {}", env!("CARGO_PKG_VERSION"))),
        pending_crls: Vec::new(),
        template_sds: Vec::new(),
    };
    for base in &bases {
        let provenance_for = |dn: &str| Provenance {
            collector: "ldap".into(),
            source: format!("{url}/{dn}"),
            method: "ldap-search".into(),
            collected_at: UtcTime::now(),
            agent: options.agent.as_deref().map(Into::into),
        };
        if sd_flags {
            // OWNER | GROUP | DACL, non-critical, only where the server lists it.
            ldap.with_controls(RawControl {
                ctype: SD_FLAGS_CONTROL.to_string(),
                crit: false,
                val: Some(vec![0x30, 0x03, 0x02, 0x01, 0x07]),
            });
        }
        let adapters: Vec<Box<dyn Adapter<'_, &str, Vec<&str>>>> = vec![
            Box::new(EntriesOnly::new()),
            Box::new(PagedResults::new(options.page_size)),
        ];
        let mut stream = match ldap
            .streaming_search_with(adapters, base, Scope::Subtree, FILTER, ATTRIBUTES.to_vec())
            .await
        {
            Ok(stream) => stream,
            Err(e) => {
                search_failures += 1;
                collected.bundle.failures.push(Failure {
                    kind: FailureKind::Protocol,
                    message: format!("search of {base} failed: {}", describe_ldap_error(&e)),
                    offset: None,
                    provenance: provenance_for(base),
                });
                continue;
            }
        };
        let mut count = 0usize;
        loop {
            match stream.next().await {
                Ok(Some(entry)) => {
                    count += 1;
                    if count > options.max_entries {
                        collected.bundle.failures.push(Failure {
                            kind: FailureKind::TooLarge,
                            message: format!(
                                "{base}: more than {} PKI entries; the rest were not read",
                                options.max_entries
                            ),
                            offset: None,
                            provenance: provenance_for(base),
                        });
                        let _ = stream.finish().await;
                        break;
                    }
                    let entry = SearchEntry::construct(entry);
                    let dn = entry.dn.clone();
                    if !seen.insert(dn.to_ascii_lowercase()) {
                        continue;
                    }
                    add_entry(&mut collected, &dn, attributes(entry), provenance_for(&dn));
                }
                Ok(None) => {
                    let result = stream.finish().await;
                    if result.rc != 0 {
                        search_failures += 1;
                        let kind = if result.rc == 4 || result.rc == 11 {
                            FailureKind::TooLarge
                        } else {
                            FailureKind::Protocol
                        };
                        collected.bundle.failures.push(Failure {
                            kind,
                            message: format!(
                                "search of {base} ended after {count} entries with LDAP result {} ({}){}",
                                result.rc,
                                result.text,
                                if result.rc == 4 {
                                    ": the server's size limit; bind as an account with a higher limit"
                                } else {
                                    ""
                                }
                            ),
                            offset: None,
                            provenance: provenance_for(base),
                        });
                    }
                    break;
                }
                Err(e) => {
                    search_failures += 1;
                    collected.bundle.failures.push(Failure {
                        kind: FailureKind::Protocol,
                        message: format!("search of {base} stopped: {}", describe_ldap_error(&e)),
                        offset: None,
                        provenance: provenance_for(base),
                    });
                    break;
                }
            }
        }
    }
    let read_nothing = collected.bundle.directory_objects.is_empty()
        && collected.bundle.certificates.is_empty()
        && collected.pending_crls.is_empty();
    if read_nothing && (search_failures > 0 || options.bind_dn.is_none()) {
        let _ = ldap.unbind().await;
        let reason = if search_failures > 0 {
            collected
                .bundle
                .failures
                .iter()
                .map(|f| f.message.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        } else {
            "an anonymous bind found nothing, which is what a server that hides its objects from \
             anonymous reads answers: bind with --bind-dn"
                .to_string()
        };
        return Err(LdapError::NothingRead {
            url,
            bases: bases.join(", "),
            reason,
        });
    }
    let configuration: Vec<String> = bases
        .iter()
        .filter(|b| b.to_ascii_lowercase().starts_with("cn=configuration,"))
        .cloned()
        .collect();
    read_pki_acls(
        &mut ldap,
        &configuration,
        &bases,
        &mut seen,
        sd_flags,
        &mut collected.bundle,
        &|dn: &str| Provenance {
            collector: "ldap".into(),
            source: format!("{url}/{dn}"),
            method: "ldap-search".into(),
            collected_at: UtcTime::now(),
            agent: options.agent.as_deref().map(Into::into),
        },
    )
    .await;
    resolve_group_sids(&mut ldap, &bases, &mut collected.bundle).await;
    if options.bind_dn.is_some() {
        let domains: Vec<String> = bases
            .iter()
            .filter(|b| !configuration.contains(b))
            .cloned()
            .collect();
        let bind_dn = options.bind_dn.as_deref().unwrap_or_default();
        if let Some(account) = bound_account(&mut ldap, &domains, bind_dn).await {
            apply_bound_account(&mut collected, &account);
        }
    }
    let _ = ldap.unbind().await;
    finish(&mut collected, options.crl);
    collected
        .bundle
        .runs
        .push(pkimm_model::evidence::CollectionRun {
            collector: "ldap".to_string(),
            targets: bases.iter().map(|b| format!("{url}/{b}")).collect(),
            started_at: started,
            finished_at: UtcTime::now(),
            agent: options.agent.clone(),
        });
    collected.bundle.sort();
    Ok(collected.bundle)
}

/// The bases a default run searches: every naming context the root DSE
/// names (`namingContexts`, `configurationNamingContext`,
/// `defaultNamingContext`), each searched on its own, since in AD the
/// configuration is a separate partition even though its DN looks nested.
/// The schema and DNS application partitions hold no PKI objects and are
/// left out.
fn default_bases(naming: &[String], configuration: &[String], default: &[String]) -> Vec<String> {
    let mut bases: Vec<String> = Vec::new();
    for base in naming.iter().chain(configuration).chain(default) {
        let lower = base.to_ascii_lowercase();
        let schema = configuration
            .iter()
            .any(|c| lower == format!("cn=schema,{}", c.to_ascii_lowercase()));
        let dns =
            lower.starts_with("dc=domaindnszones,") || lower.starts_with("dc=forestdnszones,");
        if schema || dns || bases.iter().any(|b| b.eq_ignore_ascii_case(base)) {
            continue;
        }
        bases.push(base.clone());
    }
    bases
}

/// The account pkimm bound as, with its token (RFC 4532 Who Am I, then its
/// `objectSid` and `tokenGroups`).
struct BoundAccount {
    name: String,
    token: Vec<String>,
    /// Domain or enterprise admins, administrators: their rights are not a
    /// low-privileged principal's.
    privileged: bool,
}

/// Finds the bound account and reads its token; `None` when the server
/// does not say (no Who Am I, no `tokenGroups`).
async fn bound_account(
    ldap: &mut ldap3::Ldap,
    domains: &[String],
    bind_dn: &str,
) -> Option<BoundAccount> {
    // Who Am I (RFC 4532) where the server has it (Samba has not); else the
    // bind name itself: a DN, a user principal name or DOMAIN\\user.
    let authzid = match ldap
        .extended(ldap3::exop::WhoAmI)
        .await
        .and_then(|r| r.success())
    {
        Ok((exop, _)) => exop
            .val
            .map(|v| String::from_utf8_lossy(&v).into_owned())
            .unwrap_or_default(),
        Err(_) => String::new(),
    };
    let dn = if let Some(dn) = authzid.strip_prefix("dn:") {
        dn.to_string()
    } else if authzid.is_empty() && bind_dn.contains('=') {
        bind_dn.to_string()
    } else {
        let user = authzid.strip_prefix("u:").unwrap_or(bind_dn);
        let account = user.rsplit('\\').next().unwrap_or(user);
        let filters = [
            format!("(userPrincipalName={})", ldap3::ldap_escape(account)),
            format!(
                "(sAMAccountName={})",
                ldap3::ldap_escape(account.split('@').next().unwrap_or(account))
            ),
        ];
        let mut found = None;
        'search: for filter in &filters {
            for base in domains {
                let search = ldap
                    .search(base, Scope::Subtree, filter, vec!["1.1"])
                    .await
                    .and_then(|r| r.success());
                if let Ok((entries, _)) = search {
                    if let Some(entry) = entries.into_iter().next() {
                        found = Some(SearchEntry::construct(entry).dn);
                        break 'search;
                    }
                }
            }
        }
        found?
    };
    let (entries, _) = ldap
        .search(
            &dn,
            Scope::Base,
            "(objectClass=*)",
            vec!["objectSid", "tokenGroups", "sAMAccountName"],
        )
        .await
        .and_then(|r| r.success())
        .ok()?;
    let attrs = attributes(SearchEntry::construct(entries.into_iter().next()?));
    let sid = sd::parse_sid(attrs.get("objectsid")?.first()?, 0).ok()?;
    let mut token = vec![sid];
    for group in attrs.get("tokengroups").into_iter().flatten() {
        if let Ok(group) = sd::parse_sid(group, 0) {
            token.push(group);
        }
    }
    let privileged = token.iter().any(|s| {
        s == "S-1-5-32-544"
            || s.rsplit_once('-').is_some_and(|(d, rid)| {
                d.starts_with("S-1-5-21-") && matches!(rid, "500" | "512" | "518" | "519")
            })
    });
    let name = texts_of(&attrs, "samaccountname")
        .into_iter()
        .next()
        .unwrap_or(dn);
    Some(BoundAccount {
        name,
        token,
        privileged,
    })
}

/// A non-privileged bound account that may enroll in or change a template
/// (through any of its groups) is one more low-privileged principal on it:
/// verdicts are then also given for the account pkimm bound as.
fn apply_bound_account(collected: &mut Collected, account: &BoundAccount) {
    if account.privileged {
        return;
    }
    let principal = Principal {
        sid: account.token[0].clone(),
        name: format!("{} (the bound account)", account.name),
        low_privileged: true,
        via: Some("the account pkimm bound as, through its token groups".to_string()),
    };
    for (index, bytes) in &collected.template_sds {
        let Ok(descriptor) = sd::parse(bytes) else {
            continue;
        };
        let Some(template) = collected.bundle.directory_objects[*index].template.as_mut() else {
            continue;
        };
        let covered = |list: &[Principal]| {
            list.iter().any(|p| {
                p.low_privileged && account.token.contains(&p.sid) || p.sid == principal.sid
            })
        };
        if descriptor.token_can_enroll(&account.token) && !covered(&template.enroll_principals) {
            template.enroll_principals.push(principal.clone());
        }
        if descriptor.token_can_modify(&account.token) && !covered(&template.write_principals) {
            template.write_principals.push(principal.clone());
        }
    }
}

/// Whether objects of `kind` get their rights recorded (templates keep
/// theirs in the template).
fn kind_has_acl(kind: &str) -> bool {
    matches!(
        kind,
        "enrollment_service"
            | "ntauth"
            | "aia"
            | "oid"
            | "pki_container"
            | "ca_computer"
            | "certification_authority"
    )
}

/// The owner and the principals that can change an object, from its
/// security descriptor; `None` when it does not decode.
fn object_acl(bytes: &[u8]) -> Option<ObjectAcl> {
    let descriptor = sd::parse(bytes).ok()?;
    Some(ObjectAcl {
        owner: descriptor.owner.as_deref().map(sd::principal),
        write_principals: descriptor
            .container_writers()
            .iter()
            .map(|s| sd::principal(s))
            .collect(),
    })
}

/// Reads the rights on the AD CS containers of each configuration naming
/// context and on the enterprise CAs' computer accounts (ESC5), as
/// `pki_container` and `ca_computer` objects. Entries already read are
/// skipped; what cannot be read is left out.
async fn read_pki_acls(
    ldap: &mut ldap3::Ldap,
    configuration: &[String],
    bases: &[String],
    seen: &mut HashSet<String>,
    sd_flags: bool,
    bundle: &mut EvidenceBundle,
    provenance_for: &dyn Fn(&str) -> Provenance,
) {
    let sd_control = || RawControl {
        ctype: SD_FLAGS_CONTROL.to_string(),
        crit: false,
        val: Some(vec![0x30, 0x03, 0x02, 0x01, 0x07]),
    };
    let attrs = vec!["objectClass", "cn", "dNSHostName", "nTSecurityDescriptor"];
    let mut reads: Vec<(String, Scope, String, &'static str)> = Vec::new();
    for config in configuration {
        let pks = format!("CN=Public Key Services,CN=Services,{config}");
        reads.push((
            pks.clone(),
            Scope::Base,
            "(objectClass=*)".into(),
            "pki_container",
        ));
        for name in PKI_CONTAINERS {
            reads.push((
                format!("CN={name},{pks}"),
                Scope::Base,
                "(objectClass=*)".into(),
                "pki_container",
            ));
        }
    }
    let hosts: Vec<String> = bundle
        .directory_objects
        .iter()
        .filter(|o| o.kind == "enrollment_service")
        .flat_map(|o| o.attributes.get("dnshostname").cloned().unwrap_or_default())
        .collect();
    for base in bases.iter().filter(|b| !configuration.contains(b)) {
        for host in &hosts {
            let host = host.replace(['(', ')', '*', '\\', '\0'], "");
            reads.push((
                base.clone(),
                Scope::Subtree,
                format!("(&(objectClass=computer)(dNSHostName={host}))"),
                "ca_computer",
            ));
        }
    }
    for (base, scope, filter, kind) in reads {
        if sd_flags {
            ldap.with_controls(sd_control());
        }
        let Ok((entries, _)) = ldap
            .search(&base, scope, &filter, attrs.clone())
            .await
            .and_then(|r| r.success())
        else {
            continue;
        };
        for entry in entries.into_iter().map(SearchEntry::construct) {
            let dn = entry.dn.clone();
            let lower = dn.to_ascii_lowercase();
            let attributes = attributes(entry);
            let acl = attributes
                .get("ntsecuritydescriptor")
                .and_then(|v| v.first())
                .and_then(|b| object_acl(b));
            if seen.contains(&lower) {
                // Read by the main search (NTAuth, the OID container):
                // keep its kind, add its rights if they were not read.
                if let Some(object) = bundle
                    .directory_objects
                    .iter_mut()
                    .find(|o| o.dn.eq_ignore_ascii_case(&dn))
                {
                    if object.acl.is_none() && object.template.is_none() {
                        object.acl = acl;
                    }
                }
                continue;
            }
            seen.insert(lower);
            bundle.directory_objects.push(DirectoryObject {
                dn: dn.clone(),
                object_classes: texts_of(&attributes, "objectclass"),
                kind: kind.to_string(),
                attributes: ["cn", "dnshostname"]
                    .iter()
                    .filter_map(|k| {
                        attributes
                            .get(*k)
                            .map(|_| (k.to_string(), texts_of(&attributes, k)))
                    })
                    .collect(),
                certificates: Vec::new(),
                crls: Vec::new(),
                template: None,
                acl,
                provenance: provenance_for(&dn),
            });
        }
    }
}

/// Names the SIDs in templates that are not well known by looking them up in
/// the directory (`objectSid`), and expands the groups among them: a group
/// that holds a low-privileged principal (Domain Users, Authenticated Users,
/// …), directly or through nested groups, makes its holders' rights
/// low-privileged, with the chain recorded. Lookups that fail leave the SID
/// as it was.
async fn resolve_group_sids(ldap: &mut ldap3::Ldap, bases: &[String], bundle: &mut EvidenceBundle) {
    let mut unknown: Vec<String> = bundle
        .directory_objects
        .iter()
        .flat_map(|o| {
            let template = o.template.iter().flat_map(|t| {
                t.enroll_principals
                    .iter()
                    .chain(&t.write_principals)
                    .chain(t.owner.iter())
            });
            let acl = o
                .acl
                .iter()
                .flat_map(|a| a.write_principals.iter().chain(a.owner.iter()));
            template.chain(acl)
        })
        .filter(|p| p.name.is_empty() || !p.low_privileged)
        .filter(|p| !sd::principal(&p.sid).low_privileged)
        .map(|p| p.sid.clone())
        .collect();
    unknown.sort();
    unknown.dedup();
    let mut found: HashMap<String, (String, Option<String>)> = HashMap::new();
    let mut budget = MEMBERSHIP_LOOKUPS;
    for sid in unknown.iter().take(1000) {
        let Some(value) = sd::sid_filter_value(sid) else {
            continue;
        };
        for base in bases {
            let search = ldap
                .search(
                    base,
                    Scope::Subtree,
                    &format!("(objectSid={value})"),
                    vec!["sAMAccountName", "cn", "objectClass", "member"],
                )
                .await
                .and_then(|r| r.success());
            let Ok((entries, _)) = search else { continue };
            let Some(entry) = entries.into_iter().next().map(SearchEntry::construct) else {
                continue;
            };
            let attrs = attributes(entry);
            let first = |k: &str| {
                attrs
                    .get(k)
                    .and_then(|v| v.first())
                    .map(|v| String::from_utf8_lossy(v).into_owned())
            };
            let name = first("samaccountname")
                .or_else(|| first("cn"))
                .unwrap_or_default();
            let via = if has_class(&attrs, "group") {
                let members = texts_of(&attrs, "member");
                low_privileged_member(ldap, &name, members, &mut budget).await
            } else {
                None
            };
            found.insert(sid.clone(), (name, via));
            break;
        }
    }
    for object in &mut bundle.directory_objects {
        let template = object.template.iter_mut().flat_map(|t| {
            t.enroll_principals
                .iter_mut()
                .chain(t.write_principals.iter_mut())
                .chain(t.owner.iter_mut())
        });
        let acl = object
            .acl
            .iter_mut()
            .flat_map(|a| a.write_principals.iter_mut().chain(a.owner.iter_mut()));
        for p in template.chain(acl) {
            if let Some((name, via)) = found.get(&p.sid) {
                if p.name.is_empty() {
                    p.name.clone_from(name);
                }
                if let Some(via) = via {
                    p.low_privileged = true;
                    p.via = Some(via.clone());
                }
            }
        }
    }
}

/// Directory reads spent on group membership in one run.
const MEMBERSHIP_LOOKUPS: usize = 2000;
/// The deepest nesting followed.
const MEMBERSHIP_DEPTH: usize = 10;

fn has_class(attrs: &Attributes, class: &str) -> bool {
    attrs
        .get("objectclass")
        .is_some_and(|v| v.iter().any(|c| c.eq_ignore_ascii_case(class.as_bytes())))
}

/// Follows `member` from a group (breadth first, nested groups included, at
/// most [`MEMBERSHIP_DEPTH`] deep and `budget` reads) until it meets a
/// low-privileged principal; returns the chain (`PKI Enrollers → Helpdesk →
/// Domain Users`). Foreign security principals (`CN=S-1-5-11,…`) count by
/// their SID.
async fn low_privileged_member(
    ldap: &mut ldap3::Ldap,
    group: &str,
    members: Vec<String>,
    budget: &mut usize,
) -> Option<String> {
    let mut queue: std::collections::VecDeque<(String, Vec<String>)> = members
        .into_iter()
        .map(|m| (m, vec![group.to_string()]))
        .collect();
    let mut visited: HashSet<String> = HashSet::new();
    while let Some((dn, path)) = queue.pop_front() {
        if *budget == 0 || path.len() > MEMBERSHIP_DEPTH {
            return None;
        }
        if !visited.insert(dn.to_ascii_lowercase()) {
            continue;
        }
        *budget -= 1;
        let read = ldap
            .search(
                &dn,
                Scope::Base,
                "(objectClass=*)",
                vec!["objectSid", "objectClass", "member", "sAMAccountName", "cn"],
            )
            .await
            .and_then(|r| r.success());
        let Ok((entries, _)) = read else { continue };
        let Some(entry) = entries.into_iter().next().map(SearchEntry::construct) else {
            continue;
        };
        let attrs = attributes(entry);
        let sid = attrs
            .get("objectsid")
            .and_then(|v| v.first())
            .and_then(|b| sd::parse_sid(b, 0).ok());
        if let Some(sid) = sid {
            let principal = sd::principal(&sid);
            if principal.low_privileged {
                let mut chain = path.clone();
                chain.push(if principal.name.is_empty() {
                    sid
                } else {
                    principal.name
                });
                return Some(chain.join(" → "));
            }
        }
        if has_class(&attrs, "group") {
            let name = texts_of(&attrs, "samaccountname")
                .into_iter()
                .next()
                .or_else(|| texts_of(&attrs, "cn").into_iter().next())
                .unwrap_or_else(|| dn.clone());
            let mut next = path.clone();
            next.push(name);
            for member in texts_of(&attrs, "member") {
                queue.push_back((member, next.clone()));
            }
        }
    }
    None
}

fn describe_ldap_error(e: &ldap3::LdapError) -> String {
    e.to_string()
}

fn add_entry(collected: &mut Collected, dn: &str, attrs: Attributes, provenance: Provenance) {
    let classes: Vec<String> = attrs
        .get("objectclass")
        .map(|v| {
            v.iter()
                .map(|x| String::from_utf8_lossy(x).into_owned())
                .collect()
        })
        .unwrap_or_default();
    let mut kind = classify(&classes).to_string();
    let cn = attrs
        .get("cn")
        .and_then(|v| v.first())
        .map(|v| String::from_utf8_lossy(v).into_owned())
        .unwrap_or_default();
    let is_account = classes
        .iter()
        .any(|c| c.eq_ignore_ascii_case("user") || c.eq_ignore_ascii_case("computer"));
    if is_account && attrs.contains_key("altsecurityidentities") {
        kind = "account".to_string();
    }
    if cn.eq_ignore_ascii_case("NTAuthCertificates") {
        kind = "ntauth".to_string();
    } else if kind == "certification_authority" && dn.to_ascii_lowercase().contains(",cn=aia,") {
        kind = "aia".to_string();
    }
    let mut object = DirectoryObject {
        dn: dn.to_string(),
        object_classes: classes,
        kind,
        attributes: BTreeMap::new(),
        certificates: Vec::new(),
        crls: Vec::new(),
        template: None,
        acl: None,
        provenance: provenance.clone(),
    };
    if kind_has_acl(&object.kind) {
        object.acl = attrs
            .get("ntsecuritydescriptor")
            .and_then(|v| v.first())
            .and_then(|b| object_acl(b));
    }
    let index = collected.bundle.directory_objects.len();
    for (name, values) in &attrs {
        let name = name.as_str();
        if CERTIFICATE_ATTRIBUTES.contains(&name) || name == "crosscertificatepair" {
            for value in values {
                let ders: Vec<&[u8]> = if name == "crosscertificatepair" {
                    cross_pair_certificates(value)
                } else {
                    vec![value.as_slice()]
                };
                for der in ders {
                    let mut p = provenance.clone();
                    p.method = pkimm_model::evidence::format_compact!("ldap-search:{name}");
                    match certificate_from_der(der, p.clone()) {
                        Ok(cert) => {
                            object
                                .certificates
                                .push(cert.fingerprint_sha256.to_string());
                            collected.bundle.add_certificate(cert);
                        }
                        Err(e) => collected.bundle.failures.push(Failure {
                            kind: FailureKind::Parse,
                            message: format!("{dn} {name}: {}", e.0),
                            offset: None,
                            provenance: p,
                        }),
                    }
                }
            }
        } else if CRL_ATTRIBUTES.contains(&name) {
            // AD keeps a one-byte placeholder (a single zero) where a CA
            // has published no CRL: recorded as an empty value, not parsed.
            if values.iter().any(|v| v.len() <= 1) {
                object
                    .attributes
                    .insert(name.to_string(), vec![String::new()]);
            }
            for value in values.iter().filter(|v| v.len() > 1) {
                let mut p = provenance.clone();
                p.method = pkimm_model::evidence::format_compact!("ldap-search:{name}");
                collected.pending_crls.push((index, value.clone(), p));
            }
        } else if name != "ntsecuritydescriptor"
            && name != "pkiexpirationperiod"
            && name != "objectclass"
        {
            object.attributes.insert(
                name.to_string(),
                values
                    .iter()
                    .map(|v| String::from_utf8_lossy(v).into_owned())
                    .collect(),
            );
        }
    }
    if object.kind == "certificate_template" {
        if let Some(bytes) = attrs.get("ntsecuritydescriptor").and_then(|v| v.first()) {
            collected.template_sds.push((index, bytes.clone()));
        }
        object.template = Some(template::decode(&cn, &attrs));
    }
    collected.bundle.directory_objects.push(object);
}

/// Parses pending CRLs against every certificate found, and joins templates
/// with the enrollment services that publish them and the OID group links.
fn finish(collected: &mut Collected, crl: CrlOptions) {
    let issuers = Issuers::new(&collected.bundle.certificates);
    for (index, der, provenance) in std::mem::take(&mut collected.pending_crls) {
        let lookup = |issuer: &str, aki: Option<&str>| issuers.crl_lookup(issuer, aki);
        match crl_from_der(&der, provenance.clone(), crl, &lookup) {
            Ok(parsed) => {
                collected.bundle.directory_objects[index]
                    .crls
                    .push(parsed.fingerprint_sha256.to_string());
                collected.bundle.add_crl(parsed);
            }
            Err(e) => collected.bundle.failures.push(Failure {
                kind: FailureKind::Parse,
                message: format!("{}: {e}", provenance.source),
                offset: e.offset,
                provenance,
            }),
        }
    }
    let objects = &mut collected.bundle.directory_objects;
    let mut publishers: HashMap<String, Vec<String>> = HashMap::new();
    let mut ntauth: Vec<String> = Vec::new();
    let mut aia: Vec<String> = Vec::new();
    let mut oid_groups: HashMap<String, Vec<String>> = HashMap::new();
    for o in objects.iter() {
        match o.kind.as_str() {
            "enrollment_service" => {
                let ca = o
                    .attributes
                    .get("cn")
                    .and_then(|v| v.first())
                    .cloned()
                    .unwrap_or_else(|| o.dn.clone());
                for t in o
                    .attributes
                    .get("certificatetemplates")
                    .into_iter()
                    .flatten()
                {
                    publishers
                        .entry(t.to_ascii_lowercase())
                        .or_default()
                        .push(ca.clone());
                }
            }
            "ntauth" => ntauth.extend(o.certificates.iter().cloned()),
            "aia" => aia.extend(o.certificates.iter().cloned()),
            "oid" => {
                if let (Some(oids), Some(groups)) = (
                    o.attributes.get("mspki-cert-template-oid"),
                    o.attributes.get("msds-oidtogrouplink"),
                ) {
                    for oid in oids {
                        oid_groups
                            .entry(oid.clone())
                            .or_default()
                            .extend(groups.iter().cloned());
                    }
                }
            }
            _ => {}
        }
    }
    for o in objects.iter_mut() {
        if let Some(t) = o.template.as_mut() {
            t.published_by = publishers
                .get(&t.name.to_ascii_lowercase())
                .cloned()
                .unwrap_or_default();
            t.issuance_policy_groups = t
                .issuance_policies
                .iter()
                .flat_map(|p| oid_groups.get(p).cloned().unwrap_or_default())
                .collect();
        }
        if o.kind == "enrollment_service" {
            let in_ntauth =
                !o.certificates.is_empty() && o.certificates.iter().all(|c| ntauth.contains(c));
            let in_aia =
                !o.certificates.is_empty() && o.certificates.iter().all(|c| aia.contains(c));
            o.attributes
                .insert("ca_in_ntauth".into(), vec![in_ntauth.to_string()]);
            o.attributes
                .insert("ca_in_aia".into(), vec![in_aia.to_string()]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cross_pairs_and_classes() {
        let pair = [0x30, 0x08, 0xa0, 0x02, 0x30, 0x00, 0xa1, 0x02, 0x30, 0x00];
        assert_eq!(cross_pair_certificates(&pair).len(), 2);
        assert!(cross_pair_certificates(&[0x04, 0x00]).is_empty());
        assert!(cross_pair_certificates(&[0x30, 0x85]).is_empty());
        assert_eq!(
            classify(&["top".into(), "pkiCA".into()]),
            "certification_authority"
        );
        assert_eq!(
            classify(&["pKICertificateTemplate".into()]),
            "certificate_template"
        );
    }

    #[test]
    fn the_password_is_not_in_debug_output() {
        let options = LdapOptions {
            url: "ldap://x".into(),
            starttls: false,
            tls: None,
            bind_dn: Some("cn=admin".into()),
            password: Some(pkimm_model::secret::Secret::new("hunter2")),
            bases: Vec::new(),
            timeout: Duration::from_secs(1),
            page_size: 500,
            max_entries: 10,
            crl: CrlOptions::default(),
            agent: None,
        };
        assert!(!format!("{options:?}").contains("hunter2"));
    }
}

#[cfg(test)]
mod naming_context_tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn every_naming_context_is_searched_even_when_its_dn_looks_nested() {
        let bases = default_bases(
            &strings(&[
                "DC=corp,DC=test",
                "CN=Configuration,DC=corp,DC=test",
                "CN=Schema,CN=Configuration,DC=corp,DC=test",
                "DC=DomainDnsZones,DC=corp,DC=test",
                "DC=ForestDnsZones,DC=corp,DC=test",
            ]),
            &strings(&["CN=Configuration,DC=corp,DC=test"]),
            &strings(&["DC=corp,DC=test"]),
        );
        assert_eq!(
            bases,
            ["DC=corp,DC=test", "CN=Configuration,DC=corp,DC=test"]
        );
    }

    #[test]
    fn a_configuration_context_the_root_dse_lists_only_once_is_added() {
        let bases = default_bases(
            &strings(&["dc=example,dc=test"]),
            &strings(&["cn=Configuration,dc=example,dc=test"]),
            &[],
        );
        assert_eq!(
            bases,
            ["dc=example,dc=test", "cn=Configuration,dc=example,dc=test"]
        );
    }
}
