//! Path globs matched without compiling them to a regex when they are simple.
//!
//! Building a [`GlobSet`] compiles every glob into one regex, which costs far more than
//! matching the handful of paths a hook asks about. Globs made only of literal characters,
//! `*`, `?`, `**` as a whole path component and one level of `{a,b}` alternatives are
//! matched here component by component, with the same meaning globset gives them (a `*`
//! or `?` never crosses a `/`); the rest, and any path that is not ASCII (a `?` matches
//! one character, and Unicode case folding applies), go to a [`GlobSet`] compiled on
//! first use.

use std::sync::OnceLock;

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

/// One component of a simple glob.
#[derive(Debug, Clone)]
enum Part {
    /// `**`: any number of components.
    AnyDirs,
    /// Literal characters, `*` and `?`, never matching a `/`.
    Segment(Vec<u8>),
}

/// A set of path globs (`*` and `?` do not match `/`), optionally case-insensitive.
#[derive(Debug, Clone)]
pub struct PathGlobs {
    /// The simple globs, split into components.
    simple: Vec<Vec<Part>>,
    /// True when at least one glob is not simple: those are matched by `compiled`.
    any_complex: bool,
    case_insensitive: bool,
    /// Every glob as written.
    globs: Vec<String>,
    /// Which folders can hold a match, and the folder names of each glob that is literal
    /// folders followed by `/**`: made on first use (only a diff asks).
    folders: OnceLock<(GlobHeads, Vec<Vec<String>>)>,
    /// `globs` compiled, on first use; `None` when globset cannot compile them.
    compiled: OnceLock<Option<GlobSet>>,
}

impl PathGlobs {
    /// Reads the globs (an invalid one is an error); compiles none of them. A glob is read
    /// as the repository-relative paths are written: `./src/**` and `/src/**` are `src/**`.
    pub fn new<'a>(
        globs: impl IntoIterator<Item = &'a str>,
        case_insensitive: bool,
    ) -> Result<PathGlobs, globset::Error> {
        let mut set = PathGlobs {
            simple: Vec::new(),
            any_complex: false,
            case_insensitive,
            globs: Vec::new(),
            folders: OnceLock::new(),
            compiled: OnceLock::new(),
        };
        for g in globs.into_iter().map(crate::paths::normalise_glob) {
            match expand(g) {
                // globset accepts every simple glob: it is parsed when first compiled.
                Some(expanded) => set.simple.extend(expanded),
                None => {
                    glob(g, case_insensitive)?;
                    set.any_complex = true;
                }
            }
            set.globs.push(g.to_string());
        }
        Ok(set)
    }

    /// True when one of the globs matches the whole of `path`.
    pub fn is_match(&self, path: &str) -> bool {
        if self.any_complex || !path.is_ascii() {
            return self.compiled().is_some_and(|set| set.is_match(path));
        }
        let components: Vec<&[u8]> = path.as_bytes().split(|&b| b == b'/').collect();
        self.simple
            .iter()
            .any(|parts| match_parts(parts, &components, self.case_insensitive))
    }

    /// False only when no path below folder `dir` (a path without a trailing `/`) can
    /// match: every glob's leading literal folders (see [`GlobHeads`]) lead elsewhere. A
    /// diff skips such a folder unread.
    pub fn may_match_below(&self, dir: &str) -> bool {
        self.folders().0.may_match_below(dir)
    }

    /// True only when every path below folder `dir` matches: one glob is literal folders
    /// followed by `/**` (`docs/**`, `.husky/**`) and `dir` is, or lies in, those folders.
    pub fn matches_all_below(&self, dir: &str) -> bool {
        self.folders().1.iter().any(|head| {
            let mut parts = dir.split('/');
            head.iter().all(|g| {
                parts.next().is_some_and(|d| {
                    if self.case_insensitive {
                        g.eq_ignore_ascii_case(d)
                    } else {
                        g == d
                    }
                })
            })
        })
    }

    fn folders(&self) -> &(GlobHeads, Vec<Vec<String>>) {
        self.folders.get_or_init(|| {
            let whole = self
                .globs
                .iter()
                .filter_map(|g| g.strip_suffix("/**"))
                .map(|head| head.split('/').map(String::from).collect::<Vec<_>>())
                .filter(|parts| {
                    parts
                        .iter()
                        .all(|p| !p.is_empty() && !p.contains(GLOB_META))
                })
                .collect();
            (GlobHeads::new(&self.globs, self.case_insensitive), whole)
        })
    }

    fn compiled(&self) -> Option<&GlobSet> {
        self.compiled
            .get_or_init(|| {
                let mut b = GlobSetBuilder::new();
                for g in &self.globs {
                    b.add(glob(g, self.case_insensitive).ok()?);
                }
                b.build().ok()
            })
            .as_ref()
    }
}

/// The characters that make a glob's component more than a literal name.
const GLOB_META: &[char] = &['*', '?', '[', ']', '{', '}', '\\'];

/// The leading literal folder names of each of a set of globs (read as [`PathGlobs`] and
/// the spec loader read them: `*` and `?` never cross a `/`): a glob's components before
/// its first with a wildcard, a bracket or a brace are folder names every match lies in
/// (or, for a glob without any, the whole path). A folder can hold a match only when,
/// for some glob, its names agree with those of the folder at every depth both have.
#[derive(Debug, Clone, Default)]
pub struct GlobHeads {
    heads: Vec<Vec<String>>,
    case_insensitive: bool,
}

impl GlobHeads {
    /// The heads of `globs` (each read as [`crate::paths::normalise_glob`] reads it).
    pub fn new(globs: &[String], case_insensitive: bool) -> GlobHeads {
        let heads = globs
            .iter()
            .map(|g| {
                crate::paths::normalise_glob(g)
                    .split('/')
                    .take_while(|part| !part.contains(GLOB_META))
                    .map(String::from)
                    .collect()
            })
            .collect();
        GlobHeads {
            heads,
            case_insensitive,
        }
    }

    /// False only when no path below folder `dir` (a path without a trailing `/`) can
    /// match one of the globs. Case-insensitively, a `dir` that is not ASCII may match
    /// (Unicode case folding) and is never refused.
    pub fn may_match_below(&self, dir: &str) -> bool {
        if self.case_insensitive && !dir.is_ascii() {
            return true;
        }
        self.heads.iter().any(|head| {
            head.iter().zip(dir.split('/')).all(|(g, d)| {
                if self.case_insensitive {
                    g.eq_ignore_ascii_case(d)
                } else {
                    g == d
                }
            })
        })
    }
}

/// `g` as globset reads it.
fn glob(g: &str, case_insensitive: bool) -> Result<globset::Glob, globset::Error> {
    GlobBuilder::new(g)
        .literal_separator(true)
        .case_insensitive(case_insensitive)
        .build()
}

/// `glob` as simple globs (one per alternative of a `{…}`), or `None` when it is not simple.
fn expand(glob: &str) -> Option<Vec<Vec<Part>>> {
    if !glob.is_ascii() || glob.contains(['[', ']', '\\']) {
        return None;
    }
    let mut out = Vec::new();
    for alternative in alternatives(glob)? {
        out.push(parts(&alternative)?);
    }
    Some(out)
}

/// The texts `glob` stands for, one per choice in each `{a,b}` (no nesting, no empty
/// choice); `None` when its braces are not of that form.
fn alternatives(glob: &str) -> Option<Vec<String>> {
    let mut texts = vec![String::new()];
    let mut rest = glob;
    while let Some(open) = rest.find(['{', '}']) {
        if rest.as_bytes().get(open) != Some(&b'{') {
            return None;
        }
        let close = open + 1 + rest.get(open + 1..)?.find(['{', '}'])?;
        if rest.as_bytes().get(close) != Some(&b'}') {
            return None;
        }
        let (head, choices) = (rest.get(..open)?, rest.get(open + 1..close)?);
        let choices: Vec<&str> = choices.split(',').collect();
        if choices
            .iter()
            .any(|c| c.is_empty() || c.contains(['*', '?', '/']))
        {
            return None;
        }
        texts = texts
            .iter()
            .flat_map(|t| choices.iter().map(move |c| format!("{t}{head}{c}")))
            .collect();
        rest = rest.get(close + 1..)?;
    }
    for t in &mut texts {
        t.push_str(rest);
    }
    Some(texts)
}

/// The components of a glob without braces; `None` when a `**` is not a whole component,
/// or two follow each other.
fn parts(glob: &str) -> Option<Vec<Part>> {
    let mut parts = Vec::new();
    for c in glob.split('/') {
        if c == "**" {
            if matches!(parts.last(), Some(Part::AnyDirs)) {
                return None;
            }
            parts.push(Part::AnyDirs);
        } else if c.contains("**") {
            return None;
        } else {
            parts.push(Part::Segment(c.as_bytes().to_vec()));
        }
    }
    Some(parts)
}

/// Matches the components of a glob against those of a path. A `**` that ends a glob
/// with something before it (`docs/**`) needs at least one component after the `/`; any
/// other `**` matches zero or more components.
fn match_parts(parts: &[Part], path: &[&[u8]], ci: bool) -> bool {
    match parts.split_first() {
        None => path.is_empty(),
        Some((Part::AnyDirs, [])) => true,
        Some((Part::AnyDirs, rest)) => (0..=path.len()).any(|skip| {
            path.get(skip..)
                .is_some_and(|tail| match_parts(rest, tail, ci))
        }),
        Some((Part::Segment(seg), rest)) => {
            if let [Part::AnyDirs] = rest {
                // `prefix/**`: the prefix, then at least one component.
                return path.len() >= 2 && path.first().is_some_and(|c| match_segment(seg, c, ci));
            }
            match path.split_first() {
                Some((first, tail)) => match_segment(seg, first, ci) && match_parts(rest, tail, ci),
                None => false,
            }
        }
    }
}

/// Matches `text` against a segment of literal bytes, `*` and `?` (`*` any run of bytes,
/// `?` one byte; a path component here, a whole exempt-author ident in the commit rules).
pub(crate) fn match_segment(seg: &[u8], text: &[u8], ci: bool) -> bool {
    let (mut s, mut t) = (0, 0);
    // Where the last `*` was, and the text position it has consumed up to.
    let mut star: Option<(usize, usize)> = None;
    while let Some(&ch) = text.get(t) {
        match seg.get(s) {
            Some(b'*') => {
                star = Some((s, t));
                s += 1;
                continue;
            }
            Some(&c) if c == b'?' || c == ch || (ci && c.eq_ignore_ascii_case(&ch)) => {
                s += 1;
                t += 1;
                continue;
            }
            _ => {}
        }
        match star {
            Some((star_s, star_t)) => {
                s = star_s + 1;
                t = star_t + 1;
                star = Some((star_s, star_t + 1));
            }
            None => return false,
        }
    }
    seg.get(s..).is_some_and(|r| r.iter().all(|&c| c == b'*'))
}

#[cfg(test)]
mod tests {
    use super::*;

    const GLOBS: &[&str] = &[
        "specs/**",
        "docs/**",
        "**/*.md",
        ".specify/**",
        "LICENSE*",
        "*.rst",
        "**/{doc,docs,documentation}/**/*.{png,jpg,svg}",
        "**",
        "src/**/*.rs",
        "src/*.rs",
        "a/**/b",
        "**/flowspec_workflow.yml",
        ".husky/**",
        "backlog/**",
        "?ake*",
        "*a*b*c",
        "lib/[ab]*.py",
        "x/{a,b}/{c,d}.txt",
        "*",
        "a/*/c",
        "weird{,x}",
        "w**x",
        "**/**/z",
        "\\*.txt",
    ];

    const PATHS: &[&str] = &[
        "",
        "/",
        "specs",
        "specs/",
        "specs/a.md",
        "specs/001/spec.md",
        "Specs/x",
        "docs",
        "docs/guide/img.PNG",
        "README.md",
        "readme.MD",
        "a/b/c.md",
        "/x.md",
        ".md",
        "LICENSE",
        "license-MIT",
        "x/LICENSE",
        "guide.rst",
        "x/guide.rst",
        "doc/a/b/c.svg",
        "x/doc/c.svg",
        "x/docs/c.jpg",
        "x/documentation/y/z/c.png",
        "x/documentations/c.png",
        "src/main.rs",
        "src/a/b/main.rs",
        "src//main.rs",
        "a/b",
        "a/x/b",
        "a/x/y/b",
        "a//b",
        "ab",
        "a/b/",
        "x/flowspec_workflow.yml",
        "flowspec_workflow.yml",
        ".husky/pre-commit",
        ".husky",
        "backlog/tasks/task-1 - X.md",
        "Makefile",
        "make",
        "fake",
        "abc",
        "aXbYc",
        "acb",
        "lib/a1.py",
        "x/a/c.txt",
        "x/b/d.txt",
        "weird",
        "weirdx",
        "wx",
        "wabx",
        "z",
        "q/z",
        "*.txt",
        "a.txt",
        "a/b/c",
        "a/c",
        "é/x.md",
        "DOCS/é",
        "ſpecs/x",
        "LICENSE/x",
        "docs/",
        "x/doc/",
        "src/",
        "x/a/",
    ];

    /// Each glob alone, and all together, in both cases: as globset matches them.
    #[test]
    fn matches_like_globset() {
        let sets: Vec<Vec<&str>> = GLOBS
            .iter()
            .map(|g| vec![*g])
            .chain([GLOBS.to_vec(), crate::config::BUILTIN_NON_CODE.to_vec()])
            .collect();
        for globs in &sets {
            for ci in [false, true] {
                let ours = PathGlobs::new(globs.iter().copied(), ci).unwrap();
                let mut b = GlobSetBuilder::new();
                for g in globs {
                    b.add(
                        GlobBuilder::new(g)
                            .literal_separator(true)
                            .case_insensitive(ci)
                            .build()
                            .unwrap(),
                    );
                }
                let theirs = b.build().unwrap();
                for p in PATHS {
                    assert_eq!(
                        ours.is_match(p),
                        theirs.is_match(p),
                        "globs {globs:?}, case-insensitive {ci}, path {p:?}"
                    );
                }
            }
        }
    }

    /// A folder refused by `may_match_below` holds no match, and one `matches_all_below`
    /// takes holds nothing else, for each glob alone and all together, in both cases.
    #[test]
    fn folder_answers_agree_with_the_paths_below() {
        let dirs = [
            "specs",
            "specs/001",
            "docs",
            "Docs",
            "DOCS",
            "x",
            "x/doc",
            "a",
            "a/b",
            "a/x",
            "src",
            "src/a",
            "lib",
            ".husky",
            "backlog",
            "backlog/tasks",
            "é",
            "ſpecs",
            "LICENSE",
            "q",
            "z",
            "weird",
            "Specs",
        ];
        let sets: Vec<Vec<&str>> = GLOBS
            .iter()
            .map(|g| vec![*g])
            .chain([GLOBS.to_vec(), crate::config::BUILTIN_NON_CODE.to_vec()])
            .collect();
        let mut refused = 0;
        let mut taken = 0;
        for globs in &sets {
            for ci in [false, true] {
                let set = PathGlobs::new(globs.iter().copied(), ci).unwrap();
                for dir in dirs {
                    let (may, all) = (set.may_match_below(dir), set.matches_all_below(dir));
                    refused += usize::from(!may);
                    taken += usize::from(all);
                    let below = PATHS.iter().copied().map(String::from).chain(
                        ["f", "a.md", "sub/b.rs", "spec.md", "a/b/c.png", "x/y/z"]
                            .iter()
                            .map(|rest| format!("{dir}/{rest}")),
                    );
                    for p in below.filter(|p| p.starts_with(&format!("{dir}/"))) {
                        let m = set.is_match(&p);
                        assert!(may || !m, "{globs:?} ci {ci}: {dir} refused, {p} matches");
                        assert!(
                            !all || m,
                            "{globs:?} ci {ci}: {dir} taken, {p} does not match"
                        );
                    }
                }
            }
        }
        assert!(
            refused > 100 && taken > 20,
            "{refused} refused, {taken} taken"
        );
    }

    #[test]
    fn builtin_globs_are_simple() {
        let set = PathGlobs::new(crate::config::BUILTIN_NON_CODE.iter().copied(), true).unwrap();
        assert!(!set.any_complex);
        assert!(set.is_match("docs/img/a.png"));
        assert!(
            set.compiled.get().is_none(),
            "nothing compiled for an ASCII path"
        );
    }

    /// A glob taken as simple is never checked by globset: it must accept all of them.
    #[test]
    fn globset_accepts_every_simple_glob() {
        for g in GLOBS.iter().chain(crate::config::BUILTIN_NON_CODE) {
            if expand(g).is_some() {
                assert!(glob(g, false).is_ok(), "{g}");
            }
        }
        for g in [
            "{a,b}{c,d}",
            "a/{b,c}/**",
            "?*?",
            "**/",
            "/**",
            "a//b",
            "{x}",
            ".",
            "",
        ] {
            if expand(g).is_some() {
                assert!(glob(g, true).is_ok(), "{g}");
            }
        }
    }

    #[test]
    fn an_invalid_glob_is_an_error() {
        for g in ["src/{a", "a}", "[a", "x\\"] {
            assert!(PathGlobs::new([g], false).is_err(), "{g}");
        }
    }
}
