//! The sticky pull-request comment, through the GitHub REST API (octocrab).
//!
//! One comment per pull request, found again by the hidden [`COMMENT_MARKER`]: the first run
//! that has something to say creates it, later runs update it in place. When a later run is
//! clean the comment is updated to say "all clear" rather than deleted, so the conversation
//! keeps a visible record that the gate passed (and a reviewer who saw the old findings sees
//! that they are gone). A clean run with no comment yet creates none.
//!
//! The API base is `GITHUB_API_URL` (GitHub Enterprise, and the tests' local server), the
//! token `GITHUB_TOKEN`. The token goes into the `Authorization` header only; every error
//! text is scrubbed of it before it is shown. A Tokio runtime is created only here, for the
//! few requests this makes.

use serde::Deserialize;

use crate::report::github::COMMENT_MARKER;

/// The public GitHub API, used when `GITHUB_API_URL` is not set.
pub const DEFAULT_API_URL: &str = "https://api.github.com";

/// Where and as whom to comment.
#[derive(Clone)]
pub struct Target {
    /// API base URL, without a trailing slash.
    pub api_url: String,
    /// The token (never printed).
    pub token: String,
    /// Repository owner.
    pub owner: String,
    /// Repository name.
    pub repo: String,
    /// Pull request number.
    pub number: u64,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target")
            .field("api_url", &self.api_url)
            .field("token", &"***")
            .field("owner", &self.owner)
            .field("repo", &self.repo)
            .field("number", &self.number)
            .finish()
    }
}

/// What was done with the comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// A new comment was created (its id).
    Created(u64),
    /// The existing comment was updated (its id).
    Updated(u64),
    /// Nothing to say and no comment yet: nothing done.
    Skipped,
}

/// The fields of an issue comment that matter here.
#[derive(Debug, Deserialize)]
struct MiniComment {
    id: u64,
    #[serde(default)]
    body: Option<String>,
}

/// Replaces every occurrence of the token in `text` by `***`.
pub fn scrub(text: &str, token: &str) -> String {
    if token.is_empty() {
        text.to_string()
    } else {
        text.replace(token, "***")
    }
}

/// Creates or updates the sticky comment. `clean` means the body is the all-clear text:
/// then no comment is created when none exists yet. Errors come back scrubbed.
pub fn upsert(target: &Target, body: &str, clean: bool) -> Result<Action, String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the HTTP runtime: {e}"))?;
    rt.block_on(upsert_async(target, body, clean))
        .map_err(|e| scrub(&e, &target.token))
}

fn describe(e: octocrab::Error) -> String {
    match e {
        octocrab::Error::GitHub { source, .. } => {
            format!("GitHub answered: {}", source.message)
        }
        other => other.to_string(),
    }
}

async fn upsert_async(target: &Target, body: &str, clean: bool) -> Result<Action, String> {
    let octo = octocrab::Octocrab::builder()
        .base_uri(target.api_url.as_str())
        .map_err(|e| format!("invalid GITHUB_API_URL `{}`: {e}", target.api_url))?
        .personal_token(target.token.clone())
        .set_connect_timeout(Some(std::time::Duration::from_secs(10)))
        .set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .build()
        .map_err(|e| format!("cannot build the GitHub client: {e}"))?;
    let repo_path = format!(
        "/repos/{}/{}",
        encode_segment(&target.owner),
        encode_segment(&target.repo)
    );
    let list = format!("{repo_path}/issues/{}/comments", target.number);
    let mut page: octocrab::Page<MiniComment> = octo
        .get(&list, Some(&[("per_page", "100")]))
        .await
        .map_err(|e| format!("cannot list the pull request's comments: {}", describe(e)))?;
    let mut existing = None;
    // Bounded: at most 50 pages of 100 comments.
    for _ in 0..50 {
        existing = page
            .items
            .iter()
            .find(|c| {
                c.body
                    .as_deref()
                    .is_some_and(|b| b.starts_with(COMMENT_MARKER))
            })
            .map(|c| c.id);
        if existing.is_some() {
            break;
        }
        match octo.get_page::<MiniComment>(&page.next).await {
            Ok(Some(next)) => page = next,
            Ok(None) => break,
            Err(e) => {
                return Err(format!(
                    "cannot list the pull request's comments: {}",
                    describe(e)
                ))
            }
        }
    }
    let payload = serde_json::json!({ "body": body });
    match existing {
        Some(id) => {
            let route = format!("{repo_path}/issues/comments/{id}");
            let _: MiniComment = octo
                .patch(&route, Some(&payload))
                .await
                .map_err(|e| format!("cannot update comment {id}: {}", describe(e)))?;
            Ok(Action::Updated(id))
        }
        None if clean => Ok(Action::Skipped),
        None => {
            let created: MiniComment = octo
                .post(&list, Some(&payload))
                .await
                .map_err(|e| format!("cannot create the comment: {}", describe(e)))?;
            Ok(Action::Created(created.id))
        }
    }
}

/// Percent-encodes one path segment (owner or repository name).
fn encode_segment(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrub_hides_the_token_and_debug_never_shows_it() {
        assert_eq!(scrub("bad ghp_123 token", "ghp_123"), "bad *** token");
        assert_eq!(scrub("x", ""), "x");
        let t = Target {
            api_url: "http://127.0.0.1:1".into(),
            token: "ghp_secret".into(),
            owner: "o".into(),
            repo: "r".into(),
            number: 1,
        };
        assert!(!format!("{t:?}").contains("ghp_secret"));
        assert_eq!(encode_segment("a b/c"), "a%20b%2Fc");
    }
}
