//! The maintainer audit: the tree at HEAD, the whole history (one pass, each commit against
//! its first parent, through an incremental cache), requirement coverage and suspect links.
//! `flowgate audit` and `flowgate trace` are views of one [`Audit`].

pub mod cache;
pub mod cache_codec;
pub mod coverage;
pub mod history;
pub mod memo;
pub mod results;
pub mod suspect;

use crate::git::Oid;

use crate::config::Config;
use crate::engine;
use crate::finding::Finding;
use crate::git::Repo;
use crate::rules;
use crate::source::SourceError;
use crate::spec::markdown::IdPatterns;
use cache::Cache;
use coverage::Coverage;
use history::History;

/// How the history pass went (for `-v`).
#[derive(Debug, Clone, Default)]
pub struct Stats {
    /// Commits in the audited range.
    pub commits: usize,
    /// Records reused from the cache.
    pub cached: usize,
    /// Commits judged in this run.
    pub judged: usize,
    /// Threads used for judging.
    pub threads: usize,
    /// Why the cache could not be written, if it could not.
    pub cache_error: Option<String>,
    /// How the tree memo served HEAD's task files.
    pub memo: memo::MemoStats,
    /// How the result memo served the audit.
    pub results: results::ResultStats,
    /// Why the result memo could not be written, if it could not.
    pub results_error: Option<String>,
    /// Wall time of each phase, for `-v`.
    pub phases: Vec<(&'static str, std::time::Duration)>,
}

/// Everything the audit found.
#[derive(Debug)]
pub struct Audit {
    /// The audited HEAD.
    pub head: Oid,
    /// The start of the range, when not the whole history.
    pub since: Option<Oid>,
    /// The history, oldest first.
    pub history: History,
    /// Coverage at HEAD.
    pub coverage: Coverage,
    /// Every finding (tree, history, coverage, suspect links), configured and sorted.
    pub findings: Vec<Finding>,
    /// Tasks at HEAD.
    pub tasks: usize,
    /// Spec files at HEAD.
    pub specs: usize,
    /// How the pass went.
    pub stats: Stats,
    /// The suspect links' chained fingerprints of the history's records.
    pub chain: HistoryChain,
    /// Where the audit keeps its memos (the repository's `.git`): the JSON report keeps
    /// its history's text there. `None`: nothing is kept.
    pub memo_dir: Option<std::path::PathBuf>,
}

/// The suspect links' chained fingerprint of the history's records
/// ([`results::suspect_history_chain`]; it covers every record that moved a task, with
/// its commit and the moves, so it fixes each task's status history), and that of its
/// first `kept` records when they are the cached walk's records, kept as they were.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HistoryChain {
    /// The fingerprint of all the records.
    pub all: u128,
    /// How many of the first records the cache kept (0: none, or not all of its walk).
    pub kept: usize,
    /// The fingerprint of those `kept` records.
    pub kept_chain: u128,
}

/// The records the history pass judged or took from the cache, to be written back to
/// it ([`run`] writes them while it works).
#[derive(Debug)]
pub struct CacheWrite {
    cache: Cache,
    head: Oid,
    since: Option<Oid>,
    /// How many of the first records are the cached walk's, as read (see [`Cache::save`]).
    kept: usize,
    /// The suspect links' chained fingerprint of all the records.
    suspect_chain: u128,
}

impl CacheWrite {
    /// Writes `history`'s records to the cache; why it could not, if it could not.
    fn save(&self, history: &History) -> Result<(), String> {
        self.cache.save(
            self.head,
            self.since,
            &history.records,
            self.kept,
            self.suspect_chain,
        )
    }
}

/// What [`run`] needs besides the history and HEAD's tree, prepared by [`history()`] (on the
/// thread that loads the history, while HEAD's tree is read): the part of the suspect
/// links' fingerprint that the history gives.
#[derive(Debug)]
pub struct Prepared {
    /// The history's suspect-link chain (`chain.all` is the history's part of the
    /// suspect links' fingerprint).
    chain: HistoryChain,
}

/// Everything [`history()`] gives [`run`].
pub type HistoryPart = (History, Stats, Option<CacheWrite>, Prepared);

/// The history records of `head` back to `since`, through the cache (the `history` phase
/// of [`Stats::phases`] says how long they took), the cache to write when it changed, and
/// what [`Prepared`] holds.
pub fn history(
    repo: &Repo,
    config: &Config,
    head: Oid,
    since: Option<Oid>,
) -> Result<HistoryPart, SourceError> {
    let clock = std::time::Instant::now();
    history::tune_libgit2();
    let mut cache = Cache::open(repo.git_dir(), config);
    let walk = cache.walk(repo, head, since);
    // The walk starts with the cached one: its records are at their positions.
    let extends = walk.is_some();
    let (ids, branches, read) = match walk {
        // The merges of the cached walk are in its records: only the new ones are read.
        Some(ids) => {
            let branches =
                history::merged_branches_from(repo, &ids, cache.walked(), cache.branches())?;
            (ids, branches, crate::git::CommitWalk::default())
        }
        None => history::walk(repo, head, since)?,
    };
    // A commit judged before the merge that brought it in was judged without its branch.
    let mut slots = cache.take_all(&ids);
    for (slot, id) in slots.iter_mut().zip(&ids) {
        if slot
            .as_ref()
            .is_some_and(|r| r.branch.as_deref() != branches.get(id).map(String::as_str))
        {
            *slot = None;
        }
    }
    // Every record of the cached walk kept: the cache file's bytes of them are written back.
    let walked = cache.walked();
    let kept = match extends && slots.iter().take(walked).all(Option::is_some) {
        true => walked,
        false => 0,
    };
    let missing: Vec<Oid> = ids
        .iter()
        .zip(&slots)
        .filter(|(_, s)| s.is_none())
        .map(|(id, _)| *id)
        .collect();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut stats = Stats {
        commits: ids.len(),
        cached: ids.len() - missing.len(),
        judged: missing.len(),
        threads: threads.min(missing.len().div_ceil(64)).max(1),
        cache_error: None,
        memo: memo::MemoStats::default(),
        results: results::ResultStats::default(),
        results_error: None,
        phases: Vec::new(),
    };
    let mut fresh =
        history::record_all(repo, config, &missing, &branches, &read, threads)?.into_iter();
    for slot in &mut slots {
        if slot.is_none() {
            *slot = fresh.next();
        }
    }
    // Collected in place (a long history's records are megabytes), which `flatten`
    // does not do.
    #[allow(clippy::filter_map_identity)]
    let records: Vec<history::CommitRecord> = slots.into_iter().filter_map(|r| r).collect();
    // The suspect links' part of the history: with every cached record kept at the start,
    // chained on from the cache's chain of them over the new records only.
    let cache_chain = cache.suspect_chain();
    let suspect_history = match records.get(kept..) {
        Some(new) if kept > 0 => results::suspect_history_chain(cache_chain, new),
        _ => results::suspect_history_chain(0, &records),
    };
    let write = (!missing.is_empty() || !cache.is_empty()).then_some(CacheWrite {
        cache,
        head,
        since,
        kept,
        suspect_chain: suspect_history,
    });
    let history = History::new(records);
    let chain = HistoryChain {
        all: suspect_history,
        kept,
        kept_chain: if kept > 0 { cache_chain } else { 0 },
    };
    let prepared = Prepared { chain };
    stats.phases.push(("history", clock.elapsed()));
    Ok((history, stats, write, prepared))
}

/// FG406 for a task created with the ID of a task deleted in an earlier commit (the
/// transition rules see one commit at a time; only the history sees both ends).
pub fn reused_ids(history: &History) -> Vec<Finding> {
    // Few tasks have one: the tasks are put in ID order once their findings are known,
    // not all of them before.
    let mut found: Vec<(&str, Vec<Finding>)> = Vec::new();
    for task in history.task_ids() {
        let mut out = Vec::new();
        let mut deleted: Option<&history::CommitRecord> = None;
        for e in history.timeline(task) {
            match (&e.change.from, &e.change.to) {
                (_, None) => deleted = Some(e.commit),
                (None, Some(_)) => {
                    if let Some(gone) = deleted.take() {
                        let path = e.change.path.clone().unwrap_or_default();
                        out.push(
                            Finding::new(
                                &rules::ID_REUSED,
                                format!(
                                    "{task} is created again, but that ID belonged to a task deleted in commit {} ({})",
                                    gone.short(),
                                    gone.date()
                                ),
                            )
                            .file(path)
                            .commit(e.commit.id.clone())
                            .task(task.to_string())
                            .help("give the new task a new ID (`backlog task create` picks the next free one); an ID names one task for life"),
                        );
                    }
                }
                _ => {}
            }
        }
        if !out.is_empty() {
            found.push((task, out));
        }
    }
    found.sort_by_cached_key(|(task, _)| history::natural(task));
    found.into_iter().flat_map(|(_, out)| out).collect()
}

/// Runs the whole audit of `head` back to `since` on the history records of
/// [`history()`] (writing them to the cache meanwhile, when they changed): `tree` is HEAD's
/// tree with the result memo ([`memo::Head`]), whose files are read only when a part of
/// the audit is not in the memo; suspect links quote earlier commits through the memo's
/// quotes.
pub fn run(
    repo: &Repo,
    config: &Config,
    (head, since): (Oid, Option<Oid>),
    (history, mut stats, write, prepared): HistoryPart,
    tree: &mut memo::Head<'_, '_>,
) -> Result<Audit, engine::Error> {
    let chain = prepared.chain;
    let (coverage, findings) = std::thread::scope(|scope| {
        let saving = write.as_ref().map(|w| scope.spawn(|| w.save(&history)));
        let found = findings_of(repo, config, (&history, prepared), &mut stats, tree);
        if let Some(saving) = saving {
            let saved = saving
                .join()
                .unwrap_or_else(|e| std::panic::resume_unwind(e));
            stats.cache_error = saved.err();
        }
        found
    })?;
    let (tasks, specs) = tree.counts();
    Ok(Audit {
        head,
        since,
        history,
        coverage,
        findings,
        tasks,
        specs,
        stats,
        chain,
        memo_dir: Some(repo.git_dir().to_path_buf()),
    })
}

/// The coverage and every finding of the audit (see [`run`]).
fn findings_of(
    repo: &Repo,
    config: &Config,
    (history, prepared): (&History, Prepared),
    stats: &mut Stats,
    tree: &mut memo::Head<'_, '_>,
) -> Result<(Coverage, Vec<Finding>), engine::Error> {
    let clock = std::time::Instant::now();
    let mut kept = std::mem::take(&mut tree.results);
    let source = tree.source();
    let part = kept.tree_part(tree.tree_key, || {
        let (snapshot, _) = tree.snapshot()?;
        let coverage = coverage::compute(snapshot, source);
        let findings = engine::tree_findings(snapshot, config);
        Ok::<_, engine::Error>(results::TreePart { findings, coverage })
    })?;
    let results::TreePart {
        findings: tree_found,
        coverage,
    } = part;
    stats
        .phases
        .push(("coverage and tree rules", clock.elapsed()));
    let clock = std::time::Instant::now();
    let suspect_key = results::suspect_fingerprint(tree.tree_key, prepared.chain.all);
    let suspect = kept.suspect(suspect_key, || {
        let (snapshot, pending) = tree.snapshot()?;
        let patterns = IdPatterns::new(&config.specs.id_patterns);
        Ok::<_, engine::Error>(suspect::check(
            snapshot,
            source,
            history,
            repo,
            &patterns,
            &config.audit.suspect_open,
            &mut pending.quotes,
        ))
    })?;
    if kept.stats.suspect_reused {
        tree.quotes_not_needed();
    }
    stats.results = kept.stats;
    stats.results_error = kept.save(repo.git_dir());
    // Each part on its own: a commit's finding does not answer one of the tree.
    let findings = engine::configure(
        [
            tree_found,
            history.findings(),
            reused_ids(history),
            coverage.findings(),
            suspect,
        ],
        config,
    );
    stats
        .phases
        .push(("history rules and suspect links", clock.elapsed()));
    Ok((coverage, findings))
}

/// Gives the pages of freed memory back to the system. glibc keeps the pages a thread
/// freed for that thread's later allocations, and a long-lived allocation among them (a
/// history record between the buffers of trees read for it) keeps a whole heap's top in
/// place: while the history pass's threads grow their own heaps, the process's peak would
/// count every thread's freed pages beside them.
pub fn give_back_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `malloc_trim` only releases free pages of the allocator's heaps; it locks
    // each heap while it does.
    unsafe {
        libc::malloc_trim(0);
    }
}
