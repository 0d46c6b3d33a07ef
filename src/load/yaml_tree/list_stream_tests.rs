//! Tests of [`objects`]: a List's items handed over one by one, with the positions and values
//! they have in the whole tree.

use super::*;

fn lc(p: Pos) -> (u32, u32) {
    (p.line, p.column)
}

fn parse_one(text: &str) -> Node {
    let (docs, err) = parse_stream(text);
    assert_eq!(err, None);
    docs.into_iter().next().and_then(|d| d.root).expect("root")
}

/// Items and their positions, as `documents` keeps them in one tree.
fn list_items(text: &str) -> Vec<Node> {
    let docs: Vec<Document> = documents(text).collect::<Result<_, _>>().expect("parses");
    let mut items = Vec::new();
    for doc in docs {
        match doc
            .root
            .as_ref()
            .and_then(|r| r.get("items"))
            .map(|n| &n.value)
        {
            Some(Value::Seq(seq)) => items.extend(seq.iter().cloned()),
            _ => items.extend(doc.root),
        }
    }
    items
}

/// Items as `objects` hands them over: one by one, or inside the List shell for those
/// read again with padding.
fn streamed(text: &str) -> Vec<Node> {
    let mut items = Vec::new();
    for doc in objects(text) {
        let root = doc.expect("parses").root.expect("root");
        match root.get("items").map(|n| &n.value) {
            Some(Value::Seq(seq)) => items.extend(seq.iter().cloned()),
            _ => items.push(root),
        }
    }
    items
}

#[test]
fn objects_hands_over_list_items_one_by_one() {
    let text = "apiVersion: v1\nitems:\n- kind: A\n  metadata: {name: a}\n- kind: B\n  spec:\n    x: [1, 2]\nkind: List\n---\nkind: C\n";
    let docs: Vec<Node> = objects(text).map(|d| d.unwrap().root.unwrap()).collect();
    assert_eq!(
        docs.len(),
        4,
        "two items, the List shell, one more document"
    );
    assert_eq!(docs[0].get("kind").and_then(Node::as_str), Some("A"));
    assert_eq!(lc(docs[1].start), (5, 3));
    assert_eq!(
        docs[2].get("items").map(|n| &n.value),
        Some(&Value::Seq(Vec::new()))
    );
    assert_eq!(docs[2].get("kind").and_then(Node::as_str), Some("List"));
    assert_eq!(docs[3].get("kind").and_then(Node::as_str), Some("C"));
    assert_eq!(streamed(text), list_items(text));
}

#[test]
fn objects_keeps_nested_and_merged_items_in_place() {
    // Only the top-level `items` of a document streams; a nested one stays in its tree.
    let text = "kind: X\nspec:\n  items: [1, 2]\n";
    let docs: Vec<Node> = objects(text).map(|d| d.unwrap().root.unwrap()).collect();
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0].to_json(), parse_one(text).to_json());
}

#[test]
fn objects_hands_each_item_over_once_when_a_later_item_needs_padding() {
    let text = "apiVersion: v1\nitems:\n- kind: A\n  metadata: {name: a}\n- kind: CustomResourceDefinition\n  spec:\n    description: 'Specific resourceVersion to which this reference\n    is made, if any.'\n- kind: C\n  metadata: {name: c}\nkind: List\n";
    let items = streamed(text);
    assert_eq!(items.len(), 3);
    assert_eq!(items, list_items(text));
    let kinds: Vec<&str> = items
        .iter()
        .filter_map(|n| n.get("kind").and_then(Node::as_str))
        .collect();
    assert_eq!(kinds, ["A", "CustomResourceDefinition", "C"]);
}
