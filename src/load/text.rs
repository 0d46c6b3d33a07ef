//! An input's text: read into memory, or, for a large file, mapped from it.
//!
//! A mapped file's pages belong to the page cache: the process holds only those it touched
//! and has not handed back. Loading reads a large dump once, front to back, and hands pages
//! back behind itself ([`Text::release_between`]); locating findings reads objects again and
//! hands them back as it goes ([`Text::release`]). So a 3 GB dump does not stay resident
//! beside the snapshot made from it, and no copy of it is ever made.
//!
//! A mapping reads what the file holds when a page is touched: a file truncated while the
//! plan runs ends it with SIGBUS, and one rewritten in place may read as a mix of both
//! versions. Only files of [`MAP_FROM`] bytes or more are mapped (dumps, not the manifests a
//! pre-commit hook checks while an editor may be saving them).

use std::fs::File;
use std::io::{self, Read};
use std::ops::Deref;
use std::path::Path;

/// Files at least this large are mapped; smaller ones are read.
pub const MAP_FROM: u64 = 1 << 20;

pub struct Text(Repr);

enum Repr {
    Owned(String),
    /// Checked to be UTF-8 when mapped.
    Mapped(memmap2::Mmap),
}

/// The file is not UTF-8.
#[derive(Debug)]
pub struct NotUtf8;

impl Text {
    /// Reads or maps `path`. The outer error is the file's; the inner, its content's.
    pub fn read(path: &Path) -> io::Result<Result<Text, NotUtf8>> {
        let mut file = File::open(path)?;
        let len = file.metadata()?.len();
        if len >= MAP_FROM {
            // SAFETY: the map is only read. Its pages are what the file holds; see the module's
            // doc for what a file changed meanwhile does.
            let map = unsafe { memmap2::Mmap::map(&file)? };
            return Ok(match std::str::from_utf8(&map) {
                Ok(_) => {
                    let text = Text(Repr::Mapped(map));
                    // Validating touched every page: none is needed until parsing.
                    text.release();
                    Ok(text)
                }
                Err(_) => Err(NotUtf8),
            });
        }
        let mut bytes = Vec::with_capacity(len as usize);
        file.read_to_end(&mut bytes)?;
        Ok(String::from_utf8(bytes)
            .map(Text::from)
            .map_err(|_| NotUtf8))
    }

    /// Hands back the pages of a mapped text from `start` to `end`: each is read again from
    /// the file if touched later. Nothing for a text in memory. Handing back walks the pages
    /// of the range, so a text read front to back hands back only what it read since the last
    /// time, not all before.
    pub fn release_between(&self, start: usize, end: usize) {
        if let Repr::Mapped(map) = &self.0 {
            let end = end.min(map.len());
            if start < end {
                // SAFETY: a private mapping this process never writes: dropping its pages only
                // makes the next read fetch them from the file again (the pages under `start`
                // and `end` too, when the range is widened to whole pages).
                let _ = unsafe {
                    map.unchecked_advise_range(
                        memmap2::UncheckedAdvice::DontNeed,
                        start,
                        end - start,
                    )
                };
            }
        }
    }

    /// Hands back every page of a mapped text (see [`Text::release_between`]).
    pub fn release(&self) {
        self.release_between(0, usize::MAX);
    }

    /// Whether the text is mapped from its file.
    pub fn is_mapped(&self) -> bool {
        matches!(self.0, Repr::Mapped(_))
    }

    pub fn into_string(self) -> String {
        match self.0 {
            Repr::Owned(text) => text,
            Repr::Mapped(_) => self.deref().to_owned(),
        }
    }
}

impl From<String> for Text {
    fn from(text: String) -> Text {
        Text(Repr::Owned(text))
    }
}

impl Default for Text {
    fn default() -> Text {
        Text::from(String::new())
    }
}

impl Deref for Text {
    type Target = str;

    fn deref(&self) -> &str {
        match &self.0 {
            Repr::Owned(text) => text,
            // SAFETY: checked to be UTF-8 when mapped.
            Repr::Mapped(map) => unsafe { std::str::from_utf8_unchecked(map) },
        }
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        self
    }
}

impl std::fmt::Debug for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            Repr::Owned(text) => std::fmt::Debug::fmt(text, f),
            Repr::Mapped(map) => write!(f, "<{} bytes mapped>", map.len()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_large_file_is_mapped_and_reads_as_its_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("dump.json");
        let body = "é".repeat(MAP_FROM as usize);
        std::fs::write(&path, &body).unwrap();
        let text = Text::read(&path).unwrap().unwrap();
        assert!(text.is_mapped());
        text.release_between(0, 12_345);
        text.release_between(20_001, 30_000);
        text.release_between(9, 3);
        assert_eq!(&*text, body);
        text.release();
        assert_eq!(&text[..4], "éé");
    }

    #[test]
    fn a_small_file_is_read_and_a_file_not_utf8_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let small = dir.path().join("pvc.yaml");
        std::fs::write(&small, "kind: PersistentVolumeClaim\n").unwrap();
        let text = Text::read(&small).unwrap().unwrap();
        assert!(!text.is_mapped());
        assert_eq!(&*text, "kind: PersistentVolumeClaim\n");
        for size in [10, MAP_FROM as usize] {
            let bad = dir.path().join(format!("bad-{size}"));
            let mut bytes = vec![b'a'; size];
            bytes[size / 2] = 0xff;
            std::fs::write(&bad, bytes).unwrap();
            assert!(Text::read(&bad).unwrap().is_err());
        }
    }
}
