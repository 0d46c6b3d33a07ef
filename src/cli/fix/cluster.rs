//! `kubectl storage fix --cluster`: the fixes of live objects as patches. Each is shown as a
//! diff, checked by a server-side dry run, and sent with `--yes` or once a terminal says yes;
//! every patch carries the resourceVersion its object was read at.

use crate::findings::selection::Selection;
use crate::fix::cluster::{self as live_fix, ObjectChange};
use crate::live::session::DeleteOptions;
use crate::live::session::Session;
use crate::live::write::{self, Operation, WriteRequest};
use crate::live::{self};
use crate::render::text::Paint;
use crate::report;

use super::super::input::{load_over_read, ReleaseArgs};
use super::super::{confirmed, emit, exit, fail};
use super::{count, line, line_with_reason, remaining_code, FixArgs};

pub fn run(args: &FixArgs, selection: &Selection) -> u8 {
    let p = Paint(args.color.enabled());
    let read = match live::read(&args.cluster) {
        Ok(read) => read,
        Err(error) => return fail(error),
    };
    let server = read.server.clone();
    let objects = read.objects_by_key();
    let input = match load_over_read(
        Some(read),
        &[],
        &args.cluster,
        None,
        &ReleaseArgs::default(),
    ) {
        Ok(input) => input,
        Err(error) => return fail(error),
    };
    let (findings, _, _) = report::findings(&input.loaded, selection);
    let (changes, left) = live_fix::changes(&findings, &objects, args.unsafe_fixes);
    let mut out = String::new();
    if changes.is_empty() {
        out.push_str(&format!("Nothing to fix in the cluster at {server}.\n"));
    } else {
        for change in &changes {
            out.push_str(&change.diff());
            for note in &change.notes {
                out.push_str(&line(note, p));
            }
        }
    }
    if !left.is_empty() {
        out.push_str(&format!("{} not made:\n", count(left.len(), "fix")));
        for note in &left {
            out.push_str(&line_with_reason(note, p));
        }
    }
    if changes.is_empty() {
        return match emit(&out) {
            Ok(()) => remaining_code(&findings, args.fail_on),
            Err(error) => fail(format!("cannot write the output: {error}")),
        };
    }
    // The server checks every patch before anything is written.
    let patches: Vec<WriteRequest> = changes.iter().map(request).collect();
    let session = match Session::open(&args.cluster) {
        Ok(session) => session,
        Err(error) => return fail(error),
    };
    let checked = match write::write_all(&session, &patches, true) {
        Ok(checked) => checked,
        Err(error) => return fail(error),
    };
    let mut accepted = Vec::new();
    let mut refused = 0;
    for ((change, patch), outcome) in changes.iter().zip(&patches).zip(checked) {
        match outcome {
            Ok(()) => accepted.push((change, patch.clone())),
            Err(refusal) => {
                refused += 1;
                out.push_str(&format!(
                    "{} {}: dry run: {refusal}\n",
                    p.red("✘"),
                    change.key
                ));
            }
        }
    }
    out.push_str(&format!(
        "Dry run: the server accepts {} of {}.\n",
        count(accepted.len(), "change"),
        patches.len()
    ));
    if accepted.is_empty() || args.diff {
        if !accepted.is_empty() {
            out.push_str("Nothing was written (--diff).\n");
        }
        return match emit(&out) {
            Ok(()) => exit::FINDINGS,
            Err(error) => fail(format!("cannot write the output: {error}")),
        };
    }
    if let Err(error) = emit(&out) {
        return fail(format!("cannot write the output: {error}"));
    }
    out.clear();
    if !args.yes && !confirmed(&format!("Send {}?", count(accepted.len(), "change"))) {
        let _ = emit("Nothing was written: add --yes to make these changes.\n");
        return exit::FINDINGS;
    }
    let to_send: Vec<WriteRequest> = accepted.iter().map(|(_, patch)| patch.clone()).collect();
    let sent = match write::write_all(&session, &to_send, false) {
        Ok(sent) => sent,
        Err(error) => return fail(error),
    };
    for ((change, _), outcome) in accepted.iter().zip(sent) {
        match outcome {
            Ok(()) => {
                let done = if change.deletes() {
                    "deleted"
                } else {
                    "patched"
                };
                out.push_str(&format!("{} {done} {}\n", p.green("✔"), change.key));
            }
            Err(refusal) => {
                refused += 1;
                out.push_str(&format!("{} {}: {refusal}\n", p.red("✘"), change.key));
            }
        }
    }
    if let Err(error) = emit(&out) {
        return fail(format!("cannot write the output: {error}"));
    }
    if refused > 0 {
        exit::FINDINGS
    } else {
        exit::CLEAN
    }
}

fn request(change: &ObjectChange) -> WriteRequest {
    let operation = if change.deletes() {
        let meta = |field: &str| {
            change
                .before
                .pointer(&format!("/metadata/{field}"))
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned)
        };
        Operation::Delete(DeleteOptions {
            uid: meta("uid"),
            resource_version: meta("resourceVersion"),
            orphan: false,
        })
    } else {
        Operation::Patch(change.patch())
    };
    WriteRequest {
        kind: change.key.kind,
        namespace: change.key.namespace.clone(),
        name: change.key.name.clone(),
        operation,
    }
}
