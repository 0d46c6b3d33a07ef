//! `-o json`: the plan contract.
//!
//! A plan's long arrays (a row per claim, per volume, per claim's deletion, a finding each) are
//! most of its output: at 100,000 claims, hundreds of megabytes. They are laid out on every
//! core, a block of rows at a time, and written in order, so the output is never held whole
//! and reads exactly as `serde_json`'s pretty printer writes the report (tests compare).

use std::io::{self, Write};
use std::ops::Range;

use serde::Serialize;

use super::pretty_json::{self, item_start, new_line};
use crate::report::PlanReport;

/// Rows laid out per block; the cores share a block, a part each.
const ROWS_PER_BLOCK: usize = 4096;
const PARTS_PER_BLOCK: usize = 4;

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
        // The bytes a row took in the block before: parts are laid out in buffers of about
        // their size, not grown by doubling (copying each part about twice over).
        let mut row_bytes = 0;
        let mut start = 0;
        while start < len {
            let end = (start + ROWS_PER_BLOCK).min(len);
            let step = (end - start).div_ceil(PARTS_PER_BLOCK);
            let parts: Vec<Range<usize>> = (start..end)
                .step_by(step)
                .map(|s| s..(s + step).min(end))
                .collect();
            let texts = crate::parallel::map(&parts, |range| {
                let mut text = Vec::with_capacity(range.len() * row_bytes * 9 / 8);
                for position in range.clone() {
                    item_start(&mut text, position == 0, depth)?;
                    let item = item(position).ok_or_else(|| {
                        io::Error::other(format!("{key}: no row at position {position}"))
                    })?;
                    pretty_json::write(&mut text, depth, &item)?;
                }
                Ok::<_, io::Error>(text)
            });
            let mut block_bytes = 0;
            for text in texts {
                let text = text?;
                block_bytes += text.len();
                self.out.write_all(&text)?;
            }
            row_bytes = block_bytes / (end - start);
            start = end;
        }
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

    /// Arrays longer than a block are laid out in blocks and parts, and read the same.
    #[test]
    fn long_arrays_read_as_serde_writes_them() {
        let mut text = String::from("apiVersion: v1\nkind: List\nitems:\n");
        for i in 0..(ROWS_PER_BLOCK + 37) {
            text.push_str(&format!(
                "- {{apiVersion: v1, kind: PersistentVolumeClaim, metadata: {{name: c{i}, namespace: ns}}, spec: {{accessModes: [ReadWriteOnce], resources: {{requests: {{storage: 1Gi}}}}, storageClassName: missing}}}}\n"
            ));
        }
        let loaded = load_str("long.yaml", &text, &LoadOptions::default());
        assert!(loaded.findings.is_empty(), "{:?}", loaded.findings.first());
        let report = crate::report::plan(&loaded);
        assert!(report.claims.len() > ROWS_PER_BLOCK);
        assert!(report.findings.len() > ROWS_PER_BLOCK);
        assert_eq!(render(&report).unwrap(), by_serde(&report));
    }
}
