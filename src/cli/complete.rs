//! `kubectl-storage __complete WORDS…` (undocumented): completions for `kubectl storage <TAB>`.
//!
//! kubectl (1.26 and later) completes a plugin's arguments by running `kubectl_complete-<plugin>`
//! from the PATH with the words typed after the plugin's name, the last one being the word under
//! the cursor (empty for a new word). It reads one candidate per line, `value` or
//! `value<TAB>description`, and then a last line `:<directive>`, the directive of the cobra
//! library that kubectl is built on. `completions/kubectl_complete-storage` hands the words to
//! this command, which answers from the command line's own definition.

use clap::builder::{Arg, Command as ClapCommand, ValueHint};
use clap::{ArgAction, CommandFactory};

use crate::live::names::{self, KubeconfigList};
use crate::live::options::parse_request_timeout;
use crate::live::ClusterArgs;
use crate::model::object::kind_named;
use crate::rules;

use super::{emit, exit, fail, Cli};

/// The first argument that asks for completions instead of running a command.
pub const COMMAND: &str = "__complete";

/// Cobra's completion directives: a bit set telling the shell what to do with the candidates.
pub mod directive {
    /// Complete files if there are no candidates.
    pub const DEFAULT: u32 = 0;
    /// Do not add a space after the candidate (it is a prefix, like `pvc/`).
    pub const NO_SPACE: u32 = 2;
    /// Offer no file names.
    pub const NO_FILE_COMP: u32 = 4;
    /// The candidates are file extensions: complete files (and folders) that have one.
    pub const FILTER_FILE_EXT: u32 = 8;
}

#[derive(Debug, PartialEq, Eq)]
pub struct Completion {
    pub candidates: Vec<(String, String)>,
    pub directive: u32,
}

/// Prints the candidates for the last of `words` (the words after `kubectl storage`).
pub fn run(words: &[String]) -> u8 {
    let completion = complete(words, &Kubeconfig);
    let mut out = String::new();
    for (value, description) in &completion.candidates {
        out.push_str(value);
        if !description.is_empty() {
            out.push('\t');
            out.push_str(description);
        }
        out.push('\n');
    }
    out.push_str(&format!(":{}\n", completion.directive));
    match emit(&out) {
        Ok(()) => exit::CLEAN,
        Err(e) => fail(format!("cannot write the completions: {e}")),
    }
}

/// Where names that are not in the command line's definition come from: the kubeconfig and the
/// cluster (tests answer from a table).
pub trait Names {
    /// The kubeconfig's contexts, clusters or users.
    fn kubeconfig(&self, args: &ClusterArgs, list: KubeconfigList) -> Vec<String>;
    /// The names of a kind's objects in the cluster the flags choose.
    fn objects(&self, args: &ClusterArgs, kind: &str) -> Vec<String>;
}

/// Names read as kubectl reads them.
pub struct Kubeconfig;

impl Names for Kubeconfig {
    fn kubeconfig(&self, args: &ClusterArgs, list: KubeconfigList) -> Vec<String> {
        names::kubeconfig_names(args, list)
    }
    fn objects(&self, args: &ClusterArgs, kind: &str) -> Vec<String> {
        names::object_names(args, kind)
    }
}

/// The candidates for the last of `words`, given the words before it.
pub fn complete(words: &[String], names: &dyn Names) -> Completion {
    let mut root = Cli::command();
    root.build();
    let (current, before) = match words.split_last() {
        Some((last, before)) => (last.as_str(), before),
        None => ("", words),
    };
    let mut command = &root;
    let mut used: Vec<&str> = Vec::new();
    let mut awaiting_value: Option<&Arg> = None;
    let mut given: Vec<(&str, &str)> = Vec::new();
    let mut positionals = 0;
    let mut only_positionals = false;
    for word in before {
        if let Some(arg) = awaiting_value.take() {
            given.push((arg.get_id().as_str(), word));
            continue;
        }
        if !only_positionals && word == "--" {
            only_positionals = true;
        } else if let (false, Some(long)) = (only_positionals, word.strip_prefix("--")) {
            let (name, value) = match long.split_once('=') {
                Some((name, value)) => (name, Some(value)),
                None => (long, None),
            };
            if let Some(arg) = command.get_arguments().find(|a| a.get_long() == Some(name)) {
                used.push(arg.get_id().as_str());
                match value {
                    Some(value) => given.push((arg.get_id().as_str(), value)),
                    None if takes_value(arg) => awaiting_value = Some(arg),
                    None => given.push((arg.get_id().as_str(), "")),
                }
            }
        } else if let (false, Some(shorts)) = (only_positionals, word.strip_prefix('-')) {
            // Short flags, maybe several (`-ab`) or with the value attached (`-oyaml`).
            for (at, short) in shorts.char_indices() {
                let Some(arg) = command
                    .get_arguments()
                    .find(|a| a.get_short() == Some(short))
                else {
                    break;
                };
                used.push(arg.get_id().as_str());
                if takes_value(arg) {
                    let rest = &shorts[at + short.len_utf8()..];
                    if rest.is_empty() {
                        awaiting_value = Some(arg);
                    } else {
                        given.push((arg.get_id().as_str(), rest));
                    }
                    break;
                }
                given.push((arg.get_id().as_str(), ""));
            }
        } else if let Some(sub) = subcommand(command, word) {
            command = sub;
            used.clear();
            positionals = 0;
        } else {
            positionals += 1;
        }
    }
    let context = Context {
        cluster: cluster_args(&given),
        names,
        reads_cluster: matches!(command.get_name(), "diagnose" | "rebind")
            || (command.get_name() == "expand" && !given.iter().any(|(id, _)| *id == "filenames"))
            || given.iter().any(|(id, _)| *id == "cluster"),
    };
    if let Some(arg) = awaiting_value {
        return values(arg, current, "", &context);
    }
    if !only_positionals {
        if let Some((name, partial)) = current.strip_prefix("--").and_then(|c| c.split_once('=')) {
            return match command.get_arguments().find(|a| a.get_long() == Some(name)) {
                Some(arg) => values(arg, partial, &format!("--{name}="), &context),
                None => nothing(),
            };
        }
        if current.starts_with('-') {
            return flags(command, current, &used);
        }
    }
    if command.has_subcommands() {
        return subcommands(command, current);
    }
    if command.get_name() == "help" {
        // `help <TAB>`: the commands it can explain.
        return subcommands(&root, current);
    }
    let args: Vec<&Arg> = command
        .get_positionals()
        .filter(|a| !a.is_hide_set())
        .collect();
    // Past the last positional, a repeatable one (file names) takes the rest.
    let positional = args.get(positionals).copied().or_else(|| {
        args.iter()
            .copied()
            .find(|a| a.get_num_args().is_some_and(|n| n.max_values() > 1))
    });
    match positional {
        Some(arg) => values(arg, current, "", &context),
        None => nothing(),
    }
}

/// What the command line typed so far says about the cluster, for names read from it.
struct Context<'a> {
    cluster: ClusterArgs,
    names: &'a dyn Names,
    /// The command reads a cluster (`diagnose`, or `--cluster` given): its objects' names are
    /// worth a request.
    reads_cluster: bool,
}

/// The connection flags among the values given.
fn cluster_args(given: &[(&str, &str)]) -> ClusterArgs {
    let mut args = ClusterArgs::default();
    for &(id, value) in given {
        let value = value.to_owned();
        match id {
            "cluster" => args.cluster = Some(value),
            "kubeconfig" => args.kubeconfig = Some(value.into()),
            "context" => args.context = Some(value),
            "user" => args.user = Some(value),
            "namespace" => args.namespace = Some(value),
            "all_namespaces" => args.all_namespaces = true,
            "request_timeout" => args.request_timeout = parse_request_timeout(&value).ok(),
            _ => {}
        }
    }
    args
}

fn nothing() -> Completion {
    Completion {
        candidates: Vec::new(),
        directive: directive::NO_FILE_COMP,
    }
}

/// Whether the next word is the flag's value (`--cluster=NAME` takes its value only with `=`).
fn takes_value(arg: &Arg) -> bool {
    matches!(arg.get_action(), ArgAction::Set | ArgAction::Append) && !arg.is_require_equals_set()
}

fn subcommand<'a>(command: &'a ClapCommand, word: &str) -> Option<&'a ClapCommand> {
    command
        .get_subcommands()
        .find(|s| s.get_name() == word || s.get_all_aliases().any(|a| a == word))
}

fn subcommands(command: &ClapCommand, current: &str) -> Completion {
    let candidates = command
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name().starts_with(current))
        .map(|s| (s.get_name().to_owned(), describe(s.get_about())))
        .collect();
    Completion {
        candidates,
        directive: directive::NO_FILE_COMP,
    }
}

fn flags(command: &ClapCommand, current: &str, used: &[&str]) -> Completion {
    let mut candidates = Vec::new();
    for arg in command.get_arguments() {
        let repeatable = matches!(arg.get_action(), ArgAction::Append | ArgAction::Count);
        if arg.is_hide_set() || (used.contains(&arg.get_id().as_str()) && !repeatable) {
            continue;
        }
        let help = describe(arg.get_help());
        if let Some(long) = arg.get_long() {
            candidates.push((format!("--{long}"), help.clone()));
        }
        if let (Some(short), false) = (arg.get_short(), current.starts_with("--")) {
            candidates.push((format!("-{short}"), help));
        }
    }
    candidates.retain(|(flag, _)| flag.starts_with(current));
    Completion {
        candidates,
        directive: directive::NO_FILE_COMP,
    }
}

/// What `what-if delete` can delete, as kubectl's `TYPE/` prefixes.
const TARGET_KINDS: &[(&str, &str)] = &[
    ("namespace/", "every claim in the namespace"),
    ("pvc/", "one PersistentVolumeClaim"),
    ("statefulset/", "a StatefulSet and the claims it owns"),
    ("pod/", "a pod and the claims it owns"),
];

/// What `diagnose` can diagnose.
const DIAGNOSE_KINDS: &[(&str, &str)] = &[
    ("pvc/", "a claim: its volume, class, attachments and pods"),
    ("pv/", "a volume: its claim and attachments"),
    ("pod/", "a pod: its claims and their volumes"),
    ("sts/", "a StatefulSet: its pods and claims"),
];

/// What `expand` grows.
const EXPAND_KINDS: &[(&str, &str)] = &[
    ("pvc/", "a claim"),
    ("sts/", "every claim of a StatefulSet's template"),
];

/// What `rebind` gives to a claim.
const REBIND_KINDS: &[(&str, &str)] = &[("pv/", "a volume whose claim is gone")];

/// The object kinds a `TYPE/NAME` argument takes: what-if's TARGET, diagnose's OBJECT,
/// expand's TYPE/NAME, rebind's PV.
fn object_kinds(arg: &Arg) -> Option<&'static [(&'static str, &'static str)]> {
    let names = arg.get_value_names()?;
    if names.iter().any(|n| n == "TARGET") {
        Some(TARGET_KINDS)
    } else if names.iter().any(|n| n == "OBJECT") {
        Some(DIAGNOSE_KINDS)
    } else if names.iter().any(|n| n == "TYPE/NAME") {
        Some(EXPAND_KINDS)
    } else if names.iter().any(|n| n == "PV") {
        Some(REBIND_KINDS)
    } else {
        None
    }
}

/// The values an argument takes: its listed values, rule ids, kubeconfig and cluster names, or
/// file names.
fn values(arg: &Arg, partial: &str, prefix: &str, context: &Context) -> Completion {
    let from_kubeconfig = match arg.get_id().as_str() {
        "context" => Some(KubeconfigList::Contexts),
        "cluster" => Some(KubeconfigList::Clusters),
        "user" => Some(KubeconfigList::Users),
        _ => None,
    };
    let named = match (from_kubeconfig, arg.get_id().as_str()) {
        (Some(list), _) => Some(context.names.kubeconfig(&context.cluster, list)),
        (None, "namespace") => Some(context.names.objects(&context.cluster, "Namespace")),
        _ => None,
    };
    if let Some(named) = named {
        return Completion {
            candidates: named
                .into_iter()
                .filter(|name| name.starts_with(partial))
                .map(|name| (format!("{prefix}{name}"), String::new()))
                .collect(),
            directive: directive::NO_FILE_COMP,
        };
    }
    let listed: Vec<(String, String)> = arg
        .get_possible_values()
        .iter()
        .filter(|v| !v.is_hide_set())
        .map(|v| (v.get_name().to_owned(), describe(v.get_help())))
        .collect();
    let candidates = if !listed.is_empty() {
        listed
    } else if let Some(kinds) = object_kinds(arg) {
        // `diagnose pvc/<TAB>`: the claims in the cluster.
        if let Some((typed, name)) = partial.split_once('/') {
            let objects = match kind_named(typed) {
                Some(kind) if context.reads_cluster => {
                    context.names.objects(&context.cluster, kind)
                }
                _ => Vec::new(),
            };
            return Completion {
                candidates: objects
                    .into_iter()
                    .filter(|object| object.starts_with(name))
                    .map(|object| (format!("{prefix}{typed}/{object}"), String::new()))
                    .collect(),
                directive: directive::NO_FILE_COMP,
            };
        }
        // `what-if delete <TAB>`, `diagnose <TAB>`: the kinds, each a prefix the name follows.
        return Completion {
            candidates: kinds
                .iter()
                .filter(|(kind, _)| kind.starts_with(partial))
                .map(|(kind, help)| (format!("{prefix}{kind}"), (*help).to_owned()))
                .collect(),
            directive: directive::NO_FILE_COMP | directive::NO_SPACE,
        };
    } else if arg
        .get_value_names()
        .is_some_and(|n| n.iter().any(|n| n == "RULE"))
    {
        rules::catalogue()
            .unwrap_or_default()
            .into_iter()
            .map(|doc| (doc.id, doc.summary))
            .collect()
    } else if matches!(
        arg.get_value_hint(),
        ValueHint::FilePath | ValueHint::AnyPath
    ) {
        // Manifests, or the settings file: let the shell complete files with these extensions
        // (and folders).
        let extensions: &[&str] = if arg.get_long() == Some("config") {
            &["yaml", "yml"]
        } else {
            &["yaml", "yml", "json"]
        };
        return Completion {
            candidates: extensions
                .iter()
                .map(|e| (e.to_string(), String::new()))
                .collect(),
            directive: directive::FILTER_FILE_EXT,
        };
    } else {
        Vec::new()
    };
    Completion {
        candidates: candidates
            .into_iter()
            .filter(|(value, _)| value.starts_with(partial))
            .map(|(value, help)| (format!("{prefix}{value}"), help))
            .collect(),
        directive: directive::NO_FILE_COMP,
    }
}

/// A one-line description: the first line of the help, without tabs.
fn describe(help: Option<&clap::builder::StyledStr>) -> String {
    help.map(|h| h.to_string())
        .unwrap_or_default()
        .lines()
        .next()
        .unwrap_or_default()
        .replace('\t', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A kubeconfig with two contexts, and a cluster whose answers name the flags they saw.
    struct Table;

    impl Names for Table {
        fn kubeconfig(&self, args: &ClusterArgs, list: KubeconfigList) -> Vec<String> {
            let from = args
                .kubeconfig
                .as_ref()
                .map_or("default".to_owned(), |p| p.display().to_string());
            match list {
                KubeconfigList::Contexts => vec![format!("prod@{from}"), "staging".to_owned()],
                KubeconfigList::Clusters => vec!["prod-eu".to_owned()],
                KubeconfigList::Users => vec!["admin".to_owned()],
            }
        }
        fn objects(&self, args: &ClusterArgs, kind: &str) -> Vec<String> {
            let scope = match (&args.context, &args.namespace, args.all_namespaces) {
                (_, _, true) => "all".to_owned(),
                (context, namespace, false) => format!(
                    "{}.{}",
                    context.as_deref().unwrap_or("current"),
                    namespace.as_deref().unwrap_or("default")
                ),
            };
            vec![
                format!("{}-{scope}", kind.to_lowercase()),
                "other".to_owned(),
            ]
        }
    }

    fn words(line: &[&str]) -> Completion {
        complete(
            &line.iter().map(|w| w.to_string()).collect::<Vec<_>>(),
            &Table,
        )
    }

    fn values_of(c: &Completion) -> Vec<&str> {
        c.candidates.iter().map(|(v, _)| v.as_str()).collect()
    }

    #[test]
    fn subcommands_without_the_hidden_one() {
        let c = words(&[""]);
        assert_eq!(
            values_of(&c),
            [
                "plan", "rules", "explain", "what-if", "diagnose", "fix", "expand", "rebind",
                "help"
            ]
        );
        assert_eq!(c.directive, directive::NO_FILE_COMP);
        assert_eq!(values_of(&words(&["pl"])), ["plan"]);
        assert_eq!(values_of(&words(&["help", "ex"])), ["explain", "expand"]);
    }

    #[test]
    fn flags_and_their_values() {
        let c = words(&["plan", "--o"]);
        assert_eq!(values_of(&c), ["--output"]);
        assert_eq!(c.candidates[0].1, "Output format");
        assert!(values_of(&words(&["plan", "-"])).contains(&"-f"));
        // A flag given once is not offered again; a repeatable one is.
        let after = words(&["plan", "-o", "json", "--disable", "x", "--"]);
        assert!(!values_of(&after).contains(&"--output"));
        assert!(values_of(&after).contains(&"--disable"));
        assert!(values_of(&words(&["plan", "-o", "s"])).contains(&"sarif"));
        assert_eq!(
            values_of(&words(&["plan", "--output=j"])),
            ["--output=json", "--output=junit"]
        );
        assert_eq!(
            values_of(&words(&["plan", "-oyaml", "--fail-on", "w"])),
            ["warning"]
        );
        assert_eq!(
            values_of(&words(&["plan", "--color", ""])),
            ["auto", "always", "never"]
        );
    }

    #[test]
    fn rule_ids() {
        for line in [
            &["plan", "--disable", "claim-p"][..],
            &["explain", "claim-p"],
        ] {
            let c = words(line);
            assert_eq!(values_of(&c), ["claim-pending"]);
            assert_eq!(c.candidates[0].1, "The claim will stay Pending");
        }
        assert_eq!(
            values_of(&words(&["plan", "--enable=claims-c"])),
            ["--enable=claims-compete"]
        );
    }

    #[test]
    fn diagnose_targets() {
        let c = words(&["diagnose", ""]);
        assert_eq!(values_of(&c), ["pvc/", "pv/", "pod/", "sts/"]);
        assert_eq!(c.directive, directive::NO_FILE_COMP | directive::NO_SPACE);
        assert_eq!(
            values_of(&words(&["diagnose", "-n", "shop", "p"])),
            ["pvc/", "pv/", "pod/"]
        );
    }

    #[test]
    fn what_if_targets() {
        assert_eq!(values_of(&words(&["what-if", ""])), ["delete", "help"]);
        let c = words(&["what-if", "delete", ""]);
        assert_eq!(
            values_of(&c),
            ["namespace/", "pvc/", "statefulset/", "pod/"]
        );
        assert_eq!(c.directive, directive::NO_FILE_COMP | directive::NO_SPACE);
        assert_eq!(
            values_of(&words(&["what-if", "delete", "-n", "shop", "p"])),
            ["pvc/", "pod/"]
        );
        assert_eq!(
            values_of(&words(&["what-if", "delete", "pvc/x", "-f", ""])),
            ["yaml", "yml", "json"]
        );
    }

    #[test]
    fn files() {
        for line in [
            &["plan", "-f", ""][..],
            &["plan", "--filename", "te"],
            &["plan", "-f", "a.yaml", ""],
            &["plan", "-n", "shop", "deploy/"],
        ] {
            let c = words(line);
            assert_eq!(c.directive, directive::FILTER_FILE_EXT, "{line:?}");
            assert_eq!(values_of(&c), ["yaml", "yml", "json"]);
        }
        assert_eq!(
            values_of(&words(&["plan", "--config", ""])),
            ["yaml", "yml"]
        );
        // Free text: nothing to offer, and no file names either.
        assert_eq!(words(&["rules", ""]), nothing());
    }

    #[test]
    fn kubeconfig_names_and_namespaces() {
        assert_eq!(
            values_of(&words(&["diagnose", "--context", ""])),
            ["prod@default", "staging"]
        );
        assert_eq!(
            values_of(&words(&["plan", "--kubeconfig", "k.yaml", "--context=p"])),
            ["--context=prod@k.yaml"]
        );
        assert_eq!(
            values_of(&words(&["plan", "--cluster="])),
            ["--cluster=prod-eu"]
        );
        assert_eq!(values_of(&words(&["diagnose", "--user", "a"])), ["admin"]);
        assert_eq!(
            values_of(&words(&["plan", "--context", "staging", "-n", ""])),
            ["namespace-staging.default", "other"]
        );
    }

    #[test]
    fn object_names_from_the_cluster() {
        let c = words(&["diagnose", "-n", "shop", "pvc/"]);
        assert_eq!(
            values_of(&c),
            ["pvc/persistentvolumeclaim-current.shop", "pvc/other"]
        );
        assert_eq!(c.directive, directive::NO_FILE_COMP);
        assert_eq!(
            values_of(&words(&["diagnose", "-A", "sts/o"])),
            ["sts/other"]
        );
        assert_eq!(
            values_of(&words(&[
                "what-if",
                "delete",
                "--cluster",
                "-nweb",
                "namespace/n"
            ])),
            ["namespace/namespace-current.web"]
        );
        // Offline, what-if reads files: no request for names.
        assert_eq!(
            values_of(&words(&["what-if", "delete", "pvc/"])),
            Vec::<&str>::new()
        );
        assert_eq!(
            values_of(&words(&["diagnose", "deploy/"])),
            Vec::<&str>::new()
        );
        // expand grows live claims, unless it writes manifests.
        assert_eq!(values_of(&words(&["expand", ""])), ["pvc/", "sts/"]);
        assert_eq!(
            values_of(&words(&["expand", "-n", "shop", "pvc/o"])),
            ["pvc/other"]
        );
        assert_eq!(
            values_of(&words(&["expand", "-f", "db.yaml", "pvc/o"])),
            Vec::<&str>::new()
        );
        assert_eq!(values_of(&words(&["rebind", ""])), ["pv/"]);
        assert_eq!(
            values_of(&words(&["rebind", "pv/"])),
            ["pv/persistentvolume-current.default", "pv/other"]
        );
    }
}
