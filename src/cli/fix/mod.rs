//! `kubectl storage fix`: applies the rules' fixes to manifests, as a diff or in place.

use std::io::Write as _;

use clap::Args;

mod cluster;

use crate::findings::Finding;
use crate::fix::files::{self, FixedFile, Outcome};
use crate::fix::{FixNote, NotMade};
use crate::load::{self, Input, InputText, LoadOptions};
use crate::render::text::Paint;

use crate::live::ClusterArgs;

use super::report_args::{FailOn, RuleArgs};
use super::{emit, exit, fail, ColorChoice};

#[derive(Debug, Args)]
pub struct FixArgs {
    /// Manifests to fix: files, or folders (searched recursively for .yaml, .yml and .json).
    /// Repeatable. `-` reads standard input; --write then prints the fixed text.
    #[arg(
        short = 'f',
        long = "filename",
        value_name = "PATH",
        value_hint = clap::ValueHint::AnyPath,
        required_unless_present_any = ["paths", "cluster"]
    )]
    pub filenames: Vec<String>,

    /// More manifests, as with -f (for tools that pass file names last, like pre-commit).
    #[arg(value_name = "PATH", value_hint = clap::ValueHint::AnyPath)]
    pub paths: Vec<String>,

    /// Print the changes as a unified diff; write nothing.
    #[arg(long, conflicts_with = "write")]
    pub diff: bool,

    /// Write the fixed files, each atomically (a temporary file renamed over it).
    #[arg(long)]
    pub write: bool,

    /// Also apply the fixes rules mark unsafe: they change behaviour (a reclaim policy, a
    /// retention policy), so only their owner should take them.
    #[arg(long)]
    pub unsafe_fixes: bool,

    /// With --cluster: send the patches without asking (otherwise a terminal is asked, and
    /// anything else only shows them).
    #[arg(long, short = 'y')]
    pub yes: bool,

    /// Fix the live objects of a cluster instead of manifests: the same fixes, as patches.
    #[command(flatten)]
    pub cluster: ClusterArgs,

    /// Exit with code 1 when a finding of this severity or a worse one is left after fixing.
    #[arg(long, value_enum, default_value_t = FailOn::Error, value_name = "SEVERITY")]
    pub fail_on: FailOn,

    #[command(flatten)]
    pub rules: RuleArgs,

    /// When to use colour.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
}

pub fn run(args: &FixArgs) -> u8 {
    let selection = match args.rules.selection() {
        Ok(selection) => selection,
        Err(error) => return fail(error),
    };
    let files: Vec<&String> = args.filenames.iter().chain(&args.paths).collect();
    if args.cluster.live() {
        if !files.is_empty() {
            return fail("fix mends manifests (-f) or a cluster (--cluster), not both: fix the manifests, then plan them against the cluster with `plan --cluster -f`");
        }
        if args.write {
            return fail("with --cluster, --yes sends the patches (--write is for manifests)");
        }
        return cluster::run(args, &selection);
    }
    if let Some(flag) = args.cluster.live_only_flag() {
        return fail(format!(
            "{flag} applies to a live cluster: add --cluster to fix one"
        ));
    }
    let (texts, options) = match manifest_texts(&files, args.cluster.namespace.as_deref()) {
        Ok(read) => read,
        Err(error) => return fail(error),
    };
    let outcome = files::fix(texts, &options, &selection, args.unsafe_fixes);
    let p = Paint(args.color.enabled());
    let changed = outcome.files.iter().filter(|f| f.changed()).count();
    if args.diff {
        let diffs: String = outcome.files.iter().map(|f| f.diff()).collect();
        if let Err(error) = emit(&diffs) {
            return fail(format!("cannot write the diff: {error}"));
        }
        let _ = std::io::stderr().write_all(summary(&outcome, "Would fix", p).as_bytes());
        return if changed > 0 {
            exit::FINDINGS
        } else {
            exit::CLEAN
        };
    }
    if !args.write {
        let mut out = summary(&outcome, "Would fix", p);
        if changed > 0 {
            out.push_str("Nothing was written: --diff shows the changes, --write makes them.\n");
        }
        if let Err(error) = emit(&out) {
            return fail(format!("cannot write the output: {error}"));
        }
        return if changed > 0 {
            exit::FINDINGS
        } else {
            remaining_code(&outcome.remaining, args.fail_on)
        };
    }
    if let Err(error) = write_files(&outcome.files, &summary(&outcome, "Fixed", p)) {
        return fail(error);
    }
    remaining_code(&outcome.remaining, args.fail_on)
}

/// Reads manifests to edit, with the namespace for objects written without one (`-n`, else
/// `default`).
pub(super) fn manifest_texts<S: AsRef<str>>(
    files: &[S],
    namespace: Option<&str>,
) -> Result<(Vec<InputText>, LoadOptions), String> {
    let inputs: Vec<Input> = files.iter().map(|f| Input::parse(f.as_ref())).collect();
    let texts = load::read_inputs(&inputs).map_err(|e| e.to_string())?;
    let options = LoadOptions {
        namespace: namespace.unwrap_or("default").to_owned(),
    };
    Ok((texts, options))
}

/// Writes the changed files, each atomically, then the summary. Text read from standard input
/// goes to standard output, and the summary to standard error.
pub(super) fn write_files(files: &[FixedFile], summary: &str) -> Result<(), String> {
    for file in files.iter().filter(|f| f.changed()) {
        match &file.path {
            Some(path) => files::write_atomically(path, &file.after)
                .map_err(|error| format!("cannot write {}: {error}", file.name))?,
            None => emit(&file.after)
                .map_err(|error| format!("cannot write the changed text: {error}"))?,
        }
    }
    let to_stderr = files.iter().any(|f| f.path.is_none());
    let written = if to_stderr {
        std::io::stderr().write_all(summary.as_bytes())
    } else {
        emit(summary)
    };
    written.map_err(|error| format!("cannot write the output: {error}"))
}

/// The exit code for the findings left once the fixes are made.
pub(super) fn remaining_code(remaining: &[Finding], fail_on: FailOn) -> u8 {
    let worst = remaining.iter().map(|f| f.severity).max();
    match (fail_on.threshold(), worst) {
        (Some(threshold), Some(worst)) if worst >= threshold => exit::FINDINGS,
        _ => exit::CLEAN,
    }
}

/// What was (or would be) fixed, what was left and why, and what is left to fix by hand;
/// `verb` starts the first line ("Fixed", "Would fix").
fn summary(outcome: &Outcome, verb: &str, p: Paint) -> String {
    let mut out = String::new();
    let files = outcome.files.iter().filter(|f| f.changed()).count();
    if outcome.applied.is_empty() {
        out.push_str("Nothing to fix.\n");
    } else {
        out.push_str(&format!(
            "{} {} in {} {}:\n",
            p.bold(verb),
            count(outcome.applied.len(), "finding"),
            files,
            if files == 1 { "file" } else { "files" }
        ));
        for note in &outcome.applied {
            out.push_str(&line(note, p));
        }
    }
    let (unsafe_left, not_made): (Vec<&FixNote>, Vec<&FixNote>) = outcome
        .left
        .iter()
        .partition(|n| n.why_not == Some(NotMade::Unsafe));
    if !unsafe_left.is_empty() {
        out.push_str(&format!(
            "{} not applied (run with --unsafe-fixes to apply them):\n",
            count(unsafe_left.len(), "unsafe fix")
        ));
        for note in unsafe_left {
            out.push_str(&line(note, p));
        }
    }
    if !not_made.is_empty() {
        out.push_str(&format!(
            "{} could not be made:\n",
            count(not_made.len(), "fix")
        ));
        for note in not_made {
            out.push_str(&line_with_reason(note, p));
        }
    }
    let by_hand = outcome.remaining.iter().filter(|f| f.fix.is_none()).count();
    if by_hand > 0 {
        out.push_str(&format!(
            "{} {} no automatic fix; `kubectl storage plan` shows {}.\n",
            count(by_hand, "finding"),
            if by_hand == 1 { "has" } else { "have" },
            if by_hand == 1 { "it" } else { "them" }
        ));
    }
    out
}

pub(super) fn line(note: &FixNote, p: Paint) -> String {
    let at = note
        .at
        .as_ref()
        .map_or_else(|| note.object.clone(), |l| l.to_string());
    format!("  {at} {}: {}\n", p.cyan(note.rule), note.title)
}

/// A note's line, and on the next why it was not made.
pub(super) fn line_with_reason(note: &FixNote, p: Paint) -> String {
    let mut out = line(note, p);
    if let Some(why) = &note.why_not {
        out.push_str(&format!("      {}\n", p.dim(&why.to_string())));
    }
    out
}

pub(super) fn count(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else if what.ends_with('x') || what.ends_with("ch") {
        format!("{n} {what}es")
    } else {
        format!("{n} {what}s")
    }
}
