//! Following resizes to the end: each claim is read again every interval, with the events that
//! came after the change, and each new stage is printed once; a spinner shows that it is alive
//! on a terminal. Pods that must mount the volume again are named, and restarted when asked.

use std::collections::HashSet;
use std::io::IsTerminal as _;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use serde_json::Value;

use crate::drivers::Expansion;
use crate::evidence::Evidence;
use crate::expand::pods;
use crate::live::session::{DeleteOptions, Session, Target as Object};
use crate::live::LiveError;
use crate::load::{LoadOptions, Loader};
use crate::model::Quantity;
use crate::render::text::Paint;
use crate::resize::{self, Stage};

use super::live::{claim_object, kind, optional, say};

/// How many looks a driver that grows file systems in use gets to do it before
/// `--restart-pods` restarts the pods anyway.
const ONLINE_GRACE_LOOKS: u32 = 10;

pub struct Options {
    /// `None`: no limit.
    pub timeout: Option<Duration>,
    pub interval: Duration,
    pub restart_pods: bool,
}

/// A claim being followed.
pub struct Followed {
    namespace: String,
    pub name: String,
    to: Quantity,
    expansion: Option<Expansion>,
    /// Events that were there before the change.
    old_events: HashSet<String>,
    last: Option<String>,
    waits_since: Option<Instant>,
    restarted: HashSet<String>,
    told: HashSet<String>,
    outcome: Option<Outcome>,
}

enum Outcome {
    Resized,
    /// The volume grew; the file system grows when a pod next mounts it.
    WaitsForMount,
    Failed(String),
}

impl Followed {
    /// Notes the claim's events so far: they are not about this resize.
    pub fn new(
        session: &Session,
        namespace: &str,
        name: &str,
        to: Quantity,
        expansion: Option<Expansion>,
    ) -> Result<Followed, LiveError> {
        let old_events = events(session, namespace, name)?
            .iter()
            .filter_map(|e| e.pointer("/metadata/uid").and_then(Value::as_str))
            .map(str::to_owned)
            .collect();
        Ok(Followed {
            namespace: namespace.to_owned(),
            name: name.to_owned(),
            to,
            expansion,
            old_events,
            last: None,
            waits_since: None,
            restarted: HashSet::new(),
            told: HashSet::new(),
            outcome: None,
        })
    }

    fn qualified(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }
}

fn events(session: &Session, namespace: &str, claim: &str) -> Result<Vec<Value>, LiveError> {
    let selector = format!("involvedObject.kind=PersistentVolumeClaim,involvedObject.name={claim}");
    Ok(
        optional(session.list(kind("Event"), Some(namespace), Some(&selector)))?
            .unwrap_or_default(),
    )
}

/// Follows every claim until each has the size, waits only for a mount, fails, or the time is
/// up. Whether all got there.
pub fn follow(
    session: &Session,
    claims: &mut [Followed],
    options: &Options,
    p: Paint,
) -> Result<bool, LiveError> {
    let limit = options.timeout.map_or_else(
        || "until it ends".to_owned(),
        |t| format!("for up to {}", human(t)),
    );
    say(&format!(
        "Following the resize {limit} (stopping this command does not stop the resize):\n"
    ))?;
    let bar = spinner();
    bar.set_message(format!("0 of {} resized", claims.len()));
    let start = Instant::now();
    loop {
        for claim in claims.iter_mut().filter(|c| c.outcome.is_none()) {
            step(session, claim, options, p, &bar)?;
        }
        let left = claims.iter().filter(|c| c.outcome.is_none()).count();
        if left == 0 || options.timeout.is_some_and(|t| start.elapsed() >= t) {
            break;
        }
        bar.set_message(format!(
            "{} of {} resized",
            claims.len() - left,
            claims.len()
        ));
        session.sleep(options.interval);
    }
    bar.finish_and_clear();
    let mut out = String::new();
    let mut all = true;
    for claim in claims.iter() {
        let name = claim.qualified();
        match &claim.outcome {
            Some(Outcome::Resized) => out.push_str(&format!(
                "{} {name} has {}\n",
                p.green("✔"),
                claim.to.as_str()
            )),
            Some(Outcome::WaitsForMount) => out.push_str(&format!(
                "{} {name}: the volume has {}; its file system grows when a pod next mounts the claim\n",
                p.green("✔"),
                claim.to.as_str()
            )),
            Some(Outcome::Failed(why)) => {
                all = false;
                out.push_str(&format!("{} {name}: {why}\n", p.red("✘")));
            }
            None => {
                all = false;
                let stage = claim.last.as_deref().unwrap_or("no news");
                out.push_str(&format!(
                    "{} {name}: not done after {} ({stage}); the resize goes on in the cluster: run the same command again to follow it\n",
                    p.red("✘"),
                    options.timeout.map(human).unwrap_or_default()
                ));
            }
        }
    }
    say(&out)?;
    Ok(all)
}

fn spinner() -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new_spinner();
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
        bar.set_style(style);
    }
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

/// Reads the claim once and says what changed.
fn step(
    session: &Session,
    claim: &mut Followed,
    options: &Options,
    p: Paint,
    bar: &ProgressBar,
) -> Result<(), LiveError> {
    let pvc = kind("PersistentVolumeClaim");
    let Some(object) = session.get(&claim_object(pvc, Some(&claim.namespace), &claim.name))? else {
        claim.outcome = Some(Outcome::Failed("the claim was deleted".to_owned()));
        return Ok(());
    };
    let fresh: Vec<Value> = events(session, &claim.namespace, &claim.name)?
        .into_iter()
        .filter(|e| {
            e.pointer("/metadata/uid")
                .and_then(Value::as_str)
                .is_none_or(|uid| !claim.old_events.contains(uid))
        })
        .collect();
    let mut loader = Loader::new(&LoadOptions {
        namespace: claim.namespace.clone(),
    });
    loader.add_value(object);
    loader.set_evidence(Evidence::from_lists([("Event", &fresh[..])], Vec::new()));
    let loaded = loader.finish();
    let Some(model) = loaded.snapshot.claims.first() else {
        claim.outcome = Some(Outcome::Failed("the claim could not be read".to_owned()));
        return Ok(());
    };
    let none = Evidence::default();
    let evidence = loaded.evidence.as_ref().unwrap_or(&none);
    let capacity = match &model.status_capacity {
        Some(Ok(capacity)) => Some(capacity),
        _ => None,
    };
    if let Some(Ok(request)) = &model.request {
        if *request < claim.to {
            claim.outcome = Some(Outcome::Failed(format!(
                "its request was changed to {} meanwhile",
                request.as_str()
            )));
            return Ok(());
        }
    }
    if capacity.is_some_and(|c| *c >= claim.to) {
        claim.outcome = Some(Outcome::Resized);
        return Ok(());
    }
    let Some(resize) = resize::of(model, evidence) else {
        return tell(
            claim,
            "waiting for the claim's status to show its size",
            bar,
        );
    };
    match resize.stage {
        Stage::NotStarted => tell(claim, "waiting for the resizer to take the request up", bar),
        Stage::WaitsForExternalResizer(_) => tell(
            claim,
            "handed to the driver's external resizer, which has not taken it up yet",
            bar,
        ),
        Stage::InProgress { on_node: false } => {
            tell(claim, "the storage backend is resizing the volume", bar)
        }
        Stage::InProgress { on_node: true } => {
            tell(claim, "the kubelet is growing the file system", bar)
        }
        Stage::Error(condition) => {
            let message = condition.message.as_deref().unwrap_or("no message");
            let text = format!("the last attempt failed and the resizer retries: {message}");
            tell(claim, &text, bar)
        }
        Stage::FailedEvent(event) => {
            let text = format!(
                "the last attempt failed and the resizer retries: {} ({})",
                event.message.trim(),
                event.reason
            );
            tell(claim, &text, bar)
        }
        Stage::Infeasible {
            status,
            last_failure,
        } => {
            let why = last_failure
                .map(|e| format!(": {}", e.message.trim()))
                .unwrap_or_default();
            let has = capacity.map_or_else(|| "it has".to_owned(), |c| c.humanize());
            claim.outcome = Some(Outcome::Failed(format!(
                "the resizer gave up ({status}){why}\n      {}",
                p.dim(&format!(
                    "the volume keeps its size; to ask for a size the backend can give, lower the request (it must stay above {has}): kubectl storage expand pvc/{} --to SIZE",
                    claim.name
                ))
            )));
            Ok(())
        }
        Stage::WaitsForNode(_) => waits_for_node(session, claim, options, p, bar),
    }
}

/// The volume grew; the kubelet grows the file system when a pod mounts it.
fn waits_for_node(
    session: &Session,
    claim: &mut Followed,
    options: &Options,
    p: Paint,
    bar: &ProgressBar,
) -> Result<(), LiveError> {
    let all =
        optional(session.list(kind("Pod"), Some(&claim.namespace), None))?.unwrap_or_default();
    let users = pods::using(&all, &claim.name);
    if users.is_empty() {
        claim.outcome = Some(Outcome::WaitsForMount);
        return Ok(());
    }
    let names: Vec<String> = users
        .iter()
        .map(|pod| format!("pod {}/{}", claim.namespace, pods::name(pod)))
        .collect();
    let online = claim.expansion == Some(Expansion::Online);
    let text = if online {
        format!(
            "the volume has grown; the kubelet grows its file system in use ({} uses it)",
            names.join(", ")
        )
    } else {
        format!(
            "the volume has grown; its file system waits for the kubelet ({} uses it)",
            names.join(", ")
        )
    };
    tell(claim, &text, bar)?;
    // A driver that grows file systems in use gets time to do it first.
    let since = *claim.waits_since.get_or_insert_with(Instant::now);
    if online && since.elapsed() < options.interval * ONLINE_GRACE_LOOKS {
        return Ok(());
    }
    if !options.restart_pods {
        let hint = format!(
            "      {}\n",
            p.dim(&format!(
                "restart {} to finish (its controller starts it again), or run again with --restart-pods",
                names.join(", ")
            ))
        );
        if claim.told.insert(hint.clone()) {
            bar.suspend(|| say(&hint))?;
        }
        return Ok(());
    }
    for pod in users {
        let name = pods::name(pod).to_owned();
        if claim.restarted.contains(&name) {
            continue;
        }
        let Some((owner_kind, owner)) = pods::restarted_by(pod) else {
            let note = format!(
                "  {} pod {}/{name} is not started again by a ReplicaSet or StatefulSet: restart it yourself\n",
                p.yellow("•"),
                claim.namespace
            );
            if claim.told.insert(note.clone()) {
                bar.suspend(|| say(&note))?;
            }
            continue;
        };
        let target = Object {
            kind: kind("Pod"),
            namespace: Some(&claim.namespace),
            name: &name,
        };
        let options = DeleteOptions {
            uid: pod
                .pointer("/metadata/uid")
                .and_then(Value::as_str)
                .map(str::to_owned),
            ..DeleteOptions::default()
        };
        claim.restarted.insert(name.clone());
        let outcome = match session.delete(&target, &options, true)? {
            Ok(()) => session.delete(&target, &options, false)?,
            refused => refused,
        };
        let line = match outcome {
            Ok(()) => format!(
                "  ↻ restarted pod {}/{name}: its {owner_kind} {owner} starts it again, and the kubelet grows the file system when it mounts the volume\n",
                claim.namespace
            ),
            Err(refusal) => format!(
                "  {} could not restart pod {}/{name}: {refusal}\n",
                p.red("✘"),
                claim.namespace
            ),
        };
        bar.suspend(|| say(&line))?;
    }
    Ok(())
}

/// Prints a claim's stage when it is new.
fn tell(claim: &mut Followed, text: &str, bar: &ProgressBar) -> Result<(), LiveError> {
    if claim.last.as_deref() == Some(text) {
        return Ok(());
    }
    claim.last = Some(text.to_owned());
    let line = format!("  {}: {text}\n", claim.qualified());
    bar.suspend(|| say(&line))
}

fn human(duration: Duration) -> String {
    let seconds = duration.as_secs();
    match (seconds / 60, seconds % 60) {
        (0, 0) => format!("{}ms", duration.as_millis()),
        (0, s) => format!("{s}s"),
        (m, 0) => format!("{m}m"),
        (m, s) => format!("{m}m{s}s"),
    }
}
