//! The pkimm rule engine.
//!
//! Rules are declarative YAML ([`rule`]) with CEL expressions ([`expr`], the
//! only module that names the `cel` crate). Each rule maps to PKIMM
//! requirements, applies to one [`EvidenceKind`], and evaluates every record of
//! that kind to pass, fail, not applicable or error. Records are seen through
//! [`view`]s that add facts from the whole bundle ([`context`]); parameters come
//! from the organisation [`policy`]. [`eval`] runs a [`pack::RulePack`] over a
//! bundle in parallel and produces findings and per-requirement metrics;
//! [`waiver`] suppresses accepted findings until they expire.

#![forbid(unsafe_code)]
#![warn(missing_docs)]
// Rule errors carry file, position, rule and field for the user; they occur once
// per load, so their size does not matter.
#![allow(clippy::result_large_err)]

pub mod context;
pub mod criteria;
pub mod eval;
pub mod expr;
pub mod kind;
pub mod levels;
pub mod pack;
pub mod policy;
pub mod rule;
pub mod testcase;
pub mod view;
pub mod waiver;

pub use eval::{evaluate, EvalOptions, Evaluation, Finding};
pub use kind::EvidenceKind;
pub use pack::RulePack;
pub use policy::{load_policy_file, Policy};
pub use rule::{Outcome, Rule, RuleDef, RuleError, Severity};
