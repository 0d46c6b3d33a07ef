//! Reading a large text on every core: one thread parses documents (a List's items one by one),
//! another prepares them ([`kinds::prepare`]: JSON, and typing what needs no other object), and
//! the caller's thread adds them to the snapshot in their order. The result is the one a single
//! thread gets; the bounded queues keep only a few batches of documents in flight.

use std::sync::mpsc::{channel, sync_channel};

use crate::parallel::join;

use super::kinds::{self, Prepared};
use super::yaml_tree::{Node, ParseError};

/// Texts smaller than this are read on one thread: starting threads would cost more.
const PARALLEL_FROM: usize = 1 << 20;
/// Documents handed from one thread to the next at a time.
const BATCH: usize = 128;
/// Batches waiting between two threads, at most.
const QUEUED: usize = 8;

/// Calls `add` with every document of `text`, in order, and what was prepared of it. Returns
/// the syntax error that stopped reading, if any (documents before it are all added).
pub(super) fn read(text: &str, add: &mut dyn FnMut(&Node, Prepared)) -> Option<ParseError> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if cores < 2 || text.len() < PARALLEL_FROM {
        return super::read_nodes(text, &mut |node| add(&node, Prepared::Nothing));
    }
    threaded(text, add)
}

/// [`read`] on three threads, whatever the size of the text.
fn threaded(text: &str, add: &mut dyn FnMut(&Node, Prepared)) -> Option<ParseError> {
    std::thread::scope(|scope| {
        let (parsed, to_prepare) = sync_channel::<Vec<Node>>(QUEUED);
        let (prepared, to_add) = sync_channel::<Vec<(Node, Prepared)>>(QUEUED);
        // Added documents go back to the reader to be freed: memory is freed fastest by the
        // thread that allocated it, and the adding thread has the most to do.
        let (spent, to_free) = channel::<Vec<Node>>();
        let reader = scope.spawn(move || {
            let mut batch = Vec::with_capacity(BATCH);
            let error = super::read_nodes(text, &mut |node| {
                while let Ok(nodes) = to_free.try_recv() {
                    drop(nodes);
                }
                batch.push(node);
                if batch.len() == BATCH {
                    // A closed queue means the loader stopped (a panic, surfaced below).
                    let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                    let _ = parsed.send(full);
                }
            });
            if !batch.is_empty() {
                let _ = parsed.send(batch);
            }
            error
        });
        let preparer = scope.spawn(move || {
            for batch in to_prepare {
                let batch = batch
                    .into_iter()
                    .map(|node| {
                        let made = kinds::prepare(&node);
                        (node, made)
                    })
                    .collect();
                if prepared.send(batch).is_err() {
                    return;
                }
            }
        });
        for batch in to_add {
            let mut added = Vec::with_capacity(batch.len());
            for (node, made) in batch {
                add(&node, made);
                added.push(node);
            }
            // Once the reader is done, they are freed here.
            let _ = spent.send(added);
        }
        join(preparer);
        join(reader)
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::super::kinds::SnapshotBuilder;
    use super::super::source::FileId;
    use super::*;

    /// The snapshot, the findings and the error loading `text` makes, on three threads or one.
    fn load(text: &str, on_threads: bool) -> String {
        let mut builder = SnapshotBuilder::new("default".to_owned());
        let mut findings = Vec::new();
        let file = FileId(0);
        builder.add_text(file, Arc::from(text));
        let mut add =
            |node: &Node, prepared| builder.add_node(file, text, node, prepared, &mut findings);
        let error = if on_threads {
            threaded(text, &mut add)
        } else {
            super::super::read_nodes(text, &mut |node| add(&node, Prepared::Nothing))
        };
        format!("{:#?}\n{findings:#?}\n{error:?}", builder.finish())
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
        }
        items
    }

    #[test]
    fn a_list_read_on_three_threads_is_read_as_on_one() {
        let text = format!(
            r#"{{"apiVersion":"v1","kind":"List","items":[{}]}}"#,
            items(60).join(",\n")
        );
        assert_eq!(load(&text, true), load(&text, false));
    }

    #[test]
    fn a_stream_read_on_three_threads_is_read_as_on_one_up_to_its_syntax_error() {
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
}
