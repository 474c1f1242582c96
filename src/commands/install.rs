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

use std::path::{Path, PathBuf};

use super::{CommandError, Context, Outcome};
use crate::cli::InstallArgs;
use crate::git::Repo;

/// The hooks flowgate installs, in the order git runs them.
pub const HOOKS: [&str; 3] = ["pre-commit", "prepare-commit-msg", "commit-msg"];

/// The line that marks a hook file as flowgate's.
pub const MARKER: &str = "# flowgate-managed hook";

/// Suffix of a hook that was there before and runs first.
pub const CHAINED: &str = ".flowgate-chained";

/// Suffix of a hook set aside by `install --force`.
pub const BACKUP: &str = ".flowgate-backup";

/// The shim for one hook.
pub fn shim(name: &str) -> String {
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
        .git
        .config()
        .ok()
        .and_then(|c| c.get_path("core.hooksPath").ok())
        .filter(|p| !p.as_os_str().is_empty());
    Ok(match configured {
        Some(p) if p.is_absolute() => p,
        Some(p) => repo.workdir().unwrap_or_else(|| repo.git.path()).join(p),
        None => repo.git.commondir().join("hooks"),
    })
}

fn is_ours(path: &Path) -> bool {
    std::fs::read(path)
        .map(|b| String::from_utf8_lossy(&b).contains(MARKER))
        .unwrap_or(false)
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
            "up to date".to_string()
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
