//! `-o github`: GitHub Actions workflow commands, one per finding, so that findings appear as
//! annotations on the pull request's files (`::error file=…,line=…,col=…::message`).

use std::io::{self, Write};

use crate::findings::Severity;
use crate::report::PlanReport;

pub fn write(report: &PlanReport, out: &mut dyn Write) -> io::Result<()> {
    for finding in &report.findings {
        let command = match finding.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let mut properties = Vec::new();
        if let Some(location) = &finding.location {
            properties.push(format!("file={}", property(&location.file)));
            properties.push(format!("line={}", location.line));
            properties.push(format!("col={}", location.column));
        }
        properties.push(format!("title={}", property(finding.rule)));
        let mut message = finding.message.clone();
        if let Some(help) = &finding.help {
            message.push_str("\nhelp: ");
            message.push_str(help);
        }
        writeln!(
            out,
            "::{command} {}::{}",
            properties.join(","),
            data(&message)
        )?;
    }
    let s = &report.summary;
    writeln!(
        out,
        "kubectl-storage: {} claims, {} volumes: {} errors, {} warnings, {} info",
        s.claims, s.volumes, s.errors, s.warnings, s.infos
    )
}

/// A command's message: `%`, CR and LF escaped, as the runner expects.
fn data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A command property's value: also `:` and `,`, which delimit properties.
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(data("50% done\nnext"), "50%25 done%0Anext");
        assert_eq!(property("a:b,c"), "a%3Ab%2Cc");
    }
}
