//! The layering of `src/`: every `crate::` path in the code of a file (its `use` lines and
//! paths written inline) names a module of its own layer or of a lower one, and the
//! top-level modules import each other in no cycle. The order is declared here, once;
//! CONTRIBUTING draws it.
//!
//! Test modules (`#[cfg(test)] mod tests { … }`) may use any layer: a test of the snapshot
//! may run the rules over it. Comments are not code and are not read.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// The layers, lowest first. A module may import its own layer and the layers before it.
const LAYERS: &[(&str, &[&str])] = &[
    (
        "vocabulary",
        &["codes", "finding", "text", "paths", "parallel", "test_rng"],
    ),
    ("task model", &["tracker"]),
    ("plumbing", &["source", "own_files", "git"]),
    ("task and spec parsers", &["backlog", "spec", "message"]),
    ("configuration", &["config"]),
    ("workflow parsers", &["workflow", "flowspec"]),
    ("snapshot", &["snapshot", "parsed_codec"]),
    ("rules", &["rules"]),
    ("recorded findings", &["baseline"]),
    ("engine", &["engine"]),
    ("history", &["audit"]),
    ("report", &["report"]),
    ("command-line grammar", &["cli"]),
    ("commands", &["commands"]),
    ("entry points", &["lib", "main"]),
];

/// Upward imports that exist today and are to be removed; no new one may appear, and one
/// that is gone must be struck from this list. (file, imported top-level module, why).
const KNOWN_UPWARD: &[(&str, &str, &str)] = &[];

/// Rules that read tasks through the tracker model only: they name no tracker's format, so
/// a second tracker reader runs them unchanged (`tests/tracker_seam.rs` does).
const TRACKER_NEUTRAL: &[&str] = &["src/rules/transitions.rs", "src/rules/spec_links.rs"];

fn layer_of(module: &str) -> Option<(usize, &'static str)> {
    LAYERS
        .iter()
        .enumerate()
        .find(|(_, (_, modules))| modules.contains(&module))
        .map(|(i, (name, _))| (i, *name))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file under `src/` belongs to (`src/git/repo.rs` → `git`).
fn module_of(relative: &str) -> String {
    let rest = relative.trim_start_matches("src/");
    let first = rest.split('/').next().unwrap_or(rest);
    first.trim_end_matches(".rs").to_string()
}

/// The lines of `text` that are code outside test modules, with their 1-based numbers.
fn code_lines(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut lines = text.lines().enumerate().peekable();
    while let Some((i, line)) = lines.next() {
        if line.trim_start() == "#[cfg(test)]" {
            let indent = line.len() - line.trim_start().len();
            let opens_module = lines.peek().is_some_and(|(_, next)| {
                next.trim_start().starts_with("mod ") && next.ends_with('{')
            });
            if opens_module {
                // Skip to the brace that closes the module, at the attribute's indentation.
                let closing = format!("{}}}", " ".repeat(indent));
                for (_, inner) in lines.by_ref().skip(1) {
                    if inner == closing {
                        break;
                    }
                }
            }
            continue;
        }
        let code = line.split("//").next().unwrap_or("");
        if !code.trim().is_empty() {
            out.push((i + 1, code));
        }
    }
    out
}

/// The top-level modules named by `crate::…` paths in one line of code.
fn imports(line: &str) -> Vec<String> {
    line.match_indices("crate::")
        .filter(|(at, _)| {
            // `flowgate_crate::` or `$crate::` are not this crate's paths.
            !line[..*at]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$')
        })
        .map(|(at, m)| {
            line[at + m.len()..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect::<String>()
        })
        .filter(|m| !m.is_empty())
        .collect()
}

struct Import {
    file: String,
    line: usize,
    from: String,
    to: String,
}

/// Every `.rs` file under `src/`: its path relative to the crate (`src/git/repo.rs`) and
/// its text.
fn source_files() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    files
        .into_iter()
        .map(|path| {
            let relative = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            let text =
                fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {relative}: {e}"));
            (relative, text)
        })
        .collect()
}

fn all_imports() -> (Vec<Import>, BTreeSet<String>) {
    let mut out = Vec::new();
    let mut modules = BTreeSet::new();
    for (relative, text) in source_files() {
        let from = module_of(&relative);
        modules.insert(from.clone());
        for (line, code) in code_lines(&text) {
            for to in imports(code) {
                if to != from {
                    out.push(Import {
                        file: relative.clone(),
                        line,
                        from: from.clone(),
                        to,
                    });
                }
            }
        }
    }
    (out, modules)
}

fn known(import: &Import) -> bool {
    KNOWN_UPWARD
        .iter()
        .any(|(file, to, _)| *file == import.file && *to == import.to)
}

#[test]
fn every_module_has_a_declared_layer() {
    let (imports, modules) = all_imports();
    let named: BTreeSet<&str> = imports.iter().map(|i| i.to.as_str()).collect();
    let undeclared: Vec<&str> = modules
        .iter()
        .map(String::as_str)
        .chain(named)
        .filter(|m| layer_of(m).is_none())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    assert!(
        undeclared.is_empty(),
        "modules without a layer: {undeclared:?}; add each to LAYERS in tests/architecture.rs \
         (and to the diagram in CONTRIBUTING.md)"
    );
}

#[test]
fn no_module_imports_a_higher_layer() {
    let (imports, _) = all_imports();
    let mut upward = Vec::new();
    for import in &imports {
        let (Some((from, from_name)), Some((to, to_name))) =
            (layer_of(&import.from), layer_of(&import.to))
        else {
            continue;
        };
        if to > from && !known(import) {
            upward.push(format!(
                "{}:{}: `{}` ({from_name}) imports `{}` ({to_name}), a higher layer",
                import.file, import.line, import.from, import.to
            ));
        }
    }
    assert!(
        upward.is_empty(),
        "upward imports (move the code down, or the import out):\n{}",
        upward.join("\n")
    );
}

#[test]
fn every_known_upward_import_still_exists() {
    let (imports, _) = all_imports();
    let stale: Vec<String> = KNOWN_UPWARD
        .iter()
        .filter(|(file, to, _)| !imports.iter().any(|i| i.file == *file && i.to == *to))
        .map(|(file, to, _)| format!("{file} → {to}"))
        .collect();
    assert!(
        stale.is_empty(),
        "these upward imports are gone; strike them from KNOWN_UPWARD: {stale:?}"
    );
}

#[test]
fn top_level_modules_import_each_other_in_no_cycle() {
    let (imports, modules) = all_imports();
    let mut edges: BTreeMap<&str, BTreeMap<&str, &Import>> = BTreeMap::new();
    for import in imports.iter().filter(|i| !known(i)) {
        edges
            .entry(import.from.as_str())
            .or_default()
            .entry(import.to.as_str())
            .or_insert(import);
    }
    // Depth-first search; a back edge closes a cycle.
    fn visit<'a>(
        node: &'a str,
        edges: &BTreeMap<&'a str, BTreeMap<&'a str, &'a Import>>,
        done: &mut BTreeSet<&'a str>,
        path: &mut Vec<&'a str>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| *n == node) {
            let cycle = &path[at..];
            return Some(
                cycle
                    .iter()
                    .enumerate()
                    .map(|(k, from)| {
                        let to = cycle.get(k + 1).copied().unwrap_or(node);
                        let i = edges[from][to];
                        format!("{}:{}: `{from}` imports `{to}`", i.file, i.line)
                    })
                    .collect(),
            );
        }
        if !done.insert(node) {
            return None;
        }
        path.push(node);
        for next in edges.get(node).into_iter().flat_map(BTreeMap::keys) {
            if let Some(cycle) = visit(next, edges, done, path) {
                return Some(cycle);
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    for module in &modules {
        if let Some(cycle) = visit(module, &edges, &mut done, &mut Vec::new()) {
            panic!("an import cycle:\n{}", cycle.join("\n"));
        }
    }
}

/// The places in `text` (1-based line numbers) that name the libgit2 crate: `git2::` in
/// code (test modules too), not in comments.
fn names_git2(text: &str) -> Vec<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| {
            let code = line.split("//").next().unwrap_or("");
            code.match_indices("git2::").any(|(at, _)| {
                !code[..at]
                    .chars()
                    .next_back()
                    .is_some_and(|c| c.is_alphanumeric() || c == '_')
            })
        })
        .map(|(i, _)| i + 1)
        .collect()
}

/// `git/` is the plumbing: repository access, trees, the index, diffs. Every other layer
/// reaches the repository through what it offers (`Repo`, `Oid`, the sources), never
/// through libgit2 itself.
#[test]
fn only_git_names_libgit2() {
    let mut outside = Vec::new();
    for (relative, text) in source_files() {
        if relative.starts_with("src/git/") {
            continue;
        }
        outside.extend(
            names_git2(&text)
                .into_iter()
                .map(|line| format!("{relative}:{line}")),
        );
    }
    assert!(
        outside.is_empty(),
        "libgit2 is named outside src/git/ (give git/ the wrapper it needs):\n{}",
        outside.join("\n")
    );
}

#[test]
fn the_libgit2_scanner_reads_code_and_skips_comments() {
    let text =
        "use git2::Oid;\n// git2::Repository\nlet a = my_git2::x;\nfn f(r: &git2::Repository) {}\n";
    assert_eq!(names_git2(text), [1, 4]);
}

#[test]
fn tracker_neutral_rules_import_no_tracker_format() {
    let (imports, _) = all_imports();
    let format: Vec<String> = imports
        .iter()
        .filter(|i| TRACKER_NEUTRAL.contains(&i.file.as_str()) && i.to == "backlog")
        .map(|i| format!("{}:{}: imports `backlog`", i.file, i.line))
        .collect();
    assert!(
        format.is_empty(),
        "these rules read tasks through `tracker` (the model and the tool's help), not \
         Backlog.md's reader:\n{}",
        format.join("\n")
    );
}

#[test]
fn the_scanner_reads_paths_and_skips_comments_and_tests() {
    assert_eq!(imports("use crate::rules::{self, Rule};"), ["rules"]);
    assert_eq!(
        imports("    let x = crate::spec::link::normalise(a, crate::text::x);"),
        ["spec", "text"]
    );
    assert!(imports("macro_rules! m { () => { $crate::x } }").is_empty());
    let text = "use crate::a;\n// crate::b\n#[cfg(test)]\nmod tests {\n    use crate::c;\n}\nfn f() { crate::d::g() }\n";
    let lines: Vec<String> = code_lines(text)
        .into_iter()
        .flat_map(|(_, l)| imports(l))
        .collect();
    assert_eq!(lines, ["a", "d"]);
}
