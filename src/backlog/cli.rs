//! Backlog.md as a [`Tracker`]: the `backlog` commands a finding's help quotes, and the
//! names Backlog.md gives a task: its CLI number, the ID as written, the file name.

use crate::tracker::{Edit, TaskId, Tracker};

/// The Backlog.md CLI (`backlog task …`).
#[derive(Debug)]
pub struct BacklogMd;

/// The tracker every task file read from a Backlog.md backlog names.
pub static BACKLOG_MD: BacklogMd = BacklogMd;

impl Tracker for BacklogMd {
    fn name(&self) -> &'static str {
        "Backlog.md"
    }

    fn create(&self) -> String {
        "backlog task create".to_string()
    }

    fn archive(&self, id: &TaskId) -> String {
        format!("backlog task archive {}", cli_number(id))
    }

    fn edit(&self, id: Option<&TaskId>, edits: &[Edit<'_>]) -> String {
        let number = id.map_or_else(|| "N".to_string(), cli_number);
        let mut command = format!("backlog task edit {number}");
        for edit in edits {
            command.push(' ');
            command.push_str(&match edit {
                Edit::CheckCriterion(k) => format!("--check-ac {k}"),
                Edit::CheckDone(k) => format!("--check-dod {k}"),
                Edit::Assign => "-a @name".to_string(),
                Edit::FinalSummary => "--final-summary \"what was done\"".to_string(),
                Edit::Notes => "--notes \"how it was done\"".to_string(),
                Edit::AddReference(link) => format!("--add-ref \"{link}\""),
                Edit::Status(status) => format!("-s \"{status}\""),
            });
        }
        command
    }
}

/// The number Backlog.md's CLI takes for a task (`12`, `12.1`).
pub fn cli_number(id: &TaskId) -> String {
    id.parts()
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(".")
}

/// An ID the way Backlog.md writes it: uppercase prefix, the first number zero-padded to
/// `pad` digits when the backlog's `zero_padded_ids` says so (`TASK-007.1`).
pub fn written_id(prefix: &str, parts: &[u64], pad: Option<u32>) -> String {
    let mut s = prefix.to_ascii_uppercase();
    for (i, n) in parts.iter().enumerate() {
        s.push(if i == 0 { '-' } else { '.' });
        match (i, pad) {
            (0, Some(w)) => s.push_str(&format!("{n:0w$}", w = w as usize)),
            _ => s.push_str(&n.to_string()),
        }
    }
    s
}

impl TaskId {
    /// The ID the way Backlog.md writes it (see [`written_id`]).
    pub fn written(&self, pad: Option<u32>) -> String {
        written_id(self.prefix(), self.parts(), pad)
    }

    /// The lowercase stem Backlog.md starts a file name with, first number zero-padded
    /// to `pad` digits (`task-007.1`).
    pub fn padded_file_stem(&self, pad: Option<u32>) -> String {
        self.written(pad).to_ascii_lowercase()
    }

    /// The lowercase stem without zero padding (`task-12.1`): how Backlog.md names a task
    /// file when `zero_padded_ids` is unset, and flowspec its task memory.
    pub fn file_stem(&self) -> String {
        self.padded_file_stem(None)
    }
}

/// Backlog.md's title slug: spaces become `-`, some punctuation is dropped, and
/// characters that are unsafe in file names become `-`.
pub fn title_slug(title: &str) -> String {
    title
        .trim()
        .chars()
        .filter(|c| !"'(),!@#$%^&+=[]{};`".contains(*c))
        .map(|c| {
            if c.is_whitespace() || "<>:\"/\\|?*".contains(c) {
                '-'
            } else {
                c
            }
        })
        .collect()
}

/// The file name Backlog.md gives a task with this ID and title (`task-7 - Fix-login.md`),
/// the ID's first number zero-padded to `pad` digits.
pub fn file_name(id: &TaskId, title: Option<&str>, pad: Option<u32>) -> String {
    let stem = id.padded_file_stem(pad);
    match title.map(title_slug).filter(|s| !s.is_empty()) {
        Some(slug) => format!("{stem} - {slug}.md"),
        None => format!("{stem}.md"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrases_the_backlog_commands() {
        let id = TaskId::parse("task-012.01").unwrap();
        assert_eq!(BACKLOG_MD.archive(&id), "backlog task archive 12.1");
        assert_eq!(
            BACKLOG_MD.edit(
                Some(&id),
                &[
                    Edit::CheckCriterion(2),
                    Edit::CheckDone(1),
                    Edit::Status("Done")
                ]
            ),
            "backlog task edit 12.1 --check-ac 2 --check-dod 1 -s \"Done\""
        );
        assert_eq!(id.file_stem(), "task-12.1");
        let seven = TaskId::parse("TASK-7").unwrap();
        assert_eq!(seven.written(Some(3)), "TASK-007");
        assert_eq!(
            file_name(&seven, Some("Fix login"), Some(3)),
            "task-007 - Fix-login.md"
        );
        assert_eq!(file_name(&seven, Some("  "), None), "task-7.md");
        assert!(file_name(&id, Some("X"), None).starts_with(&id.file_stem()));
        assert_eq!(
            BACKLOG_MD.edit(None, &[Edit::Assign]),
            "backlog task edit N -a @name"
        );
    }

    #[test]
    fn slugs_follow_backlog_md() {
        assert_eq!(title_slug("Set up gate"), "Set-up-gate");
        assert_eq!(title_slug("Fix (it)! a/b: c?"), "Fix-it-a-b--c-");
    }
}
