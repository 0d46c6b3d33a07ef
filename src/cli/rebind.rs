//! `kubectl storage rebind pv/NAME --to NAMESPACE/CLAIM`: gives a volume whose claim is gone
//! (deleted by mistake, a namespace recreated) to a claim, keeping its data. Every step is
//! printed, dry-run, and made with --yes (or a terminal's yes); each write carries the
//! resourceVersion it was read at, and running it again goes on from where it stopped.

use std::time::{Duration, Instant};

use clap::Args;
use serde_json::Value;

use crate::live::kinds::{live_kind, LiveKind};
use crate::live::options::{parse_request_timeout, RequestTimeout};
use crate::live::session::{Session, Target};
use crate::live::write::Refusal;
use crate::live::{ClusterArgs, LiveError};
use crate::model::object::{kind_named, split_type_and_name};
use crate::rebind::{self, Situation, Step, POLICY_ANNOTATION};
use crate::render::text::Paint;

use super::{confirmed, emit, exit, fail, ColorChoice};

#[derive(Debug, Args)]
pub struct RebindArgs {
    /// The volume: pv/NAME (or its name alone).
    #[arg(value_name = "PV")]
    pub volume: String,

    /// The claim to give it to: NAMESPACE/CLAIM, or CLAIM in the namespace of -n (or the
    /// context's). It is created when it does not exist.
    #[arg(long, value_name = "NAMESPACE/CLAIM")]
    pub to: String,

    /// Make the changes without asking (otherwise a terminal is asked, and anything else only
    /// shows them).
    #[arg(long, short = 'y')]
    pub yes: bool,

    /// Once bound, put back the reclaim policy the rebind changed to Retain.
    #[arg(long)]
    pub restore_reclaim_policy: bool,

    /// Make the changes and return without waiting for the claim to be bound.
    #[arg(long)]
    pub no_wait: bool,

    /// How long to wait for the claim to be bound: a duration like 90s or 2m; 0 waits until it
    /// is.
    #[arg(long, value_name = "DURATION", default_value = "2m", value_parser = parse_request_timeout)]
    pub timeout: RequestTimeout,

    /// How often to look while waiting (tests shorten it).
    #[arg(long, hide = true, value_name = "DURATION", default_value = "1s", value_parser = parse_request_timeout)]
    pub poll_interval: RequestTimeout,

    #[command(flatten)]
    pub cluster: ClusterArgs,

    /// When to use colour.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
}

pub fn run(args: &RebindArgs) -> u8 {
    let volume = match volume_name(&args.volume) {
        Ok(name) => name,
        Err(error) => return fail(error),
    };
    if args.cluster.all_namespaces {
        return fail(
            "rebind gives a volume to one claim: name its namespace in --to or with -n, not -A",
        );
    }
    let session = match Session::open(&args.cluster) {
        Ok(session) => session,
        Err(error) => return fail(error),
    };
    let (namespace, claim) = match args.to.split_once('/') {
        Some((ns, name)) if !ns.is_empty() && !name.is_empty() && !name.contains('/') => {
            (ns.to_owned(), name.to_owned())
        }
        None if !args.to.is_empty() => (session.namespace().to_owned(), args.to.clone()),
        _ => {
            return fail(format!(
                "--to {:?}: give the claim as NAMESPACE/CLAIM, or CLAIM",
                args.to
            ))
        }
    };
    let p = Paint(args.color.enabled());
    match rebind_volume(&session, args, &volume, &namespace, &claim, p) {
        Ok(code) => code,
        Err(error) => fail(error),
    }
}

/// `pv/NAME`, `persistentvolume NAME`'s first half with the name, or the name alone.
fn volume_name(text: &str) -> Result<String, String> {
    if !text.contains('/') {
        return Ok(text.to_owned());
    }
    let (kind, name) = split_type_and_name(text, None, "pv/NAME")?;
    match kind_named(kind) {
        Some("PersistentVolume") => Ok(name.to_owned()),
        _ => Err(format!(
            "rebind gives a volume to a claim: give the volume as pv/NAME, not {kind:?}"
        )),
    }
}

fn kind(name: &str) -> &'static LiveKind {
    live_kind(name).expect("a kind the tool reads")
}

fn say(text: &str) -> Result<(), LiveError> {
    emit(text).map_err(|e| LiveError::Config(format!("cannot write the output: {e}")))
}

fn rebind_volume(
    session: &Session,
    args: &RebindArgs,
    volume_name: &str,
    namespace: &str,
    claim_name: &str,
    p: Paint,
) -> Result<u8, LiveError> {
    let pv_target = Target {
        kind: kind("PersistentVolume"),
        namespace: None,
        name: volume_name,
    };
    let claim_target = Target {
        kind: kind("PersistentVolumeClaim"),
        namespace: Some(namespace),
        name: claim_name,
    };
    let Some(mut volume) = session.get(&pv_target)? else {
        return Ok(fail(format!("there is no PersistentVolume {volume_name}")));
    };
    let claim_ref = rebind::claim_ref(&volume);
    let referenced = match &claim_ref {
        Some(r) => session.get(&Target {
            kind: kind("PersistentVolumeClaim"),
            namespace: Some(&r.namespace),
            name: &r.name,
        })?,
        None => None,
    };
    let mut target = session.get(&claim_target)?;
    say(&describe(&volume, referenced.as_ref(), claim_ref.as_ref()))?;
    let steps = match rebind::plan(&Situation {
        volume: &volume,
        referenced: referenced.as_ref(),
        namespace,
        name: claim_name,
        target: target.as_ref(),
        restore_policy: args.restore_reclaim_policy,
    }) {
        Ok(steps) => steps,
        Err(why) => {
            say(&format!("{} {why}\nNothing was changed.\n", p.red("✘")))?;
            return Ok(exit::FINDINGS);
        }
    };
    if steps.is_empty() {
        say(&format!(
            "{} volume {volume_name} is bound to claim {namespace}/{claim_name}: nothing to do.\n",
            p.green("✔")
        ))?;
        return Ok(exit::CLEAN);
    }
    let mut plan = format!("{}\n", p.bold("Plan:"));
    for (n, step) in steps.iter().enumerate() {
        plan.push_str(&format!(
            "  {}. {}\n",
            n + 1,
            describe_step(step, volume_name, namespace, claim_name)
        ));
    }
    say(&plan)?;
    // Each write, checked by the server against the objects as they are now.
    for (n, step) in steps.iter().enumerate() {
        if let Err(refusal) = write(
            session,
            step,
            &volume,
            target.as_ref(),
            namespace,
            claim_name,
            true,
        )? {
            say(&format!(
                "{} step {}: dry run: {refusal}\nNothing was changed.\n",
                p.red("✘"),
                n + 1
            ))?;
            return Ok(exit::FINDINGS);
        }
    }
    say("Dry run: the server accepts every change.\n")?;
    if !args.yes && !confirmed(&format!("Rebind volume {volume_name}?")) {
        say("Nothing was changed: add --yes to rebind.\n")?;
        return Ok(exit::FINDINGS);
    }
    let interval = args.poll_interval.0.unwrap_or(Duration::from_millis(100));
    for (n, step) in steps.iter().enumerate() {
        let what = describe_step(step, volume_name, namespace, claim_name);
        if *step == Step::WaitBound {
            if args.no_wait {
                say(&format!(
                    "The PV controller binds them shortly; `kubectl storage rebind {} --to {namespace}/{claim_name}` again checks it (and goes on with what is left).\n",
                    args.volume
                ))?;
                return Ok(exit::CLEAN);
            }
            let start = Instant::now();
            loop {
                volume = session.get(&pv_target)?.unwrap_or(volume);
                target = session.get(&claim_target)?;
                if target.as_ref().is_some_and(|c| rebind::bound(&volume, c)) {
                    break;
                }
                if args.timeout.0.is_some_and(|t| start.elapsed() >= t) {
                    say(&format!(
                        "{} {}. not bound yet after {}s: run the same command again to go on waiting\n",
                        p.red("✘"),
                        n + 1,
                        start.elapsed().as_secs()
                    ))?;
                    return Ok(exit::FINDINGS);
                }
                session.sleep(interval);
            }
            say(&format!("{} {}. {what}\n", p.green("✔"), n + 1))?;
            continue;
        }
        match write(
            session,
            step,
            &volume,
            target.as_ref(),
            namespace,
            claim_name,
            false,
        )? {
            Ok(Written::Volume(updated)) => volume = updated,
            Ok(Written::Claim(updated)) => target = Some(updated),
            Ok(Written::Nothing) => {}
            Err(refusal) => {
                say(&format!(
                    "{} {}. {what}: {refusal}\n      {}\n",
                    p.red("✘"),
                    n + 1,
                    p.dim("the steps before it are made; run the same command again: it goes on from where it stopped")
                ))?;
                return Ok(exit::FINDINGS);
            }
        }
        say(&format!("{} {}. {what}\n", p.green("✔"), n + 1))?;
    }
    Ok(exit::CLEAN)
}

/// What a write returned, to keep the next write's resourceVersion current.
enum Written {
    Volume(Value),
    Claim(Value),
    Nothing,
}

fn write(
    session: &Session,
    step: &Step,
    volume: &Value,
    target: Option<&Value>,
    namespace: &str,
    claim_name: &str,
    dry_run: bool,
) -> Result<Result<Written, Refusal>, LiveError> {
    let volume_name = volume
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if let Some(body) = step.volume_patch(volume, namespace, claim_name) {
        let pv = Target {
            kind: kind("PersistentVolume"),
            namespace: None,
            name: volume_name,
        };
        return Ok(session.patch(&pv, &body, dry_run)?.map(Written::Volume));
    }
    if let Some(body) = target.and_then(|c| step.claim_patch(c, volume_name)) {
        let pvc = Target {
            kind: kind("PersistentVolumeClaim"),
            namespace: Some(namespace),
            name: claim_name,
        };
        return Ok(session.patch(&pvc, &body, dry_run)?.map(Written::Claim));
    }
    if let Step::CreateClaim(claim) = step {
        return Ok(session
            .create(
                kind("PersistentVolumeClaim"),
                Some(namespace),
                claim,
                dry_run,
            )?
            .map(Written::Claim));
    }
    Ok(Ok(Written::Nothing))
}

/// The volume as it stands: size, class, policy, phase, and whose it was.
fn describe(
    volume: &Value,
    referenced: Option<&Value>,
    claim_ref: Option<&crate::model::ClaimRef>,
) -> String {
    let text = |pointer: &str| {
        volume
            .pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let class = text("/spec/storageClassName");
    let class = if class.is_empty() {
        "no class".to_owned()
    } else {
        format!("class {class}")
    };
    let phase = text("/status/phase");
    let owner = match (claim_ref, referenced) {
        (None, _) => "reserved for no claim".to_owned(),
        (Some(r), None) => format!("its claim {}/{} is gone", r.namespace, r.name),
        (Some(r), Some(claim)) => {
            let uid = claim
                .pointer("/metadata/uid")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if r.uid.as_deref().is_some_and(|u| u != uid) {
                format!(
                    "its claim {}/{} was deleted (a new claim of that name exists)",
                    r.namespace, r.name
                )
            } else {
                format!("claim {}/{}", r.namespace, r.name)
            }
        }
    };
    format!(
        "Volume {}: {}, {class}, reclaim policy {}, {}: {owner}\n",
        text("/metadata/name"),
        volume
            .pointer("/spec/capacity/storage")
            .and_then(Value::as_str)
            .unwrap_or("no capacity"),
        text("/spec/persistentVolumeReclaimPolicy"),
        if phase.is_empty() {
            "no phase".to_owned()
        } else {
            phase
        },
    )
}

fn describe_step(step: &Step, volume: &str, namespace: &str, claim: &str) -> String {
    match step {
        Step::Retain { from } => format!(
            "PersistentVolume {volume}: spec.persistentVolumeReclaimPolicy {from} → Retain, so that nothing deletes the data while it changes hands (the old policy is kept in annotation {POLICY_ANNOTATION})"
        ),
        Step::PointClaimRef { uid: Some(uid) } => format!(
            "PersistentVolume {volume}: spec.claimRef → {namespace}/{claim} (uid {uid})"
        ),
        Step::PointClaimRef { uid: None } => format!(
            "PersistentVolume {volume}: spec.claimRef → {namespace}/{claim}, without the old claim's uid, so that the volume is reserved for the new claim"
        ),
        Step::CreateClaim(object) => {
            let spec = &object["spec"];
            let modes: Vec<&str> = spec["accessModes"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            format!(
                "create PersistentVolumeClaim {namespace}/{claim}: {}, {}, storageClassName {:?}, volumeMode {}, volumeName {volume}",
                spec["resources"]["requests"]["storage"].as_str().unwrap_or("?"),
                modes.join(","),
                spec["storageClassName"].as_str().unwrap_or(""),
                spec["volumeMode"].as_str().unwrap_or("Filesystem"),
            )
        }
        Step::NameVolume => format!(
            "PersistentVolumeClaim {namespace}/{claim}: spec.volumeName → {volume}"
        ),
        Step::WaitBound => format!(
            "the PV controller binds claim {namespace}/{claim} and volume {volume}"
        ),
        Step::RestorePolicy { to } => format!(
            "PersistentVolume {volume}: spec.persistentVolumeReclaimPolicy Retain → {to}, as it was (--restore-reclaim-policy)"
        ),
    }
}
