//! Manifests as kubectl sends them: YAML read as kubectl (go-yaml v2) reads it, and JSON merge
//! patches (RFC 7386) that make one manifest out of another.

use kubectl_storage::load::yaml_tree::{self, Node, Value as YamlValue};
use serde_json::{json, Value};

/// The objects of a YAML stream as `kubectl apply -f` sends them: a List's items each, empty
/// documents dropped; an error for a stream that does not parse.
pub fn documents(text: &str) -> Result<Vec<Value>, String> {
    let (docs, error) = yaml_tree::parse_stream(text);
    if let Some(error) = error {
        return Err(error.to_string());
    }
    let mut objects = Vec::new();
    for doc in docs {
        let Some(root) = doc.root else { continue };
        let object = as_kubectl_sends(&root, text);
        match object["items"].as_array() {
            Some(items) if object["kind"] == "List" => objects.extend(items.iter().cloned()),
            _ => objects.push(object),
        }
    }
    Ok(objects)
}

/// A document as JSON, as kubectl sends it: the project's reader, except that a plain integer
/// written with a leading zero (`0644`) is octal, as go-yaml v2 (kubectl's reader) reads it,
/// where the project's reader takes YAML 1.2's decimal on purpose.
fn as_kubectl_sends(node: &Node, text: &str) -> Value {
    match &node.value {
        YamlValue::Int(_) => text
            .get(node.start.offset..node.end.offset)
            .and_then(go_yaml_octal)
            .map_or_else(|| node.to_json(), |n| json!(n)),
        YamlValue::Seq(items) => items.iter().map(|i| as_kubectl_sends(i, text)).collect(),
        YamlValue::Map(entries) if entries.iter().all(|(k, _)| k.as_str().is_some()) => entries
            .iter()
            .map(|(k, v)| (k.as_str().unwrap().to_owned(), as_kubectl_sends(v, text)))
            .collect::<serde_json::Map<_, _>>()
            .into(),
        _ => node.to_json(),
    }
}

/// `0755`, `-017`: go-yaml v2's octal integers.
fn go_yaml_octal(written: &str) -> Option<i64> {
    let (sign, digits) = match written.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, written.strip_prefix('+').unwrap_or(written)),
    };
    let octal = digits.strip_prefix('0')?;
    if octal.is_empty() || !octal.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
        return None;
    }
    i64::from_str_radix(octal, 8).ok().map(|n| sign * n)
}

/// RFC 7386: maps merge key by key, `null` removes a key, anything else replaces.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = json!({});
    }
    let target = target.as_object_mut().unwrap();
    for (key, value) in patch {
        if value.is_null() {
            target.remove(key);
        } else {
            merge_patch(target.entry(key.clone()).or_insert(Value::Null), value);
        }
    }
}

#[test]
fn merge_patch_follows_rfc_7386() {
    let mut target = json!({"a": "b", "c": {"d": "e", "f": "g"}, "l": [1, 2]});
    merge_patch(
        &mut target,
        &json!({"a": "z", "c": {"f": null, "h": 1}, "l": [3]}),
    );
    assert_eq!(target, json!({"a": "z", "c": {"d": "e", "h": 1}, "l": [3]}));
}

#[test]
fn leading_zero_integers_are_octal_as_kubectl_reads_them() {
    let objects = documents("a: 0644\nb: 644\nc: '0644'\nd: 08\n").unwrap();
    assert_eq!(objects[0], json!({"a": 420, "b": 644, "c": "0644", "d": 8}));
}
