//! PKIMM model types and loaders.
//!
//! - [`Model`], [`Module`], [`Category`] and [`Requirement`] describe the PKI
//!   Maturity Model of the PKI Consortium: 4 modules, 16 weighted categories
//!   (15 in model 1.0.0) and weighted requirements in each category.
//! - [`embedded_model`] is a compact PKIMM 2.0.0 compiled into pkimm (1.1.0
//!   and 1.0.0 are embedded too, [`embedded_model_version`]);
//!   [`load_model_file`] reads the official model YAML of either schema.
//! - [`crosswalk`] maps ids between 1.0.0, 1.1.0 and 2.0.0;
//!   [`references`] is the 2.0.0 references catalog.
//! - [`Extension`] and [`load_extension_file`] handle PKIMM extensions such as PQC.
//! - [`evidence`] holds the typed observations collectors produce.
//! - [`diag`] gives every loader errors that name the file, the field and the line.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod crosswalk;
pub mod diag;
pub mod embedded;
pub mod evidence;
pub mod extension;
pub mod level;
pub mod load;
pub mod model;
pub mod read;
pub mod references;
pub mod secret;
pub mod tls_groups;
pub mod tls_suites;
pub mod units;
pub mod write;

pub use diag::DocumentError;
pub use embedded::{embedded_model, embedded_model_version, EMBEDDED_MODEL_VERSION};
pub use extension::{load_extension_file, parse_extension, Extension, ExtensionError, OverlayKind};
pub use level::{achieved_level_name, Level};
pub use load::{load_model_file, parse_model, ModelError};
pub use model::{
    Alias, Category, IdError, IdScheme, Model, ModelSource, Module, Reference, Requirement,
};
pub use read::ReadError;
