//! A revision walk that reads each commit once and keeps what it read.
//!
//! The history pass lists its commits (libgit2's walk, topological, oldest first), finds
//! what each merge brought in (another walk per merge) and then judges every commit, which
//! reads each one again: three reads of every commit. [`CommitWalk`] reads each commit
//! once, through [`ReadCommit::read`], and keeps its metadata, tree and parents: the
//! merges are walked on the parents it holds, and the judging takes the metadata from it.
//!
//! The order and the sets are libgit2's, step by step: libgit2 1.9's `revwalk.c` with
//! `GIT_SORT_TOPOLOGICAL | GIT_SORT_REVERSE` (`limit_list`, including its stop after five
//! commits that are all hidden and not older than the last one shown, which decides what a
//! walk gives when committer times go backwards, then `sort_in_topological_order`, which
//! without time sorting takes the commits off a stack). The tests compare both walks on
//! real repositories.

use std::collections::HashMap;

use git2::Oid;

use super::commit::{CommitMeta, ReadCommit};
use super::Repo;
use crate::source::SourceError;

/// How many hidden commits libgit2 looks at, after it runs out of shown ones, before it
/// stops (`SLOP` in `revwalk.c`).
const SLOP: u32 = 5;

/// One commit of a walk: what the graph needs, and what was read of it. Its parents and
/// texts are slices of the walk's shared arrays (a history of 50,000 commits kept as
/// `CommitMeta`s was 25 MB of the audit's peak memory, in six allocations per commit).
#[derive(Debug)]
struct Node {
    id: Oid,
    /// Committer time (libgit2 orders its queue by it).
    time: i64,
    /// Where the indexes of its parents, first parent first, start in
    /// [`CommitWalk::edges`], and how many there are.
    parents: (u32, u32),
    /// Whether the commit was read (the fields below are its).
    read: bool,
    tree: Oid,
    /// Author time.
    author_time: i64,
    /// Where its author name, email and message start in [`CommitWalk::texts`], and
    /// their lengths.
    text: u32,
    lengths: [u32; 3],
    /// The walk whose flags below are current ([`CommitWalk::walks`]); older ones are
    /// stale, which resets every commit's flags for a new walk without visiting them.
    walk: u32,
    flags: Flags,
}

/// libgit2's per-walk marks on a commit (`git_commit_list_node`).
#[derive(Debug, Default, Clone, Copy)]
struct Flags {
    /// Read in this walk (libgit2 starts each walk with nothing read, and how far a
    /// hidden commit hides its ancestors depends on which ones it read).
    parsed: bool,
    seen: bool,
    uninteresting: bool,
    added: bool,
    in_degree: u32,
}

/// The commits of a history as one walk read them, by id, with their parents: the order
/// of the walk, and further walks over the same commits without reading them again.
#[derive(Debug, Default)]
pub struct CommitWalk {
    nodes: Vec<Node>,
    /// The parents of every commit read (see [`Node::parents`]).
    edges: Vec<u32>,
    /// The author names, emails and messages of every commit read, one after the other.
    texts: String,
    index: HashMap<Oid, u32, rustc_hash::FxBuildHasher>,
    /// The walk's commits, oldest first.
    order: Vec<u32>,
    /// How many walks ran (each has its own flags, see [`Node::walk`]).
    walks: u32,
}

impl CommitWalk {
    /// The commits reachable from `include` and from none of `exclude`, oldest first,
    /// parents before children, in the order [`Repo::commits_between`] gives for
    /// `(&[include], exclude)`; each read once. `None` in a shallow or grafted repository,
    /// where libgit2 gives commits the parents the grafts say: walk it with libgit2.
    pub fn new(repo: &Repo, include: Oid, exclude: &[Oid]) -> Result<Option<Self>, SourceError> {
        if repo.is_grafted() {
            return Ok(None);
        }
        let mut walk = CommitWalk::default();
        let order = walk.limited(repo, &[include], exclude)?;
        walk.order = walk.topological(&order);
        walk.order.reverse();
        Ok(Some(walk))
    }

    /// The commits of the walk, oldest first.
    pub fn ids(&self) -> Vec<Oid> {
        self.order.iter().map(|&n| self.node(n).id).collect()
    }

    /// Commit `id`'s metadata and tree, when the walk read it.
    pub fn commit(&self, id: Oid) -> Option<(CommitMeta, Oid)> {
        let n = *self.index.get(&id)?;
        let node = self.nodes.get(n as usize).filter(|node| node.read)?;
        let mut at = node.text as usize;
        let mut text = |len: u32| {
            let start = at;
            at += len as usize;
            self.texts.get(start..at).unwrap_or_default().to_string()
        };
        let [name, email, message] = node.lengths;
        let meta = CommitMeta {
            id,
            parents: self.parents(n).iter().map(|&p| self.node(p).id).collect(),
            author_name: text(name),
            author_email: text(email),
            time: node.author_time,
            message: text(message),
        };
        Some((meta, node.tree))
    }

    /// Whether the walk read commit `id` and it has more than one parent.
    pub fn is_merge(&self, id: Oid) -> bool {
        self.index
            .get(&id)
            .is_some_and(|&n| self.node(n).read && self.node(n).parents.1 > 1)
    }

    /// Commit `id`'s tree, when the walk read it.
    pub fn tree(&self, id: Oid) -> Option<Oid> {
        let node = self.nodes.get(*self.index.get(&id)? as usize)?;
        node.read.then_some(node.tree)
    }

    /// The indexes of commit `n`'s parents.
    fn parents(&self, n: u32) -> &[u32] {
        let (start, len) = self.node(n).parents;
        &self.edges[start as usize..(start + len) as usize]
    }

    /// Commit `n`'s parent number `i`.
    fn parent(&self, n: u32, i: usize) -> u32 {
        self.parents(n)[i]
    }

    /// The commits reachable from `include` and not from `exclude`, as
    /// [`Repo::commits_between`] finds them for `(include, &[exclude])` (in no particular
    /// order): from the parents this walk read, reading only commits it did not.
    pub fn between(
        &mut self,
        repo: &Repo,
        include: &[Oid],
        exclude: Oid,
    ) -> Result<Vec<Oid>, SourceError> {
        let listed = self.limited(repo, include, &[exclude])?;
        Ok(listed
            .into_iter()
            .filter(|&n| !self.flags(n).uninteresting)
            .map(|n| self.node(n).id)
            .collect())
    }

    fn node(&self, n: u32) -> &Node {
        &self.nodes[n as usize]
    }

    /// The current walk's flags of commit `n`.
    fn flags(&self, n: u32) -> Flags {
        let node = self.node(n);
        if node.walk == self.walks {
            node.flags
        } else {
            Flags::default()
        }
    }

    /// The current walk's flags of commit `n`, to change.
    fn flags_mut(&mut self, n: u32) -> &mut Flags {
        let walks = self.walks;
        let node = &mut self.nodes[n as usize];
        if node.walk != walks {
            node.walk = walks;
            node.flags = Flags::default();
        }
        &mut node.flags
    }

    /// The index of commit `id`, added unread if it is new (`git_revwalk__commit_lookup`).
    fn lookup(&mut self, id: Oid) -> u32 {
        if let Some(&n) = self.index.get(&id) {
            return n;
        }
        let n = self.nodes.len() as u32;
        self.nodes.push(Node {
            id,
            time: 0,
            parents: (0, 0),
            read: false,
            tree: id,
            author_time: 0,
            text: 0,
            lengths: [0; 3],
            walk: 0,
            flags: Flags::default(),
        });
        self.index.insert(id, n);
        n
    }

    /// Reads commit `n` if no walk did, and marks it read in this one
    /// (`git_commit_list_parse`).
    fn parse(&mut self, repo: &Repo, n: u32) -> Result<(), SourceError> {
        if self.flags(n).parsed {
            return Ok(());
        }
        self.flags_mut(n).parsed = true;
        if self.node(n).read {
            return Ok(());
        }
        let ReadCommit {
            meta,
            tree,
            committer_time,
        } = ReadCommit::read(repo, self.node(n).id)?;
        let start = self.edges.len() as u32;
        for p in &meta.parents {
            let p = self.lookup(*p);
            self.edges.push(p);
        }
        let text = self.texts.len() as u32;
        let mut length = |s: &str| {
            self.texts.push_str(s);
            s.len() as u32
        };
        let lengths = [
            length(&meta.author_name),
            length(&meta.author_email),
            length(&meta.message),
        ];
        let node = &mut self.nodes[n as usize];
        node.time = committer_time;
        node.parents = (start, meta.parents.len() as u32);
        node.read = true;
        node.tree = tree;
        node.author_time = meta.time;
        node.text = text;
        node.lengths = lengths;
        Ok(())
    }

    /// Pushes `include`, hides `exclude`, and lists the commits as libgit2's
    /// `prepare_walk` and `limit_list` do: newest first by committer time, some of them
    /// found hidden only later (their flags say so).
    fn limited(
        &mut self,
        repo: &Repo,
        include: &[Oid],
        exclude: &[Oid],
    ) -> Result<Vec<u32>, SourceError> {
        self.walks += 1;
        // `git_revwalk_push` and `_hide` put each commit at the front of the input list.
        let mut input: Vec<u32> = Vec::new();
        for (&id, hide) in include
            .iter()
            .map(|id| (id, false))
            .chain(exclude.iter().map(|id| (id, true)))
        {
            let n = self.lookup(id);
            if self.flags(n).uninteresting {
                continue;
            }
            self.flags_mut(n).uninteresting = hide;
            input.insert(0, n);
        }
        let mut list: Vec<u32> = Vec::new();
        for n in input {
            self.parse(repo, n)?;
            if self.flags(n).uninteresting {
                self.mark_parents_uninteresting(n);
            }
            if !self.flags(n).seen {
                self.flags_mut(n).seen = true;
                list.push(n);
            }
        }
        // `limit_list`: `list` is kept newest first (a front, then the rest by date).
        let mut list: std::collections::VecDeque<u32> = list.into();
        let mut out = Vec::new();
        let mut slop = SLOP;
        let mut time = i64::MAX;
        while let Some(n) = list.pop_front() {
            self.add_parents(repo, n, &mut list)?;
            if self.flags(n).uninteresting {
                self.mark_parents_uninteresting(n);
                slop = self.still_interesting(&list, time, slop);
                if slop > 0 {
                    continue;
                }
                break;
            }
            time = self.node(n).time;
            out.push(n);
        }
        Ok(out)
    }

    /// `add_parents_to_list`: reads `n`'s parents and queues them by date.
    fn add_parents(
        &mut self,
        repo: &Repo,
        n: u32,
        list: &mut std::collections::VecDeque<u32>,
    ) -> Result<(), SourceError> {
        if self.flags(n).added {
            return Ok(());
        }
        self.flags_mut(n).added = true;
        let hidden = self.flags(n).uninteresting;
        for i in 0..self.parents(n).len() {
            let p = self.parent(n, i);
            if hidden {
                self.flags_mut(p).uninteresting = true;
            }
            self.parse(repo, p)?;
            if hidden {
                self.mark_parents_uninteresting(p);
                self.flags_mut(p).seen = true;
            } else if self.flags(p).seen {
                continue;
            } else {
                self.flags_mut(p).seen = true;
            }
            self.insert_by_date(p, list);
        }
        Ok(())
    }

    /// `git_commit_list_insert_by_date`: after every commit as new as `n` or newer.
    fn insert_by_date(&self, n: u32, list: &mut std::collections::VecDeque<u32>) {
        let time = self.node(n).time;
        let at = list
            .iter()
            .position(|&m| self.node(m).time < time)
            .unwrap_or(list.len());
        list.insert(at, n);
    }

    /// `mark_parents_uninteresting`: hides the ancestors of `n` read so far, down to
    /// commits already hidden.
    fn mark_parents_uninteresting(&mut self, n: u32) {
        let mut todo = self.parents(n).to_vec();
        while let Some(p) = todo.pop() {
            if self.flags(p).uninteresting {
                continue;
            }
            self.flags_mut(p).uninteresting = true;
            if self.flags(p).parsed {
                todo.extend_from_slice(self.parents(p));
            }
        }
    }

    /// `still_interesting`: how many more hidden commits to look at.
    fn still_interesting(
        &self,
        list: &std::collections::VecDeque<u32>,
        time: i64,
        slop: u32,
    ) -> u32 {
        let Some(&first) = list.front() else {
            return 0;
        };
        if time <= self.node(first).time {
            return SLOP;
        }
        if list
            .iter()
            .any(|&m| !self.flags(m).uninteresting || self.node(m).time > time)
        {
            return SLOP;
        }
        slop - 1
    }

    /// `sort_in_topological_order` without time sorting, and without the commits found
    /// hidden: children before parents.
    fn topological(&mut self, list: &[u32]) -> Vec<u32> {
        for &n in list {
            self.flags_mut(n).in_degree = 1;
        }
        for &n in list {
            for i in 0..self.parents(n).len() {
                let p = self.parent(n, i);
                if self.flags(p).in_degree > 0 {
                    self.flags_mut(p).in_degree += 1;
                }
            }
        }
        // A stack: the tips come off in the order the walk listed them.
        let mut stack: Vec<u32> = list
            .iter()
            .rev()
            .copied()
            .filter(|&n| self.flags(n).in_degree == 1)
            .collect();
        let mut out = Vec::with_capacity(list.len());
        while let Some(n) = stack.pop() {
            for i in 0..self.parents(n).len() {
                let p = self.parent(n, i);
                let flags = self.flags_mut(p);
                if flags.in_degree == 0 {
                    continue;
                }
                flags.in_degree -= 1;
                if flags.in_degree == 1 {
                    stack.push(p);
                }
            }
            self.flags_mut(n).in_degree = 0;
            if !self.flags(n).uninteresting {
                out.push(n);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::git::commit::tests::git;
    use crate::test_rng::Rng;
    use std::path::Path;

    /// A history of `commits` commits on several branches with merges (of two and of
    /// three), several roots, and committer times that repeat and go backwards, written
    /// by `git fast-import`; returns every commit id.
    fn tangled_history(dir: &Path, seed: u64, commits: usize) -> Vec<Oid> {
        git(dir, &["init", "-q", "-b", "b0"], None);
        let mut rng = Rng(seed);
        let mut stream = String::new();
        // Each branch: its number and its tip's mark.
        let mut tips: Vec<(usize, usize)> = Vec::new();
        let mut branches = 0;
        let mut time: i64 = 1_700_000_000;
        for mark in 1..=commits {
            time = match rng.below(10) {
                0 | 1 => time,
                2 => time - rng.below(5000) as i64,
                3 => time + rng.below(100_000) as i64,
                _ => time + 60,
            };
            let kind = if tips.is_empty() { 0 } else { rng.below(12) };
            let mut parents: Vec<usize> = Vec::new();
            let branch = if kind == 0 || (kind == 1 && branches < 5) {
                branches += 1;
                tips.push((branches - 1, mark));
                tips.len() - 1
            } else {
                let b = rng.below(tips.len());
                parents.push(tips[b].1);
                if kind <= 3 && tips.len() > 1 {
                    for _ in 0..=usize::from(kind == 2) {
                        let o = rng.below(tips.len());
                        if !parents.contains(&tips[o].1) {
                            parents.push(tips[o].1);
                        }
                    }
                }
                tips[b].1 = mark;
                b
            };
            let name = tips[branch].0;
            stream.push_str(&format!(
                "commit refs/heads/b{name}\nmark :{mark}\ncommitter C <c@x> {time} +0000\ndata <<END\nc{mark}\nEND\n"
            ));
            for (i, p) in parents.iter().enumerate() {
                let verb = if i == 0 { "from" } else { "merge" };
                stream.push_str(&format!("{verb} :{p}\n"));
            }
            stream.push_str(&format!(
                "M 644 inline f{}\ndata <<END\n{mark}\nEND\n\n",
                mark % 7
            ));
        }
        git(dir, &["fast-import", "--quiet"], Some(stream.as_bytes()));
        git(dir, &["rev-list", "--all"], None)
            .lines()
            .map(|l| Oid::from_str(l).unwrap())
            .collect()
    }

    /// Every walk of `ids` (each commit as head, alone and with one or two others
    /// hidden) in the order libgit2 gives, and every merge's walk of what it brought in,
    /// with the same commits.
    fn same_as_libgit2(dir: &Path, ids: &[Oid], seed: u64) {
        let repo = Repo::discover(dir).unwrap();
        let mut rng = Rng(seed);
        let mut pick = || ids[rng.below(ids.len())];
        let mut checked = 0;
        for &head in ids {
            let hides: [Vec<Oid>; 3] = [vec![], vec![pick()], vec![pick(), pick()]];
            for hide in hides {
                let ours = CommitWalk::new(&repo, head, &hide).unwrap().unwrap();
                let theirs = repo.commits_between(&[head], &hide).unwrap();
                assert_eq!(ours.ids(), theirs, "head {head}, hidden {hide:?}");
                checked += theirs.len();
            }
        }
        assert!(checked > ids.len() * 10, "walks too short: {checked}");
        // One walk over everything, then many walks over its commits.
        let mut walk = CommitWalk::new(&repo, ids[0], &[]).unwrap().unwrap();
        // What it kept of each commit is what reading it gives.
        for id in walk.ids() {
            let read = ReadCommit::read(&repo, id).unwrap();
            assert_eq!(walk.is_merge(id), read.meta.parents.len() > 1);
            assert_eq!(walk.tree(id), Some(read.tree));
            assert_eq!(walk.commit(id), Some((read.meta, read.tree)));
        }
        let mut merges = 0;
        for &id in ids {
            let parents = repo.commit_parents(id).unwrap();
            let mut cases = vec![(vec![pick(), pick()], pick())];
            if let Some((first, others)) = parents.split_first().filter(|(_, o)| !o.is_empty()) {
                merges += 1;
                cases.push((others.to_vec(), *first));
            }
            for (include, exclude) in cases {
                let mut ours = walk.between(&repo, &include, exclude).unwrap();
                let mut theirs = repo.commits_between(&include, &[exclude]).unwrap();
                ours.sort();
                theirs.sort();
                assert_eq!(ours, theirs, "{include:?} but not {exclude}");
            }
        }
        assert!(merges > 10, "{merges} merges");
    }

    #[test]
    fn walks_as_libgit2_walks_with_merges_roots_and_skewed_clocks() {
        for seed in [7, 1234, 987_654_321] {
            let dir =
                std::env::temp_dir().join(format!("flowgate-walk-{}-{seed}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            let ids = tangled_history(&dir, seed, 160);
            let roots = ids
                .iter()
                .filter(|id| {
                    git(
                        &dir,
                        &["rev-list", "--parents", "-n1", &id.to_string()],
                        None,
                    )
                    .split_whitespace()
                    .count()
                        == 1
                })
                .count();
            assert!(roots > 1, "{roots} roots");
            same_as_libgit2(&dir, &ids, seed);
            // With a commit-graph file, libgit2 takes parents and times from it.
            git(&dir, &["commit-graph", "write", "--reachable"], None);
            same_as_libgit2(&dir, &ids, seed + 1);
            let _ = std::fs::remove_dir_all(&dir);
        }
    }

    #[test]
    fn a_grafted_repository_is_left_to_libgit2() {
        let dir = std::env::temp_dir().join(format!("flowgate-walk-graft-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let ids = tangled_history(&dir, 42, 20);
        std::fs::write(dir.join(".git/shallow"), format!("{}\n", ids[0])).unwrap();
        let repo = Repo::discover(&dir).unwrap();
        assert!(CommitWalk::new(&repo, ids[0], &[]).unwrap().is_none());
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// Compares the walks on the repository at `$FLOWGATE_WALK_REPO` (a real history:
    /// `FLOWGATE_WALK_REPO=/path cargo test walks_a_real_repository -- --ignored`).
    #[test]
    #[ignore]
    fn walks_a_real_repository() {
        let dir = std::env::var("FLOWGATE_WALK_REPO").expect("FLOWGATE_WALK_REPO");
        let dir = Path::new(&dir);
        let repo = Repo::discover(dir).unwrap();
        let head = repo.resolve("HEAD").unwrap();
        let all = repo.commits_between(&[head], &[]).unwrap();
        let mut walk = CommitWalk::new(&repo, head, &[]).unwrap().unwrap();
        assert_eq!(walk.ids(), all);
        let mut rng = Rng(99);
        for _ in 0..20 {
            let since = all[rng.below(all.len())];
            let ours = CommitWalk::new(&repo, head, &[since]).unwrap().unwrap();
            assert_eq!(ours.ids(), repo.commits_between(&[head], &[since]).unwrap());
        }
        let mut merges = 0;
        for &id in &all {
            let parents = repo.commit_parents(id).unwrap();
            if let Some((first, others)) = parents.split_first().filter(|(_, o)| !o.is_empty()) {
                merges += 1;
                let mut ours = walk.between(&repo, others, *first).unwrap();
                let mut theirs = repo.commits_between(others, &[*first]).unwrap();
                ours.sort();
                theirs.sort();
                assert_eq!(ours, theirs, "merge {id}");
            }
        }
        eprintln!("{} commits, {merges} merges: the same", all.len());
    }
}
