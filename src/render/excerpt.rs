//! The lines a finding's snippet shows, cut out of its file. miette finds a span's line by
//! reading its source from the start, so handing it a whole file makes each finding cost what
//! the file costs (minutes for a dump of thousands of objects), and a dump written on one line
//! would be printed whole under every finding. An excerpt holds only the lines around the
//! finding, a long line cut to the part around it, and tells miette where they are in the file.

use miette::{MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

use crate::load::source::Location;

/// How far from the finding a line is read before it counts as long and is cut.
const REACH: usize = 512;
/// How much of a long line is shown before and after the finding's start.
const BEFORE_CUT: usize = 60;
const AFTER_CUT: usize = 120;
const ELLIPSIS: &str = "…";

/// A window of a file: whole lines around a finding, or part of a long line.
pub struct Excerpt {
    name: String,
    text: String,
    /// Where `text` would start in the file (a cut line's leading "…" stands just before it).
    offset: usize,
    /// The 0-based line and the column, in bytes, `text` starts at.
    line: usize,
    column: usize,
}

impl Excerpt {
    /// The lines `context` lines around `location`, in `file_text`.
    pub fn new(file_text: &str, location: &Location, context: usize) -> Excerpt {
        let offset = floor_boundary(file_text, location.offset.min(file_text.len()));
        let line = (location.line as usize).saturating_sub(1);
        let name = location.file.clone();
        let (Some(mut start), Some(mut end)) =
            (line_start(file_text, offset), line_end(file_text, offset))
        else {
            return Excerpt::cut(file_text, location, offset, name, line);
        };
        // Whole lines before and after, as long as they are short.
        let mut first_line = line;
        for _ in 0..context {
            match start
                .checked_sub(1)
                .and_then(|end| line_start(file_text, end))
            {
                Some(before) => {
                    start = before;
                    first_line = first_line.saturating_sub(1);
                }
                None => break,
            }
        }
        // One line more than shown: miette reads a span ending on a "\r\n" as reaching the next.
        for _ in 0..=context {
            match (end < file_text.len()).then(|| line_end(file_text, end + 1)) {
                Some(Some(after)) => end = after,
                _ => break,
            }
        }
        // The newline after the last line: miette reads it as the line's end.
        let end = (end + 1).min(file_text.len());
        Excerpt {
            name,
            text: file_text[start..end].to_owned(),
            offset: start,
            line: first_line,
            column: 0,
        }
    }

    /// Part of a long line: some of what precedes the finding and what follows, each end that
    /// is not the line's marked with "…".
    fn cut(file_text: &str, location: &Location, at: usize, name: String, line: usize) -> Excerpt {
        let start = floor_boundary(file_text, at.saturating_sub(BEFORE_CUT));
        let start = file_text[start..at]
            .rfind('\n')
            .map_or(start, |newline| start + newline + 1);
        // Too near the file's start to be worth cutting.
        let start = if start < ELLIPSIS.len() { 0 } else { start };
        let end = floor_boundary(file_text, (at + AFTER_CUT).min(file_text.len()));
        let end = file_text[at..end]
            .find('\n')
            .map_or(end, |newline| at + newline);
        let mut text = String::with_capacity(end - start + 2 * ELLIPSIS.len());
        let cut_before = !(start == 0 || file_text.as_bytes()[start - 1] == b'\n');
        if cut_before {
            text.push_str(ELLIPSIS);
        }
        text.push_str(&file_text[start..end]);
        if end < file_text.len() && file_text.as_bytes()[end] != b'\n' {
            text.push_str(ELLIPSIS);
        }
        let lead = if cut_before { ELLIPSIS.len() } else { 0 };
        // miette adds the bytes before the label to the column the text starts at; the header
        // it prints then says the location's own column.
        let column = (location.column as usize)
            .saturating_sub(1)
            .saturating_sub(lead + (at - start));
        Excerpt {
            name,
            text,
            offset: start - lead,
            line,
            column,
        }
    }

    /// The span to label: from the location to the end of its line at most (a whole mapping
    /// would bury the label), within the excerpt, at least one byte long.
    pub fn label(&self, location: &Location) -> (usize, usize) {
        let local = location
            .offset
            .saturating_sub(self.offset)
            .min(self.text.len());
        let rest = &self.text[floor_boundary(&self.text, local)..];
        let line = rest.find('\n').unwrap_or(rest.len());
        (
            self.offset + local,
            location.len.min(line).max(1).min(rest.len().max(1)),
        )
    }
}

impl SourceCode for Excerpt {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let local = span
            .offset()
            .checked_sub(self.offset)
            .filter(|local| *local <= self.text.len())
            .ok_or(MietteError::OutOfBounds)?;
        let inner = self.text.as_bytes().read_span(
            &SourceSpan::new(local.into(), span.len()),
            context_lines_before,
            context_lines_after,
        )?;
        let column = match inner.line() {
            0 => inner.column() + self.column,
            _ => inner.column(),
        };
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            SourceSpan::new(
                (inner.span().offset() + self.offset).into(),
                inner.span().len(),
            ),
            inner.line() + self.line,
            column,
            inner.line_count(),
        )))
    }
}

/// The start of the line holding `at`, when it is near.
fn line_start(text: &str, at: usize) -> Option<usize> {
    let from = at.saturating_sub(REACH);
    match text.as_bytes()[from..at].iter().rposition(|&b| b == b'\n') {
        Some(newline) => Some(from + newline + 1),
        None if from == 0 => Some(0),
        None => None,
    }
}

/// The end of the line holding `at` (its newline, or the text's end), when it is near.
fn line_end(text: &str, at: usize) -> Option<usize> {
    let to = (at + REACH).min(text.len());
    match text.as_bytes()[at..to].iter().position(|&b| b == b'\n') {
        Some(newline) => Some(at + newline),
        None if to == text.len() => Some(to),
        None => None,
    }
}

/// The nearest character boundary at or before `at`.
fn floor_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

#[cfg(test)]
mod tests {
    use miette::{
        GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, NamedSource,
    };

    use super::*;
    use crate::load::source::FileId;

    fn location(text: &str, offset: usize, len: usize) -> Location {
        let before = &text[..offset];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        Location {
            file: "f.yaml".to_owned(),
            line: before.matches('\n').count() as u32 + 1,
            column: before[line_start..].chars().count() as u32 + 1,
            offset,
            len,
            file_id: FileId(0),
        }
    }

    fn render(source: impl SourceCode + 'static, offset: usize, len: usize) -> String {
        let diag =
            MietteDiagnostic::new("m").with_label(LabeledSpan::at(offset..offset + len, "here"));
        let report = miette::Report::new(diag).with_source_code(source);
        let mut out = String::new();
        GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
            .with_width(100)
            .render_report(&mut out, report.as_ref())
            .unwrap();
        out
    }

    /// Where lines are short, the excerpt shows what miette shows given the whole file.
    #[test]
    fn short_lines_show_as_miette_shows_the_whole_file() {
        let text = "a: 1\r\nkind: Größe\nspec:\n  x: [1, 2]\n\n  y: \"é\"\nlast: z";
        let offsets = text.char_indices().map(|(offset, _)| offset);
        for offset in offsets.chain([text.len()]) {
            for len in [0, 1, 3] {
                let at = location(text, offset, len);
                let excerpt = Excerpt::new(text, &at, 1);
                let (start, len) = excerpt.label(&at);
                let whole = NamedSource::new("f.yaml", text.to_owned());
                assert_eq!(
                    render(excerpt, start, len),
                    render(whole, start, len),
                    "at {offset}"
                );
            }
        }
    }

    #[test]
    fn a_long_line_is_cut_around_the_finding_and_keeps_its_column() {
        let text = format!(
            "{{\"items\":[{}]}}",
            r#"{"kind":"X","name":"n"},"#.repeat(2000)
        );
        let offset = text.len() / 2;
        let offset = offset + text[offset..].find("\"name\"").unwrap();
        let at = location(&text, offset, 6);
        let excerpt = Excerpt::new(&text, &at, 1);
        assert!(excerpt.text.len() < 200, "{}", excerpt.text.len());
        assert!(excerpt.text.starts_with('…') && excerpt.text.ends_with('…'));
        let (start, len) = excerpt.label(&at);
        assert_eq!((start, len), (offset, 6));
        let out = render(excerpt, start, len);
        assert!(out.contains(&format!("[f.yaml:1:{}]", at.column)), "{out}");
        assert!(out.contains("…{\"kind\":\"X\",\"name\""), "{out}");
    }

    #[test]
    fn a_cut_line_near_either_end_of_the_file_is_marked_only_where_cut() {
        let text = "x".repeat(3000);
        for offset in [0, 2, 41, 1500, 2999, 3000] {
            let at = location(&text, offset, 1);
            let excerpt = Excerpt::new(&text, &at, 1);
            assert_eq!(
                excerpt.text.starts_with('…'),
                offset > BEFORE_CUT,
                "{offset}"
            );
            assert_eq!(
                excerpt.text.ends_with('…'),
                offset + AFTER_CUT < 3000,
                "{offset}"
            );
            let (start, len) = excerpt.label(&at);
            let out = render(excerpt, start, len);
            assert!(out.contains(&format!("[f.yaml:1:{}]", offset + 1)), "{out}");
        }
    }
}
