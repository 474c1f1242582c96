//! The Action's install step, `scripts/action-install.sh`, against a fake release served from
//! 127.0.0.1: the archive is downloaded and its SHA-256 checked, a mismatch stops the install,
//! a missing release (404) or a runner with no release binary falls back to the source build.
//!
//! The archives are packed with the real `tar`/`zip` and hold a small stand-in executable that
//! answers `--version` as flowgate does (the debug binary is 150 MB: packing, hashing and
//! serving it took half a minute per test). The source build is replaced through
//! `FLOWGATE_SOURCE_BUILD_CMD` (it would compile for minutes).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use assert_fs::TempDir;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const VERSION: &str = env!("CARGO_PKG_VERSION");
const LINUX_X64: &str = "x86_64-unknown-linux-musl";

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/action-install.sh")
}

/// Writes the stand-in for the flowgate binary into `dir` and returns its path.
fn stand_in(dir: &Path, name: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(dir).expect("mkdir");
    let file = dir.join(name);
    std::fs::write(&file, format!("#!/bin/sh\necho 'flowgate {VERSION}'\n")).expect("write");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    file
}

fn run_tool(cmd: &mut Command) {
    let out = cmd.output().expect("tool runs");
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A release archive as the release workflow packs it: the binary at the root, README and
/// licenses beside it. `zip` packs a `.zip` holding `flowgate.exe`, as for Windows.
fn pack(tmp: &TempDir, zip: bool) -> Vec<u8> {
    let dir = tmp.path().join("pack");
    let exe = if zip { "flowgate.exe" } else { "flowgate" };
    stand_in(&dir, exe);
    for doc in ["README.md", "LICENSE-MIT", "LICENSE-APACHE"] {
        std::fs::copy(
            Path::new(env!("CARGO_MANIFEST_DIR")).join(doc),
            dir.join(doc),
        )
        .expect("copy a doc");
    }
    let archive = tmp.path().join(if zip { "a.zip" } else { "a.tar.gz" });
    if zip {
        run_tool(
            Command::new("zip")
                .current_dir(&dir)
                .args(["-q", "-r"])
                .arg(&archive)
                .args([exe, "README.md", "LICENSE-MIT", "LICENSE-APACHE"]),
        );
    } else {
        run_tool(
            Command::new("tar")
                .current_dir(&dir)
                .arg("-czf")
                .arg(&archive)
                .args([exe, "README.md", "LICENSE-MIT", "LICENSE-APACHE"]),
        );
    }
    std::fs::read(&archive).expect("read the archive")
}

/// `sha256sum` of `bytes`, in the format the release publishes: `<hex>  <name>`.
fn sha256_line(tmp: &TempDir, bytes: &[u8], name: &str) -> String {
    let file = tmp.path().join(name);
    std::fs::write(&file, bytes).expect("write");
    let out = Command::new("sha256sum")
        .current_dir(tmp.path())
        .arg(name)
        .output()
        .expect("sha256sum runs");
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Serves `bytes` and `checksum` as release `v<VERSION>`'s asset `name` (and `name.sha256`).
async fn serve(server: &MockServer, name: &str, bytes: Vec<u8>, checksum: String) {
    let asset = format!("/releases/download/v{VERSION}/{name}");
    Mock::given(method("GET"))
        .and(path(asset.as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(bytes))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{asset}.sha256").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_string(checksum))
        .mount(server)
        .await;
}

/// The script with a clean environment: only what a runner sets and the test chooses.
struct Install {
    tmp: TempDir,
    cmd: Command,
}

impl Install {
    fn new(server: Option<&MockServer>, os: &str, arch: &str, version: &str) -> Install {
        let tmp = TempDir::new().expect("tempdir");
        let mut cmd = Command::new("bash");
        cmd.arg(script())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", tmp.path())
            .env("TMPDIR", std::env::temp_dir())
            .env("RUNNER_OS", os)
            .env("RUNNER_ARCH", arch)
            .env("FLOWGATE_VERSION", version)
            .env("FLOWGATE_ROOT", tmp.path().join("root"))
            .env("GITHUB_OUTPUT", tmp.path().join("github_output"))
            // A source build in these tests is a failure unless the test allows it.
            .env(
                "FLOWGATE_SOURCE_BUILD_CMD",
                "echo 'unexpected source build' >&2; exit 97",
            );
        if let Some(server) = server {
            cmd.env(
                "FLOWGATE_RELEASE_URL",
                format!("{}/releases/download", server.uri()),
            );
        }
        Install { tmp, cmd }
    }

    /// Lets the source build "build" by copying the stand-in binary into place.
    fn with_fake_source_build(mut self) -> Install {
        let built = stand_in(&self.tmp.path().join("build"), "flowgate");
        self.cmd.env(
            "FLOWGATE_SOURCE_BUILD_CMD",
            format!(
                "mkdir -p \"$FLOWGATE_ROOT/bin\" && cp '{}' \"$FLOWGATE_ROOT/bin/flowgate\" \
                 && echo \"built from $FLOWGATE_SOURCE_DIR\" >&2",
                built.display()
            ),
        );
        self
    }

    fn run(&mut self) -> Output {
        self.cmd.output().expect("bash runs")
    }

    fn installed(&self, exe: &str) -> PathBuf {
        self.tmp.path().join("root/bin").join(exe)
    }

    fn github_output(&self) -> String {
        std::fs::read_to_string(self.tmp.path().join("github_output")).unwrap_or_default()
    }
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

async fn requested_paths(server: &MockServer) -> Vec<String> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .map(|r| r.url.path().to_string())
        .collect()
}

fn assert_runs_as_flowgate(bin: &Path) {
    let out = Command::new(bin).arg("--version").output().expect("runs");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("flowgate {VERSION}")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn release_archive_is_downloaded_verified_and_installed() {
    let server = MockServer::start().await;
    let tmp = TempDir::new().expect("tempdir");
    let name = format!("flowgate-{LINUX_X64}.tar.gz");
    let archive = pack(&tmp, false);
    let checksum = sha256_line(&tmp, &archive, &name);
    serve(&server, &name, archive, checksum).await;

    // `v0.1.0` and `0.1.0` name the same release.
    for version in [format!("v{VERSION}"), VERSION.to_string()] {
        let mut install = Install::new(Some(&server), "Linux", "X64", &version);
        let out = install.run();
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(
            stderr(&out).contains("checksum verified"),
            "{}",
            stderr(&out)
        );
        assert_runs_as_flowgate(&install.installed("flowgate"));
        assert_eq!(
            install.github_output(),
            format!("flowgate-version={VERSION}\n")
        );
    }
    let asset = format!("/releases/download/v{VERSION}/{name}");
    assert_eq!(
        requested_paths(&server).await,
        [
            asset.clone(),
            format!("{asset}.sha256"),
            asset.clone(),
            format!("{asset}.sha256")
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn windows_gets_the_zip_and_flowgate_exe() {
    let server = MockServer::start().await;
    let tmp = TempDir::new().expect("tempdir");
    let name = "flowgate-x86_64-pc-windows-msvc.zip";
    let archive = pack(&tmp, true);
    let checksum = sha256_line(&tmp, &archive, name);
    serve(&server, name, archive, checksum).await;

    let mut install = Install::new(Some(&server), "Windows", "X64", VERSION);
    let out = install.run();
    assert!(out.status.success(), "{}", stderr(&out));
    // The stand-in is not a Windows program, but it runs here under its Windows name.
    assert_runs_as_flowgate(&install.installed("flowgate.exe"));
    assert_eq!(
        install.github_output(),
        format!("flowgate-version={VERSION}\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checksum_mismatch_stops_the_install() {
    let server = MockServer::start().await;
    let tmp = TempDir::new().expect("tempdir");
    let name = format!("flowgate-{LINUX_X64}.tar.gz");
    let archive = pack(&tmp, false);
    // The checksum of other bytes: a corrupted or altered download.
    let checksum = sha256_line(&tmp, b"not the archive", &name);
    serve(&server, &name, archive, checksum.clone()).await;

    let mut install = Install::new(Some(&server), "Linux", "X64", VERSION);
    let out = install.run();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    let expected = checksum.split(' ').next().unwrap_or_default();
    assert!(
        err.contains(&format!(
            "checksum mismatch for {name}: expected {expected}"
        )),
        "{err}"
    );
    assert!(err.contains("nothing was installed"), "{err}");
    assert!(!install.installed("flowgate").exists());
    assert_eq!(install.github_output(), "");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_checksum_file_is_an_error_not_a_skip() {
    let server = MockServer::start().await;
    let tmp = TempDir::new().expect("tempdir");
    let name = format!("flowgate-{LINUX_X64}.tar.gz");
    Mock::given(method("GET"))
        .and(path(
            format!("/releases/download/v{VERSION}/{name}").as_str(),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(pack(&tmp, false)))
        .mount(&server)
        .await;

    let mut install = Install::new(Some(&server), "Linux", "X64", VERSION);
    let out = install.run();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("no checksum file at") && stderr(&out).contains("(HTTP 404)"),
        "{}",
        stderr(&out)
    );
    assert!(!install.installed("flowgate").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_such_release_falls_back_to_the_source_build() {
    let server = MockServer::start().await;
    let mut install = Install::new(Some(&server), "Linux", "X64", "9.9.9").with_fake_source_build();
    let out = install.run();
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "building flowgate from source: no release asset at {}/releases/download/v9.9.9/flowgate-{LINUX_X64}.tar.gz (HTTP 404)",
            server.uri()
        )),
        "{err}"
    );
    // The source is the script's own checkout.
    assert!(
        err.contains(&format!("built from {}", env!("CARGO_MANIFEST_DIR"))),
        "{err}"
    );
    assert_runs_as_flowgate(&install.installed("flowgate"));
    assert_eq!(
        install.github_output(),
        format!("flowgate-version={VERSION}\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runner_with_no_release_binary_builds_from_source_without_downloading() {
    let server = MockServer::start().await;
    let mut install =
        Install::new(Some(&server), "FreeBSD", "X64", VERSION).with_fake_source_build();
    let out = install.run();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "building flowgate from source: no release binary is built for RUNNER_OS=\"FreeBSD\" RUNNER_ARCH=\"X64\""
        ),
        "{}",
        stderr(&out)
    );
    assert!(requested_paths(&server).await.is_empty());
    assert_runs_as_flowgate(&install.installed("flowgate"));
}

#[test]
fn runner_with_no_release_binary_and_no_cargo_says_what_to_add() {
    let mut install = Install::new(None, "Windows", "ARM64", VERSION);
    install
        .cmd
        .env_remove("FLOWGATE_SOURCE_BUILD_CMD")
        // bash, curl and coreutils, but no cargo (it lives in ~/.cargo/bin).
        .env("PATH", "/usr/bin:/bin");
    let out = install.run();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("no release binary is built for RUNNER_OS=\"Windows\" RUNNER_ARCH=\"ARM64\""),
        "{err}"
    );
    assert!(
        err.contains("cannot build flowgate from source: cargo is not installed. Add `- uses: dtolnay/rust-toolchain@stable` before this step"),
        "{err}"
    );
}

#[test]
fn a_branch_ref_or_source_builds_from_source() {
    for (version, why) in [
        ("source", "version \"source\" was asked for"),
        ("main", "\"main\" is not a release version"),
        ("v0", "\"v0\" is not a release version"),
    ] {
        let mut install = Install::new(None, "Linux", "X64", version).with_fake_source_build();
        let out = install.run();
        assert!(out.status.success(), "{version}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(&format!("building flowgate from source: {why}")),
            "{version}: {}",
            stderr(&out)
        );
    }
}

#[test]
fn an_invalid_version_is_refused() {
    let mut install = Install::new(None, "Linux", "X64", "1.0; rm -rf /");
    let out = install.run();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(
            "invalid flowgate version \"1.0; rm -rf /\": use a release such as 0.1.0, or source"
        ),
        "{}",
        stderr(&out)
    );
}

#[test]
fn cache_key_names_the_release_and_target_or_the_sources() {
    let key = |version: &str, action_path: Option<&str>| {
        let mut install = Install::new(None, "Linux", "X64", version);
        install.cmd.arg("cache-key");
        if let Some(p) = action_path {
            install.cmd.env("GITHUB_ACTION_PATH", p);
        }
        let out = install.run();
        assert!(out.status.success(), "{}", stderr(&out));
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    assert_eq!(key("v0.1.0", None), format!("flowgate-0.1.0-{LINUX_X64}"));
    // No version given: the ref the Action was called with (its checkout folder).
    assert_eq!(
        key("", Some("/home/runner/work/_actions/acme/flowgate/v0.2.0")),
        format!("flowgate-0.2.0-{LINUX_X64}")
    );
    assert_eq!(
        key("", Some(r"D:\a\_actions\acme\flowgate\v0.2.0")),
        format!("flowgate-0.2.0-{LINUX_X64}")
    );
    let source = key("main", None);
    assert!(source.starts_with("flowgate-source-Linux-X64-"), "{source}");
    assert_eq!(source.len(), "flowgate-source-Linux-X64-".len() + 16);
}

#[test]
fn cached_binary_is_kept() {
    let mut install = Install::new(None, "Linux", "X64", VERSION);
    let bin = install.installed("flowgate");
    stand_in(bin.parent().expect("parent"), "flowgate");
    install.cmd.env("FLOWGATE_CACHE_HIT", "true");
    // No server: a download would fail.
    install
        .cmd
        .env("FLOWGATE_RELEASE_URL", "http://127.0.0.1:9/none");
    let out = install.run();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("using the cached"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        install.github_output(),
        format!("flowgate-version={VERSION}\n")
    );
}

/// The release workflow, the install script and `cargo binstall` agree on the asset names:
/// every target the workflow builds is one the script downloads for some runner, and the
/// archives are named `flowgate-<target>` with the README and licenses inside.
#[test]
fn release_workflow_publishes_what_the_installers_fetch() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join(".github/workflows/release.yml")).expect("read");
    let wf: serde_norway::Value = serde_norway::from_str(&text).expect("release.yml is YAML");
    let job = &wf["jobs"]["upload-assets"];
    let built: Vec<&str> = job["strategy"]["matrix"]["include"]
        .as_sequence()
        .expect("a target matrix")
        .iter()
        .filter_map(|m| m["target"].as_str())
        .collect();
    let steps = job["steps"].as_sequence().expect("steps");
    let upload = steps
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("taiki-e/upload-rust-binary-action@"))
        })
        .expect("the upload step");
    assert_eq!(upload["with"]["bin"].as_str(), Some("flowgate"));
    assert_eq!(upload["with"]["archive"].as_str(), Some("$bin-$target"));
    assert_eq!(
        upload["with"]["include"].as_str(),
        Some("README.md,LICENSE-MIT,LICENSE-APACHE")
    );
    for file in ["README.md", "LICENSE-MIT", "LICENSE-APACHE"] {
        assert!(root.join(file).is_file(), "{file} is missing");
    }
    assert!(
        text.contains("> \"$ARCHIVE.sha256\""),
        "no <archive>.sha256 step"
    );

    // The targets the script downloads, one per runner that has a release binary.
    let mut fetched = Vec::new();
    for (os, arch) in [
        ("Linux", "X64"),
        ("Linux", "ARM64"),
        ("macOS", "X64"),
        ("macOS", "ARM64"),
        ("Windows", "X64"),
    ] {
        let mut install = Install::new(None, os, arch, "1.2.3");
        install.cmd.arg("cache-key");
        let out = install.run();
        let key = String::from_utf8_lossy(&out.stdout).trim().to_string();
        let target = key
            .strip_prefix("flowgate-1.2.3-")
            .unwrap_or_else(|| panic!("{os}/{arch}: no release key: {key}"))
            .to_string();
        fetched.push(target);
    }
    let mut built_sorted: Vec<String> = built.iter().map(|s| s.to_string()).collect();
    built_sorted.sort();
    fetched.sort();
    assert_eq!(built_sorted, fetched);

    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).expect("read");
    assert!(manifest.contains(
        "pkg-url = \"{ repo }/releases/download/v{ version }/{ name }-{ target }{ archive-suffix }\""
    ));
}
