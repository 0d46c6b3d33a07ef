//! Renderers format a `PlanReport` (or a `WhatIfReport`); they never compute.

mod excerpt;
pub mod github;
pub mod json;
pub mod junit;
mod pretty_json;
pub mod rule_docs;
pub mod sarif;
pub mod text;
pub mod what_if;
pub mod yaml;
