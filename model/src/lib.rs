//! PKIMM model types and loaders.
//!
//! - [`Model`], [`Module`], [`Category`] and [`Requirement`] describe the PKI
//!   Maturity Model of the PKI Consortium: 4 modules, 16 weighted categories
//!   (15 in model 1.0.0) and weighted requirements in each category.
//! - [`embedded_model`] is a compact PKIMM 1.1.0 compiled into pkimm;
//!   [`load_model_file`] reads the official model YAML.
//! - [`Extension`] and [`load_extension_file`] handle PKIMM extensions such as PQC.
//! - [`evidence`] holds the typed observations collectors produce.
//! - [`diag`] gives every loader errors that name the file, the field and the line.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod diag;
pub mod embedded;
pub mod evidence;
pub mod extension;
pub mod level;
pub mod load;
pub mod model;
pub mod read;
pub mod secret;
pub mod units;
pub mod write;

pub use diag::DocumentError;
pub use embedded::{embedded_model, EMBEDDED_MODEL_VERSION};
pub use extension::{load_extension_file, parse_extension, Extension, ExtensionError, OverlayKind};
pub use level::{achieved_level_name, Level};
pub use load::{load_model_file, parse_model, ModelError};
pub use model::{Category, Model, ModelSource, Module, Requirement};
pub use read::ReadError;
