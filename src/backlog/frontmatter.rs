//! Splitting a task file into frontmatter and body, and reading the frontmatter YAML.
