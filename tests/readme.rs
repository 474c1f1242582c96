//! The README documents every rule and the JSON schema's fields.

use flowgate::rules;

#[test]
fn readme_lists_every_rule_with_its_code_and_name() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md is readable");
    for rule in rules::ALL {
        // The anchor is the rule's `helpUri` in SARIF (`<repository>#fg104`).
        let row = format!(
            "| <a id=\"{}\"></a>{} | `{}` |",
            rule.code.to_lowercase(),
            rule.code,
            rule.name
        );
        assert!(
            readme.contains(&row),
            "README lacks the row for {} {}: `{row}`",
            rule.code,
            rule.name
        );
    }
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
