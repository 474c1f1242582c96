#!/usr/bin/env bash
# Smoke run of every fuzz target: a few seconds each (FUZZ_SECONDS, default 5).
#
# With cargo-fuzz installed, each target runs under libFuzzer starting from its seeds
# (fuzz/seeds/<target>, read only) and a working corpus (fuzz/corpus/<target>, git-ignored).
# Without it, the seeds still run through the same target code as a normal test
# (tests/fuzz_seeds.rs), which the regular test suite always does anyway.
#
#   bash fuzz/smoke.sh                  # every target, 5 s each
#   FUZZ_SECONDS=600 bash fuzz/smoke.sh # the 10-minute campaign, one target after another
#   bash fuzz/smoke.sh config frontmatter   # some targets only
#
# Works on a stable toolchain: `--sanitizer none` needs no nightly flags (flowgate has no
# unsafe code; debug assertions, overflow checks included, stay on).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

SECONDS_PER_TARGET="${FUZZ_SECONDS:-5}"
if [ "$#" -gt 0 ]; then
    targets=("$@")
else
    targets=(task_file task_body frontmatter spec_markdown commit_message config backlog_config)
fi

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "cargo-fuzz is not installed (cargo install cargo-fuzz); running the seeds as tests"
    cd ..
    exec cargo test --test fuzz_seeds
fi

cargo fuzz build --sanitizer none
for t in "${targets[@]}"; do
    printf '\n==> %s (%s s)\n' "$t" "$SECONDS_PER_TARGET"
    mkdir -p "corpus/$t"
    # -rss_limit_mb / -timeout: a slow or memory-hungry input counts as a failure too.
    cargo fuzz run --sanitizer none "$t" "corpus/$t" "seeds/$t" -- \
        -max_total_time="$SECONDS_PER_TARGET" -rss_limit_mb=1024 -timeout=10 \
        -max_len=65536 -print_final_stats=1 >"corpus/$t.log" 2>&1 || true
    grep -E '^(Done|stat::number_of_executed_units|stat::peak_rss_mb)|panicked|SUMMARY|ERROR' "corpus/$t.log" || tail -20 "corpus/$t.log"
    if [ -n "$(ls "artifacts/$t" 2>/dev/null)" ]; then
        # Stale artifacts from an earlier run count too: turn them into regression tests
        # (tests/data/fuzz-regressions/$t/) and delete them.
        echo "fuzz target $t left artifacts in fuzz/artifacts/$t (log: fuzz/corpus/$t.log):" >&2
        ls "artifacts/$t" >&2
        exit 1
    fi
done
