//! Backlog root discovery, as Backlog.md does it.

use super::config;
use super::BacklogConfig;
use crate::source::{join, Content, EntryKind, Source, SourceError, MAX_FILE_SIZE};

/// Where a backlog lives and how it is configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BacklogLayout {
    /// Repo-relative backlog root, e.g. `backlog` or `.backlog`.
    pub root: String,
    /// The config file read, if any (repo-relative).
    pub config_file: Option<String>,
    /// The config (defaults where the file says nothing).
    pub config: BacklogConfig,
    /// A problem reading the config file (it was malformed): the message, for a finding.
    pub config_problem: Option<String>,
}

impl BacklogLayout {
    /// A layout with default config at `root` (no config file).
    pub fn with_defaults(root: &str) -> Self {
        BacklogLayout {
            root: root.trim_end_matches('/').to_string(),
            config_file: None,
            config: BacklogConfig::default(),
            config_problem: None,
        }
    }

    /// The config file to name in help texts: the one read, else `<root>/config.yml`.
    pub fn config_path(&self) -> String {
        self.config_file
            .clone()
            .unwrap_or_else(|| join(&self.root, "config.yml"))
    }
}

/// The root-level config file that can name the backlog folder.
const ROOT_CONFIG: &str = "backlog.config.yml";
/// Folder names tried, in order, when no root config names one.
const CANDIDATES: [&str; 2] = ["backlog", ".backlog"];
/// Config file names inside a backlog folder, in order.
const FOLDER_CONFIGS: [&str; 2] = ["config.yml", "config.yaml"];

/// Finds the backlog root: `override_dir` when given; else a root `backlog.config.yml`
/// with `backlog_directory`; else `backlog/`, else `.backlog/` (a folder holding
/// `config.yml` / `config.yaml` wins over one without). `Ok(None)` when there is none.
pub fn discover(
    source: &dyn Source,
    override_dir: Option<&str>,
) -> Result<Option<BacklogLayout>, SourceError> {
    if let Some(dir) = override_dir {
        let dir = dir.trim_start_matches("./").trim_end_matches('/');
        if let Some(why) = leaves_repository(dir) {
            // `.flowgate.yml` refuses such a folder; this is the last line of defence.
            let mut layout = BacklogLayout::with_defaults("backlog");
            layout.config_problem = Some(format!(
                "the backlog folder `{dir}` {why}; flowgate never reads files outside the repository"
            ));
            return Ok(Some(layout));
        }
        let mut layout = BacklogLayout::with_defaults(dir);
        if let Some(file) = folder_config(source, dir)? {
            read_config(source, &file, &mut layout)?;
        }
        return Ok(Some(layout));
    }

    let top = source.list_dir("")?;
    let has = |name: &str, kind: EntryKind| top.iter().any(|e| e.name == name && e.kind == kind);

    if has(ROOT_CONFIG, EntryKind::File) {
        let mut layout = BacklogLayout::with_defaults("backlog");
        let text = read_config(source, ROOT_CONFIG, &mut layout)?;
        let named = text.as_deref().and_then(backlog_directory);
        match named {
            Some(dir) if leaves_repository(&dir).is_none() => layout.root = dir,
            named => {
                if let Some(dir) = named {
                    layout.config_problem = Some(format!(
                        "`backlog_directory: {dir}` {}; flowgate never reads files outside the repository, so it looked for `backlog/` or `.backlog/` instead",
                        leaves_repository(&dir).unwrap_or_default()
                    ));
                }
                if let Some(found) = find_folder(source, &has)? {
                    layout.root = found.0;
                }
            }
        }
        return Ok(Some(layout));
    }

    let Some((root, config_file)) = find_folder(source, &has)? else {
        return Ok(None);
    };
    let mut layout = BacklogLayout::with_defaults(&root);
    if let Some(file) = config_file {
        read_config(source, &file, &mut layout)?;
    }
    Ok(Some(layout))
}

/// The first candidate folder with a config file, else the first with a `tasks/` folder.
fn find_folder(
    source: &dyn Source,
    has: &dyn Fn(&str, EntryKind) -> bool,
) -> Result<Option<(String, Option<String>)>, SourceError> {
    let mut without_config = None;
    for dir in CANDIDATES {
        if !has(dir, EntryKind::Dir) {
            continue;
        }
        if let Some(file) = folder_config(source, dir)? {
            return Ok(Some((dir.to_string(), Some(file))));
        }
        if without_config.is_none() && source.is_dir(&join(dir, "tasks"))? {
            without_config = Some((dir.to_string(), None));
        }
    }
    Ok(without_config)
}

/// `dir/config.yml` or `dir/config.yaml`, whichever exists first.
fn folder_config(source: &dyn Source, dir: &str) -> Result<Option<String>, SourceError> {
    let entries = source.list_dir(dir)?;
    Ok(FOLDER_CONFIGS
        .iter()
        .find(|name| {
            entries
                .iter()
                .any(|e| e.name == **name && e.kind == EntryKind::File)
        })
        .map(|name| join(dir, name)))
}

/// Reads and parses a config file into `layout`; returns its text when it could be read.
fn read_config(
    source: &dyn Source,
    path: &str,
    layout: &mut BacklogLayout,
) -> Result<Option<String>, SourceError> {
    layout.config_file = Some(path.to_string());
    let problem = match source.read(path, MAX_FILE_SIZE)? {
        Content::Bytes(bytes) => match crate::text::decode(&bytes) {
            Ok(text) => {
                let (config, problem) = config::parse(text);
                layout.config = config;
                layout.config_problem = problem;
                return Ok(Some(text.to_string()));
            }
            Err(e) => e.to_string(),
        },
        Content::TooLarge(size) => {
            format!("the file is {size} bytes, over the {MAX_FILE_SIZE}-byte limit")
        }
        Content::Symlink => "the file is a symbolic link, which flowgate does not follow".into(),
        Content::Missing | Content::NotAFile => "the file is missing".into(),
    };
    layout.config_problem = Some(problem);
    Ok(None)
}

/// Why a backlog folder (repo-relative, as configured) lies outside the repository, or
/// `None` when it is inside.
pub fn leaves_repository(dir: &str) -> Option<&'static str> {
    let normalised = crate::paths::normalise("", &dir.replace('\\', "/"));
    match normalised {
        Some(_) => None,
        None if dir.starts_with(['/', '\\']) || dir.get(1..2) == Some(":") => {
            Some("is an absolute path")
        }
        None => Some("climbs above the repository root"),
    }
}

/// Every file backlog discovery may read (with `override_dir`, the folder `.flowgate.yml`
/// names): what a pull request must not change to move or reconfigure its backlog.
pub fn config_files(override_dir: Option<&str>) -> Vec<String> {
    let mut files = vec![ROOT_CONFIG.to_string()];
    let dirs = override_dir
        .map(|d| d.trim_start_matches("./").trim_end_matches('/'))
        .into_iter()
        .chain(CANDIDATES);
    for dir in dirs {
        files.extend(FOLDER_CONFIGS.iter().map(|name| join(dir, name)));
    }
    files.dedup();
    files
}

/// The `backlog_directory` value of a root `backlog.config.yml`, normalised.
fn backlog_directory(text: &str) -> Option<String> {
    let value: serde_norway::Value = serde_norway::from_str(text).ok()?;
    let dir = config::scalar_string(value.get("backlog_directory")?)?;
    let dir = dir.trim().trim_start_matches("./").trim_end_matches('/');
    (!dir.is_empty()).then(|| dir.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::MemorySource;

    fn root_of(src: &MemorySource) -> Option<String> {
        discover(src, None).unwrap().map(|l| l.root)
    }

    #[test]
    fn backlog_folder_with_config() {
        let src = MemorySource::new().with("backlog/config.yml", "task_prefix: feat\n");
        let layout = discover(&src, None).unwrap().unwrap();
        assert_eq!(layout.root, "backlog");
        assert_eq!(layout.config_file.as_deref(), Some("backlog/config.yml"));
        assert_eq!(layout.config.task_prefix, "feat");
    }

    #[test]
    fn a_folder_with_config_wins_over_one_without() {
        let src = MemorySource::new()
            .with("backlog/tasks/task-1 - A.md", "x")
            .with(".backlog/config.yaml", "statuses: [A, B]\n");
        let layout = discover(&src, None).unwrap().unwrap();
        assert_eq!(layout.root, ".backlog");
        assert_eq!(layout.config.statuses, ["A", "B"]);
    }

    #[test]
    fn tasks_folder_without_config_counts() {
        let src = MemorySource::new().with("backlog/tasks/task-1 - A.md", "x");
        let layout = discover(&src, None).unwrap().unwrap();
        assert_eq!(layout.root, "backlog");
        assert_eq!(layout.config_file, None);
        assert_eq!(layout.config, BacklogConfig::default());
    }

    #[test]
    fn unrelated_folders_are_no_backlog() {
        assert_eq!(root_of(&MemorySource::new().with("src/main.rs", "")), None);
        assert_eq!(
            root_of(&MemorySource::new().with("backlog/notes.txt", "")),
            None
        );
    }

    #[test]
    fn root_config_names_the_folder() {
        let src = MemorySource::new()
            .with(
                "backlog.config.yml",
                "backlog_directory: \".backlog\"\ntask_prefix: \"feat\"\n",
            )
            .with("backlog/config.yml", "task_prefix: other\n");
        let layout = discover(&src, None).unwrap().unwrap();
        assert_eq!(layout.root, ".backlog");
        assert_eq!(layout.config_file.as_deref(), Some("backlog.config.yml"));
        assert_eq!(layout.config.task_prefix, "feat");
    }

    #[test]
    fn a_backlog_folder_outside_the_repository_is_refused() {
        for dir in ["../shadow", "/abs/backlog", "a/../../x", "C:/x"] {
            let src = MemorySource::new()
                .with(
                    "backlog.config.yml",
                    format!("backlog_directory: \"{dir}\"\n"),
                )
                .with("backlog/tasks/task-1 - A.md", "x");
            let layout = discover(&src, None).unwrap().unwrap();
            assert_eq!(layout.root, "backlog", "{dir}");
            let problem = layout.config_problem.unwrap_or_default();
            assert!(problem.contains("never reads files outside"), "{problem}");
            let layout = discover(&MemorySource::new(), Some(dir)).unwrap().unwrap();
            assert_eq!(layout.root, "backlog", "{dir}");
            assert!(layout.config_problem.is_some(), "{dir}");
        }
        assert_eq!(leaves_repository("work/../pm"), None);
        assert_eq!(
            config_files(Some("./pm/")),
            [
                "backlog.config.yml",
                "pm/config.yml",
                "pm/config.yaml",
                "backlog/config.yml",
                "backlog/config.yaml",
                ".backlog/config.yml",
                ".backlog/config.yaml"
            ]
        );
    }

    #[test]
    fn override_dir_wins_and_malformed_config_is_reported() {
        let src = MemorySource::new()
            .with("backlog/config.yml", "x: 1\n")
            .with("work/pm/config.yml", "statuses: [\n");
        let layout = discover(&src, Some("work/pm/")).unwrap().unwrap();
        assert_eq!(layout.root, "work/pm");
        assert_eq!(layout.config, BacklogConfig::default());
        assert!(layout.config_problem.is_some());
    }
}
