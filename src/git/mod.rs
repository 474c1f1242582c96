//! Git access: opening a repository and the snapshots it yields (working tree, index,
//! a commit's tree). Everything above this module reads files through [`crate::source`],
//! and reaches the repository through [`Repo`] and [`ops`]: nothing else names libgit2.

pub mod amend;
pub mod changes;
pub mod commit;
pub mod fs;
pub mod index_file;
#[cfg(all(unix, target_pointer_width = "64"))]
pub(crate) mod map;
pub mod oid;
pub mod ops;
#[cfg(all(unix, target_pointer_width = "64"))]
pub mod pack;
pub mod repo;
pub mod tree;
pub mod walk;

pub use commit::{CommitMeta, ReadCommit};
pub use fs::FsSource;
/// A git object id (a commit, tree or blob), as every layer names one.
pub use git2::Oid;
pub use repo::{Found, IndexSource, Repo, TreeSource};
pub use walk::CommitWalk;
