//! Fixing manifests: plan, make the fixes' text edits, plan the edited texts again, until no
//! fix is left (a fix can make another one possible, or two may touch the same span); then the
//! changes are shown as a unified diff or written, each file atomically.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::findings::selection::Selection;
use crate::findings::Finding;
use crate::load::text::Text;
use crate::load::{InputText, LoadOptions, Loader};
use crate::report;

use super::text::{self, TextEdit};
use super::{FieldEdit, FixNote};

/// Rounds of planning and editing at most: a fix that keeps reappearing must not loop forever.
const MAX_ROUNDS: usize = 10;

/// One input, before and after its fixes.
#[derive(Debug)]
pub struct FixedFile {
    pub name: String,
    pub path: Option<PathBuf>,
    pub before: String,
    pub after: String,
}

impl FixedFile {
    pub fn changed(&self) -> bool {
        self.before != self.after
    }

    /// The change as a unified diff (`--- a/NAME`, `+++ b/NAME`), empty when nothing changed.
    pub fn diff(&self) -> String {
        if !self.changed() {
            return String::new();
        }
        similar::TextDiff::from_lines(&self.before, &self.after)
            .unified_diff()
            .context_radius(3)
            .header(&format!("a/{}", self.name), &format!("b/{}", self.name))
            .to_string()
    }
}

/// What fixing the inputs did.
#[derive(Debug, Default)]
pub struct Outcome {
    pub files: Vec<FixedFile>,
    pub applied: Vec<FixNote>,
    /// Fixes left out: unsafe ones without `--unsafe-fixes`, and those that could not be made.
    pub left: Vec<FixNote>,
    /// Findings left once the fixes are made, by rule, fixable or not.
    pub remaining: Vec<Finding>,
}

/// Applies the selected rules' fixes (`unsafe` ones too when `unsafe_fixes`) to the texts.
pub fn fix(
    inputs: Vec<InputText>,
    options: &LoadOptions,
    selection: &Selection,
    unsafe_fixes: bool,
) -> Outcome {
    let mut texts: Vec<String> = inputs.iter().map(|i| i.text.to_string()).collect();
    let mut applied = Vec::new();
    let mut left = Vec::new();
    let mut remaining = Vec::new();
    for round in 0..MAX_ROUNDS {
        let current = inputs.iter().zip(&texts).map(|(i, t)| (&*i.name, &**t));
        let loaded = load_texts(current, options);
        let (findings, _, _) = report::findings(&loaded, selection);
        let mut edits: Vec<Vec<(usize, TextEdit)>> = vec![Vec::new(); texts.len()];
        let mut made: Vec<(usize, FixNote)> = Vec::new();
        left.clear();
        for (index, finding) in findings.iter().enumerate() {
            let Some(fix) = &finding.fix else {
                continue;
            };
            let at = finding.pointer.as_ref().map(|p| p.locate(&loaded.sources));
            let note = FixNote::new(finding, fix, at, unsafe_fixes);
            if note.why_not.is_some() {
                left.push(note);
                continue;
            }
            let mut fix_edits = Vec::new();
            let mut problem = None;
            for edit in &fix.edits {
                let Some(source) = &edit.source else {
                    problem = Some(format!("{} is not in a file", edit.object));
                    break;
                };
                let file = source.file.0 as usize;
                match text::edits(&texts[file], source, &edit.path, &edit.change) {
                    Ok(found) => fix_edits.extend(found.into_iter().map(|e| (file, e))),
                    Err(why) => {
                        problem = Some(why);
                        break;
                    }
                }
            }
            if let Some(why) = problem {
                left.push(note.cannot(why));
                continue;
            }
            if fix_edits.is_empty() {
                continue;
            }
            for (file, edit) in fix_edits {
                edits[file].push((index, edit));
            }
            made.push((index, note));
        }
        if made.is_empty() || round + 1 == MAX_ROUNDS {
            remaining = findings;
            break;
        }
        // Apply per file; a fix whose edit overlaps another's waits for the next round.
        let mut postponed = std::collections::HashSet::new();
        for (file, file_edits) in edits.into_iter().enumerate() {
            if file_edits.is_empty() {
                continue;
            }
            let plain: Vec<TextEdit> = file_edits.iter().map(|(_, e)| e.clone()).collect();
            let (after, not_applied) = text::apply(&texts[file], plain);
            for edit in &not_applied {
                if let Some((index, _)) = file_edits.iter().find(|(_, e)| e == edit) {
                    postponed.insert(*index);
                }
            }
            texts[file] = after;
        }
        applied.extend(
            made.into_iter()
                .filter(|(index, _)| !postponed.contains(index))
                .map(|(_, note)| note),
        );
    }
    let place = |n: &FixNote| n.at.as_ref().map(|l| (l.file.clone(), l.line, l.column));
    applied.sort_by_key(place);
    left.sort_by_key(place);
    let files = inputs
        .into_iter()
        .zip(texts)
        .map(|(input, after)| FixedFile {
            name: input.name,
            path: input.path,
            before: input.text.into_string(),
            after,
        })
        .collect();
    Outcome {
        files,
        applied,
        left,
        remaining,
    }
}

/// Loads texts so that each object's source names its input by position, as the edits expect.
/// Takes each input's name and text.
pub fn load_texts<'a>(
    texts: impl IntoIterator<Item = (&'a str, &'a str)>,
    options: &LoadOptions,
) -> crate::load::Loaded {
    let mut loader = Loader::new(options);
    for (name, text) in texts {
        loader.add_text(
            name.to_owned(),
            std::sync::Arc::new(Text::from(text.to_owned())),
        );
    }
    loader.finish()
}

/// Makes field edits of objects loaded by [`load_texts`] in their texts, once: each input
/// before and after, or why an edit cannot be made.
pub fn edit(inputs: Vec<InputText>, edits: &[FieldEdit]) -> Result<Vec<FixedFile>, String> {
    let mut per_file: Vec<Vec<TextEdit>> = vec![Vec::new(); inputs.len()];
    for edit in edits {
        let Some(source) = &edit.source else {
            return Err(format!("{} is not in a file", edit.object));
        };
        let file = source.file.0 as usize;
        let found = text::edits(&inputs[file].text, source, &edit.path, &edit.change)
            .map_err(|why| format!("{}: {why}", edit.object))?;
        per_file[file].extend(found);
    }
    let mut files = Vec::with_capacity(inputs.len());
    for (input, edits) in inputs.into_iter().zip(per_file) {
        let (after, not_applied) = text::apply(&input.text, edits);
        if !not_applied.is_empty() {
            return Err(format!("two changes of {} overlap", input.name));
        }
        files.push(FixedFile {
            name: input.name,
            path: input.path,
            before: input.text.into_string(),
            after,
        });
    }
    Ok(files)
}

/// Writes a file atomically: a temporary file beside it, with its permissions, renamed over it.
pub fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut temp = tempfile::Builder::new()
        .prefix(".kubectl-storage-fix")
        .tempfile_in(dir)?;
    temp.write_all(text.as_bytes())?;
    temp.as_file().sync_all()?;
    if let Ok(meta) = std::fs::metadata(path) {
        temp.as_file().set_permissions(meta.permissions())?;
    }
    temp.persist(path).map_err(|e| e.error)?;
    Ok(())
}
