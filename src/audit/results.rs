//! The audit's result memo: what the last audit computed from HEAD's tree (the tree
//! rules' findings and the coverage) and from that tree with the history (the suspect
//! links), in `.git/flowgate/audit-results.bin`, each part with a fingerprint of
//! everything it was computed from. An audit whose inputs to a part are the ones of the
//! last audit takes that part from the memo; after a commit that changed no task or spec
//! file (nor the configuration), the tree rules and the coverage are not run again, and
//! the suspect links neither when the new commits moved no task, added no link and
//! changed no spec section. The fingerprint of the tree covers each task and spec file's
//! path and blob (which fix its parse, as the tree memo relies on), the rest of the
//! snapshot as built, the whole configuration and this version; the history's covers
//! every record's commit and what it says about tasks, links and sections. A memo of
//! another version or format, or one that does not decode, is ignored and rewritten: the
//! memo can only save work, never change a result.

use std::collections::BTreeSet;
use std::hash::Hasher;
use std::path::Path;

use super::coverage::{Coverage, FeatureCoverage, LinkedTask, Requirement, UnlinkedTask};
use super::history::CommitRecord;
use crate::backlog::{BacklogLayout, Milestone, TaskEntry};
use crate::config::Config;
use crate::finding::Finding;
use crate::parsed_codec::{finding, read_bool, read_finding, Reader, Writer};
use crate::snapshot::Snapshot;
use crate::workflow::Workflow;

/// Where the memo lives, relative to the repository's `.git`.
const RESULTS_FILE: &str = "flowgate/audit-results.bin";

/// The first bytes of a result memo.
const MAGIC: &[u8] = b"flowgate audit results\n";

/// Bumped whenever the encoding, or what a fingerprint covers, changes (2: the suspect
/// links' fingerprint in two parts; 3: the files' part, and the tree's fingerprint over
/// the files' one; 4: the history's part chained record by record).
pub const FORMAT: u32 = 4;

/// A 128-bit fingerprint of everything fed to it (see [`Fingerprint::finish`]; the bytes
/// are gathered first: hashing one long buffer is much cheaper than many short writes);
/// each string goes in with its length, so no two sequences of strings feed the same
/// bytes.
#[derive(Clone)]
pub struct Fingerprint(Vec<u8>);

impl Fingerprint {
    /// A fingerprint of `what` (the kind of thing fingerprinted), this version and
    /// [`FORMAT`].
    pub fn new(what: &str) -> Fingerprint {
        let mut f = Fingerprint(Vec::with_capacity(1 << 12));
        f.str(env!("CARGO_PKG_VERSION"));
        f.u64(u64::from(FORMAT));
        f.str(what);
        f
    }

    /// Feeds a string.
    pub fn str(&mut self, s: &str) {
        self.bytes(s.as_bytes());
    }

    /// Feeds bytes (with their length).
    pub fn bytes(&mut self, b: &[u8]) {
        self.u64(b.len() as u64);
        self.0.extend_from_slice(b);
    }

    /// Feeds a number.
    pub fn u64(&mut self, n: u64) {
        self.0.extend_from_slice(&n.to_le_bytes());
    }

    /// Feeds a 128-bit value (another fingerprint): its high half, then its low half.
    pub fn u128(&mut self, n: u128) {
        self.u64((n >> 64) as u64);
        self.u64(n as u64);
    }

    /// Feeds an optional string (a missing one differs from every present one).
    pub fn opt(&mut self, s: Option<&str>) {
        match s {
            Some(s) => {
                self.u64(1);
                self.str(s);
            }
            None => self.u64(0),
        }
    }

    /// Feeds the `Debug` form of `value` (for the small parts of a snapshot).
    pub fn debug(&mut self, value: &impl std::fmt::Debug) {
        self.str(&format!("{value:?}"));
    }

    /// The fingerprint: SipHash-1-3 of the bytes fed, and FxHash of them (a second,
    /// independent and much cheaper 64 bits).
    pub fn finish(&self) -> u128 {
        let mut a = std::collections::hash_map::DefaultHasher::new();
        let mut b = rustc_hash::FxHasher::default();
        a.write(&self.0);
        b.write(&self.0);
        (u128::from(a.finish()) << 64) | u128::from(b.finish())
    }
}

/// How a task or spec file of HEAD enters the tree's fingerprint: its blob (which fixes
/// its parse), or, for a file read without one, its parse.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum FileInput {
    /// The file's blob.
    Blob(crate::git::Oid),
    /// The fingerprint of the file's parse (its `Debug` form).
    Parsed(u128),
}

impl FileInput {
    /// The input of a file parsed as `parsed`, with blob `blob` when it has one.
    pub fn of(blob: Option<crate::git::Oid>, parsed: &impl std::fmt::Debug) -> FileInput {
        match blob {
            Some(oid) => FileInput::Blob(oid),
            None => {
                let mut f = Fingerprint::new("parsed file");
                f.debug(parsed);
                FileInput::Parsed(f.finish())
            }
        }
    }
}

/// The fingerprint of HEAD's task and spec files: `files` (kind, path and input of every
/// task and spec file read, in any order), read with the tree memo's key `memo_key`
/// (version, format, backlog layout, requirement-ID patterns) and `workflow`. When each
/// file enters by its blob, the fingerprint fixes the files' parses, and so what
/// [`FilesPart`] takes from them.
pub fn files_fingerprint<P: AsRef<str> + Ord>(
    memo_key: &str,
    workflow: &Workflow,
    mut files: Vec<(u8, P, FileInput)>,
) -> u128 {
    let mut f = Fingerprint::new("files");
    f.str(memo_key);
    f.debug(workflow);
    files.sort();
    f.u64(files.len() as u64);
    for (kind, path, input) in &files {
        f.u64(u64::from(*kind));
        f.str(path.as_ref());
        match input {
            FileInput::Blob(oid) => {
                f.u64(0);
                f.bytes(oid.as_bytes());
            }
            FileInput::Parsed(h) => {
                f.u64(1);
                f.u128(*h);
            }
        }
    }
    f.finish()
}

/// Everything of HEAD's snapshot that the tree's fingerprint covers besides the task and
/// spec files' parses: what [`Snapshot`] holds, or, when the files are not read, what
/// their listing and the result memo's [`FilesPart`] give.
#[derive(Debug, Clone, Copy)]
pub struct TreeShape<'a> {
    /// The backlog's layout, unread files, milestones and number of files read.
    pub backlog: Option<(&'a BacklogLayout, &'a [TaskEntry], &'a [Milestone], usize)>,
    /// The spec globs.
    pub spec_globs: &'a [String],
    /// The symlinks met while finding the spec files.
    pub spec_symlinks: &'a [String],
    /// How many spec files were read.
    pub spec_files: usize,
    /// The status workflow.
    pub workflow: &'a Workflow,
    /// flowspec's files.
    pub flowspec: &'a Option<crate::flowspec::Flowspec>,
    /// See [`Snapshot::present_modified_files`].
    pub present_modified_files: &'a BTreeSet<String>,
}

impl<'a> TreeShape<'a> {
    /// The shape of `snapshot`.
    pub fn of(snapshot: &'a Snapshot) -> TreeShape<'a> {
        TreeShape {
            backlog: snapshot.backlog.as_ref().map(|b| {
                (
                    &b.layout,
                    b.unread.as_slice(),
                    b.milestones.as_slice(),
                    b.files.len(),
                )
            }),
            spec_globs: &snapshot.specs.globs,
            spec_symlinks: snapshot.specs.symlinks(),
            spec_files: snapshot.specs.files.len(),
            workflow: &snapshot.workflow,
            flowspec: &snapshot.flowspec,
            present_modified_files: &snapshot.present_modified_files,
        }
    }
}

/// The fingerprint of HEAD's tree as the audit sees it: its files' fingerprint `files`
/// ([`files_fingerprint`]), the rest of the snapshot (`shape`) and `config`.
pub fn tree_fingerprint(files: u128, shape: TreeShape<'_>, config: &Config) -> u128 {
    let mut f = Fingerprint::new("tree");
    f.debug(config);
    f.u128(files);
    match shape.backlog {
        Some((layout, unread, milestones, files)) => {
            f.u64(1);
            f.debug(layout);
            f.debug(&unread);
            f.debug(&milestones);
            f.u64(files as u64);
        }
        None => f.u64(0),
    }
    f.debug(&shape.spec_globs);
    f.debug(&shape.spec_symlinks);
    f.u64(shape.spec_files as u64);
    f.debug(shape.workflow);
    f.debug(shape.flowspec);
    f.debug(shape.present_modified_files);
    f.finish()
}

/// What HEAD's task and spec files give the audit besides their paths and blobs, kept in
/// the memo by the files' fingerprint ([`files_fingerprint`]): with it, the tree's
/// fingerprint is taken from the files' listing, without reading their parses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FilesPart {
    /// The paths the tasks in play list in `modified_files`
    /// ([`crate::snapshot::modified_files_listed`]).
    pub modified_files: Vec<String>,
    /// How many task and draft files were read.
    pub task_files: usize,
    /// How many of them are tasks (not drafts).
    pub tasks: usize,
    /// How many spec files were read.
    pub spec_files: usize,
}

impl FilesPart {
    /// What `snapshot`'s files give.
    pub fn of(snapshot: &Snapshot) -> FilesPart {
        let backlog = snapshot.backlog.as_ref();
        FilesPart {
            modified_files: crate::snapshot::modified_files_listed(backlog, &snapshot.workflow),
            task_files: backlog.map_or(0, |b| b.files.len()),
            tasks: backlog.map_or(0, |b| b.tasks().count()),
            spec_files: snapshot.specs.files.len(),
        }
    }
}

/// The fingerprint of what the suspect links take from `history`, for the tree of
/// fingerprint `tree`: the commits that moved a task, added a link or changed a spec
/// section, in order, with what they did (a commit's metadata is fixed by its id). The
/// links look up only those commits, and compare only their order, so commits that did
/// none of these (code, messages) change nothing.
///
/// In two parts: [`suspect_history_chain`] of the history (which the thread that
/// loads the history computes, while HEAD's tree is read), then this.
pub fn suspect_fingerprint(tree: u128, history: u128) -> u128 {
    let mut f = Fingerprint::new("suspect links");
    for part in [tree, history] {
        f.u128(part);
    }
    f.finish()
}

/// The suspect links' fingerprint of the records before `records` (`chain`; 0 for
/// none), chained on over `records`: each record that moved a task, added a link or
/// changed a spec section is hashed with the chain so far, the others leave it as it is.
/// Chained so that an audit which keeps every cached record takes the chain of them from
/// the cache and hashes only the new ones: the chain over a history is the chain over
/// its last records, chained on from the chain over the records before them.
pub fn suspect_history_chain(mut chain: u128, records: &[CommitRecord]) -> u128 {
    let mut f = Fingerprint::new("suspect links: history");
    let start = f.0.len();
    let relevant = records
        .iter()
        .filter(|r| !(r.moves.is_empty() && r.links.is_empty() && r.sections.is_empty()));
    for r in relevant {
        f.0.truncate(start);
        f.u128(chain);
        f.str(&r.id);
        f.u64(r.moves.len() as u64);
        for m in &r.moves {
            f.str(&m.task);
            f.opt(m.path.as_deref());
            f.opt(m.from.as_deref());
            f.opt(m.to.as_deref());
            f.opt(m.renamed_from.as_deref());
            f.opt(m.renamed_to.as_deref());
        }
        f.u64(r.links.len() as u64);
        for l in &r.links {
            f.str(&l.task);
            f.str(&l.link);
        }
        f.u64(r.sections.len() as u64);
        for s in &r.sections {
            f.str(&s.file);
            f.str(&s.slug);
            for hash in [s.old, s.new] {
                match hash {
                    Some(n) => {
                        f.u64(1);
                        f.u64(n);
                    }
                    None => f.u64(0),
                }
            }
        }
        chain = f.finish();
    }
    chain
}

/// What the tree gives: the tree rules' findings (as the rules report them) and the
/// coverage.
#[derive(Debug, Clone)]
pub struct TreePart {
    /// The tree rules' findings, before configuration.
    pub findings: Vec<Finding>,
    /// The coverage.
    pub coverage: Coverage,
}

/// The result memo as read, and what this audit computed, to be written back.
#[derive(Debug, Default)]
pub struct Results {
    /// The tree part and its fingerprint.
    tree: Option<(u128, TreePart)>,
    /// The tree part's encoding as read (its presence byte, fingerprint, findings and
    /// coverage): when the part is reused it is handed out, not copied, and these bytes
    /// are what the memo is rewritten with.
    tree_read: Vec<u8>,
    /// The suspect links' findings (before configuration) and their fingerprint.
    suspect: Option<(u128, Vec<Finding>)>,
    /// The files' part and the files' fingerprint.
    files: Option<(u128, FilesPart)>,
    /// How the memo served this audit.
    pub stats: ResultStats,
}

/// How the result memo served one audit (for `-v`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ResultStats {
    /// The tree rules' findings and the coverage came from the memo.
    pub tree_reused: bool,
    /// The suspect links came from the memo.
    pub suspect_reused: bool,
    /// A part was computed in this audit (the memo is rewritten).
    computed: bool,
}

impl Results {
    /// The memo in `git_dir` (the repository's `.git`); empty when there is none or it
    /// does not decode. The file is mapped, not read into memory first: decoding copies
    /// what it keeps.
    pub fn open(git_dir: &Path) -> Results {
        crate::own_files::map_in(git_dir, RESULTS_FILE, crate::own_files::MAX_CACHE)
            .ok()
            .flatten()
            .and_then(|bytes| decode(&bytes))
            .unwrap_or_default()
    }

    /// The tree part for the tree of fingerprint `key`: the memo's, else what `compute`
    /// computes (kept for the memo).
    pub fn tree_part<E>(
        &mut self,
        key: u128,
        compute: impl FnOnce() -> Result<TreePart, E>,
    ) -> Result<TreePart, E> {
        match self.tree.take() {
            Some((k, part)) if k == key => {
                self.stats.tree_reused = true;
                Ok(part)
            }
            _ => {
                let part = compute()?;
                self.tree = Some((key, part.clone()));
                self.stats.computed = true;
                Ok(part)
            }
        }
    }

    /// The suspect links' findings for fingerprint `key`: the memo's, else what
    /// `compute` finds (kept for the memo).
    pub fn suspect<E>(
        &mut self,
        key: u128,
        compute: impl FnOnce() -> Result<Vec<Finding>, E>,
    ) -> Result<Vec<Finding>, E> {
        match &self.suspect {
            Some((k, found)) if *k == key => {
                self.stats.suspect_reused = true;
                Ok(found.clone())
            }
            _ => {
                let found = compute()?;
                self.suspect = Some((key, found.clone()));
                self.stats.computed = true;
                Ok(found)
            }
        }
    }

    /// True when the memo holds a files' part (of any files).
    pub fn has_files_part(&self) -> bool {
        self.files.is_some()
    }

    /// The files' part for the files of fingerprint `key`, when the memo holds it.
    pub fn files_part(&self, key: u128) -> Option<&FilesPart> {
        self.files
            .as_ref()
            .filter(|(k, _)| *k == key)
            .map(|(_, p)| p)
    }

    /// Keeps `part` as the files' part of the files of fingerprint `key`.
    pub fn keep_files_part(&mut self, key: u128, part: FilesPart) {
        if self.files_part(key) != Some(&part) {
            self.files = Some((key, part));
            self.stats.computed = true;
        }
    }

    /// Rewrites the memo in `git_dir` when this audit computed a part it did not hold;
    /// the reason it could not be written, if it could not.
    pub fn save(&self, git_dir: &Path) -> Option<String> {
        if !self.stats.computed {
            return None;
        }
        crate::own_files::write_in(git_dir, RESULTS_FILE, &encode(self))
            .err()
            .map(|e| e.to_string())
    }
}

fn findings(w: &mut Writer, list: &[Finding]) {
    w.len(list.len());
    for f in list {
        finding(w, f);
    }
}

fn coverage(w: &mut Writer, c: &Coverage) {
    w.len(c.features.len());
    for feature in &c.features {
        w.str(&feature.feature);
        w.len(feature.requirements.len());
        for q in &feature.requirements {
            w.str(&q.id);
            w.str(&q.qualified);
            w.str(&q.file);
            w.u32(q.line);
            w.str(&q.heading);
            w.len(q.tasks.len());
            for t in &q.tasks {
                w.str(&t.id);
                w.str(&t.title);
                w.str(&t.status);
                w.0.push(u8::from(t.done));
            }
        }
    }
    w.len(c.unlinked_tasks.len());
    for t in &c.unlinked_tasks {
        w.str(&t.id);
        w.str(&t.title);
        w.str(&t.status);
        w.str(&t.path);
    }
}

fn read_coverage(r: &mut Reader<'_>) -> Option<Coverage> {
    Some(Coverage {
        features: r.vec(|r| {
            Some(FeatureCoverage {
                feature: r.str()?,
                requirements: r.vec(|r| {
                    Some(Requirement {
                        id: r.str()?,
                        qualified: r.str()?,
                        file: r.str()?,
                        line: r.u32()?,
                        heading: r.str()?,
                        tasks: r.vec(|r| {
                            Some(LinkedTask {
                                id: r.str()?,
                                title: r.str()?,
                                status: r.str()?,
                                done: read_bool(r)?,
                            })
                        })?,
                    })
                })?,
            })
        })?,
        unlinked_tasks: r.vec(|r| {
            Some(UnlinkedTask {
                id: r.str()?,
                title: r.str()?,
                status: r.str()?,
                path: r.str()?,
            })
        })?,
    })
}

/// The memo file of `results`.
fn encode(results: &Results) -> Vec<u8> {
    let mut w = Writer(Vec::new());
    w.0.extend_from_slice(MAGIC);
    w.u32(FORMAT);
    w.str(env!("CARGO_PKG_VERSION"));
    match (&results.tree, results.stats.tree_reused) {
        (None, true) => w.0.extend_from_slice(&results.tree_read),
        (tree, _) => w.opt(tree.as_ref(), |w, (key, part)| {
            w.u128(*key);
            findings(w, &part.findings);
            coverage(w, &part.coverage);
        }),
    }
    w.opt(results.suspect.as_ref(), |w, (key, found)| {
        w.u128(*key);
        findings(w, found);
    });
    w.opt(results.files.as_ref(), |w, (key, part)| {
        w.u128(*key);
        w.len(part.modified_files.len());
        for path in &part.modified_files {
            w.str(path);
        }
        for n in [part.task_files, part.tasks, part.spec_files] {
            w.u64(n as u64);
        }
    });
    w.0
}

/// The memo in `data`; `None` for another format or version, a truncated or foreign
/// file.
fn decode(data: &[u8]) -> Option<Results> {
    let rest = data.strip_prefix(MAGIC)?;
    let mut r = Reader { data: rest, at: 0 };
    if r.u32()? != FORMAT || r.str()? != env!("CARGO_PKG_VERSION") {
        return None;
    }
    let tree_at = r.at;
    let tree = r.opt(|r| {
        Some((
            r.u128()?,
            TreePart {
                findings: r.vec(read_finding)?,
                coverage: read_coverage(r)?,
            },
        ))
    })?;
    let tree_read = rest.get(tree_at..r.at)?.to_vec();
    let suspect = r.opt(|r| Some((r.u128()?, r.vec(read_finding)?)))?;
    let files = r.opt(|r| {
        Some((
            r.u128()?,
            FilesPart {
                modified_files: r.vec(Reader::str)?,
                task_files: usize::try_from(r.u64()?).ok()?,
                tasks: usize::try_from(r.u64()?).ok()?,
                spec_files: usize::try_from(r.u64()?).ok()?,
            },
        ))
    })?;
    (r.at == r.data.len()).then_some(Results {
        tree,
        tree_read,
        suspect,
        files,
        stats: ResultStats::default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Results {
        let mut finding = Finding::new(&crate::rules::DUPLICATE_TASK_ID, "two files ✓")
            .at(
                "backlog/tasks/task-1 - A.md",
                crate::finding::Position::new(2, 5, 7),
            )
            .task("TASK-1")
            .help("rename one");
        finding.severity = crate::finding::Severity::Warning;
        let coverage = Coverage {
            features: vec![FeatureCoverage {
                feature: "001-auth".into(),
                requirements: vec![Requirement {
                    id: "FR-001".into(),
                    qualified: "001-auth/FR-001".into(),
                    file: "specs/001-auth/spec.md".into(),
                    line: 9,
                    heading: "Requirements".into(),
                    tasks: vec![LinkedTask {
                        id: "TASK-1".into(),
                        title: "Sign in".into(),
                        status: "Done".into(),
                        done: true,
                    }],
                }],
            }],
            unlinked_tasks: vec![UnlinkedTask {
                id: "TASK-2".into(),
                title: "Other".into(),
                status: "To Do".into(),
                path: "backlog/tasks/task-2 - Other.md".into(),
            }],
        };
        Results {
            tree: Some((
                7 << 70 | 3,
                TreePart {
                    findings: vec![finding.clone()],
                    coverage,
                },
            )),
            tree_read: Vec::new(),
            suspect: Some((u128::MAX, vec![finding.commit("abc")])),
            files: Some((
                5,
                FilesPart {
                    modified_files: vec!["src/a.rs".into(), "docs".into()],
                    task_files: 3,
                    tasks: 2,
                    spec_files: 1,
                },
            )),
            stats: ResultStats::default(),
        }
    }

    #[test]
    fn results_round_trip() {
        let results = sample();
        let back = decode(&encode(&results)).unwrap();
        assert_eq!(format!("{:?}", back.tree), format!("{:?}", results.tree));
        assert_eq!(back.suspect, results.suspect);
        assert_eq!(back.files, results.files);
    }

    #[test]
    fn a_reused_tree_part_is_written_back_as_read() {
        let results = sample();
        let bytes = encode(&results);
        let mut back = decode(&bytes).unwrap();
        let (key, part) = results.tree.clone().unwrap();
        let reused = back
            .tree_part(key, || -> Result<_, ()> {
                unreachable!("the memo holds it")
            })
            .unwrap();
        assert_eq!(format!("{reused:?}"), format!("{part:?}"));
        // A new suspect part: the memo is rewritten, with the tree part as it was.
        back.suspect(1, || Ok::<_, ()>(Vec::new())).unwrap();
        let again = decode(&encode(&back)).unwrap();
        assert_eq!(format!("{:?}", again.tree), format!("{:?}", results.tree));
        assert_eq!(again.suspect, Some((1, Vec::new())));
    }

    #[test]
    fn a_truncated_or_longer_file_decodes_to_nothing() {
        let bytes = encode(&sample());
        for cut in 0..bytes.len() {
            assert!(decode(&bytes[..cut]).is_none(), "cut at {cut}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(decode(&longer).is_none());
        assert!(decode(&encode(&Results::default())).is_some());
    }

    #[test]
    fn fingerprints_tell_strings_apart() {
        let of = |parts: &[&str]| {
            let mut f = Fingerprint::new("test");
            for p in parts {
                f.str(p);
            }
            f.finish()
        };
        assert_eq!(of(&["ab", "c"]), of(&["ab", "c"]));
        assert_ne!(of(&["ab", "c"]), of(&["a", "bc"]));
        assert_ne!(of(&[]), of(&[""]));
    }

    /// A commit record with `sections` changed spec sections (none: a code commit).
    fn record(id: &str, sections: usize) -> CommitRecord {
        use super::super::history::SectionChange;
        CommitRecord {
            id: id.to_string().into(),
            author: "A <a@example.com>".into(),
            time: 0,
            subject: "s".into(),
            findings: Vec::new(),
            references: Vec::new(),
            moves: Vec::new(),
            sections: (0..sections)
                .map(|i| SectionChange {
                    file: "specs/a/spec.md".into(),
                    slug: format!("fr-{i:03}").into(),
                    old: None,
                    new: Some(i as u64),
                })
                .collect(),
            links: Vec::new(),
            branch: None,
        }
    }

    #[test]
    fn the_suspect_chain_over_kept_records_chains_on_as_over_all_of_them() {
        let records: Vec<CommitRecord> = (0..6).map(|i| record(&format!("c{i}"), i % 3)).collect();
        let all = suspect_history_chain(0, &records);
        for kept in 0..=records.len() {
            let (old, new) = records.split_at(kept);
            assert_eq!(
                suspect_history_chain(suspect_history_chain(0, old), new),
                all
            );
        }
        // Commits that touched no task, link or section leave it as it is; others change it.
        let mut more = records.clone();
        more.push(record("code", 0));
        assert_eq!(suspect_history_chain(0, &more), all);
        more.push(record("spec", 1));
        assert_ne!(suspect_history_chain(0, &more), all);
        let mut other = records;
        other.swap(1, 2);
        assert_ne!(suspect_history_chain(0, &other), all);
    }
}
