//! The deployment files, checked without the tools they are for (no Docker engine here).

use std::path::Path;

/// The paths a `cargo build --release --locked` of this package reads: the manifest, the lock
/// file, and every target's source (Cargo refuses a manifest whose declared bench is missing).
fn paths_the_build_needs(manifest: &toml::Table) -> Vec<String> {
    // `.cargo/config.toml` sets how the bundled SQLite is built (secure_delete).
    let mut needed = vec![
        "Cargo.toml".to_owned(),
        "Cargo.lock".to_owned(),
        ".cargo/config.toml".to_owned(),
    ];
    for (kind, folder) in [("bin", "src/bin"), ("bench", "benches"), ("test", "tests")] {
        for target in manifest
            .get(kind)
            .and_then(|t| t.as_array())
            .into_iter()
            .flatten()
        {
            let path = match (target.get("path"), target.get("name")) {
                (Some(path), _) => path.as_str().expect("a path").to_owned(),
                (None, Some(name)) => format!("{folder}/{}.rs", name.as_str().expect("a name")),
                (None, None) => continue,
            };
            needed.push(path);
        }
    }
    if let Some(lib) = manifest.get("lib").and_then(|l| l.get("path")) {
        needed.push(lib.as_str().expect("a path").to_owned());
    }
    needed
}

/// The sources of the `COPY` lines of one stage (flags and the destination left out).
fn copied(stage: &str) -> Vec<String> {
    stage
        .lines()
        .filter_map(|l| l.trim().strip_prefix("COPY "))
        .filter(|l| !l.starts_with("--from"))
        .flat_map(|l| {
            let words: Vec<&str> = l.split_whitespace().collect();
            words[..words.len() - 1]
                .iter()
                .map(|w| w.trim_end_matches('/').to_owned())
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn the_dockerfile_copies_every_path_the_release_build_and_the_image_need() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dockerfile =
        std::fs::read_to_string(root.join("deploy/Dockerfile")).expect("deploy/Dockerfile");
    let manifest: toml::Table = std::fs::read_to_string(root.join("Cargo.toml"))
        .expect("Cargo.toml")
        .parse()
        .expect("valid TOML");
    let (build, runtime) = dockerfile
        .split_once("\nFROM debian")
        .expect("a build stage, then the runtime stage");
    assert!(build.contains("cargo build --release --locked"), "{build}");

    let sources = copied(build);
    for needed in paths_the_build_needs(&manifest) {
        assert!(
            root.join(&needed).exists(),
            "Cargo.toml names {needed}, which is missing"
        );
        assert!(
            sources
                .iter()
                .any(|s| needed == *s || needed.starts_with(&format!("{s}/"))),
            "the build stage does not copy {needed} (it copies {sources:?})"
        );
    }
    // The image carries the response set the binary reads.
    assert!(
        copied(runtime).iter().any(|s| s == "responses"),
        "the runtime stage copies responses/"
    );
}

#[test]
fn the_unit_keeps_the_bots_memory_off_the_disk() {
    // A core dump or swapped page would hold decrypted messages, the passphrase and the token.
    // The process turns dumps off itself too; these cover what systemd would write.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let unit = std::fs::read_to_string(root.join("deploy/confidant.service")).expect("the unit");
    let service = unit
        .split("[Service]")
        .nth(1)
        .and_then(|rest| rest.split("\n[").next())
        .expect("a [Service] section");
    let settings: Vec<&str> = service.lines().map(str::trim).collect();
    for line in ["LimitCORE=0", "MemorySwapMax=0"] {
        assert!(settings.contains(&line), "[Service] lacks {line}");
    }
}

#[test]
fn room_keys_are_never_forwarded_automatically() {
    // Key forwarding would hand room keys to any device of the bot that asks; the bot has one
    // device and never needs it. matrix-sdk turns it on by default, so defaults stay off.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let manifest: toml::Table = std::fs::read_to_string(root.join("Cargo.toml"))
        .expect("Cargo.toml")
        .parse()
        .expect("valid TOML");
    let deps = manifest["dependencies"].as_table().expect("dependencies");
    for name in ["matrix-sdk", "matrix-sdk-base"] {
        let dep = deps[name].as_table().expect("a table");
        assert_eq!(
            dep.get("default-features").and_then(|v| v.as_bool()),
            Some(false),
            "{name} keeps its default features off"
        );
    }
    for (name, dep) in deps {
        let features = dep.get("features").and_then(|f| f.as_array());
        assert!(
            !features
                .into_iter()
                .flatten()
                .any(|f| f.as_str() == Some("automatic-room-key-forwarding")),
            "{name} turns on automatic-room-key-forwarding"
        );
    }
}
