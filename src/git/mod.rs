//! Git access: opening a repository and the snapshots it yields (working tree, index,
//! a commit's tree). Everything above this module reads files through [`crate::source`].

pub mod amend;
pub mod changes;
pub mod fs;
pub mod index_file;
pub mod judge;
pub mod repo;
pub mod tasks;
pub mod tree;

pub use fs::FsSource;
pub use repo::{Found, IndexSource, Repo, TreeSource};
