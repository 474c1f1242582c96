//! Backlog.md's own config (`config.yml`): the keys flowgate uses. Unknown keys are
//! ignored: it is not our file.

use serde_norway::Value;

/// The Backlog.md config keys flowgate reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BacklogConfig {
    /// Configured statuses, in workflow order (default `To Do`, `In Progress`, `Done`).
    pub statuses: Vec<String>,
    /// Status given to new tasks.
    pub default_status: Option<String>,
    /// Task ID prefix, lowercase (default `task`).
    pub task_prefix: String,
    /// Zero-padding width of IDs in file names, when configured.
    pub zero_padded_ids: Option<u32>,
    /// Project-wide Definition of Done items.
    pub definition_of_done: Vec<String>,
    /// Configured task types (`types`); empty means Backlog.md's defaults
    /// ([`DEFAULT_TYPES`]).
    pub types: Vec<String>,
    /// Configured priorities (`priorities`); empty means Backlog.md's defaults
    /// ([`DEFAULT_PRIORITIES`]).
    pub priorities: Vec<String>,
}

/// The task types Backlog.md allows when `types` is not configured.
pub const DEFAULT_TYPES: [&str; 7] = [
    "bug",
    "feature",
    "enhancement",
    "task",
    "chore",
    "docs",
    "spike",
];

/// The priorities Backlog.md allows when `priorities` is not configured.
pub const DEFAULT_PRIORITIES: [&str; 3] = ["high", "medium", "low"];

impl BacklogConfig {
    /// The task types a task's `type` may take.
    pub fn allowed_types(&self) -> Vec<&str> {
        configured_or(&self.types, &DEFAULT_TYPES)
    }

    /// The priorities a task's `priority` may take.
    pub fn allowed_priorities(&self) -> Vec<&str> {
        configured_or(&self.priorities, &DEFAULT_PRIORITIES)
    }
}

fn configured_or<'a>(configured: &'a [String], default: &[&'static str]) -> Vec<&'a str> {
    let list: Vec<&str> = configured
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect();
    if list.is_empty() {
        default.to_vec()
    } else {
        list
    }
}

impl Default for BacklogConfig {
    fn default() -> Self {
        BacklogConfig {
            statuses: vec!["To Do".into(), "In Progress".into(), "Done".into()],
            default_status: None,
            task_prefix: "task".into(),
            zero_padded_ids: None,
            definition_of_done: Vec::new(),
            types: Vec::new(),
            priorities: Vec::new(),
        }
    }
}

/// Parses a Backlog.md `config.yml`. Missing keys take their defaults; a malformed file
/// yields the defaults and a message describing the problem (line, column, what).
pub fn parse(text: &str) -> (BacklogConfig, Option<String>) {
    let mut config = BacklogConfig::default();
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let value: Value = match serde_norway::from_str(text) {
        Ok(v) => v,
        Err(e) => return (config, Some(yaml_problem(&e))),
    };
    let map = match value {
        Value::Mapping(m) => m,
        Value::Null => return (config, None),
        _ => {
            return (
                config,
                Some("the config is not a YAML mapping of `key: value` lines".to_string()),
            )
        }
    };
    let get = |key: &str| map.get(key).map(untag);
    if let Some(v) = get("statuses") {
        let statuses: Vec<String> = string_list(v)
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect();
        if !statuses.is_empty() {
            config.statuses = statuses;
        }
    }
    config.default_status = get("default_status")
        .and_then(scalar_string)
        .filter(|s| !s.is_empty());
    if let Some(prefix) = get("task_prefix").and_then(scalar_string) {
        let prefix = prefix.trim().trim_end_matches('-').to_ascii_lowercase();
        if !prefix.is_empty() {
            config.task_prefix = prefix;
        }
    }
    config.zero_padded_ids = get("zero_padded_ids")
        .and_then(scalar_string)
        .and_then(|s| s.trim().parse::<u32>().ok())
        .filter(|&n| n > 0);
    if let Some(v) = get("definition_of_done") {
        config.definition_of_done = string_list(v);
    }
    config.types = get("types").map(string_list).unwrap_or_default();
    config.priorities = get("priorities").map(string_list).unwrap_or_default();
    (config, None)
}

/// "what, at line L column C" for a YAML error.
pub(crate) fn yaml_problem(e: &serde_norway::Error) -> String {
    let what = strip_location(&e.to_string());
    match e.location() {
        Some(loc) => format!("{what} (line {}, column {})", loc.line(), loc.column()),
        None => what,
    }
}

/// Drops serde_norway's own " at line L column C" suffix from an error message.
pub(crate) fn strip_location(message: &str) -> String {
    match message.find(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// Looks through YAML tags (`!foo value`).
pub(crate) fn untag(v: &Value) -> &Value {
    match v {
        Value::Tagged(t) => untag(&t.value),
        other => other,
    }
}

/// A scalar as text (numbers and booleans included); `None` for null, lists and maps.
pub(crate) fn scalar_string(v: &Value) -> Option<String> {
    match untag(v) {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A list of scalars, or one scalar as a one-item list; null is empty.
pub(crate) fn string_list(v: &Value) -> Vec<String> {
    match untag(v) {
        Value::Sequence(items) => items.iter().filter_map(scalar_string).collect(),
        other => scalar_string(other).into_iter().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_keys_backlog_md_writes() {
        let (c, problem) = parse(
            "project_name: \"Demo\"\ndefault_status: \"To Do\"\nstatuses: [\"To Do\", \"In Progress\", \"Done\"]\nlabels: []\ntask_prefix: \"feat\"\nzero_padded_ids: 3\ndefinition_of_done: [\"Tests pass\", \"Docs updated\"]\nauto_commit: false\n",
        );
        assert_eq!(problem, None);
        assert_eq!(c.statuses, ["To Do", "In Progress", "Done"]);
        assert_eq!(c.default_status.as_deref(), Some("To Do"));
        assert_eq!(c.task_prefix, "feat");
        assert_eq!(c.zero_padded_ids, Some(3));
        assert_eq!(c.definition_of_done, ["Tests pass", "Docs updated"]);
    }

    #[test]
    fn block_lists_and_unquoted_values() {
        let (c, problem) = parse(
            "statuses:\n  - Backlog\n  - Doing\n  - Done\ntask_prefix: JIRA\nunknown: {a: 1}\n",
        );
        assert_eq!(problem, None);
        assert_eq!(c.statuses, ["Backlog", "Doing", "Done"]);
        assert_eq!(c.task_prefix, "jira");
        assert_eq!(c.zero_padded_ids, None);
    }

    #[test]
    fn malformed_yaml_gives_defaults_and_a_located_problem() {
        let (c, problem) = parse("statuses: [\"To Do\"\nproject_name: x\n");
        assert_eq!(c, BacklogConfig::default());
        let problem = problem.unwrap();
        assert!(problem.contains("line "), "{problem}");
        assert!(!problem.contains(" at line "), "{problem}");
    }

    #[test]
    fn empty_file_is_defaults() {
        assert_eq!(parse(""), (BacklogConfig::default(), None));
        assert_eq!(parse("# only a comment\n").1, None);
    }
}
