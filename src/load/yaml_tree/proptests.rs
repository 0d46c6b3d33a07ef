//! Property tests of the YAML reader: it never panics, and generated documents (quoted scalars
//! wrapped as go-yaml writes them among them) read back as written, with spans over their text.

use super::*;
use proptest::prelude::*;
use serde_json::Value as J;

use std::borrow::Cow;

use super::builder::ORIGIN;
use super::position::column_of;
use super::scalar::resolve_plain;

/// Every position lies on a char boundary inside the text and spans are ordered.
fn check_spans(text: &str, node: &Node) {
    assert!(node.start.offset <= node.end.offset, "{node:?}");
    assert!(text.is_char_boundary(node.start.offset));
    assert!(text.is_char_boundary(node.end.offset));
    match &node.value {
        Value::Seq(items) => items.iter().for_each(|n| check_spans(text, n)),
        Value::Map(entries) => entries.iter().for_each(|(k, v)| {
            check_spans(text, k);
            check_spans(text, v);
        }),
        _ => {}
    }
}

/// Scalar spans cover exactly their source text.
fn check_scalar_text(text: &str, node: &Node) {
    match &node.value {
        Value::Seq(items) => items.iter().for_each(|n| check_scalar_text(text, n)),
        Value::Map(entries) => entries.iter().for_each(|(k, v)| {
            check_scalar_text(text, k);
            check_scalar_text(text, v);
        }),
        scalar => {
            let src = &text[node.start.offset..node.end.offset];
            match scalar {
                Value::String(s) if !src.starts_with('"') => assert_eq!(src, s),
                // serde_json's default float parsing is not exact; Rust's is.
                Value::Float(f) => assert_eq!(src.parse::<f64>().ok(), Some(*f)),
                _ => assert_eq!(serde_json::from_str::<J>(src).ok(), Some(node.to_json())),
            }
        }
    }
}

fn plain_safe(s: &str) -> bool {
    matches!(resolve_plain(Cow::Borrowed(s)), Value::String(_))
}

fn leaf() -> impl Strategy<Value = J> {
    prop_oneof![
        any::<i64>().prop_map(J::from),
        any::<bool>().prop_map(J::from),
        Just(J::Null),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(J::from),
        "\\PC{0,12}".prop_map(J::from),
        "[ -~\t\n\"\\\\]{0,12}".prop_map(J::from),
        "[a-zA-Z][a-zA-Z0-9_./-]{0,10}"
            .prop_filter("plain string", |s| plain_safe(s))
            .prop_map(J::from),
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof!["[a-z][a-z0-9_]{0,6}", "\\PC{0,6}"]
}

fn tree() -> impl Strategy<Value = J> {
    leaf().prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(J::Array),
            prop::collection::btree_map(key(), inner, 0..5)
                .prop_map(|m| J::Object(m.into_iter().collect())),
        ]
    })
}

/// Strings the emitter may write unquoted: a letter, then name-like characters, and not
/// a word that would resolve to another type.
fn emit_plain(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_alphabetic())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_./-".contains(c))
        && plain_safe(s)
}

fn scalar_yaml(v: &J) -> String {
    match v {
        J::String(s) if emit_plain(s) => s.clone(),
        J::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() => format!("{f:?}"),
            _ => n.to_string(),
        },
        J::Object(_) => "{}".to_string(),
        J::Array(_) => "[]".to_string(),
        other => serde_json::to_string(other).unwrap_or_default(),
    }
}

fn is_nonempty_collection(v: &J) -> bool {
    matches!(v, J::Object(m) if !m.is_empty()) || matches!(v, J::Array(a) if !a.is_empty())
}

/// Block-style YAML emitter; `indentless` writes `key:\n- item` sequences.
fn emit(v: &J, indent: usize, indentless: bool, out: &mut String) {
    let pad = " ".repeat(indent);
    match v {
        J::Object(m) => {
            for (k, val) in m {
                out.push_str(&pad);
                out.push_str(&scalar_yaml(&J::String(k.clone())));
                out.push(':');
                if is_nonempty_collection(val) {
                    out.push('\n');
                    let child = if indentless && val.is_array() {
                        indent
                    } else {
                        indent + 2
                    };
                    emit(val, child, indentless, out);
                } else {
                    out.push(' ');
                    out.push_str(&scalar_yaml(val));
                    out.push('\n');
                }
            }
        }
        J::Array(items) => {
            for item in items {
                out.push_str(&pad);
                out.push('-');
                if is_nonempty_collection(item) {
                    out.push('\n');
                    emit(item, indent + 2, indentless, out);
                } else {
                    out.push(' ');
                    out.push_str(&scalar_yaml(item));
                    out.push('\n');
                }
            }
        }
        scalar => {
            out.push_str(&scalar_yaml(scalar));
            out.push('\n');
        }
    }
}

/// Random edits of realistic documents: near-valid input exercises the position fix-ups
/// (properties, block scalars, indentless sequences) far more than random text does.
#[test]
fn mutated_manifests_never_panic() {
    let seeds = [
        "apiVersion: v1\nmetadata:\n  labels: &l\n    app: db\nspec:\n  accessModes:\n  \
         - RWO\n  - # c\n    ROX\n  hostPath: {path: \"/data\", type: \"\"}\n  note: |\n    \
         hi\n  x: !!str &a 5\n  y: *l\n  z:\n    <<: *l\n    k: >-\n      f\n---\n- [a, {b: c}]\n...\n",
        "{\n  \"a\": [1, 2.5, \"x\\u00fc\"],\n  \"b\": {\"c\": null}\n}\n",
        "a:\n  b: 'x ü\n  y ''z'''\n  c: \"p\\\"\n  q\\\n  r\"\n  e:\n  - &k 'm\n  n'\n---\nd: 'e\nf'\n",
    ];
    for seed in seeds {
        assert_eq!(parse_stream(seed).1, None, "{seed:?}");
    }
    let alphabet: Vec<char> = "-:{}[],&*!|>'\"#?% \n\t\rab0.~<üé😀\u{feff}"
        .chars()
        .collect();
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut rnd = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        usize::try_from(state % 1_000_003).unwrap_or(0)
    };
    for round in 0..4000 {
        let mut chars: Vec<char> = seeds[round % seeds.len()].chars().collect();
        for _ in 0..=rnd() % 4 {
            let at = rnd() % (chars.len() + 1);
            let c = alphabet[rnd() % alphabet.len()];
            match rnd() % 3 {
                0 => chars.insert(at, c),
                1 if at < chars.len() => {
                    chars.remove(at);
                }
                _ if at < chars.len() => chars[at] = c,
                _ => {}
            }
        }
        let text: String = chars.into_iter().collect();
        let (docs, err) = parse_stream(&text);
        for root in docs.iter().filter_map(|d| d.root.as_ref()) {
            check_spans(&text, root);
            let _ = root.to_json();
        }
        if let Some(e) = err {
            assert!(text.is_char_boundary(e.pos.offset), "{text:?}");
        }
    }
}

/// A block map whose string values are quoted and wrapped the way go-yaml's emitter
/// (controller-gen) does it, continuation lines at a random indentation no deeper than
/// the key's (so always under-indented for YAML 1.2).
fn emit_wrapped(
    m: &std::collections::BTreeMap<String, WrappedVal>,
    indent: usize,
    out: &mut String,
) {
    for (k, v) in m {
        out.push_str(&" ".repeat(indent));
        out.push_str(k);
        out.push(':');
        match v {
            WrappedVal::Map(inner) if !inner.is_empty() => {
                out.push('\n');
                emit_wrapped(inner, indent + 2, out);
            }
            WrappedVal::Map(_) => out.push_str(" {}\n"),
            WrappedVal::Text(words, quote, wrap_at, cont) => {
                out.push(' ');
                out.push(*quote);
                for (i, w) in words.iter().enumerate() {
                    if i > 0 && wrap_at.contains(&i) {
                        out.push('\n');
                        out.push_str(&" ".repeat(cont % (indent + 1)));
                    } else if i > 0 {
                        out.push(' ');
                    }
                    out.push_str(w);
                }
                out.push(*quote);
                out.push('\n');
            }
        }
    }
}

#[derive(Clone, Debug)]
enum WrappedVal {
    Map(std::collections::BTreeMap<String, WrappedVal>),
    /// Words, quote character, word indexes to break before, continuation indentation.
    Text(Vec<String>, char, Vec<usize>, usize),
}

fn wrapped_val() -> impl Strategy<Value = WrappedVal> {
    let text = (
        prop::collection::vec("[a-zé]{1,6}", 1..8),
        prop_oneof![Just('\''), Just('"')],
        prop::collection::vec(1usize..8, 0..4),
        0usize..12,
    )
        .prop_map(|(w, q, b, c)| WrappedVal::Text(w, q, b, c));
    text.prop_recursive(3, 24, 4, |inner| {
        prop::collection::btree_map("[a-z]{1,5}", inner, 0..4).prop_map(WrappedVal::Map)
    })
}

fn wrapped_json(v: &WrappedVal) -> J {
    match v {
        WrappedVal::Map(m) => J::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), wrapped_json(v)))
                .collect(),
        ),
        WrappedVal::Text(words, ..) => J::String(words.join(" ")),
    }
}

/// Moves every position of a tree by `bytes` and `lines` (whole lines, so columns stay).
fn shift(node: &mut Node, bytes: usize, lines: u32) {
    for p in [&mut node.start, &mut node.end] {
        p.offset += bytes;
        p.line += lines;
    }
    match &mut node.value {
        Value::Seq(items) => items.iter_mut().for_each(|n| shift(n, bytes, lines)),
        Value::Map(entries) => entries.iter_mut().for_each(|(k, v)| {
            shift(k, bytes, lines);
            shift(v, bytes, lines);
        }),
        _ => {}
    }
}

/// Each quoted scalar's span runs from its opening to its closing quote.
fn check_quoted_spans(text: &str, node: &Node) {
    match &node.value {
        Value::Map(entries) => entries
            .iter()
            .for_each(|(_, v)| check_quoted_spans(text, v)),
        Value::String(s) => {
            let src = &text[node.start.offset..node.end.offset];
            let q = src.chars().next().unwrap_or(' ');
            assert!(
                matches!(q, '\'' | '"') && src.ends_with(q) && src.len() >= 2,
                "{src:?}"
            );
            let words: Vec<_> = src[1..src.len() - 1].split_whitespace().collect();
            assert_eq!(words.join(" "), *s);
            assert_eq!(node.start.column, column_of(text, node.start.offset));
            assert_eq!(node.end.column, column_of(text, node.end.offset));
        }
        _ => {}
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_strings_never_panic(text in any::<String>()) {
        let (docs, err) = parse_stream(&text);
        for root in docs.iter().filter_map(|d| d.root.as_ref()) {
            check_spans(&text, root);
        }
        if let Some(e) = err {
            prop_assert!(text.is_char_boundary(e.pos.offset));
        }
    }

    #[test]
    fn yamlish_soup_never_panics(text in "[-:{}\\[\\],&*!|>'\"#?%@` \n\t\ra-c0-9.~<üé😀]{0,80}") {
        let (docs, err) = parse_stream(&text);
        for root in docs.iter().filter_map(|d| d.root.as_ref()) {
            check_spans(&text, root);
            let _ = root.to_json();
        }
        if let Some(e) = err {
            prop_assert!(text.is_char_boundary(e.pos.offset));
        }
    }

    #[test]
    fn go_yaml_wrapped_quoted_scalars(
        map in prop::collection::btree_map("[a-z]{1,5}", wrapped_val(), 1..5),
        docs in 1usize..4,
    ) {
        let mut one = String::new();
        emit_wrapped(&map, 0, &mut one);
        let text = vec![one.clone(); docs].join("---\n");
        let expected = wrapped_json(&WrappedVal::Map(map));
        let (parsed, err) = parse_stream(&text);
        prop_assert_eq!(err, None, "{}", text);
        prop_assert_eq!(parsed.len(), docs);
        for root in parsed.iter().filter_map(|d| d.root.as_ref()) {
            prop_assert_eq!(root.to_json(), expected.clone(), "{}", text);
            check_spans(&text, root);
            check_quoted_spans(&text, root);
        }
        // The copies are identical, so every node of a later one sits exactly one copy
        // (and one `---` line) further on, whichever copies needed padding.
        let first = parsed.first().and_then(|d| d.root.clone());
        for (k, doc) in parsed.iter().enumerate() {
            let mut want = first.clone();
            if let Some(root) = &mut want {
                let lines = u32::try_from(k * (one.lines().count() + 1)).unwrap_or(0);
                shift(root, k * (one.len() + 4), lines);
            }
            prop_assert_eq!(&doc.root, &want, "{}", text);
        }
    }

    #[test]
    fn generated_maps_round_trip(
        map in prop::collection::btree_map(key(), tree(), 1..6),
        indentless in any::<bool>(),
    ) {
        let expected = J::Object(map.into_iter().collect());
        let mut yaml = String::new();
        emit(&expected, 0, indentless, &mut yaml);
        let pretty = serde_json::to_string_pretty(&expected).unwrap_or_default();
        for text in [yaml, pretty] {
            let (docs, err) = parse_stream(&text);
            prop_assert_eq!(err, None, "{}", text);
            prop_assert_eq!(docs.len(), 1);
            let root = docs.into_iter().next().and_then(|d| d.root);
            prop_assert!(root.is_some());
            let root = root.unwrap_or(Node { value: Value::Null, start: ORIGIN, end: ORIGIN });
            prop_assert_eq!(root.to_json(), expected.clone(), "{}", text);
            check_spans(&text, &root);
            check_scalar_text(&text, &root);
        }
    }
}
