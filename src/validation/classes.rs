//! StorageClasses and VolumeAttributesClasses (upstream `ValidateStorageClass`,
//! `ValidateVolumeAttributesClass`): their parameters and allowed topologies. A StorageClass's
//! provisioner, binding mode and reclaim policy are `invalid-name`'s and `unsupported-value`'s.

use serde_json::Value;

use super::{entries, list, names, selectors, text, Check};

const PARAMETERS_MAX: usize = 512;
const PARAMETERS_BYTES_MAX: usize = 256 * 1024;

pub(super) fn storage_class(check: &mut Check, object: &Value) {
    parameters(check, object, true);
    let terms = list(object, "allowedTopologies");
    selectors::allowed_topologies(check, "allowedTopologies", terms);
}

pub(super) fn attributes_class(check: &mut Check, object: &Value) {
    let driver = text(object, "driverName");
    if driver.is_empty() {
        check.required("driverName", "");
    } else {
        check.name(
            "driverName",
            driver,
            names::qualified(&driver.to_lowercase()),
        );
    }
    parameters(check, object, false);
}

/// At most 512 parameters of at most 256 KiB together, none with an empty key; a
/// VolumeAttributesClass needs at least one.
fn parameters(check: &mut Check, object: &Value, may_be_empty: bool) {
    let parameters: Vec<(&String, &Value)> = entries(object, "parameters").collect();
    if parameters.len() > PARAMETERS_MAX {
        check.too_many("parameters", PARAMETERS_MAX);
        return;
    }
    let mut size = 0;
    for (key, value) in &parameters {
        if key.is_empty() {
            check.invalid("parameters", key, "field can not be empty.");
        }
        size += key.len() + value.as_str().map_or(0, str::len);
    }
    if size > PARAMETERS_BYTES_MAX {
        check.too_long("parameters", PARAMETERS_BYTES_MAX);
    }
    if !may_be_empty && parameters.is_empty() {
        check.required("parameters", "must contain at least one key/value pair");
    }
}
