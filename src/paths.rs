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
