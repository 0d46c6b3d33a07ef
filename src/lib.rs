//! kubectl-storage: predicts how Kubernetes binds, provisions and reclaims storage, and lints
//! manifests for the mistakes that leave claims Pending or lose data.
//!
//! Data flows one way: `load` → `model` → `binding` (and later analyses) → `findings` →
//! `render`. Only the command layer (`cli`) touches the terminal and exit codes.

pub mod analysis;
pub mod binding;
pub mod byte_scan;
pub mod cli;
pub mod config;
pub mod deletion;
pub mod diagnose;
pub mod drivers;
pub mod evidence;
pub mod expand;
pub mod findings;
pub mod fix;
pub mod live;
pub mod load;
pub mod memory;
pub mod model;
pub mod parallel;
pub mod rebind;
pub mod removals;
pub mod render;
pub mod report;
pub mod resize;
pub mod rules;
pub mod shared_fixtures;
pub mod timings;
pub mod validation;
pub mod what_if;
