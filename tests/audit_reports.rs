//! Audit reports (golden markdown, html structure), `trace` outputs and the baseline
//! round trip, on the events repository of `audit_support`.

mod audit_support;

use audit_support::{codes, events_repo};

#[test]
fn markdown_report_is_golden() {
    let r = events_repo();
    let run = r.flowgate(&["audit", "--format", "markdown"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    insta::assert_snapshot!("audit_markdown", run.stdout);
}

#[test]
fn html_report_is_one_self_contained_escaped_file() {
    let r = events_repo();
    // A title with markup must come out as text.
    r.task(9, "Evil", "To Do", "001-user-auth/FR-003", false);
    let path = "backlog/tasks/task-9 - Evil.md";
    let text = std::fs::read_to_string(r.path().join(path)).unwrap_or_default();
    r.write(
        path,
        &text.replace("title: Evil", "title: \"<script>alert(1)</script>\""),
    );
    r.write("src/evil.rs", "fn evil() {}\n");
    r.commit("Add TASK-9 <b>bold</b>");
    let run = r.flowgate(&["audit", "--format", "html", "--output", "report.html"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stdout.is_empty());
    let html = std::fs::read_to_string(r.path().join("report.html")).unwrap_or_default();
    assert!(html.starts_with("<!DOCTYPE html>"));
    for section in [
        "id=\"summary\"",
        "id=\"coverage\"",
        "id=\"by-rule\"",
        "id=\"by-commit\"",
        "id=\"timeline\"",
        "<table class=\"matrix\">",
        "<style>",
    ] {
        assert!(html.contains(section), "missing {section}");
    }
    assert!(!html.contains("<script"), "unescaped markup");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("Add TASK-9 &lt;b&gt;bold&lt;/b&gt;"));
    assert!(!html.contains("http://") && !html.contains("https://") && !html.contains("src="));
    // Structure, with the volatile parts (none: dates and ids are fixed) kept.
    let outline: Vec<&str> = html
        .lines()
        .filter(|l| {
            l.starts_with("<h1")
                || l.starts_with("<h2")
                || l.starts_with("<h3")
                || l.contains("<section")
        })
        .collect();
    insta::assert_snapshot!("audit_html_outline", outline.join("\n"));
}

#[test]
fn sarif_report_lists_history_findings() {
    let r = events_repo();
    let run = r.flowgate(&["audit", "--format", "sarif"]);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap_or_default();
    assert_eq!(doc["version"], "2.1.0");
    // Every finding is a located result: one in a commit's message is shown on the first
    // file that commit changed, so none is left as a notification.
    let results = doc["runs"][0]["results"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    // Six in history and at HEAD, and FG111: TASK-1 stands in "Done" with an open item.
    assert_eq!(results.len(), 8);
    assert!(results
        .iter()
        .all(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].is_string()));
    assert!(results.iter().any(|r| r["locations"][0]["message"]["text"]
        .as_str()
        .is_some_and(|t| t.ends_with("changed; the finding is about the commit"))));
    let notes = &doc["runs"][0]["invocations"][0]["toolExecutionNotifications"];
    assert_eq!(notes.as_array().map(Vec::len), Some(0), "{doc:#}");
}

#[test]
fn other_formats_are_refused_with_a_hint() {
    let r = events_repo();
    let run = r.flowgate(&["audit", "--format", "github"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("use human, json, sarif, markdown or html"),
        "{}",
        run.stderr
    );
}

#[test]
fn trace_a_task() {
    let r = events_repo();
    let run = r.flowgate(&["trace", "TASK-2"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!("trace_task", run.stdout);
    let doc = r.json(&["trace", "task-002"]);
    assert_eq!(doc["kind"], "task");
    assert_eq!(doc["task"]["status"], "Done");
    assert_eq!(doc["task"]["history"][1]["to"], "Done");
    assert_eq!(doc["task"]["commits"][0]["subject"], "TASK-2 skip to done");
}

#[test]
fn trace_a_requirement_and_a_section() {
    let r = events_repo();
    let run = r.flowgate(&["trace", "001-user-auth/FR-003"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!("trace_requirement", run.stdout);
    let doc = r.json(&["trace", "001-user-auth/FR-001"]);
    assert_eq!(doc["kind"], "requirement");
    let ids: Vec<&str> = doc["tasks"]
        .as_array()
        .map(|a| a.iter().filter_map(|t| t["id"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(ids, ["TASK-1"]);
    let doc = r.json(&["trace", "specs/001-user-auth/spec.md#user-story-1"]);
    assert_eq!(doc["kind"], "section");
    assert_eq!(doc["section"]["ids"][0], "US1");
    let bad = r.flowgate(&["trace", "nothing-here"]);
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.contains("neither a task ID nor a spec section"),
        "{}",
        bad.stderr
    );
}

#[test]
fn trace_a_deleted_task_shows_its_history() {
    let r = events_repo();
    r.git(&["rm", "-q", "backlog/tasks/task-3 - Reused.md"]);
    r.commit("Drop TASK-3 again");
    let doc = r.json(&["trace", "TASK-3"]);
    assert_eq!(doc["task"]["status"], "(deleted)");
    assert_eq!(doc["task"]["history"].as_array().map(Vec::len), Some(4));
}

#[test]
fn baseline_round_trip() {
    let r = events_repo();
    let made = r.flowgate(&["baseline"]);
    assert_eq!(made.code, 0, "{}", made.stderr);
    assert!(
        made.stderr
            .contains("recorded 8 findings in .flowgate-baseline.json"),
        "{}",
        made.stderr
    );
    let file: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(r.path().join(".flowgate-baseline.json")).unwrap_or_default(),
    )
    .unwrap_or_default();
    assert_eq!(file["version"], 1);
    assert_eq!(file["findings"].as_array().map(Vec::len), Some(8));
    r.commit("Record the baseline");

    // Everything recorded: audit and check pass, and nothing is stale.
    let audit = r.flowgate(&["audit"]);
    assert_eq!(audit.code, 0, "{}{}", audit.stdout, audit.stderr);
    assert!(
        !audit.stderr.contains("no longer occur"),
        "{}",
        audit.stderr
    );
    let check = r.flowgate(&["check"]);
    assert_eq!(check.code, 0);
    assert!(
        !check.stderr.contains("no longer occur"),
        "{}",
        check.stderr
    );

    // A line move keeps the fingerprint: a recorded tree finding stays hidden.
    let path = "backlog/tasks/task-3 - Reused.md";
    let text = std::fs::read_to_string(r.path().join(path)).unwrap_or_default();
    r.write(path, &text.replace("status: To Do", "status: Bogus"));
    r.commit("Bogus status");
    let check = r.flowgate(&["check", "--format", "json"]);
    assert_eq!(check.code, 1);
    r.flowgate(&["baseline"]);
    r.write(
        path,
        &format!(
            "{}\n",
            text.replace("status: To Do", "labels: [x]\nstatus: Bogus")
        ),
    );
    r.commit("Move the status line down");
    let check = r.flowgate(&["check"]);
    assert_eq!(check.code, 0, "{}", check.stdout);

    // A new problem fails; a fixed one is reported as stale.
    r.write(path, &text.replace("status: To Do", "status: Other"));
    r.commit("Another bogus status");
    let check = r.json(&["check"]);
    assert_eq!(codes(&check), [("FG105".to_string(), "TASK-3".to_string())]);
    let check = r.flowgate(&["check"]);
    assert!(
        check
            .stderr
            .contains("1 baseline entry in .flowgate-baseline.json no longer occurs"),
        "{}",
        check.stderr
    );
}

#[test]
fn baseline_file_is_configurable_and_hooks_honour_it() {
    let r = events_repo();
    r.write(
        ".flowgate.yml",
        "baseline: quality/flowgate-baseline.json\n",
    );
    std::fs::create_dir_all(r.path().join("quality")).unwrap_or_default();
    let made = r.flowgate(&["baseline"]);
    assert!(
        made.stderr.contains("quality/flowgate-baseline.json"),
        "{}",
        made.stderr
    );
    assert!(r.path().join("quality/flowgate-baseline.json").is_file());
    let bad = r.path().join("quality/flowgate-baseline.json");
    std::fs::write(&bad, "not json").unwrap_or_default();
    let run = r.flowgate(&["check"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("cannot read the baseline"),
        "{}",
        run.stderr
    );
}
