#!/usr/bin/env bash
# Keeps a small part of each campaign corpus as regression inputs: merges fuzz/corpus/<t>
# into a minimal set that covers the same code (libFuzzer's -merge=1), then copies a sample
# of it (at most KEEP files of at most MAX_BYTES each, taken in the order of their content
# hashes, i.e. at random) into fuzz/corpus-min/<t>/, which tests/fuzz_seeds.rs runs on
# every `cargo test`.
#
#   bash fuzz/keep-corpus.sh                 # every target that has a corpus
#   KEEP=50 MAX_BYTES=512 bash fuzz/keep-corpus.sh task_file
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

KEEP="${KEEP:-200}"
MAX_BYTES="${MAX_BYTES:-2048}"
if [ "$#" -gt 0 ]; then
    targets=("$@")
else
    targets=(task_file task_body frontmatter spec_markdown commit_message config backlog_config)
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for t in "${targets[@]}"; do
    [ -d "corpus/$t" ] || { echo "no corpus for $t (run fuzz/smoke.sh first)"; continue; }
    mkdir -p "$work/$t"
    cargo fuzz run --sanitizer none "$t" "$work/$t" "corpus/$t" -- \
        -merge=1 -max_len=65536 -rss_limit_mb=1024 -timeout=10 >"$work/$t.log" 2>&1
    rm -rf "corpus-min/$t"
    mkdir -p "corpus-min/$t"
    find "$work/$t" -type f -size -"$((MAX_BYTES + 1))"c -printf '%s %p\n' \
        | sort -k2 | sed -n "1,${KEEP}p" | cut -d' ' -f2- \
        | while IFS= read -r f; do cp "$f" "corpus-min/$t/"; done
    echo "$t: $(ls "$work/$t" | wc -l) inputs after merging, kept $(ls "corpus-min/$t" | wc -l)"
done
