//! One commit's metadata, as git stores it.

use git2::Oid;

use super::Repo;
use crate::source::SourceError;

/// One commit's metadata, as git stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitMeta {
    /// The commit id.
    pub id: Oid,
    /// Its parents, first parent first.
    pub parents: Vec<Oid>,
    /// Author name.
    pub author_name: String,
    /// Author email.
    pub author_email: String,
    /// Author time, seconds since the epoch.
    pub time: i64,
    /// The full message.
    pub message: String,
}

impl CommitMeta {
    /// Reads commit `id`: from the packs by flowgate's reader when the commit is there
    /// and written the plain way git writes it, else through libgit2 (which reads it the
    /// same way, or says what is wrong with it).
    pub fn read(repo: &Repo, id: Oid) -> Result<CommitMeta, SourceError> {
        Ok(ReadCommit::read(repo, id)?.meta)
    }

    /// The first line of the message.
    pub fn subject(&self) -> &str {
        self.message.lines().next().unwrap_or_default()
    }
}

/// One commit as read: its metadata, its tree and its committer's time (what a revision
/// walk orders commits by).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadCommit {
    /// The metadata.
    pub meta: CommitMeta,
    /// The commit's tree.
    pub tree: Oid,
    /// Committer time, seconds since the epoch.
    pub committer_time: i64,
}

impl ReadCommit {
    /// Reads commit `id` as [`CommitMeta::read`] does (and remembers its tree for
    /// [`Repo::commit_tree_id`]).
    pub fn read(repo: &Repo, id: Oid) -> Result<ReadCommit, SourceError> {
        if let Some(read) = repo.packed_commit(id).and_then(|d| parse_plain(id, &d)) {
            repo.remember_commit_tree(id, read.tree);
            return Ok(read);
        }
        Self::read_by_libgit2(repo, id)
    }

    /// Reads commit `id` through libgit2.
    fn read_by_libgit2(repo: &Repo, id: Oid) -> Result<ReadCommit, SourceError> {
        let commit = repo.git.find_commit(id)?;
        repo.remember_commit_tree(id, commit.tree_id());
        let author = commit.author();
        let committer_time = commit.committer().when().seconds();
        Ok(ReadCommit {
            meta: CommitMeta {
                id,
                parents: commit.parent_ids().collect(),
                author_name: String::from_utf8_lossy(author.name_bytes()).into_owned(),
                author_email: String::from_utf8_lossy(author.email_bytes()).into_owned(),
                time: author.when().seconds(),
                message: String::from_utf8_lossy(commit.message_bytes()).into_owned(),
            },
            tree: commit.tree_id(),
            committer_time,
        })
    }
}

/// Commit `id` from its object's bytes `data`, with its tree and committer time, read as libgit2 reads it
/// (every field where libgit2 finds it, the name and email trimmed of the same
/// characters, the message from the blank line after the headers, up to a NUL, without its
/// leading newlines). Only the plain form is read: `tree`, `parent`s, one `author` and a
/// `committer` line, each signature `NAME <EMAIL> SECONDS +ZONE`, no NUL in either;
/// anything else is `None`, for libgit2 to read (or reject).
fn parse_plain(id: Oid, data: &[u8]) -> Option<ReadCommit> {
    let mut rest = data;
    let tree = id_line(&mut rest, b"tree ")?;
    let mut parents = Vec::new();
    while rest.starts_with(b"parent ") {
        parents.push(id_line(&mut rest, b"parent ")?);
    }
    let (author, after) = header_line(rest, b"author ")?;
    if after.starts_with(b"author ") {
        return None;
    }
    let (committer, after) = header_line(after, b"committer ")?;
    let (_, _, committer_time) = signature(committer)?;
    let (name, email, time) = signature(author)?;
    // The other headers (`encoding`, `gpgsig` and its continuation lines, `mergetag`),
    // up to the empty line; the message follows it.
    let mut pos = data.len() - after.len();
    while let Some(&b) = data.get(pos) {
        if b == b'\n' {
            break;
        }
        pos = memchr::memchr(b'\n', data.get(pos..)?).map_or(data.len(), |n| pos + n + 1);
    }
    let message = data.get(pos + 1..).unwrap_or_default();
    let message = message
        .iter()
        .position(|&b| b == 0)
        .map_or(message, |nul| &message[..nul]);
    let start = message
        .iter()
        .position(|&b| b != b'\n')
        .unwrap_or(message.len());
    let message = &message[start..];
    Some(ReadCommit {
        meta: CommitMeta {
            id,
            parents,
            author_name: String::from_utf8_lossy(name).into_owned(),
            author_email: String::from_utf8_lossy(email).into_owned(),
            time,
            message: String::from_utf8_lossy(message).into_owned(),
        },
        tree,
        committer_time,
    })
}

/// `HEADER` + 40 lowercase hex digits + `\n` at the start of `rest`: the id, and `rest`
/// moved past the line.
fn id_line(rest: &mut &[u8], header: &[u8]) -> Option<Oid> {
    let line = rest.strip_prefix(header)?;
    let hex = line.get(..40)?;
    if line.get(40) != Some(&b'\n') || !hex.iter().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    let id = super::oid::from_hex(hex)?;
    *rest = line.get(41..)?;
    Some(id)
}

/// The line that `rest` starts with, after `header` and without its `\n`, and what follows
/// it; `None` without the header, a newline or with a NUL in the line.
fn header_line<'a>(rest: &'a [u8], header: &[u8]) -> Option<(&'a [u8], &'a [u8])> {
    let end = memchr::memchr(b'\n', rest)?;
    let line = rest.get(..end)?.strip_prefix(header)?;
    if line.contains(&0) {
        return None;
    }
    Some((line, rest.get(end + 1..)?))
}

/// Name, email and time of a signature `NAME <EMAIL> SECONDS +HHMM`, the name and email
/// trimmed as libgit2 trims them (see [`trimmed`]); `None` for any other form.
fn signature(line: &[u8]) -> Option<(&[u8], &[u8], i64)> {
    let lt = line.iter().rposition(|&b| b == b'<')?;
    let gt = line.iter().rposition(|&b| b == b'>')?;
    if gt <= lt {
        return None;
    }
    let date = line.get(gt + 1..)?.strip_prefix(b" ")?;
    let space = date.iter().position(|&b| b == b' ')?;
    let (seconds, zone) = (date.get(..space)?, date.get(space + 1..)?);
    let zone_ok = zone.len() == 5
        && matches!(zone.first(), Some(b'+' | b'-'))
        && zone.iter().skip(1).all(u8::is_ascii_digit);
    if seconds.is_empty()
        || seconds.len() > 18
        || !seconds.iter().all(u8::is_ascii_digit)
        || !zone_ok
    {
        return None;
    }
    let time = seconds
        .iter()
        .fold(0i64, |n, &b| n * 10 + i64::from(b - b'0'));
    Some((
        trimmed(line.get(..lt)?),
        trimmed(line.get(lt + 1..gt)?),
        time,
    ))
}

/// `bytes` without the leading and trailing "crud" libgit2 trims from a signature's name
/// and email: control characters, space, and `,:;<>"\'`.
fn trimmed(bytes: &[u8]) -> &[u8] {
    let crud = |b: &u8| *b <= b' ' || b",:;<>\"\\'".contains(b);
    let start = bytes.iter().position(|b| !crud(b)).unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !crud(b))
        .map_or(start, |e| e + 1);
    bytes.get(start..end).unwrap_or_default()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Runs git in `dir` with `args` (and `input` on its standard input), returns its
    /// standard output.
    pub(crate) fn git(dir: &std::path::Path, args: &[&str], input: Option<&[u8]>) -> String {
        use std::io::Write;
        let mut child = std::process::Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(args)
            .current_dir(dir)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.unwrap_or_default())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "git {args:?}");
        String::from_utf8(out.stdout).unwrap()
    }

    #[test]
    fn packed_commits_read_as_libgit2_reads_them() {
        let dir = std::env::temp_dir().join(format!("flowgate-commits-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        git(&dir, &["init", "-q", "-b", "main"], None);
        git(&dir, &["commit", "-q", "--allow-empty", "-m", "root"], None);
        git(
            &dir,
            &["commit", "-q", "--allow-empty", "-m", "two\n\nbody"],
            None,
        );
        let tree = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";
        let p1 = git(&dir, &["rev-parse", "HEAD~1"], None).trim().to_string();
        let p2 = git(&dir, &["rev-parse", "HEAD"], None).trim().to_string();
        let sig = "A U Thor <a@example.com> 1700000000 +0100";
        let plain = |author: &str, rest: &str| {
            format!("tree {tree}\nparent {p1}\nauthor {author}\ncommitter {sig}\n{rest}")
        };
        let mut objects: Vec<(Vec<u8>, bool)> = vec![
            (format!("tree {tree}\nparent {p1}\nparent {p2}\nauthor {sig}\ncommitter {sig}\n\nMerge x\n").into_bytes(), true),
            (plain(sig, "\n\n\n\nleading newlines\n").into_bytes(), true),
            (plain(sig, "encoding ISO-8859-1\ngpgsig -----BEGIN PGP SIGNATURE-----\n \n abc\n -----END PGP SIGNATURE-----\n\nsigned\r\nCRLF\r\n").into_bytes(), true),
            (plain("  Spaced \t Name \t <  e@x.org \t> 1700000000 -0730", "\nspaced\n").into_bytes(), true),
            (plain("Name > With <odd> <e@x> 12 +0000", "\nangles\n").into_bytes(), true),
            (plain("'Quoted, Name.' <\"e@x\";> 12 +0000", "\ncrud\n").into_bytes(), true),
            (plain("\x01Ctl\x1f <\\e@x\\> 12 +0000", "\ncontrol\n").into_bytes(), true),
            (plain(sig, "").into_bytes(), true),
            (plain(sig, "\n").into_bytes(), true),
            (plain(sig, "\nbefore\0after\n").into_bytes(), true),
            (plain("Jos\u{e9} <j@x> 1 +0000", "\nutf-8\n").into_bytes(), true),
            (format!("tree {tree}\nauthor Ren\u{e9} <r@x> 1 +0000\ncommitter {sig}\n\nroot\n").into_bytes(), true),
            (format!("tree {tree}\nauthor {sig}\nauthor B <b@x> 2 +0000\ncommitter {sig}\n\ntwo authors\n").into_bytes(), false),
            (format!("tree {}\nauthor {sig}\ncommitter {sig}\n\nupper\n", tree.to_uppercase()).into_bytes(), false),
            (plain("A <a@x> abc +0000", "\nbad time\n").into_bytes(), false),
            (plain("A <a@x> 12", "\nno zone\n").into_bytes(), false),
            (plain("A a@x 12 +0000", "\nno email\n").into_bytes(), false),
            (format!("tree {tree}\nparent {p1}\nauthor {sig}\n").into_bytes(), false),
        ];
        // A name in Latin-1 (not UTF-8).
        let mut latin = format!("tree {tree}\nparent {p1}\nauthor Ren").into_bytes();
        latin.extend_from_slice(b"\xe9 <r@x> 5 +0000\ncommitter ");
        latin.extend_from_slice(format!("{sig}\n\nlatin-1\n").as_bytes());
        objects.push((latin, true));
        let mut ids = vec![p1.clone(), p2.clone()];
        for (bytes, _) in &objects {
            let id = git(
                &dir,
                &[
                    "hash-object",
                    "-t",
                    "commit",
                    "--literally",
                    "-w",
                    "--stdin",
                ],
                Some(bytes),
            );
            ids.push(id.trim().to_string());
        }
        let list = ids.join("\n") + "\n";
        git(
            &dir,
            &["pack-objects", "-q", ".git/objects/pack/pack"],
            Some(list.as_bytes()),
        );
        git(&dir, &["prune-packed"], None);
        let repo = Repo::discover(&dir).unwrap();
        let plain_ones = [true, true].iter().chain(objects.iter().map(|(_, p)| p));
        for (id, &is_plain) in ids.iter().zip(plain_ones) {
            let id = Oid::from_str(id).unwrap();
            let data = repo.packed_commit(id).expect("read from the pack");
            let fast = parse_plain(id, &data);
            assert_eq!(
                fast.is_some(),
                is_plain,
                "{}",
                String::from_utf8_lossy(&data)
            );
            let slow = ReadCommit::read_by_libgit2(&repo, id);
            if let Some(fast) = fast {
                // Metadata, tree and committer time.
                assert_eq!(Ok(&fast), slow.as_ref().map_err(|e| &e.0), "{id}");
            }
            // Either way, `read` answers as libgit2 does.
            assert_eq!(
                ReadCommit::read(&repo, id).map_err(|e| e.0),
                slow.map_err(|e| e.0)
            );
        }
        // A graft gives a commit other parents than its object names: libgit2 reads it.
        std::fs::create_dir_all(dir.join(".git/info")).unwrap();
        std::fs::write(dir.join(".git/info/grafts"), format!("{p2}\n")).unwrap();
        let repo = Repo::discover(&dir).unwrap();
        let grafted = CommitMeta::read(&repo, Oid::from_str(&p2).unwrap()).unwrap();
        assert!(grafted.parents.is_empty());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
