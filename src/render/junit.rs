//! `-o junit`: JUnit XML, which most CI systems show as test results. Each finding is a test
//! case, failed when its severity reaches `--fail-on` and skipped otherwise, so the report
//! fails exactly when the exit code does; a clean plan is one passing case.

use std::io::{self, Write};

use crate::findings::Severity;
use crate::report::{FindingEntry, PlanReport};

pub fn write(
    report: &PlanReport,
    fail_on: Option<Severity>,
    out: &mut dyn Write,
) -> io::Result<()> {
    let fails = |f: &FindingEntry| fail_on.is_some_and(|t| f.severity >= t);
    let failures = report.findings.iter().filter(|f| fails(f)).count();
    let skipped = report.findings.len() - failures;
    let tests = report.findings.len().max(1);
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<testsuites name="kubectl-storage" tests="{tests}" failures="{failures}" skipped="{skipped}">"#
    )?;
    writeln!(
        out,
        r#"  <testsuite name="kubectl-storage plan" tests="{tests}" failures="{failures}" skipped="{skipped}">"#
    )?;
    if report.findings.is_empty() {
        let s = &report.summary;
        writeln!(
            out,
            r#"    <testcase classname="kubectl-storage" name="{} claims and {} volumes planned without findings"/>"#,
            s.claims, s.volumes
        )?;
    }
    for finding in &report.findings {
        let (file, place) = match &finding.location {
            Some(l) => (l.file.as_str(), format!("{l}: ")),
            None => ("", String::new()),
        };
        let object = match (&finding.object.namespace, finding.object.name.is_empty()) {
            // Something that is not an object (a stray document): name it by where it is.
            (_, true) => format!(
                "{} at {}",
                finding.object.kind,
                place.trim_end_matches(": ")
            ),
            (Some(ns), false) => format!("{} {ns}/{}", finding.object.kind, finding.object.name),
            (None, false) => format!("{} {}", finding.object.kind, finding.object.name),
        };
        write!(
            out,
            r#"    <testcase classname="{}" name="{}" file="{}">"#,
            xml(finding.rule),
            xml(&object),
            xml(file)
        )?;
        let mut body = format!("{place}{}", finding.message);
        if let Some(help) = &finding.help {
            body.push_str("\nhelp: ");
            body.push_str(help);
        }
        if fails(finding) {
            write!(
                out,
                r#"<failure type="{}" message="{}">{}</failure>"#,
                finding.severity,
                xml(&finding.message),
                xml(&body)
            )?;
        } else {
            write!(
                out,
                r#"<skipped message="{}: {}"/>"#,
                finding.severity,
                xml(&finding.message)
            )?;
        }
        writeln!(out, "</testcase>")?;
    }
    writeln!(out, "  </testsuite>")?;
    writeln!(out, "</testsuites>")
}

/// Text safe in XML attributes and content; characters XML 1.0 cannot carry are dropped.
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(xml("a<b & \"c\"\u{1}"), "a&lt;b &amp; &quot;c&quot;");
    }
}
