//! The fixed vocabularies of benchmark contributions: industries (the
//! sections of ISIC Rev. 4, the UN's International Standard Industrial
//! Classification) and size bands.

/// ISIC Rev. 4 sections: code and title.
pub const INDUSTRIES: [(&str, &str); 21] = [
    ("A", "Agriculture, forestry and fishing"),
    ("B", "Mining and quarrying"),
    ("C", "Manufacturing"),
    ("D", "Electricity, gas, steam and air conditioning supply"),
    (
        "E",
        "Water supply; sewerage, waste management and remediation activities",
    ),
    ("F", "Construction"),
    (
        "G",
        "Wholesale and retail trade; repair of motor vehicles and motorcycles",
    ),
    ("H", "Transportation and storage"),
    ("I", "Accommodation and food service activities"),
    ("J", "Information and communication"),
    ("K", "Financial and insurance activities"),
    ("L", "Real estate activities"),
    ("M", "Professional, scientific and technical activities"),
    ("N", "Administrative and support service activities"),
    (
        "O",
        "Public administration and defence; compulsory social security",
    ),
    ("P", "Education"),
    ("Q", "Human health and social work activities"),
    ("R", "Arts, entertainment and recreation"),
    ("S", "Other service activities"),
    ("T", "Activities of households as employers"),
    (
        "U",
        "Activities of extraterritorial organizations and bodies",
    ),
];

/// Size bands by number of employees.
pub const SIZE_BANDS: [(&str, &str); 5] = [
    ("1-249", "1 to 249 employees"),
    ("250-999", "250 to 999 employees"),
    ("1000-9999", "1,000 to 9,999 employees"),
    ("10000-49999", "10,000 to 49,999 employees"),
    ("50000+", "50,000 employees or more"),
];

/// Bands of the number of certificates in the evidence.
pub const CERTIFICATE_BANDS: [(u64, &str); 5] = [
    (0, "1-999"),
    (1_000, "1000-9999"),
    (10_000, "10000-99999"),
    (100_000, "100000-999999"),
    (1_000_000, "1000000+"),
];

/// The industry code as written in the vocabulary (case-insensitive input).
pub fn industry(code: &str) -> Option<&'static str> {
    INDUSTRIES
        .iter()
        .find(|(c, _)| c.eq_ignore_ascii_case(code.trim()))
        .map(|(c, _)| *c)
}

/// The size band as written in the vocabulary.
pub fn size_band(band: &str) -> Option<&'static str> {
    SIZE_BANDS
        .iter()
        .find(|(b, _)| *b == band.trim())
        .map(|(b, _)| *b)
}

/// The band of `count` certificates.
pub fn certificate_band(count: u64) -> &'static str {
    CERTIFICATE_BANDS
        .iter()
        .rev()
        .find(|(floor, _)| count >= *floor)
        .map_or(CERTIFICATE_BANDS[0].1, |(_, band)| band)
}
