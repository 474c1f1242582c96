#!/usr/bin/env bash
# Benchmarks flowgate on the generated reference repo (see bench/README.md).
#
#   bash bench/run.sh                 # 10,000 tasks, 300 features, 50,000 commits
#   TASKS=1000 COMMITS=5000 bash bench/run.sh
#   BENCH_PEERS=1 bash bench/run.sh   # also time `backlog task list --plain` for the ratio
#
# The repo is generated once and cached in bench/out/ (regenerated when the generator or
# the sizes change). Results go to bench/out/results.md.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

TASKS="${TASKS:-10000}"
FEATURES="${FEATURES:-300}"
COMMITS="${COMMITS:-50000}"
OUT=bench/out
REPO="$OUT/repo-$TASKS-$FEATURES-$COMMITS"
mkdir -p "$OUT"

if ! command -v hyperfine >/dev/null 2>&1; then
    echo "==> installing hyperfine (apt)"
    apt-get update -qq </dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hyperfine </dev/null
fi

echo "==> cargo build --release"
cargo build --release --locked --quiet
BIN="$(cargo metadata --format-version 1 --no-deps \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/release/flowgate"
BIN="$(realpath "$BIN")"

stamp="$(sha256sum bench/gen-repo.py | cut -c1-16)"
if [ "$(cat "$REPO/.git/flowgate-bench-stamp" 2>/dev/null || true)" != "$stamp" ]; then
    echo "==> generating $REPO"
    python3 bench/gen-repo.py --tasks "$TASKS" --features "$FEATURES" --commits "$COMMITS" --out "$REPO"
    echo "$stamp" > "$REPO/.git/flowgate-bench-stamp"
fi
REPO="$(realpath "$REPO")"
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.com
export GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.com

# The staged change the hooks see: one code file, and one task moved To Do -> In Progress.
git -C "$REPO" reset -q --hard
active="$(grep -l '^status: In Progress' "$REPO"/backlog/tasks/*.md | sed -n 1p)"
active_id="$(sed -n 's/^id: //p' "$active" | sed -n 1p)"
todo="$(grep -l '^status: To Do' "$REPO"/backlog/tasks/*.md | sed -n 1p || true)"
code="$(git -C "$REPO" ls-files 'src/*.rs' | sed -n 1p)"
echo "// touched by bench/run.sh" >> "$REPO/$code"
git -C "$REPO" add -- "$code"
if [ -n "$todo" ]; then
    sed -i 's/^status: To Do$/status: In Progress/' "$todo"
    git -C "$REPO" add -- "$todo"
fi
MSG="$OUT/commit-msg.txt"
printf 'Tighten the retry limit\n\nRefs: %s\n' "$active_id" > "$MSG"
MSG="$(realpath "$MSG")"

# Is a command implemented in this build? (A stub answers with exit 2 and "not available".)
available() {
    local err rc=0
    err="$("$BIN" -C "$REPO" "$@" 2>&1 >/dev/null)" || rc=$?
    if [ "$rc" = 2 ] && [[ "$err" == *"not available"* || "$err" == *"unrecognized"* ]]; then
        echo "    (skipping \`flowgate $*\`: not in this build)"
        return 1
    fi
    return 0
}

echo "==> flowgate check (once, for the record)"
"$BIN" -C "$REPO" --color never -q check | tail -n 3 || true
"$BIN" -C "$REPO" --color never check | tail -n 1 || true

cmds=(-n "flowgate check" "$BIN -C $REPO --color never check")
if available hook commit-msg "$MSG"; then
    cmds+=(-n "flowgate hook commit-msg" "$BIN -C $REPO --color never hook commit-msg $MSG")
fi
if available hook pre-commit; then
    cmds+=(-n "flowgate hook pre-commit" "$BIN -C $REPO --color never hook pre-commit")
fi

echo "==> hyperfine"
# -i: `check` exits 1 when the repo has findings; that is a result, not a failure.
hyperfine --warmup 3 -N -i --export-markdown "$OUT/results.md" "${cmds[@]}"

if [ "${BENCH_PEERS:-0}" = 1 ] && command -v backlog >/dev/null 2>&1; then
    echo "==> peer: backlog task list --plain (3 runs)"
    (cd "$REPO" && hyperfine --warmup 1 --runs 3 -N -i \
        --export-markdown "$(realpath "../results-peers.md")" \
        -n "backlog task list --plain" "backlog task list --plain")
fi

git -C "$REPO" reset -q --hard
echo "==> results in $OUT/results.md"
cat "$OUT/results.md"
