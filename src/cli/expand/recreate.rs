//! Carrying a StatefulSet's new claim size into its template. The API forbids changing
//! volumeClaimTemplates, so the StatefulSet is deleted with its pods orphaned (they keep
//! running) and created again with the new size, which adopts them. Printed as a plan; done only
//! with `--yes` (or a yes at a terminal), after saving both versions to files.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::expand::statefulset::{recreated, templates};
use crate::live::session::{DeleteOptions, Session, Target as Object};
use crate::live::LiveError;
use crate::model::Quantity;
use crate::render::text::Paint;

use super::super::confirmed;
use super::live::{kind, say};
use super::ExpandArgs;

/// How long the old StatefulSet may take to go (the garbage collector orphans its pods first).
const GONE_WITHIN: Duration = Duration::from_secs(120);

/// Whether the template has the size afterwards (or the plan was only shown).
pub fn carry_over(
    session: &Session,
    set: &Value,
    chosen: &[usize],
    to: &Quantity,
    args: &ExpandArgs,
    p: Paint,
) -> Result<bool, LiveError> {
    let field = |f: &str| {
        set.pointer(&format!("/metadata/{f}"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let (name, namespace) = (field("name"), field("namespace"));
    let all = templates(set);
    let behind: Vec<String> = chosen
        .iter()
        .map(|i| &all[*i])
        .filter(|t| {
            t.request
                .as_deref()
                .and_then(|r| Quantity::parse(r).ok())
                .is_none_or(|r| r != *to)
        })
        .map(|t| {
            format!(
                "{} ({})",
                t.name,
                t.request.as_deref().unwrap_or("no request")
            )
        })
        .collect();
    if behind.is_empty() {
        return Ok(true);
    }
    let again = recreated(set, chosen, to);
    let templates_named = chosen
        .iter()
        .map(|i| all[*i].name.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    say(&format!(
        "
StatefulSet {namespace}/{name} still asks for the old size in template {behind}: claims it makes from now on (new replicas) would get that size. The API forbids changing volumeClaimTemplates, so the size is carried over by creating the StatefulSet again while its pods keep running:
  1. kubectl get statefulset {name} -n {namespace} -o yaml > {name}.yaml
     then, in {name}.yaml, set template {templates_named} to {size} and remove metadata.uid, metadata.resourceVersion and status
  2. kubectl delete statefulset {name} -n {namespace} --cascade=orphan
     (its pods and claims stay)
  3. kubectl create -f {name}.yaml
     (the new StatefulSet adopts the running pods)
Change the size in the manifests it is deployed from too (kubectl storage expand -f PATH sts/{name} --to {size}), or the next deploy is refused.
",
        behind = behind.join(", "),
        size = to.as_str(),
    ))?;
    if !args.yes
        && !confirmed(&format!(
            "Create StatefulSet {namespace}/{name} again with the new size?"
        ))
    {
        say("The template was left as it is: add --yes to carry the size over as above.\n")?;
        return Ok(true);
    }
    let saved = match save(&namespace, &name, set, &again) {
        Ok(saved) => saved,
        Err(error) => {
            say(&format!(
                "{} cannot save the StatefulSet before deleting it ({error}): nothing was changed\n",
                p.red("✘")
            ))?;
            return Ok(false);
        }
    };
    say(&format!(
        "Saved StatefulSet {namespace}/{name} as it was to {} and as it will be to {}\n",
        saved.0.display(),
        saved.1.display()
    ))?;
    let target = Object {
        kind: kind("StatefulSet"),
        namespace: Some(&namespace),
        name: &name,
    };
    let options = DeleteOptions {
        uid: Some(field("uid")).filter(|u| !u.is_empty()),
        resource_version: Some(field("resourceVersion")).filter(|r| !r.is_empty()),
        orphan: true,
    };
    for dry_run in [true, false] {
        if let Err(refusal) = session.delete(&target, &options, dry_run)? {
            say(&format!(
                "{} StatefulSet {namespace}/{name}: {}{refusal}\nNothing was changed.\n",
                p.red("✘"),
                if dry_run { "dry run: " } else { "" }
            ))?;
            return Ok(false);
        }
    }
    say(&format!(
        "{} deleted StatefulSet {namespace}/{name}, leaving its pods and claims\n",
        p.green("✔")
    ))?;
    let start = Instant::now();
    while session.get(&target)?.is_some() {
        if start.elapsed() > GONE_WITHIN {
            say(&format!(
                "{} StatefulSet {namespace}/{name} is still being deleted after {}s; once it is gone, create it again: kubectl create -f {}\n",
                p.red("✘"),
                GONE_WITHIN.as_secs(),
                saved.1.display()
            ))?;
            return Ok(false);
        }
        session.sleep(args.poll_interval());
    }
    match session.create(kind("StatefulSet"), Some(&namespace), &again, false)? {
        Ok(_) => {
            say(&format!(
                "{} created StatefulSet {namespace}/{name} again with its claims at {}; it adopted the running pods\n",
                p.green("✔"),
                to.as_str()
            ))?;
            Ok(true)
        }
        Err(refusal) => {
            say(&format!(
                "{} could not create StatefulSet {namespace}/{name} again: {refusal}\n      {}\n",
                p.red("✘"),
                p.dim(&format!(
                    "its pods and claims are untouched and keep running; create it from the saved copy: kubectl create -f {}",
                    saved.1.display()
                ))
            ))?;
            Ok(false)
        }
    }
}

/// Writes the StatefulSet as it was and as it will be, as JSON (which kubectl reads), beside
/// each other in the temporary folder.
fn save(
    namespace: &str,
    name: &str,
    before: &Value,
    after: &Value,
) -> std::io::Result<(PathBuf, PathBuf)> {
    let dir = std::env::temp_dir();
    let rv = before
        .pointer("/metadata/resourceVersion")
        .and_then(Value::as_str)
        .unwrap_or("0");
    let stem = format!("kubectl-storage-statefulset-{namespace}-{name}-{rv}");
    let paths = (
        dir.join(format!("{stem}.before.json")),
        dir.join(format!("{stem}.after.json")),
    );
    for (path, object) in [(&paths.0, before), (&paths.1, after)] {
        let text = serde_json::to_string_pretty(object).map_err(std::io::Error::other)?;
        crate::fix::files::write_atomically(path, &format!("{text}\n"))?;
    }
    Ok(paths)
}
