//! Repository-relative paths, `/`-separated: joining and normalising them.

/// Joins `path` to `base` and removes `.` and `..`; `None` when the result leaves the
/// repository (an absolute path, a drive letter, or `..` above the root).
pub fn normalise(base: &str, path: &str) -> Option<String> {
    let bytes = path.as_bytes();
    let drive = bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':';
    if path.starts_with('/') || drive {
        return None;
    }
    let mut parts: Vec<&str> = base.split('/').filter(|p| !p.is_empty()).collect();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

/// A configured glob as the repository-relative paths it is matched against are written:
/// without a leading `./` or `/` (`./specs/**` matches what `specs/**` matches). Every
/// place that compiles or walks configured globs goes through this one function.
pub fn normalise_glob(glob: &str) -> &str {
    glob.trim_start_matches("./").trim_start_matches('/')
}
