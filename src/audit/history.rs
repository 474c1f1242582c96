//! One pass over the history: every commit judged against its first parent, and what it
//! did to tasks (status moves) and spec sections (content changes), as plain records
//! that the cache stores and the reports, suspect-link rule and `trace` read.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use crate::backlog::{Folder, TaskFile, TaskId};
use crate::config::Config;
use crate::engine::judge::{judge_commit_from, CommitJudge, JudgeError};
use crate::engine::tasks::SharedParses;
use crate::finding::{Finding, Severity};
use crate::git::changes::Change;
use crate::git::{CommitMeta, CommitWalk, Oid, Repo};
use crate::message::merge_subject_branch;
use crate::rules;
use crate::source::{Content, SourceError, MAX_FILE_SIZE};
use crate::spec::{self, markdown::IdPatterns};

/// A finding as stored in the cache (codes as strings).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredFinding {
    /// Rule code.
    pub code: String,
    /// Severity before configuration.
    pub severity: Severity,
    /// Message.
    pub message: String,
    /// Help.
    pub help: Option<String>,
    /// File.
    pub file: Option<String>,
    /// Line.
    pub line: Option<u32>,
    /// Column.
    pub column: Option<u32>,
    /// Commit.
    pub commit: Option<String>,
    /// Task.
    pub task: Option<String>,
}

impl StoredFinding {
    /// Stores `f`.
    pub fn from_finding(f: &Finding) -> Self {
        StoredFinding {
            code: f.code.to_string(),
            severity: f.severity,
            message: f.message.clone(),
            help: f.help.clone(),
            file: f.file.clone(),
            line: f.line,
            column: f.column,
            commit: f.commit.clone(),
            task: f.task.clone(),
        }
    }

    /// The finding again; `None` for a code this version does not know.
    pub fn to_finding(&self) -> Option<Finding> {
        let rule = rules::lookup(&self.code)?;
        let mut f = Finding::new(rule, self.message.clone());
        f.severity = self.severity;
        f.help = self.help.clone();
        f.file = self.file.clone();
        f.line = self.line;
        f.column = self.column;
        f.commit = self.commit.clone();
        f.task = self.task.clone();
        Some(f)
    }
}

/// A string of a history record: borrowed from the audit cache's file when the record
/// was read from it (the file stays mapped for the rest of the process: a warm audit of
/// a long history reads some 350,000 of them), owned when the record was judged.
pub type Text = std::borrow::Cow<'static, str>;

/// A task's state change in one commit: created, status moved, moved between folders, or
/// deleted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskMove {
    /// Canonical task ID.
    pub task: Text,
    /// The file after the commit; `None` when the task's file was deleted.
    pub path: Option<Text>,
    /// Status before; `None` for a new task.
    pub from: Option<Text>,
    /// Status after; `None` for a deleted task.
    pub to: Option<Text>,
    /// The ID the task had before this commit gave it this one (a renumbering, a prefix
    /// migration, a demotion to drafts or a promotion from them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<Text>,
    /// The ID this commit gave the task instead of this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renamed_to: Option<Text>,
}

/// A spec section whose text a commit changed (added, edited or removed); or the list
/// item that defines a requirement (its `slug` is then [`item_key`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SectionChange {
    /// Spec file path.
    pub file: Text,
    /// Section slug.
    pub slug: Text,
    /// Content hash before (`None`: the section was added).
    pub old: Option<u64>,
    /// Content hash after (`None`: the section was removed).
    pub new: Option<u64>,
}

/// What one commit did, as the audit remembers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitRecord {
    /// Commit id.
    pub id: Text,
    /// `Name <email>` of the author.
    pub author: Text,
    /// Author time, seconds since the epoch.
    pub time: i64,
    /// The message's first line.
    pub subject: Text,
    /// Commit and transition findings (before configuration).
    pub findings: Vec<StoredFinding>,
    /// Task IDs the message references.
    pub references: Vec<Text>,
    /// Task state changes.
    pub moves: Vec<TaskMove>,
    /// Spec section changes.
    pub sections: Vec<SectionChange>,
    /// Spec links the commit added to tasks.
    #[serde(default)]
    pub links: Vec<LinkAdded>,
    /// The branch the commit reached the mainline through, as a merge subject names it
    /// (its task ID stands in for a reference the message does not make).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch: Option<Text>,
}

/// A link that a commit added to a task (its `spec`, `documentation`, `references` or a
/// link in its body), as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkAdded {
    /// Canonical task ID.
    pub task: Text,
    /// The link as written in the task.
    pub link: Text,
}

impl CommitRecord {
    /// The first 8 characters of the id.
    pub fn short(&self) -> &str {
        self.id.get(..8).unwrap_or(&self.id)
    }

    /// The author date, `YYYY-MM-DD`.
    pub fn date(&self) -> String {
        date(self.time)
    }
}

/// `YYYY-MM-DD` of a Unix time (UTC).
pub fn date(time: i64) -> String {
    let (y, m, d) = civil(time);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Year, month and day (UTC) of a Unix time.
pub fn civil(time: i64) -> (i64, i64, i64) {
    // Civil-from-days (Howard Hinnant's algorithm).
    let days = time.div_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// The commits to audit, oldest first (topological), from `head` back to (not including)
/// each commit of `since` and their ancestors.
pub fn commits(
    repo: &Repo,
    head: Oid,
    since: impl IntoIterator<Item = Oid>,
) -> Result<Vec<Oid>, SourceError> {
    let since: Vec<Oid> = since.into_iter().collect();
    repo.commits_between(&[head], &since).map_err(SourceError)
}

/// What [`walk`] gives: the commits to audit (oldest first), the branch each reached the
/// mainline through, and what the walk read of them.
pub type Walked = (Vec<Oid>, HashMap<Oid, String>, CommitWalk);

/// The commits to audit, as [`commits`] lists them, and the branch each reached the
/// mainline through, as [`merged_branches`] finds it, reading each commit once: the walk
/// returned keeps what it read for [`record_all`]. A shallow or grafted repository is
/// walked by libgit2, and the walk returned is empty.
pub fn walk(
    repo: &Repo,
    head: Oid,
    since: impl IntoIterator<Item = Oid>,
) -> Result<Walked, SourceError> {
    let since: Vec<Oid> = since.into_iter().collect();
    let Some(mut walk) = CommitWalk::new(repo, head, &since)? else {
        let ids = commits(repo, head, since)?;
        let branches = merged_branches(repo, &ids)?;
        return Ok((ids, branches, CommitWalk::default()));
    };
    let ids = walk.ids();
    let mut merges = Vec::new();
    for &id in &ids {
        if !walk.is_merge(id) {
            continue;
        }
        let Some((branch, first, others)) = walk.commit(id).and_then(|(meta, _)| merge_of(&meta))
        else {
            continue;
        };
        let brought = walk.between(repo, &others, first)?;
        merges.push((branch, brought));
    }
    let branches = assign_branches(&ids, merges, HashMap::new());
    Ok((ids, branches, walk))
}

/// Judges commits one by one and records what they did; holds what every commit of one
/// thread shares (compiled globs and patterns, memoised backlog layouts).
pub struct Recorder<'a> {
    judge: CommitJudge<'a>,
    spec_matcher: globset::GlobSet,
    patterns: IdPatterns,
    sections: std::sync::Arc<SectionMemo>,
}

/// The section hashes of spec files already parsed in a pass, by blob and path, shared by
/// its threads: the blob an edit leaves is the "before" side of the next edit to that file,
/// which another thread may judge.
#[derive(Debug, Default)]
pub struct SectionMemo {
    parsed: std::sync::Mutex<HashMap<(Oid, String), SectionHashes, rustc_hash::FxBuildHasher>>,
    /// The last spec versions parsed, newest last: blob, path, bytes and what hashing the
    /// next version of the file needs (the version an edit leaves is the "before" side of
    /// the next edit to that file).
    recent: std::sync::Mutex<std::collections::VecDeque<RecentSpec>>,
}

/// A spec version [`SectionMemo`] keeps for hashing the next one: blob, path, bytes, marks.
type RecentSpec = (
    Oid,
    String,
    std::sync::Arc<(Vec<u8>, spec::markdown::HashMarks)>,
);

/// How many spec versions [`SectionMemo`] keeps the bytes and marks of.
const RECENT_SPECS: usize = 16;

/// The content hash of each section and requirement item of one spec file, by key.
type SectionHashes = std::sync::Arc<BTreeMap<String, u64>>;

/// How many spec files a [`SectionMemo`] keeps before it starts over.
const SECTION_MEMO_FILES: usize = 4096;

impl SectionMemo {
    /// The section (and requirement item) hashes of spec file `path` at `blob`, parsed
    /// once; empty when the blob is not text flowgate reads. `before`: the blob the file
    /// had before, whose section hashes are reused where the bytes did not change when it
    /// is among the last versions parsed.
    fn hashes(
        &self,
        repo: &Repo,
        path: &str,
        blob: Oid,
        before: Option<Oid>,
        patterns: &IdPatterns,
    ) -> SectionHashes {
        let key = (blob, path.to_string());
        if let Some(h) = self.parsed.lock().ok().and_then(|m| m.get(&key).cloned()) {
            return h;
        }
        let mut hashes = BTreeMap::new();
        if let Ok(Content::Bytes(bytes)) = repo.blob(blob, MAX_FILE_SIZE) {
            let old = before.and_then(|b| self.recent(b, path));
            let (file, marks) = spec::parse_spec_file_after(
                path,
                &bytes,
                patterns,
                old.as_deref().map(|(b, m)| (b.as_slice(), m)),
            );
            for s in file.sections {
                for item in &s.items {
                    hashes.insert(item_key(&item.id), item.content_hash);
                }
                hashes.insert(s.slug, s.content_hash);
            }
            if let (Some(marks), Ok(mut recent)) = (marks, self.recent.lock()) {
                if recent.len() >= RECENT_SPECS {
                    recent.pop_front();
                }
                let kept = std::sync::Arc::new((bytes, marks));
                recent.push_back((blob, path.to_string(), kept));
            }
        }
        let hashes = std::sync::Arc::new(hashes);
        if let Ok(mut memo) = self.parsed.lock() {
            if memo.len() >= SECTION_MEMO_FILES {
                memo.clear();
            }
            memo.insert(key, hashes.clone());
        }
        hashes
    }

    /// The bytes and marks of spec file `path` at `blob`, when it is among the last
    /// versions parsed.
    fn recent(
        &self,
        blob: Oid,
        path: &str,
    ) -> Option<std::sync::Arc<(Vec<u8>, spec::markdown::HashMarks)>> {
        let recent = self.recent.lock().ok()?;
        recent
            .iter()
            .rev()
            .find(|(b, p, _)| *b == blob && p == path)
            .map(|(_, _, kept)| kept.clone())
    }
}

impl<'a> Recorder<'a> {
    /// A recorder for the commits of `repo`.
    pub fn new(repo: &'a Repo, config: &'a Config) -> Self {
        Recorder {
            judge: CommitJudge::new(repo, config, None, None)
                .quick()
                .squashed()
                .merged_branches()
                .needed_paths_only(),
            spec_matcher: spec_matcher(config),
            patterns: IdPatterns::new(&config.specs.id_patterns),
            sections: std::sync::Arc::default(),
        }
    }

    /// Shares `memo` (the spec files parsed so far) and `parses` (the task files) with
    /// the other recorders of a pass.
    pub fn sharing(
        mut self,
        memo: std::sync::Arc<SectionMemo>,
        parses: std::sync::Arc<SharedParses>,
    ) -> Self {
        self.sections = memo;
        self.judge = self.judge.sharing_parses(parses);
        self
    }

    /// Judges commit `id` and records what it did; `branch` is the branch it reached the
    /// mainline through, when a merge subject names it.
    pub fn record(&self, id: Oid, branch: Option<&str>) -> Result<CommitRecord, JudgeError> {
        self.record_read(id, branch, &CommitWalk::default())
    }

    /// Commit `id`'s metadata: from `walk` when it read the commit (and then the trees of
    /// the commit and its first parent are remembered, as reading them would), else read.
    fn meta(&self, id: Oid, walk: &CommitWalk) -> Result<CommitMeta, SourceError> {
        let repo = self.judge.repo;
        let Some((meta, tree)) = walk.commit(id) else {
            return CommitMeta::read(repo, id);
        };
        if let Some((first, first_tree)) = meta
            .parents
            .first()
            .and_then(|p| Some((*p, walk.tree(*p)?)))
        {
            repo.remember_commit_tree(first, first_tree);
        }
        repo.remember_commit_tree(id, tree);
        Ok(meta)
    }

    /// [`Recorder::record`], with the commit's metadata from `walk` when it read it.
    fn record_read(
        &self,
        id: Oid,
        branch: Option<&str>,
        walk: &CommitWalk,
    ) -> Result<CommitRecord, JudgeError> {
        let repo = self.judge.repo;
        let meta = self.meta(id, walk)?;
        let judged = judge_commit_from(&self.judge, &meta, branch)?;
        let moves = task_moves(&judged.before, &judged.after, &judged.kept);
        let links = links_added(&judged.before, &judged.after);
        let sections = section_changes(
            repo,
            &self.spec_matcher,
            &self.patterns,
            &self.sections,
            &judged.changed,
        );
        Ok(CommitRecord {
            findings: judged
                .findings
                .iter()
                .map(StoredFinding::from_finding)
                .collect(),
            references: judged.references.into_iter().map(Text::from).collect(),
            moves,
            sections,
            links,
            ..metadata_only(id, &meta, branch)
        })
    }

    /// Like [`Recorder::record`], but a commit whose configuration cannot be applied (a
    /// workflow naming a status that commit's backlog did not have) is recorded with its
    /// metadata only.
    fn record_lenient(
        &self,
        id: Oid,
        branch: Option<&str>,
        walk: &CommitWalk,
    ) -> Result<CommitRecord, SourceError> {
        match self.record_read(id, branch, walk) {
            Ok(r) => Ok(r),
            Err(JudgeError::Source(e)) => Err(e),
            Err(_) => {
                let meta = self.meta(id, walk)?;
                Ok(metadata_only(id, &meta, branch))
            }
        }
    }
}

/// The record of commit `id` with its metadata and nothing judged.
fn metadata_only(id: Oid, meta: &CommitMeta, branch: Option<&str>) -> CommitRecord {
    CommitRecord {
        id: id.to_string().into(),
        author: format!("{} <{}>", meta.author_name, meta.author_email).into(),
        time: meta.time,
        subject: meta.subject().to_string().into(),
        findings: Vec::new(),
        references: Vec::new(),
        moves: Vec::new(),
        sections: Vec::new(),
        links: Vec::new(),
        branch: branch.map(|b| b.to_string().into()),
    }
}

/// Sets libgit2 up for reading a long history. Call before the pass starts its threads.
pub fn tune_libgit2() {
    crate::git::ops::tune_for_history();
}

/// Judges every commit of `ids` on up to `threads` threads (each with its own repository
/// handle and [`Recorder`]), and returns the records in the order of `ids`. The commits
/// that `walk` read are not read again.
pub fn record_all(
    repo: &Repo,
    config: &Config,
    ids: &[Oid],
    branches: &HashMap<Oid, String>,
    walk: &CommitWalk,
    threads: usize,
) -> Result<Vec<CommitRecord>, SourceError> {
    let branch = |id: &Oid| branches.get(id).map(String::as_str);
    let path = repo.git_dir().to_path_buf();
    let threads = threads.clamp(1, ids.len().div_ceil(64).max(1));
    if threads == 1 {
        let recorder = Recorder::new(repo, config);
        return ids
            .iter()
            .map(|id| recorder.record_lenient(*id, branch(id), walk))
            .collect();
    }
    // Each thread judges a stretch of neighbouring commits (a commit's trees are mostly
    // its parent's, which the thread's tree memo and object caches then hold) and takes
    // over half of another thread's stretch when its own runs out: history is not
    // uniform, the backlog grows, so fixed halves would leave one thread idle.
    let shares = Shares::new(ids.len(), threads);
    let sections = std::sync::Arc::new(SectionMemo::default());
    let parses = std::sync::Arc::new(SharedParses::default());
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let (path, shares, branch) = (path.clone(), &shares, &branch);
                let (sections, parses) = (sections.clone(), parses.clone());
                scope.spawn(
                    move || -> Result<Vec<(usize, Vec<CommitRecord>)>, SourceError> {
                        let local = Repo::open(&path)?;
                        let recorder = Recorder::new(&local, config).sharing(sections, parses);
                        let mut done: Vec<(usize, Vec<CommitRecord>)> = Vec::new();
                        let mut since_trim = 0;
                        while let Some(run) = shares.next(t) {
                            let start = run.start;
                            since_trim += run.len();
                            let records = ids
                                .get(run)
                                .unwrap_or_default()
                                .iter()
                                .map(|id| recorder.record_lenient(*id, branch(id), walk))
                                .collect::<Result<Vec<_>, _>>()?;
                            match done.last_mut() {
                                Some((at, last)) if *at + last.len() == start => {
                                    last.extend(records);
                                }
                                _ => done.push((start, records)),
                            }
                            if since_trim >= TRIM_EVERY {
                                since_trim = 0;
                                super::give_back_freed_memory();
                            }
                        }
                        Ok(done)
                    },
                )
            })
            .collect();
        let mut parts = Vec::new();
        for h in handles {
            parts.extend(h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))?);
        }
        parts.sort_by_key(|(i, _)| *i);
        Ok(parts.into_iter().flat_map(|(_, r)| r).collect())
    })
}

/// The positions `0..n` of a list of work shared by threads so that each thread's are
/// neighbours: every thread starts with a stretch of its own (the list cut into equal
/// parts), takes runs of [`RUN`] positions from its front, and when it has none left takes
/// over the back half of the longest stretch another thread has left.
#[derive(Debug)]
struct Shares {
    left: std::sync::Mutex<Vec<std::ops::Range<usize>>>,
}

/// Positions per run a thread takes from its stretch in [`Shares::next`].
const RUN: usize = 16;

/// Commits a thread of [`record_all`] judges between two calls of
/// [`super::give_back_freed_memory`]. Each call gives back every free page, which the
/// next trees read fault in again (at 256 commits, 180,000 page faults in a history of
/// 50,000 commits); every 2,048 commits keeps the peak where it was.
const TRIM_EVERY: usize = 2048;

impl Shares {
    /// `0..n` cut into `threads` stretches of nearly equal length, in order.
    fn new(n: usize, threads: usize) -> Shares {
        let threads = threads.max(1);
        let left = (0..threads)
            .map(|t| n * t / threads..n * (t + 1) / threads)
            .collect();
        Shares {
            left: std::sync::Mutex::new(left),
        }
    }

    /// Thread `t`'s next run of positions: the front of its stretch, or of the half it took
    /// over from another's; `None` when nothing is left to take.
    fn next(&self, t: usize) -> Option<std::ops::Range<usize>> {
        let mut left = self.left.lock().unwrap_or_else(|e| e.into_inner());
        if left.get(t).is_none_or(|own| own.is_empty()) {
            let (longest, len) = left
                .iter()
                .enumerate()
                .map(|(i, r)| (i, r.len()))
                .max_by_key(|&(i, len)| (len, std::cmp::Reverse(i)))?;
            // A stretch of one run is left to its thread.
            if len <= RUN {
                return None;
            }
            let victim = left.get_mut(longest)?;
            let mid = victim.end - len / 2;
            let taken = mid..victim.end;
            victim.end = mid;
            *left.get_mut(t)? = taken;
        }
        let own = left.get_mut(t)?;
        let end = (own.start + RUN).min(own.end);
        let run = own.start..end;
        own.start = end;
        Some(run)
    }
}

/// The branch each of `ids` (oldest first) reached the mainline through, for the commits
/// a merge brought in whose subject names the merged branch (`Merge pull request #12 from
/// alice/task-216-login`, `Merge branch 'task-12-x'`): the innermost such merge wins.
pub fn merged_branches(repo: &Repo, ids: &[Oid]) -> Result<HashMap<Oid, String>, SourceError> {
    merged_branches_from(repo, ids, 0, HashMap::new())
}

/// [`merged_branches`] when the merges among `ids[..start]` are already accounted for in
/// `known` (what they assigned, as a cached walk recorded it): only the merges from
/// `start` on are read, so an audit with a warm cache does not open every commit.
pub fn merged_branches_from(
    repo: &Repo,
    ids: &[Oid],
    start: usize,
    known: HashMap<Oid, String>,
) -> Result<HashMap<Oid, String>, SourceError> {
    let todo = ids.get(start..).unwrap_or_default();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let merges = if threads > 1 && todo.len() >= PARALLEL_SCAN {
        merges_in_parallel(repo.git_dir(), todo, threads)?
    } else {
        merges_of(repo, todo)?
    };
    Ok(assign_branches(ids, merges, known))
}

/// One merge of the history and what it brought in: the branch its subject names (or the
/// subject itself), and the commits reachable from its other parents but not its first.
type MergeWalk = (String, Vec<Oid>);

/// Below this many commits, [`merged_branches_from`] reads them on one thread.
const PARALLEL_SCAN: usize = 4096;

/// The merges among `ids` (in their order), each with the commits it brought in.
fn merges_of(repo: &Repo, ids: &[Oid]) -> Result<Vec<MergeWalk>, SourceError> {
    let mut out = Vec::new();
    for &id in ids {
        // Read as the judging reads it (from the packs when they have it): its parents
        // and, for a merge, its subject.
        let meta = CommitMeta::read(repo, id)?;
        let Some((branch, first, others)) = merge_of(&meta) else {
            continue;
        };
        let walk = repo
            .commits_between(&others, &[first])
            .map_err(SourceError)?;
        out.push((branch, walk));
    }
    Ok(out)
}

/// For a merge: the branch its subject names (or the subject itself), its first parent
/// and its other parents; `None` for any other commit.
fn merge_of(meta: &CommitMeta) -> Option<(String, Oid, Vec<Oid>)> {
    let (first, others) = meta.parents.split_first().filter(|(_, o)| !o.is_empty())?;
    let subject = meta.subject();
    // A merge that names no branch may name the task itself (`TASK-279 - Add x (#374)`).
    let branch = merge_subject_branch(subject).unwrap_or(subject);
    Some((branch.to_string(), *first, others.to_vec()))
}

/// [`merges_of`] on `threads` threads, each reading a contiguous share of `ids` through its
/// own handle on the repository at `git_dir`; the merges come back in the order of `ids`.
fn merges_in_parallel(
    git_dir: &std::path::Path,
    ids: &[Oid],
    threads: usize,
) -> Result<Vec<MergeWalk>, SourceError> {
    let share = ids.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = ids
            .chunks(share)
            .map(|part| scope.spawn(move || merges_of(&Repo::open(git_dir)?, part)))
            .collect();
        let mut out = Vec::new();
        for h in handles {
            out.extend(h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))?);
        }
        Ok(out)
    })
}

/// Gives each commit of `ids` the branch of the first (innermost) of `merges` that brought
/// it in, unless `known` already has one for it.
fn assign_branches(
    ids: &[Oid],
    merges: Vec<MergeWalk>,
    known: HashMap<Oid, String>,
) -> HashMap<Oid, String> {
    let mut out = known;
    if merges.is_empty() {
        return out;
    }
    let wanted: std::collections::HashSet<Oid> = ids.iter().copied().collect();
    for (branch, walk) in merges {
        for merged in walk {
            if wanted.contains(&merged) {
                out.entry(merged).or_insert_with(|| branch.clone());
            }
        }
    }
    out
}

/// Pairs the changed task files as the transition rules do (by path, ID, then title or
/// number) and lists what changed for each task. A removed file whose ID is in `kept` (a
/// copy of a task that another file still carries) is no change.
pub fn task_moves(before: &[TaskFile], after: &[TaskFile], kept: &[String]) -> Vec<TaskMove> {
    let pairing = rules::transitions::pair(before, after);
    let status = |f: &TaskFile| f.status().map(|s| Text::from(s.to_string()));
    let mut out = Vec::new();
    for &(b, a, _) in &pairing.pairs {
        let (Some(old), Some(new)) = (b.id(), a.id()) else {
            continue;
        };
        let drafts = (b.folder == Folder::Drafts, a.folder == Folder::Drafts);
        if drafts == (true, true) {
            continue;
        }
        let (old, new) = (old.canonical(), new.canonical());
        if old == new {
            if status(b) != status(a) || b.path != a.path {
                out.push(TaskMove {
                    task: new.into(),
                    path: Some(a.path.clone().into()),
                    from: status(b),
                    to: status(a),
                    renamed_from: None,
                    renamed_to: None,
                });
            }
            continue;
        }
        out.push(TaskMove {
            task: old.clone().into(),
            path: Some(a.path.clone().into()),
            from: status(b),
            to: status(a),
            renamed_from: None,
            renamed_to: Some(new.clone().into()),
        });
        out.push(TaskMove {
            task: new.into(),
            path: Some(a.path.clone().into()),
            from: status(b),
            to: status(a),
            renamed_from: Some(old.into()),
            renamed_to: None,
        });
    }
    for a in &pairing.added {
        if let Some(id) = a.id() {
            out.push(TaskMove {
                task: id.canonical().into(),
                path: Some(a.path.clone().into()),
                from: None,
                to: status(a),
                renamed_from: None,
                renamed_to: None,
            });
        }
    }
    for b in &pairing.removed {
        let Some(id) = b.id().map(TaskId::canonical) else {
            continue;
        };
        if !kept.contains(&id) {
            out.push(TaskMove {
                task: id.into(),
                path: None,
                from: status(b),
                to: None,
                renamed_from: None,
                renamed_to: None,
            });
        }
    }
    out
}

/// Every link a task file carries, as written.
fn raw_links(file: &TaskFile) -> Vec<&str> {
    let Some(task) = &file.task else {
        return Vec::new();
    };
    crate::spec::link::link_entries(task)
        .into_iter()
        .flat_map(|(entries, _)| entries)
        .map(|l| l.value.as_str())
        .collect()
}

/// The links the changed task files carry after the change and did not carry before
/// (paired as the transition rules pair them; a new task adds all of its links).
pub fn links_added(before: &[TaskFile], after: &[TaskFile]) -> Vec<LinkAdded> {
    let pairing = rules::transitions::pair(before, after);
    let mut out = Vec::new();
    for a in after.iter().filter(|f| f.folder != Folder::Drafts) {
        let Some(id) = a.id() else { continue };
        let old: Vec<&str> = pairing
            .pairs
            .iter()
            .filter(|(_, x, _)| std::ptr::eq(*x, a))
            .flat_map(|(b, _, _)| raw_links(b))
            .collect();
        let mut seen: Vec<&str> = Vec::new();
        for link in raw_links(a) {
            if !old.contains(&link) && !seen.contains(&link) {
                seen.push(link);
                out.push(LinkAdded {
                    task: id.canonical().into(),
                    link: link.to_string().into(),
                });
            }
        }
    }
    out
}

/// The spec files `changed` names, compared section by section.
fn section_changes(
    repo: &Repo,
    matcher: &globset::GlobSet,
    patterns: &IdPatterns,
    memo: &SectionMemo,
    changed: &[Change],
) -> Vec<SectionChange> {
    let mut out = Vec::new();
    for c in changed.iter().filter(|c| matcher.is_match(&c.path)) {
        let hashes = |blob: Option<Oid>, before: Option<Oid>| match blob {
            Some(blob) => memo.hashes(repo, &c.path, blob, before, patterns),
            None => std::sync::Arc::default(),
        };
        let old = hashes(c.old, None);
        let new = hashes(c.new, c.old);
        for (slug, &h) in new.iter() {
            let before = old.get(slug).copied();
            if before != Some(h) {
                out.push(SectionChange {
                    file: c.path.clone().into(),
                    slug: slug.clone().into(),
                    old: before,
                    new: Some(h),
                });
            }
        }
        for (slug, &h) in old.iter().filter(|(s, _)| !new.contains_key(*s)) {
            out.push(SectionChange {
                file: c.path.clone().into(),
                slug: slug.clone().into(),
                old: Some(h),
                new: None,
            });
        }
    }
    out
}

/// The key under which [`SectionChange`] records the list item that defines requirement
/// `id` (a slug never holds a `:`, so it cannot clash with a section's).
pub fn item_key(id: &str) -> String {
    format!("id:{}", id.to_uppercase())
}

/// Which paths are spec files (the globs compiled as the spec loader compiles them).
pub fn spec_matcher(config: &Config) -> globset::GlobSet {
    crate::spec::compile_globs(&config.specs.globs)
}

/// A map of the history's indices (FxHash: their keys are task IDs, paths and commit ids).
type Index<K, V> = HashMap<K, V, rustc_hash::FxBuildHasher>;

/// Where each spec section changed: by file and slug, the commits and the changes in them.
type SectionIndex = Index<(String, String), Vec<(usize, usize)>>;

/// The audited history: records in topological order, with indices by task and section.
#[derive(Debug, Default)]
pub struct History {
    /// Records, oldest first.
    pub records: Vec<CommitRecord>,
    moves: Index<Text, Vec<(usize, usize)>>,
    by_id: Index<Text, usize>,
    /// The indices only `trace` and the suspect links ask for, made on first use (an
    /// audit whose suspect links come from the result memo needs none).
    refs: std::sync::OnceLock<Index<Text, Vec<usize>>>,
    sections: std::sync::OnceLock<SectionIndex>,
    links: std::sync::OnceLock<Index<(String, String), usize>>,
}

/// One entry of a task's status history.
#[derive(Debug, Clone, Copy)]
pub struct TimelineEntry<'a> {
    /// Position of the commit in the history.
    pub index: usize,
    /// The commit.
    pub commit: &'a CommitRecord,
    /// What happened.
    pub change: &'a TaskMove,
}

impl History {
    /// Indexes `records` (oldest first).
    pub fn new(records: Vec<CommitRecord>) -> History {
        let mut moves: Index<Text, Vec<(usize, usize)>> = Index::default();
        for (i, r) in records.iter().enumerate() {
            for (j, m) in r.moves.iter().enumerate() {
                moves.entry(m.task.clone()).or_default().push((i, j));
            }
        }
        let by_id = records
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id.clone(), i))
            .collect();
        History {
            records,
            moves,
            by_id,
            ..History::default()
        }
    }

    /// The commits whose message references each task.
    fn refs(&self) -> &Index<Text, Vec<usize>> {
        self.refs.get_or_init(|| {
            let mut refs: Index<Text, Vec<usize>> = Index::default();
            for (i, r) in self.records.iter().enumerate() {
                for t in &r.references {
                    let list = refs.entry(t.clone()).or_default();
                    if list.last() != Some(&i) {
                        list.push(i);
                    }
                }
            }
            refs
        })
    }

    /// The changes of each spec section: commit and change.
    fn sections(&self) -> &SectionIndex {
        self.sections.get_or_init(|| {
            let mut sections = SectionIndex::default();
            for (i, r) in self.records.iter().enumerate() {
                for (j, s) in r.sections.iter().enumerate() {
                    sections
                        .entry((s.file.to_string(), s.slug.to_string()))
                        .or_default()
                        .push((i, j));
                }
            }
            sections
        })
    }

    /// The last commit that added each link to each task.
    fn links(&self) -> &Index<(String, String), usize> {
        self.links.get_or_init(|| {
            let mut links: Index<(String, String), usize> = Index::default();
            for (i, r) in self.records.iter().enumerate() {
                for l in &r.links {
                    links.insert((l.task.to_string(), l.link.to_string()), i);
                }
            }
            links
        })
    }

    /// The position of commit `id` (full) in the history.
    pub fn position(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }

    /// The commit (index) that last added `link` (as written) to `task`.
    pub fn link_added(&self, task: &str, link: &str) -> Option<usize> {
        self.links()
            .get(&(task.to_string(), link.to_string()))
            .copied()
    }

    /// The status history of `task` (canonical ID), oldest first.
    pub fn timeline(&self, task: &str) -> Vec<TimelineEntry<'_>> {
        self.moves
            .get(task)
            .into_iter()
            .flatten()
            .filter_map(|&(i, j)| {
                let commit = self.records.get(i)?;
                Some(TimelineEntry {
                    index: i,
                    commit,
                    change: commit.moves.get(j)?,
                })
            })
            .collect()
    }

    /// The status history of `task` with that of the IDs it had before (a renumbering, a
    /// prefix migration, a trip to drafts), oldest first.
    pub fn timeline_following(&self, task: &str) -> Vec<TimelineEntry<'_>> {
        let mut out = Vec::new();
        let mut seen = vec![task.to_string()];
        let mut current = task.to_string();
        let mut before = usize::MAX;
        loop {
            let own: Vec<TimelineEntry<'_>> = self
                .timeline(&current)
                .into_iter()
                .filter(|e| e.index <= before)
                .collect();
            let renamed = own
                .iter()
                .rev()
                .find_map(|e| Some((e.index, e.change.renamed_from.as_deref()?.to_string())));
            // The own entries from the rename on; the earlier ID's entries come before.
            let from = renamed.as_ref().map_or(0, |(i, _)| *i);
            let mut part: Vec<TimelineEntry<'_>> = own
                .into_iter()
                .filter(|e| e.index >= from && (e.change.renamed_to.is_none() || current == task))
                .collect();
            part.append(&mut out);
            out = part;
            match renamed {
                Some((i, old)) if !seen.contains(&old) => {
                    seen.push(old.clone());
                    current = old;
                    before = i.saturating_sub(1);
                    if i == 0 {
                        break;
                    }
                }
                _ => break,
            }
        }
        out
    }

    /// Every task with a recorded history, in ID order.
    pub fn tasks(&self) -> Vec<&str> {
        let mut v = self.task_ids();
        v.sort_by_cached_key(|a| natural(a));
        v
    }

    /// Every task with a recorded history, in no particular order.
    pub fn task_ids(&self) -> Vec<&str> {
        self.moves.keys().map(|k| &**k).collect()
    }

    /// The commit (index) in which `task` entered its current status: the last creation or
    /// status change, under this ID or one it had before.
    pub fn reached_status(&self, task: &str) -> Option<usize> {
        self.timeline_following(task)
            .into_iter()
            .rev()
            .find(|e| e.change.from.is_none() || e.change.from != e.change.to)
            .map(|e| e.index)
    }

    /// The commits whose message references `task`.
    pub fn referencing(&self, task: &str) -> Vec<&CommitRecord> {
        self.refs()
            .get(task)
            .into_iter()
            .flatten()
            .filter_map(|&i| self.records.get(i))
            .collect()
    }

    /// The changes of one section, oldest first, with the commit index.
    pub fn section_history(&self, file: &str, slug: &str) -> Vec<(usize, &SectionChange)> {
        self.sections()
            .get(&(file.to_string(), slug.to_string()))
            .into_iter()
            .flatten()
            .filter_map(|&(i, j)| Some((i, self.records.get(i)?.sections.get(j)?)))
            .collect()
    }

    /// Every stored finding, as findings.
    pub fn findings(&self) -> Vec<Finding> {
        self.records
            .iter()
            .flat_map(|r| r.findings.iter().filter_map(StoredFinding::to_finding))
            .collect()
    }

    /// The record of commit `id` (full or abbreviated).
    pub fn commit(&self, id: &str) -> Option<&CommitRecord> {
        match self.by_id.get(id) {
            Some(&i) => self.records.get(i),
            None if id.len() < 40 => self.records.iter().find(|r| r.id.starts_with(id)),
            None => None,
        }
    }
}

/// Sort key that orders `TASK-2` before `TASK-10`.
pub fn natural(s: &str) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    let mut text = String::new();
    let mut num: Option<u64> = None;
    for c in s.chars() {
        match (c.to_digit(10), num) {
            (Some(d), n) => {
                num = Some(
                    n.unwrap_or(0)
                        .saturating_mul(10)
                        .saturating_add(u64::from(d)),
                )
            }
            (None, Some(n)) => {
                out.push((std::mem::take(&mut text), n));
                num = None;
                text.push(c);
            }
            (None, None) => text.push(c),
        }
    }
    out.push((text, num.unwrap_or(0)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_civil_utc() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(1_700_000_000), "2023-11-14");
        assert_eq!(date(951_782_400), "2000-02-29");
    }

    fn record(id: &str, moves: Vec<TaskMove>) -> CommitRecord {
        CommitRecord {
            id: id.to_string().into(),
            author: "".into(),
            time: 0,
            subject: "".into(),
            findings: Vec::new(),
            references: Vec::new(),
            moves,
            sections: Vec::new(),
            links: Vec::new(),
            branch: None,
        }
    }

    fn step(
        task: &str,
        from: Option<&str>,
        to: &str,
        renamed: (Option<&str>, Option<&str>),
    ) -> TaskMove {
        TaskMove {
            task: task.to_string().into(),
            path: Some(format!("backlog/tasks/{task}.md").into()),
            from: from.map(|s| s.to_string().into()),
            to: Some(to.to_string().into()),
            renamed_from: renamed.0.map(|s| s.to_string().into()),
            renamed_to: renamed.1.map(|s| s.to_string().into()),
        }
    }

    #[test]
    fn a_renamed_task_keeps_its_timeline_and_the_commit_it_reached_its_status() {
        let history = History::new(vec![
            record("a", vec![step("TASK-1", None, "To Do", (None, None))]),
            record(
                "b",
                vec![step("TASK-1", Some("To Do"), "Done", (None, None))],
            ),
            record(
                "c",
                vec![
                    step("TASK-1", Some("Done"), "Done", (None, Some("BACK-1"))),
                    step("BACK-1", Some("Done"), "Done", (Some("TASK-1"), None)),
                ],
            ),
        ]);
        let commits: Vec<&str> = history
            .timeline_following("BACK-1")
            .iter()
            .map(|e| &*e.commit.id)
            .collect();
        assert_eq!(commits, ["a", "b", "c"]);
        assert_eq!(history.reached_status("BACK-1"), Some(1));
        // The old ID's own timeline ends with the rename.
        assert_eq!(history.timeline_following("TASK-1").len(), 3);
    }

    #[test]
    fn merges_read_in_parallel_as_on_one_thread() {
        let dir = std::env::temp_dir().join(format!("flowgate-merges-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let git = |args: &[&str]| crate::git::repo::git_in(&dir, args);
        git(&["init", "-q", "-b", "main"]);
        git(&["commit", "-q", "--allow-empty", "-m", "root"]);
        for i in 0..6 {
            let branch = format!("task-{i}-work");
            git(&["checkout", "-q", "-b", &branch]);
            for j in 0..=i % 3 {
                git(&[
                    "commit",
                    "-q",
                    "--allow-empty",
                    "-m",
                    &format!("work {i}.{j}"),
                ]);
            }
            git(&["checkout", "-q", "main"]);
            git(&["commit", "-q", "--allow-empty", "-m", &format!("main {i}")]);
            let subject = if i % 2 == 0 {
                format!("Merge branch '{branch}'")
            } else {
                format!("TASK-{i} - Merged work (#{i})")
            };
            git(&["merge", "-q", "--no-ff", "-m", &subject, &branch]);
        }
        let repo = Repo::discover(&dir).unwrap();
        let head = repo.head_commit().unwrap().unwrap();
        let ids = commits(&repo, head, []).unwrap();
        let serial = merges_of(&repo, &ids).unwrap();
        assert_eq!(serial.len(), 6);
        for threads in [2, 3, 7] {
            let parallel = merges_in_parallel(repo.git_dir(), &ids, threads).unwrap();
            assert_eq!(parallel, serial, "{threads} threads");
        }
        let branches = assign_branches(&ids, serial, HashMap::new());
        assert_eq!(branches.len(), 12);
        assert!(branches.values().any(|b| b == "task-0-work"));
        assert!(branches.values().any(|b| b == "TASK-1 - Merged work (#1)"));
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// A history of `n` commits through `git fast-import`: tasks created, moved through
    /// their statuses and edited, code files changed, and every tenth commit a merge of a
    /// side branch.
    fn busy_history(dir: &std::path::Path, n: usize) {
        let git = |args: &[&str]| crate::git::repo::git_in(dir, args);
        git(&["init", "-q", "-b", "main"]);
        let blob =
            |path: &str, text: &str| format!("M 644 inline {path}\ndata {}\n{text}\n", text.len());
        let statuses = ["To Do", "In Progress", "Done"];
        let mut commands = Vec::new();
        for i in 0..n {
            let task = i % 37 + 1;
            let status = statuses[(i / 37) % 3];
            let mut files = blob(
                &format!("backlog/tasks/task-{task} - Work-{task}.md"),
                &format!("---\nid: task-{task}\ntitle: Work {task}\nstatus: {status}\n---\n\n## Description\n\nStep {i}.\n"),
            );
            if i % 3 != 0 {
                files += &blob(
                    &format!("src/m{}/f{}.rs", i % 5, i % 11),
                    &format!("// {i}\n"),
                );
            }
            commands.push(files);
        }
        let mut out = String::new();
        for (i, files) in commands.iter().enumerate() {
            let mark = i + 1;
            let (branch, message) = if i % 10 == 5 {
                ("refs/heads/side", format!("side work {i}"))
            } else if i % 10 == 6 {
                (
                    "refs/heads/main",
                    format!("Merge branch 'task-{}-side'", i % 37),
                )
            } else {
                ("refs/heads/main", format!("TASK-{}: step {i}", i % 37 + 1))
            };
            out.push_str(&format!(
                "commit {branch}\nmark :{mark}\ncommitter t <t@example.com> {} +0000\ndata {}\n{message}\n",
                1_700_000_000 + i * 60,
                message.len()
            ));
            if i == 0 {
            } else if i % 10 == 5 {
                // The side branch starts from main's previous commit.
                out.push_str(&format!("from :{}\n", i));
            } else if i % 10 == 6 {
                out.push_str(&format!("from :{}\nmerge :{}\n", i - 1, i));
            } else {
                out.push_str(&format!("from :{}\n", i));
            }
            out.push_str(files);
            out.push('\n');
        }
        crate::git::commit::tests::git(dir, &["fast-import", "--quiet"], Some(out.as_bytes()));
    }

    #[test]
    fn records_judged_on_several_threads_equal_those_of_one() {
        let dir = std::env::temp_dir().join(format!("flowgate-threads-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        busy_history(&dir, 400);
        let repo = Repo::discover(&dir).unwrap();
        let head = repo.head_commit().unwrap().unwrap();
        let config = Config::default();
        let (ids, branches, walk) = super::walk(&repo, head, []).unwrap();
        assert!(ids.len() > 350);
        let one = record_all(&repo, &config, &ids, &branches, &walk, 1).unwrap();
        assert!(one.iter().any(|r| !r.moves.is_empty()));
        assert!(one.iter().any(|r| r.branch.is_some()));
        for threads in [2, 3] {
            let several = record_all(&repo, &config, &ids, &branches, &walk, threads).unwrap();
            assert_eq!(several, one, "{threads} threads");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn shares_hand_out_every_position_once_in_neighbouring_runs() {
        for (n, threads) in [(0, 2), (5, 2), (17, 2), (1000, 2), (1001, 3), (4099, 7)] {
            let shares = Shares::new(n, threads);
            let mut taken: Vec<Vec<std::ops::Range<usize>>> = vec![Vec::new(); threads];
            let mut running: Vec<bool> = vec![true; threads];
            // Threads of unequal speed: thread t asks t + 1 times per round.
            while running.iter().any(|r| *r) {
                for t in 0..threads {
                    for _ in 0..=t {
                        if !running[t] {
                            break;
                        }
                        match shares.next(t) {
                            Some(run) => taken[t].push(run),
                            None => running[t] = false,
                        }
                    }
                }
            }
            let mut all: Vec<usize> = taken.iter().flatten().flat_map(|r| r.clone()).collect();
            all.sort_unstable();
            assert_eq!(all, (0..n).collect::<Vec<_>>(), "{n} over {threads}");
            for runs in &taken {
                assert!(runs.iter().all(|r| !r.is_empty() && r.len() <= RUN));
                // A thread jumps only when it takes over another's half: a few times.
                let jumps = runs.windows(2).filter(|w| w[0].end != w[1].start).count();
                assert!(jumps <= 16, "{n} over {threads}: {jumps} jumps");
            }
        }
    }

    #[test]
    fn natural_order() {
        let mut v = vec!["TASK-10", "TASK-2", "TASK-1.1"];
        v.sort_by_cached_key(|a| natural(a));
        assert_eq!(v, ["TASK-1.1", "TASK-2", "TASK-10"]);
    }
}
