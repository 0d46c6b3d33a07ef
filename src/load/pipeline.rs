//! Reading a large text on every core: one thread parses documents (a List's items one by one,
//! a JSON List's objects only skimmed), two others prepare batches of them in turn
//! ([`kinds::prepare`]: JSON, and typing what needs no other object; a skimmed object typed
//! from its text and converted when it can be, [`dumped`]), and the caller's thread adds them to
//! the snapshot in their order. The result is the one a single thread gets; the bounded queues
//! keep only a few batches in flight.

use std::sync::mpsc::{channel, sync_channel};

use crate::parallel::join;

use super::dumped::{self, Dumped};
use super::json_tree::Item;
use super::kinds::{self, Prepared};
use super::text::Text;
use super::yaml_tree::{Node, ParseError, Value};

/// Texts smaller than this are read on one thread: starting threads would cost more.
const PARALLEL_FROM: usize = 1 << 20;
/// Documents handed from one thread to the next at a time.
const BATCH: usize = 128;
/// Batches waiting between two threads, at most.
const QUEUED: usize = 8;
/// Threads preparing documents.
const PREPARERS: usize = 2;

/// A document ready to be added to the snapshot.
pub(super) enum Ready<'n> {
    /// Read into a tree, with what was prepared of it.
    Tree(&'n Node, Prepared),
    /// Typed from its text.
    Dumped(Dumped),
}

/// A document as the preparing thread hands it on.
enum Made {
    Tree(Node, Prepared),
    Dumped(Dumped),
}

/// Calls `add` with every document of `text`, in order. Returns the syntax error that stopped
/// reading, if any (documents before it are all added).
/// `namespace` is the one objects written without one go to.
/// The pages of a mapped text are handed back as the documents before them are added.
pub(super) fn read(text: &Text, namespace: &str, add: &mut dyn FnMut(Ready)) -> Option<ParseError> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if cores < 2 || text.len() < PARALLEL_FROM {
        return super::read_nodes(text, &mut |node| add(Ready::Tree(&node, Prepared::Nothing)));
    }
    let released = std::cell::Cell::new(0);
    threaded(text, namespace, add, &|offset| {
        text.release_between(released.get(), offset);
        released.set(offset.max(released.get()));
    })
}

/// [`read`] on four threads, whatever the size of the text. `added_to` is told the offset
/// every document before which has been added.
fn threaded(
    text: &str,
    namespace: &str,
    add: &mut dyn FnMut(Ready),
    added_to: &dyn Fn(usize),
) -> Option<ParseError> {
    std::thread::scope(|scope| {
        // Two preparing threads take the batches in turn (preparing is the most work), and the
        // adding thread takes them back in the same turn, so the order holds.
        let mut to_preparers = Vec::with_capacity(PREPARERS);
        let mut from_preparers = Vec::with_capacity(PREPARERS);
        let mut preparers = Vec::with_capacity(PREPARERS);
        for _ in 0..PREPARERS {
            let (parsed, to_prepare) = sync_channel::<Vec<Item>>(QUEUED);
            let (prepared, to_add) = sync_channel::<Vec<Made>>(QUEUED);
            to_preparers.push(parsed);
            from_preparers.push(to_add);
            preparers.push(scope.spawn(move || {
                for batch in to_prepare {
                    let batch = batch
                        .into_iter()
                        .map(|item| make(text, namespace, item))
                        .collect();
                    if prepared.send(batch).is_err() {
                        return;
                    }
                }
            }));
        }
        // Added trees go back to the reader to be freed: it built all but the skimmed objects
        // read again, memory is freed fastest by the thread that allocated it, and the adding
        // thread has the most to do.
        let (spent, to_free) = channel::<Vec<Node>>();
        let reader = scope.spawn(move || {
            let mut batch = Vec::with_capacity(BATCH);
            let mut turn = 0;
            let error = super::read_documents(text, true, &mut |item| {
                while let Ok(nodes) = to_free.try_recv() {
                    drop(nodes);
                }
                batch.push(item);
                if batch.len() == BATCH {
                    // A closed queue means the loader stopped (a panic, surfaced below).
                    let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                    let _ = to_preparers[turn % PREPARERS].send(full);
                    turn += 1;
                }
            });
            if !batch.is_empty() {
                let _ = to_preparers[turn % PREPARERS].send(batch);
            }
            error
        });
        // A preparer's queue closes once the reader is done and it has handed over its last
        // batch: the batch due from it then does not exist.
        let mut turn = 0;
        while let Ok(batch) = from_preparers[turn % PREPARERS].recv() {
            turn += 1;
            let mut added = Vec::with_capacity(batch.len());
            let mut end = 0;
            for made in batch {
                match made {
                    Made::Tree(node, prepared) => {
                        end = node.end.offset;
                        add(Ready::Tree(&node, prepared));
                        added.push(node);
                    }
                    Made::Dumped(dumped) => {
                        end = dumped.end;
                        add(Ready::Dumped(dumped));
                    }
                }
            }
            added_to(end);
            // Once the reader is done, they are freed here.
            let _ = spent.send(added);
        }
        drop(from_preparers);
        for preparer in preparers {
            join(preparer);
        }
        join(reader)
    })
}

/// Prepares one document on the preparing thread.
fn make(text: &str, namespace: &str, item: Item) -> Made {
    let node = match item {
        Item::Tree(node) => node,
        Item::Skimmed(skimmed) => {
            if let Some(dumped) = dumped::type_skimmed(text, &skimmed, namespace) {
                return Made::Dumped(dumped);
            }
            // Skimming accepted it, so it reads; were it not to, nothing is added.
            skimmed.tree(text).unwrap_or(Node {
                value: Value::Null,
                start: skimmed.start,
                end: skimmed.end,
            })
        }
    };
    let prepared = kinds::prepare(&node);
    Made::Tree(node, prepared)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::super::kinds::SnapshotBuilder;
    use super::super::source::FileId;
    use super::*;

    /// The snapshot, the findings and the error loading `text` makes, on four threads or one.
    fn load(text: &str, on_threads: bool) -> String {
        load_typing(text, on_threads).0
    }

    /// [`load`], and the names of the objects typed from their text.
    fn load_typing(text: &str, on_threads: bool) -> (String, Vec<String>) {
        let mut builder = SnapshotBuilder::new("default".to_owned());
        let mut findings = Vec::new();
        let mut typed = Vec::new();
        let file = FileId(0);
        builder.add_text(file, Arc::new(Text::from(text.to_owned())));
        let mut add = |document: Ready| match document {
            Ready::Tree(node, prepared) => {
                builder.add_node(file, text, node, prepared, &mut findings)
            }
            Ready::Dumped(dumped) => {
                typed.push(dumped.object.name().to_owned());
                builder.add_dumped(file, dumped, &mut findings);
            }
        };
        let error = if on_threads {
            threaded(text, "default", &mut add, &|_| {})
        } else {
            super::super::read_nodes(text, &mut |node| add(Ready::Tree(&node, Prepared::Nothing)))
        };
        let loaded = format!("{:#?}\n{findings:#?}\n{error:?}", builder.finish());
        (loaded, typed)
    }

    /// Objects of every sort the preparing thread treats differently: dumped and written,
    /// typed and not, wrong and unknown fields, evidence and snapshot kinds, an object defined
    /// twice and a manifest applied over a dumped one.
    fn items(copies: usize) -> Vec<String> {
        let mut items = Vec::new();
        for i in 0..copies {
            let n = i % 150;
            items.push(format!(r#"{{"apiVersion":"v1","kind":"PersistentVolume","metadata":{{"name":"pv-{n}","uid":"u-{i}","resourceVersion":"1"}},"spec":{{"capacity":{{"storage":"{n}Gi"}},"accessModes":["ReadWriteOnce"],"hostPath":{{"path":"/d"}},"storageClassName":"slow"}}}}"#));
            items.push(format!(r#"{{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{{"name":"c-{n}","namespace":"ns","creationTimestamp":"2024-01-01T00:00:00Z"}},"spec":{{"accessModes":["ReadWriteOnce"],"resources":{{"requests":{{"storage":"1Gi"}}}},"storageClassName":"slow","volumeName":"pv-{n}"}}}}"#));
            items.push(format!(r#"{{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{{"name":"c-{n}","namespace":"ns"}},"spec":{{"accessModes":["ReadWriteOnce"],"resources":{{"requests":{{"storage":"2Gi"}}}},"storageClassName":"fast"}}}}"#));
            items.push(format!(r#"{{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{{"name":"bad-{n}","uid":"u"}},"spec":{{"resources":{{"requests":{{"storage":[1]}}}}}}}}"#));
            items.push(format!(r#"{{"apiVersion":"storage.k8s.io/v1","kind":"StorageClass","metadata":{{"name":"slow","resourceVersion":"3"}},"provisioner":"ebs.csi.aws.com","volumeBindingMode":"WaitForFirstConsumer","unknownField":{i}}}"#));
            items.push(format!(r#"{{"apiVersion":"v1","kind":"Pod","metadata":{{"name":"p-{n}","namespace":"ns","uid":"p"}},"spec":{{"containers":[{{"name":"c","image":"i"}}],"volumes":[{{"name":"v","persistentVolumeClaim":{{"claimName":"c-{n}"}}}}]}}}}"#));
            items.push(format!(r#"{{"apiVersion":"v1","kind":"Event","metadata":{{"name":"e-{i}","namespace":"ns","uid":"e"}},"involvedObject":{{"kind":"PersistentVolumeClaim","name":"c-{n}","namespace":"ns"}},"reason":"ProvisioningFailed","message":"boom","type":"Warning"}}"#));
            items.push(format!(r#"{{"apiVersion":"snapshot.storage.k8s.io/v1","kind":"VolumeSnapshot","metadata":{{"name":"s-{n}","namespace":"ns","uid":"s"}},"spec":{{"source":{{"persistentVolumeClaimName":"c-{n}"}}}}}}"#));
            items.push(
                r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"other"}}"#.to_owned(),
            );
            items.push("[1, 2]".to_owned());
            // Typed from their text, or not: text after non-ASCII, escapes, a field of the
            // wrong type or unknown, an older apiVersion, a key written twice, a raw tab (JSON
            // refuses it, the tree reader takes it), a List inside the List.
            items.push(format!(r#"{{"apiVersion":"v1","kind":"PersistentVolume","metadata":{{"name":"pv-ü{n}","uid":"u","annotations":{{"note":"café \ud83d\ude00 \"q\""}}}},"spec":{{"capacity":{{"storage":"1Gi"}},"accessModes":["ReadWriteMany"],"nfs":{{"server":"s","path":"/x"}},"persistentVolumeReclaimPolicy":"Recycle"}}}}"#));
            items.push(format!(r#"{{"apiVersion":"v1","kind":"Persistent\u0056olume","metadata":{{"name":"pv-esc-{n}","uid":"u"}},"spec":{{"capacity":{{"storage":"1Gi"}}}}}}"#));
            items.push(format!(r#"{{"kind":"Node","kind":"PersistentVolume","apiVersion":"v1","metadata":{{"name":"pv-twice-{n}","uid":"u"}},"spec":{{"capacity":{{"storage":"1Gi"}}}}}}"#));
            items.push(format!(r#"{{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{{"name":"typo-{n}","namespace":"ns","uid":"u"}},"spec":{{"storageClasName":"x","resources":{{"requests":{{"storage":"1Gi"}}}}}}}}"#));
            items.push(format!(r#"{{"apiVersion":"storage.k8s.io/v1beta1","kind":"StorageClass","metadata":{{"name":"beta-{n}","uid":"u"}},"provisioner":"x"}}"#));
            items.push(format!("{{\"apiVersion\":\"v1\",\"kind\":\"PersistentVolume\",\"metadata\":{{\"name\":\"tab\t{n}\",\"uid\":\"u\"}}}}"));
            items.push(format!(r#"{{"apiVersion":"apps/v1","kind":"Deployment","metadata":{{"name":"d-{n}","namespace":"ns","uid":"d"}},"spec":{{"replicas":2.5,"selector":{{}},"template":{{"spec":{{"containers":[]}}}}}}}}"#));
            items.push(format!(r#"{{"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{{"name":"st-{n}","namespace":"ns","uid":"s","creationTimestamp":"2024-01-01T00:00:00Z"}},"spec":{{"replicas":2,"serviceName":"x","selector":{{"matchLabels":{{"a":"b"}}}},"template":{{"metadata":{{"labels":{{"a":"b"}}}},"spec":{{"containers":[{{"name":"c","image":"i","volumeMounts":[{{"name":"data","mountPath":"/d"}}]}}]}}}},"volumeClaimTemplates":[{{"metadata":{{"name":"data"}},"spec":{{"accessModes":["ReadWriteOnce"],"resources":{{"requests":{{"storage":"1Gi"}}}}}}}}]}}}}"#));
            items.push(format!(r#"{{"apiVersion":"v1","kind":"Node","metadata":{{"name":"node-{n}","uid":"n","labels":{{"topology.kubernetes.io/zone":"z{n}"}}}},"status":{{"capacity":{{"cpu":"4"}}}}}}"#));
            items.push(format!(r#"{{"apiVersion":"v1","kind":"List","items":[{{"apiVersion":"v1","kind":"PersistentVolume","metadata":{{"name":"inner-{n}","uid":"u"}},"spec":{{"capacity":{{"storage":"1Gi"}}}}}}]}}"#));
            items.push(format!(r#"{{"apiVersion":"v1","kind":"PersistentVolume","metadata":{{"name":"stamp-{n}","creationTimestamp":""}},"spec":{{"capacity":{{"storage":"1Gi"}}}}}}"#));
        }
        items
    }

    #[test]
    fn a_list_read_on_four_threads_is_read_as_on_one() {
        let text = format!(
            r#"{{"apiVersion":"v1","kind":"List","items":[{}]}}"#,
            items(60).join(",\n")
        );
        let (threads, typed) = load_typing(&text, true);
        assert_eq!(threads, load(&text, false));
        for name in ["pv-0", "c-0", "pv-ü0", "st-0", "node-0", "p-0"] {
            assert!(
                typed.iter().any(|t| t == name),
                "{name} is typed from its text"
            );
        }
        for name in [
            "pv-esc-0",
            "pv-twice-0",
            "typo-0",
            "beta-0",
            "tab\t0",
            "d-0",
            "bad-0",
        ] {
            assert!(
                !typed.iter().any(|t| t == name),
                "{name} is read into a tree"
            );
        }
    }

    #[test]
    fn a_stream_read_on_four_threads_is_read_as_on_one_up_to_its_syntax_error() {
        let mut text = items(60).join("\n---\n");
        text.push_str("\n---\nkind: [unclosed\n---\nkind: Never\n");
        let (threads, one) = (load(&text, true), load(&text, false));
        assert!(
            threads.ends_with(")"),
            "the error is reported: {}",
            &threads[threads.len() - 200..]
        );
        assert_eq!(threads, one);
    }

    #[test]
    fn a_list_with_a_syntax_error_in_an_item_stops_there_on_four_threads_as_on_one() {
        for broken in [
            r#"{"apiVersion":"v1","kind":"PersistentVolume","metadata":{"name":"x" "uid":"u"}}"#,
            r#"{"apiVersion":"v1","kind":"PersistentVolume","metadata":{"name":"\q"}}"#,
            r#"{"apiVersion":"v1","kind":"PersistentVolume","spec":{"n":1.2.3}}"#,
            r#"{"apiVersion":"v1","kind":"PersistentVolume","spec":{"s":"\ud800"}}"#,
        ] {
            let mut list = items(20);
            list.insert(150, broken.to_owned());
            let text = format!(
                r#"{{"apiVersion":"v1","kind":"List","items":[{}]}}"#,
                list.join(",\n")
            );
            let (threads, one) = (load(&text, true), load(&text, false));
            assert!(threads.contains("ParseError"), "{broken}");
            assert_eq!(threads, one, "{broken}");
        }
    }

    #[test]
    fn a_one_line_list_read_on_four_threads_is_read_as_on_one() {
        let text = format!(
            r#"{{"apiVersion":"v1","kind":"List","items":[{}]}}"#,
            items(30).join(",")
        );
        assert_eq!(load(&text, true), load(&text, false));
    }
}
