#!/usr/bin/env bash
# The project's test command (README: `bash scripts/test.sh`).
#
# 1. Installs the pinned external tools the integration tests drive, once: the Backlog.md
#    CLI (npm), spec-kit's `specify` and the pre-commit framework (PyPI, in a venv under
#    ~/.cache). Each step is skipped when the pinned version is already there, so a second
#    run costs nothing.
# 2. Runs the gates: shellcheck, rustfmt, clippy with warnings denied, the doc tests, rustdoc with warnings
#    denied, and the test suite
#    (cargo-nextest when installed, else cargo test). The suite runs last so that its
#    summary is the closing line of the output.
#
# Environment: FLOWGATE_SKIP_INSTALL=1 skips step 1 (offline machines that already have the
# tools, or that do not want the tool-driven tests).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

BACKLOG_VERSION=1.52.0
SPECIFY_VERSION=1.2.3
PRE_COMMIT_VERSION=4.7.0
CACHE="${FLOWGATE_CI_CACHE:-$HOME/.cache/flowgate-ci}"
VENV="$CACHE/venv"

step() { printf '\n==> %s\n' "$*"; }

install_backlog() {
    if command -v backlog >/dev/null 2>&1 \
        && [ "$(backlog --version 2>/dev/null </dev/null || true)" = "$BACKLOG_VERSION" ]; then
        echo "backlog $BACKLOG_VERSION already installed"
        return
    fi
    step "installing backlog.md@$BACKLOG_VERSION (npm)"
    npm install -g --no-fund --no-audit "backlog.md@$BACKLOG_VERSION" </dev/null
    backlog --version </dev/null
}

install_specify() {
    if [ -x "$VENV/bin/python" ] \
        && [ "$("$VENV/bin/python" -m pip show specify-cli 2>/dev/null </dev/null \
            | sed -n 's/^Version: //p')" = "$SPECIFY_VERSION" ]; then
        echo "specify-cli $SPECIFY_VERSION already installed in $VENV"
        return
    fi
    step "installing specify-cli==$SPECIFY_VERSION (PyPI) into $VENV"
    mkdir -p "$CACHE"
    if [ ! -x "$VENV/bin/python" ]; then
        python3 -m venv "$VENV"
    fi
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
        "specify-cli==$SPECIFY_VERSION" </dev/null
}

install_pre_commit() {
    if [ "$("$VENV/bin/python" -m pip show pre-commit 2>/dev/null </dev/null \
            | sed -n 's/^Version: //p')" = "$PRE_COMMIT_VERSION" ]; then
        echo "pre-commit $PRE_COMMIT_VERSION already installed in $VENV"
        return
    fi
    step "installing pre-commit==$PRE_COMMIT_VERSION (PyPI) into $VENV"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
        "pre-commit==$PRE_COMMIT_VERSION" </dev/null
}

# Debian packages some tests and lints use: shellcheck (lints the shell scripts the project
# ships), zsh and fish (parse the generated completion scripts). Installed with apt-get where
# that works without asking (root on Debian/Ubuntu, as in CI); elsewhere the lint and those
# parse checks are skipped with a message.
install_debian_tools() {
    local missing=()
    for tool in shellcheck zsh fish; do
        command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
    done
    if [ ${#missing[@]} -eq 0 ]; then
        return
    fi
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        step "installing ${missing[*]} (apt-get)"
        # A fresh machine may have no (or stale) package lists: update once, only if needed.
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" </dev/null >/dev/null 2>&1 \
            || { apt-get update -qq </dev/null >/dev/null 2>&1 \
                && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" </dev/null >/dev/null; } \
            || echo "apt-get could not install ${missing[*]}"
    fi
}

if [ "${FLOWGATE_SKIP_INSTALL:-0}" != 1 ]; then
    step "tools"
    install_backlog
    install_specify
    install_pre_commit
    install_debian_tools
fi
# Tests find `specify` and `pre-commit` on PATH.
if [ -d "$VENV/bin" ]; then
    export PATH="$VENV/bin:$PATH"
fi

step "shellcheck scripts/*.sh"
if command -v shellcheck >/dev/null 2>&1; then
    shellcheck scripts/*.sh
else
    echo "shellcheck is not installed: shell scripts not linted (apt-get install shellcheck)"
fi

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy --all-targets -- -D warnings"
cargo clippy --all-targets --locked -- -D warnings

step "cargo test --doc"
cargo test --doc --locked

step "cargo doc (broken links and missing docs are errors)"
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --locked --quiet

if cargo nextest --version >/dev/null 2>&1; then
    step "cargo nextest run"
    cargo nextest run --locked --no-fail-fast
else
    step "cargo test"
    cargo test --locked --no-fail-fast
fi
