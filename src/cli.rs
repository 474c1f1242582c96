//! Command-line interface: one declaration per option, its docs next to it.

use std::path::PathBuf;

use clap::parser::ValueSource;
use clap::{Args, CommandFactory as _, FromArgMatches as _, Parser, Subcommand, ValueEnum};

/// flowgate: every code change maps to a task, every task to spec sections, and task
/// statuses move only along legal transitions.
#[derive(Debug, Parser)]
#[command(name = "flowgate", version, about, max_term_width = 100)]
pub struct Cli {
    /// Options every command takes.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// Parses the process's arguments (exiting with clap's message on a usage error) and
    /// applies the defaults that depend on where flowgate runs: in GitHub Actions
    /// (`GITHUB_ACTIONS=true`) `flowgate ci` writes `--format github` unless `--format` was
    /// given.
    pub fn parse_args() -> Cli {
        let matches = Cli::command().get_matches();
        let mut cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
        let explicit = matches.value_source("format") == Some(ValueSource::CommandLine);
        if !explicit && matches!(cli.command, Command::Ci(_)) && in_github_actions() {
            cli.global.format = Format::Github;
        }
        cli
    }
}

/// Whether flowgate runs in a GitHub Actions job (`GITHUB_ACTIONS=true`, as the runner sets
/// it).
pub fn in_github_actions() -> bool {
    std::env::var_os("GITHUB_ACTIONS").is_some_and(|v| v == "true")
}

/// Options every command takes.
#[derive(Debug, Args, Clone)]
pub struct GlobalArgs {
    /// Run as if flowgate was started in DIR.
    #[arg(short = 'C', global = true, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Read the configuration from FILE instead of `.flowgate.yml` at the repository root.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// When to use colors in human output.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Print only findings (no summary line).
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Print what is being read and how long it took.
    #[arg(short, long, global = true)]
    pub verbose: bool,
}

pub use crate::report::Format;

/// When to use colors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colors when writing to a terminal.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate the tree: task files and spec links (working tree, or the index).
    Check(CheckArgs),
    /// Entry points of the installed git hooks.
    #[command(subcommand)]
    Hook(HookCommand),
    /// Write flowgate's git hooks (existing hooks are chained or backed up, never lost).
    Install(InstallArgs),
    /// Remove flowgate's git hooks and restore what was there before.
    Uninstall,
    /// Print a rule's documentation, with a failing and a passing example.
    Explain(ExplainArgs),
    /// Write a commented `.flowgate.yml` for the detected layout.
    Init(InitArgs),
    /// Build a sample spec-driven repo in a temp dir and show the gate at work.
    Demo(DemoArgs),
    /// Audit the whole tree and history: findings, coverage, suspect links, a report.
    Audit(AuditArgs),
    /// Show a task, spec section or requirement and everything linked to it.
    Trace(TraceArgs),
    /// Record today's findings so that only new ones fail.
    Baseline(BaselineArgs),
    /// Check every commit of a pull request (or push), its title, and the tree at its head.
    Ci(CiArgs),
    /// Print a shell completion script (e.g. `flowgate completions bash > ~/.local/share/bash-completion/completions/flowgate`).
    Completions(CompletionsArgs),
    /// Print the man page, in roff (`flowgate man > ~/.local/share/man/man1/flowgate.1`).
    Man(ManArgs),
    /// Print a JSON Schema: of `.flowgate.yml` (for editors), or of the JSON output.
    Schema(SchemaArgs),
}

/// `flowgate schema`.
#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// Which schema.
    #[arg(value_enum)]
    pub which: SchemaKind,
}

/// The schemas `flowgate schema` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SchemaKind {
    /// `.flowgate.yml` (also committed as `schema/flowgate.schema.json`).
    Config,
    /// The documents of `--format json` (also `schema/flowgate-output.schema.json`).
    Output,
}

/// `flowgate man`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write flowgate.1 and one page per subcommand (flowgate-check.1, ...) into DIR
    /// instead of printing flowgate.1.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// `flowgate completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// `flowgate audit`.
#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Audit only the history after REV (a commit, tag or branch; default: `audit.since`
    /// in the configuration, else the whole history).
    #[arg(long, value_name = "REV")]
    pub since: Option<String>,
    /// Write the report to FILE instead of stdout (e.g. `--format html --output report.html`).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// `flowgate trace`.
#[derive(Debug, Args)]
pub struct TraceArgs {
    /// `TASK-12`, `001-user-auth/FR-003` or `specs/001-user-auth/spec.md#user-story-1`.
    pub id: String,
}

/// `flowgate baseline`.
#[derive(Debug, Args)]
pub struct BaselineArgs {
    /// Record only the history after REV (default: `audit.since`, else the whole history).
    #[arg(long, value_name = "REV")]
    pub since: Option<String>,
}

/// `flowgate check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Check the index (what is staged) instead of the working tree.
    #[arg(long)]
    pub staged: bool,
    /// Report only findings in these files or folders (repo-relative or relative to the
    /// current directory).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
}

/// `flowgate hook ...`.
#[derive(Debug, Subcommand)]
pub enum HookCommand {
    /// The pre-commit hook: checks the staged tree and staged status changes.
    PreCommit,
    /// The commit-msg hook: checks the message's task reference.
    CommitMsg {
        /// The file holding the commit message.
        file: PathBuf,
    },
    /// The prepare-commit-msg hook: adds `Refs: TASK-N` from the branch name when missing.
    PrepareCommitMsg {
        /// The file holding the commit message.
        file: PathBuf,
        /// Where the message comes from (`message`, `template`, `merge`, `squash`, `commit`).
        source: Option<String>,
        /// The commit id, for `commit` sources.
        sha: Option<String>,
    },
}

/// `flowgate install`.
#[derive(Debug, Args)]
pub struct InstallArgs {
    /// Replace existing hooks (they are backed up, never lost) instead of refusing; also
    /// install when a hook manager (husky, lefthook) owns the hooks.
    #[arg(long)]
    pub force: bool,
    /// Install only these hooks (default: all three).
    #[arg(long = "hook", value_name = "NAME")]
    pub hooks: Vec<String>,
}

/// `flowgate explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A rule code (`FG104`) or name (`duplicate-task-id`).
    #[arg(required_unless_present = "list")]
    pub code: Option<String>,
    /// List every rule.
    #[arg(long)]
    pub list: bool,
}

/// `flowgate init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Overwrite an existing `.flowgate.yml`.
    #[arg(long)]
    pub force: bool,
}

/// `flowgate demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Build the sample repo in DIR (kept) instead of a temporary directory.
    // Its own id: the global `-C` option's id is `dir` too, and clap would fill both.
    #[arg(long = "dir", id = "demo_dir", value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// `flowgate ci`.
#[derive(Debug, Args)]
pub struct CiArgs {
    /// The base of the range (default: from `GITHUB_EVENT_PATH`). The commits checked are
    /// those between the merge-base of base and head, and head.
    #[arg(long, value_name = "REV")]
    pub base: Option<String>,
    /// The head of the range (default: from `GITHUB_EVENT_PATH`, else `HEAD`).
    #[arg(long, value_name = "REV")]
    pub head: Option<String>,
    /// Also write the findings as SARIF 2.1.0 to FILE (for code scanning).
    #[arg(long, value_name = "FILE")]
    pub sarif: Option<PathBuf>,
    /// Create or update one sticky comment on the pull request (needs `GITHUB_TOKEN` with
    /// `pull-requests: write`).
    #[arg(long, overrides_with = "no_comment")]
    pub comment: bool,
    /// Do not comment on the pull request (the default).
    #[arg(long, overrides_with = "comment")]
    pub no_comment: bool,
    /// The lowest severity that fails the check (exit code 1).
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
}

/// The lowest severity that fails `flowgate ci`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Only errors fail.
    Error,
    /// Errors and warnings fail.
    Warning,
}
