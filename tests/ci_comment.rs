//! The sticky pull-request comment against a local HTTP server: the exact requests (list,
//! create; then list, update the same comment), and the token only in `Authorization`.

mod ci_support;

use ci_support::{pull_request_event, pull_request_repo, Repo};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const TOKEN: &str = "ghs_TestTokenThatMustNeverLeak123";

fn comment_json(id: u64, body: &str) -> serde_json::Value {
    serde_json::json!({
        "id": id,
        "node_id": "IC_kwDOtest",
        "url": format!("https://api.github.com/repos/acme/widgets/issues/comments/{id}"),
        "html_url": format!("https://github.com/acme/widgets/pull/7#issuecomment-{id}"),
        "body": body,
        "user": { "login": "github-actions[bot]", "id": 41898282, "type": "Bot" },
        "created_at": "2025-01-02T03:04:05Z",
        "updated_at": "2025-01-02T03:04:05Z"
    })
}

/// The token may appear in the Authorization header and nowhere else.
fn assert_token_only_in_authorization(requests: &[Request]) {
    for r in requests {
        assert!(!r.url.as_str().contains(TOKEN), "token in URL {}", r.url);
        assert!(
            !String::from_utf8_lossy(&r.body).contains(TOKEN),
            "token in body of {} {}",
            r.method,
            r.url
        );
        for (name, value) in r.headers.iter() {
            let value = value.to_str().unwrap_or_default();
            if name.as_str().eq_ignore_ascii_case("authorization") {
                assert_eq!(value, format!("Bearer {TOKEN}"));
            } else {
                assert!(!value.contains(TOKEN), "token in header {name}");
            }
        }
    }
}

fn fixture() -> (Repo, String, String) {
    pull_request_repo(
        &[(".flowgate.yml", "ci:\n  check: title\n")],
        "Initial commit",
        "feature",
        &[("src/lib.rs", "pub fn a() {}\n")],
        "TASK-2: add a",
    )
}

fn run(repo: &Repo, server: &MockServer, title: &str, base: &str, head: &str) -> (i32, String) {
    run_with_token(repo, server, title, base, head, TOKEN)
}

fn run_with_token(
    repo: &Repo,
    server: &MockServer,
    title: &str,
    base: &str,
    head: &str,
    token: &str,
) -> (i32, String) {
    let payload = pull_request_event(7, title, "", base, head);
    let (mut cmd, _, _) = repo.flowgate_in_actions("pull_request", &payload);
    let out = cmd
        .env("GITHUB_TOKEN", token)
        .env("GITHUB_API_URL", server.uri())
        .args(["ci", "--format", "github", "--comment"])
        .output()
        .unwrap();
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!all.contains(TOKEN), "the token was printed: {all}");
    (out.status.code().unwrap_or(-1), all)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn comment_is_created_once_then_updated_in_place() {
    let (repo, base, head) = fixture();
    let server = MockServer::start().await;

    // First run: no comment yet -> list, then create.
    Mock::given(method("GET"))
        .and(path("/repos/acme/widgets/issues/7/comments"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!([comment_json(5, "LGTM @ada")])),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/repos/acme/widgets/issues/7/comments"))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(comment_json(42, "<!-- flowgate -->\n## ❌ flowgate")),
        )
        .mount(&server)
        .await;
    let (code, out) = tokio::task::block_in_place(|| {
        run(
            &repo,
            &server,
            "<img src=x onerror=alert(1)> no task",
            &base,
            &head,
        )
    });
    assert_eq!(code, 1, "{out}");
    assert!(!out.contains("could not comment"), "{out}");
    let requests = server.received_requests().await.unwrap();
    let seen: Vec<(String, String)> = requests
        .iter()
        .map(|r| (r.method.to_string(), r.url.path().to_string()))
        .collect();
    assert_eq!(
        seen,
        vec![
            ("GET".into(), "/repos/acme/widgets/issues/7/comments".into()),
            (
                "POST".into(),
                "/repos/acme/widgets/issues/7/comments".into()
            ),
        ]
    );
    assert_eq!(
        requests[0].url.query(),
        Some("per_page=100"),
        "list asks for big pages"
    );
    let created: serde_json::Value = serde_json::from_slice(&requests[1].body).unwrap();
    let body = created["body"].as_str().unwrap();
    assert!(
        body.starts_with("<!-- flowgate -->\n## ❌ flowgate: 1 error"),
        "{body}"
    );
    assert!(body.contains("**FG301** missing-task-reference"), "{body}");
    // Quoted text is escaped: no raw HTML from the title reaches the comment.
    assert!(!body.contains("<img"), "{body}");
    assert!(
        body.contains("&lt;img src=x onerror=alert(1)&gt;"),
        "{body}"
    );
    assert_token_only_in_authorization(&requests);

    // Second run, now clean: list finds comment 42 by its marker, checks that it was
    // written by the token's identity (the Actions token cannot read /user: it is
    // github-actions[bot]), and updates it.
    server.reset().await;
    Mock::given(method("GET"))
        .and(path("/user"))
        .respond_with(ResponseTemplate::new(403).set_body_json(serde_json::json!({
            "message": "Resource not accessible by integration"
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/repos/acme/widgets/issues/7/comments"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!([
            comment_json(5, "LGTM @ada"),
            comment_json(42, "<!-- flowgate -->\n## ❌ flowgate: 1 error"),
        ])))
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/repos/acme/widgets/issues/comments/42"))
        .respond_with(ResponseTemplate::new(200).set_body_json(comment_json(
            42,
            "<!-- flowgate -->\n## ✅ flowgate: all clear",
        )))
        .mount(&server)
        .await;
    let (code, out) =
        tokio::task::block_in_place(|| run(&repo, &server, "TASK-2: add a", &base, &head));
    assert_eq!(code, 0, "{out}");
    let requests = server.received_requests().await.unwrap();
    let seen: Vec<(String, String)> = requests
        .iter()
        .map(|r| (r.method.to_string(), r.url.path().to_string()))
        .collect();
    assert_eq!(
        seen,
        vec![
            ("GET".into(), "/repos/acme/widgets/issues/7/comments".into()),
            ("GET".into(), "/user".into()),
            (
                "PATCH".into(),
                "/repos/acme/widgets/issues/comments/42".into()
            ),
        ]
    );
    let updated: serde_json::Value = serde_json::from_slice(&requests[2].body).unwrap();
    let body = updated["body"].as_str().unwrap();
    assert!(
        body.starts_with("<!-- flowgate -->\n## ✅ flowgate: all clear (1 commit checked)"),
        "{body}"
    );
    assert_token_only_in_authorization(&requests);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_errors_are_warnings_and_never_show_the_token() {
    let (repo, base, head) = fixture();
    let server = MockServer::start().await;
    // A fork's read-only token: GitHub answers 403; the message echoes the token back.
    Mock::given(method("GET"))
        .and(path("/repos/acme/widgets/issues/7/comments"))
        .respond_with(ResponseTemplate::new(403).set_body_json(serde_json::json!({
            "message": format!("Resource not accessible by integration ({TOKEN})"),
            "documentation_url": "https://docs.github.com/rest"
        })))
        .mount(&server)
        .await;
    let (code, out) =
        tokio::task::block_in_place(|| run(&repo, &server, "no task here", &base, &head));
    // The check's result is that of the findings, not of the comment.
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("::warning title=flowgate comment::could not comment on the pull request: cannot list the pull request's comments: GitHub answered: Resource not accessible by integration (***)"),
        "{out}"
    );
}

/// A comment by `login` with `body`.
fn comment_by(id: u64, login: &str, body: &str) -> serde_json::Value {
    let mut c = comment_json(id, body);
    c["user"] = serde_json::json!({ "login": login, "id": id, "type": "User" });
    c
}

fn requests_seen(requests: &[Request]) -> Vec<(String, String)> {
    requests
        .iter()
        .map(|r| (r.method.to_string(), r.url.path().to_string()))
        .collect()
}

/// Answers `verb route` with `status` and the JSON `body`.
async fn respond(
    server: &MockServer,
    verb: &str,
    route: &str,
    status: u16,
    body: serde_json::Value,
) {
    Mock::given(method(verb))
        .and(path(route))
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
        .mount(server)
        .await;
}

/// Runs `ci --comment` with `token` on a pull request without a task (exit 1, the comment
/// is posted without a warning) and returns the requests the server saw.
async fn comment_run(
    repo: &Repo,
    server: &MockServer,
    base: &str,
    head: &str,
    token: &str,
) -> Vec<Request> {
    let (code, out) = tokio::task::block_in_place(|| {
        run_with_token(repo, server, "no task here", base, head, token)
    });
    assert_eq!(code, 1, "{out}");
    assert!(!out.contains("could not comment"), "{out}");
    let requests = server.received_requests().await.unwrap();
    assert_token_only_in_authorization(&requests);
    requests
}

const LIST: &str = "/repos/acme/widgets/issues/7/comments";

/// Anyone can write a comment that starts with flowgate's marker: only the one written by
/// the identity the token belongs to (`GET /user`) is updated. The token arrives with the
/// newline a secret file often ends with: it is trimmed, not a crash.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_a_comment_by_the_tokens_own_identity_is_adopted() {
    let (repo, base, head) = fixture();
    let server = MockServer::start().await;
    let mallory = comment_by(5, "mallory", "<!-- flowgate -->\n## ✅ flowgate: all clear");
    let ours = comment_by(
        6,
        "flowgate-bot",
        "<!-- flowgate -->\n## ❌ flowgate: 1 error",
    );
    let user = serde_json::json!({ "login": "Flowgate-Bot", "id": 9, "type": "User" });
    respond(&server, "GET", "/user", 200, user.clone()).await;
    respond(
        &server,
        "GET",
        LIST,
        200,
        serde_json::json!([mallory, ours]),
    )
    .await;
    let patch = "/repos/acme/widgets/issues/comments/6";
    respond(&server, "PATCH", patch, 200, comment_json(6, "x")).await;
    let requests = comment_run(&repo, &server, &base, &head, &format!("{TOKEN}\n")).await;
    assert_eq!(
        requests_seen(&requests),
        [("GET", LIST), ("GET", "/user"), ("PATCH", patch)]
            .map(|(m, p)| (m.to_string(), p.to_string()))
    );

    // Only mallory's comment carries the marker: a new comment is created, hers is left.
    server.reset().await;
    respond(&server, "GET", "/user", 200, user).await;
    respond(&server, "GET", LIST, 200, serde_json::json!([mallory])).await;
    respond(&server, "POST", LIST, 201, comment_json(43, "x")).await;
    let requests = comment_run(&repo, &server, &base, &head, TOKEN).await;
    assert_eq!(
        requests_seen(&requests),
        [("GET", LIST), ("GET", "/user"), ("POST", LIST)]
            .map(|(m, p)| (m.to_string(), p.to_string()))
    );
}

/// A token that cannot be sent (a space or control character inside it) is a warning
/// before any request; the check keeps its own exit code.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unusable_token_is_a_warning_not_a_crash() {
    let (repo, base, head) = fixture();
    let server = MockServer::start().await;
    for (token, code) in [("ghs_abc\ndef", 1), ("ghs abc", 1), ("ghs_\u{1b}[31m", 0)] {
        let title = if code == 1 {
            "no task here"
        } else {
            "TASK-2: add a"
        };
        let (got, out) = tokio::task::block_in_place(|| {
            run_with_token(&repo, &server, title, &base, &head, token)
        });
        assert_eq!(got, code, "{out}");
        assert!(
            out.contains("::warning title=flowgate comment::--comment: GITHUB_TOKEN cannot be used (it contains spaces, control or non-ASCII characters); no comment posted"),
            "{out}"
        );
        assert!(!out.contains("panicked"), "{out}");
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}
