#!/usr/bin/env bash
# How the figures scale with the size of the repository: bench/run.sh at three sizes
# (1,000 / 10,000 / 50,000 tasks; spec-kit features and commits grow along), then one
# table of medians, sizes side by side, in bench/out/scale.md.
#
#   bash bench/scale.sh
#
# Sizes are "TASKS FEATURES COMMITS"; override with SIZES="1000 30 5000;10000 300 50000".
# History shapes (bench/gen-repo.py --shape; "-gc" for the pack after `git gc --aggressive`):
# SHAPES="base deep-code merges long-tasks spec-churn base-gc" runs every size in each.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

SIZES="${SIZES:-1000 30 5000;10000 300 50000;50000 1500 50000}"
SHAPES="${SHAPES:-base}"
OUT=bench/out
IFS=';' read -r -a sizes <<<"$SIZES"
dirs=()
for shape_name in $SHAPES; do
shape="${shape_name%-gc}"
gc=0
[ "$shape" != "$shape_name" ] && gc=1
for size in "${sizes[@]}"; do
    read -r tasks features commits <<<"$size"
    echo "==> $shape_name: $tasks tasks, $features features, $commits commits"
    # Above 10,000 tasks nearly every commit rewrites a task folder of up to 50,000
    # entries (3 MB): a history audit there reads ~75 GB of trees, minutes a run, so the
    # audit is timed at the two smaller sizes only.
    audit=1
    [ "$tasks" -gt 10000 ] && audit=0
    SHAPE="$shape" GC="$gc" AUDIT="$audit" TASKS="$tasks" FEATURES="$features" COMMITS="$commits" \
        bash bench/run.sh >"$OUT/scale-run.log" 2>&1 \
        || { tail -n 20 "$OUT/scale-run.log"; exit 1; }
    dir="$OUT/scale-$shape_name-$tasks-$features-$commits"
    rm -rf "$dir"
    cp -r "$OUT/hyperfine" "$dir"
    cp "$OUT/results.md" "$dir/results.md"
    dirs+=("$dir")
done
done

python3 - "${dirs[@]}" >"$OUT/scale.md" <<'PY'
import json, os, sys
columns = []
for d in sys.argv[1:]:
    *shape, tasks, features, commits = os.path.basename(d).split("-")[1:]
    shape = "-".join(shape)
    med = {}
    for f in os.listdir(d):
        if f.endswith(".json"):
            r = json.load(open(os.path.join(d, f)))["results"][0]
            med[r["command"]] = r["median"] * 1000
    columns.append((f"{shape}: {int(tasks):,} tasks / {int(features):,} features / {int(commits):,} commits", med))
names = [
    "flowgate hook commit-msg",
    "flowgate hook pre-commit (1 task staged)",
    "flowgate hook pre-commit (5 tasks staged)",
    "flowgate check",
    "flowgate audit (no cache)",
    "git log --raw",
    "flowgate audit (cache warm, nothing new)",
    "flowgate audit (cache warm, one new commit)",
]
# Each target against the peer timed in the same run.
ratios = [
    ("flowgate audit (no cache)", "git log --raw", "≤ 0.5"),
    ("flowgate hook commit-msg", "committed", "≤ 1.5"),
    ("flowgate hook commit-msg", "gitlint", ""),
    ("flowgate check", "backlog doctor", ""),
]
def fmt(ms):
    return f"{ms / 1000:.2f} s" if ms >= 1000 else f"{ms:.1f} ms"
print("| command | " + " | ".join(c for c, _ in columns) + " |")
print("|---|" + "---:|" * len(columns))
for n in names:
    cells = [fmt(med[n]) if n in med else "–" for _, med in columns]
    print(f"| `{n}` | " + " | ".join(cells) + " |")
for n, peer, target in ratios:
    cells = [f"{med[n] / med[peer]:.2f}×" if n in med and peer in med else "–" for _, med in columns]
    if any(c != "–" for c in cells):
        print(f"| `{n}` ÷ `{peer}` ({target or 'no target'}) | " + " | ".join(cells) + " |")
PY
echo "==> $OUT/scale.md"
cat "$OUT/scale.md"
