#!/usr/bin/env bash
# Benchmarks flowgate on the generated reference repo (see bench/README.md).
#
#   bash bench/run.sh                 # 10,000 tasks, 300 features, 50,000 commits
#   TASKS=1000 COMMITS=5000 bash bench/run.sh
#   BENCH_PEERS=1 bash bench/run.sh   # also install and time the peers (gitlint, commitlint,
#                                     # `backlog task list --plain`, `backlog doctor`);
#                                     # committed is timed when it is on PATH
#                                     # (`cargo install committed`)
#   AUDIT=0 bash bench/run.sh         # leave out the audit timings
#   SHAPE=deep-code bash bench/run.sh # another history shape (bench/gen-repo.py --shape)
#   GC=1 bash bench/run.sh            # the pack after `git gc --aggressive`
#   FLOWGATE=path/to/flowgate bash bench/run.sh   # time that build (no cargo build)
#   BENCH_STRICT=1 bash bench/run.sh  # exit 1 when a target is missed
#
# The repo is generated once and cached in bench/out/ (regenerated when the generator or
# the sizes change). Results go to bench/out/results.md.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

TASKS="${TASKS:-10000}"
FEATURES="${FEATURES:-300}"
COMMITS="${COMMITS:-50000}"
SHAPE="${SHAPE:-base}"
GC="${GC:-0}"
OUT=bench/out
SHAPE_NAME="$SHAPE"
[ "$GC" = 1 ] && SHAPE_NAME="$SHAPE-gc"
REPO="$OUT/repo-$SHAPE_NAME-$TASKS-$FEATURES-$COMMITS"
mkdir -p "$OUT"
LOAD_START="$(cut -d' ' -f1-3 /proc/loadavg)"

if ! command -v hyperfine >/dev/null 2>&1; then
    echo "==> installing hyperfine (apt)"
    apt-get update -qq </dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hyperfine </dev/null
fi

if [ -n "${FLOWGATE:-}" ]; then
    BIN="$(realpath "$FLOWGATE")"
else
    echo "==> cargo build --release"
    cargo build --release --locked --quiet
    BIN="$(cargo metadata --format-version 1 --no-deps \
        | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/release/flowgate"
    BIN="$(realpath "$BIN")"
fi

stamp="$(sha256sum bench/gen-repo.py | cut -c1-16)"
if [ "$(cat "$REPO/.git/flowgate-bench-stamp" 2>/dev/null || true)" != "$stamp" ]; then
    echo "==> generating $REPO"
    gc=()
    [ "$GC" = 1 ] && gc=(--gc)
    python3 bench/gen-repo.py --tasks "$TASKS" --features "$FEATURES" --commits "$COMMITS" \
        --shape "$SHAPE" "${gc[@]}" --out "$REPO"
    echo "$stamp" > "$REPO/.git/flowgate-bench-stamp"
fi
REPO="$(realpath "$REPO")"
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.com
export GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.com

# The staged change the hooks see: one code file, and one task moved To Do -> In Progress.
git -C "$REPO" reset -q --hard
# Task files whose status line matches, in name order (no glob: 50,000 names overflow
# the argument list).
with_status() {
    grep -rl --include='*.md' "$1" "$REPO/backlog/tasks" | LC_ALL=C sort || true
}
active="$(with_status '^status: In Progress' | sed -n 1p)"
active_id="$(sed -n 's/^id: //p' "$active" | sed -n 1p)"
todo="$(with_status '^status: To Do' | sed -n 1p)"
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

# A second staged change for pre-commit: five task files (the one above and four more).
stage_five() {
    local f
    with_status '^status: To Do$' | sed -n 2,5p | while IFS= read -r f; do
        sed -i 's/^status: To Do$/status: In Progress/' "$f"
        git -C "$REPO" add -- "$f"
    done
}

JSON="$(realpath "$OUT")/hyperfine"
mkdir -p "$JSON"
bench() { # NAME RUNS COMMAND...: hyperfine one command, JSON into $JSON/NAME.json
    # PREPARE=CMD runs CMD before every timed run (e.g. to drop a cache).
    local name="$1" runs="$2" warmup=3
    shift 2
    # The slow peers (seconds to minutes a run) get no warm-up runs.
    [ -n "$runs" ] && [ "$runs" -le 3 ] && warmup=0
    (cd "$REPO" && hyperfine -N -i --warmup "$warmup" ${runs:+--runs "$runs"} --style basic \
        ${PREPARE:+--prepare "$PREPARE"} \
        --export-json "$JSON/${name//[^A-Za-z0-9-]/_}.json" -n "$name" "$*") \
        | grep -E 'Time|Range' || true
}
rm -f "$JSON"/*.json

echo "==> hyperfine"
bench "flowgate --version" "" "$BIN --version"
bench "flowgate check" "" "$BIN -C $REPO --color never check"
if available hook commit-msg "$MSG"; then
    bench "flowgate hook commit-msg" "" "$BIN -C $REPO --color never hook commit-msg $MSG"
fi
if available hook pre-commit; then
    bench "flowgate hook pre-commit (1 task staged)" "" "$BIN -C $REPO --color never hook pre-commit"
    stage_five
    bench "flowgate hook pre-commit (5 tasks staged)" "" "$BIN -C $REPO --color never hook pre-commit"
fi

# Peak memory of `check` (GNU time; apt package `time`).
if [ ! -x /usr/bin/time ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time </dev/null || true
fi
RSS=""
if [ -x /usr/bin/time ]; then
    /usr/bin/time -v -o "$OUT/check-time.txt" "$BIN" -C "$REPO" --color never check >/dev/null 2>&1 || true
    RSS="$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$OUT/check-time.txt")"
fi

# Peers, when installed (BENCH_PEERS=1 installs gitlint and commitlint into bench/out).
if [ "${BENCH_PEERS:-0}" = 1 ]; then
    if [ ! -x "$OUT/venv/bin/gitlint" ]; then
        echo "==> installing gitlint (pip, into $OUT/venv)"
        python3 -m venv "$OUT/venv" && "$OUT/venv/bin/pip" install -q gitlint || true
    fi
    if [ ! -x "$OUT/node_modules/.bin/commitlint" ] && command -v npm >/dev/null 2>&1; then
        echo "==> installing commitlint (npm, into $OUT/node_modules)"
        npm install --silent --no-audit --no-fund --prefix "$OUT" \
            @commitlint/cli @commitlint/config-conventional || true
    fi
fi
OUT_ABS="$(realpath "$OUT")"
if [ -x "$OUT/venv/bin/gitlint" ]; then
    bench "gitlint" "" "$OUT_ABS/venv/bin/gitlint --target $REPO --msg-filename $MSG"
fi
if [ -x "$OUT/node_modules/.bin/commitlint" ]; then
    printf "module.exports = { extends: ['@commitlint/config-conventional'] };\n" \
        > "$OUT/commitlint.config.js"
    bench "commitlint" 10 "$OUT_ABS/node_modules/.bin/commitlint --config $OUT_ABS/commitlint.config.js --edit $MSG"
fi
if command -v committed >/dev/null 2>&1; then
    bench "committed" "" "committed --commit-file $MSG"
fi
if [ "${BENCH_PEERS:-0}" = 1 ] && command -v backlog >/dev/null 2>&1; then
    bench "backlog task list --plain" 3 "backlog task list --plain"
    # One run: `backlog doctor` takes minutes on this backlog.
    bench "backlog doctor" 1 "backlog doctor"
fi

git -C "$REPO" reset -q --hard

# History: `flowgate audit` with no cache, with a warm cache, and with a cache one commit
# behind (everything in .git/flowgate written at HEAD~1 and copied back before each run), against
# `git log --raw` over the same history.
AUDIT_RSS=""
if [ "${AUDIT:-1}" = 1 ]; then
echo "==> audit"
AUDIT="$BIN -C $REPO --color never audit --format json -o $OUT_ABS/audit.json"
# Everything the audit keeps between runs: the history cache, the memo of HEAD's parsed
# files and the quoted spec texts.
STATE="$REPO/.git/flowgate"
bench "git log --raw" 3 "git -C $REPO log --raw"
PREPARE="rm -rf $STATE" bench "flowgate audit (no cache)" 3 "$AUDIT"
if [ -x /usr/bin/time ]; then
    rm -rf "$STATE"
    /usr/bin/time -v -o "$OUT/audit-time.txt" $AUDIT >/dev/null 2>&1 || true
    AUDIT_RSS="$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$OUT/audit-time.txt")"
fi
$AUDIT >/dev/null 2>&1 || true
bench "flowgate audit (cache warm, nothing new)" "" "$AUDIT"
branch="$(git -C "$REPO" symbolic-ref -q --short HEAD)"
git -C "$REPO" checkout -q --detach HEAD~1
rm -rf "$STATE"
$AUDIT >/dev/null 2>&1 || true
rm -rf "$OUT_ABS/audit-state-parent"
cp -a "$STATE" "$OUT_ABS/audit-state-parent"
git -C "$REPO" checkout -q "$branch"
PREPARE="sh -c 'rm -rf $STATE && cp -a $OUT_ABS/audit-state-parent $STATE'" \
    bench "flowgate audit (cache warm, one new commit)" "" "$AUDIT"
fi

# The table: medians, CPU time, peak memory, and each flowgate figure against its peer.
python3 - "$JSON" "$RSS" "$TASKS" "$FEATURES" "$COMMITS" "$AUDIT_RSS" "$SHAPE_NAME" > "$OUT/results.md" <<'PY'
import json, os, sys
d, rss, tasks, features, commits, audit_rss, shape = sys.argv[1:8]
med, cpu = {}, {}
for f in os.listdir(d):
    r = json.load(open(os.path.join(d, f)))["results"][0]
    med[r["command"]] = (r["median"] * 1000, r["min"] * 1000, r["max"] * 1000)
    cpu[r["command"]] = (r.get("user", 0) + r.get("system", 0)) * 1000
check = "≤ 100 ms" if int(tasks) <= 10_000 else "≤ 250 ms"
# name: (target, peers, peak RSS in KiB when measured)
targets = {
    "flowgate hook commit-msg": ("≤ 3 ms; ≤ 1.5× committed", ["committed", "gitlint", "commitlint"], ""),
    "flowgate hook pre-commit (1 task staged)": ("≤ 20 ms", [], ""),
    "flowgate hook pre-commit (5 tasks staged)": ("≤ 20 ms", [], ""),
    "flowgate check": (check, ["backlog doctor", "backlog task list --plain"], rss),
    "flowgate audit (no cache)": ("≤ 0.5× git log --raw; ≤ 300 MiB", ["git log --raw"], audit_rss),
    "flowgate audit (cache warm, nothing new)": ("", [], ""),
    "flowgate audit (cache warm, one new commit)": ("≤ 100 ms", [], ""),
    "flowgate --version": ("(process start)", [], ""),
}
print(f"Reference repo: shape `{shape}`, {int(tasks):,} tasks, {features} spec-kit features, {int(commits):,} commits.\n")
print("| command | median | min … max | CPU (user+sys) | peak RSS | target | vs peers (median ratio; CPU ratio) |")
print("|---|---:|---:|---:|---:|---|---|")
order = list(targets) + sorted(k for k in med if k not in targets)
for name in order:
    if name not in med:
        continue
    m, lo, hi = med[name]
    target, peers, peak = targets.get(name, ("", [], ""))
    ratios = ", ".join(
        f"{m / med[p][0]:.2f}× {p} ({cpu[name] / cpu[p]:.2f}× CPU)" if cpu.get(p) else f"{m / med[p][0]:.2f}× {p}"
        for p in peers
        if p in med
    )
    peak = f"{int(peak) / 1024:.0f} MiB" if peak else ""
    print(f"| `{name}` | {m:.1f} ms | {lo:.1f} … {hi:.1f} ms | {cpu[name]:.1f} ms | {peak} | {target} | {ratios} |")

# Each target, met or missed (medians; ratios to the peer of the same run).
checks = [
    ("flowgate hook commit-msg", "≤ 3 ms", lambda m: m <= 3),
    ("flowgate hook pre-commit (1 task staged)", "≤ 20 ms", lambda m: m <= 20),
    ("flowgate hook pre-commit (5 tasks staged)", "≤ 20 ms", lambda m: m <= 20),
    ("flowgate check", check, lambda m: m <= (100 if int(tasks) <= 10_000 else 250)),
    ("flowgate audit (cache warm, one new commit)", "≤ 100 ms", lambda m: m <= 100),
]
if "committed" in med:
    checks.append(("flowgate hook commit-msg", "≤ 1.5× committed", lambda m: m <= 1.5 * med["committed"][0]))
if "git log --raw" in med:
    checks.append(("flowgate audit (no cache)", "≤ 0.5× git log --raw", lambda m: m <= 0.5 * med["git log --raw"][0]))
missed = []
for name, target, ok in checks:
    if name in med and not ok(med[name][0]):
        missed.append(f"`{name}` {med[name][0]:.1f} ms ({target})")
if audit_rss and int(audit_rss) > 300 * 1024:
    missed.append(f"`flowgate audit (no cache)` peak RSS {int(audit_rss) / 1024:.0f} MiB (≤ 300 MiB)")
print("\nTargets missed: " + ("; ".join(missed) if missed else "none") + ".")
PY

{
    echo "Machine: $(nproc) CPUs, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | sort -u | head -n 1),"
    echo "$(free -h | awk '/^Mem:/ {print $2}') RAM; $(uname -sr); hyperfine medians of whole-process wall time;"
    echo "load average at the start $LOAD_START, at the end $(cut -d' ' -f1-3 /proc/loadavg)."
    echo
    cat "$OUT/results.md"
} > "$OUT/results-with-machine.md"
mv "$OUT/results-with-machine.md" "$OUT/results.md"
cp "$OUT/results.md" "$OUT/results-$SHAPE_NAME-$TASKS-$FEATURES-$COMMITS.md"
# BENCH_STRICT=1: a missed target fails the run (a regression guard for CI-like use).
if [ "${BENCH_STRICT:-0}" = 1 ] && ! grep -q '^Targets missed: none\.$' "$OUT/results.md"; then
    echo "==> targets missed (BENCH_STRICT=1)"
    exit 1
fi
echo "==> results in $OUT/results.md"
cat "$OUT/results.md"
