//! Status workflows: the configured statuses, the legal moves between them, the statuses
//! new tasks may start in, and the guards on entering a status.

pub mod flowspec;

use std::collections::BTreeMap;

use crate::backlog::BacklogConfig;
use crate::config::WorkflowSection;

/// A status as read from a task, resolved against the configured list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusRef {
    /// Exactly a configured status (index into [`Workflow::statuses`]).
    Known(usize),
    /// A configured status when case and spaces are ignored (`To do`).
    Misspelled(usize),
    /// `Draft`: always known.
    Draft,
    /// Not configured.
    Unknown,
}

impl StatusRef {
    /// The configured index, for known and misspelled statuses.
    pub fn index(self) -> Option<usize> {
        match self {
            StatusRef::Known(i) | StatusRef::Misspelled(i) => Some(i),
            _ => None,
        }
    }
}

/// A condition to enter a status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Guard {
    /// Every acceptance criterion is checked.
    AcceptanceCriteriaChecked,
    /// Every Definition of Done item is checked.
    DefinitionOfDoneChecked,
    /// The task links to a spec section.
    HasSpecLink,
    /// The task has an assignee.
    HasAssignee,
    /// Every dependency is in `completed/` or in the last status.
    DependenciesDone,
    /// The task has a Final Summary.
    HasFinalSummary,
    /// The task has Implementation Notes.
    HasImplementationNotes,
    /// Definition of Ready: the spec sections the task links to hold no open marker or
    /// template placeholder, and their spec-kit features' checklists no unchecked item.
    SpecReady,
}

impl Guard {
    /// Every guard with its configuration name.
    pub const ALL: [(Guard, &'static str); 8] = [
        (
            Guard::AcceptanceCriteriaChecked,
            "acceptance-criteria-checked",
        ),
        (Guard::DefinitionOfDoneChecked, "definition-of-done-checked"),
        (Guard::HasSpecLink, "has-spec-link"),
        (Guard::HasAssignee, "has-assignee"),
        (Guard::DependenciesDone, "dependencies-done"),
        (Guard::HasFinalSummary, "has-final-summary"),
        (Guard::HasImplementationNotes, "has-implementation-notes"),
        (Guard::SpecReady, "spec-ready"),
    ];

    /// The guards on entering the last status when the configuration names none: every
    /// acceptance criterion and every Definition of Done item checked.
    pub const LAST_STATUS_DEFAULT: [Guard; 2] = [
        Guard::AcceptanceCriteriaChecked,
        Guard::DefinitionOfDoneChecked,
    ];

    /// Parses a guard's configuration name.
    pub fn parse(name: &str) -> Option<Guard> {
        Guard::ALL
            .iter()
            .find(|(_, n)| n.eq_ignore_ascii_case(name.trim()))
            .map(|(g, _)| *g)
    }

    /// The guard's configuration name.
    pub fn name(self) -> &'static str {
        Guard::ALL
            .iter()
            .find(|(g, _)| *g == self)
            .map_or("", |(_, n)| n)
    }
}

/// The status axis of the workflow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workflow {
    /// Configured statuses in order.
    pub statuses: Vec<String>,
    /// Explicit transitions (from → allowed targets); `None` = the default workflow.
    transitions: Option<BTreeMap<usize, Vec<usize>>>,
    /// Statuses a new task may start in; `None` = any but the last.
    initial: Option<Vec<usize>>,
    /// Guards per target status.
    pub guards: BTreeMap<usize, Vec<Guard>>,
}

/// A workflow configuration that names unknown statuses or guards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkflowError {
    /// What is wrong, e.g. "unknown status `Doen` in workflow.transitions".
    pub message: String,
    /// The nearest valid name.
    pub help: Option<String>,
    /// The offending name, to locate in the config file.
    pub needle: String,
}

fn normalise(status: &str) -> String {
    status
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

impl Workflow {
    /// Builds the workflow from the backlog's statuses and flowgate's `workflow:` section.
    pub fn new(
        backlog: &BacklogConfig,
        section: &WorkflowSection,
    ) -> Result<Workflow, WorkflowError> {
        Workflow::with_statuses(backlog.statuses.clone(), section)
    }

    /// Builds the workflow from a tracker's statuses (in board order) and flowgate's
    /// `workflow:` section.
    pub fn with_statuses(
        statuses: Vec<String>,
        section: &WorkflowSection,
    ) -> Result<Workflow, WorkflowError> {
        let mut wf = Workflow {
            statuses,
            transitions: None,
            initial: None,
            guards: BTreeMap::new(),
        };
        if let Some(last) = wf.statuses.len().checked_sub(1) {
            wf.guards.insert(last, Guard::LAST_STATUS_DEFAULT.to_vec());
        }
        let index = |wf: &Workflow, name: &str, key: &str| -> Result<usize, WorkflowError> {
            match wf.resolve(name) {
                StatusRef::Known(i) | StatusRef::Misspelled(i) => Ok(i),
                _ => Err(WorkflowError {
                    message: format!("unknown status `{name}` in workflow.{key}"),
                    help: Some(
                        match crate::text::nearest(name, wf.statuses.iter().map(String::as_str)) {
                            Some(s) => {
                                format!("did you mean `{s}`? configured statuses: {}", wf.list())
                            }
                            None => format!("configured statuses: {}", wf.list()),
                        },
                    ),
                    needle: name.to_string(),
                }),
            }
        };
        if let Some(map) = &section.transitions {
            let mut t = BTreeMap::new();
            for (from, tos) in map {
                let f = index(&wf, from, "transitions")?;
                let mut targets = Vec::new();
                for to in tos {
                    targets.push(index(&wf, to, "transitions")?);
                }
                t.insert(f, targets);
            }
            wf.transitions = Some(t);
        }
        if let Some(list) = &section.initial {
            let mut v = Vec::new();
            for s in list {
                v.push(index(&wf, s, "initial")?);
            }
            wf.initial = Some(v);
        }
        if let Some(map) = &section.guards {
            wf.guards.clear();
            for (status, names) in map {
                let i = index(&wf, status, "guards")?;
                let mut guards = Vec::new();
                for name in names {
                    let g = Guard::parse(name).ok_or_else(|| WorkflowError {
                        message: format!("unknown guard `{name}` in workflow.guards"),
                        help: Some(
                            match crate::text::nearest(name, Guard::ALL.iter().map(|(_, n)| *n)) {
                                Some(n) => format!("did you mean `{n}`?"),
                                None => format!(
                                    "known guards: {}",
                                    Guard::ALL
                                        .iter()
                                        .map(|(_, n)| *n)
                                        .collect::<Vec<_>>()
                                        .join(", ")
                                ),
                            },
                        ),
                        needle: name.clone(),
                    })?;
                    guards.push(g);
                }
                wf.guards.insert(i, guards);
            }
        }
        Ok(wf)
    }

    /// Resolves a status as written in a task.
    pub fn resolve(&self, status: &str) -> StatusRef {
        let status = status.trim();
        if let Some(i) = self.statuses.iter().position(|s| s == status) {
            return StatusRef::Known(i);
        }
        let n = normalise(status);
        if let Some(i) = self.statuses.iter().position(|s| normalise(s) == n) {
            return StatusRef::Misspelled(i);
        }
        if n == "draft" {
            return StatusRef::Draft;
        }
        StatusRef::Unknown
    }

    /// True when `status` (as written in a task) is one of `statuses` (as written in a
    /// configuration): the same configured status, spelling-tolerant, or else the same
    /// text ignoring case.
    pub fn is_one_of(&self, status: &str, statuses: &[String]) -> bool {
        let own = self.resolve(status).index();
        statuses
            .iter()
            .any(|s| match (self.resolve(s).index(), own) {
                (Some(a), Some(b)) => a == b,
                _ => s.trim().eq_ignore_ascii_case(status.trim()),
            })
    }

    /// True when `status` (as written in a task) is the last configured status.
    pub fn is_last(&self, status: &str) -> bool {
        let i = self.resolve(status).index();
        i.is_some() && i == self.last()
    }

    /// The index of the last status (the "done" status), if any are configured.
    pub fn last(&self) -> Option<usize> {
        self.statuses.len().checked_sub(1)
    }

    /// True when moving from `from` to `to` is allowed. Staying put is always allowed.
    pub fn allows(&self, from: usize, to: usize) -> bool {
        if from == to {
            return true;
        }
        match &self.transitions {
            Some(t) => t.get(&from).is_some_and(|v| v.contains(&to)),
            None => to < from || to == from + 1,
        }
    }

    /// True when some series of allowed moves leads from `from` to `to` (what a squashed
    /// series of commits may have done in one step).
    pub fn reaches(&self, from: usize, to: usize) -> bool {
        let mut seen = vec![false; self.statuses.len()];
        let mut todo = vec![from];
        while let Some(at) = todo.pop() {
            if at == to {
                return true;
            }
            if std::mem::replace(seen.get_mut(at).unwrap_or(&mut true), true) {
                continue;
            }
            todo.extend((0..self.statuses.len()).filter(|&n| !seen[n] && self.allows(at, n)));
        }
        false
    }

    /// The statuses reachable in one move from `from`, in configured order.
    pub fn next(&self, from: usize) -> Vec<&str> {
        (0..self.statuses.len())
            .filter(|&to| to != from && self.allows(from, to))
            .map(|i| self.statuses[i].as_str())
            .collect()
    }

    /// True when a new task may start in `status`.
    pub fn allows_initial(&self, status: usize) -> bool {
        match &self.initial {
            Some(v) => v.contains(&status),
            None => Some(status) != self.last() || self.statuses.len() == 1,
        }
    }

    /// The statuses a new task may start in.
    pub fn initial_statuses(&self) -> Vec<&str> {
        (0..self.statuses.len())
            .filter(|&i| self.allows_initial(i))
            .map(|i| self.statuses[i].as_str())
            .collect()
    }

    /// The guards on entering `status`.
    pub fn guards_for(&self, status: usize) -> &[Guard] {
        self.guards.get(&status).map_or(&[], Vec::as_slice)
    }

    /// The configured statuses, quoted and comma-separated, for messages.
    pub fn list(&self) -> String {
        quoted_list(self.statuses.iter().map(String::as_str))
    }
}

/// `"A", "B", "C"`: names quoted for messages.
pub fn quoted_list<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    names
        .into_iter()
        .map(|s| format!("\"{s}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn default_wf() -> Workflow {
        Workflow::new(&BacklogConfig::default(), &WorkflowSection::default()).unwrap()
    }

    #[test]
    fn default_workflow_moves_one_step_forward_or_back() {
        let wf = default_wf();
        assert!(wf.allows(0, 1));
        assert!(wf.allows(1, 2));
        assert!(!wf.allows(0, 2), "skipping To Do -> Done is illegal");
        assert!(wf.allows(2, 0), "reopen is legal");
        assert_eq!(wf.next(0), ["In Progress"]);
        assert_eq!(wf.initial_statuses(), ["To Do", "In Progress"]);
        assert_eq!(
            wf.guards_for(2),
            [
                Guard::AcceptanceCriteriaChecked,
                Guard::DefinitionOfDoneChecked
            ]
        );
    }

    #[test]
    fn statuses_resolve_with_spelling_tolerance() {
        let wf = default_wf();
        assert_eq!(wf.resolve("In Progress"), StatusRef::Known(1));
        assert_eq!(wf.resolve("To do"), StatusRef::Misspelled(0));
        assert_eq!(wf.resolve("inprogress"), StatusRef::Misspelled(1));
        assert_eq!(wf.resolve("Draft"), StatusRef::Draft);
        assert_eq!(wf.resolve("Won't Do"), StatusRef::Unknown);
    }

    #[test]
    fn configured_transitions_replace_the_default() {
        let section = WorkflowSection {
            transitions: Some(BTreeMap::from([(
                "To Do".to_string(),
                vec!["Done".to_string()],
            )])),
            initial: Some(vec!["To Do".into()]),
            guards: Some(BTreeMap::from([(
                "Done".to_string(),
                vec!["has-assignee".to_string()],
            )])),
        };
        let wf = Workflow::new(&BacklogConfig::default(), &section).unwrap();
        assert!(wf.allows(0, 2));
        assert!(!wf.allows(0, 1));
        assert!(!wf.allows_initial(1));
        assert_eq!(wf.guards_for(2), [Guard::HasAssignee]);
    }

    #[test]
    fn unknown_names_are_pointed_errors() {
        let section = WorkflowSection {
            guards: Some(BTreeMap::from([("Doen".to_string(), vec![])])),
            ..Default::default()
        };
        let err = Workflow::new(&BacklogConfig::default(), &section).unwrap_err();
        assert_eq!(err.needle, "Doen");
        assert!(err.help.unwrap().starts_with("did you mean `Done`?"));
    }

    #[test]
    fn status_membership_is_spelling_tolerant() {
        let wf = Workflow::new(&BacklogConfig::default(), &WorkflowSection::default()).unwrap();
        let active = vec!["In Progress".to_string()];
        assert!(wf.is_one_of("in  PROGRESS", &active));
        assert!(!wf.is_one_of("Done", &active));
        assert!(wf.is_one_of(" Won't do ", &["won't DO".to_string()]));
        assert!(wf.is_last("done") && !wf.is_last("To Do") && !wf.is_last("Bogus"));
    }
}
