//! The README documents every rule and the JSON schema's fields.

use flowgate::rules;

const README: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");

/// The head of the rule table under `## Rules`.
const RULE_TABLE_HEAD: &str =
    "| code | name | family | default | what it checks |\n|---|---|---|---|---|\n";

/// The rule table, rendered from the registry: one row per rule, in code order, starting
/// with the anchor that is the rule's `helpUri` in SARIF (`<repository>#fg104`).
fn rule_table() -> String {
    let mut table = RULE_TABLE_HEAD.to_string();
    for rule in rules::ALL {
        table.push_str(&format!(
            "| <a id=\"{}\"></a>{} | `{}` | {} | {} | {} |\n",
            rule.code.to_lowercase(),
            rule.code,
            rule.name,
            rule.family.name(),
            rule.default_severity.as_str(),
            rule.summary
        ));
    }
    table
}

/// The README's rule table is the registry's (`src/codes.rs`), rendered. Run
/// `UPDATE_README=1 cargo test --test readme` to write it after changing a rule.
#[test]
fn readme_rule_table_is_rendered_from_the_registry() {
    let readme = std::fs::read_to_string(README).expect("README.md is readable");
    let start = readme
        .find(RULE_TABLE_HEAD)
        .expect("README.md has the rule table (its head row) under ## Rules");
    let end = readme[start..]
        .find("\n\n")
        .map_or(readme.len(), |at| start + at + 1);
    let (written, wanted) = (&readme[start..end], rule_table());
    if written == wanted {
        return;
    }
    if std::env::var_os("UPDATE_README").is_some() {
        let updated = format!("{}{wanted}{}", &readme[..start], &readme[end..]);
        std::fs::write(README, updated).expect("README.md is writable");
        return;
    }
    let written_rows: Vec<&str> = written.lines().collect();
    let wanted_rows: Vec<&str> = wanted.lines().collect();
    let mut diff = Vec::new();
    for row in &written_rows {
        if !wanted_rows.contains(row) {
            diff.push(format!("- {row}"));
        }
    }
    for row in &wanted_rows {
        if !written_rows.contains(row) {
            diff.push(format!("+ {row}"));
        }
    }
    if diff.is_empty() {
        diff.push("(the same rows in another order)".to_string());
    }
    panic!(
        "README.md's rule table differs from the registry (src/codes.rs); \
         run `UPDATE_README=1 cargo test --test readme` to rewrite it:\n{}",
        diff.join("\n")
    );
}

#[test]
fn readme_uploads_sarif_only_when_written_and_not_from_forks() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md is readable");
    let mut uploads = 0;
    for block in readme.split("```yaml").skip(1) {
        let block = block.split("```").next().unwrap_or_default();
        let Ok(doc) = serde_norway::from_str::<serde_norway::Value>(block) else {
            continue;
        };
        let steps = doc
            .get("steps")
            .or_else(|| {
                doc.get("jobs")
                    .and_then(|j| j.get("flowgate")?.get("steps"))
            })
            .and_then(serde_norway::Value::as_sequence)
            .cloned()
            .unwrap_or_default();
        for step in steps {
            if !step["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("github/codeql-action/upload-sarif@"))
            {
                continue;
            }
            uploads += 1;
            let file = step["with"]["sarif_file"].as_str().expect("sarif_file");
            let condition = step["if"].as_str().expect("an `if:` on the upload");
            assert!(
                condition.contains(&format!("hashFiles('{file}') != ''")),
                "{condition}"
            );
            assert!(
                condition
                    .contains("github.event.pull_request.head.repo.full_name == github.repository"),
                "{condition}"
            );
            assert!(condition.starts_with("always()"), "{condition}");
        }
    }
    assert_eq!(uploads, 1, "README shows one SARIF upload");
}
