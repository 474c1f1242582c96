//! Runs every fuzz seed (`fuzz/seeds/<target>/**`), the inputs kept from the fuzzing
//! campaigns (`fuzz/corpus-min/<target>/**`, see `fuzz/keep-corpus.sh`) and every crash
//! reproducer (`tests/data/fuzz-regressions/<target>/**`) through the same target code that cargo-fuzz
//! runs (`fuzz/targets.rs`), so the corpora are regression tests of the normal suite, with
//! or without cargo-fuzz installed. A panic in a target fails the test and names the file.

#[path = "../fuzz/targets.rs"]
mod targets;

use std::path::{Path, PathBuf};

fn files_below(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_below(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn run_corpus(root: &Path, require_every_target: bool) -> usize {
    let mut count = 0;
    for target in targets::TARGETS {
        let mut files = Vec::new();
        files_below(&root.join(target), &mut files);
        files.sort();
        assert!(
            !require_every_target || !files.is_empty(),
            "no seeds for fuzz target `{target}` in {}",
            root.display()
        );
        for file in files {
            let data = std::fs::read(&file).expect("seed files are readable");
            let outcome = std::panic::catch_unwind(|| targets::run(target, &data));
            match outcome {
                Ok(known) => assert!(known, "unknown fuzz target `{target}`"),
                Err(_) => panic!("fuzz target `{target}` panicked on {}", file.display()),
            }
            count += 1;
        }
    }
    // Folders that name no target are mistakes (a typo would silently skip its files).
    if let Ok(entries) = std::fs::read_dir(root) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if entry.path().is_dir() {
                assert!(
                    targets::TARGETS.contains(&name.as_str()),
                    "{} is not named after a fuzz target ({:?})",
                    entry.path().display(),
                    targets::TARGETS
                );
            }
        }
    }
    count
}

#[test]
fn every_seed_runs_through_its_target_without_panicking() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds");
    let n = run_corpus(&root, true);
    assert!(n >= targets::TARGETS.len());
}

#[test]
fn every_kept_campaign_input_runs_through_its_target_without_panicking() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus-min");
    run_corpus(&root, true);
}

#[test]
fn every_fuzz_regression_runs_through_its_target_without_panicking() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fuzz-regressions");
    run_corpus(&root, false);
}
