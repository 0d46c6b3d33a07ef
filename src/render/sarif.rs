//! `-o sarif`: SARIF 2.1.0, the static-analysis log that GitHub code scanning and most code
//! review tools read. One run: the rule catalogue as the driver's rules, each finding a result
//! pointing at the file, line and column of the field it is about, and naming the object.

use std::io::{self, Write};

use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::findings::Severity;
use crate::load::source::{Location, Sources};
use crate::report::{DegradedEntry, FindingEntry, PlanReport};
use crate::rules::RuleDoc;

/// The OASIS standard's schema for SARIF 2.1.0 (with its errata).
pub const SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// The base a relative artifact URI is resolved against: the directory the tool ran in, which
/// in CI is the checkout of the repository.
const SOURCE_ROOT: &str = "%SRCROOT%";

/// Standard input has no path; this names it as a relative URI (`<stdin>`, percent-encoded).
const STDIN_URI: &str = "%3Cstdin%3E";

pub fn write(
    report: &PlanReport,
    rules: &[RuleDoc],
    sources: &Sources,
    out: &mut dyn Write,
) -> io::Result<()> {
    // Kinds a live run could not list are about the run, not the objects: notifications of the
    // invocation, which still succeeded.
    let invocations = (!report.degraded.is_empty()).then(|| {
        json!([{
            "executionSuccessful": true,
            "toolExecutionNotifications": report
                .degraded
                .iter()
                .map(notification)
                .collect::<Vec<_>>(),
        }])
    });
    let log = Log {
        schema: SCHEMA_URI,
        runs: [Run {
            // Our columns count characters (Unicode scalar values), as miette and editors do.
            column_kind: "unicodeCodePoints",
            invocations,
            results: Results {
                findings: &report.findings,
                rules,
                sources,
            },
            tool: json!({ "driver": driver(rules) }),
        }],
        version: "2.1.0",
    };
    serde_json::to_writer_pretty(&mut *out, &log).map_err(io::Error::from)?;
    out.write_all(b"\n")
}

/// The log. Its keys are in the order a JSON object's are written (sorted), and its results
/// are made as they are written: a plan of 100,000 findings held as one JSON value took
/// gigabytes.
#[derive(Serialize)]
struct Log<'r> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    runs: [Run<'r>; 1],
    version: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'r> {
    column_kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    invocations: Option<Value>,
    results: Results<'r>,
    tool: Value,
}

struct Results<'r> {
    findings: &'r [FindingEntry],
    rules: &'r [RuleDoc],
    sources: &'r Sources,
}

impl Serialize for Results<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(
            self.findings
                .iter()
                .map(|f| result(f, self.rules, self.sources)),
        )
    }
}

fn notification(degraded: &DegradedEntry) -> Value {
    // A denial is the user's to fix; a kind an older cluster does not serve is just so.
    let level = if degraded.why == "forbidden" {
        "warning"
    } else {
        "note"
    };
    json!({
        "level": level,
        "message": { "text": degraded.message },
        "descriptor": { "id": format!("degraded/{}", degraded.resource) },
        "properties": { "kind": degraded.kind, "resource": degraded.resource, "why": degraded.why },
    })
}

fn driver(rules: &[RuleDoc]) -> Value {
    let mut driver = Map::new();
    driver.insert("name".into(), "kubectl-storage".into());
    driver.insert("version".into(), env!("CARGO_PKG_VERSION").into());
    driver.insert("semanticVersion".into(), env!("CARGO_PKG_VERSION").into());
    let homepage = [env!("CARGO_PKG_HOMEPAGE"), env!("CARGO_PKG_REPOSITORY")]
        .into_iter()
        .find(|uri| !uri.is_empty());
    if let Some(uri) = homepage {
        driver.insert("informationUri".into(), uri.into());
    }
    driver.insert(
        "rules".into(),
        rules.iter().map(rule).collect::<Vec<_>>().into(),
    );
    Value::Object(driver)
}

fn rule(doc: &RuleDoc) -> Value {
    let rationale = doc.rationale.trim_end();
    let remediation = doc.remediation.trim_end();
    json!({
        "id": doc.id,
        "name": pascal_case(&doc.id),
        "shortDescription": { "text": doc.summary },
        "fullDescription": { "text": rationale },
        "help": {
            "text": format!("{rationale}\n\nWhat to do: {remediation}"),
            "markdown": format!(
                "**Why it matters**\n\n{rationale}\n\n**What to do**\n\n{remediation}\n\n\
                 Fix ({}): {}",
                doc.fix.applicability,
                doc.fix.description.trim_end()
            ),
        },
        "defaultConfiguration": { "level": level(doc.severity()) },
        "properties": {
            "category": doc.category,
            // GitHub code scanning offers tags as filters on its alert list.
            "tags": ["kubernetes", "storage", doc.category],
        },
    })
}

fn result(finding: &FindingEntry, rules: &[RuleDoc], sources: &Sources) -> Value {
    let mut text = finding.message.clone();
    if let Some(help) = &finding.help {
        text.push_str("\nhelp: ");
        text.push_str(help);
    }
    let mut location = Map::new();
    if let Some(at) = &finding.location {
        location.insert("physicalLocation".into(), physical_location(at, sources));
    }
    // Every object read from a file or standard input has a physical location; only objects
    // built in memory (the library, not the command) lack one and are named logically alone.
    // GitHub code scanning rejects a log with such a result, so the command never writes one.
    location.insert(
        "logicalLocations".into(),
        json!([logical_location(finding)]),
    );
    let mut result = Map::new();
    result.insert("ruleId".into(), finding.rule.into());
    if let Some(index) = rules.iter().position(|r| r.id == finding.rule) {
        result.insert("ruleIndex".into(), index.into());
    }
    result.insert("level".into(), level(finding.severity).into());
    result.insert("message".into(), json!({ "text": text }));
    result.insert("locations".into(), json!([location]));
    Value::Object(result)
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn physical_location(at: &Location, sources: &Sources) -> Value {
    let mut artifact = Map::new();
    match artifact_uri(&at.file) {
        Artifact::Relative(uri) => {
            artifact.insert("uri".into(), uri.into());
            artifact.insert("uriBaseId".into(), SOURCE_ROOT.into());
        }
        Artifact::Absolute(uri) => {
            artifact.insert("uri".into(), uri.into());
        }
        Artifact::Stdin => {
            artifact.insert("uri".into(), STDIN_URI.into());
            artifact.insert("description".into(), json!({ "text": "standard input" }));
        }
    }
    let mut region = Map::new();
    region.insert("startLine".into(), at.line.into());
    region.insert("startColumn".into(), at.column.into());
    if let Some((end_line, end_column)) = end_of(at, sources) {
        region.insert("endLine".into(), end_line.into());
        region.insert("endColumn".into(), end_column.into());
    }
    json!({ "artifactLocation": artifact, "region": region })
}

/// Where a located span ends, as SARIF counts it: the line of its last character and the
/// column just after it. None when the span is empty or the text is not at hand.
fn end_of(at: &Location, sources: &Sources) -> Option<(u32, u32)> {
    if at.len == 0 {
        return None;
    }
    let text = &sources.file(at.file_id)?.text;
    let span = text.get(at.offset..at.offset.checked_add(at.len)?)?;
    let count = |s: &str| u32::try_from(s.chars().count()).ok();
    match span.rfind('\n') {
        None => Some((at.line, at.column.checked_add(count(span)?)?)),
        Some(last) => {
            let lines = u32::try_from(span.matches('\n').count()).ok()?;
            Some((at.line.checked_add(lines)?, count(&span[last + 1..])? + 1))
        }
    }
}

fn logical_location(finding: &FindingEntry) -> Value {
    let object = &finding.object;
    let mut logical = Map::new();
    if !object.name.is_empty() {
        logical.insert("name".into(), object.name.clone().into());
        let qualified = match &object.namespace {
            Some(namespace) => format!("{}/{namespace}/{}", object.kind, object.name),
            None => format!("{}/{}", object.kind, object.name),
        };
        logical.insert("fullyQualifiedName".into(), qualified.into());
    }
    logical.insert("kind".into(), object.kind.into());
    Value::Object(logical)
}

enum Artifact {
    /// Relative to the working directory.
    Relative(String),
    /// A `file:` URI.
    Absolute(String),
    Stdin,
}

/// The URI of an input file named as the user gave it: relative paths stay relative (with
/// forward slashes and without a leading `./`), absolute ones become `file:` URIs.
fn artifact_uri(file: &str) -> Artifact {
    if file == "<stdin>" {
        return Artifact::Stdin;
    }
    let path = if std::path::MAIN_SEPARATOR == '\\' {
        file.replace('\\', "/")
    } else {
        file.to_owned()
    };
    let bytes = path.as_bytes();
    let drive =
        bytes.len() >= 3 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' && bytes[2] == b'/';
    if drive {
        return Artifact::Absolute(format!("file:///{}{}", &path[..2], encode(&path[2..])));
    }
    if path.starts_with('/') {
        return Artifact::Absolute(format!("file://{}", encode(&path)));
    }
    let mut relative = path.as_str();
    while let Some(rest) = relative.strip_prefix("./") {
        relative = rest.trim_start_matches('/');
    }
    Artifact::Relative(encode(relative))
}

/// Percent-encodes what may not stand in a URI path. `:` is encoded too, so that a relative
/// path's first segment is never read as a scheme.
fn encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        match byte {
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'-'
            | b'.'
            | b'_'
            | b'~'
            | b'/'
            | b'!'
            | b'$'
            | b'&'
            | b'\''
            | b'('
            | b')'
            | b'*'
            | b'+'
            | b','
            | b';'
            | b'='
            | b'@' => out.push(char::from(byte)),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// `claim-pending` → `ClaimPending`: SARIF's rule name is an identifier, distinct from the id.
fn pascal_case(id: &str) -> String {
    id.split('-')
        .map(|word| {
            let mut chars = word.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect::<String>(),
                None => String::new(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri(file: &str) -> (String, bool) {
        match artifact_uri(file) {
            Artifact::Relative(u) => (u, true),
            Artifact::Absolute(u) => (u, false),
            Artifact::Stdin => (STDIN_URI.to_owned(), false),
        }
    }

    #[test]
    fn artifact_uris() {
        assert_eq!(uri("deploy/pvc.yaml"), ("deploy/pvc.yaml".into(), true));
        assert_eq!(uri("./deploy/pvc.yaml"), ("deploy/pvc.yaml".into(), true));
        assert_eq!(
            uri("../shared/a b.yaml"),
            ("../shared/a%20b.yaml".into(), true)
        );
        assert_eq!(uri("a:b/c#d.yaml"), ("a%3Ab/c%23d.yaml".into(), true));
        assert_eq!(uri("données.yaml"), ("donn%C3%A9es.yaml".into(), true));
        assert_eq!(
            uri("/srv/k8s/pv.yaml"),
            ("file:///srv/k8s/pv.yaml".into(), false)
        );
        assert_eq!(uri("<stdin>"), ("%3Cstdin%3E".into(), false));
    }

    #[test]
    fn rule_names() {
        assert_eq!(
            pascal_case("rwo-claim-on-several-nodes"),
            "RwoClaimOnSeveralNodes"
        );
    }

    #[test]
    fn ends_count_characters_and_lines() {
        let mut sources = Sources::default();
        let text = "kind: Ä\nspec:\n  größe: 1\n";
        let file = sources.add("x.yaml".into(), std::sync::Arc::new(text.to_owned().into()));
        let at = |offset: usize, len: usize, line: u32, column: u32| Location {
            file: "x.yaml".into(),
            line,
            column,
            offset,
            len,
            file_id: file,
        };
        let key = text.find("größe").unwrap();
        // `größe` is five characters, seven bytes: the column after it is 3 + 5.
        assert_eq!(
            end_of(&at(key, "größe".len(), 3, 3), &sources),
            Some((3, 8))
        );
        // A span over a line break ends on the later line.
        let spec = text.find("spec").unwrap();
        assert_eq!(end_of(&at(spec, 10, 2, 1), &sources), Some((3, 5)));
        assert_eq!(end_of(&at(spec, 0, 2, 1), &sources), None);
    }
}
