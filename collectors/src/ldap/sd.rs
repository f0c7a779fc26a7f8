//! Windows security descriptors (self-relative, as in `nTSecurityDescriptor`):
//! owner, DACL, and from the DACL who may enroll in or modify an AD CS
//! template. Bounds-checked throughout; malformed input gives an error.
//!
//! Rights are decided as Windows' access check does on a canonical DACL:
//! explicit deny, explicit allow, inherited deny, inherited allow, and the
//! first entry that matches the principal's token and covers the right
//! decides. A principal's token holds itself, Everyone and Authenticated
//! Users, so a deny for Everyone stops a Domain Users allow. Inherit-only
//! entries do not apply to the object. The Enroll extended right (or all
//! extended rights, or GenericAll) allows enrollment; AutoEnroll alone does
//! not. Modifying means WriteDacl, WriteOwner, GenericWrite, WriteProperty
//! on the whole object or on an attribute that decides ESC1-style abuse,
//! and the owner's implicit WriteDacl (unless an OWNER RIGHTS entry
//! replaces it).

use pkimm_model::evidence::Principal;

/// ADS_RIGHT_DS_CONTROL_ACCESS (extended rights).
const CONTROL_ACCESS: u32 = 0x0000_0100;
/// ADS_RIGHT_DS_WRITE_PROP.
const WRITE_PROPERTY: u32 = 0x0000_0020;
/// WRITE_DAC.
const WRITE_DAC: u32 = 0x0004_0000;
/// ADS_RIGHT_DS_CREATE_CHILD.
const CREATE_CHILD: u32 = 0x0000_0001;
/// WRITE_OWNER.
const WRITE_OWNER: u32 = 0x0008_0000;
/// GENERIC_ALL.
const GENERIC_ALL: u32 = 0x1000_0000;
/// GENERIC_WRITE.
const GENERIC_WRITE: u32 = 0x4000_0000;
/// The Certificate-Enrollment extended right.
pub const ENROLL_GUID: &str = "0e10c968-78fb-11d2-90d4-00c04f79dc55";
/// The Certificate-AutoEnrollment extended right.
pub const AUTOENROLL_GUID: &str = "a05b8cc2-17bc-4802-a710-e7c15ab866a2";
/// Everyone.
const EVERYONE: &str = "S-1-1-0";
/// Authenticated Users.
const AUTHENTICATED_USERS: &str = "S-1-5-11";
/// OWNER RIGHTS: an entry for it replaces the owner's implicit rights.
const OWNER_RIGHTS: &str = "S-1-3-4";
/// INHERITED_ACE.
const INHERITED: u8 = 0x10;
/// INHERIT_ONLY_ACE: the entry applies to children only.
const INHERIT_ONLY: u8 = 0x08;

/// The template attributes whose WriteProperty is an ESC4 primitive (they
/// decide ESC1, ESC2, ESC3, ESC9, ESC13 and ESC15), by schemaIDGUID:
/// msPKI-Certificate-Name-Flag, msPKI-Enrollment-Flag, pKIExtendedKeyUsage,
/// msPKI-RA-Signature, msPKI-Certificate-Application-Policy,
/// msPKI-Private-Key-Flag, msPKI-RA-Application-Policies,
/// msPKI-RA-Policies, msPKI-Certificate-Policy, and msDS-OIDToGroupLink
/// (on issuance policy objects: ESC13).
pub const ESC_ATTRIBUTE_GUIDS: [&str; 10] = [
    "ea1dddc4-60ff-416e-8cc0-17cee534bce7",
    "d15ef7d8-f226-46db-ae79-b34e560bd12c",
    "18976af6-3b9e-11d2-90cc-00c04fd91ab1",
    "fe17e04b-937d-4f7e-8e0e-9292c8d5683e",
    "dbd90548-aa37-4202-9966-8c537ba5ce32",
    "bab04ac2-0435-4709-9307-28380e7c7001",
    "3c91fbbf-4773-4ccd-a87b-85d53e7bcf6a",
    "d546ae22-0951-4d47-817e-1c9f96faad46",
    "38942346-cc5b-424b-a7d8-6ffd12029c5f",
    "f9c9a57c-3941-438d-bebf-0edaf2aca187",
];

/// One right the access check decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Right {
    Enroll,
    WriteDacl,
    WriteOwner,
    /// WriteProperty on every attribute (`None`) or on one, by GUID.
    WriteProperty(Option<&'static str>),
    /// Creating child objects (of any class).
    CreateChild,
}

impl Right {
    /// The rights that let a principal change a template.
    const MODIFY: [Self; 13] = [
        Self::WriteDacl,
        Self::WriteOwner,
        Self::WriteProperty(None),
        Self::WriteProperty(Some(ESC_ATTRIBUTE_GUIDS[0])),
        Self::WriteProperty(Some(ESC_ATTRIBUTE_GUIDS[1])),
        Self::WriteProperty(Some(ESC_ATTRIBUTE_GUIDS[2])),
        Self::WriteProperty(Some(ESC_ATTRIBUTE_GUIDS[3])),
        Self::WriteProperty(Some(ESC_ATTRIBUTE_GUIDS[4])),
        Self::WriteProperty(Some(ESC_ATTRIBUTE_GUIDS[5])),
        Self::WriteProperty(Some(ESC_ATTRIBUTE_GUIDS[6])),
        Self::WriteProperty(Some(ESC_ATTRIBUTE_GUIDS[7])),
        Self::WriteProperty(Some(ESC_ATTRIBUTE_GUIDS[8])),
        Self::WriteProperty(Some(ESC_ATTRIBUTE_GUIDS[9])),
    ];

    /// Whether `ace`'s mask (and object type) covers the right.
    fn covered_by(self, ace: &Ace) -> bool {
        if ace.mask & GENERIC_ALL != 0 {
            return true;
        }
        match self {
            Self::Enroll => {
                ace.mask & CONTROL_ACCESS != 0
                    && ace.object_type.as_deref().is_none_or(|t| t == ENROLL_GUID)
            }
            Self::WriteDacl => ace.mask & WRITE_DAC != 0,
            Self::CreateChild => ace.mask & CREATE_CHILD != 0,
            Self::WriteOwner => ace.mask & WRITE_OWNER != 0,
            Self::WriteProperty(attribute) => {
                ace.mask & GENERIC_WRITE != 0
                    || (ace.mask & WRITE_PROPERTY != 0
                        && match (ace.object_type.as_deref(), attribute) {
                            (None, _) => true,
                            (Some(t), Some(a)) => t == a,
                            (Some(_), None) => false,
                        })
            }
        }
    }
}

/// One access control entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ace {
    /// Allow (true) or deny.
    pub allow: bool,
    /// Access mask.
    pub mask: u32,
    /// The object type GUID of an object ACE.
    pub object_type: Option<String>,
    /// The trustee.
    pub sid: String,
    /// The ACE flags (inherited, inherit-only, …).
    pub flags: u8,
}

/// A parsed security descriptor.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SecurityDescriptor {
    /// The owner SID.
    pub owner: Option<String>,
    /// DACL entries, in order.
    pub dacl: Vec<Ace>,
}

fn u16_le(b: &[u8], at: usize) -> Result<u16, String> {
    b.get(at..at + 2)
        .map(|s| u16::from_le_bytes([s[0], s[1]]))
        .ok_or_else(|| format!("truncated at byte {at}"))
}

fn u32_le(b: &[u8], at: usize) -> Result<u32, String> {
    b.get(at..at + 4)
        .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
        .ok_or_else(|| format!("truncated at byte {at}"))
}

/// A security descriptor or SID that does not decode.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SdError(String);

/// Parses a binary SID at `at`.
pub fn parse_sid(b: &[u8], at: usize) -> Result<String, SdError> {
    sid_from(b, at).map_err(SdError)
}

fn sid_from(b: &[u8], at: usize) -> Result<String, String> {
    let revision = *b.get(at).ok_or("truncated SID")?;
    let count = usize::from(*b.get(at + 1).ok_or("truncated SID")?);
    if count > 15 {
        return Err(format!("SID with {count} sub-authorities"));
    }
    let authority = b.get(at + 2..at + 8).ok_or("truncated SID")?;
    let authority = authority
        .iter()
        .fold(0u64, |acc, x| acc << 8 | u64::from(*x));
    let mut sid = format!("S-{revision}-{authority}");
    for i in 0..count {
        sid.push_str(&format!("-{}", u32_le(b, at + 8 + 4 * i)?));
    }
    Ok(sid)
}

fn guid(b: &[u8], at: usize) -> Result<String, String> {
    let g = b.get(at..at + 16).ok_or("truncated GUID")?;
    Ok(format!(
        "{:08x}-{:04x}-{:04x}-{:02x}{:02x}-{}",
        u32::from_le_bytes([g[0], g[1], g[2], g[3]]),
        u16::from_le_bytes([g[4], g[5]]),
        u16::from_le_bytes([g[6], g[7]]),
        g[8],
        g[9],
        g[10..16]
            .iter()
            .map(|x| format!("{x:02x}"))
            .collect::<String>()
    ))
}

/// Parses a self-relative security descriptor.
pub fn parse(b: &[u8]) -> Result<SecurityDescriptor, SdError> {
    descriptor(b).map_err(SdError)
}

fn descriptor(b: &[u8]) -> Result<SecurityDescriptor, String> {
    if b.len() < 20 || b[0] != 1 {
        return Err("not a self-relative security descriptor (revision 1)".to_string());
    }
    let owner_at = u32_le(b, 4)? as usize;
    let dacl_at = u32_le(b, 16)? as usize;
    let owner = (owner_at != 0).then(|| sid_from(b, owner_at)).transpose()?;
    let mut dacl = Vec::new();
    if dacl_at != 0 {
        let count = usize::from(u16_le(b, dacl_at + 4)?);
        let mut at = dacl_at + 8;
        for _ in 0..count {
            let kind = *b.get(at).ok_or("truncated ACE")?;
            let flags = *b.get(at + 1).ok_or("truncated ACE")?;
            let size = usize::from(u16_le(b, at + 2)?);
            if size < 8 || at + size > b.len() {
                return Err(format!("ACE at byte {at} has a bad size {size}"));
            }
            let mask = u32_le(b, at + 4)?;
            let (allow, object) = match kind {
                0x00 => (true, false),
                0x01 => (false, false),
                0x05 => (true, true),
                0x06 => (false, true),
                _ => {
                    at += size;
                    continue;
                }
            };
            let mut sid_at = at + 8;
            let mut object_type = None;
            if object {
                let flags = u32_le(b, at + 8)?;
                sid_at = at + 12;
                if flags & 1 != 0 {
                    object_type = Some(guid(b, sid_at)?);
                    sid_at += 16;
                }
                if flags & 2 != 0 {
                    sid_at += 16;
                }
            }
            dacl.push(Ace {
                allow,
                mask,
                object_type,
                sid: sid_from(b, sid_at)?,
                flags,
            });
            at += size;
        }
    }
    Ok(SecurityDescriptor { owner, dacl })
}

impl SecurityDescriptor {
    /// SIDs that hold the Enroll right after the access check (an allow
    /// entry for them, or for all extended rights, or GenericAll, not
    /// stopped by a deny that reaches them first). AutoEnroll alone is not
    /// enrollment.
    pub fn enrollers(&self) -> Vec<String> {
        self.holders(&[Right::Enroll], false)
    }

    /// SIDs that can change the object after the access check: WriteDacl,
    /// WriteOwner, GenericWrite, WriteProperty on the whole object or on an
    /// ESC attribute, and the owner (implicit WriteDacl).
    pub fn writers(&self) -> Vec<String> {
        self.holders(&Right::MODIFY, true)
    }

    /// SIDs that can change a container or create objects in it (a new
    /// template in Certificate Templates, a CA in NTAuth): the writers and
    /// CreateChild holders.
    pub fn container_writers(&self) -> Vec<String> {
        let mut rights = Right::MODIFY.to_vec();
        rights.push(Right::CreateChild);
        self.holders(&rights, true)
    }

    /// Whether a principal whose token holds `token` (its own SID and its
    /// groups; Everyone and Authenticated Users are added) may enroll.
    pub fn token_can_enroll(&self, token: &[String]) -> bool {
        self.token_holds(token, &[Right::Enroll], false)
    }

    /// Whether a principal whose token holds `token` can change the object
    /// (the owner's implicit WriteDacl included).
    pub fn token_can_modify(&self, token: &[String]) -> bool {
        self.token_holds(token, &Right::MODIFY, true)
    }

    fn token_holds(&self, token: &[String], rights: &[Right], owner_writes: bool) -> bool {
        let mut sids: Vec<&str> = token.iter().map(String::as_str).collect();
        sids.extend([EVERYONE, AUTHENTICATED_USERS]);
        if owner_writes
            && !self.dacl.iter().any(|a| a.sid == OWNER_RIGHTS)
            && self.owner.as_deref().is_some_and(|o| sids.contains(&o))
        {
            return true;
        }
        let canonical = self.canonical();
        rights.iter().any(|r| decide(&canonical, &sids, *r))
    }

    /// SIDs for which some right in `rights` is allowed; with
    /// `owner_writes`, the owner too unless an OWNER RIGHTS entry exists.
    fn holders(&self, rights: &[Right], owner_writes: bool) -> Vec<String> {
        let canonical = self.canonical();
        let mut out: Vec<String> = Vec::new();
        let owner_implicit = owner_writes && !self.dacl.iter().any(|a| a.sid == OWNER_RIGHTS);
        let candidates = self
            .dacl
            .iter()
            .filter(|a| a.allow)
            .map(|a| a.sid.as_str())
            .chain(self.owner.as_deref().filter(|_| owner_implicit));
        for sid in candidates {
            if out.iter().any(|s| s == sid) {
                continue;
            }
            // The principal's own entry must grant the right (so Domain
            // Users are not reported for what Authenticated Users hold), and
            // the access check over its token must let it through.
            let token = [sid, EVERYONE, AUTHENTICATED_USERS];
            let granted = (owner_implicit && self.owner.as_deref() == Some(sid))
                || rights.iter().any(|right| {
                    canonical
                        .iter()
                        .any(|a| a.allow && a.sid == sid && right.covered_by(a))
                        && decide(&canonical, &token, *right)
                });
            if granted {
                out.push(sid.to_string());
            }
        }
        out
    }

    /// The entries that apply to the object, in canonical order: explicit
    /// deny, explicit allow, inherited deny, inherited allow.
    fn canonical(&self) -> Vec<&Ace> {
        let mut aces: Vec<&Ace> = self
            .dacl
            .iter()
            .filter(|a| a.flags & INHERIT_ONLY == 0)
            .collect();
        aces.sort_by_key(|a| (a.flags & INHERITED != 0, a.allow));
        aces
    }
}

/// The first entry matching `token` that covers `right` decides; none
/// means no access.
fn decide(canonical: &[&Ace], token: &[&str], right: Right) -> bool {
    canonical
        .iter()
        .find(|a| token.contains(&a.sid.as_str()) && right.covered_by(a))
        .is_some_and(|a| a.allow)
}

/// Names a SID and says whether ordinary users or computers are in it.
pub fn principal(sid: &str) -> Principal {
    let (name, low) = match sid {
        "S-1-1-0" => ("Everyone", true),
        "S-1-5-7" => ("Anonymous Logon", true),
        "S-1-5-11" => ("Authenticated Users", true),
        "S-1-5-32-545" => ("Users", true),
        "S-1-5-32-546" => ("Guests", true),
        "S-1-5-32-544" => ("Administrators", false),
        "S-1-5-18" => ("Local System", false),
        "S-1-5-9" => ("Enterprise Domain Controllers", false),
        "S-1-3-0" => ("Creator Owner", false),
        _ => match sid.rsplit_once('-') {
            Some((domain, rid)) if domain.starts_with("S-1-5-21-") => match rid {
                "500" => ("Administrator", false),
                "512" => ("Domain Admins", false),
                "513" => ("Domain Users", true),
                "514" => ("Domain Guests", true),
                "515" => ("Domain Computers", true),
                "516" => ("Domain Controllers", false),
                "517" => ("Cert Publishers", false),
                "518" => ("Schema Admins", false),
                "519" => ("Enterprise Admins", false),
                _ => ("", false),
            },
            _ => ("", false),
        },
    };
    Principal {
        sid: sid.to_string(),
        name: name.to_string(),
        low_privileged: low,
        via: None,
    }
}

/// The binary form of a SID string (`S-1-5-21-…`); `None` when malformed.
pub fn sid_bytes(sid: &str) -> Option<Vec<u8>> {
    let parts: Vec<u64> = sid
        .strip_prefix("S-")?
        .split('-')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    if parts.len() < 2 || parts.len() > 17 {
        return None;
    }
    let mut out = vec![u8::try_from(parts[0]).ok()?, (parts.len() - 2) as u8];
    out.extend_from_slice(&parts[1].to_be_bytes()[2..]);
    for sub in &parts[2..] {
        out.extend_from_slice(&u32::try_from(*sub).ok()?.to_le_bytes());
    }
    Some(out)
}

/// An LDAP filter value for a binary SID (`\01\05…`).
pub fn sid_filter_value(sid: &str) -> Option<String> {
    Some(
        sid_bytes(sid)?
            .iter()
            .map(|b| format!("\\{b:02x}"))
            .collect(),
    )
}

/// Builds a self-relative security descriptor (owner plus DACL), for tests and
/// fixtures. Each ACE is (allow, mask, object type GUID, SID).
pub fn build(owner: &str, aces: &[(bool, u32, Option<&str>, &str)]) -> Vec<u8> {
    let sid_bytes = |sid: &str| sid_bytes(sid).unwrap_or_default();
    fn guid_bytes(g: &str) -> Vec<u8> {
        let hex: String = g.chars().filter(|c| *c != '-').collect();
        let raw: Vec<u8> = (0..16)
            .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap_or(0))
            .collect();
        let mut out = Vec::with_capacity(16);
        out.extend(raw[0..4].iter().rev());
        out.extend(raw[4..6].iter().rev());
        out.extend(raw[6..8].iter().rev());
        out.extend_from_slice(&raw[8..16]);
        out
    }
    let owner = sid_bytes(owner);
    let mut acl_body = Vec::new();
    for (allow, mask, object_type, sid) in aces {
        let sid = sid_bytes(sid);
        let mut ace = Vec::new();
        let kind: u8 = match (allow, object_type.is_some()) {
            (true, false) => 0,
            (false, false) => 1,
            (true, true) => 5,
            (false, true) => 6,
        };
        ace.extend_from_slice(&[kind, 0, 0, 0]);
        ace.extend_from_slice(&mask.to_le_bytes());
        if let Some(g) = object_type {
            ace.extend_from_slice(&1u32.to_le_bytes());
            ace.extend(guid_bytes(g));
        }
        ace.extend(sid);
        let size = ace.len() as u16;
        ace[2..4].copy_from_slice(&size.to_le_bytes());
        acl_body.extend(ace);
    }
    let mut acl = vec![2, 0, 0, 0, 0, 0, 0, 0];
    let acl_size = (8 + acl_body.len()) as u16;
    acl[2..4].copy_from_slice(&acl_size.to_le_bytes());
    acl[4..6].copy_from_slice(&(aces.len() as u16).to_le_bytes());
    acl.extend(acl_body);
    let owner_at = 20u32;
    let dacl_at = owner_at + owner.len() as u32;
    let mut sd = vec![1, 0, 0x04, 0x80];
    sd.extend_from_slice(&owner_at.to_le_bytes());
    sd.extend_from_slice(&0u32.to_le_bytes());
    sd.extend_from_slice(&0u32.to_le_bytes());
    sd.extend_from_slice(&dacl_at.to_le_bytes());
    sd.extend(owner);
    sd.extend(acl);
    sd
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_rights() {
        let domain_users = "S-1-5-21-1-2-3-513";
        let admins = "S-1-5-21-1-2-3-512";
        let sd = build(
            admins,
            &[
                (true, 0x100, Some(ENROLL_GUID), domain_users),
                (true, 0x000F_01FF, None, admins),
                (true, 0x20, None, "S-1-5-11"),
            ],
        );
        let parsed = parse(&sd).unwrap();
        assert_eq!(parsed.owner.as_deref(), Some(admins));
        assert_eq!(parsed.dacl[0].object_type.as_deref(), Some(ENROLL_GUID));
        assert_eq!(parsed.enrollers(), [domain_users, admins]);
        assert_eq!(
            parsed.writers(),
            [admins, "S-1-5-11"],
            "the owner, and a writer"
        );
        assert!(principal(domain_users).low_privileged);
        assert_eq!(
            parse_sid(&sid_bytes(domain_users).unwrap(), 0).unwrap(),
            domain_users
        );
        assert_eq!(
            sid_filter_value("S-1-5-11").unwrap(),
            "\\01\\01\\00\\00\\00\\00\\00\\05\\0b\\00\\00\\00"
        );
        assert!(sid_bytes("S-x").is_none());
        assert_eq!(principal(admins).name, "Domain Admins");
    }

    #[test]
    fn windows_access_check_semantics() {
        let users = "S-1-5-21-1-2-3-513";
        let admins = "S-1-5-21-1-2-3-512";
        let enroll = |sid| (true, 0x100, Some(ENROLL_GUID), sid);
        // AutoEnroll alone is not enrollment.
        let sd = build(admins, &[(true, 0x100, Some(AUTOENROLL_GUID), users)]);
        assert!(parse(&sd).unwrap().enrollers().is_empty());
        // All extended rights include Enroll.
        let sd = build(admins, &[(true, 0x100, None, users)]);
        assert_eq!(parse(&sd).unwrap().enrollers(), [users]);
        // A deny for Everyone reaches Domain Users, even after the allow.
        let sd = build(
            admins,
            &[enroll(users), (false, 0x100, Some(ENROLL_GUID), "S-1-1-0")],
        );
        assert!(parse(&sd).unwrap().enrollers().is_empty());
        // A deny for another group does not.
        let sd = build(
            admins,
            &[
                (false, 0x100, Some(ENROLL_GUID), "S-1-5-21-1-2-3-1105"),
                enroll(users),
            ],
        );
        assert_eq!(parse(&sd).unwrap().enrollers(), [users]);
        // The owner holds WriteDacl without any entry.
        let sd = build(users, &[enroll(admins)]);
        assert_eq!(parse(&sd).unwrap().writers(), [users]);
        // ... unless OWNER RIGHTS replaces it.
        let sd = build(users, &[(true, 0x0002_0094, None, "S-1-3-4")]);
        assert!(parse(&sd).unwrap().writers().is_empty());
        // WriteProperty on an ESC attribute is a write; on another is not.
        let name_flag = ESC_ATTRIBUTE_GUIDS[0];
        let sd = build(admins, &[(true, 0x20, Some(name_flag), users)]);
        assert_eq!(parse(&sd).unwrap().writers(), [users, admins]);
        let display_name = "bf967953-0de6-11d0-a285-00aa003049e2";
        let sd = build(admins, &[(true, 0x20, Some(display_name), users)]);
        assert_eq!(parse(&sd).unwrap().writers(), [admins]);
        // Rights of Authenticated Users are not reported for Domain Users.
        let sd = build(admins, &[enroll(users), (true, 0x20, None, "S-1-5-11")]);
        assert_eq!(parse(&sd).unwrap().writers(), ["S-1-5-11", admins]);
    }

    #[test]
    fn inherit_only_entries_do_not_apply() {
        let users = "S-1-5-21-1-2-3-513";
        let mut sd = build(
            "S-1-5-21-1-2-3-512",
            &[(true, 0x100, Some(ENROLL_GUID), users)],
        );
        // The first ACE's flags byte: OBJECT_INHERIT | INHERIT_ONLY.
        let dacl_at = u32::from_le_bytes([sd[16], sd[17], sd[18], sd[19]]) as usize;
        sd[dacl_at + 8 + 1] = 0x01 | INHERIT_ONLY;
        assert!(parse(&sd).unwrap().enrollers().is_empty());
    }

    #[test]
    fn deny_and_garbage() {
        let sid = "S-1-5-11";
        let sd = build(
            sid,
            &[
                (true, 0x100, Some(ENROLL_GUID), sid),
                (false, 0x100, Some(ENROLL_GUID), sid),
            ],
        );
        assert!(parse(&sd).unwrap().enrollers().is_empty());
        assert!(parse(&[1, 0, 0]).is_err());
        let mut bad = sd.clone();
        bad[22 + 12] = 0xff;
        let _ = parse(&bad);
        for cut in 0..sd.len() {
            let _ = parse(&sd[..cut]);
        }
    }
}
