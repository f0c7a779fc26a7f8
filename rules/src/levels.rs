//! The built-in level mappings (`rules/levels/*.yaml`): how rule metrics become
//! suggested PKIMM levels. The scoring crate parses and applies them; they live
//! here, beside the rule packs they refer to.

/// Built-in level mapping files: (file name, YAML text).
pub const BUILTIN_LEVEL_FILES: &[(&str, &str)] = &[
    (
        "levels/cryptography.yaml",
        include_str!("../levels/cryptography.yaml"),
    ),
    (
        "levels/key-management.yaml",
        include_str!("../levels/key-management.yaml"),
    ),
    (
        "levels/certificate-management.yaml",
        include_str!("../levels/certificate-management.yaml"),
    ),
    (
        "levels/infrastructure.yaml",
        include_str!("../levels/infrastructure.yaml"),
    ),
    (
        "levels/resilience.yaml",
        include_str!("../levels/resilience.yaml"),
    ),
    (
        "levels/automation.yaml",
        include_str!("../levels/automation.yaml"),
    ),
    (
        "levels/interoperability.yaml",
        include_str!("../levels/interoperability.yaml"),
    ),
    (
        "levels/monitoring.yaml",
        include_str!("../levels/monitoring.yaml"),
    ),
];
