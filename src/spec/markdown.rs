//! Markdown headings, GitHub anchor slugs and requirement IDs.
