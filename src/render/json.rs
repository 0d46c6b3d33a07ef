//! `-o json`: the plan contract.
//!
//! A plan's long arrays (a row per claim, per volume, per claim's deletion, a finding each) are
//! most of its output: at 100,000 claims, hundreds of megabytes. They are laid out on two
//! cores, a part of rows at a time, and written in order, so the output is never held whole
//! and reads exactly as `serde_json`'s pretty printer writes the report (tests compare).

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::sync_channel;

use serde::Serialize;

use super::pretty_json::{self, item_start, new_line};
use crate::report::PlanReport;

/// Rows laid out at a time, by one core.
const ROWS_PER_PART: usize = 1024;
/// Parts laid out and not yet written, at most: what the output holds in memory.
const PARTS_AHEAD: usize = 4;

/// Writes any serialisable report (`what-if`) as it is serialised, without holding the text.
/// Generic over the writer so that a buffered writer's fast path is inlined into the serialiser.
pub fn write<T: Serialize, W: Write + ?Sized>(report: &T, out: &mut W) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report).map_err(io::Error::from)?;
    out.write_all(b"\n")
}

/// Writes the plan: the fields of `PlanReport` in its order, with its names and omissions.
pub fn write_plan<W: Write + ?Sized>(report: &PlanReport, out: &mut W) -> io::Result<()> {
    let mut top = Object::open(out, 0)?;
    top.value("apiVersion", &report.api_version)?;
    top.value("kind", &report.kind)?;
    top.array("claims", report.claims.len(), |i| report.claims.get(i))?;
    top.array("volumes", report.volumes.len(), |i| report.volumes.get(i))?;
    top.array("findings", report.findings.len(), |i| {
        report.findings.get(i)
    })?;
    top.value("summary", &report.summary)?;
    {
        let deletion = &report.deletion;
        let mut object = top.object("deletion")?;
        object.array("claims", deletion.claims.len(), |i| deletion.claims.get(i))?;
        object.value("statefulSets", &deletion.stateful_sets)?;
        object.value("namespaces", &deletion.namespaces)?;
        object.close()?;
    }
    if let Some(target) = &report.target {
        top.value("target", target)?;
    }
    top.value("input", &report.input)?;
    if !report.degraded.is_empty() {
        top.value("degraded", &report.degraded)?;
    }
    top.close()?;
    out.write_all(b"\n")
}

pub fn render(report: &PlanReport) -> Result<String, String> {
    let mut out = Vec::new();
    write_plan(report, &mut out).map_err(|e| format!("cannot write JSON: {e}"))?;
    String::from_utf8(out).map_err(|e| e.to_string())
}

/// A JSON object being written at `depth`, as the pretty printer lays it out.
struct Object<'w, W: ?Sized> {
    out: &'w mut W,
    depth: usize,
    empty: bool,
}

impl<'w, W: Write + ?Sized> Object<'w, W> {
    fn open(out: &'w mut W, depth: usize) -> io::Result<Self> {
        out.write_all(b"{")?;
        Ok(Object {
            out,
            depth,
            empty: true,
        })
    }

    fn key(&mut self, key: &str) -> io::Result<()> {
        item_start(self.out, self.empty, self.depth + 1)?;
        self.empty = false;
        pretty_json::string(self.out, key)?;
        self.out.write_all(b": ")
    }

    fn value<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> io::Result<()> {
        self.key(key)?;
        pretty_json::write(self.out, self.depth + 1, value)
    }

    fn object(&mut self, key: &str) -> io::Result<Object<'_, W>> {
        self.key(key)?;
        Object::open(&mut *self.out, self.depth + 1)
    }

    /// An array of `len` items, the item at each position made by `item`, laid out in parallel.
    fn array<T: Serialize>(
        &mut self,
        key: &str,
        len: usize,
        item: impl Fn(usize) -> Option<T> + Sync,
    ) -> io::Result<()> {
        self.key(key)?;
        if len == 0 {
            return self.out.write_all(b"[]");
        }
        self.out.write_all(b"[")?;
        let depth = self.depth + 2;
        // The bytes a row took in the part laid out last: parts are laid out in buffers of
        // about their size, not grown by doubling (copying each part about twice over).
        let row_bytes = AtomicUsize::new(0);
        let parts = len.div_ceil(ROWS_PER_PART);
        let lay_out = |part: usize| {
            let rows = part * ROWS_PER_PART..((part + 1) * ROWS_PER_PART).min(len);
            let mut text =
                Vec::with_capacity(rows.len() * row_bytes.load(Ordering::Relaxed) * 9 / 8);
            for position in rows.clone() {
                item_start(&mut text, position == 0, depth)?;
                let item = item(position).ok_or_else(|| {
                    io::Error::other(format!("{key}: no row at position {position}"))
                })?;
                pretty_json::write(&mut text, depth, &item)?;
            }
            row_bytes.store(text.len() / rows.len(), Ordering::Relaxed);
            Ok::<_, io::Error>(text)
        };
        in_order(parts, &lay_out, &mut |text| self.out.write_all(&text))?;
        new_line(self.out, self.depth + 1)?;
        self.out.write_all(b"]")
    }

    fn close(self) -> io::Result<()> {
        if !self.empty {
            new_line(self.out, self.depth)?;
        }
        self.out.write_all(b"}")
    }
}

/// Lays out parts `0..parts` and writes each, in order. This thread and one other lay them
/// out, each taking the next part not yet taken, for the whole array (a thread started per
/// block of rows started late and took one part in four); this one writes them, and lays out
/// one itself whenever the next to write is not ready, unless [`PARTS_AHEAD`] wait.
fn in_order(
    parts: usize,
    lay_out: &(dyn Fn(usize) -> io::Result<Vec<u8>> + Sync),
    write: &mut dyn FnMut(Vec<u8>) -> io::Result<()>,
) -> io::Result<()> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if cores < 2 || parts < 2 {
        for part in 0..parts {
            write(lay_out(part)?)?;
        }
        return Ok(());
    }
    let next = AtomicUsize::new(0);
    let take = || {
        let part = next.fetch_add(1, Ordering::Relaxed);
        (part < parts).then_some(part)
    };
    std::thread::scope(|scope| {
        let (laid_out, from_helper) = sync_channel::<(usize, io::Result<Vec<u8>>)>(PARTS_AHEAD);
        let take = &take;
        scope.spawn(move || {
            while let Some(part) = take() {
                // Closed when this thread's parts are no longer wanted (an error).
                if laid_out.send((part, lay_out(part))).is_err() {
                    return;
                }
            }
        });
        let mut ready = BTreeMap::new();
        let mut written = 0;
        while written < parts {
            if let Some(text) = ready.remove(&written) {
                write(text?)?;
                written += 1;
                continue;
            }
            if let Ok((part, text)) = from_helper.try_recv() {
                ready.insert(part, text);
                continue;
            }
            if ready.len() < PARTS_AHEAD {
                if let Some(part) = take() {
                    ready.insert(part, lay_out(part));
                    continue;
                }
            }
            match from_helper.recv() {
                Ok((part, text)) => {
                    ready.insert(part, text);
                }
                // The helper stopped with parts missing: it panicked, which the scope raises.
                Err(_) => break,
            }
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::{load_str, LoadOptions};
    use crate::report::DegradedEntry;

    fn by_serde(report: &PlanReport) -> String {
        let mut out = Vec::new();
        write(report, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// Every example, and one that leaves a section empty and reports a kind it could not read.
    #[test]
    fn the_plan_reads_as_serde_writes_it() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata");
        let mut texts: Vec<(String, String)> = ["examples", "rules", "input"]
            .iter()
            .flat_map(|dir| std::fs::read_dir(root.join(dir)).unwrap())
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "json"))
            .map(|p| {
                (
                    p.display().to_string(),
                    std::fs::read_to_string(&p).unwrap(),
                )
            })
            .collect();
        texts.push((
            "empty".into(),
            "apiVersion: v1\nkind: List\nitems: []\n".into(),
        ));
        assert!(texts.len() > 50);
        for (name, text) in texts {
            let loaded = load_str(&name, &text, &LoadOptions::default());
            let mut report = crate::report::plan(&loaded);
            assert_eq!(render(&report).unwrap(), by_serde(&report), "{name}");
            report.degraded.push(DegradedEntry {
                kind: "PersistentVolume",
                resource: "persistentvolumes".into(),
                why: "forbidden",
                weakens: "binding",
                message: "not allowed to list persistentvolumes".into(),
            });
            report.deletion.clear();
            assert_eq!(render(&report).unwrap(), by_serde(&report), "{name}");
        }
    }

    /// Arrays of many parts are laid out in parts on two cores, and read the same.
    #[test]
    fn long_arrays_read_as_serde_writes_them() {
        let mut text = String::from("apiVersion: v1\nkind: List\nitems:\n");
        for i in 0..(ROWS_PER_PART * PARTS_AHEAD * 2 + 37) {
            text.push_str(&format!(
                "- {{apiVersion: v1, kind: PersistentVolumeClaim, metadata: {{name: c{i}, namespace: ns}}, spec: {{accessModes: [ReadWriteOnce], resources: {{requests: {{storage: 1Gi}}}}, storageClassName: missing}}}}\n"
            ));
        }
        let loaded = load_str("long.yaml", &text, &LoadOptions::default());
        assert!(loaded.findings.is_empty(), "{:?}", loaded.findings.first());
        let report = crate::report::plan(&loaded);
        assert!(report.claims.len() > ROWS_PER_PART * PARTS_AHEAD * 2);
        assert!(report.findings.len() > ROWS_PER_PART * PARTS_AHEAD * 2);
        assert_eq!(render(&report).unwrap(), by_serde(&report));
    }
}
