//! Backlog.md's own config (`config.yml`): the keys flowgate uses. Unknown keys are
//! ignored: it is not our file.

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
}

impl Default for BacklogConfig {
    fn default() -> Self {
        BacklogConfig {
            statuses: vec!["To Do".into(), "In Progress".into(), "Done".into()],
            default_status: None,
            task_prefix: "task".into(),
            zero_padded_ids: None,
            definition_of_done: Vec::new(),
        }
    }
}

/// Parses a Backlog.md `config.yml`. Missing keys take their defaults; a malformed file
/// yields the defaults and a message describing the problem (line, column, what).
pub fn parse(text: &str) -> (BacklogConfig, Option<String>) {
    let _ = text;
    unimplemented!("backlog config parsing")
}
