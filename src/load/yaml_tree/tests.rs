//! Tests of the YAML reader: positions, scalar resolution, anchors and merge keys, errors,
//! quoted-scalar padding, and the loading of the shared corpus.

use super::*;

use std::sync::Arc;

use saphyr_parser::Parser;

use super::builder::{Builder, ORIGIN};
use super::documents::{ArcChars, Padded, Source, QUOTED_INDICATOR_ERROR};
use super::position::CharOffsets;

fn parse_one(text: &str) -> Node {
    let (docs, err) = parse_stream(text);
    assert_eq!(err, None, "unexpected error for {text:?}");
    assert_eq!(docs.len(), 1);
    docs.into_iter().next().and_then(|d| d.root).expect("root")
}

fn lc(p: Pos) -> (u32, u32) {
    (p.line, p.column)
}

fn path<'a>(p: &'a [PathSegOwned]) -> Vec<PathSeg<'a>> {
    borrow_path(p)
}

fn node_at<'a>(root: &'a Node, p: &str) -> &'a Node {
    let segs = parse_path(p);
    root.at(&path(&segs))
        .unwrap_or_else(|| panic!("no node at {p}"))
}

const MANIFEST: &str = "\
apiVersion: v1
kind: PersistentVolume
metadata:
  name: pv-1
  labels:
    app: db
spec:
  capacity:
    storage: 10Gi
  accessModes:
  - ReadWriteOnce
  - ReadOnlyMany
  hostPath: {path: \"/data\", type: \"\"}
  note: |
    hello
    world
";

#[test]
fn manifest_positions() {
    let root = parse_one(MANIFEST);
    assert_eq!(lc(root.start), (1, 1));
    let (k, _) = root.locate(&[PathSeg::Key("apiVersion")], true);
    assert_eq!((lc(k), k.offset), ((1, 1), 0));
    let v = node_at(&root, "apiVersion");
    assert_eq!((lc(v.start), lc(v.end)), ((1, 13), (1, 15)));
    assert_eq!(&MANIFEST[v.start.offset..v.end.offset], "v1");
    // Block mapping starts at its first key.
    assert_eq!(lc(node_at(&root, "metadata").start), (4, 3));
    assert_eq!(lc(node_at(&root, "metadata.labels.app").start), (6, 10));
    let storage = node_at(&root, "spec.capacity.storage");
    assert_eq!(storage.as_str(), Some("10Gi"));
    assert_eq!(lc(storage.start), (9, 14));
    // Indentless sequence: starts at its '-', ends after its last item.
    let modes = node_at(&root, "spec.accessModes");
    assert_eq!((lc(modes.start), lc(modes.end)), ((11, 3), (12, 17)));
    assert_eq!(lc(node_at(&root, "spec.accessModes[1]").start), (12, 5));
    let host = node_at(&root, "spec.hostPath");
    assert_eq!((lc(host.start), lc(host.end)), ((13, 13), (13, 38)));
    let p = node_at(&root, "spec.hostPath.path");
    assert_eq!(&MANIFEST[p.start.offset..p.end.offset], "\"/data\"");
    assert_eq!(lc(p.start), (13, 20));
    // Block scalar: from its '|' header to the end of its last content line.
    let note = node_at(&root, "spec.note");
    assert_eq!(note.as_str(), Some("hello\nworld\n"));
    assert_eq!((lc(note.start), lc(note.end)), ((14, 9), (16, 10)));
    assert_eq!(
        &MANIFEST[note.start.offset..note.end.offset],
        "|\n    hello\n    world"
    );
    // Block mapping ends at its last value.
    assert_eq!(lc(node_at(&root, "spec").end), (16, 10));
    assert_eq!(root.end, note.end);
}

#[test]
fn multi_document_stream() {
    let text = "a: 1\n---\nb: 2\n...\n---\n# only a comment\n---\n--- ~\n...\n# trailing\n";
    let (docs, err) = parse_stream(text);
    assert_eq!(err, None);
    assert_eq!(docs.len(), 5);
    let roots: Vec<_> = docs
        .iter()
        .map(|d| d.root.as_ref().map(Node::to_json))
        .collect();
    assert_eq!(
        roots,
        vec![
            Some(serde_json::json!({"a": 1})),
            Some(serde_json::json!({"b": 2})),
            None,
            None,
            Some(serde_json::Value::Null),
        ]
    );
    assert_eq!(lc(docs[0].start), (1, 1));
    assert_eq!(lc(docs[0].end), (1, 5));
    // Explicit start points at `---`, explicit end includes `...`.
    assert_eq!((lc(docs[1].start), lc(docs[1].end)), ((2, 1), (4, 4)));
    assert_eq!(lc(docs[2].start), (5, 1));
    assert_eq!(lc(docs[3].start), (7, 1));
    assert_eq!(lc(docs[4].start), (8, 1));
    assert_eq!(&text[docs[4].end.offset - 3..docs[4].end.offset], "...");
}

#[test]
fn documents_iterator_streams_then_stops_at_error() {
    let mut it = documents("a: 1\n---\nb: [\n---\nc: 3\n");
    let first = it.next().and_then(Result::ok).and_then(|d| d.root);
    assert_eq!(
        first.map(|r| r.to_json()),
        Some(serde_json::json!({"a": 1}))
    );
    assert!(matches!(it.next(), Some(Err(_))));
    assert!(it.next().is_none());
}

#[test]
fn empty_and_comment_only_streams() {
    for text in ["", "# nothing here\n", "\n\n   \n", "# a\n# b"] {
        let (docs, err) = parse_stream(text);
        assert_eq!((docs.len(), err), (0, None), "{text:?}");
    }
    let (docs, err) = parse_stream("---\n");
    assert_eq!(err, None);
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0].root, None);
    assert_eq!((lc(docs[0].start), lc(docs[0].end)), ((1, 1), (1, 4)));
    let (docs, _) = parse_stream("--- # c\n...\n--- |\n  text\n");
    assert_eq!(docs.len(), 2);
    assert_eq!(docs[0].root, None);
    assert_eq!(docs[1].root.as_ref().and_then(Node::as_str), Some("text\n"));
}

#[test]
fn flow_style() {
    let text = "{a: [1, 2, {b: c}], d: [], e: {}, 'f': \"g\"}";
    let root = parse_one(text);
    assert_eq!(
        root.to_json(),
        serde_json::json!({"a": [1, 2, {"b": "c"}], "d": [], "e": {}, "f": "g"})
    );
    assert_eq!((root.start.offset, root.end.offset), (0, text.len()));
    let a = node_at(&root, "a");
    assert_eq!(&text[a.start.offset..a.end.offset], "[1, 2, {b: c}]");
    let b = node_at(&root, "a[2]");
    assert_eq!(&text[b.start.offset..b.end.offset], "{b: c}");
    let d = node_at(&root, "d");
    assert_eq!(&text[d.start.offset..d.end.offset], "[]");
    let (k, _) = root.locate(&[PathSeg::Key("f")], true);
    assert_eq!(&text[k.offset..k.offset + 3], "'f'");
    // Block collections whose first entry is a flow collection.
    let text = "k:\n- [a]\n- b\nm:\n  [x, y]: z\n  w: v\n";
    let root = parse_one(text);
    let k = node_at(&root, "k");
    assert_eq!(&text[k.start.offset..k.end.offset], "- [a]\n- b");
    let m = node_at(&root, "m");
    assert_eq!(&text[m.start.offset..m.end.offset], "[x, y]: z\n  w: v");
    // Single-pair mappings inside a flow sequence.
    let root = parse_one("[a: b, c]");
    assert_eq!(root.to_json(), serde_json::json!([{"a": "b"}, "c"]));
}

#[test]
fn json_documents() {
    let text = r#"{
  "apiVersion": "v1",
  "kind": "List",
  "items": [
    {
      "metadata": {"name": "caf\u00e9", "note": "line\nnext \"q\" \\ \t tab"},
      "n": -12,
      "f": 1.5e3,
      "ok": true,
      "none": null
    }
  ]
}"#;
    let root = parse_one(text);
    let expected: serde_json::Value = serde_json::from_str(text).expect("valid json");
    assert_eq!(root.to_json(), expected);
    let name = node_at(&root, "items[0].metadata.name");
    assert_eq!(name.as_str(), Some("café"));
    assert_eq!(lc(name.start), (6, 28));
    assert_eq!(&text[name.start.offset..name.end.offset], r#""caf\u00e9""#);
    let (k, _) = root.locate(&path(&parse_path("items[0].n")), true);
    assert_eq!((lc(k), &text[k.offset..k.offset + 3]), ((7, 7), "\"n\""));
    assert_eq!(lc(node_at(&root, "items[0]").start), (5, 5));
    assert_eq!(lc(node_at(&root, "items[0]").end), (11, 6));
    // Compact one-line JSON.
    let root = parse_one(r#"{"a": [1, 2]}"#);
    assert_eq!(root.to_json(), serde_json::json!({"a": [1, 2]}));
    assert_eq!(lc(node_at(&root, "a[1]").start), (1, 11));
}

#[test]
fn non_ascii_offsets_are_bytes() {
    let long = "ü".repeat(200);
    let text = format!("# grüße 🎉 {long}\nkey: välue 😀\nother: {{ä: 1, b: \"€\"}}\n");
    let root = parse_one(&text);
    let (k, _) = root.locate(&[PathSeg::Key("key")], true);
    assert!(text[k.offset..].starts_with("key: välue"));
    assert_eq!(lc(k), (2, 1));
    let v = node_at(&root, "key");
    assert_eq!(&text[v.start.offset..v.end.offset], "välue 😀");
    assert_eq!((lc(v.start), lc(v.end)), ((2, 6), (2, 13)));
    let b = node_at(&root, "other.b");
    assert_eq!(&text[b.start.offset..b.end.offset], "\"€\"");
    // Columns count characters, not bytes.
    assert_eq!(lc(b.start), (3, 18));
    let (kb, _) = root.locate(&path(&parse_path("other.b")), true);
    assert!(text[kb.offset..].starts_with("b: \"€\""));
}

#[test]
fn crlf_and_bom() {
    let text = "a: 1\r\nb:\r\n- x\r\n- y\r\n";
    let root = parse_one(text);
    let y = node_at(&root, "b[1]");
    assert_eq!(
        (lc(y.start), &text[y.start.offset..y.end.offset]),
        ((4, 3), "y")
    );
    assert_eq!(lc(node_at(&root, "b").start), (3, 1));
    let text = "\u{feff}a: 1\nb: 2\n";
    let root = parse_one(text);
    let (k, _) = root.locate(&[PathSeg::Key("a")], true);
    assert_eq!((k.offset, lc(k)), (3, (1, 1)));
    assert!(text[node_at(&root, "b").start.offset..].starts_with("2"));
}

#[test]
fn anchors_aliases_and_merge_keys() {
    let text = "\
base: &base
  a: 1
  b: 2
other: &o {c: 3}
derived:
  <<: [*base, *o]
  b: 20
single:
  x: 0
  <<: *o
  c: 9
list: *base
scalar: &s !!str 5
again: *s
";
    let root = parse_one(text);
    assert_eq!(
        root.to_json(),
        serde_json::json!({
            "base": {"a": 1, "b": 2},
            "other": {"c": 3},
            "derived": {"a": 1, "b": 20, "c": 3},
            "single": {"x": 0, "c": 9},
            "list": {"a": 1, "b": 2},
            "scalar": "5",
            "again": "5",
        })
    );
    // Merged entries sit where `<<` was; explicit keys win wherever they are.
    let keys: Vec<_> = match &node_at(&root, "derived").value {
        Value::Map(es) => es.iter().filter_map(|(k, _)| k.as_str()).collect(),
        _ => vec![],
    };
    assert_eq!(keys, ["a", "c", "b"]);
    // An alias carries the anchored node's positions.
    assert_eq!(node_at(&root, "list").start, node_at(&root, "base").start);
    assert_eq!(lc(node_at(&root, "base").start), (2, 3));
    // Properties are skipped: the node starts at its content.
    let s = node_at(&root, "scalar");
    assert_eq!(&text[s.start.offset..s.end.offset], "5");
    assert_eq!(lc(node_at(&root, "other").start), (4, 11));
    let root = parse_one("k: &x\n- 1\n- 2\nj: *x\n");
    assert_eq!(lc(node_at(&root, "k").start), (2, 1));
    assert_eq!(
        root.to_json(),
        serde_json::json!({"k": [1, 2], "j": [1, 2]})
    );
}

#[test]
fn bad_merges_and_aliases() {
    let (_, err) = parse_stream("a: &a 1\nb:\n  <<: *a\n");
    let err = err.expect("error");
    assert!(err.message.contains("merge"), "{err}");
    let (_, err) = parse_stream("a: &x [*x]\n");
    assert!(err.expect("error").message.contains("contains it"));
    // Anchors do not cross documents.
    let (docs, err) = parse_stream("a: &x 1\n---\nb: *x\n");
    assert_eq!(docs.len(), 1);
    assert!(err.is_some());
}

#[test]
fn alias_bomb_is_capped() {
    let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        let p = i - 1;
        text.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    let (docs, err) = parse_stream(&text);
    assert!(docs.is_empty());
    let err = err.expect("capped");
    assert!(err.message.contains("alias"), "{err}");
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    // saphyr itself caps flow nesting at 255 levels.
    let (_, err) = parse_stream(&"[".repeat(100_000));
    assert!(err.is_some());
    // Block nesting is capped by us.
    let (_, err) = parse_stream(&format!("{}a", "- ".repeat(100_000)));
    assert!(err.expect("error").message.contains("nesting"));
    let ok = format!("{}a", "- ".repeat(MAX_DEPTH));
    let (docs, err) = parse_stream(&ok);
    assert_eq!((docs.len(), err), (1, None));
    let too_deep = format!("{}a", "- ".repeat(MAX_DEPTH + 1));
    let (_, err) = parse_stream(&too_deep);
    assert!(err.expect("error").message.contains("nesting"));
}

#[test]
fn duplicate_keys() {
    let text = "a: 1\nfoo: 2\nb: 3\nfoo: 4\n";
    let (docs, err) = parse_stream(text);
    assert!(docs.is_empty());
    let err = err.expect("duplicate");
    assert_eq!(err.message, "duplicate key \"foo\" (first at line 2)");
    assert_eq!(lc(err.pos), (4, 1));
    // Flow style, and keys that would collide in JSON.
    let (_, err) = parse_stream("{x: 1, y: 2, x: 3}");
    assert_eq!(lc(err.expect("dup").pos), (1, 14));
    let (_, err) = parse_stream("1: a\n\"1\": b\n");
    assert_eq!(
        err.expect("dup").message,
        "duplicate key \"1\" (first at line 1)"
    );
    // Large maps use the hash index.
    let mut big: String = (0..100).map(|i| format!("k{i}: {i}\n")).collect();
    big.push_str("k42: again\n");
    let (_, err) = parse_stream(&big);
    let err = err.expect("dup");
    assert_eq!(err.message, "duplicate key \"k42\" (first at line 43)");
    assert_eq!(lc(err.pos), (101, 1));
    // Same key in different maps is fine.
    parse_one("a: {x: 1}\nb: {x: 2}\n");
}

#[test]
fn syntax_error_keeps_earlier_documents() {
    let text = "a: 1\n---\nb: 2\n---\nc: [1, 2\nd: 3\n---\ne: 5\n";
    let (docs, err) = parse_stream(text);
    assert_eq!(docs.len(), 2);
    assert_eq!(
        docs[1].root.as_ref().map(Node::to_json),
        Some(serde_json::json!({"b": 2}))
    );
    let err = err.expect("syntax error");
    assert!(err.pos.line >= 5, "{err}");
    assert!(err.pos.offset <= text.len());
    let (docs, err) = parse_stream("key: \"unterminated\n");
    assert!(docs.is_empty());
    assert!(err.is_some());
}

#[test]
fn scalar_resolution_table() {
    use serde_json::json;
    let cases: &[(&str, serde_json::Value)] = &[
        ("~", json!(null)),
        ("null", json!(null)),
        ("Null", json!(null)),
        ("NULL", json!(null)),
        ("", json!(null)),
        ("nULL", json!("nULL")),
        ("true", json!(true)),
        ("True", json!(true)),
        ("TRUE", json!(true)),
        ("false", json!(false)),
        ("FALSE", json!(false)),
        ("tRUE", json!("tRUE")),
        // go-yaml v2's booleans, as kubectl reads them.
        ("yes", json!(true)),
        ("Yes", json!(true)),
        ("YES", json!(true)),
        ("no", json!(false)),
        ("on", json!(true)),
        ("ON", json!(true)),
        ("off", json!(false)),
        ("Off", json!(false)),
        ("y", json!(true)),
        ("Y", json!(true)),
        ("n", json!(false)),
        ("N", json!(false)),
        ("yES", json!("yES")),
        ("oN", json!("oN")),
        ("nope", json!("nope")),
        ("onion", json!("onion")),
        ("0", json!(0)),
        ("-17", json!(-17)),
        ("+17", json!(17)),
        ("012", json!(10)),
        ("0644", json!(420)),
        ("-017", json!(-15)),
        ("089", json!(89)),
        ("0x1F", json!(31)),
        ("0o17", json!(15)),
        ("0b101", json!("0b101")),
        ("1_000", json!("1_000")),
        ("-0x1", json!("-0x1")),
        ("9223372036854775807", json!(i64::MAX)),
        ("-9223372036854775808", json!(i64::MIN)),
        ("9223372036854775808", json!(9_223_372_036_854_775_808.0)),
        ("0xFFFFFFFFFFFFFFFF", json!(18_446_744_073_709_551_615.0)),
        ("1.5", json!(1.5)),
        ("-1.5", json!(-1.5)),
        ("1e3", json!(1000.0)),
        ("1E-2", json!(0.01)),
        (".5", json!(0.5)),
        ("1.", json!(1.0)),
        ("1e", json!("1e")),
        (".", json!(".")),
        ("10Gi", json!("10Gi")),
        ("1.2.3", json!("1.2.3")),
        ("inf", json!("inf")),
        ("nan", json!("nan")),
        ("2001-12-14", json!("2001-12-14")),
        ("<<", json!("<<")),
    ];
    for (src, want) in cases {
        let root = parse_one(&format!("v: {src}\n"));
        assert_eq!(node_at(&root, "v").to_json(), *want, "plain {src:?}");
    }
    let floats = parse_one("[.inf, -.inf, +.Inf, .NaN, .NAN, -.nan]");
    let Value::Seq(items) = floats.value else {
        panic!("seq")
    };
    let got: Vec<_> = items.iter().map(|n| n.value.clone()).collect();
    assert_eq!(got[0], Value::Float(f64::INFINITY));
    assert_eq!(got[1], Value::Float(f64::NEG_INFINITY));
    assert_eq!(got[2], Value::Float(f64::INFINITY));
    assert!(matches!(got[3], Value::Float(f) if f.is_nan()));
    assert!(matches!(got[4], Value::Float(f) if f.is_nan()));
    assert_eq!(got[5], Value::String("-.nan".into()));
    // Quoted and block scalars are always strings.
    let root = parse_one("a: \"1\"\nb: 'true'\nc: |\n  null\nd: >-\n  12\ne: \"\"\n");
    assert_eq!(
        root.to_json(),
        serde_json::json!({"a": "1", "b": "true", "c": "null\n", "d": "12", "e": ""})
    );
}

#[test]
fn tags_force_resolution() {
    let root = parse_one(
        "a: !!str 5\nb: !!int \"7\"\nc: !!float 1\nd: !!bool 'true'\ne: !!null ''\n\
         f: ! 12\ng: !custom 12\nh: !!str\ni: !<tag:yaml.org,2002:int> '3'\n",
    );
    assert_eq!(
        root.to_json(),
        serde_json::json!({"a": "5", "b": 7, "c": 1.0, "d": true, "e": null,
                           "f": "12", "g": 12, "h": "", "i": 3})
    );
    for bad in [
        "a: !!int abc\n",
        "a: !!bool maybe\n",
        "a: !!null x\n",
        "a: !!float xyz\n",
    ] {
        let (_, err) = parse_stream(bad);
        let err = err.unwrap_or_else(|| panic!("{bad:?} should fail"));
        assert!(err.message.starts_with("cannot resolve"), "{err}");
        // Points at the value itself, past the tag.
        let value = bad.split(' ').nth(2).unwrap_or_default();
        assert!(bad[err.pos.offset..].starts_with(value), "{bad:?}");
    }
    assert_eq!(
        parse_one("! {a: ! [1]}").to_json(),
        serde_json::json!({"a": [1]})
    );
    let (_, err) = parse_stream("a: !!str {b: 1}\n");
    assert!(err.expect("error").message.contains("mapping"));
}

#[test]
fn non_string_keys_in_json() {
    let root = parse_one("1: a\ntrue: b\n1.5: c\n~: d\n1e6: e\n0x10: f\n-0.0001: g\n[1, 2]: h\n");
    assert_eq!(
        root.to_json(),
        serde_json::json!({"1": "a", "true": "b", "1.5": "c", "null": "d", "1e+06": "e",
                           "16": "f", "-0.0001": "g", "[1,2]": "h"})
    );
    assert_eq!(node_at(&root, "true").as_str(), Some("b"));
    assert_eq!(go_float32_g(0.1), "0.1");
    assert_eq!(go_float32_g(123456.0), "123456");
    assert_eq!(go_float32_g(1234567.0), "1.234567e+06");
    assert_eq!(go_float32_g(0.00001), "1e-05");
    assert_eq!(go_float32_g(-2.5), "-2.5");
    assert_eq!(go_float32_g(f64::NAN), ".nan");
    assert_eq!(go_float32_g(f64::NEG_INFINITY), "-.inf");
}

#[test]
fn locate_falls_back_to_parent() {
    let text = "spec:\n  resources:\n    requests:\n      cpu: 1\n  accessModes:\n  - RWO\n";
    let root = parse_one(text);
    let segs = parse_path("spec.resources.requests.storage");
    let (s, _) = root.locate(&path(&segs), false);
    assert_eq!(lc(s), (4, 7)); // the `requests` mapping (its first key)
    let (s, e) = root.locate(&path(&segs), true);
    assert_eq!(&text[s.offset..e.offset], "requests"); // the parent's key
    assert_eq!(lc(s), (3, 5));
    let segs = parse_path("spec.accessModes[3]");
    let (s, _) = root.locate(&path(&segs), true);
    assert_eq!(&text[s.offset..s.offset + 11], "accessModes");
    let (s, _) = root.locate(&path(&segs), false);
    assert_eq!(lc(s), (6, 3));
    let segs = parse_path("spec.accessModes[0]");
    let (s, e) = root.locate(&path(&segs), true);
    assert_eq!(&text[s.offset..e.offset], "RWO");
    let (s, _) = root.locate(&path(&parse_path("nothing.here")), true);
    assert_eq!(s, root.start);
    assert_eq!(root.locate(&[], true), (root.start, root.end));
    // A path through a scalar stops at the scalar.
    let (s, _) = root.locate(&path(&parse_path("spec.resources.requests.cpu.x")), false);
    assert_eq!(lc(s), (4, 12));
}

#[test]
fn parse_path_forms() {
    use PathSegOwned::{Index, Key};
    let k = |s: &str| Key(s.to_string());
    assert_eq!(
        parse_path("spec.resources.requests.storage"),
        vec![k("spec"), k("resources"), k("requests"), k("storage")]
    );
    assert_eq!(
        parse_path("spec.accessModes[0]"),
        vec![k("spec"), k("accessModes"), Index(0)]
    );
    assert_eq!(
        parse_path("metadata.annotations[\"a.b/c\"]"),
        vec![k("metadata"), k("annotations"), k("a.b/c")]
    );
    assert_eq!(
        parse_path("a['x.y'][2].b[\"q\\\"r\"]"),
        vec![k("a"), k("x.y"), Index(2), k("b"), k("q\"r")]
    );
    assert_eq!(parse_path(""), vec![]);
    assert_eq!(parse_path("a..b."), vec![k("a"), k("b")]);
    assert_eq!(parse_path("a[x]"), vec![k("a"), k("x")]);
    assert_eq!(
        parse_path("a[\"unterminated"),
        vec![k("a"), k("unterminated")]
    );
    let root = parse_one("metadata:\n  annotations:\n    a.b/c: \"yes\"\n");
    assert_eq!(
        node_at(&root, "metadata.annotations[\"a.b/c\"]").as_str(),
        Some("yes")
    );
}

#[test]
fn block_scalar_positions() {
    let text =
        "a: |-\n  one\n\n  two\n\nb: >+ # keep\n  x\n\nc: |\nd: &q |\n  z\ne:\n- |\n  in seq\n";
    let root = parse_one(text);
    let a = node_at(&root, "a");
    assert_eq!(&text[a.start.offset..a.end.offset], "|-\n  one\n\n  two");
    let b = node_at(&root, "b");
    assert_eq!(&text[b.start.offset..b.end.offset], ">+ # keep\n  x");
    let c = node_at(&root, "c");
    assert_eq!(
        (c.as_str(), &text[c.start.offset..c.end.offset]),
        (Some(""), "|")
    );
    let d = node_at(&root, "d");
    assert_eq!(&text[d.start.offset..d.end.offset], "|\n  z");
    let e = node_at(&root, "e[0]");
    assert_eq!(lc(e.start), (13, 3));
}

#[test]
fn never_panics_on_odd_inputs() {
    for text in [
        "- # c\n  a\n",
        "? a\n: b\n",
        "&a",
        "*a",
        "!",
        "- !!int",
        "key: -\n",
        "a: [\n",
        "{\"a\":",
        "\u{feff}",
        "\r",
        "a: |\n\u{85}x",
        "%YAML 1.2\n---\na\n",
        "--- !!map\n? [a]\n: {b}\n",
        "- - - - a\n",
        "<<: *x",
        "<<: {a: 1}\n<<: [{b: 2}]\n",
    ] {
        let _ = parse_stream(text);
    }
    let root = parse_one("- # c\n  a\n");
    assert_eq!(lc(root.start), (1, 1));
}

/// controller-gen (through go-yaml's emitter) writes quoted CRD descriptions with their
/// continuation lines at the key's own indentation. go-yaml, so Kubernetes, accepts that;
/// saphyr, like YAML 1.2, does not, so such scalars are re-parsed padded.
#[test]
fn crd_description_continuation_at_key_indentation() {
    for q in ['\'', '"'] {
        let text = format!(
            "properties:\n  resourceVersion:\n    description: {q}Specific resourceVersion \
             to which this reference\n    is made, if any.{q}\n    type: string\n"
        );
        let root = parse_one(&text);
        let d = node_at(&root, "properties.resourceVersion.description");
        assert_eq!(
            d.as_str(),
            Some("Specific resourceVersion to which this reference is made, if any.")
        );
        assert_eq!((lc(d.start), lc(d.end)), ((3, 18), (4, 22)), "{q}");
        let src = &text[d.start.offset..d.end.offset];
        assert!(src.starts_with(q) && src.ends_with(q), "{src:?}");
        assert!(
            src.ends_with(&format!("\n    is made, if any.{q}")),
            "{src:?}"
        );
        let t = node_at(&root, "properties.resourceVersion.type");
        assert_eq!((lc(t.start), lc(t.end)), ((5, 11), (5, 17)));
        assert_eq!(&text[t.start.offset..t.end.offset], "string");
        let (k, _) = root.locate(&path(&parse_path("properties.resourceVersion.type")), true);
        assert_eq!((lc(k), &text[k.offset..k.offset + 4]), ((5, 5), "type"));
        assert_eq!(
            lc(node_at(&root, "properties.resourceVersion").end),
            (5, 17)
        );
    }
}

/// Padding in several documents and scalars (sequence entries, escapes, blank and
/// over-indented lines, CRLF, non-ASCII): values and every position map back exactly.
#[test]
fn padded_quoted_scalars_keep_positions() {
    let text = "a: 1\n---\nx:\n  y: 'one ü\n  two ''q''\n\n      three'\n  z: [1]\n\
                ...\n%YAML 1.2\n---\n- \"é \\\"k\\\"\n- x\\\n  y\"\n- k: \"m\r\n  n\"\r\n  j: 2\n";
    let (docs, err) = parse_stream(text);
    assert_eq!(err, None);
    assert_eq!(docs.len(), 3);
    let y = docs[1].root.as_ref().map(|r| node_at(r, "x.y").clone());
    let y = y.expect("x.y");
    assert_eq!(y.as_str(), Some("one ü two 'q'\nthree"));
    assert_eq!((lc(y.start), lc(y.end)), ((4, 6), (7, 13)));
    assert!(text[y.start.offset..y.end.offset].starts_with("'one ü\n  two"));
    let z = docs[1].root.as_ref().map(|r| node_at(r, "x.z").clone());
    let z = z.expect("x.z");
    assert_eq!(
        (lc(z.start), &text[z.start.offset..z.end.offset]),
        ((8, 6), "[1]")
    );
    assert_eq!(lc(docs[1].end), (9, 4));
    let root = docs[2].root.as_ref().expect("third");
    assert_eq!(
        root.to_json(),
        serde_json::json!(["é \"k\" - xy", {"k": "m n", "j": 2}])
    );
    let first = node_at(root, "[0]");
    assert_eq!((lc(first.start), lc(first.end)), ((12, 3), (14, 5)));
    let k = node_at(root, "[1].k");
    assert_eq!((lc(k.start), lc(k.end)), ((15, 6), (16, 5)));
    assert_eq!(&text[k.start.offset..k.end.offset], "\"m\r\n  n\"");
    let j = node_at(root, "[1].j");
    assert_eq!(
        (lc(j.start), &text[j.start.offset..j.end.offset]),
        ((17, 6), "2")
    );
    assert_eq!(lc(docs[2].start), (11, 1));
    // Errors after padding point into the original text.
    let text = "a:\n  b: 'x\n  y'\n  c: [\n";
    let (docs, err) = parse_stream(text);
    assert!(docs.is_empty());
    let err = err.expect("error");
    assert!(err.pos.line >= 4, "{err}");
    let text = "a:\n  b: 'x\n  y'\n  b: 2\n";
    let (_, err) = parse_stream(text);
    let err = err.expect("duplicate");
    assert_eq!(
        (err.message.as_str(), lc(err.pos)),
        ("duplicate key \"b\" (first at line 2)", (4, 3))
    );
    // What go-yaml rejects stays an error: a document indicator inside a quoted scalar.
    let (_, err) = parse_stream("a:\n  b: 'x\n---\n  y'\n");
    assert!(err.is_some());
    let (_, err) = parse_stream("a:\n  b: 'x\n  y\n");
    assert!(err.is_some());
}

/// Only the document that needs padding is copied and re-parsed; the original text is
/// parsed again after it, with byte offsets, lines and columns carrying on exactly.
#[test]
fn padding_stays_in_its_document() {
    let text = "é: 1\n---\na:\n  b: 'ü\n  x'\r\n---\nc: [\"ö\", 2]\nd: 'p\n  q'\n\
                ...\n%YAML 1.2\n---\ne: &k ö\nf: *k\n";
    let mut it = documents(text);
    let first = it.next().and_then(Result::ok).expect("first");
    assert!(it.padded.is_none());
    let second = it.next().and_then(Result::ok).expect("second");
    // The copy runs from the `---` that starts the document to the next one, plus 3 pads.
    let segment = "---\na:\n  b: 'ü\n  x'\r\n";
    assert_eq!(
        it.padded.as_ref().map(|p| p.text.len()),
        Some(segment.len() + 3)
    );
    let rest: Vec<_> = it.by_ref().collect();
    assert!(it.padded.is_none() && matches!(it.source, Source::Str(_)));
    let docs: Vec<Document> = [Ok(first), Ok(second)]
        .into_iter()
        .chain(rest)
        .collect::<Result<_, _>>()
        .expect("no error");
    assert_eq!(docs.len(), 4);
    let json: Vec<_> = docs
        .iter()
        .filter_map(|d| d.root.as_ref())
        .map(Node::to_json)
        .collect();
    assert_eq!(
        json,
        [
            serde_json::json!({"é": 1}),
            serde_json::json!({"a": {"b": "ü x"}}),
            serde_json::json!({"c": ["ö", 2], "d": "p q"}),
            serde_json::json!({"e": "ö", "f": "ö"}),
        ]
    );
    let at = |d: usize, p: &str| {
        let n = docs[d]
            .root
            .as_ref()
            .map(|r| node_at(r, p).clone())
            .expect(p);
        (lc(n.start), lc(n.end), &text[n.start.offset..n.end.offset])
    };
    assert_eq!(at(1, "a.b"), ((4, 6), (5, 5), "'ü\n  x'"));
    assert_eq!(lc(docs[1].end), (5, 5));
    assert_eq!(lc(docs[2].start), (6, 1));
    assert_eq!(at(2, "c"), ((7, 4), (7, 12), "[\"ö\", 2]"));
    assert_eq!(at(2, "c[0]"), ((7, 5), (7, 8), "\"ö\""));
    assert_eq!(at(2, "c[1]"), ((7, 10), (7, 11), "2"));
    assert_eq!(at(2, "d"), ((8, 4), (9, 5), "'p\n  q'"));
    assert_eq!(lc(docs[2].end), (10, 4));
    assert_eq!(lc(docs[3].start), (12, 1));
    assert_eq!(at(3, "e"), ((13, 7), (13, 8), "ö"));
    // An alias is a copy of its anchored node, spans included.
    assert_eq!(at(3, "f"), ((13, 7), (13, 8), "ö"));
    let (f, _) = docs[3]
        .root
        .as_ref()
        .map(|r| r.locate(&path(&parse_path("f")), true))
        .expect("f");
    assert_eq!((lc(f), &text[f.offset..f.offset + 1]), ((14, 1), "f"));
    // An error in a later, unpadded document points into the original text too.
    let (docs, err) = parse_stream("a:\n  b: 'ü\n  x'\n---\nö: [1,\n---\n");
    assert_eq!(docs.len(), 1);
    assert_eq!(err.map(|e| e.pos.line), Some(6));
    // Errors at the end of the copy read as they do for the original text.
    for (tail, message) in [
        ("c: 'p\n---\nq'\n", QUOTED_INDICATOR_ERROR),
        ("c: \"p\n...\nq\"\n", QUOTED_INDICATOR_ERROR),
        (
            "c: [1,\n---\n",
            "while parsing a node, did not find expected node content",
        ),
    ] {
        let text = format!("a:\n  b: 'x\n  y'\n  {tail}");
        let err = parse_stream(&text).1.expect("error");
        assert_eq!(err.message, message, "{text:?}");
        let fixed = text.replace("\n  y'", "\n     y'");
        assert_eq!(parse_stream(&fixed).1.map(|e| e.message), Some(err.message));
    }
}

/// The first padded scalar of a document makes the rest of it padded by guess; a wrong
/// guess is caught (pads must fall inside quoted scalars) and the document re-parsed
/// padding only what errors point at. Block scalar content is never padded.
#[test]
fn guessed_padding_is_checked() {
    // `'bar` continues a plain scalar, so the guess pads `z: 1'` as if it were quoted.
    let text = "a:\n  b: 'x\n  y'\n  c: foo\n    'bar\n  z: 1'\n  w: 'u\n  v'\n";
    let root = parse_one(text);
    assert_eq!(
        root.to_json(),
        serde_json::json!({"a": {"b": "x y", "c": "foo 'bar", "z": "1'", "w": "u v"}})
    );
    let z = node_at(&root, "a.z");
    assert_eq!(
        (lc(z.start), &text[z.start.offset..z.end.offset]),
        ((6, 6), "1'")
    );
    let w = node_at(&root, "a.w");
    assert_eq!((lc(w.start), lc(w.end)), ((7, 6), (8, 5)));
    // Quote-like lines inside a literal block stay as they are.
    let text = "a:\n  b: 'x\n  y'\n  c: |\n    k: 'p\n    q'\n  d: 'm\n  n'\n";
    let root = parse_one(text);
    assert_eq!(
        root.to_json(),
        serde_json::json!({"a": {"b": "x y", "c": "k: 'p\nq'\n", "d": "m n"}})
    );
    // A genuine error after guessed padding is reported as itself.
    let text = "a:\n  b: 'x\n  y'\n  c: 'z\n  w'\n  b: 2\n";
    let (_, err) = parse_stream(text);
    let err = err.expect("duplicate");
    assert_eq!(err.message, "duplicate key \"b\" (first at line 2)");
    assert_eq!(lc(err.pos), (6, 3));
    // Padding of one document does not leak into the next.
    let text = "a:\n  b: 'x\n  y'\n---\nc: |\n  'p\n   q'\n";
    let (docs, err) = parse_stream(text);
    assert_eq!(err, None);
    assert_eq!(
        docs[1].root.as_ref().map(Node::to_json),
        Some(serde_json::json!({"c": "'p\n q'\n"}))
    );
}

fn corpus_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            corpus_files(&path, out);
        } else if !matches!(
            path.file_name().and_then(|n| n.to_str()),
            Some("README.md" | "SOURCES.tsv")
        ) {
            out.push(path);
        }
    }
}

/// Every real-world manifest loads, except those with a genuine YAML error that go-yaml
/// (so kubectl) rejects as well.
#[test]
fn corpus_loads() {
    // (file, expected error message prefix, why go-yaml rejects it too)
    const EXPECTED_FAILURES: &[(&str, &str, &str)] = &[(
        "rancher__local-path-provisioner/examples__quota__local-path-storage.yaml",
        "duplicate key \"kind\"",
        "one mapping has two `kind` keys: go-yaml's strict decoding (sigs.k8s.io/yaml \
         YAMLToJSONStrict / UnmarshalStrict) fails with 'key \"kind\" already set in map'; \
         the lenient YAMLToJSON would silently keep the last one",
    )];
    let Some(root) = crate::shared_fixtures::shared_dir("corpus", "corpus_loads") else {
        return;
    };
    let root = root.as_path();
    let mut files = Vec::new();
    corpus_files(root, &mut files);
    files.sort();
    assert!(files.len() >= 392, "corpus has {} files", files.len());
    let mut unexpected = Vec::new();
    let mut failed = Vec::new();
    let mut documents_seen = 0;
    for file in &files {
        let name = file.strip_prefix(root).unwrap_or(file).to_string_lossy();
        let text = std::fs::read_to_string(file).expect("utf-8 manifest");
        let (docs, err) = parse_stream(&text);
        documents_seen += docs.len();
        let expected = EXPECTED_FAILURES.iter().find(|(f, _, _)| *f == name);
        match (err, expected) {
            (None, None) => {}
            (Some(e), Some((_, prefix, _))) if e.message.starts_with(prefix) => {
                failed.push(name.to_string())
            }
            (err, _) => unexpected.push(format!("{name}: {err:?}")),
        }
    }
    assert!(unexpected.is_empty(), "{unexpected:#?}");
    assert_eq!(failed.len(), EXPECTED_FAILURES.len());
    assert!(documents_seen > 392);
}

/// `Documents` keeps the auto traits it had with saphyr.
#[test]
fn documents_auto_traits() {
    fn check<T: Send + Sync + std::panic::UnwindSafe>(_: &T) {}
    check(&documents(""));
}

/// Every span of a parse result, in document order, for compact comparisons.
fn flatten(items: Vec<Result<Document, ParseError>>) -> Vec<String> {
    fn walk(n: &Node, out: &mut Vec<String>) {
        out.push(format!("{:?}..{:?}", n.start, n.end));
        match &n.value {
            Value::Seq(items) => items.iter().for_each(|n| walk(n, out)),
            Value::Map(entries) => entries.iter().for_each(|(k, v)| {
                walk(k, out);
                walk(v, out);
            }),
            v => out.push(format!("{v:?}")),
        }
    }
    let mut out = Vec::new();
    for item in items {
        match item {
            Ok(doc) => {
                out.push(format!("doc {:?}..{:?}", doc.start, doc.end));
                doc.root.iter().for_each(|r| walk(r, &mut out));
            }
            Err(e) => out.push(format!("{e:?}")),
        }
    }
    out
}

/// Padded text is parsed through saphyr's char-iterator input rather than its `&str`
/// input; both must give the same trees and errors.
#[test]
fn iterator_input_builds_the_same_trees() {
    let mut files = Vec::new();
    let Some(root) =
        crate::shared_fixtures::shared_dir("corpus", "iterator_input_builds_the_same_trees")
    else {
        return;
    };
    corpus_files(&root, &mut files);
    files.sort();
    let mut texts: Vec<String> = files
        .iter()
        .map(|f| std::fs::read_to_string(f).expect("utf-8"))
        .collect();
    texts.push(MANIFEST.to_string());
    texts.push("# grüße 🎉\nkey: välue 😀\nother: {ä: 1, b: \"€\"}\n\u{feff}".to_string());
    texts.push("\u{feff}a: 'x\n  ü'\r\nb: [1, \"\\u00e9\"]\n--- |\n  ö\n...\n".to_string());
    texts.push("a: b: c\n".to_string());
    texts.push("ü: [1, 2\n".to_string());
    for text in &texts {
        let chars = ArcChars {
            text: Arc::from(text.as_str()),
            at: 0,
        };
        let source = Source::Padded(Parser::new_from_iter(chars));
        let builder = Builder::new(CharOffsets::new(text));
        let padded = Some(Padded::new(text, ORIGIN, text.len(), &[]));
        let it = Documents::new(text, source, builder, padded);
        let via_iter = flatten(it.collect());
        let via_str = flatten(documents(text).collect());
        let diff = via_iter.iter().zip(&via_str).position(|(a, b)| a != b);
        assert_eq!(
            (via_iter.len(), via_iter.last()),
            (via_str.len(), via_str.last()),
            "{:?}",
            &text.get(..80)
        );
        assert_eq!(diff.map(|i| (&via_iter[i], &via_str[i])), None);
    }
}

#[test]
#[ignore]
fn perf_pv_snapshot() {
    let mut text = String::new();
    for i in 0..20_000 {
        text.push_str(&format!(
            "---\napiVersion: v1\nkind: PersistentVolume\nmetadata:\n  name: pv-{i:05}\n  \
             labels:\n    app: db-{i}\n    tier: storage\n  annotations:\n    \
             pv.kubernetes.io/provisioned-by: ebs.csi.aws.com\nspec:\n  capacity:\n    \
             storage: {}Gi\n  accessModes:\n  - ReadWriteOnce\n  \
             persistentVolumeReclaimPolicy: Delete\n  storageClassName: gp3\n  csi:\n    \
             driver: ebs.csi.aws.com\n    volumeHandle: vol-{i:017x}\n    fsType: ext4\n",
            i % 500 + 1
        ));
    }
    let mb = text.len() as f64 / 1e6;
    let best = |f: &dyn Fn() -> usize| {
        (0..5)
            .map(|_| {
                let t = std::time::Instant::now();
                let n = f();
                assert!(n > 0);
                t.elapsed().as_secs_f64()
            })
            .fold(f64::INFINITY, f64::min)
    };
    let events = best(&|| Parser::new_from_str(&text).filter(Result::is_ok).count());
    let tree = best(&|| {
        let (docs, err) = parse_stream(&text);
        assert_eq!(err, None);
        docs.len()
    });
    // Same, but with the tree's deallocation kept out of the timing.
    let mut kept = Vec::new();
    let tree_no_drop = (0..5)
        .map(|_| {
            let t = std::time::Instant::now();
            let parsed = parse_stream(&text);
            let secs = t.elapsed().as_secs_f64();
            kept.push(parsed);
            secs
        })
        .fold(f64::INFINITY, f64::min);
    drop(kept);
    let json = best(&|| {
        let (docs, _) = parse_stream(&text);
        docs.iter()
            .filter_map(|d| d.root.as_ref())
            .map(Node::to_json)
            .count()
    });
    let streamed = best(&|| documents(&text).filter(Result::is_ok).count());
    let rate = |secs: f64| format!("{secs:.3}s = {:.1} MB/s", mb / secs);
    // controller-gen CRDs: quoted descriptions continued at the key's indentation are
    // re-parsed padded (per scalar, from the start of its document); compare with the same
    // text indented so that saphyr takes it directly.
    let crd = |cont: &str| {
        let mut t = String::new();
        for d in 0..20 {
            t.push_str(&format!(
                "---\nkind: CustomResourceDefinition\nmetadata:\n  name: c{d}\n\
                 spec:\n  properties:\n"
            ));
            for p in 0..100 {
                t.push_str(&format!(
                    "    f{p}:\n      description: 'Specific resourceVersion to which this\n\
                     {cont}reference is made, if any. More info: https://git.k8s.io/x\n\
                     {cont}#concurrency-control-and-consistency'\n      type: string\n"
                ));
            }
        }
        t
    };
    let (under, indented) = (crd("      "), crd("        "));
    let crd_mb = under.len() as f64 / 1e6;
    let padded = best(&|| {
        let (docs, err) = parse_stream(&under);
        assert_eq!(err, None);
        docs.len()
    });
    let direct = best(&|| {
        let (docs, err) = parse_stream(&indented);
        assert_eq!(err, None);
        docs.len()
    });
    println!(
        "CRD stream {crd_mb:.2} MB, 2,000 under-indented descriptions: padded {:.3}s = {:.1} MB/s; \
         indented (no padding) {:.3}s = {:.1} MB/s",
        padded,
        crd_mb / padded,
        direct,
        crd_mb / direct
    );
    // Worst case: every document of a long stream needs padding. Each is copied and
    // re-parsed on its own, so this stays linear.
    let mut every = String::new();
    for i in 0..20_000 {
        every.push_str(&format!(
            "---\nkind: ConfigMap\nmetadata:\n  name: c{i}\ndata:\n  a: 'one two\n  three'\n"
        ));
    }
    let every_mb = every.len() as f64 / 1e6;
    let each = best(&|| {
        let (docs, err) = parse_stream(&every);
        assert_eq!(err, None);
        docs.len()
    });
    println!(
        "{every_mb:.2} MB, 20,000 documents each padded: {:.3}s = {:.1} MB/s",
        each,
        every_mb / each
    );
    println!(
        "{mb:.1} MB, {} lines: events {}; tree {} (excl. drop {}); \
         documents() one at a time {}; tree+to_json {}",
        text.lines().count(),
        rate(events),
        rate(tree),
        rate(tree_no_drop),
        rate(streamed),
        rate(json)
    );
}
