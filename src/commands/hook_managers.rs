//! Hook managers that own a repository's git hooks and rewrite them on their next run
//! (husky, lefthook). `flowgate install` does not write hooks there: the manager would
//! overwrite them, or stop git from running them. It says which lines to add to the
//! manager's own files instead.

use std::path::Path;

use crate::git::Repo;

/// When a hook manager owns the hooks of `repo` (whose hooks folder is `hooks_dir`): what
/// to add to its files instead of installing flowgate's hooks.
pub fn advice(repo: &Repo, hooks_dir: &Path) -> Option<String> {
    let root = repo.workdir()?;
    let husky_hooks_path = hooks_dir.ends_with(".husky/_") || hooks_dir.ends_with(".husky");
    if husky_hooks_path || root.join(".husky/_").is_dir() {
        let why = if husky_hooks_path {
            format!("core.hooksPath is {}", hooks_dir.display())
        } else {
            ".husky/_ exists".to_string()
        };
        return Some(format!(
            "this repository's hooks are managed by husky ({why}), which rewrites them on its next install; \
             add flowgate to husky's hook files instead:\n\
             \x20 .husky/pre-commit:          flowgate hook pre-commit\n\
             \x20 .husky/commit-msg:          flowgate hook commit-msg \"$1\"\n\
             \x20 .husky/prepare-commit-msg:  flowgate hook prepare-commit-msg \"$@\"\n\
             (or run `flowgate install --force` to write flowgate's own hooks anyway)"
        ));
    }
    let lefthook = [
        "lefthook.yml",
        "lefthook.yaml",
        ".lefthook.yml",
        ".lefthook.yaml",
    ]
    .into_iter()
    .find(|name| root.join(name).is_file())?;
    Some(format!(
        "this repository's hooks are managed by lefthook ({lefthook}), which rewrites them on its next install; \
         add flowgate to {lefthook} instead, then run `lefthook install`:\n\
         \x20 pre-commit:\n\
         \x20   commands:\n\
         \x20     flowgate:\n\
         \x20       run: flowgate hook pre-commit\n\
         \x20 prepare-commit-msg:\n\
         \x20   commands:\n\
         \x20     flowgate:\n\
         \x20       run: flowgate hook prepare-commit-msg {{1}} {{2}} {{3}}\n\
         \x20 commit-msg:\n\
         \x20   commands:\n\
         \x20     flowgate:\n\
         \x20       run: flowgate hook commit-msg {{1}}\n\
         (or run `flowgate install --force` to write flowgate's own hooks anyway)"
    ))
}
