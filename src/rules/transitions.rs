//! Transition rules: status changes between two snapshots of the same task.
