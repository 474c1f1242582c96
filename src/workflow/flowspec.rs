//! The flowspec workflow axis: `workflow:<State>` labels and `flowspec_workflow.yml`.
//!
//! flowspec keeps a task's lifecycle state in a Backlog.md label, `workflow:<State>`, and
//! the legal edges between states in `flowspec_workflow.yml`. Only `states` and
//! `transitions[].from/to` matter to a gate, and those have the same shape in the v1.x
//! file that `flowspec init` writes and in v2.0. States compare case-insensitively.

use serde::Deserialize;

use crate::source::{Content, Source, SourceError, MAX_FILE_SIZE};

/// Where flowspec looks for its workflow file, in order.
pub const LOCATIONS: &[&str] = &[
    "flowspec_workflow.yml",
    "flowspec_workflow.yaml",
    "memory/flowspec_workflow.yml",
    "memory/flowspec_workflow.yaml",
    ".flowspec/flowspec_workflow.yml",
    ".flowspec/flowspec_workflow.yaml",
];

/// The label prefix that carries a task's flowspec state.
pub const LABEL_PREFIX: &str = "workflow:";

/// The states and legal edges of a `flowspec_workflow.yml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowspecWorkflow {
    /// Repo-relative path of the file read.
    pub path: String,
    /// The `version` key, when present.
    pub version: Option<String>,
    /// States in lifecycle order, as written.
    pub states: Vec<String>,
    /// Legal edges, as indices into `states`.
    edges: Vec<(usize, usize)>,
}

/// A `flowspec_workflow.yml` that cannot be read as a workflow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowspecError {
    /// The file.
    pub path: String,
    /// What is wrong (with the YAML location when known).
    pub message: String,
    /// 1-based line, when known.
    pub line: Option<u32>,
    /// 1-based column, when known.
    pub column: Option<u32>,
    /// The file's text.
    pub text: String,
}

impl FlowspecError {
    /// The error as a configuration error pointing into the workflow file.
    pub fn into_config_error(self) -> crate::config::ConfigError {
        crate::config::ConfigError {
            file: self.path,
            line: self.line,
            column: self.column,
            message: format!("cannot read the flowspec workflow: {}", self.message),
            help: Some("fix the YAML; flowgate reads `states` and `transitions[].from/to`".into()),
            source_text: self.text,
        }
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum StateItem {
    Name(String),
    Named { name: String },
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        }
    }
}

#[derive(Deserialize)]
struct Edge {
    from: OneOrMany,
    to: OneOrMany,
}

/// The keys flowgate reads; every other key is flowspec's business.
#[derive(Deserialize)]
struct RawFile {
    version: Option<serde_norway::Value>,
    #[serde(default)]
    states: Vec<StateItem>,
    #[serde(default)]
    transitions: Vec<Edge>,
}

fn same(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

impl FlowspecWorkflow {
    /// Parses the text of a workflow file. States named by transitions but missing from
    /// `states` are added (flowspec's own validator reports them; a gate should still judge).
    pub fn parse(path: &str, text: &str) -> Result<FlowspecWorkflow, FlowspecError> {
        let err = |message: String, line: Option<u32>, column: Option<u32>| FlowspecError {
            path: path.to_string(),
            message,
            line,
            column,
            text: text.to_string(),
        };
        let raw: RawFile = serde_norway::from_str(text).map_err(|e| {
            let loc = e.location();
            let message = e.to_string();
            let message = match message.find(" at line ") {
                Some(i) => message[..i].to_string(),
                None => message,
            };
            err(
                message,
                loc.as_ref().map(|l| l.line() as u32),
                loc.as_ref().map(|l| l.column() as u32),
            )
        })?;
        let version = raw.version.and_then(|v| match v {
            serde_norway::Value::String(s) => Some(s),
            serde_norway::Value::Number(n) => Some(n.to_string()),
            _ => None,
        });
        let mut wf = FlowspecWorkflow {
            path: path.to_string(),
            version,
            states: Vec::new(),
            edges: Vec::new(),
        };
        for item in raw.states {
            let name = match item {
                StateItem::Name(n) | StateItem::Named { name: n } => n,
            };
            wf.intern(&name);
        }
        for edge in raw.transitions {
            let froms: Vec<usize> = edge.from.into_vec().iter().map(|s| wf.intern(s)).collect();
            let tos: Vec<usize> = edge.to.into_vec().iter().map(|s| wf.intern(s)).collect();
            for &f in &froms {
                for &t in &tos {
                    if !wf.edges.contains(&(f, t)) {
                        wf.edges.push((f, t));
                    }
                }
            }
        }
        Ok(wf)
    }

    fn intern(&mut self, name: &str) -> usize {
        match self.state(name) {
            Some(i) => i,
            None => {
                self.states.push(name.trim().to_string());
                self.states.len() - 1
            }
        }
    }

    /// The index of a state, compared case-insensitively.
    pub fn state(&self, name: &str) -> Option<usize> {
        self.states.iter().position(|s| same(s, name))
    }

    /// True when an edge leads from `from` to `to`. Staying in a state is always allowed.
    pub fn allows(&self, from: usize, to: usize) -> bool {
        from == to || self.edges.contains(&(from, to))
    }

    /// The states reachable in one move from `from`, in lifecycle order.
    pub fn next(&self, from: usize) -> Vec<&str> {
        (0..self.states.len())
            .filter(|&to| to != from && self.edges.contains(&(from, to)))
            .map(|i| self.states[i].as_str())
            .collect()
    }
}

/// The flowspec state a task's labels carry (`workflow:Planned` → `Planned`): the first
/// such label.
pub fn label_state(labels: &[String]) -> Option<&str> {
    labels.iter().find_map(|l| {
        let l = l.trim();
        let head = l.get(..LABEL_PREFIX.len())?;
        head.eq_ignore_ascii_case(LABEL_PREFIX)
            .then(|| l[LABEL_PREFIX.len()..].trim())
            .filter(|s| !s.is_empty())
    })
}

/// The workflow file, read only when one of `tasks` carries a `workflow:<State>` label
/// (most repositories never pay for it).
pub fn load_if_labelled<'t>(
    source: &dyn Source,
    mut tasks: impl Iterator<Item = &'t crate::backlog::TaskFile>,
) -> Result<Option<FlowspecWorkflow>, LoadError> {
    let labelled = tasks.any(|f| {
        f.task
            .as_ref()
            .is_some_and(|t| label_state(&t.labels).is_some())
    });
    if labelled {
        load(source)
    } else {
        Ok(None)
    }
}

/// Reads the first workflow file found at [`LOCATIONS`]. `Ok(None)` when there is none.
pub fn load(source: &dyn Source) -> Result<Option<FlowspecWorkflow>, LoadError> {
    for path in LOCATIONS {
        match source.read(path, MAX_FILE_SIZE)? {
            Content::Bytes(bytes) => {
                let text = crate::text::decode(&bytes).map_err(|e| {
                    LoadError::Invalid(FlowspecError {
                        path: path.to_string(),
                        message: e.to_string(),
                        line: None,
                        column: None,
                        text: String::new(),
                    })
                })?;
                return FlowspecWorkflow::parse(path, text)
                    .map(Some)
                    .map_err(LoadError::Invalid);
            }
            Content::Missing | Content::NotAFile => continue,
            Content::TooLarge(n) => {
                return Err(LoadError::Invalid(FlowspecError {
                    path: path.to_string(),
                    message: format!("the file is too large ({n} bytes)"),
                    line: None,
                    column: None,
                    text: String::new(),
                }))
            }
            Content::Symlink => {
                return Err(LoadError::Invalid(FlowspecError {
                    path: path.to_string(),
                    message: "the workflow file is a symbolic link; flowgate does not follow links"
                        .into(),
                    line: None,
                    column: None,
                    text: String::new(),
                }))
            }
        }
    }
    Ok(None)
}

/// Why the flowspec workflow could not be loaded.
#[derive(Debug)]
pub enum LoadError {
    /// The source could not be read.
    Source(SourceError),
    /// The file is not a valid workflow file.
    Invalid(FlowspecError),
}

impl From<SourceError> for LoadError {
    fn from(e: SourceError) -> Self {
        LoadError::Source(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::MemorySource;

    const V2: &str = r#"
version: "2.0"
states:
  - "Backlog"
  - name: "Specced"
    description: "spec reviewed"
  - "Building"
  - "Shipped"
workflows:
  spec: { command: "/flow:spec", agents: [], input_states: ["Backlog"], output_state: "Specced" }
roles: {}
transitions:
  - { name: spec, from: "Backlog", to: "Specced", via: spec, validation: NONE }
  - { name: build, from: "Specced", to: "Building", via: manual }
  - { name: ship, from: "Building", to: "Shipped", via: manual }
  - { name: redo, from: ["Building", "Shipped"], to: "Specced", via: rework }
"#;

    const V1: &str = r#"
version: "1.0"
states: ["To Do", "Specified", "Deployed"]
workflows: {}
transitions:
  - name: specify
    from: "To Do"
    to: "Specified"
    via: specify
  - name: operate
    from: "specified"
    to: "Deployed"
    via: operate
"#;

    #[test]
    fn reads_v2_states_and_edges() {
        let wf = FlowspecWorkflow::parse("flowspec_workflow.yml", V2).unwrap();
        assert_eq!(wf.version.as_deref(), Some("2.0"));
        assert_eq!(wf.states, ["Backlog", "Specced", "Building", "Shipped"]);
        let (b, s, bu, sh) = (0, 1, 2, 3);
        assert!(wf.allows(b, s));
        assert!(!wf.allows(b, bu));
        assert!(
            wf.allows(sh, s),
            "a list in `from` gives one edge per entry"
        );
        assert_eq!(wf.next(bu), ["Specced", "Shipped"]);
        assert_eq!(wf.state("building"), Some(2));
    }

    #[test]
    fn reads_v1_and_compares_case_insensitively() {
        let wf = FlowspecWorkflow::parse("memory/flowspec_workflow.yml", V1).unwrap();
        assert_eq!(wf.states, ["To Do", "Specified", "Deployed"]);
        assert!(wf.allows(1, 2));
        assert!(!wf.allows(0, 2));
    }

    #[test]
    fn labels_carry_the_state() {
        let labels = vec!["infra".to_string(), "Workflow: Planned ".to_string()];
        assert_eq!(label_state(&labels), Some("Planned"));
        assert_eq!(label_state(&["workflow:".to_string()]), None);
        assert_eq!(label_state(&[]), None);
    }

    #[test]
    fn load_looks_in_memory_then_flowspec_dir() {
        let src = MemorySource::new().with(".flowspec/flowspec_workflow.yml", V1);
        let wf = load(&src).unwrap().unwrap();
        assert_eq!(wf.path, ".flowspec/flowspec_workflow.yml");
        assert!(load(&MemorySource::new()).unwrap().is_none());
    }

    #[test]
    fn broken_file_is_a_located_error() {
        let src = MemorySource::new().with("flowspec_workflow.yml", "states: [a\n");
        match load(&src) {
            Err(LoadError::Invalid(e)) => assert!(e.line.is_some()),
            other => panic!("{other:?}"),
        }
    }
}
