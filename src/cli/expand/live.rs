//! Expanding in a cluster: read the claims and what judges them, check, show the change, have
//! the server dry-run it, ask, patch (guarded by resourceVersion), then follow the resize and,
//! for a StatefulSet, carry the size into its template.

use serde_json::{json, Value};

use crate::drivers;
use crate::evidence::Evidence;
use crate::expand::checks::{self, Action, Facts, Quota, Verdict};
use crate::expand::{pods, statefulset, Target};
use crate::live::kinds::{live_kind, LiveKind};
use crate::live::session::{Session, Target as Object};
use crate::live::LiveError;
use crate::load::{LoadOptions, Loader};
use crate::model::Quantity;
use crate::render::text::Paint;

use super::super::fix::count;
use super::super::{confirmed, emit, exit, fail};
use super::follow::{self, Followed};
use super::{recreate, ExpandArgs};

pub fn run(args: &ExpandArgs, target: &Target, to: &Quantity) -> u8 {
    let session = match Session::open(&args.cluster) {
        Ok(session) => session,
        Err(error) => return fail(error),
    };
    match expand(&session, args, target, to, Paint(args.color.enabled())) {
        Ok(code) => code,
        Err(error) => fail(error),
    }
}

pub(super) fn kind(name: &str) -> &'static LiveKind {
    live_kind(name).expect("a kind the tool reads")
}

/// Prints as it goes: the steps of a change are worth seeing as they happen.
pub(super) fn say(text: &str) -> Result<(), LiveError> {
    emit(text).map_err(|e| LiveError::Config(format!("cannot write the output: {e}")))
}

/// A claim to grow, as read and judged.
struct Judged {
    claim: Value,
    name: String,
    /// The class written on the claim.
    class: String,
    action: Option<Action>,
    expansion: Option<drivers::Expansion>,
}

fn expand(
    session: &Session,
    args: &ExpandArgs,
    target: &Target,
    to: &Quantity,
    p: Paint,
) -> Result<u8, LiveError> {
    let namespace = session.namespace().to_owned();
    let ns = Some(namespace.as_str());
    let pvc = kind("PersistentVolumeClaim");
    let (claims, set) = match target {
        Target::Claim(name) => {
            let Some(claim) = session.get(&Object {
                kind: pvc,
                namespace: ns,
                name,
            })?
            else {
                return Ok(fail(format!(
                    "there is no PersistentVolumeClaim {name} in namespace {namespace} (-n picks another namespace)"
                )));
            };
            (vec![claim], None)
        }
        Target::StatefulSet(name) => {
            let Some(set) = session.get(&Object {
                kind: kind("StatefulSet"),
                namespace: ns,
                name,
            })?
            else {
                return Ok(fail(format!(
                    "there is no StatefulSet {name} in namespace {namespace} (-n picks another namespace)"
                )));
            };
            let templates = statefulset::templates(&set);
            let names: Vec<&str> = templates.iter().map(|t| t.name.as_str()).collect();
            let chosen = match statefulset::choose(name, &names, args.template.as_deref()) {
                Ok(chosen) => chosen,
                Err(error) => return Ok(fail(error)),
            };
            let all = session.list(pvc, ns, None)?;
            let claims: Vec<Value> = chosen
                .iter()
                .flat_map(|i| statefulset::claims_of(name, &templates[*i].name, &all))
                .cloned()
                .collect();
            if claims.is_empty() {
                say(&format!(
                    "StatefulSet {namespace}/{name} has no claims yet: its pods make them from the template.\n"
                ))?;
            }
            (claims, Some((set, chosen)))
        }
    };
    let evidence = csi_evidence(session)?;
    let mut quotas: Option<Vec<Quota>> = optional(session.list(kind("ResourceQuota"), ns, None))?
        .map(|items| items.iter().map(Quota::from_json).collect());
    let all_pods = optional(session.list(kind("Pod"), ns, None))?.unwrap_or_default();
    let mut judged = Vec::new();
    let mut out = String::new();
    for claim in claims {
        let one = judge(
            session,
            claim,
            &namespace,
            &evidence,
            quotas.as_deref(),
            &all_pods,
            to,
            p,
            &mut out,
        )?;
        // Claims grown together share the quota.
        if let (Some(Action::Patch { from }), Some(quotas)) = (&one.action, quotas.as_mut()) {
            let growth = Quantity::from_nanos(to.nanos() - from.nanos());
            for quota in quotas.iter_mut() {
                quota.count(&one.class, &growth);
            }
        }
        judged.push(one);
    }
    say(&out)?;
    let refused = judged.iter().filter(|j| j.action.is_none()).count();
    if refused > 0 {
        say(&format!(
            "{} Nothing was changed: {} cannot grow to {}.\n",
            p.red("✘"),
            count(refused, "claim"),
            to.as_str()
        ))?;
        return Ok(exit::FINDINGS);
    }
    let to_patch: Vec<&Judged> = judged
        .iter()
        .filter(|j| matches!(j.action, Some(Action::Patch { .. })))
        .collect();
    let mut failed = 0;
    if !to_patch.is_empty() {
        let mut shown = String::new();
        for one in &to_patch {
            let Some(Action::Patch { from }) = &one.action else {
                continue;
            };
            shown.push_str(&format!(
                "{} PersistentVolumeClaim {namespace}/{}: spec.resources.requests.storage {} → {} (at resourceVersion {})\n",
                p.bold("Change"),
                one.name,
                from.as_str(),
                to.as_str(),
                resource_version(&one.claim)
            ));
        }
        say(&shown)?;
        for one in &to_patch {
            if let Err(refusal) = session.patch(
                &claim_object(pvc, ns, &one.name),
                &body(&one.claim, to),
                true,
            )? {
                say(&format!(
                    "{} {namespace}/{}: dry run: {refusal}\nNothing was changed.\n",
                    p.red("✘"),
                    one.name
                ))?;
                return Ok(exit::FINDINGS);
            }
        }
        say(&format!(
            "Dry run: the server accepts {}.\n",
            if to_patch.len() == 1 {
                "the change".to_owned()
            } else {
                format!("all {} changes", to_patch.len())
            }
        ))?;
        if !args.yes && !confirmed(&format!("Expand {}?", count(to_patch.len(), "claim"))) {
            say("Nothing was changed: add --yes to expand.\n")?;
            return Ok(exit::FINDINGS);
        }
    }
    // Events from before the change say nothing about this resize.
    let mut followed = Vec::new();
    for one in &judged {
        followed.push(Followed::new(
            session,
            &namespace,
            &one.name,
            to.clone(),
            one.expansion,
        )?);
    }
    for one in &to_patch {
        match session.patch(
            &claim_object(pvc, ns, &one.name),
            &body(&one.claim, to),
            false,
        )? {
            Ok(_) => say(&format!(
                "{} asked for {} for {namespace}/{}\n",
                p.green("✔"),
                to.as_str(),
                one.name
            ))?,
            Err(refusal) => {
                failed += 1;
                followed.retain(|f| f.name != one.name);
                say(&format!(
                    "{} {namespace}/{}: {refusal}\n",
                    p.red("✘"),
                    one.name
                ))?;
            }
        }
    }
    followed.retain(|f| {
        judged
            .iter()
            .any(|j| j.name == f.name && j.action != Some(Action::Nothing))
    });
    let wait = !args.no_wait;
    let mut resized = true;
    if wait && !followed.is_empty() {
        let options = follow::Options {
            timeout: args.timeout.0,
            interval: args.poll_interval(),
            restart_pods: args.restart_pods,
        };
        resized = follow::follow(session, &mut followed, &options, p)?;
    } else if !followed.is_empty() {
        say(&format!(
            "The resize goes on in the cluster; run the same command again to follow it, or `kubectl storage diagnose pvc/{}`.\n",
            followed[0].name
        ))?;
    }
    if let Some((set, chosen)) = set {
        if resized && failed == 0 {
            if !recreate::carry_over(session, &set, &chosen, to, args, p)? {
                failed += 1;
            }
        } else {
            say("The StatefulSet's template keeps its size until its claims have grown.\n")?;
        }
    }
    Ok(if failed == 0 && resized {
        exit::CLEAN
    } else {
        exit::FINDINGS
    })
}

#[allow(clippy::too_many_arguments)]
fn judge(
    session: &Session,
    claim: Value,
    namespace: &str,
    evidence: &Evidence,
    quotas: Option<&[Quota]>,
    all_pods: &[Value],
    to: &Quantity,
    p: Paint,
    out: &mut String,
) -> Result<Judged, LiveError> {
    let name = claim
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let mut loader = Loader::new(&LoadOptions {
        namespace: namespace.to_owned(),
    });
    if let Some(volume) = claim.pointer("/spec/volumeName").and_then(Value::as_str) {
        let pv = optional_one(session.get(&Object {
            kind: kind("PersistentVolume"),
            namespace: None,
            name: volume,
        }))?;
        if let Some(pv) = pv {
            loader.add_value(pv);
        }
    }
    let class_name = claim
        .pointer("/spec/storageClassName")
        .and_then(Value::as_str)
        .or_else(|| {
            claim
                .pointer("/metadata/annotations/volume.beta.kubernetes.io~1storage-class")
                .and_then(Value::as_str)
        })
        .unwrap_or_default()
        .to_owned();
    if !class_name.is_empty() {
        if let Some(class) = session.get(&Object {
            kind: kind("StorageClass"),
            namespace: None,
            name: &class_name,
        })? {
            loader.add_value(class);
        }
    }
    loader.add_value(claim.clone());
    let loaded = loader.finish();
    let snapshot = &loaded.snapshot;
    let Some(model) = snapshot.claims.first() else {
        out.push_str(&format!(
            "{} PersistentVolumeClaim {namespace}/{name} could not be read\n",
            p.red("✘")
        ));
        return Ok(Judged {
            claim,
            name,
            class: class_name,
            action: None,
            expansion: None,
        });
    };
    let users: Vec<String> = pods::using(all_pods, &name)
        .into_iter()
        .map(|pod| format!("{namespace}/{}", pods::name(pod)))
        .collect();
    let volume = snapshot.volumes.first();
    let class = snapshot
        .classes
        .iter()
        .find(|c| c.meta.name == model.written_class());
    let facts = Facts {
        claim: model,
        volume,
        class,
        evidence,
        quotas,
        pods: &users,
    };
    let preflight = checks::preflight(&facts, to);
    out.push_str(&format!(
        "{} {namespace}/{name}:\n",
        p.bold("PersistentVolumeClaim")
    ));
    for check in &preflight.checks {
        let mark = match check.verdict {
            Verdict::Pass => p.green("✔"),
            Verdict::Note => p.yellow("•"),
            Verdict::Refuse => p.red("✘"),
        };
        out.push_str(&format!("  {mark} {}\n", check.text));
        if let Some(help) = &check.help {
            out.push_str(&format!("      {}\n", p.dim(help)));
        }
    }
    let expansion = volume
        .and_then(|v| drivers::for_plugin(&v.plugin))
        .or_else(|| class.and_then(|c| drivers::lookup(&c.provisioner)))
        .map(|d| d.expansion);
    Ok(Judged {
        claim,
        name,
        class: class_name,
        action: preflight.action,
        expansion,
    })
}

/// The CSI drivers the cluster shows, to tell a driver that is not installed.
fn csi_evidence(session: &Session) -> Result<Evidence, LiveError> {
    let drivers = optional(session.list(kind("CSIDriver"), None, None))?;
    let nodes = optional(session.list(kind("CSINode"), None, None))?;
    let mut unreadable = Vec::new();
    if drivers.is_none() {
        unreadable.push("CSIDriver");
    }
    if nodes.is_none() {
        unreadable.push("CSINode");
    }
    let drivers = drivers.unwrap_or_default();
    let nodes = nodes.unwrap_or_default();
    Ok(Evidence::from_lists(
        [("CSIDriver", &drivers[..]), ("CSINode", &nodes[..])],
        unreadable,
    ))
}

/// A read the command can do without: forbidden or not served is `None`.
pub(super) fn optional(
    listed: Result<Vec<Value>, LiveError>,
) -> Result<Option<Vec<Value>>, LiveError> {
    match listed {
        Ok(items) => Ok(Some(items)),
        Err(LiveError::Api {
            code: 403 | 404, ..
        }) => Ok(None),
        Err(error) => Err(error),
    }
}

fn optional_one(got: Result<Option<Value>, LiveError>) -> Result<Option<Value>, LiveError> {
    match got {
        Err(LiveError::Api { code: 403, .. }) => Ok(None),
        other => other,
    }
}

pub(super) fn claim_object<'a>(
    pvc: &'a LiveKind,
    ns: Option<&'a str>,
    name: &'a str,
) -> Object<'a> {
    Object {
        kind: pvc,
        namespace: ns,
        name,
    }
}

fn resource_version(object: &Value) -> &str {
    object
        .pointer("/metadata/resourceVersion")
        .and_then(Value::as_str)
        .unwrap_or("?")
}

/// The merge patch of the request, guarded by the resourceVersion the claim was read at.
fn body(claim: &Value, to: &Quantity) -> Value {
    json!({
        "metadata": {"resourceVersion": resource_version(claim)},
        "spec": {"resources": {"requests": {"storage": to.as_str()}}},
    })
}
