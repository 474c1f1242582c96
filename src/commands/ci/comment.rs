//! The sticky pull-request comment, through the GitHub REST API (octocrab).
//!
//! One comment per pull request, found again by the hidden [`COMMENT_MARKER`]: the first run
//! that has something to say creates it, later runs update it in place. When a later run is
//! clean the comment is updated to say "all clear" rather than deleted, so the conversation
//! keeps a visible record that the gate passed (and a reviewer who saw the old findings sees
//! that they are gone). A clean run with no comment yet creates none.
//!
//! Only a comment written by the identity the token belongs to is adopted (anyone can
//! write a comment that starts with the marker): the login `GET /user` answers, or, for
//! the Actions `GITHUB_TOKEN` (an app installation token, which cannot read `/user`),
//! `github-actions[bot]`.
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

/// Who comments when the token is the Actions `GITHUB_TOKEN`.
pub const ACTIONS_BOT: &str = "github-actions[bot]";

/// The fields of an issue comment that matter here.
#[derive(Debug, Deserialize)]
struct MiniComment {
    id: u64,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    user: Option<MiniUser>,
}

/// The author of a comment, or the token's own user.
#[derive(Debug, Deserialize)]
struct MiniUser {
    login: String,
}

/// Why a token cannot be sent: `None` when it can. A token is printable ASCII without
/// spaces; anything else (a newline left by `echo`, a pasted space) would make an invalid
/// `Authorization` header.
pub fn token_problem(token: &str) -> Option<&'static str> {
    if token.is_empty() {
        Some("it is empty")
    } else if !token.bytes().all(|b| b.is_ascii_graphic()) {
        Some("it contains spaces, control or non-ASCII characters")
    } else {
        None
    }
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
///
/// A token that cannot be sent is refused before any client is built, and a panic inside
/// the HTTP client comes back as an error (never with its message, which may quote the
/// token): a comment never changes the check's result.
pub fn upsert(target: &Target, body: &str, clean: bool) -> Result<Action, String> {
    if let Some(why) = token_problem(&target.token) {
        return Err(format!("the token cannot be used: {why}"));
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the HTTP runtime: {e}"))?;
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        rt.block_on(upsert_async(target, body, clean))
    }));
    std::panic::set_hook(previous);
    match result {
        Ok(r) => r.map_err(|e| scrub(&e, &target.token)),
        Err(_) => Err("the GitHub client failed unexpectedly".to_string()),
    }
}

/// The login comments made with this token carry.
async fn own_login(octo: &octocrab::Octocrab) -> String {
    match octo.get::<MiniUser, _, ()>("/user", None).await {
        Ok(user) => user.login,
        // An app installation token (the Actions GITHUB_TOKEN) cannot read /user.
        Err(_) => ACTIONS_BOT.to_string(),
    }
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
    let mut login: Option<String> = None;
    // Bounded: at most 50 pages of 100 comments.
    for _ in 0..50 {
        let marked = page.items.iter().filter(|c| {
            c.body
                .as_deref()
                .is_some_and(|b| b.starts_with(COMMENT_MARKER))
        });
        for c in marked {
            if login.is_none() {
                login = Some(own_login(&octo).await);
            }
            let mine = c.user.as_ref().map(|u| u.login.as_str());
            if mine.is_some_and(|m| login.as_deref().is_some_and(|l| l.eq_ignore_ascii_case(m))) {
                existing = Some(c.id);
                break;
            }
        }
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
        assert_eq!(token_problem("ghs_abc123"), None);
        assert!(token_problem("ghs_abc\n").is_some());
        assert!(token_problem("gh s").is_some());
        assert!(token_problem("").is_some());
        let broken = Target {
            token: "ghp_x\ny".into(),
            ..t
        };
        let err = upsert(&broken, "b", false).unwrap_err();
        assert!(
            err.contains("cannot be used") && !err.contains("ghp_x"),
            "{err}"
        );
    }
}
