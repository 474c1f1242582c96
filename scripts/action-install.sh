#!/usr/bin/env bash
# Installs flowgate for the GitHub Action (action.yml): downloads the release archive for the
# runner, verifies its SHA-256, and builds from source only when no release matches.
#
# Usage:
#   scripts/action-install.sh             install $FLOWGATE_ROOT/bin/flowgate
#   scripts/action-install.sh cache-key   print the actions/cache key for these settings
#
# Environment:
#   FLOWGATE_VERSION      `0.1.0` or `v0.1.0`: that release. `source`: build the checkout.
#                         Any other ref (a branch, a commit, a major tag such as `v0`) has no
#                         release: build from source. Empty: the ref the Action was called
#                         with (read from GITHUB_ACTION_PATH), else `source`.
#   FLOWGATE_ROOT         where to install: $FLOWGATE_ROOT/bin/flowgate (flowgate.exe on Windows).
#   RUNNER_OS, RUNNER_ARCH   as GitHub sets them (Linux|macOS|Windows, X64|ARM64). A pair with
#                         no release asset (e.g. Windows ARM64) builds from source.
#   FLOWGATE_RELEASE_URL  where releases live; default
#                         https://github.com/<owner>/<repo>/releases/download, the repository
#                         being FLOWGATE_REPOSITORY, else the Action's own (GITHUB_ACTION_PATH).
#                         Fetched: $FLOWGATE_RELEASE_URL/v<version>/flowgate-<target>.tar.gz
#                         (.zip on Windows) and <that URL>.sha256 (sha256sum format).
#   FLOWGATE_SOURCE_DIR   the checkout a source build compiles (default: this script's repository).
#   FLOWGATE_SOURCE_BUILD_CMD   replaces the source build, `cargo install --locked --path
#                         "$FLOWGATE_SOURCE_DIR" --root "$FLOWGATE_ROOT"`; run with bash, with
#                         FLOWGATE_ROOT and FLOWGATE_SOURCE_DIR exported. Tests use it so they
#                         do not compile flowgate for minutes.
#   FLOWGATE_CACHE_HIT    `true` when the cache restored $FLOWGATE_ROOT: keep the binary there.
#   GITHUB_OUTPUT         when set, receives `flowgate-version=<version>` (of the installed binary).
#
# Exit status: 0 installed; 1 anything else (checksum mismatch, download error, failed build),
# with a message that says what to do.
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

say() { printf 'flowgate-install: %s\n' "$*" >&2; }
notice() {
    if [ "${GITHUB_ACTIONS:-}" = true ]; then printf '::notice::%s\n' "$*" >&2; else say "$*"; fi
}
fail() {
    if [ "${GITHUB_ACTIONS:-}" = true ]; then printf '::error::%s\n' "$*" >&2; else say "error: $*"; fi
    exit 1
}

# The ref the Action was called with: GitHub checks actions out to _actions/<owner>/<repo>/<ref>.
# (github.action_ref is not reliably set inside composite actions.)
action_path_part() {
    # Windows runners give D:\a\_actions\owner\repo\ref.
    local path=${GITHUB_ACTION_PATH:-}
    path=${path//\\//}
    case "$path" in
        */_actions/*/*/*) ;;
        *) return 0 ;;
    esac
    local rest=${path#*/_actions/}
    local owner=${rest%%/*}
    rest=${rest#*/}
    local repo=${rest%%/*}
    local ref=${rest#*/}
    ref=${ref%%/*}
    case "$1" in
        repository) printf '%s/%s\n' "$owner" "$repo" ;;
        ref) printf '%s\n' "$ref" ;;
    esac
}

# Sets `version` (x.y.z, or empty for a source build) and `why` (why there is no release).
resolve_version() {
    local requested=${FLOWGATE_VERSION:-}
    if [ -z "$requested" ]; then
        requested=$(action_path_part ref)
        requested=${requested:-source}
    fi
    case "$requested" in
        *[!0-9A-Za-z._/+-]*) fail "invalid flowgate version \"$requested\": use a release such as 0.1.0, or source" ;;
    esac
    version=''
    why=''
    if [ "$requested" = source ]; then
        why='version "source" was asked for'
    elif [[ "$requested" =~ ^v?([0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.+-]+)?)$ ]]; then
        version=${BASH_REMATCH[1]}
    else
        why="\"$requested\" is not a release version (a branch, a commit or a major tag); pin a release such as 0.1.0 to download a binary"
    fi
}

# Sets `target` and `ext` for the runner, or leaves `target` empty (and says why).
resolve_target() {
    target=''
    ext=tar.gz
    exe=''
    case "${RUNNER_OS:-}/${RUNNER_ARCH:-}" in
        Linux/X64) target=x86_64-unknown-linux-musl ;;
        Linux/ARM64) target=aarch64-unknown-linux-musl ;;
        macOS/X64) target=x86_64-apple-darwin ;;
        macOS/ARM64) target=aarch64-apple-darwin ;;
        Windows/X64) target=x86_64-pc-windows-msvc ext=zip exe=.exe ;;
        *) why=${why:-"no release binary is built for RUNNER_OS=\"${RUNNER_OS:-}\" RUNNER_ARCH=\"${RUNNER_ARCH:-}\" (released: Linux, macOS and Windows on X64; Linux and macOS on ARM64)"} ;;
    esac
    case "${RUNNER_OS:-}" in
        Windows) exe=.exe ;;
    esac
}

sources_hash() {
    (cd "$source_dir" && find Cargo.toml Cargo.lock src -type f -print0 | LC_ALL=C sort -z \
        | xargs -0 sha256sum | sha256sum | cut -c1-16)
}

release_url() {
    if [ -n "${FLOWGATE_RELEASE_URL:-}" ]; then
        printf '%s\n' "${FLOWGATE_RELEASE_URL%/}"
        return
    fi
    local repository=${FLOWGATE_REPOSITORY:-$(action_path_part repository)}
    if [ -z "$repository" ]; then
        fail "cannot tell where flowgate's releases are: set FLOWGATE_RELEASE_URL (or FLOWGATE_REPOSITORY=owner/repo)"
    fi
    printf 'https://github.com/%s/releases/download\n' "$repository"
}

# download URL FILE: prints the HTTP status (000 when there was no answer).
download() {
    curl --silent --show-error --location --retry 3 --retry-delay 2 --connect-timeout 20 \
        --output "$2" --write-out '%{http_code}' "$1" || printf '000'
}

sha256_of() {
    if command -v sha256sum >/dev/null 2>&1; then
        sha256sum "$1" | cut -d' ' -f1
    else
        shasum -a 256 "$1" | cut -d' ' -f1
    fi
}

# Downloads, verifies and unpacks the release into $FLOWGATE_ROOT/bin. Sets `no_release=1`
# (and says why) when the release has no such asset (404), so that the caller builds from source.
install_release() {
    local base archive url status expected actual
    base=$(release_url)
    archive="flowgate-$target.$ext"
    url="$base/v$version/$archive"
    say "downloading $url"
    status=$(download "$url" "$tmp/$archive")
    case "$status" in
        200) ;;
        404)
            why="no release asset at $url (HTTP 404)"
            no_release=1
            return 0
            ;;
        000) fail "cannot download $url (no answer): check the runner's network, or set version: source" ;;
        *) fail "downloading $url failed with HTTP $status; re-run the job, or set version: source" ;;
    esac
    status=$(download "$url.sha256" "$tmp/$archive.sha256")
    if [ "$status" != 200 ]; then
        fail "no checksum file at $url.sha256 (HTTP $status): refusing to install a binary that cannot be verified"
    fi
    expected=$(head -n 1 "$tmp/$archive.sha256" | cut -d' ' -f1 | tr 'A-F' 'a-f')
    if ! [[ "$expected" =~ ^[0-9a-f]{64}$ ]]; then
        fail "the checksum file $url.sha256 is not in sha256sum format (\"<64 hex digits>  $archive\")"
    fi
    actual=$(sha256_of "$tmp/$archive")
    if [ "$actual" != "$expected" ]; then
        fail "checksum mismatch for $archive: expected $expected (from $url.sha256), got $actual. The download is corrupt or was altered; nothing was installed. Re-run the job; if it persists, report it."
    fi
    say "checksum verified: $actual"
    mkdir -p "$tmp/unpack"
    if [ "$ext" = zip ]; then
        if command -v unzip >/dev/null 2>&1; then
            unzip -q -o "$tmp/$archive" -d "$tmp/unpack" || fail "cannot unpack $archive"
        else
            7z x -y -o"$tmp/unpack" "$tmp/$archive" >/dev/null || fail "cannot unpack $archive"
        fi
    else
        tar -xzf "$tmp/$archive" -C "$tmp/unpack" || fail "cannot unpack $archive"
    fi
    if [ ! -f "$tmp/unpack/flowgate$exe" ]; then
        fail "$archive has no flowgate$exe at its root: the release is malformed; set version: source"
    fi
    mkdir -p "$FLOWGATE_ROOT/bin"
    mv -f "$tmp/unpack/flowgate$exe" "$bin"
    chmod +x "$bin"
}

install_source() {
    notice "building flowgate from source: $why"
    export FLOWGATE_ROOT FLOWGATE_SOURCE_DIR="$source_dir"
    if [ -n "${FLOWGATE_SOURCE_BUILD_CMD:-}" ]; then
        bash -c "$FLOWGATE_SOURCE_BUILD_CMD" || fail "the source build (FLOWGATE_SOURCE_BUILD_CMD) failed"
    else
        if ! command -v cargo >/dev/null 2>&1; then
            fail "cannot build flowgate from source: cargo is not installed. Add \`- uses: dtolnay/rust-toolchain@stable\` before this step, or use a release version (e.g. version: 0.1.0) on a runner that has release binaries."
        fi
        cargo install --locked --path "$source_dir" --root "$FLOWGATE_ROOT" \
            || fail "cargo install from $source_dir failed (see above)"
    fi
    if [ ! -f "$bin" ]; then
        fail "the source build did not produce $bin"
    fi
}

source_dir=${FLOWGATE_SOURCE_DIR:-$(cd "$script_dir/.." && pwd)}
resolve_version
resolve_target

if [ "${1:-}" = cache-key ]; then
    if [ -n "$version" ] && [ -n "$target" ]; then
        printf 'flowgate-%s-%s\n' "$version" "$target"
    else
        printf 'flowgate-source-%s-%s-%s\n' "${RUNNER_OS:-unknown}" "${RUNNER_ARCH:-unknown}" "$(sources_hash)"
    fi
    exit 0
elif [ $# -gt 0 ]; then
    fail "unknown argument \"$1\" (usage: action-install.sh [cache-key])"
fi

if [ -z "${FLOWGATE_ROOT:-}" ]; then
    fail "FLOWGATE_ROOT is not set: it names the folder that receives bin/flowgate"
fi
bin="$FLOWGATE_ROOT/bin/flowgate$exe"

if [ "${FLOWGATE_CACHE_HIT:-}" = true ] && [ -x "$bin" ]; then
    say "using the cached $bin"
else
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    no_release=1
    if [ -n "$version" ] && [ -n "$target" ]; then
        no_release=0
        install_release
    fi
    if [ "$no_release" = 1 ]; then
        install_source
    fi
fi

installed=$("$bin" --version 2>/dev/null | sed -n 's/^flowgate //p' | head -n 1) \
    || fail "$bin does not run (\`$bin --version\` failed)"
if [ -z "$installed" ]; then
    fail "$bin --version did not print \"flowgate <version>\""
fi
say "installed flowgate $installed at $bin"
if [ -n "${GITHUB_OUTPUT:-}" ]; then
    printf 'flowgate-version=%s\n' "$installed" >> "$GITHUB_OUTPUT"
fi
