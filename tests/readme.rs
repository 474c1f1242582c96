//! The README documents every rule and the JSON schema's fields.

use flowgate::rules;

#[test]
fn readme_lists_every_rule_with_its_code_and_name() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md is readable");
    for rule in rules::ALL {
        let row = format!("| {} | `{}` |", rule.code, rule.name);
        assert!(
            readme.contains(&row),
            "README lacks the row for {} {}",
            rule.code,
            rule.name
        );
    }
}
