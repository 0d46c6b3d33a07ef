//! Field edits as edits of a manifest's text: only the spans of the changed fields are touched,
//! so comments, key order, quoting and indentation stay everywhere else. The positions come
//! from parsing the object's own text again, as for pointing at a field.

use serde_json::Value as Json;

use crate::load::source::{reparse, ObjectSource};
use crate::load::yaml_tree::{self, Node, PathSegOwned, Value};

use super::Change;

/// Replace `start..end` of the text with `text`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextEdit {
    pub start: usize,
    pub end: usize,
    pub text: String,
}

/// The text edits that make one field change in the object written at `source`; none when the
/// field already has the value (or is already gone). Errors say why the text cannot be edited
/// safely, for the user to edit it by hand.
pub fn edits(
    text: &str,
    source: &ObjectSource,
    path: &str,
    change: &Change,
) -> Result<Vec<TextEdit>, String> {
    if *change == Change::DeleteObject {
        return Err(
            "deleting a whole object from a manifest is left to you: remove it by hand".to_owned(),
        );
    }
    if text[source.start.offset..].starts_with('{') {
        return Err("the object is written as JSON; only YAML is edited".to_owned());
    }
    let root = reparse(text, source.start, source.end)
        .ok_or_else(|| "the object's text could not be read again".to_owned())?;
    let full = match &source.base_path {
        Some(base) => format!("{base}.{path}"),
        None => path.to_owned(),
    };
    let segments = yaml_tree::parse_path(&full);
    // Walk down as far as the path is written.
    let mut node = &root;
    let mut entry: Option<(&Node, &Node)> = None;
    let mut parent: Option<&Node> = None;
    let mut walked = 0;
    for segment in &segments {
        let next = match (segment, &node.value) {
            (PathSegOwned::Key(key), Value::Map(entries)) => entries
                .iter()
                .find(|(k, _)| k.as_str() == Some(key.as_str()))
                .map(|(k, v)| (Some(k), v)),
            (PathSegOwned::Index(i), Value::Seq(items)) => items.get(*i).map(|v| (None, v)),
            _ => None,
        };
        let Some((key, value)) = next else {
            break;
        };
        shared(text, node, key, value)?;
        parent = Some(node);
        entry = key.map(|k| (k, value));
        node = value;
        walked += 1;
    }
    let found = walked == segments.len();
    match (change, found) {
        (Change::Set(value), true) => set(text, node, value),
        (Change::Set(value), false) => {
            let missing: Vec<&str> = segments[walked..]
                .iter()
                .map(|s| match s {
                    PathSegOwned::Key(k) => Ok(k.as_str()),
                    PathSegOwned::Index(_) => Err(()),
                })
                .collect::<Result<_, _>>()
                .map_err(|()| format!("{full} is not written and is in a list item"))?;
            insert(text, node, &missing, value)
        }
        (Change::Remove, false) => Ok(Vec::new()),
        (Change::Remove, true) => match (entry, parent) {
            (Some((key, value)), Some(map)) => remove(text, map, key, value),
            _ => Err(format!("{full} is not a mapping entry")),
        },
        (Change::DeleteObject, _) => Ok(Vec::new()),
    }
}

/// Refuses to edit through aliases, merge keys and anchors: the same text is then part of other
/// fields or objects, and an edit there would change them too. `key` is the entry's key in a
/// mapping; list items have none.
fn shared(text: &str, container: &Node, key: Option<&Node>, value: &Node) -> Result<(), String> {
    let name = key.and_then(Node::as_str).unwrap_or("a list item");
    // An alias's node keeps its anchor's span, which lies before the alias (and may lie
    // outside the container); merged entries keep theirs too.
    let first = key.unwrap_or(value);
    let outside =
        first.start.offset < container.start.offset || value.end.offset > container.end.offset;
    let before_key = key.is_some_and(|k| value.start.offset < k.end.offset);
    if outside || before_key {
        return Err(format!(
            "{name} comes from an alias or a merge key (<<); edit the anchor by hand"
        ));
    }
    // The text that leads to the value: after its key, or the list item's `- `.
    let lead_start = match key {
        Some(key) => key.end.offset,
        None => text[..value.start.offset]
            .rfind('-')
            .unwrap_or(value.start.offset),
    };
    let between = text.get(lead_start..value.start.offset).unwrap_or("");
    if between.contains('&') {
        return Err(format!(
            "{name} carries an anchor (&) that other fields may reuse; edit it by hand"
        ));
    }
    Ok(())
}

fn set(text: &str, node: &Node, value: &Json) -> Result<Vec<TextEdit>, String> {
    if matches!(node.value, Value::Map(_) | Value::Seq(_)) {
        return Err("the field holds a mapping or a list, not a value".to_owned());
    }
    if same(&node.value, value) {
        return Ok(Vec::new());
    }
    let end = scalar_end(text, node.start.offset, node.end.offset);
    let written = &text[node.start.offset..end];
    if written.starts_with(['|', '>']) {
        return Err("the field is a block scalar; edit it by hand".to_owned());
    }
    let replacement = match (value, written.chars().next()) {
        (Json::String(s), Some('"')) => double_quoted(s),
        (Json::String(s), Some('\'')) => format!("'{}'", s.replace('\'', "''")),
        _ => scalar(value),
    };
    Ok(vec![TextEdit {
        start: node.start.offset,
        end,
        text: replacement,
    }])
}

/// Where a scalar's own text ends: a node's span may run on over the spaces and the comment
/// after it, which must stay.
fn scalar_end(text: &str, start: usize, end: usize) -> usize {
    let span = &text[start..end];
    let mut chars = span.char_indices();
    match chars.next() {
        Some((_, '"')) => {
            let mut escaped = false;
            for (i, c) in chars {
                match c {
                    '\\' if !escaped => escaped = true,
                    '"' if !escaped => return start + i + 1,
                    _ => escaped = false,
                }
            }
            end
        }
        Some((_, '\'')) => {
            let bytes = span.as_bytes();
            let mut i = 1;
            while i < bytes.len() {
                if bytes[i] == b'\'' {
                    if bytes.get(i + 1) == Some(&b'\'') {
                        i += 2;
                        continue;
                    }
                    return start + i + 1;
                }
                i += 1;
            }
            end
        }
        _ => {
            // A plain scalar: up to a comment (` #`), a flow indicator, or the line's end.
            let line = span.split(['\n', '\r']).next().unwrap_or(span);
            let line = line.find(" #").map_or(line, |i| &line[..i]);
            start + line.trim_end().len()
        }
    }
}

fn same(written: &Value, value: &Json) -> bool {
    match (written, value) {
        (Value::String(a), Json::String(b)) => a == b,
        (Value::Bool(a), Json::Bool(b)) => a == b,
        (Value::Int(a), Json::Number(b)) => b.as_i64() == Some(*a),
        (Value::Null, Json::Null) => true,
        _ => false,
    }
}

/// A scalar as YAML writes it: plain when it reads back as the same string, else quoted.
fn scalar(value: &Json) -> String {
    match value {
        Json::String(s) if plain_safe(s) => s.clone(),
        Json::String(s) => double_quoted(s),
        other => other.to_string(),
    }
}

fn double_quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
}

/// Whether a string can be written plain and read back as that string by YAML 1.1 and 1.2
/// readers (kubectl's is 1.1: `yes`, `on` are booleans there).
fn plain_safe(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    let starts_well = match s.chars().next() {
        Some(c) if c.is_ascii_alphabetic() => true,
        // A quantity like 10Gi reads as a string; 10, 1e3 and 0x1f read as numbers.
        Some(c) if c.is_ascii_digit() => {
            s.parse::<f64>().is_err() && !lower.starts_with("0x") && !lower.starts_with("0o")
        }
        _ => false,
    };
    starts_well
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '/'))
        && !matches!(
            lower.as_str(),
            "y" | "n" | "yes" | "no" | "on" | "off" | "true" | "false" | "null"
        )
}

/// Adds the missing keys under `map`, with the value at the end.
fn insert(text: &str, map: &Node, keys: &[&str], value: &Json) -> Result<Vec<TextEdit>, String> {
    let Value::Map(entries) = &map.value else {
        return Err("the field's parent is not a mapping".to_owned());
    };
    let flow = text[map.start.offset..].starts_with('{');
    if flow {
        // `{a: b}` → `{a: b, key: value}`; nested missing keys as nested flow mappings.
        let close = text[..map.end.offset]
            .rfind('}')
            .filter(|&i| i >= map.start.offset)
            .ok_or_else(|| "the flow mapping has no closing brace".to_owned())?;
        let mut inner = scalar(value);
        for key in keys[1..].iter().rev() {
            inner = format!("{{{key}: {inner}}}");
        }
        let separator = if entries.is_empty() { "" } else { ", " };
        // Before the brace, after the last entry and any spaces.
        let at = text[..close].trim_end().len().max(map.start.offset + 1);
        return Ok(vec![TextEdit {
            start: at,
            end: at,
            text: format!("{separator}{}: {inner}", keys[0]),
        }]);
    }
    let Some((first_key, _)) = entries.first() else {
        return Err("the parent mapping is empty".to_owned());
    };
    let indent = (first_key.start.column as usize).saturating_sub(1);
    let (_, last_value) = entries.last().expect("entries is not empty");
    // After the line where the last entry's value ends (its trailing comment included).
    let content_end = text[..last_value.end.offset].trim_end().len();
    let line_end = text[content_end..]
        .find('\n')
        .map_or(text.len(), |i| content_end + i + 1);
    let newline = if text[..line_end].ends_with('\n') {
        ""
    } else {
        "\n"
    };
    let eol = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let mut lines = String::from(newline);
    for (depth, key) in keys.iter().enumerate() {
        let pad = " ".repeat(indent + 2 * depth);
        if depth + 1 == keys.len() {
            lines.push_str(&format!("{pad}{key}: {}{eol}", scalar(value)));
        } else {
            lines.push_str(&format!("{pad}{key}:{eol}"));
        }
    }
    Ok(vec![TextEdit {
        start: line_end,
        end: line_end,
        text: lines,
    }])
}

/// Removes the entry `key: value` from `map`.
fn remove(text: &str, map: &Node, key: &Node, value: &Node) -> Result<Vec<TextEdit>, String> {
    let Value::Map(entries) = &map.value else {
        return Err("the field's parent is not a mapping".to_owned());
    };
    if entries.len() == 1 {
        return Err("it is the mapping's only entry; edit it by hand".to_owned());
    }
    if text[map.start.offset..].starts_with('{') {
        // `{a: 1, b: 2}`: the entry and the comma after it, or before it when it is the last.
        let mut end = value.end.offset;
        let after = &text[end..];
        let trimmed = after.trim_start();
        if let Some(rest) = trimmed.strip_prefix(',') {
            end += after.len() - rest.trim_start().len();
            return Ok(vec![TextEdit {
                start: key.start.offset,
                end,
                text: String::new(),
            }]);
        }
        let before = text[..key.start.offset].trim_end();
        let start = before
            .strip_suffix(',')
            .map_or(key.start.offset, |b| b.len());
        return Ok(vec![TextEdit {
            start,
            end,
            text: String::new(),
        }]);
    }
    let line_start = text[..key.start.offset].rfind('\n').map_or(0, |i| i + 1);
    if !text[line_start..key.start.offset].trim().is_empty() {
        return Err(
            "the entry shares its line with others (a list item's first key); edit it by hand"
                .to_owned(),
        );
    }
    let content_end = text[..value.end.offset].trim_end().len();
    let end = text[content_end..]
        .find('\n')
        .map_or(text.len(), |i| content_end + i + 1);
    Ok(vec![TextEdit {
        start: line_start,
        end,
        text: String::new(),
    }])
}

/// Applies non-overlapping edits (in any order) to a text; overlapping ones after the first are
/// left out and returned, to be tried again on the edited text.
pub fn apply(text: &str, mut edits: Vec<TextEdit>) -> (String, Vec<TextEdit>) {
    edits.sort_by_key(|e| (e.start, e.end));
    edits.dedup();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    let mut left = Vec::new();
    for edit in edits {
        if edit.start < at {
            left.push(edit);
            continue;
        }
        out.push_str(&text[at..edit.start]);
        out.push_str(&edit.text);
        at = edit.end;
    }
    out.push_str(&text[at..]);
    (out, left)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::source::FileId;

    /// Applies one change to the `index`th object of the text (List items count one by one).
    fn change(text: &str, index: usize, path: &str, change: Change) -> Result<String, String> {
        let nodes: Vec<Node> = yaml_tree::objects(text)
            .filter_map(|d| d.ok())
            .filter_map(|d| d.root)
            .filter(|n| n.get("kind").is_some())
            .collect();
        let node = &nodes[index];
        let source = ObjectSource {
            file: FileId(0),
            start: node.start,
            end: node.end.offset,
            base_path: None,
        };
        let edits = edits(text, &source, path, &change)?;
        let (out, left) = apply(text, edits);
        assert!(left.is_empty());
        Ok(out)
    }

    fn set(text: &str, path: &str, value: impl Into<Json>) -> Result<String, String> {
        change(text, 0, path, Change::Set(value.into()))
    }

    #[test]
    fn a_value_is_replaced_in_its_own_quotes_and_its_comment_stays() {
        let text = "kind: PersistentVolume\nspec:\n  persistentVolumeReclaimPolicy: \"Recycle\"   # legacy\n  capacity: {storage: 1Gi}\n";
        assert_eq!(
            set(text, "spec.persistentVolumeReclaimPolicy", "Retain").unwrap(),
            "kind: PersistentVolume\nspec:\n  persistentVolumeReclaimPolicy: \"Retain\"   # legacy\n  capacity: {storage: 1Gi}\n"
        );
        let single = "kind: X\nspec: {policy: 'Recycle', b: 1}\n";
        assert_eq!(
            set(single, "spec.policy", "Retain").unwrap(),
            "kind: X\nspec: {policy: 'Retain', b: 1}\n"
        );
        let plain = "kind: X\nspec:\n  storage: 5Gi # was 10\n";
        assert_eq!(
            set(plain, "spec.storage", "10Gi").unwrap(),
            "kind: X\nspec:\n  storage: 10Gi # was 10\n"
        );
        let flow = "kind: X\nspec: {resources: {requests: {storage: 5Gi}}}\n";
        assert_eq!(
            set(flow, "spec.resources.requests.storage", "10Gi").unwrap(),
            "kind: X\nspec: {resources: {requests: {storage: 10Gi}}}\n"
        );
    }

    #[test]
    fn an_unchanged_value_makes_no_edit() {
        let text = "kind: X\nspec:\n  mode: Retain\n";
        assert_eq!(set(text, "spec.mode", "Retain").unwrap(), text);
        let remove = "kind: X\nspec:\n  a: 1\n";
        assert_eq!(
            change(remove, 0, "spec.uid", Change::Remove).unwrap(),
            remove
        );
    }

    #[test]
    fn missing_keys_are_added_at_the_mapping_s_indentation() {
        let text =
            "# head\nkind: StorageClass\nmetadata:\n  name: local   # per node\nprovisioner: x\n";
        assert_eq!(
            set(text, "volumeBindingMode", "WaitForFirstConsumer").unwrap(),
            "# head\nkind: StorageClass\nmetadata:\n  name: local   # per node\nprovisioner: x\nvolumeBindingMode: WaitForFirstConsumer\n"
        );
        // Missing mappings above the field are added too, and a file without a final newline
        // gets one before the new line.
        let sts = "kind: StatefulSet\nspec:\n  replicas: 3\n  template:\n    spec: {}";
        assert_eq!(
            set(sts, "spec.persistentVolumeClaimRetentionPolicy.whenDeleted", "Retain").unwrap(),
            "kind: StatefulSet\nspec:\n  replicas: 3\n  template:\n    spec: {}\n  persistentVolumeClaimRetentionPolicy:\n    whenDeleted: Retain\n"
        );
        let flow = "kind: Pod\nspec:\n  volumes:\n  - name: data\n    persistentVolumeClaim: {claimName: data}\n";
        assert_eq!(
            set(flow, "spec.volumes[0].persistentVolumeClaim.readOnly", true).unwrap(),
            "kind: Pod\nspec:\n  volumes:\n  - name: data\n    persistentVolumeClaim: {claimName: data, readOnly: true}\n"
        );
        let item = "kind: Pod\nspec:\n  volumes:\n  - persistentVolumeClaim:\n      claimName: data\n    name: data\n";
        assert_eq!(
            set(item, "spec.volumes[0].persistentVolumeClaim.readOnly", true).unwrap(),
            "kind: Pod\nspec:\n  volumes:\n  - persistentVolumeClaim:\n      claimName: data\n      readOnly: true\n    name: data\n"
        );
        let crlf = "kind: StorageClass\r\nprovisioner: x\r\n";
        assert_eq!(
            set(crlf, "volumeBindingMode", "WaitForFirstConsumer").unwrap(),
            "kind: StorageClass\r\nprovisioner: x\r\nvolumeBindingMode: WaitForFirstConsumer\r\n"
        );
    }

    #[test]
    fn list_items_and_later_documents_are_edited_in_place() {
        let list = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: PersistentVolume\n  spec:\n    persistentVolumeReclaimPolicy: Recycle\n- apiVersion: storage.k8s.io/v1\n  kind: StorageClass\n  provisioner: x\n";
        let out = change(
            list,
            1,
            "volumeBindingMode",
            Change::Set("WaitForFirstConsumer".into()),
        )
        .unwrap();
        assert_eq!(
            out,
            "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: PersistentVolume\n  spec:\n    persistentVolumeReclaimPolicy: Recycle\n- apiVersion: storage.k8s.io/v1\n  kind: StorageClass\n  provisioner: x\n  volumeBindingMode: WaitForFirstConsumer\n"
        );
        let docs = "kind: A\nx: 1\n---\nkind: B\nspec:\n  policy: Recycle\n---\nkind: C\n";
        assert_eq!(
            change(docs, 1, "spec.policy", Change::Set("Retain".into())).unwrap(),
            "kind: A\nx: 1\n---\nkind: B\nspec:\n  policy: Retain\n---\nkind: C\n"
        );
    }

    #[test]
    fn fields_are_removed_with_their_line_or_their_comma() {
        let block = "kind: PersistentVolume\nspec:\n  claimRef:\n    name: gone\n    uid: 1234   # old\n    namespace: shop\n";
        assert_eq!(
            change(block, 0, "spec.claimRef.uid", Change::Remove).unwrap(),
            "kind: PersistentVolume\nspec:\n  claimRef:\n    name: gone\n    namespace: shop\n"
        );
        let middle = "kind: X\nspec:\n  claimRef: {name: gone, uid: '1234', namespace: shop}\n";
        assert_eq!(
            change(middle, 0, "spec.claimRef.uid", Change::Remove).unwrap(),
            "kind: X\nspec:\n  claimRef: {name: gone, namespace: shop}\n"
        );
        let last = "kind: X\nspec:\n  claimRef: {name: gone, uid: \"1234\"}\n";
        assert_eq!(
            change(last, 0, "spec.claimRef.uid", Change::Remove).unwrap(),
            "kind: X\nspec:\n  claimRef: {name: gone}\n"
        );
        let only = "kind: X\nspec:\n  claimRef: {uid: \"1234\"}\n";
        assert!(change(only, 0, "spec.claimRef.uid", Change::Remove).is_err());
    }

    #[test]
    fn shared_text_is_not_edited() {
        let alias = "kind: X\nbase: &policy Recycle\nspec:\n  policy: *policy\n";
        let error = set(alias, "spec.policy", "Retain").unwrap_err();
        assert!(error.contains("alias"), "{error}");
        let anchored = "kind: X\nspec: &spec\n  policy: Recycle\nother: *spec\n";
        let error = set(anchored, "spec.policy", "Retain").unwrap_err();
        assert!(error.contains("anchor"), "{error}");
        let merged = "kind: X\ndefaults: &d {policy: Recycle}\nspec:\n  <<: *d\n  size: 1\n";
        assert!(set(merged, "spec.policy", "Retain").is_err());
        let item = "kind: X\nbase: &vol {claimName: a}\nspec:\n  volumes:\n  - name: x\n  - *vol\n";
        let error = set(item, "spec.volumes[1].readOnly", true).unwrap_err();
        assert!(error.contains("alias"), "{error}");
        let anchored_item = "kind: X\nspec:\n  volumes:\n  - &vol {claimName: a}\nother: *vol\n";
        let error = set(anchored_item, "spec.volumes[0].readOnly", true).unwrap_err();
        assert!(error.contains("anchor"), "{error}");
        // An anchor elsewhere in the object does not stop an edit beside it.
        let beside = "kind: X\nlabels: &l {a: b}\nspec:\n  policy: Recycle\n";
        assert_eq!(
            set(beside, "spec.policy", "Retain").unwrap(),
            "kind: X\nlabels: &l {a: b}\nspec:\n  policy: Retain\n"
        );
    }

    #[test]
    fn values_are_quoted_only_when_they_must_be() {
        assert_eq!(
            scalar(&Json::from("WaitForFirstConsumer")),
            "WaitForFirstConsumer"
        );
        assert_eq!(scalar(&Json::from("10Gi")), "10Gi");
        assert_eq!(scalar(&Json::from("yes")), "\"yes\"");
        assert_eq!(scalar(&Json::from("1e3")), "\"1e3\"");
        assert_eq!(scalar(&Json::from("10")), "\"10\"");
        assert_eq!(scalar(&Json::from(true)), "true");
    }
}
