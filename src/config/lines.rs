//! The `set`, `deactivate`, `annotate` ... lines a structured document
//! (JSON, XML) stands for, written as it is walked: the words of the level
//! being read are one prefix, cut back as each level ends, and every line
//! goes into one string for the `set` reader. Built word by word from
//! owned vectors instead, the lines cost a load more than reading them.

use super::print::quoted;

pub(super) struct Lines {
    out: String,
    /// The words above the statement being read, each followed by a space.
    prefix: String,
}

impl Lines {
    /// Room for the lines of a document of `size` bytes.
    pub fn for_document(size: usize) -> Lines {
        Lines { out: String::with_capacity(size / 2), prefix: String::new() }
    }

    /// The lines written, each ended by a newline.
    pub fn into_text(self) -> String {
        self.out
    }

    /// Where the prefix ends now, to [`cut`](Self::cut) it back to.
    pub fn depth(&self) -> usize {
        self.prefix.len()
    }

    pub fn cut(&mut self, depth: usize) {
        self.prefix.truncate(depth);
    }

    /// How much has been written, to tell whether a level wrote anything.
    pub fn written(&self) -> usize {
        self.out.len()
    }

    /// Adds a word, quoted where it needs to be, to the prefix.
    pub fn word(&mut self, word: &str) {
        self.prefix.push_str(&quoted(word));
        self.prefix.push(' ');
    }

    /// `VERB PREFIX`, then ` TAIL` unless `tail` is empty.
    pub fn line(&mut self, verb: &str, tail: &str) {
        self.out.push_str(verb);
        self.out.push(' ');
        self.out.push_str(self.prefix.trim_end());
        if !tail.is_empty() {
            self.out.push(' ');
            self.out.push_str(tail);
        }
        self.out.push('\n');
    }

    /// ` interfaces ge-0/0/0`: the level as `[edit ...]` names it.
    pub fn edit_path(&self) -> String {
        match self.prefix.trim_end() {
            "" => String::new(),
            path => format!(" {path}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_the_prefix_and_their_tail() {
        let mut lines = Lines::for_document(0);
        assert_eq!(lines.edit_path(), "");
        lines.word("interfaces");
        let level = lines.depth();
        lines.word("ge-0/0/0");
        lines.line("set", "description \"a b\"");
        lines.line("deactivate", "");
        assert_eq!(lines.edit_path(), " interfaces ge-0/0/0");
        lines.cut(level);
        lines.word("two words");
        lines.line("set", "");
        assert_eq!(
            lines.into_text(),
            "set interfaces ge-0/0/0 description \"a b\"\ndeactivate interfaces ge-0/0/0\n\
             set interfaces \"two words\"\n"
        );
    }
}
