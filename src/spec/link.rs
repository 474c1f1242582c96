//! Links from tasks to spec sections: parsing references and resolving them.

/// Where a link was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkOrigin {
    /// flowgate's frontmatter `spec` / `specs`.
    Frontmatter,
    /// Backlog.md's `documentation` list.
    Documentation,
    /// Backlog.md's `references` list.
    References,
    /// A markdown link in the task body.
    Body,
}

/// A parsed reference to a spec section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpecRef {
    /// `PATH` or `PATH#FRAGMENT`, path normalised to repo-relative.
    Path {
        /// Repo-relative path.
        path: String,
        /// Heading slug or ID, if any.
        fragment: Option<String>,
    },
    /// `FEATURE/ID` or `FEATURE#FRAGMENT` (a spec-kit feature folder name).
    Feature {
        /// Feature folder name, e.g. `001-user-auth`.
        feature: String,
        /// Heading slug or ID.
        fragment: String,
    },
    /// A bare requirement ID, unique across all specs.
    BareId(String),
    /// A path that leaves the repository (never read).
    Escapes(String),
}

/// What a reference resolves to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// A section: indices into `SpecIndex::files` and that file's `sections`.
    Section {
        /// File index.
        file: usize,
        /// Section index.
        section: usize,
    },
    /// A whole file.
    File {
        /// File index.
        file: usize,
    },
    /// The file or feature does not exist; the nearest existing one, if any.
    TargetMissing {
        /// Nearest existing path or feature.
        suggestion: Option<String>,
    },
    /// The file exists, the fragment does not; the nearest slug or ID, if any.
    FragmentNotFound {
        /// File index.
        file: usize,
        /// Nearest slug or ID.
        suggestion: Option<String>,
    },
    /// A bare ID defined in several features; their qualified forms.
    Ambiguous(Vec<String>),
    /// The path leaves the repository.
    Escapes,
}
