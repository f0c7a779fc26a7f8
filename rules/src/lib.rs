//! The pkimm rule engine and its built-in rule packs.
//!
//! Rules are declarative YAML with CEL expressions that turn evidence into
//! findings and per-requirement metrics. The engine has not landed yet: see the
//! project's open issues.

#![forbid(unsafe_code)]
