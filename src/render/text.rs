//! Text for people: claims and volumes as the plan predicts them, then findings as miette
//! diagnostics pointing at the source line.

use std::fmt::Write as _;

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic};
use owo_colors::{OwoColorize, Style};

use super::excerpt::Excerpt;
use crate::findings::Severity;
use crate::load::source::Sources;
use crate::report::{ClaimEntry, EffectEntry, FindingEntry, PlanReport, VolumeEntry};

/// Candidates shown per claim in text; the JSON output has them all.
const CANDIDATES_SHOWN: usize = 5;
/// Findings laid out at once in text, on every core.
const FINDINGS_PER_BLOCK: usize = 4096;
/// Lines shown around the line a finding points at.
const SNIPPET_CONTEXT_LINES: usize = 1;

/// Applies styles only when colour is on (a terminal without NO_COLOR, or `--color always`).
#[derive(Clone, Copy)]
pub(crate) struct Paint(pub(crate) bool);

impl Paint {
    fn style(self, text: &str, style: Style) -> String {
        if self.0 {
            text.style(style).to_string()
        } else {
            text.to_owned()
        }
    }
    pub(crate) fn bold(self, t: &str) -> String {
        self.style(t, Style::new().bold())
    }
    pub(crate) fn dim(self, t: &str) -> String {
        self.style(t, Style::new().dimmed())
    }
    pub(crate) fn green(self, t: &str) -> String {
        self.style(t, Style::new().green())
    }
    pub(crate) fn yellow(self, t: &str) -> String {
        self.style(t, Style::new().yellow())
    }
    pub(crate) fn red(self, t: &str) -> String {
        self.style(t, Style::new().red().bold())
    }
    pub(crate) fn cyan(self, t: &str) -> String {
        self.style(t, Style::new().cyan())
    }
}

/// Writes the text section by section, so that a large plan is never one string.
pub fn write(
    report: &PlanReport,
    sources: &Sources,
    color: bool,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let p = Paint(color);
    let mut chunk = String::new();
    let flush = |chunk: &mut String, out: &mut dyn std::io::Write| -> std::io::Result<()> {
        out.write_all(chunk.as_bytes())?;
        chunk.clear();
        Ok(())
    };
    if !report.claims.is_empty() {
        let _ = writeln!(chunk, "{}", p.bold("Claims"));
        for claim in &report.claims {
            claim_line(&mut chunk, &claim, p);
            if chunk.len() > 1 << 16 {
                flush(&mut chunk, out)?;
            }
        }
        chunk.push('\n');
    }
    if !report.volumes.is_empty() {
        let _ = writeln!(chunk, "{}", p.bold("Volumes"));
        // One pass for both columns' widths: a row is made each time it is read.
        let (width, who_width) = report.volumes.iter().fold((0, 0), |(width, who_width), v| {
            (
                width.max(v.name.len()),
                who_width.max(who(&v).chars().count()),
            )
        });
        for volume in &report.volumes {
            volume_line(&mut chunk, &volume, (width, who_width), p);
            if chunk.len() > 1 << 16 {
                flush(&mut chunk, out)?;
            }
        }
        chunk.push('\n');
    }
    deletion(&mut chunk, report, p);
    if !report.findings.is_empty() {
        let _ = writeln!(chunk, "{}", p.bold("Findings"));
        let theme = if color {
            GraphicalTheme::unicode()
        } else {
            GraphicalTheme::unicode_nocolor()
        };
        let handler = GraphicalReportHandler::new_themed(theme)
            .with_width(100)
            .with_context_lines(SNIPPET_CONTEXT_LINES);
        // A diagnostic takes miette a while to lay out: the cores share them, a block at a
        // time, written in order.
        for block in report.findings.chunks(FINDINGS_PER_BLOCK) {
            flush(&mut chunk, out)?;
            let shown = crate::parallel::map(block, |finding| {
                let mut shown = String::new();
                diagnostic(&mut shown, &handler, finding, sources);
                shown
            });
            for text in shown {
                out.write_all(text.as_bytes())?;
            }
        }
    }
    input_scope(&mut chunk, report);
    summary(&mut chunk, report, p);
    flush(&mut chunk, out)
}

/// One line: whether the input is the whole cluster, and what a part of one made the plan
/// assume.
fn input_scope(out: &mut String, report: &PlanReport) {
    let input = &report.input;
    let basis = match input.basis {
        "dump" => "a dump",
        "flag" if input.scope == "complete" => "--complete",
        "flag" => "--partial",
        _ => "manifests",
    };
    let line = if input.basis == "cluster" {
        // Read live: the whole cluster, as the user asked.
        return;
    } else if input.scope == "complete" {
        format!("Input: complete ({basis}): what it does not show does not exist")
    } else if input.assumed.is_empty() {
        format!("Input: partial ({basis}), nothing assumed")
    } else {
        const SHOWN: usize = 6;
        let mut assumed: Vec<String> = input
            .assumed
            .iter()
            .take(SHOWN)
            .map(|a| {
                let what = match &a.name {
                    Some(name) => format!("{} {name}", a.kind),
                    None => "a default StorageClass".to_owned(),
                };
                let by = match a.needed_by.as_slice() {
                    [one] => one.clone(),
                    many => format!("{} users", many.len()),
                };
                format!("{what} ({by})")
            })
            .collect();
        if input.assumed.len() > SHOWN {
            assumed.push(format!("{} more", input.assumed.len() - SHOWN));
        }
        format!(
            "Input: partial ({basis}), assumed in the cluster: {} (--complete reports them missing)",
            assumed.join(", ")
        )
    };
    let _ = writeln!(out, "{line}");
}

pub fn render(report: &PlanReport, sources: &Sources, color: bool) -> Result<String, String> {
    let mut out = Vec::new();
    write(report, sources, color, &mut out).map_err(|e| e.to_string())?;
    String::from_utf8(out).map_err(|e| e.to_string())
}

fn claim_line(out: &mut String, claim: &ClaimEntry, p: Paint) {
    let (mark, outcome) = match claim.outcome {
        "bound" | "binds" => ("✔", p.green(claim.outcome)),
        "provisions" => ("✚", p.green("provisions")),
        "waits-for-consumer" => ("…", p.yellow("waits")),
        other => ("✘", p.red(other)),
    };
    let target = match (&claim.volume, claim.outcome) {
        (Some(volume), _) => format!(" → {}", p.cyan(volume)),
        (None, "provisions") => format!(
            " → new volume{}",
            claim
                .provisioner
                .map(|p| format!(" from {p}"))
                .unwrap_or_default()
        ),
        _ => String::new(),
    };
    let class = claim
        .storage_class
        .map(|c| format!(" [{c}]"))
        .unwrap_or_default();
    let pad = 10usize.saturating_sub(console_width(claim.outcome));
    let now = match now_differs(claim) {
        Some(phase) => format!(" {}", p.yellow(&format!("({phase} now)"))),
        None => String::new(),
    };
    let _ = writeln!(
        out,
        "  {mark} {outcome}{:pad$} {}/{}{target}{}{now}",
        "",
        claim.namespace,
        p.bold(claim.name),
        p.dim(&class)
    );
    if let Some(reason) = &claim.reason {
        let _ = writeln!(out, "      {}", p.dim(reason));
    }
    for candidate in claim.candidates.iter().take(CANDIDATES_SHOWN) {
        let _ = writeln!(
            out,
            "        {} {}: {}",
            p.dim("·"),
            candidate.volume,
            candidate.rejected
        );
    }
    let hidden = claim.candidates.len().saturating_sub(CANDIDATES_SHOWN) + claim.candidates_omitted;
    if hidden > 0 && !claim.candidates.is_empty() {
        let _ = writeln!(
            out,
            "        {} and {hidden} more volumes (see -o json)",
            p.dim("·")
        );
    }
}

/// The phase a claim has now, when it is not what the prediction already says: a live claim that
/// is Pending although it is predicted to bind or provision is what `diagnose` is asked about.
fn now_differs<'a>(claim: &ClaimEntry<'a>) -> Option<&'a str> {
    let phase = claim.phase?;
    let said = match claim.outcome {
        "bound" => "Bound",
        "lost" => "Lost",
        "pending" | "waits-for-consumer" => "Pending",
        _ => "",
    };
    (phase != said).then_some(phase)
}

fn console_width(outcome: &str) -> usize {
    match outcome {
        "waits-for-consumer" => "waits".len(),
        other => other.len(),
    }
}

fn who(volume: &VolumeEntry) -> String {
    match (&volume.claim, &volume.reserved_for, &volume.previous_claim) {
        (Some(claim), _, _) => format!("→ {claim}"),
        (None, Some(reserved), _) => format!("reserved for {reserved}"),
        (None, None, Some(gone)) => format!("was {gone} (gone)"),
        (None, None, None) => "unclaimed".to_owned(),
    }
}

fn volume_line(
    out: &mut String,
    volume: &VolumeEntry,
    (width, who_width): (usize, usize),
    p: Paint,
) {
    let phase = match volume.phase {
        "Bound" => p.green(volume.phase),
        "Available" => p.cyan(volume.phase),
        "Released" => p.yellow(volume.phase),
        _ => p.red(volume.phase),
    };
    let pad = 9usize.saturating_sub(volume.phase.len());
    // Where a live volume stands now, when the prediction differs (as for claims).
    let now = match volume.current_phase.filter(|now| *now != volume.phase) {
        Some(now) => format!(" {}", p.yellow(&format!("({now} now)"))),
        None => String::new(),
    };
    let who = who(volume);
    let who_pad = who_width.saturating_sub(who.chars().count());
    let fate = match volume.on_claim_delete {
        // Delete that nothing can carry out: the volume turns Failed with its data.
        "retained" if volume.reclaim_policy == "Delete" => {
            "Delete fails: kept when its claim is deleted".to_owned()
        }
        "retained" => format!("{}: kept when its claim is deleted", volume.reclaim_policy),
        "deleted" if volume.deleter == Some("external-provisioner") => format!(
            "{}: data deleted by the driver's provisioner when its claim is deleted",
            volume.reclaim_policy
        ),
        "deleted" => format!(
            "{}: data deleted when its claim is deleted",
            volume.reclaim_policy
        ),
        "recycled" => format!(
            "{}: data scrubbed when its claim is deleted",
            volume.reclaim_policy
        ),
        _ => volume.reclaim_policy.to_owned(),
    };
    let _ = writeln!(
        out,
        "  {:width$}  {phase}{:pad$}  {who}{:who_pad$}  {}{now}",
        volume.name,
        "",
        "",
        p.dim(&fate)
    );
}

/// Claims named per list in the deletion section; the JSON output has them all.
const CLAIMS_SHOWN: usize = 4;

/// One line per namespace whose deletion deletes or leaves data, and per StatefulSet whose
/// deletion or scale-down deletes its claims.
fn deletion(out: &mut String, report: &PlanReport, p: Paint) {
    let mut lines = Vec::new();
    for ns in &report.deletion.namespaces {
        if ns.on_delete.data_deleted.is_empty() && ns.on_delete.data_kept.is_empty() {
            continue;
        }
        lines.push(format!(
            "namespace {}: deleting it deletes {}{}",
            p.bold(&ns.name),
            plural(ns.on_delete.claims_deleted.len(), "claim"),
            effect_data(&ns.on_delete, p)
        ));
    }
    for set in &report.deletion.stateful_sets {
        let name = format!("{}/{}", set.namespace, set.name);
        for (effect, action, field, value) in [
            (
                &set.on_delete,
                "deleting it",
                "whenDeleted",
                set.when_deleted,
            ),
            (
                &set.on_scale_down,
                "scaling it down",
                "whenScaled",
                set.when_scaled,
            ),
        ] {
            if effect.claims_deleted.is_empty() {
                continue;
            }
            let whose = if field == "whenScaled" {
                "the removed pods' claims"
            } else {
                "its claims"
            };
            lines.push(format!(
                "StatefulSet {}: {action} deletes {whose} ({field}: {value}){}",
                p.bold(&name),
                effect_data(effect, p)
            ));
        }
    }
    if lines.is_empty() {
        return;
    }
    let _ = writeln!(out, "{}", p.bold("Deletion"));
    for line in lines {
        let _ = writeln!(out, "  {line}");
    }
    out.push('\n');
}

fn effect_data(effect: &EffectEntry, p: Paint) -> String {
    let list = |claims: &[String]| {
        let mut shown = claims
            .iter()
            .take(CLAIMS_SHOWN)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        if claims.len() > CLAIMS_SHOWN {
            let _ = write!(shown, " and {} more", claims.len() - CLAIMS_SHOWN);
        }
        shown
    };
    let mut parts = Vec::new();
    if !effect.data_deleted.is_empty() {
        parts.push(format!(
            "{} {}",
            p.red("data deleted:"),
            list(&effect.data_deleted)
        ));
    }
    if !effect.data_kept.is_empty() {
        parts.push(format!(
            "{} {}",
            p.yellow("data kept on their volumes:"),
            list(&effect.data_kept)
        ));
    }
    if !effect.data_unknown.is_empty() {
        parts.push(format!(
            "data of {} unknown (see -o json)",
            plural(effect.data_unknown.len(), "claim")
        ));
    }
    parts.iter().map(|part| format!("; {part}")).collect()
}

fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

fn diagnostic(
    out: &mut String,
    handler: &GraphicalReportHandler,
    finding: &FindingEntry,
    sources: &Sources,
) {
    let severity = match finding.severity {
        Severity::Error => miette::Severity::Error,
        Severity::Warning => miette::Severity::Warning,
        Severity::Info => miette::Severity::Advice,
    };
    let mut diag = MietteDiagnostic::new(finding.message.clone())
        .with_code(finding.rule)
        .with_severity(severity);
    if let Some(help) = &finding.help {
        diag = diag.with_help(help.clone());
    }
    let Some(location) = &finding.location else {
        let _ = handler.render_report(out, &diag);
        return;
    };
    let Some(file) = sources.file(location.file_id) else {
        let _ = handler.render_report(out, &diag);
        return;
    };
    let excerpt = Excerpt::new(&file.text, location, SNIPPET_CONTEXT_LINES);
    let (offset, len) = excerpt.label(location);
    let label = finding.label.clone().unwrap_or_default();
    diag = diag.with_label(LabeledSpan::at(offset..offset + len, label));
    let _ = handler.render_report(
        out,
        &OverExcerpt {
            diagnostic: &diag,
            excerpt: &excerpt,
        },
    );
}

/// A diagnostic shown over an excerpt of its file. A `miette::Report` with the excerpt as its
/// source code shows the same, but making one asks the process's hook for a handler, which
/// reads the environment and asks the terminal its size: at 100,000 findings, a fifth of the
/// text output's time.
struct OverExcerpt<'d> {
    diagnostic: &'d MietteDiagnostic,
    excerpt: &'d Excerpt,
}

impl std::fmt::Display for OverExcerpt<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self.diagnostic, f)
    }
}

impl std::fmt::Debug for OverExcerpt<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.diagnostic, f)
    }
}

impl std::error::Error for OverExcerpt<'_> {}

impl Diagnostic for OverExcerpt<'_> {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.diagnostic.code()
    }

    fn severity(&self) -> Option<miette::Severity> {
        self.diagnostic.severity()
    }

    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.diagnostic.help()
    }

    fn url<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.diagnostic.url()
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.diagnostic.labels()
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(self.excerpt)
    }
}

fn summary(out: &mut String, report: &PlanReport, p: Paint) {
    let s = &report.summary;
    let mut parts = Vec::new();
    for (n, one, many) in [
        (s.bound, "bound", "bound"),
        (s.binds, "binds", "bind"),
        (s.provisions, "provisions", "provision"),
        (
            s.waits_for_consumer,
            "waits for a consumer",
            "wait for a consumer",
        ),
        (s.pending, "stays pending", "stay pending"),
        (s.lost, "lost", "lost"),
    ] {
        match n {
            0 => {}
            1 => parts.push(format!("1 {one}")),
            n => parts.push(format!("{n} {many}")),
        }
    }
    let claims = if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join(", "))
    };
    let findings = format!(
        "{} {}, {} {}, {} info",
        s.errors,
        if s.errors == 1 { "error" } else { "errors" },
        s.warnings,
        if s.warnings == 1 {
            "warning"
        } else {
            "warnings"
        },
        s.infos
    );
    let findings = if s.errors > 0 {
        p.red(&findings)
    } else if s.warnings > 0 {
        p.yellow(&findings)
    } else {
        p.green(&findings)
    };
    let _ = writeln!(
        out,
        "{}{claims} · {} · {findings}",
        plural(s.claims, "claim"),
        plural(s.volumes, "volume")
    );
}
