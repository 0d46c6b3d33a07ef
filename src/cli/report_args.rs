//! What every command that reports findings shares: the output format, `--fail-on`, the rule
//! selection (`--config`, `--disable`, `--enable`) and colour; and writing the report.

use std::io::Write as _;

use clap::{Args, ValueEnum};

use crate::config::Config;
use crate::findings::selection::Selection;
use crate::findings::Severity;
use crate::load::source::Sources;
use crate::render;
use crate::report::PlanReport;
use crate::rules;

use super::{exit, fail, ColorChoice};

#[derive(Debug, Clone, Args)]
pub struct ReportArgs {
    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value_t = OutputFormat::Text)]
    pub output: OutputFormat,

    /// Exit with code 1 when a finding has this severity or a worse one.
    #[arg(long, value_enum, default_value_t = FailOn::Error, value_name = "SEVERITY")]
    pub fail_on: FailOn,

    #[command(flatten)]
    pub rules: RuleArgs,

    /// When to use colour in text output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
}

/// Which rules run: the settings file and the flags.
#[derive(Debug, Clone, Args)]
pub struct RuleArgs {
    /// Settings file to use instead of the nearest `.kubectl-storage.yaml` from the working
    /// directory upward.
    #[arg(long, value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
    pub config: Option<std::path::PathBuf>,

    /// Switch a rule off (repeatable); `kubectl storage rules` lists them.
    #[arg(long, value_name = "RULE")]
    pub disable: Vec<String>,

    /// Switch a rule on again, even if --disable names it (repeatable).
    #[arg(long, value_name = "RULE")]
    pub enable: Vec<String>,
}

impl RuleArgs {
    /// The rules to report: the nearest `.kubectl-storage.yaml` (or `--config`), then the flags.
    pub fn selection(&self) -> Result<Selection, String> {
        let cwd = std::env::current_dir().unwrap_or_default();
        Config::discover(self.config.as_deref(), &cwd)
            .and_then(|config| Selection::with_config(&config, &self.disable, &self.enable))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Claims, volumes and findings for people, with source snippets.
    Text,
    /// The plan contract (plan.schema.json).
    Json,
    /// The same data as json.
    Yaml,
    /// GitHub Actions workflow commands: findings as annotations on the changed files.
    Github,
    /// JUnit XML: a failed test case per finding at --fail-on or above.
    Junit,
    /// SARIF 2.1.0, for GitHub code scanning and other code review tools.
    Sarif,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Info,
    /// Never fail because of findings.
    None,
}

impl FailOn {
    pub fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Error => Some(Severity::Error),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Info => Some(Severity::Info),
            FailOn::None => None,
        }
    }
}

impl ReportArgs {
    /// The rules to report.
    pub fn selection(&self) -> Result<Selection, String> {
        self.rules.selection()
    }

    /// Writes the report in the chosen format (text after `preamble`) and returns the exit
    /// code `--fail-on` asks for.
    pub fn emit(&self, report: &PlanReport, sources: &Sources, preamble: &str) -> u8 {
        let color = self.color.enabled();
        let mut out = std::io::BufWriter::with_capacity(1 << 20, std::io::stdout().lock());
        let written = match self.output {
            OutputFormat::Text => out
                .write_all(preamble.as_bytes())
                .and_then(|()| render::text::write(report, sources, color, &mut out)),
            OutputFormat::Json => render::json::write_plan(report, &mut out),
            OutputFormat::Yaml => render::yaml::write(report, &mut out),
            OutputFormat::Github => render::github::write(report, &mut out),
            OutputFormat::Junit => render::junit::write(report, self.fail_on.threshold(), &mut out),
            OutputFormat::Sarif => match rules::catalogue() {
                Ok(catalogue) => render::sarif::write(report, &catalogue, sources, &mut out),
                Err(error) => return fail(error),
            },
        }
        .and_then(|()| out.flush());
        match written {
            // A reader that went away (`… | head`) ends the output quietly, as for cat.
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
            Err(e) => return fail(format!("cannot write the output: {e}")),
            Ok(()) => {}
        }
        match (self.fail_on.threshold(), report.worst()) {
            (Some(threshold), Some(worst)) if worst >= threshold => exit::FINDINGS,
            _ => exit::CLEAN,
        }
    }
}
