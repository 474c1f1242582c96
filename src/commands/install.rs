//! `flowgate install` and `flowgate uninstall`: write the hook shims where git will run
//! them, and take them away again, leaving every hook that was there before as it was.
//!
//! Where: `core.hooksPath` when set (relative to the working tree root, as git reads it),
//! else the `hooks` folder of the common git dir (linked worktrees share it).
//! An existing hook that is not flowgate's is *chained*: renamed to
//! `<name>.flowgate-chained` and run first by the shim, with the same arguments. When that
//! slot is taken too, install refuses unless `--force`, which backs the hook up to
//! `<name>.flowgate-backup` first. Uninstall removes the shims and renames chained hooks
//! back; backups are left for the user.
//!
//! A hook is flowgate's only when it carries a checksum line ([`CHECKSUM`]) that matches
//! the rest of its text: a comment a user copied into their own hook, or a shim they
//! edited, does not match, so such a hook is chained or backed up, never overwritten or
//! deleted.

use std::path::{Path, PathBuf};

use super::{CommandError, Context, Outcome};
use crate::cli::InstallArgs;
use crate::git::Repo;

/// The formats `flowgate install` and `uninstall` write.
pub const FORMATS: &[crate::cli::Format] = &[crate::cli::Format::Human];

/// The hooks flowgate installs, in the order git runs them.
pub const HOOKS: [&str; 3] = ["pre-commit", "prepare-commit-msg", "commit-msg"];

/// The first comment line of a shim (what a reader sees; not how flowgate recognises it).
pub const MARKER: &str = "# flowgate-managed hook";

/// The start of the line holding a shim's checksum: FNV-1a of the shim without that line.
pub const CHECKSUM: &str = "# flowgate-shim-checksum: ";

/// The largest file [`is_ours`] reads (a shim is well under 1 KiB).
const MAX_SHIM: u64 = 16 * 1024;

/// Suffix of a hook that was there before and runs first.
pub const CHAINED: &str = ".flowgate-chained";

/// Suffix of a hook set aside by `install --force`.
pub const BACKUP: &str = ".flowgate-backup";

/// The shim for one hook, with its checksum line.
pub fn shim(name: &str) -> String {
    let body = shim_body(name);
    let sum = crate::report::sarif::fnv1a(&[&body]);
    match body.split_once('\n') {
        Some((first, rest)) => format!("{first}\n{CHECKSUM}{sum}\n{rest}"),
        None => body,
    }
}

/// The shim's text without its checksum line.
fn shim_body(name: &str) -> String {
    format!(
        r#"#!/bin/sh
{MARKER}: runs `flowgate hook {name}`.
# Written by `flowgate install`; `flowgate uninstall` removes it and restores the hook it chained.
chained="${{0%/*}}/{name}{CHAINED}"
if [ -x "$chained" ]; then
    "$chained" "$@" || exit $?
fi
if ! command -v flowgate >/dev/null 2>&1; then
    echo "flowgate: the {name} hook needs flowgate on PATH; install it (cargo install flowgate) or run flowgate uninstall." >&2
    echo "flowgate: to commit once without the gate: git commit --no-verify" >&2
    exit 1
fi
exec flowgate hook {name} "$@"
"#
    )
}

/// The folder git runs hooks from.
pub fn hooks_dir(repo: &Repo) -> Result<PathBuf, CommandError> {
    let configured = repo
        .config_path("core.hooksPath")
        .filter(|p| !p.as_os_str().is_empty());
    Ok(match configured {
        Some(p) if p.is_absolute() => p,
        Some(p) => repo.workdir().unwrap_or_else(|| repo.git_dir()).join(p),
        None => repo.common_dir().join("hooks"),
    })
}

/// True when the file at `path` is a shim flowgate wrote: a regular file whose checksum
/// line matches the rest of its text (any flowgate version's shim, for any hook).
pub fn is_ours(path: &Path) -> bool {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return false;
    };
    if !meta.is_file() || meta.len() > MAX_SHIM {
        return false;
    }
    let Ok(text) = std::fs::read_to_string(path) else {
        return false;
    };
    checksum_matches(&text)
}

/// True when `text` has exactly one checksum line and it is the checksum of the rest.
fn checksum_matches(text: &str) -> bool {
    let mut sums = text
        .split_inclusive('\n')
        .filter(|l| l.starts_with(CHECKSUM));
    let (Some(line), None) = (sums.next(), sums.next()) else {
        return false;
    };
    let rest: String = text
        .split_inclusive('\n')
        .filter(|l| !l.starts_with(CHECKSUM))
        .collect();
    let claimed = line.trim_end().get(CHECKSUM.len()..).unwrap_or_default();
    crate::report::sarif::fnv1a(&[&rest]) == claimed
}

fn exists(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok()
}

fn io_err(what: &str, path: &Path, e: std::io::Error) -> CommandError {
    CommandError::Repository(format!("cannot {what} {}: {e}", path.display()))
}

fn write_shim(path: &Path, name: &str) -> Result<(), CommandError> {
    std::fs::write(path, shim(name)).map_err(|e| io_err("write", path, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
            .map_err(|e| io_err("make executable", path, e))?;
    }
    Ok(())
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// A backup name not yet taken: `<name>.flowgate-backup`, then `.flowgate-backup.1`, ...
fn free_backup(path: &Path) -> PathBuf {
    let first = with_suffix(path, BACKUP);
    (1..)
        .map(|n| with_suffix(path, &format!("{BACKUP}.{n}")))
        .find(|p| !exists(p))
        .filter(|_| exists(&first))
        .unwrap_or(first)
}

/// `flowgate install`.
pub fn install(ctx: &Context, args: &InstallArgs) -> Result<Outcome, CommandError> {
    let names: Vec<&str> = if args.hooks.is_empty() {
        HOOKS.to_vec()
    } else {
        let mut v = Vec::new();
        for h in &args.hooks {
            match HOOKS.iter().find(|n| **n == h.as_str()) {
                Some(n) => v.push(*n),
                None => {
                    return Err(CommandError::Usage(format!(
                        "flowgate has no `{h}` hook; choose from {}",
                        HOOKS.join(", ")
                    )))
                }
            }
        }
        v
    };
    let repo = Repo::discover(&ctx.dir).map_err(|e| CommandError::Repository(e.0))?;
    let dir = hooks_dir(&repo)?;
    if let Some(advice) = super::hook_managers::advice(&repo, &dir).filter(|_| !args.force) {
        return Err(CommandError::Usage(advice));
    }
    // Refuse before touching anything, so a refusal leaves no half-installed state.
    let mut refused = Vec::new();
    for name in &names {
        let path = dir.join(name);
        let chained = with_suffix(&path, CHAINED);
        if exists(&path) && !is_ours(&path) && exists(&chained) && !args.force {
            refused.push(format!(
                "{} is not flowgate's, and {} already holds a chained hook",
                path.display(),
                chained.display()
            ));
        }
    }
    if !refused.is_empty() {
        return Err(CommandError::Usage(format!(
            "{}; move one of them away, or run `flowgate install --force` to back the current hook up to <name>{BACKUP} and replace it",
            refused.join("; ")
        )));
    }
    std::fs::create_dir_all(&dir).map_err(|e| io_err("create", &dir, e))?;
    for name in names {
        let path = dir.join(name);
        let chained = with_suffix(&path, CHAINED);
        let note = if !exists(&path) {
            "installed".to_string()
        } else if is_ours(&path) {
            let current = std::fs::read_to_string(&path).is_ok_and(|t| t == shim(name));
            if current { "up to date" } else { "updated" }.to_string()
        } else if !exists(&chained) {
            std::fs::rename(&path, &chained).map_err(|e| io_err("rename", &path, e))?;
            format!(
                "installed; the existing hook now runs first, as {}",
                chained.display()
            )
        } else {
            let backup = free_backup(&path);
            std::fs::rename(&path, &backup).map_err(|e| io_err("rename", &path, e))?;
            format!(
                "installed; the existing hook was backed up to {}",
                backup.display()
            )
        };
        write_shim(&path, name)?;
        if !ctx.global.quiet {
            println!("{}: {note}", path.display());
        }
    }
    Ok(Outcome::Clean)
}

/// `flowgate uninstall`.
pub fn uninstall(ctx: &Context) -> Result<Outcome, CommandError> {
    let repo = Repo::discover(&ctx.dir).map_err(|e| CommandError::Repository(e.0))?;
    let dir = hooks_dir(&repo)?;
    let mut said = false;
    for name in HOOKS {
        let path = dir.join(name);
        let chained = with_suffix(&path, CHAINED);
        let note = if exists(&path) && is_ours(&path) {
            std::fs::remove_file(&path).map_err(|e| io_err("remove", &path, e))?;
            if exists(&chained) {
                std::fs::rename(&chained, &path).map_err(|e| io_err("rename", &chained, e))?;
                "removed; the hook it chained is back in place"
            } else {
                "removed"
            }
        } else if exists(&chained) {
            "left alone (not flowgate's); a chained hook is still beside it"
        } else {
            continue;
        };
        said = true;
        if !ctx.global.quiet {
            println!("{}: {note}", path.display());
        }
    }
    if !said && !ctx.global.quiet {
        println!("no flowgate hooks in {}", dir.display());
    }
    Ok(Outcome::Clean)
}
