#!/usr/bin/env bash
# Precision of `flowgate audit` on real histories, against the labeled corpus in
# tests/data/precision/ (see its README). Not run in CI: the repositories are not there.
#
# Needs bash, git and python3 (standard library only; the join and the table are Python).
#
#   FLOWSPEC_DIR   clone of jpoley/flowspec            (default /tmp/real/flowspec)
#   BACKLOG_DIR    clone of MrLesk/Backlog.md          (default /tmp/real/backlog.md)
#   FLOWGATE       the flowgate binary to measure       (default target/release/flowgate)
#   OUT            where the audit JSON files go        (default bench/out/precision)
#   UNLABELED=1    also print every finding not in the corpus, as corpus lines labeled `?`
#
# Both clones must be checked out at the commits recorded in repos.tsv. Exit status: 0 when
# no labeled-true finding is lost and every rule with at least 10 samples still raised has a
# precision of 95 % or more; 1 otherwise; 2 on a setup error.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
data="$root/tests/data/precision"
FLOWSPEC_DIR=${FLOWSPEC_DIR:-/tmp/real/flowspec}
BACKLOG_DIR=${BACKLOG_DIR:-/tmp/real/backlog.md}
FLOWGATE=${FLOWGATE:-$root/target/release/flowgate}
OUT=${OUT:-$root/bench/out/precision}

die() { echo "precision.sh: $*" >&2; exit 2; }
[ -x "$FLOWGATE" ] || die "no flowgate binary at $FLOWGATE (cargo build --release, or set FLOWGATE)"
command -v python3 >/dev/null || die "python3 is needed"
mkdir -p "$OUT"

dir_of() {
  case "$1" in
    flowspec) echo "$FLOWSPEC_DIR" ;;
    backlog.md) echo "$BACKLOG_DIR" ;;
    *) die "repos.tsv names an unknown repository: $1" ;;
  esac
}

echo "flowgate: $FLOWGATE ($("$FLOWGATE" --version))" >&2
while IFS=$'\t' read -r repo url head; do
  [ "$repo" = repo ] && continue
  dir=$(dir_of "$repo")
  [ -d "$dir/.git" ] || die "$repo: no clone at $dir (git clone $url $dir; git -C $dir checkout $head)"
  actual=$(git -C "$dir" rev-parse HEAD)
  [ "$actual" = "$head" ] || die "$repo: $dir is at $actual, the corpus was labeled at $head (git -C $dir checkout $head)"
  [ -z "$(git -C "$dir" status --porcelain)" ] || die "$repo: $dir has local changes (git -C $dir stash, or a fresh clone)"
  # The audit cache is keyed by flowgate's version, which does not change between the builds
  # this script compares: start from an empty cache every time.
  rm -f "$dir/.git/flowgate/audit-cache.bin" "$dir/.git/flowgate/audit-cache.json"
  set +e
  "$FLOWGATE" -C "$dir" audit --format json -o "$OUT/$repo.json"
  rc=$?
  set -e
  [ "$rc" -le 1 ] || die "$repo: flowgate audit exited with $rc"
  echo "$repo: audited at ${head:0:12}" >&2
done < "$data/repos.tsv"

exec python3 - "$data" "$OUT" "${UNLABELED:-0}" <<'PY'
import collections, csv, json, re, sys

data, out, show_unlabeled = sys.argv[1], sys.argv[2], sys.argv[3] == "1"

def item(f):
    """The part of a finding's key besides repo, code, commit and file (see the corpus README)."""
    if f.get("task"):
        return f["task"]
    msg = f.get("message") or ""
    if f["code"] == "FG501":
        m = re.search(r"#([A-Za-z0-9_.-]+)", msg)
        return m.group(1) if m else ""
    if f["code"] == "FG110":
        m = re.search(r"<!--\s*([A-Za-z:]+)\s*-->", msg)
        return m.group(1) if m else ""
    return ""

heads = {}
with open(f"{data}/repos.tsv", newline="") as fh:
    for row in csv.DictReader(fh, delimiter="\t"):
        heads[row["repo"]] = row["head"][:12]

corpus = []
with open(f"{data}/corpus.tsv", newline="") as fh:
    for row in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
        row["key"] = (row["repo"], row["code"], row["commit"][:12], row["file"], row["item"])
        corpus.append(row)

raised = []
for repo, head in heads.items():
    with open(f"{out}/{repo}.json") as fh:
        findings = json.load(fh)["findings"]
    for f in findings:
        commit = (f.get("commit") or head)[:12]
        raised.append(((repo, f["code"], commit, f.get("file") or "", item(f)), f))

# Two passes: the full key, then, for what is left on both sides, the key without the file
# (a build that locates a finding in another file still raises the same finding).
matched, taken = {}, set()
for loose in (False, True):
    pool = collections.defaultdict(list)
    for i, (key, _) in enumerate(raised):
        if i not in taken:
            pool[key[:3] + key[4:] if loose else key].append(i)
    for n, row in enumerate(corpus):
        if n in matched:
            continue
        key = row["key"][:3] + row["key"][4:] if loose else row["key"]
        if pool.get(key):
            i = pool[key].pop(0)
            matched[n] = i
            taken.add(i)

stats = collections.defaultdict(collections.Counter)
lost = []
for n, row in enumerate(corpus):
    code = row["code"]
    if n in matched and raised[matched[n]][1].get("severity") == "note":
        # A note blocks nothing: it is counted apart from the precision of what fails a check.
        stats[code]["notes"] += 1
        stats[code]["notes " + row["label"]] += 1
    elif n in matched:
        stats[code]["samples"] += 1
        stats[code][row["label"]] += 1
    elif row["label"] == "true":
        stats[code]["lost"] += 1
        lost.append(row)
    else:
        stats[code]["fixed"] += 1
unlabeled = []
for i, (key, f) in enumerate(raised):
    stats[key[1]]["raised"] += 1
    if i not in taken:
        stats[key[1]]["unlabeled"] += 1
        unlabeled.append((key, f))

def pct(n, d):
    return f"{100 * n / d:.1f} %" if d else "-"

print("| rule | samples | true | false | precision | notes (true/false) | lost | fixed | unlabeled | raised |")
print("|------|--------:|-----:|------:|----------:|------:|-----:|------:|----------:|-------:|")
total = collections.Counter()
failing = []
for code in sorted(stats):
    s = stats[code]
    total.update(s)
    print(f"| {code} | {s['samples']} | {s['true']} | {s['false']} | {pct(s['true'], s['samples'])} "
          f"| {s['notes']} ({s['notes true']}/{s['notes false']}) | {s['lost']} | {s['fixed']} | {s['unlabeled']} | {s['raised']} |")
    if s["samples"] >= 10 and s["true"] < 0.95 * s["samples"]:
        failing.append(code)
print(f"| all | {total['samples']} | {total['true']} | {total['false']} | {pct(total['true'], total['samples'])} "
      f"| {total['notes']} ({total['notes true']}/{total['notes false']}) | {total['lost']} | {total['fixed']} | {total['unlabeled']} | {total['raised']} |")

for row in lost:
    print(f"lost\t{row['repo']}\t{row['commit']}\t{row['code']}\t{row['file']}\t{row['item']}\t{row['reason']}")
if show_unlabeled:
    for (repo, code, commit, file, it), f in sorted(unlabeled, key=lambda x: x[0]):
        print(f"{repo}\t{commit}\t{code}\t{file}\t{it}\t?\t{(f.get('message') or '')[:160]}")

if failing:
    print(f"below 95 % with at least 10 samples: {', '.join(failing)}")
sys.exit(1 if lost or failing else 0)
PY
