#!/usr/bin/env python3
"""Writes one task file of a kind that once took time quadratic in its size.

    python3 bench/slow-input.py KIND SIZE > "backlog/tasks/task-9 - Slow.md"

KIND is one of:
  nested-brackets   SIZE `[` in a frontmatter value (the YAML parser is quadratic in nesting)
  link-openers      `[a](` repeated to SIZE bytes on one body line (link scanning)
  unclosed-markers  SIZE distinct `<!-- Nn:BEGIN -->` lines that are never closed

bench/slow-inputs.sh times flowgate on them; fuzz/seeds holds one of each.
"""
import sys

HEAD = "---\nid: TASK-9\ntitle: Slow\nstatus: To Do\n"


def task(kind: str, size: int) -> str:
    if kind == "nested-brackets":
        return HEAD + "x: " + "[" * size + "\n---\n"
    if kind == "link-openers":
        return HEAD + "---\n\n" + "[a](" * (size // 4) + "\n"
    if kind == "unclosed-markers":
        return HEAD + "---\n\n" + "".join(f"<!-- N{i}:BEGIN -->\n" for i in range(size))
    raise SystemExit(f"unknown kind {kind!r}: nested-brackets, link-openers or unclosed-markers")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    sys.stdout.write(task(sys.argv[1], int(sys.argv[2])))
