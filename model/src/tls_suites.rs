//! TLS cipher suites: IANA code points and names (the IANA TLS Cipher Suites
//! registry), shared by the TLS collector that offers them and the outputs
//! that name them (the CBOM's cipher suite identifiers).

/// One cipher suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CipherSuite {
    /// IANA code point.
    pub id: u16,
    /// IANA name.
    pub name: &'static str,
}

/// Cipher suites for SSLv3 up to TLS 1.2, in ascending code point order.
pub const LEGACY_SUITES: &[CipherSuite] = &[
    CipherSuite {
        id: 0x0001,
        name: "TLS_RSA_WITH_NULL_MD5",
    },
    CipherSuite {
        id: 0x0002,
        name: "TLS_RSA_WITH_NULL_SHA",
    },
    CipherSuite {
        id: 0x0003,
        name: "TLS_RSA_EXPORT_WITH_RC4_40_MD5",
    },
    CipherSuite {
        id: 0x0004,
        name: "TLS_RSA_WITH_RC4_128_MD5",
    },
    CipherSuite {
        id: 0x0005,
        name: "TLS_RSA_WITH_RC4_128_SHA",
    },
    CipherSuite {
        id: 0x0006,
        name: "TLS_RSA_EXPORT_WITH_RC2_CBC_40_MD5",
    },
    CipherSuite {
        id: 0x0007,
        name: "TLS_RSA_WITH_IDEA_CBC_SHA",
    },
    CipherSuite {
        id: 0x0008,
        name: "TLS_RSA_EXPORT_WITH_DES40_CBC_SHA",
    },
    CipherSuite {
        id: 0x0009,
        name: "TLS_RSA_WITH_DES_CBC_SHA",
    },
    CipherSuite {
        id: 0x000A,
        name: "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
    },
    CipherSuite {
        id: 0x000B,
        name: "TLS_DH_DSS_EXPORT_WITH_DES40_CBC_SHA",
    },
    CipherSuite {
        id: 0x000C,
        name: "TLS_DH_DSS_WITH_DES_CBC_SHA",
    },
    CipherSuite {
        id: 0x000D,
        name: "TLS_DH_DSS_WITH_3DES_EDE_CBC_SHA",
    },
    CipherSuite {
        id: 0x000E,
        name: "TLS_DH_RSA_EXPORT_WITH_DES40_CBC_SHA",
    },
    CipherSuite {
        id: 0x000F,
        name: "TLS_DH_RSA_WITH_DES_CBC_SHA",
    },
    CipherSuite {
        id: 0x0010,
        name: "TLS_DH_RSA_WITH_3DES_EDE_CBC_SHA",
    },
    CipherSuite {
        id: 0x0011,
        name: "TLS_DHE_DSS_EXPORT_WITH_DES40_CBC_SHA",
    },
    CipherSuite {
        id: 0x0012,
        name: "TLS_DHE_DSS_WITH_DES_CBC_SHA",
    },
    CipherSuite {
        id: 0x0013,
        name: "TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA",
    },
    CipherSuite {
        id: 0x0014,
        name: "TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA",
    },
    CipherSuite {
        id: 0x0015,
        name: "TLS_DHE_RSA_WITH_DES_CBC_SHA",
    },
    CipherSuite {
        id: 0x0016,
        name: "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA",
    },
    CipherSuite {
        id: 0x0017,
        name: "TLS_DH_anon_EXPORT_WITH_RC4_40_MD5",
    },
    CipherSuite {
        id: 0x0018,
        name: "TLS_DH_anon_WITH_RC4_128_MD5",
    },
    CipherSuite {
        id: 0x0019,
        name: "TLS_DH_anon_EXPORT_WITH_DES40_CBC_SHA",
    },
    CipherSuite {
        id: 0x001A,
        name: "TLS_DH_anon_WITH_DES_CBC_SHA",
    },
    CipherSuite {
        id: 0x001B,
        name: "TLS_DH_anon_WITH_3DES_EDE_CBC_SHA",
    },
    CipherSuite {
        id: 0x002F,
        name: "TLS_RSA_WITH_AES_128_CBC_SHA",
    },
    CipherSuite {
        id: 0x0030,
        name: "TLS_DH_DSS_WITH_AES_128_CBC_SHA",
    },
    CipherSuite {
        id: 0x0031,
        name: "TLS_DH_RSA_WITH_AES_128_CBC_SHA",
    },
    CipherSuite {
        id: 0x0032,
        name: "TLS_DHE_DSS_WITH_AES_128_CBC_SHA",
    },
    CipherSuite {
        id: 0x0033,
        name: "TLS_DHE_RSA_WITH_AES_128_CBC_SHA",
    },
    CipherSuite {
        id: 0x0034,
        name: "TLS_DH_anon_WITH_AES_128_CBC_SHA",
    },
    CipherSuite {
        id: 0x0035,
        name: "TLS_RSA_WITH_AES_256_CBC_SHA",
    },
    CipherSuite {
        id: 0x0036,
        name: "TLS_DH_DSS_WITH_AES_256_CBC_SHA",
    },
    CipherSuite {
        id: 0x0037,
        name: "TLS_DH_RSA_WITH_AES_256_CBC_SHA",
    },
    CipherSuite {
        id: 0x0038,
        name: "TLS_DHE_DSS_WITH_AES_256_CBC_SHA",
    },
    CipherSuite {
        id: 0x0039,
        name: "TLS_DHE_RSA_WITH_AES_256_CBC_SHA",
    },
    CipherSuite {
        id: 0x003A,
        name: "TLS_DH_anon_WITH_AES_256_CBC_SHA",
    },
    CipherSuite {
        id: 0x003B,
        name: "TLS_RSA_WITH_NULL_SHA256",
    },
    CipherSuite {
        id: 0x003C,
        name: "TLS_RSA_WITH_AES_128_CBC_SHA256",
    },
    CipherSuite {
        id: 0x003D,
        name: "TLS_RSA_WITH_AES_256_CBC_SHA256",
    },
    CipherSuite {
        id: 0x003E,
        name: "TLS_DH_DSS_WITH_AES_128_CBC_SHA256",
    },
    CipherSuite {
        id: 0x003F,
        name: "TLS_DH_RSA_WITH_AES_128_CBC_SHA256",
    },
    CipherSuite {
        id: 0x0040,
        name: "TLS_DHE_DSS_WITH_AES_128_CBC_SHA256",
    },
    CipherSuite {
        id: 0x0041,
        name: "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA",
    },
    CipherSuite {
        id: 0x0042,
        name: "TLS_DH_DSS_WITH_CAMELLIA_128_CBC_SHA",
    },
    CipherSuite {
        id: 0x0043,
        name: "TLS_DH_RSA_WITH_CAMELLIA_128_CBC_SHA",
    },
    CipherSuite {
        id: 0x0044,
        name: "TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA",
    },
    CipherSuite {
        id: 0x0045,
        name: "TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA",
    },
    CipherSuite {
        id: 0x0046,
        name: "TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA",
    },
    CipherSuite {
        id: 0x0060,
        name: "TLS_RSA_EXPORT1024_WITH_RC4_56_MD5",
    },
    CipherSuite {
        id: 0x0061,
        name: "TLS_RSA_EXPORT1024_WITH_RC2_56_MD5",
    },
    CipherSuite {
        id: 0x0062,
        name: "TLS_RSA_EXPORT1024_WITH_DES_CBC_SHA",
    },
    CipherSuite {
        id: 0x0063,
        name: "TLS_DHE_DSS_EXPORT1024_WITH_DES_CBC_SHA",
    },
    CipherSuite {
        id: 0x0064,
        name: "TLS_RSA_EXPORT1024_WITH_RC4_56_SHA",
    },
    CipherSuite {
        id: 0x0065,
        name: "TLS_DHE_DSS_EXPORT1024_WITH_RC4_56_SHA",
    },
    CipherSuite {
        id: 0x0066,
        name: "TLS_DHE_DSS_WITH_RC4_128_SHA",
    },
    CipherSuite {
        id: 0x0067,
        name: "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256",
    },
    CipherSuite {
        id: 0x0068,
        name: "TLS_DH_DSS_WITH_AES_256_CBC_SHA256",
    },
    CipherSuite {
        id: 0x0069,
        name: "TLS_DH_RSA_WITH_AES_256_CBC_SHA256",
    },
    CipherSuite {
        id: 0x006A,
        name: "TLS_DHE_DSS_WITH_AES_256_CBC_SHA256",
    },
    CipherSuite {
        id: 0x006B,
        name: "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256",
    },
    CipherSuite {
        id: 0x006C,
        name: "TLS_DH_anon_WITH_AES_128_CBC_SHA256",
    },
    CipherSuite {
        id: 0x006D,
        name: "TLS_DH_anon_WITH_AES_256_CBC_SHA256",
    },
    CipherSuite {
        id: 0x0084,
        name: "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA",
    },
    CipherSuite {
        id: 0x0085,
        name: "TLS_DH_DSS_WITH_CAMELLIA_256_CBC_SHA",
    },
    CipherSuite {
        id: 0x0086,
        name: "TLS_DH_RSA_WITH_CAMELLIA_256_CBC_SHA",
    },
    CipherSuite {
        id: 0x0087,
        name: "TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA",
    },
    CipherSuite {
        id: 0x0088,
        name: "TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA",
    },
    CipherSuite {
        id: 0x0089,
        name: "TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA",
    },
    CipherSuite {
        id: 0x0096,
        name: "TLS_RSA_WITH_SEED_CBC_SHA",
    },
    CipherSuite {
        id: 0x0097,
        name: "TLS_DH_DSS_WITH_SEED_CBC_SHA",
    },
    CipherSuite {
        id: 0x0098,
        name: "TLS_DH_RSA_WITH_SEED_CBC_SHA",
    },
    CipherSuite {
        id: 0x0099,
        name: "TLS_DHE_DSS_WITH_SEED_CBC_SHA",
    },
    CipherSuite {
        id: 0x009A,
        name: "TLS_DHE_RSA_WITH_SEED_CBC_SHA",
    },
    CipherSuite {
        id: 0x009B,
        name: "TLS_DH_anon_WITH_SEED_CBC_SHA",
    },
    CipherSuite {
        id: 0x009C,
        name: "TLS_RSA_WITH_AES_128_GCM_SHA256",
    },
    CipherSuite {
        id: 0x009D,
        name: "TLS_RSA_WITH_AES_256_GCM_SHA384",
    },
    CipherSuite {
        id: 0x009E,
        name: "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
    },
    CipherSuite {
        id: 0x009F,
        name: "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
    },
    CipherSuite {
        id: 0x00A0,
        name: "TLS_DH_RSA_WITH_AES_128_GCM_SHA256",
    },
    CipherSuite {
        id: 0x00A1,
        name: "TLS_DH_RSA_WITH_AES_256_GCM_SHA384",
    },
    CipherSuite {
        id: 0x00A2,
        name: "TLS_DHE_DSS_WITH_AES_128_GCM_SHA256",
    },
    CipherSuite {
        id: 0x00A3,
        name: "TLS_DHE_DSS_WITH_AES_256_GCM_SHA384",
    },
    CipherSuite {
        id: 0x00A4,
        name: "TLS_DH_DSS_WITH_AES_128_GCM_SHA256",
    },
    CipherSuite {
        id: 0x00A5,
        name: "TLS_DH_DSS_WITH_AES_256_GCM_SHA384",
    },
    CipherSuite {
        id: 0x00A6,
        name: "TLS_DH_anon_WITH_AES_128_GCM_SHA256",
    },
    CipherSuite {
        id: 0x00A7,
        name: "TLS_DH_anon_WITH_AES_256_GCM_SHA384",
    },
    CipherSuite {
        id: 0x00BA,
        name: "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA256",
    },
    CipherSuite {
        id: 0x00BB,
        name: "TLS_DH_DSS_WITH_CAMELLIA_128_CBC_SHA256",
    },
    CipherSuite {
        id: 0x00BC,
        name: "TLS_DH_RSA_WITH_CAMELLIA_128_CBC_SHA256",
    },
    CipherSuite {
        id: 0x00BD,
        name: "TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA256",
    },
    CipherSuite {
        id: 0x00BE,
        name: "TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA256",
    },
    CipherSuite {
        id: 0x00BF,
        name: "TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA256",
    },
    CipherSuite {
        id: 0x00C0,
        name: "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA256",
    },
    CipherSuite {
        id: 0x00C1,
        name: "TLS_DH_DSS_WITH_CAMELLIA_256_CBC_SHA256",
    },
    CipherSuite {
        id: 0x00C2,
        name: "TLS_DH_RSA_WITH_CAMELLIA_256_CBC_SHA256",
    },
    CipherSuite {
        id: 0x00C3,
        name: "TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA256",
    },
    CipherSuite {
        id: 0x00C4,
        name: "TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA256",
    },
    CipherSuite {
        id: 0x00C5,
        name: "TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA256",
    },
    CipherSuite {
        id: 0xC001,
        name: "TLS_ECDH_ECDSA_WITH_NULL_SHA",
    },
    CipherSuite {
        id: 0xC002,
        name: "TLS_ECDH_ECDSA_WITH_RC4_128_SHA",
    },
    CipherSuite {
        id: 0xC003,
        name: "TLS_ECDH_ECDSA_WITH_3DES_EDE_CBC_SHA",
    },
    CipherSuite {
        id: 0xC004,
        name: "TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA",
    },
    CipherSuite {
        id: 0xC005,
        name: "TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA",
    },
    CipherSuite {
        id: 0xC006,
        name: "TLS_ECDHE_ECDSA_WITH_NULL_SHA",
    },
    CipherSuite {
        id: 0xC007,
        name: "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA",
    },
    CipherSuite {
        id: 0xC008,
        name: "TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA",
    },
    CipherSuite {
        id: 0xC009,
        name: "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
    },
    CipherSuite {
        id: 0xC00A,
        name: "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
    },
    CipherSuite {
        id: 0xC00B,
        name: "TLS_ECDH_RSA_WITH_NULL_SHA",
    },
    CipherSuite {
        id: 0xC00C,
        name: "TLS_ECDH_RSA_WITH_RC4_128_SHA",
    },
    CipherSuite {
        id: 0xC00D,
        name: "TLS_ECDH_RSA_WITH_3DES_EDE_CBC_SHA",
    },
    CipherSuite {
        id: 0xC00E,
        name: "TLS_ECDH_RSA_WITH_AES_128_CBC_SHA",
    },
    CipherSuite {
        id: 0xC00F,
        name: "TLS_ECDH_RSA_WITH_AES_256_CBC_SHA",
    },
    CipherSuite {
        id: 0xC010,
        name: "TLS_ECDHE_RSA_WITH_NULL_SHA",
    },
    CipherSuite {
        id: 0xC011,
        name: "TLS_ECDHE_RSA_WITH_RC4_128_SHA",
    },
    CipherSuite {
        id: 0xC012,
        name: "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA",
    },
    CipherSuite {
        id: 0xC013,
        name: "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
    },
    CipherSuite {
        id: 0xC014,
        name: "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
    },
    CipherSuite {
        id: 0xC015,
        name: "TLS_ECDH_anon_WITH_NULL_SHA",
    },
    CipherSuite {
        id: 0xC016,
        name: "TLS_ECDH_anon_WITH_RC4_128_SHA",
    },
    CipherSuite {
        id: 0xC017,
        name: "TLS_ECDH_anon_WITH_3DES_EDE_CBC_SHA",
    },
    CipherSuite {
        id: 0xC018,
        name: "TLS_ECDH_anon_WITH_AES_128_CBC_SHA",
    },
    CipherSuite {
        id: 0xC019,
        name: "TLS_ECDH_anon_WITH_AES_256_CBC_SHA",
    },
    CipherSuite {
        id: 0xC023,
        name: "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
    },
    CipherSuite {
        id: 0xC024,
        name: "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
    },
    CipherSuite {
        id: 0xC025,
        name: "TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA256",
    },
    CipherSuite {
        id: 0xC026,
        name: "TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA384",
    },
    CipherSuite {
        id: 0xC027,
        name: "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
    },
    CipherSuite {
        id: 0xC028,
        name: "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",
    },
    CipherSuite {
        id: 0xC029,
        name: "TLS_ECDH_RSA_WITH_AES_128_CBC_SHA256",
    },
    CipherSuite {
        id: 0xC02A,
        name: "TLS_ECDH_RSA_WITH_AES_256_CBC_SHA384",
    },
    CipherSuite {
        id: 0xC02B,
        name: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    },
    CipherSuite {
        id: 0xC02C,
        name: "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    },
    CipherSuite {
        id: 0xC02D,
        name: "TLS_ECDH_ECDSA_WITH_AES_128_GCM_SHA256",
    },
    CipherSuite {
        id: 0xC02E,
        name: "TLS_ECDH_ECDSA_WITH_AES_256_GCM_SHA384",
    },
    CipherSuite {
        id: 0xC02F,
        name: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    },
    CipherSuite {
        id: 0xC030,
        name: "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    },
    CipherSuite {
        id: 0xC031,
        name: "TLS_ECDH_RSA_WITH_AES_128_GCM_SHA256",
    },
    CipherSuite {
        id: 0xC032,
        name: "TLS_ECDH_RSA_WITH_AES_256_GCM_SHA384",
    },
    CipherSuite {
        id: 0xC03C,
        name: "TLS_RSA_WITH_ARIA_128_CBC_SHA256",
    },
    CipherSuite {
        id: 0xC03D,
        name: "TLS_RSA_WITH_ARIA_256_CBC_SHA384",
    },
    CipherSuite {
        id: 0xC03E,
        name: "TLS_DH_DSS_WITH_ARIA_128_CBC_SHA256",
    },
    CipherSuite {
        id: 0xC03F,
        name: "TLS_DH_DSS_WITH_ARIA_256_CBC_SHA384",
    },
    CipherSuite {
        id: 0xC040,
        name: "TLS_DH_RSA_WITH_ARIA_128_CBC_SHA256",
    },
    CipherSuite {
        id: 0xC041,
        name: "TLS_DH_RSA_WITH_ARIA_256_CBC_SHA384",
    },
    CipherSuite {
        id: 0xC042,
        name: "TLS_DHE_DSS_WITH_ARIA_128_CBC_SHA256",
    },
    CipherSuite {
        id: 0xC043,
        name: "TLS_DHE_DSS_WITH_ARIA_256_CBC_SHA384",
    },
    CipherSuite {
        id: 0xC044,
        name: "TLS_DHE_RSA_WITH_ARIA_128_CBC_SHA256",
    },
    CipherSuite {
        id: 0xC045,
        name: "TLS_DHE_RSA_WITH_ARIA_256_CBC_SHA384",
    },
    CipherSuite {
        id: 0xC046,
        name: "TLS_DH_anon_WITH_ARIA_128_CBC_SHA256",
    },
    CipherSuite {
        id: 0xC047,
        name: "TLS_DH_anon_WITH_ARIA_256_CBC_SHA384",
    },
    CipherSuite {
        id: 0xC048,
        name: "TLS_ECDHE_ECDSA_WITH_ARIA_128_CBC_SHA256",
    },
    CipherSuite {
        id: 0xC049,
        name: "TLS_ECDHE_ECDSA_WITH_ARIA_256_CBC_SHA384",
    },
    CipherSuite {
        id: 0xC04A,
        name: "TLS_ECDH_ECDSA_WITH_ARIA_128_CBC_SHA256",
    },
    CipherSuite {
        id: 0xC04B,
        name: "TLS_ECDH_ECDSA_WITH_ARIA_256_CBC_SHA384",
    },
    CipherSuite {
        id: 0xC04C,
        name: "TLS_ECDHE_RSA_WITH_ARIA_128_CBC_SHA256",
    },
    CipherSuite {
        id: 0xC04D,
        name: "TLS_ECDHE_RSA_WITH_ARIA_256_CBC_SHA384",
    },
    CipherSuite {
        id: 0xC04E,
        name: "TLS_ECDH_RSA_WITH_ARIA_128_CBC_SHA256",
    },
    CipherSuite {
        id: 0xC04F,
        name: "TLS_ECDH_RSA_WITH_ARIA_256_CBC_SHA384",
    },
    CipherSuite {
        id: 0xC050,
        name: "TLS_RSA_WITH_ARIA_128_GCM_SHA256",
    },
    CipherSuite {
        id: 0xC051,
        name: "TLS_RSA_WITH_ARIA_256_GCM_SHA384",
    },
    CipherSuite {
        id: 0xC052,
        name: "TLS_DHE_RSA_WITH_ARIA_128_GCM_SHA256",
    },
    CipherSuite {
        id: 0xC053,
        name: "TLS_DHE_RSA_WITH_ARIA_256_GCM_SHA384",
    },
    CipherSuite {
        id: 0xC054,
        name: "TLS_DH_RSA_WITH_ARIA_128_GCM_SHA256",
    },
    CipherSuite {
        id: 0xC055,
        name: "TLS_DH_RSA_WITH_ARIA_256_GCM_SHA384",
    },
    CipherSuite {
        id: 0xC056,
        name: "TLS_DHE_DSS_WITH_ARIA_128_GCM_SHA256",
    },
    CipherSuite {
        id: 0xC057,
        name: "TLS_DHE_DSS_WITH_ARIA_256_GCM_SHA384",
    },
    CipherSuite {
        id: 0xC058,
        name: "TLS_DH_DSS_WITH_ARIA_128_GCM_SHA256",
    },
    CipherSuite {
        id: 0xC059,
        name: "TLS_DH_DSS_WITH_ARIA_256_GCM_SHA384",
    },
    CipherSuite {
        id: 0xC05A,
        name: "TLS_DH_anon_WITH_ARIA_128_GCM_SHA256",
    },
    CipherSuite {
        id: 0xC05B,
        name: "TLS_DH_anon_WITH_ARIA_256_GCM_SHA384",
    },
    CipherSuite {
        id: 0xC05C,
        name: "TLS_ECDHE_ECDSA_WITH_ARIA_128_GCM_SHA256",
    },
    CipherSuite {
        id: 0xC05D,
        name: "TLS_ECDHE_ECDSA_WITH_ARIA_256_GCM_SHA384",
    },
    CipherSuite {
        id: 0xC05E,
        name: "TLS_ECDH_ECDSA_WITH_ARIA_128_GCM_SHA256",
    },
    CipherSuite {
        id: 0xC05F,
        name: "TLS_ECDH_ECDSA_WITH_ARIA_256_GCM_SHA384",
    },
    CipherSuite {
        id: 0xC060,
        name: "TLS_ECDHE_RSA_WITH_ARIA_128_GCM_SHA256",
    },
    CipherSuite {
        id: 0xC061,
        name: "TLS_ECDHE_RSA_WITH_ARIA_256_GCM_SHA384",
    },
    CipherSuite {
        id: 0xC062,
        name: "TLS_ECDH_RSA_WITH_ARIA_128_GCM_SHA256",
    },
    CipherSuite {
        id: 0xC063,
        name: "TLS_ECDH_RSA_WITH_ARIA_256_GCM_SHA384",
    },
    CipherSuite {
        id: 0xC072,
        name: "TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_CBC_SHA256",
    },
    CipherSuite {
        id: 0xC073,
        name: "TLS_ECDHE_ECDSA_WITH_CAMELLIA_256_CBC_SHA384",
    },
    CipherSuite {
        id: 0xC074,
        name: "TLS_ECDH_ECDSA_WITH_CAMELLIA_128_CBC_SHA256",
    },
    CipherSuite {
        id: 0xC075,
        name: "TLS_ECDH_ECDSA_WITH_CAMELLIA_256_CBC_SHA384",
    },
    CipherSuite {
        id: 0xC076,
        name: "TLS_ECDHE_RSA_WITH_CAMELLIA_128_CBC_SHA256",
    },
    CipherSuite {
        id: 0xC077,
        name: "TLS_ECDHE_RSA_WITH_CAMELLIA_256_CBC_SHA384",
    },
    CipherSuite {
        id: 0xC078,
        name: "TLS_ECDH_RSA_WITH_CAMELLIA_128_CBC_SHA256",
    },
    CipherSuite {
        id: 0xC079,
        name: "TLS_ECDH_RSA_WITH_CAMELLIA_256_CBC_SHA384",
    },
    CipherSuite {
        id: 0xC07A,
        name: "TLS_RSA_WITH_CAMELLIA_128_GCM_SHA256",
    },
    CipherSuite {
        id: 0xC07B,
        name: "TLS_RSA_WITH_CAMELLIA_256_GCM_SHA384",
    },
    CipherSuite {
        id: 0xC07C,
        name: "TLS_DHE_RSA_WITH_CAMELLIA_128_GCM_SHA256",
    },
    CipherSuite {
        id: 0xC07D,
        name: "TLS_DHE_RSA_WITH_CAMELLIA_256_GCM_SHA384",
    },
    CipherSuite {
        id: 0xC07E,
        name: "TLS_DH_RSA_WITH_CAMELLIA_128_GCM_SHA256",
    },
    CipherSuite {
        id: 0xC07F,
        name: "TLS_DH_RSA_WITH_CAMELLIA_256_GCM_SHA384",
    },
    CipherSuite {
        id: 0xC080,
        name: "TLS_DHE_DSS_WITH_CAMELLIA_128_GCM_SHA256",
    },
    CipherSuite {
        id: 0xC081,
        name: "TLS_DHE_DSS_WITH_CAMELLIA_256_GCM_SHA384",
    },
    CipherSuite {
        id: 0xC082,
        name: "TLS_DH_DSS_WITH_CAMELLIA_128_GCM_SHA256",
    },
    CipherSuite {
        id: 0xC083,
        name: "TLS_DH_DSS_WITH_CAMELLIA_256_GCM_SHA384",
    },
    CipherSuite {
        id: 0xC084,
        name: "TLS_DH_anon_WITH_CAMELLIA_128_GCM_SHA256",
    },
    CipherSuite {
        id: 0xC085,
        name: "TLS_DH_anon_WITH_CAMELLIA_256_GCM_SHA384",
    },
    CipherSuite {
        id: 0xC086,
        name: "TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_GCM_SHA256",
    },
    CipherSuite {
        id: 0xC087,
        name: "TLS_ECDHE_ECDSA_WITH_CAMELLIA_256_GCM_SHA384",
    },
    CipherSuite {
        id: 0xC088,
        name: "TLS_ECDH_ECDSA_WITH_CAMELLIA_128_GCM_SHA256",
    },
    CipherSuite {
        id: 0xC089,
        name: "TLS_ECDH_ECDSA_WITH_CAMELLIA_256_GCM_SHA384",
    },
    CipherSuite {
        id: 0xC08A,
        name: "TLS_ECDHE_RSA_WITH_CAMELLIA_128_GCM_SHA256",
    },
    CipherSuite {
        id: 0xC08B,
        name: "TLS_ECDHE_RSA_WITH_CAMELLIA_256_GCM_SHA384",
    },
    CipherSuite {
        id: 0xC08C,
        name: "TLS_ECDH_RSA_WITH_CAMELLIA_128_GCM_SHA256",
    },
    CipherSuite {
        id: 0xC08D,
        name: "TLS_ECDH_RSA_WITH_CAMELLIA_256_GCM_SHA384",
    },
    CipherSuite {
        id: 0xC09C,
        name: "TLS_RSA_WITH_AES_128_CCM",
    },
    CipherSuite {
        id: 0xC09D,
        name: "TLS_RSA_WITH_AES_256_CCM",
    },
    CipherSuite {
        id: 0xC09E,
        name: "TLS_DHE_RSA_WITH_AES_128_CCM",
    },
    CipherSuite {
        id: 0xC09F,
        name: "TLS_DHE_RSA_WITH_AES_256_CCM",
    },
    CipherSuite {
        id: 0xC0A0,
        name: "TLS_RSA_WITH_AES_128_CCM_8",
    },
    CipherSuite {
        id: 0xC0A1,
        name: "TLS_RSA_WITH_AES_256_CCM_8",
    },
    CipherSuite {
        id: 0xC0A2,
        name: "TLS_DHE_RSA_WITH_AES_128_CCM_8",
    },
    CipherSuite {
        id: 0xC0A3,
        name: "TLS_DHE_RSA_WITH_AES_256_CCM_8",
    },
    CipherSuite {
        id: 0xC0AC,
        name: "TLS_ECDHE_ECDSA_WITH_AES_128_CCM",
    },
    CipherSuite {
        id: 0xC0AD,
        name: "TLS_ECDHE_ECDSA_WITH_AES_256_CCM",
    },
    CipherSuite {
        id: 0xC0AE,
        name: "TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8",
    },
    CipherSuite {
        id: 0xC0AF,
        name: "TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8",
    },
    CipherSuite {
        id: 0xCC13,
        name: "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256_OLD",
    },
    CipherSuite {
        id: 0xCC14,
        name: "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256_OLD",
    },
    CipherSuite {
        id: 0xCC15,
        name: "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256_OLD",
    },
    CipherSuite {
        id: 0xCCA8,
        name: "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    },
    CipherSuite {
        id: 0xCCA9,
        name: "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
    },
    CipherSuite {
        id: 0xCCAA,
        name: "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    },
];

/// TLS 1.3 cipher suites.
pub const TLS13_SUITES: &[CipherSuite] = &[
    CipherSuite {
        id: 0x1301,
        name: "TLS_AES_128_GCM_SHA256",
    },
    CipherSuite {
        id: 0x1302,
        name: "TLS_AES_256_GCM_SHA384",
    },
    CipherSuite {
        id: 0x1303,
        name: "TLS_CHACHA20_POLY1305_SHA256",
    },
    CipherSuite {
        id: 0x1304,
        name: "TLS_AES_128_CCM_SHA256",
    },
    CipherSuite {
        id: 0x1305,
        name: "TLS_AES_128_CCM_8_SHA256",
    },
];

/// The IANA name of a cipher suite code point, or `0xXXXX` when unknown.
pub fn suite_name(id: u16) -> String {
    LEGACY_SUITES
        .binary_search_by_key(&id, |s| s.id)
        .ok()
        .map(|i| LEGACY_SUITES[i])
        .or_else(|| TLS13_SUITES.iter().copied().find(|s| s.id == id))
        .map_or_else(|| format!("0x{id:04X}"), |s| s.name.to_string())
}

/// The IANA code point of a cipher suite name.
pub fn suite_id(name: &str) -> Option<u16> {
    LEGACY_SUITES
        .iter()
        .chain(TLS13_SUITES)
        .find(|s| s.name == name)
        .map(|s| s.id)
}
