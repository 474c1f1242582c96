//! Backlog.md as a [`Tracker`]: the `backlog` commands a finding's help quotes, and the
//! names Backlog.md gives a task (its CLI number, its file-name stem).

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

impl TaskId {
    /// The lowercase stem Backlog.md uses at the start of file names (`task-12.1`),
    /// without zero padding.
    pub fn file_stem(&self) -> String {
        self.canonical().to_ascii_lowercase()
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
        assert_eq!(
            BACKLOG_MD.edit(None, &[Edit::Assign]),
            "backlog task edit N -a @name"
        );
    }
}
