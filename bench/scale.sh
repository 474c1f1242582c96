#!/usr/bin/env bash
# How the figures scale with the size of the repository: bench/run.sh at three sizes
# (1,000 / 10,000 / 50,000 tasks; spec-kit features and commits grow along), then one
# table of medians, sizes side by side, in bench/out/scale.md.
#
#   bash bench/scale.sh
#
# Sizes are "TASKS FEATURES COMMITS"; override with SIZES="1000 30 5000;10000 300 50000".
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

SIZES="${SIZES:-1000 30 5000;10000 300 50000;50000 1500 50000}"
OUT=bench/out
IFS=';' read -r -a sizes <<<"$SIZES"
dirs=()
for size in "${sizes[@]}"; do
    read -r tasks features commits <<<"$size"
    echo "==> $tasks tasks, $features features, $commits commits"
    # Above 10,000 tasks nearly every commit rewrites a task folder of up to 50,000
    # entries (3 MB): a history audit there reads ~75 GB of trees, minutes a run, so the
    # audit is timed at the two smaller sizes only.
    audit=1
    [ "$tasks" -gt 10000 ] && audit=0
    AUDIT="$audit" TASKS="$tasks" FEATURES="$features" COMMITS="$commits" bash bench/run.sh >"$OUT/scale-run.log" 2>&1 \
        || { tail -n 20 "$OUT/scale-run.log"; exit 1; }
    dir="$OUT/scale-$tasks-$features-$commits"
    rm -rf "$dir"
    cp -r "$OUT/hyperfine" "$dir"
    cp "$OUT/results.md" "$dir/results.md"
    dirs+=("$dir")
done

python3 - "${dirs[@]}" >"$OUT/scale.md" <<'PY'
import json, os, sys
columns = []
for d in sys.argv[1:]:
    tasks, features, commits = os.path.basename(d).split("-")[1:4]
    med = {}
    for f in os.listdir(d):
        if f.endswith(".json"):
            r = json.load(open(os.path.join(d, f)))["results"][0]
            med[r["command"]] = r["median"] * 1000
    columns.append((f"{int(tasks):,} tasks / {int(features):,} features / {int(commits):,} commits", med))
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
def fmt(ms):
    return f"{ms / 1000:.2f} s" if ms >= 1000 else f"{ms:.1f} ms"
print("| command | " + " | ".join(c for c, _ in columns) + " |")
print("|---|" + "---:|" * len(columns))
for n in names:
    cells = [fmt(med[n]) if n in med else "–" for _, med in columns]
    print(f"| `{n}` | " + " | ".join(cells) + " |")
PY
echo "==> $OUT/scale.md"
cat "$OUT/scale.md"
