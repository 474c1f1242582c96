//! Commit rules: every code change references an existing, active task.
