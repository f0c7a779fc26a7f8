//! The built-in criteria and level files (`rules/levels/*.yaml`, one per
//! PKIMM 2.0.0 category): each requirement's assessment criteria, their
//! types, and whether evidence may suggest a level for it. [`crate::criteria`]
//! parses them; they live beside the rule packs that link to them.

/// Built-in criteria files: (file name, YAML text).
pub const BUILTIN_LEVEL_FILES: &[(&str, &str)] = &[
    (
        "levels/automation.yaml",
        include_str!("../levels/automation.yaml"),
    ),
    (
        "levels/awareness.yaml",
        include_str!("../levels/awareness.yaml"),
    ),
    (
        "levels/certificate-management.yaml",
        include_str!("../levels/certificate-management.yaml"),
    ),
    (
        "levels/change-management-and-agility.yaml",
        include_str!("../levels/change-management-and-agility.yaml"),
    ),
    (
        "levels/compliance.yaml",
        include_str!("../levels/compliance.yaml"),
    ),
    (
        "levels/cryptography.yaml",
        include_str!("../levels/cryptography.yaml"),
    ),
    (
        "levels/infrastructure-management.yaml",
        include_str!("../levels/infrastructure-management.yaml"),
    ),
    (
        "levels/interoperability.yaml",
        include_str!("../levels/interoperability.yaml"),
    ),
    (
        "levels/key-management.yaml",
        include_str!("../levels/key-management.yaml"),
    ),
    (
        "levels/knowledge-and-training.yaml",
        include_str!("../levels/knowledge-and-training.yaml"),
    ),
    (
        "levels/monitoring-and-auditing.yaml",
        include_str!("../levels/monitoring-and-auditing.yaml"),
    ),
    (
        "levels/policies-and-documentation.yaml",
        include_str!("../levels/policies-and-documentation.yaml"),
    ),
    (
        "levels/processes-and-procedures.yaml",
        include_str!("../levels/processes-and-procedures.yaml"),
    ),
    (
        "levels/resilience.yaml",
        include_str!("../levels/resilience.yaml"),
    ),
    (
        "levels/sourcing.yaml",
        include_str!("../levels/sourcing.yaml"),
    ),
    (
        "levels/strategy-and-vision.yaml",
        include_str!("../levels/strategy-and-vision.yaml"),
    ),
];
