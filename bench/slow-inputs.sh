#!/usr/bin/env bash
# Times flowgate on the inputs that once took time quadratic in their size (written by
# bench/slow-input.py), at doubling sizes: with linear growth, each row takes about twice
# the time of the row above it, and the time per KiB stays flat.
#
#   bash bench/slow-inputs.sh                       # the release build of this tree
#   FLOWGATE=/path/to/flowgate bash bench/slow-inputs.sh   # another build (e.g. an old one)
#   STEPS=5 bash bench/slow-inputs.sh               # one more doubling
#
# Each case runs once per size (a hostile input is either fast or minutes slow; a single
# run shows which). Results are printed as a table and kept in bench/out/slow-inputs.md.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

STEPS="${STEPS:-4}"
OUT=bench/out
mkdir -p "$OUT"
if [ -z "${FLOWGATE:-}" ]; then
    echo "==> cargo build --release" >&2
    cargo build --release --locked --quiet
    FLOWGATE="$(cargo metadata --format-version 1 --no-deps \
        | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/release/flowgate"
fi
FLOWGATE="$(realpath "$FLOWGATE")"
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 NO_COLOR=1

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# repo KIND SIZE: a repository with the hostile task staged; prints its path.
repo() {
    local dir="$work/$1-$2"
    mkdir -p "$dir/backlog/tasks"
    git -C "$dir" init -q -b main
    printf 'statuses: ["To Do", "In Progress", "Done"]\n' > "$dir/backlog/config.yml"
    python3 bench/slow-input.py "$1" "$2" > "$dir/backlog/tasks/task-9 - Slow.md"
    git -C "$dir" add -A
    echo "$dir"
}

# seconds CMD...: wall time of one run, in seconds (the exit code is ignored).
seconds() {
    local start end
    start="$(date +%s%N)"
    "$@" >/dev/null 2>&1 || true
    end="$(date +%s%N)"
    awk -v ns="$((end - start))" 'BEGIN { printf "%.3f", ns / 1e9 }'
}

table="$OUT/slow-inputs.md"
{
    echo "flowgate: $FLOWGATE ($("$FLOWGATE" --version))"
    echo
    echo "| input | command | size | bytes | seconds | ms per KiB |"
    echo "|---|---|---:|---:|---:|---:|"
} > "$table"
row() { # kind size command-label args...
    local kind="$1" size="$2" label="$3" dir bytes s
    shift 3
    dir="$(repo "$kind" "$size")"
    bytes="$(wc -c < "$dir/backlog/tasks/task-9 - Slow.md")"
    s="$(seconds "$FLOWGATE" -C "$dir" "$@")"
    awk -v k="$kind" -v l="$label" -v n="$size" -v b="$bytes" -v s="$s" \
        'BEGIN { printf "| %s | %s | %d | %d | %.3f | %.2f |\n", k, l, n, b, s, s * 1000 / (b / 1024) }' \
        | tee -a "$table"
    rm -rf "$dir"
}

cat "$table"
for step in $(seq 0 $((STEPS - 1))); do
    row nested-brackets "$((7500 << step))" "hook pre-commit" hook pre-commit
done
for step in $(seq 0 $((STEPS - 1))); do
    row link-openers "$((30000 << step))" "check --format json" check --format json
done
for step in $(seq 0 $((STEPS - 1))); do
    row unclosed-markers "$((2500 << step))" "check --format json" check --format json
done
for step in $(seq 0 $((STEPS - 1))); do
    row unclosed-markers "$((2500 << step))" "check (human)" check
done
echo "(kept in $table)"
