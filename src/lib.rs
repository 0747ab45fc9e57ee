//! dossier turns a git repository of runbooks and evidence into a SOC 2
//! evidence website, and refuses to publish it when the evidence is not in order.
//!
//! The flow runs one way: [`sources`] reads the repository, [`model`] parses
//! it into typed data with positions, [`checks`] turn the model into
//! [`diag::Diagnostic`]s, and [`output`] renders them.

pub mod checks;
pub mod controls;
pub mod diag;
pub mod evaluate;
pub mod model;
pub mod output;
pub mod project;
pub mod sources;

pub use project::Project;
pub mod agenda;
pub mod collect;
pub mod forecast;
pub mod lock;
pub mod scaffold;
#[cfg(feature = "serve")]
pub mod serve;
pub mod site;
