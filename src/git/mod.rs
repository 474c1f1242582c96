//! Git access: opening a repository and the snapshots it yields (working tree, index,
//! a commit's tree). Everything above this module reads files through [`crate::source`].

pub mod amend;
pub mod changes;
pub mod commit;
pub mod fs;
pub mod index_file;
pub mod repo;
pub mod tree;

pub use commit::CommitMeta;
pub use fs::FsSource;
pub use repo::{Found, IndexSource, Repo, TreeSource};
