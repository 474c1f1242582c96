//! The GitHub Actions event that started a run: which commits to check, and the pull
//! request's number, title and body.
//!
//! Read from the JSON file named by `GITHUB_EVENT_PATH`; the event name comes from
//! `GITHUB_EVENT_NAME` (or, when that is absent, from the shape of the payload). Only the
//! fields flowgate needs are read, leniently: a payload without them is not an error, it
//! just leaves the range to `--base` / `--head`.

use serde_json::Value;

/// The all-zero SHA GitHub sends as `before` when a push creates a branch.
const ZERO_SHA: &str = "0000000000000000000000000000000000000000";

/// What flowgate needs from an event payload.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Event {
    /// The event name (`pull_request`, `pull_request_target`, `push`, `merge_group`, ...).
    pub name: String,
    /// The base commit (a PR's `base.sha`, a push's `before`, a merge group's `base_sha`);
    /// `None` for a push that created a branch.
    pub base: Option<String>,
    /// The head commit (a PR's `head.sha`, a push's `after`, a merge group's `head_sha`).
    pub head: Option<String>,
    /// The branch being checked (a PR's `head.ref`, a push's `ref` without `refs/heads/`),
    /// for the branch-name fallback of task references.
    pub head_ref: Option<String>,
    /// True for a push that created the branch (`before` is all zeros).
    pub new_branch: bool,
    /// The pull request number, for pull-request events.
    pub pr_number: Option<u64>,
    /// The pull request title.
    pub title: Option<String>,
    /// The pull request body.
    pub body: Option<String>,
    /// The repository's default branch (`repository.default_branch`).
    pub default_branch: Option<String>,
    /// `owner/name` (`repository.full_name`).
    pub repository: Option<String>,
}

impl Event {
    /// True for the events that describe a pull request.
    pub fn is_pull_request(&self) -> bool {
        matches!(self.name.as_str(), "pull_request" | "pull_request_target")
    }
}

fn str_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    path.iter()
        .try_fold(v, |v, key| v.get(key))
        .and_then(Value::as_str)
}

fn sha(s: Option<&str>) -> Option<String> {
    s.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// Parses an event payload. `name` is `GITHUB_EVENT_NAME` when known.
pub fn parse(name: Option<&str>, json: &str) -> Result<Event, String> {
    let v: Value = serde_json::from_str(json)
        .map_err(|e| format!("the event payload is not valid JSON ({e})"))?;
    if !v.is_object() {
        return Err("the event payload is not a JSON object".into());
    }
    let name = match name.map(str::trim).filter(|n| !n.is_empty()) {
        Some(n) => n.to_string(),
        None if v.get("pull_request").is_some() => "pull_request".into(),
        None if v.get("merge_group").is_some() => "merge_group".into(),
        None if v.get("before").is_some() && v.get("after").is_some() => "push".into(),
        None => String::new(),
    };
    let mut event = Event {
        default_branch: str_at(&v, &["repository", "default_branch"]).map(str::to_string),
        repository: str_at(&v, &["repository", "full_name"]).map(str::to_string),
        name,
        ..Event::default()
    };
    match event.name.as_str() {
        "pull_request" | "pull_request_target" => {
            let pr = v.get("pull_request").unwrap_or(&Value::Null);
            event.base = sha(str_at(pr, &["base", "sha"]));
            event.head = sha(str_at(pr, &["head", "sha"]));
            event.head_ref = str_at(pr, &["head", "ref"]).map(str::to_string);
            event.pr_number = pr
                .get("number")
                .and_then(Value::as_u64)
                .or_else(|| v.get("number").and_then(Value::as_u64));
            event.title = str_at(pr, &["title"]).map(str::to_string);
            event.body = str_at(pr, &["body"]).map(str::to_string);
        }
        "push" => {
            let before = sha(str_at(&v, &["before"]));
            event.new_branch = before.as_deref() == Some(ZERO_SHA);
            event.base = before.filter(|b| b != ZERO_SHA);
            event.head = sha(str_at(&v, &["after"]));
            event.head_ref = str_at(&v, &["ref"])
                .map(|r| r.strip_prefix("refs/heads/").unwrap_or(r).to_string());
        }
        "merge_group" => {
            event.base = sha(str_at(&v, &["merge_group", "base_sha"]));
            event.head = sha(str_at(&v, &["merge_group", "head_sha"]));
        }
        _ => {}
    }
    Ok(event)
}

/// Reads the event named by `GITHUB_EVENT_PATH`, when that variable is set.
pub fn from_env() -> Result<Option<Event>, String> {
    let Some(path) = std::env::var_os("GITHUB_EVENT_PATH").filter(|p| !p.is_empty()) else {
        return Ok(None);
    };
    let path = std::path::Path::new(&path);
    let unreadable = |reason: String| {
        format!(
            "cannot read the event payload named by GITHUB_EVENT_PATH ({}): {reason}",
            path.display()
        )
    };
    let bytes = crate::own_files::read(path, crate::own_files::MAX_EVENT)
        .map_err(|e| unreadable(e.to_string()))?
        .ok_or_else(|| unreadable("no such file".into()))?;
    let text = String::from_utf8(bytes).map_err(|e| unreadable(e.to_string()))?;
    let name = std::env::var("GITHUB_EVENT_NAME").ok();
    parse(name.as_deref(), &text).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pull_request_reads_base_head_number_title_body() {
        let json = r#"{"action":"synchronize","number":7,
            "pull_request":{"number":7,"title":"TASK-3 login","body":null,
              "base":{"ref":"main","sha":"aaa"},"head":{"ref":"feat","sha":"bbb"}},
            "repository":{"full_name":"o/r","default_branch":"main"}}"#;
        let e = parse(Some("pull_request"), json).unwrap();
        assert_eq!(e.base.as_deref(), Some("aaa"));
        assert_eq!(e.head.as_deref(), Some("bbb"));
        assert_eq!(e.pr_number, Some(7));
        assert_eq!(e.title.as_deref(), Some("TASK-3 login"));
        assert_eq!(e.body, None);
        assert_eq!(e.head_ref.as_deref(), Some("feat"));
        assert_eq!(e.repository.as_deref(), Some("o/r"));
        assert!(e.is_pull_request());
        let t = parse(Some("pull_request_target"), json).unwrap();
        assert_eq!((t.base, t.head), (e.base, e.head));
    }

    #[test]
    fn push_with_zero_before_is_a_new_branch() {
        let json = format!(r#"{{"before":"{ZERO_SHA}","after":"ccc","ref":"refs/heads/x"}}"#);
        let e = parse(None, &json).unwrap();
        assert_eq!(e.name, "push");
        assert!(e.new_branch);
        assert_eq!(e.base, None);
        assert_eq!(e.head.as_deref(), Some("ccc"));
        assert_eq!(e.head_ref.as_deref(), Some("x"));
        let e = parse(Some("push"), r#"{"before":"aaa","after":"ccc"}"#).unwrap();
        assert!(!e.new_branch);
        assert_eq!(e.base.as_deref(), Some("aaa"));
    }

    #[test]
    fn merge_group_reads_base_and_head_sha() {
        let json = r#"{"merge_group":{"base_sha":"b1","head_sha":"h1","head_ref":"gh-readonly-queue/main/pr-1"}}"#;
        let e = parse(Some("merge_group"), json).unwrap();
        assert_eq!(e.base.as_deref(), Some("b1"));
        assert_eq!(e.head.as_deref(), Some("h1"));
    }

    #[test]
    fn odd_payloads_do_not_panic() {
        for json in [
            "[]",
            "3",
            "{}",
            r#"{"pull_request":3}"#,
            r#"{"before":1,"after":[]}"#,
        ] {
            let _ = parse(None, json);
            let _ = parse(Some("pull_request"), json);
        }
        assert!(parse(None, "{not json").is_err());
        let e = parse(Some("workflow_dispatch"), "{}").unwrap();
        assert_eq!((e.base, e.head), (None, None));
    }
}
