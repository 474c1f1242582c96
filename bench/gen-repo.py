#!/usr/bin/env python3
"""Generate flowgate's reference repository for benchmarks.

The repo is a Backlog.md + spec-kit project with a long history:

* N tasks (default 10,000) in one ``backlog/tasks/`` folder, with Backlog.md-style
  frontmatter, acceptance criteria, dependencies and ``spec:`` links to spec sections;
* F spec-kit features (default 300) under ``specs/NNN-slug/`` with user stories,
  ~20 requirement IDs each (FR-/SC-) and a ``tasks.md`` checklist;
* C commits (default 50,000) in which tasks are created, moved legally
  (To Do -> In Progress -> Done, acceptance criteria checked before Done), code files
  are edited by commits whose messages carry ``Refs: TASK-n``, and specs are edited now
  and then.

The history is written as one ``git fast-import`` stream, so generation takes seconds.
Everything is deterministic for a given set of options (``--seed``).

Shapes (``--shape``), the same timeline drawn differently:

* ``base``: the above; about 400 code files in two levels of folders, 1-3 changed per commit;
* ``deep-code``: 2,400 code files five folders deep, 5-30 changed per commit;
* ``merges``: 20 % of the commits are merges of a one-commit branch (``Merge branch
  'task-N-...'``), the branch carrying a code commit's change;
* ``long-tasks``: task bodies of 3-6 KB, and a fifth of the code commits also append an
  implementation note to the task they reference (tasks edited many times);
* ``spec-churn``: 30 % of the commits edit a spec, rewording requirements, stories and
  assumptions in turn.

``--gc`` repacks with ``git gc --aggressive`` afterwards (fast-import's pack keeps each
object's first delta base; an aggressive repack makes long delta chains).

Usage: bench/gen-repo.py [--tasks N] [--features F] [--commits C] [--out DIR] [--seed S]
                         [--shape SHAPE] [--gc]
"""

import argparse
import os
import random
import re
import shutil
import subprocess
import sys
import time

WORDS = (
    "account audit badge batch billing cache cart catalog checkout comment config cursor "
    "dashboard digest draft export feed filter gateway import index invoice label ledger "
    "login mailer merge metric notify order page payment permission profile queue quota "
    "rate report retry review role search session share signup sync tag tenant theme "
    "timeline token upload user vault webhook widget"
).split()
VERBS = (
    "add allow block cache check clean compute expose fix handle import limit list "
    "log migrate parse render report retry show sort store support track validate"
).split()
PEOPLE = ["@alice", "@bob", "@carol", "@dave", "@erin", "@frank"]
LABELS = ["backend", "frontend", "api", "infra", "docs", "security", "perf", "ux"]
PRIORITIES = ["low", "medium", "high"]
SHAPES = ["base", "deep-code", "merges", "long-tasks", "spec-churn"]
STATUSES = ["To Do", "In Progress", "Done"]
START_EPOCH = 1_700_000_000  # commit dates start here and move ~7 minutes per commit


def slugify_heading(text):
    """GitHub's anchor slug: lower-case, punctuation dropped, spaces to hyphens."""
    text = text.strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def title_slug(title):
    """Backlog.md's file-name slug for a title."""
    return re.sub(r"[^A-Za-z0-9-]", "", title.replace(" ", "-"))


class Feature:
    """One spec-kit feature folder and the sections tasks can link to."""

    def __init__(self, number, rng):
        self.number = number
        words = rng.sample(WORDS, 2)
        self.slug = f"{number:03d}-{words[0]}-{words[1]}"
        self.title = f"{words[0].capitalize()} {words[1]}"
        self.stories = [
            (n, f"{rng.choice(VERBS).capitalize()} {rng.choice(WORDS)} {rng.choice(WORDS)}", f"P{n}")
            for n in range(1, 4)
        ]
        self.frs = [f"FR-{n:03d}" for n in range(1, 16)]
        self.scs = [f"SC-{n:03d}" for n in range(1, 6)]
        self.edits = 0
        self.rng_words = [rng.choice(WORDS) for _ in range(40)]
        # Rewordings (spec-churn): per requirement, per story.
        self.fr_rev = [0] * len(self.frs)
        self.story_rev = [0] * len(self.stories)

    def edit(self, rng, churn):
        """One spec edit: an appended assumption, or (churn) a reworded requirement or story."""
        kind = rng.random() if churn else 0.0
        if kind < 0.4:
            self.edits += 1
        elif kind < 0.8:
            self.fr_rev[rng.randrange(len(self.frs))] += 1
        else:
            self.story_rev[rng.randrange(len(self.stories))] += 1

    @property
    def path(self):
        return f"specs/{self.slug}/spec.md"

    def story_anchor(self, n):
        num, title, prio = self.stories[n - 1]
        return slugify_heading(f"User Story {num} - {title} (Priority: {prio})")

    def spec_md(self):
        w = self.rng_words
        out = [
            f"# Feature Specification: {self.title}",
            "",
            f"**Feature Branch**: `{self.slug}`",
            "**Created**: 2023-11-14",
            "**Status**: Draft",
            f'**Input**: User description: "Let users {w[0]} their {w[1]} and {w[2]}"',
            "",
            "## User Scenarios & Testing *(mandatory)*",
            "",
        ]
        for num, title, prio in self.stories:
            out += [
                f"### User Story {num} - {title} (Priority: {prio})",
                "",
                f"A user wants to {w[num]} a {w[num + 3]} so that the {w[num + 6]} stays current."
                + "".join(f" Revision {r + 1}: the {w[(num + r) % 40]} is kept." for r in range(self.story_rev[num - 1])),
                "",
                f"**Why this priority**: without it the {w[num + 9]} flow is incomplete.",
                "",
                f"**Independent Test**: create a {w[num + 12]} and check the {w[num + 15]} list.",
                "",
                "**Acceptance Scenarios**:",
                "",
                f"1. **Given** a {w[num + 18]}, **When** the user saves it, **Then** it is listed.",
                f"2. **Given** an empty {w[num + 21]}, **When** the user opens it, **Then** a hint is shown.",
                "",
            ]
        out += ["### Edge Cases", "", f"- What happens when the {w[30]} is empty?", ""]
        out += ["## Requirements *(mandatory)*", "", "### Functional Requirements", ""]
        for i, fr in enumerate(self.frs):
            rev = f" (revision {self.fr_rev[i]}: within {self.fr_rev[i] + 1} s)" if self.fr_rev[i] else ""
            out.append(f"- **{fr}**: System MUST {w[i % 40]} the {w[(i + 7) % 40]} of a {w[(i + 13) % 40]}{rev}.")
        out += ["", "## Success Criteria *(mandatory)*", "", "### Measurable Outcomes", ""]
        for i, sc in enumerate(self.scs):
            out.append(f"- **{sc}**: {90 + i}% of {w[(i + 20) % 40]} requests finish in under {i + 1} s.")
        out += ["", "## Assumptions", "", f"- The {w[35]} service is available."]
        for e in range(self.edits):
            out.append(f"- Clarification {e + 1}: the {w[(e + 5) % 40]} limit is {e + 10}.")
        out.append("")
        return "\n".join(out)

    def tasks_md(self):
        out = [
            "---",
            f'description: "Task list for {self.title}"',
            "---",
            "",
            f"# Tasks: {self.title}",
            "",
            "## Phase 1: Setup (Shared Infrastructure)",
            "",
            "- [x] T001 Create the module skeleton",
            "- [x] T002 [P] Configure linting",
            "",
        ]
        t = 3
        for num, title, prio in self.stories:
            out += [f"## Phase {num + 1}: User Story {num} - {title} (Priority: {prio})", ""]
            for _ in range(3):
                out.append(f"- [ ] T{t:03d} [P] [US{num}] Implement step {t} for story {num}")
                t += 1
            out.append("")
        return "\n".join(out)


class Task:
    """One Backlog.md task and its current state."""

    def __init__(self, number, rng, feature, features, created, long_body=False):
        self.number = number
        self.id = f"TASK-{number}"
        self.title = " ".join(
            [rng.choice(VERBS).capitalize(), rng.choice(WORDS), rng.choice(WORDS), str(number)]
        )
        self.file = f"backlog/tasks/task-{number} - {title_slug(self.title)}.md"
        self.status = "To Do"
        self.created = created
        self.updated = None
        self.assignee = rng.choice(PEOPLE) if rng.random() < 0.8 else None
        self.labels = rng.sample(LABELS, rng.randint(0, 2))
        self.priority = rng.choice(PRIORITIES)
        self.deps = (
            # Only on tasks created well before, so no commit has a dangling dependency.
            [f"TASK-{rng.randint(1, number - 50)}"] if number > 50 and rng.random() < 0.2 else []
        )
        self.ac = [f"{rng.choice(VERBS).capitalize()} the {rng.choice(WORDS)}" for _ in range(rng.randint(2, 4))]
        self.checked = 0
        self.summary = None
        # Mostly the feature it was planned for, sometimes a neighbour's section.
        f = feature if rng.random() < 0.9 else rng.choice(features)
        kind = rng.random()
        if kind < 0.5:
            links = [f"{f.slug}/{rng.choice(f.frs)}"]
        elif kind < 0.8:
            links = [f"{f.path}#{f.story_anchor(rng.randint(1, 3))}"]
        else:
            links = [f"{f.slug}/{rng.choice(f.frs)}", f"{f.slug}/{rng.choice(f.scs)}"]
        self.spec = links
        self.description = (
            f"As a user I want to {rng.choice(VERBS)} the {rng.choice(WORDS)} "
            f"so that the {rng.choice(WORDS)} stays consistent."
        )
        if long_body:
            # 3-6 KB: background paragraphs of about 100 bytes a line.
            self.description += "\n\n" + "\n".join(
                f"The {rng.choice(WORDS)} {rng.choice(WORDS)} must {rng.choice(VERBS)} every "
                f"{rng.choice(WORDS)} before the {rng.choice(WORDS)} is {rng.choice(VERBS)}ed "
                f"(case {n + 1}, see the {rng.choice(WORDS)} notes)."
                for n in range(rng.randint(30, 60))
            )
        self.notes = []

    def render(self):
        fm = [
            "---",
            f"id: {self.id}",
            f"title: {self.title}",
            f"status: {self.status}",
        ]
        fm.append(f"assignee:\n  - '{self.assignee}'" if self.assignee else "assignee: []")
        fm.append(f"created_date: '{self.created}'")
        if self.updated:
            fm.append(f"updated_date: '{self.updated}'")
        fm.append("labels:" + "".join(f"\n  - {l}" for l in self.labels) if self.labels else "labels: []")
        fm.append("dependencies:" + "".join(f"\n  - {d}" for d in self.deps) if self.deps else "dependencies: []")
        fm.append(f"priority: {self.priority}")
        if len(self.spec) == 1:
            fm.append(f"spec: {self.spec[0]}")
        else:
            fm.append("spec:" + "".join(f"\n  - {s}" for s in self.spec))
        fm.append(f"ordinal: {self.number * 1000}")
        fm.append("---")
        body = [
            "",
            "## Description",
            "",
            "<!-- SECTION:DESCRIPTION:BEGIN -->",
            self.description,
            "<!-- SECTION:DESCRIPTION:END -->",
            "",
            "## Acceptance Criteria",
            "<!-- AC:BEGIN -->",
        ]
        for i, text in enumerate(self.ac):
            mark = "x" if i < self.checked else " "
            body.append(f"- [{mark}] #{i + 1} {text}")
        body.append("<!-- AC:END -->")
        if self.notes:
            body += ["", "## Implementation Notes", "", "<!-- SECTION:NOTES:BEGIN -->"]
            body += self.notes
            body.append("<!-- SECTION:NOTES:END -->")
        if self.summary:
            body += [
                "",
                "## Final Summary",
                "",
                "<!-- SECTION:FINAL_SUMMARY:BEGIN -->",
                self.summary,
                "<!-- SECTION:FINAL_SUMMARY:END -->",
            ]
        return "\n".join(fm + body) + "\n"


def code_file(path, revision, task_id):
    """The content of a small source file at one revision."""
    name = os.path.splitext(os.path.basename(path))[0]
    return (
        f"//! {name}: generated module for the flowgate benchmark repo.\n\n"
        f"/// Revision counter, bumped by every change.\n"
        f"pub const REVISION: u32 = {revision};\n\n"
        f"/// The task that asked for the last change.\n"
        f'pub const LAST_TASK: &str = "{task_id}";\n\n'
        f"pub fn {name}(x: u32) -> u32 {{\n    x.wrapping_mul({revision % 97 + 3}).wrapping_add(REVISION)\n}}\n"
    )


def plan(n, f, c, rng, shape="base"):
    """The timeline: sorted (time, order, kind, payload) events, exactly `c` of them.

    Each feature gets its spec commit, then one commit that creates its tasks (spec-kit's
    "plan the tasks" step). Tasks are started in small waves, worked on by commits with
    `Refs:`, and finished by a commit that checks the acceptance criteria and sets `Done`.
    The first 70% of tasks end Done, the next 15% In Progress, the rest To Do.
    A "merge" event (shape ``merges``) is two commits: a branch commit and its merge.

    Every commit that touches `backlog/tasks/` rewrites that folder's tree (10,000 entries
    at the end), which dominates fast-import's time; batching creation and starts keeps
    their number down while every status move stays a legal single step.
    """
    events = []
    done_cut, ip_cut = int(n * 0.7), int(n * 0.85)
    windows = []
    for j in range(f):
        first, last = j * n // f + 1, (j + 1) * n // f  # this feature's task numbers
        t = 0.9 * j / f
        events.append((t, 0, "feature", j))
        if first > last:
            continue
        events.append((t, 1, "plan", (j, first, last)))
        wave = []
        for i in range(first, min(last, ip_cut) + 1):
            wave.append(i)
            if len(wave) == 4 or i == min(last, ip_cut):
                start = t + rng.uniform(0.0005, 0.05)
                events.append((start, 2, "start", tuple(wave)))
                for k in wave:
                    end = None
                    if k <= done_cut:
                        end = start + rng.uniform(0.002, 0.03)
                        events.append((end, 4, "done", k))
                    windows.append((k, start, end))
                wave = []
    structural = len(events)
    if structural > c:
        sys.exit(
            f"gen-repo: {c + 1} commits are too few for {n} tasks and {f} features "
            f"(need at least {structural + 1})"
        )
    rest = c - structural
    share = 0.3 if shape == "spec-churn" else 0.02
    spec_edits = min(rest, int(c * share)) if windows else rest
    for _ in range(spec_edits):
        events.append((rng.uniform(0.0, 1.0), 3, "spec-edit", rng.randrange(f)))
    code = rest - spec_edits
    merges = min(int(c * 0.2), code // 2) if shape == "merges" and windows else 0
    for k in range(code - merges):
        i, start, end = rng.choice(windows)
        hi = end if end is not None else 1.0
        kind = "code"
        if k < merges:
            kind = "merge"
        elif shape == "long-tasks" and rng.random() < 0.2:
            kind = "note"
        events.append((rng.uniform(start, hi), 3, kind, i))
    events.sort(key=lambda e: (e[0], e[1], str(e[3])))
    # A spec edit drawn before its feature exists edits nothing: move it after.
    born = {}
    fixed = []
    for e in events:
        if e[2] == "feature":
            born[e[3]] = True
        if e[2] == "spec-edit" and e[3] not in born:
            fixed.append((e[0], e[1], "spec-edit", next(iter(born))))
        else:
            fixed.append(e)
    return fixed


def generate(args):
    rng = random.Random(args.seed)
    out = args.out
    if os.path.exists(out):
        shutil.rmtree(out)
    os.makedirs(out)
    git = ["git", "-C", out]
    subprocess.run(git + ["init", "-q", "-b", "main"], check=True)

    features = [Feature(j + 1, rng) for j in range(args.features)]
    shape = args.shape
    if shape == "deep-code":
        # 2,400 files five folders deep; a commit changes 5-30 of them.
        n = len(WORDS)
        code_paths = [
            f"src/{WORDS[m % n]}/{WORDS[m // 3 % n]}/{WORDS[m // 7 % n]}/{WORDS[m // 11 % n]}/{VERBS[k]}_{m}.rs"
            for m in range(240)
            for k in range(10)
        ]
        per_commit, per_done = (5, 30), (3, 10)
    else:
        code_paths = [f"src/{WORDS[m % len(WORDS)]}/{VERBS[k]}_{m}.rs" for m in range(40) for k in range(10)]
        per_commit, per_done = (1, 3), (1, 1)
    code_rev = {p: 0 for p in code_paths}
    tasks = {}
    # The root commit is one of the C commits.
    events = plan(args.tasks, args.features, args.commits - 1, rng, shape)

    proc = subprocess.Popen(
        git + ["fast-import", "--quiet", "--done"],
        stdin=subprocess.PIPE,
    )
    write = proc.stdin.write

    def blob(path, text):
        data = text.encode()
        write(b"M 100644 inline " + path.encode() + b"\ndata " + str(len(data)).encode() + b"\n" + data + b"\n")

    marks = [0]  # the last mark written

    def commit(seq, who, message, files, ref="main", parents=()):
        """Writes one commit (mark = its number); `parents` as marks, after the first."""
        when = START_EPOCH + seq * 420
        ident = f"{who[1:].capitalize()} <{who[1:]}@example.com> {when} +0000"
        msg = message.encode()
        marks[0] += 1
        write(f"commit refs/heads/{ref}\nmark :{marks[0]}\n".encode())
        write(f"author {ident}\ncommitter {ident}\n".encode())
        write(b"data " + str(len(msg)).encode() + b"\n" + msg + b"\n")
        for n, mark in enumerate(parents):
            write(f"{'from' if n == 0 else 'merge'} :{mark}\n".encode())
        for path, text in files:
            blob(path, text)
        write(b"\n")
        return marks[0]

    def date(seq):
        return time.strftime("%Y-%m-%d %H:%M", time.gmtime(START_EPOCH + seq * 420))

    root_files = [
        (
            "backlog/config.yml",
            'project_name: "Bench"\ndefault_status: "To Do"\n'
            'statuses: ["To Do", "In Progress", "Done"]\nlabels: []\n'
            "date_format: yyyy-mm-dd\nauto_commit: false\ntask_prefix: \"task\"\n",
        ),
        ("README.md", "# Bench repo\n\nGenerated by flowgate's bench/gen-repo.py.\n"),
    ] + [(p, code_file(p, 0, "none")) for p in code_paths]
    head = commit(0, "@alice", "Initial commit\n", root_files)
    seq = 0

    for _, _, kind, arg in events:
        seq += 1
        who = rng.choice(PEOPLE)
        if kind == "feature":
            f = features[arg]
            head = commit(
                seq,
                who,
                f"Add spec for {f.slug}\n",
                [(f.path, f.spec_md()), (f"specs/{f.slug}/tasks.md", f.tasks_md())],
            )
        elif kind == "spec-edit":
            f = features[arg]
            f.edit(rng, shape == "spec-churn")
            head = commit(seq, who, f"Clarify {f.slug} assumptions\n", [(f.path, f.spec_md())])
        elif kind == "plan":
            j, first, last = arg
            files = []
            for i in range(first, last + 1):
                t = Task(i, rng, features[j], features, date(seq), shape == "long-tasks")
                tasks[i] = t
                files.append((t.file, t.render()))
            ids = f"TASK-{first}" if first == last else f"TASK-{first}..TASK-{last}"
            head = commit(seq, who, f"Plan tasks for {features[j].slug} ({ids})\n", files)
        elif kind == "start":
            files = []
            for i in arg:
                t = tasks[i]
                t.status = "In Progress"
                t.updated = date(seq)
                files.append((t.file, t.render()))
            ids = ", ".join(tasks[i].id for i in arg)
            head = commit(seq, tasks[arg[0]].assignee or who, f"Start {ids}\n", files)
        elif kind == "done":
            t = tasks[arg]
            t.status = "Done"
            t.checked = len(t.ac)
            t.updated = date(seq)
            t.summary = f"Implemented {t.title.lower()}; all acceptance criteria met."
            changed = [(t.file, t.render())]
            for p in rng.sample(code_paths, rng.randint(*per_done)):
                code_rev[p] += 1
                changed.append((p, code_file(p, code_rev[p], t.id)))
            head = commit(
                seq,
                t.assignee or who,
                f"Finish {t.title.lower()}\n\nRefs: {t.id}\n",
                changed,
            )
        else:  # code, note (code and a note on the task), merge (code on a branch, merged)
            t = tasks[arg]
            changed = []
            for p in rng.sample(code_paths, rng.randint(*per_commit)):
                code_rev[p] += 1
                changed.append((p, code_file(p, code_rev[p], t.id)))
            if kind == "note":
                t.notes.append(
                    f"- {date(seq)}: {rng.choice(VERBS)} the {rng.choice(WORDS)} first; "
                    f"the {rng.choice(WORDS)} {rng.choice(WORDS)} needs a {rng.choice(WORDS)} check."
                )
                changed.append((t.file, t.render()))
            verb = rng.choice(VERBS)
            message = f"{verb.capitalize()} {rng.choice(WORDS)} handling\n\nRefs: {t.id}\n"
            author = t.assignee or who
            if kind == "merge":
                branch = f"task-{t.number}-{verb}"
                side = commit(seq, author, message, changed, ref="side", parents=(head,))
                seq += 1
                head = commit(
                    seq, author, f"Merge branch '{branch}'\n", changed, parents=(head, side)
                )
            else:
                head = commit(seq, author, message, changed)
    write(b"done\n")
    proc.stdin.close()
    if proc.wait() != 0:
        sys.exit("gen-repo: git fast-import failed")
    subprocess.run(git + ["branch", "-q", "-D", "side"], check=False, stderr=subprocess.DEVNULL)
    subprocess.run(git + ["reset", "-q", "--hard", "main"], check=True)
    if args.gc:
        subprocess.run(git + ["gc", "--aggressive", "--quiet"], check=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--tasks", type=int, default=10_000, help="number of tasks (default 10000)")
    p.add_argument("--features", type=int, default=300, help="spec-kit features (default 300)")
    p.add_argument("--commits", type=int, default=50_000, help="commits of history (default 50000)")
    p.add_argument("--out", default="bench/out/repo", help="output directory (replaced)")
    p.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    p.add_argument("--shape", choices=SHAPES, default="base", help="history shape (default base)")
    p.add_argument("--gc", action="store_true", help="repack with `git gc --aggressive` afterwards")
    args = p.parse_args()
    if args.tasks < 1 or args.features < 1 or args.commits < 1:
        p.error("--tasks, --features and --commits must be at least 1")
    started = time.monotonic()
    generate(args)
    print(
        f"gen-repo: {args.out}: {args.tasks} tasks, {args.features} features, "
        f"{args.commits} commits, shape {args.shape}{', gc' if args.gc else ''}, "
        f"in {time.monotonic() - started:.1f} s"
    )


if __name__ == "__main__":
    main()
