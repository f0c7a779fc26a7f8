//! The PKCS#11 collector: devices, keys and certificates on tokens, read-only.
//!
//! Sessions are opened read-only and nothing is generated, changed or
//! exported: pkimm reads slot and token information, the mechanism list and
//! the attributes of every visible object. The user PIN, when given, only
//! makes private objects visible; it is never printed or logged. The whole
//! read runs on its own thread under a time-out, so a module that hangs
//! cannot hold the run; attribute values larger than a cap are not fetched,
//! and at most `max_objects` objects are read per token. In the `pkimm`
//! binary the read happens in a child process ([`set_worker`]), so a module
//! that crashes ends only that process.

mod config;
mod spki;
mod worker;

pub use config::Pkcs11Config;
pub use worker::set_worker;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Duration;

use cryptoki::context::{CInitializeArgs, Pkcs11};
use cryptoki::error::{Error as CkError, RvError};
use cryptoki::object::{
    Attribute, AttributeInfo, AttributeType, KeyType, ObjectClass, ObjectHandle,
};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use cryptoki::types::AuthPin;
use pkimm_model::evidence::{
    CollectionRun, CryptoToken, EvidenceBundle, Failure, FailureKind, KeyClass, Pkcs11Library,
    Provenance, TokenKey, UtcTime,
};
use pkimm_model::secret::Secret;

use crate::parse::certificate::{certificate_from_der, sha256_hex, to_hex};

/// The collector's name in provenance records.
pub const COLLECTOR: &str = "pkcs11";

/// Largest attribute value fetched; a module claiming more is not believed.
const MAX_ATTRIBUTE_BYTES: usize = 1024 * 1024;
/// Most mechanisms recorded per token.
const MAX_MECHANISMS: usize = 1024;

/// Which tokens to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenSelector {
    /// Every slot with a token.
    All,
    /// One slot.
    Slot(u64),
    /// The token with this label.
    Label(String),
}

/// Options of the PKCS#11 collector.
#[derive(Debug, Clone)]
pub struct Pkcs11Options {
    /// The module to load.
    pub module: PathBuf,
    /// Which tokens.
    pub selector: TokenSelector,
    /// The user PIN; without it only public objects are read.
    pub pin: Option<Secret>,
    /// Longest the whole read may take.
    pub timeout: Duration,
    /// Most objects read per token.
    pub max_objects: usize,
    /// The agent name recorded in provenance.
    pub agent: Option<String>,
}

/// Why the tokens could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Pkcs11Error {
    /// The module could not be loaded.
    #[error("cannot load the PKCS#11 module {}: {message}", path.display())]
    Module {
        /// The module.
        path: PathBuf,
        /// The loader's message.
        message: String,
    },
    /// A call failed.
    #[error("{}: {call} failed: {message}", path.display())]
    Call {
        /// The module.
        path: PathBuf,
        /// What was being done.
        call: &'static str,
        /// The module's answer.
        message: String,
    },
    /// The token refused the PIN.
    #[error("token `{token}` (slot {slot}) refused the PIN ({reason}); nothing was read from it")]
    PinRefused {
        /// Token label.
        token: String,
        /// Slot id.
        slot: u64,
        /// The module's return value.
        reason: String,
    },
    /// No token matched --slot or --token-label.
    #[error("{}: no token {wanted} (tokens present: {present})", path.display())]
    NoSuchToken {
        /// The module.
        path: PathBuf,
        /// What was asked for.
        wanted: String,
        /// What there is.
        present: String,
    },
    /// The module did not finish in time.
    #[error("{}: the module did not finish within {} s; it may hang (raise --timeout if the token is slow)", path.display(), timeout.as_secs())]
    TimedOut {
        /// The module.
        path: PathBuf,
        /// The time-out.
        timeout: Duration,
    },
    /// The child process reading the module crashed or failed; the message
    /// says how (it names the module).
    #[error("{message}")]
    Worker {
        /// The module.
        path: PathBuf,
        /// What happened.
        message: String,
    },
    /// The thread reading the module ended without an answer.
    #[error("{}: the module's reader ended without an answer (the module failed inside)", path.display())]
    Crashed {
        /// The module.
        path: PathBuf,
    },
}

/// Reads the tokens `options` select, under `options.timeout`.
pub fn collect_pkcs11(options: &Pkcs11Options) -> Result<EvidenceBundle, Pkcs11Error> {
    let (sender, receiver) = mpsc::channel();
    let owned = options.clone();
    let spawned = std::thread::Builder::new()
        .name("pkcs11".to_string())
        .spawn(move || {
            let _ = sender.send(read_module(&owned));
        });
    if spawned.is_err() {
        return Err(Pkcs11Error::Crashed {
            path: options.module.clone(),
        });
    }
    match receiver.recv_timeout(options.timeout) {
        Ok(result) => result,
        // The thread is left behind: a hung module cannot be interrupted.
        Err(mpsc::RecvTimeoutError::Timeout) => Err(Pkcs11Error::TimedOut {
            path: options.module.clone(),
            timeout: options.timeout,
        }),
        Err(mpsc::RecvTimeoutError::Disconnected) => Err(Pkcs11Error::Crashed {
            path: options.module.clone(),
        }),
    }
}

/// A text attribute as PKCS#11 pads it (blank-padded, not terminated).
fn text(value: &str) -> String {
    value.trim_end_matches([' ', '\0']).to_string()
}

/// Largest module file inspected before loading.
const MAX_MODULE_BYTES: u64 = 512 * 1024 * 1024;

/// Checks, before loading it, that `path` is a shared library exporting the
/// PKCS#11 entry point: loading anything else would fail inside the loader.
fn check_module(path: &std::path::Path) -> Result<(), Pkcs11Error> {
    use object::{Object as _, ObjectSymbol as _};
    let refuse = |message: String| Pkcs11Error::Module {
        path: path.to_path_buf(),
        message,
    };
    let size = std::fs::metadata(path)
        .map_err(|err| refuse(err.to_string()))?
        .len();
    if size > MAX_MODULE_BYTES {
        return Err(refuse(format!(
            "{size} bytes is larger than any PKCS#11 module"
        )));
    }
    let bytes = std::fs::read(path).map_err(|err| refuse(err.to_string()))?;
    let file = object::File::parse(&*bytes)
        .map_err(|err| refuse(format!("not a shared library ({err})")))?;
    let exported = file
        .dynamic_symbols()
        .any(|s| !s.is_undefined() && s.name() == Ok("C_GetFunctionList"));
    if !exported {
        return Err(refuse(
            "it exports no C_GetFunctionList, so it is not a PKCS#11 module".to_string(),
        ));
    }
    Ok(())
}

fn read_module(options: &Pkcs11Options) -> Result<EvidenceBundle, Pkcs11Error> {
    let path = &options.module;
    check_module(path)?;
    let call = |call: &'static str| {
        move |err: CkError| Pkcs11Error::Call {
            path: path.clone(),
            call,
            message: err.to_string(),
        }
    };
    let started_at = UtcTime::now();
    let context = Pkcs11::new(path).map_err(|err| Pkcs11Error::Module {
        path: path.clone(),
        message: err.to_string(),
    })?;
    context
        .initialize(CInitializeArgs::OsThreads)
        .map_err(call("C_Initialize"))?;
    let info = context.get_library_info().map_err(call("C_GetInfo"))?;
    let library = Pkcs11Library {
        path: path.display().to_string(),
        manufacturer: text(info.manufacturer_id()),
        description: text(info.library_description()),
        cryptoki_version: info.cryptoki_version().to_string(),
        library_version: info.library_version().to_string(),
    };
    let slots = context
        .get_slots_with_token()
        .map_err(call("C_GetSlotList"))?;
    let mut labelled = Vec::new();
    for slot in slots {
        let token = context
            .get_token_info(slot)
            .map_err(call("C_GetTokenInfo"))?;
        labelled.push((slot, text(token.label())));
    }
    let selected: Vec<Slot> = labelled
        .iter()
        .filter(|(slot, label)| match &options.selector {
            TokenSelector::All => true,
            TokenSelector::Slot(id) => slot.id() == *id,
            TokenSelector::Label(wanted) => label == wanted,
        })
        .map(|(slot, _)| *slot)
        .collect();
    if selected.is_empty() && options.selector != TokenSelector::All {
        return Err(Pkcs11Error::NoSuchToken {
            path: path.clone(),
            wanted: match &options.selector {
                TokenSelector::Slot(id) => format!("in slot {id}"),
                TokenSelector::Label(label) => format!("labelled `{label}`"),
                TokenSelector::All => String::new(),
            },
            present: labelled
                .iter()
                .map(|(slot, label)| format!("`{label}` in slot {}", slot.id()))
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    let mut bundle = EvidenceBundle::new(format!("pkimm {}", env!("CARGO_PKG_VERSION")));
    let base = Provenance {
        collector: COLLECTOR.into(),
        source: library.path.clone(),
        method: "pkcs11".into(),
        collected_at: started_at,
        agent: options.agent.as_deref().map(Into::into),
    };
    for slot in selected {
        read_token(&context, slot, &library, options, &base, &mut bundle)?;
    }
    bundle.runs.push(CollectionRun {
        collector: COLLECTOR.to_string(),
        targets: vec![library.path.clone()],
        started_at,
        finished_at: UtcTime::now(),
        agent: options.agent.clone(),
    });
    bundle.sort();
    Ok(bundle)
}

fn read_token(
    context: &Pkcs11,
    slot: Slot,
    library: &Pkcs11Library,
    options: &Pkcs11Options,
    base: &Provenance,
    bundle: &mut EvidenceBundle,
) -> Result<(), Pkcs11Error> {
    let path = &options.module;
    let call = |call: &'static str| {
        move |err: CkError| Pkcs11Error::Call {
            path: path.clone(),
            call,
            message: err.to_string(),
        }
    };
    let slot_info = context.get_slot_info(slot).map_err(call("C_GetSlotInfo"))?;
    let token = context
        .get_token_info(slot)
        .map_err(call("C_GetTokenInfo"))?;
    let label = text(token.label());
    let serial = text(token.serial_number());
    let mechanisms: Vec<String> = match context.get_mechanism_list(slot) {
        Ok(list) => list
            .iter()
            .take(MAX_MECHANISMS)
            .map(ToString::to_string)
            .collect(),
        Err(_) => Vec::new(),
    };
    let token_source = format!("{}#slot={}", library.path, slot.id());
    let mut record = CryptoToken {
        library: library.clone(),
        slot_id: slot.id(),
        slot_description: text(slot_info.slot_description()),
        slot_manufacturer: text(slot_info.manufacturer_id()),
        hardware_slot: slot_info.hardware_slot(),
        label: label.clone(),
        manufacturer: text(token.manufacturer_id()),
        model: text(token.model()),
        serial_number: serial.clone(),
        hardware_version: token.hardware_version().to_string(),
        firmware_version: token.firmware_version().to_string(),
        login_required: token.login_required(),
        protected_authentication_path: token.protected_authentication_path(),
        token_initialized: token.token_initialized(),
        user_pin_initialized: token.user_pin_initialized(),
        write_protected: token.write_protected(),
        rng: token.rng(),
        mechanisms,
        logged_in: false,
        objects_seen: 0,
        provenance: Provenance {
            source: token_source.clone(),
            ..base.clone()
        },
    };
    if !record.token_initialized {
        // A free slot (SoftHSM keeps one): nothing to open.
        bundle.tokens.push(record);
        return Ok(());
    }
    let session = match context.open_ro_session(slot) {
        Ok(session) => session,
        Err(err) => {
            bundle.failures.push(Failure {
                kind: FailureKind::Protocol,
                message: format!("token `{label}`: C_OpenSession failed: {err}"),
                offset: None,
                provenance: record.provenance.clone(),
            });
            bundle.tokens.push(record);
            return Ok(());
        }
    };
    let mut logged_in = false;
    if let Some(pin) = &options.pin {
        match session.login(
            UserType::User,
            Some(&AuthPin::new(pin.expose().to_string())),
        ) {
            Ok(()) | Err(CkError::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => logged_in = true,
            Err(CkError::Pkcs11(
                reason @ (RvError::PinIncorrect
                | RvError::PinInvalid
                | RvError::PinLenRange
                | RvError::PinLocked
                | RvError::PinExpired),
                _,
            )) => {
                return Err(Pkcs11Error::PinRefused {
                    token: label,
                    slot: slot.id(),
                    reason: format!("{reason:?}"),
                });
            }
            Err(err) => return Err(call("C_Login")(err)),
        }
    }
    let mut handles = Vec::new();
    let mut seen: u64 = 0;
    for handle in session.iter_objects(&[]).map_err(call("C_FindObjects"))? {
        let handle = handle.map_err(call("C_FindObjects"))?;
        seen += 1;
        if handles.len() < options.max_objects {
            handles.push(handle);
        } else if seen > (options.max_objects as u64).saturating_mul(10) {
            break;
        }
    }
    if seen > handles.len() as u64 {
        bundle.failures.push(Failure {
            kind: FailureKind::TooLarge,
            message: format!(
                "token `{label}` holds {}{seen} objects; the first {} were read (--max-objects)",
                if seen > (options.max_objects as u64).saturating_mul(10) {
                    "more than "
                } else {
                    ""
                },
                handles.len()
            ),
            offset: None,
            provenance: Provenance {
                source: token_source.clone(),
                ..base.clone()
            },
        });
    }
    let mut keys = Vec::new();
    let mut spki_by_id: HashMap<String, String> = HashMap::new();
    for handle in handles {
        let attributes = match read_attributes(&session, handle) {
            Ok(a) => a,
            Err(err) => {
                bundle.failures.push(Failure {
                    kind: FailureKind::Parse,
                    message: format!("an object's attributes could not be read: {err}"),
                    offset: None,
                    provenance: Provenance {
                        source: token_source.clone(),
                        ..base.clone()
                    },
                });
                continue;
            }
        };
        let object = Object(attributes);
        let id = object
            .bytes(AttributeType::Id)
            .map(to_hex)
            .unwrap_or_default();
        let provenance = Provenance {
            source: format!("{token_source}/id={id}"),
            ..base.clone()
        };
        match object.class() {
            Some(ObjectClass::CERTIFICATE) => {
                let Some(der) = object.bytes(AttributeType::Value) else {
                    continue;
                };
                match certificate_from_der(der, provenance.clone()) {
                    Ok(certificate) => {
                        spki_by_id
                            .entry(id)
                            .or_insert_with(|| certificate.spki_sha256.to_string());
                        bundle.add_certificate(certificate);
                    }
                    Err(err) => bundle.failures.push(Failure {
                        kind: FailureKind::Parse,
                        message: format!("certificate object: {err}"),
                        offset: None,
                        provenance,
                    }),
                }
            }
            Some(class) => {
                let class = match class {
                    ObjectClass::PRIVATE_KEY => KeyClass::Private,
                    ObjectClass::PUBLIC_KEY => KeyClass::Public,
                    ObjectClass::SECRET_KEY => KeyClass::Secret,
                    _ => continue,
                };
                let key = object.key(class, &label, &serial, id, provenance);
                if class == KeyClass::Public {
                    if let Some(spki) = &key.spki_sha256 {
                        spki_by_id.insert(key.id.clone(), spki.clone());
                    }
                }
                keys.push(key);
            }
            None => {}
        }
    }
    // A private key's public half: from its own attributes (RSA), else from
    // the public key or certificate with the same CKA_ID.
    for key in &mut keys {
        if key.class == KeyClass::Private && key.spki_sha256.is_none() && !key.id.is_empty() {
            key.spki_sha256 = spki_by_id.get(&key.id).cloned();
        }
    }
    bundle.keys.extend(keys);
    record.logged_in = logged_in;
    record.objects_seen = seen;
    bundle.tokens.push(record);
    Ok(())
}

/// The attributes pkimm reads.
const WANTED: [AttributeType; 21] = [
    AttributeType::Class,
    AttributeType::KeyType,
    AttributeType::Label,
    AttributeType::Id,
    AttributeType::Sensitive,
    AttributeType::Extractable,
    AttributeType::NeverExtractable,
    AttributeType::AlwaysSensitive,
    AttributeType::Local,
    AttributeType::Modifiable,
    AttributeType::StartDate,
    AttributeType::EndDate,
    AttributeType::AllowedMechanisms,
    AttributeType::ModulusBits,
    AttributeType::Modulus,
    AttributeType::PublicExponent,
    AttributeType::EcParams,
    AttributeType::EcPoint,
    AttributeType::ValueLen,
    AttributeType::PublicKeyInfo,
    AttributeType::Value,
];

/// The wanted attributes the object has, each no larger than the cap. The
/// secret `CKA_VALUE` of keys is never fetched: it is read for certificates
/// only (a sensitive key refuses it anyway).
fn read_attributes(session: &Session, handle: ObjectHandle) -> Result<Vec<Attribute>, CkError> {
    let class = session.get_attributes(handle, &[AttributeType::Class])?;
    let is_certificate = matches!(
        class.first(),
        Some(Attribute::Class(ObjectClass::CERTIFICATE))
    );
    // Some modules fail the whole query over one attribute (SoftHSM 2.6 on
    // the dates of private objects, softhsm/SoftHSMv2#655): then ask one
    // at a time.
    let info = session.get_attribute_info(handle, &WANTED).or_else(|_| {
        Ok::<_, CkError>(
            WANTED
                .iter()
                .map(|kind| {
                    session
                        .get_attribute_info(handle, &[*kind])
                        .ok()
                        .and_then(|info| info.into_iter().next())
                        .unwrap_or(AttributeInfo::Unavailable)
                })
                .collect(),
        )
    })?;
    let readable: Vec<AttributeType> = WANTED
        .iter()
        .zip(info)
        .filter(|(kind, info)| {
            matches!(info, AttributeInfo::Available(size) if *size <= MAX_ATTRIBUTE_BYTES)
                && (**kind != AttributeType::Value || is_certificate)
        })
        .map(|(kind, _)| *kind)
        .collect();
    match session.get_attributes(handle, &readable) {
        Ok(attributes) => Ok(attributes),
        // Some modules fail a whole batch over one attribute: read them one
        // by one and keep what answers.
        Err(batch) => {
            let one_by_one: Vec<Attribute> = readable
                .iter()
                .filter_map(|kind| session.get_attributes(handle, &[*kind]).ok())
                .flatten()
                .collect();
            if one_by_one.is_empty() {
                Err(batch)
            } else {
                Ok(one_by_one)
            }
        }
    }
}

/// One object's attributes.
struct Object(Vec<Attribute>);

impl Object {
    fn class(&self) -> Option<ObjectClass> {
        self.0.iter().find_map(|a| match a {
            Attribute::Class(c) => Some(*c),
            _ => None,
        })
    }

    fn bytes(&self, kind: AttributeType) -> Option<&[u8]> {
        self.0.iter().find_map(|a| match (a, kind) {
            (Attribute::Id(v), AttributeType::Id)
            | (Attribute::Label(v), AttributeType::Label)
            | (Attribute::Modulus(v), AttributeType::Modulus)
            | (Attribute::PublicExponent(v), AttributeType::PublicExponent)
            | (Attribute::EcParams(v), AttributeType::EcParams)
            | (Attribute::EcPoint(v), AttributeType::EcPoint)
            | (Attribute::PublicKeyInfo(v), AttributeType::PublicKeyInfo)
            | (Attribute::Value(v), AttributeType::Value) => Some(v.as_slice()),
            _ => None,
        })
    }

    fn flag(&self, kind: AttributeType) -> Option<bool> {
        self.0.iter().find_map(|a| match (a, kind) {
            (Attribute::Sensitive(v), AttributeType::Sensitive)
            | (Attribute::Extractable(v), AttributeType::Extractable)
            | (Attribute::NeverExtractable(v), AttributeType::NeverExtractable)
            | (Attribute::AlwaysSensitive(v), AttributeType::AlwaysSensitive)
            | (Attribute::Local(v), AttributeType::Local)
            | (Attribute::Modifiable(v), AttributeType::Modifiable) => Some(*v),
            _ => None,
        })
    }

    fn date(&self, kind: AttributeType) -> Option<String> {
        let date = self.0.iter().find_map(|a| match (a, kind) {
            (Attribute::StartDate(d), AttributeType::StartDate)
            | (Attribute::EndDate(d), AttributeType::EndDate) => Some(**d),
            _ => None,
        })?;
        let digits = |b: &[u8]| -> Option<String> {
            b.iter()
                .all(u8::is_ascii_digit)
                .then(|| String::from_utf8_lossy(b).into_owned())
        };
        Some(format!(
            "{}-{}-{}",
            digits(&date.year)?,
            digits(&date.month)?,
            digits(&date.day)?
        ))
    }

    fn key(
        &self,
        class: KeyClass,
        token_label: &str,
        token_serial: &str,
        id: String,
        provenance: Provenance,
    ) -> TokenKey {
        let key_type = self.0.iter().find_map(|a| match a {
            Attribute::KeyType(k) => Some(*k),
            _ => None,
        });
        let type_name = key_type.map_or_else(
            || "unknown".to_string(),
            |k| {
                k.to_string()
                    .trim_start_matches("CKK_")
                    .to_ascii_lowercase()
                    .replace('_', "-")
            },
        );
        let modulus = self.bytes(AttributeType::Modulus);
        let params = self.bytes(AttributeType::EcParams);
        let point = self.bytes(AttributeType::EcPoint);
        let mut bits = self.0.iter().find_map(|a| match a {
            Attribute::ModulusBits(b) => u32::try_from(u64::from(*b)).ok(),
            Attribute::ValueLen(l) => u32::try_from(u64::from(*l) * 8).ok(),
            _ => None,
        });
        if bits.is_none() {
            bits = modulus.map(|m| {
                let trimmed = &m[m.iter().take_while(|b| **b == 0).count()..];
                u32::try_from(trimmed.len() * 8).unwrap_or(0)
            });
        }
        let mut curve = None;
        if let Some((name, size)) = params.and_then(spki::curve) {
            curve = Some(name.into_owned());
            bits = bits.or(size);
        }
        let spki = match (key_type, self.bytes(AttributeType::PublicKeyInfo)) {
            (_, Some(info)) if !info.is_empty() => Some(info.to_vec()),
            (Some(KeyType::RSA), _) => modulus
                .zip(self.bytes(AttributeType::PublicExponent))
                .map(|(m, e)| spki::rsa(m, e)),
            (Some(KeyType::EC), _) => params.zip(point).map(|(p, q)| spki::ec(p, q)),
            (Some(KeyType::EC_EDWARDS), _) => {
                params.zip(point).and_then(|(p, q)| spki::edwards(p, q))
            }
            _ => None,
        };
        if key_type == Some(KeyType::EC_EDWARDS) && bits.is_none() {
            bits = match params {
                Some(p) if p.ends_with(&[0x70]) || p.ends_with(b"edwards25519") => Some(256),
                Some(p) if p.ends_with(&[0x71]) || p.ends_with(b"edwards448") => Some(456),
                _ => None,
            };
        }
        TokenKey {
            token_serial: token_serial.to_string(),
            token_label: token_label.to_string(),
            class,
            key_type: type_name,
            bits,
            curve,
            label: self
                .bytes(AttributeType::Label)
                .map(|l| String::from_utf8_lossy(l).into_owned())
                .unwrap_or_default(),
            id,
            sensitive: self.flag(AttributeType::Sensitive),
            extractable: self.flag(AttributeType::Extractable),
            never_extractable: self.flag(AttributeType::NeverExtractable),
            always_sensitive: self.flag(AttributeType::AlwaysSensitive),
            local: self.flag(AttributeType::Local),
            modifiable: self.flag(AttributeType::Modifiable),
            start_date: self.date(AttributeType::StartDate),
            end_date: self.date(AttributeType::EndDate),
            allowed_mechanisms: self
                .0
                .iter()
                .find_map(|a| match a {
                    Attribute::AllowedMechanisms(m) => {
                        Some(m.iter().map(ToString::to_string).collect())
                    }
                    _ => None,
                })
                .unwrap_or_default(),
            spki_sha256: spki.map(|der| sha256_hex(&der)),
            provenance,
        }
    }
}
