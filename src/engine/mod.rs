//! The engine between the commands and the rules: judging a commit against its parent and
//! finding single tasks of a tree without parsing the whole backlog.

pub mod judge;
pub mod tasks;
