//! `deploy/`: every sonde command line of the systemd units, the cron example and the container
//! recipe is accepted by this sonde (run with `--validate` against the sample `agent.cfg`);
//! the units run unprivileged with only CAP_NET_RAW and the hardening options; the Debian
//! package's assets exist.

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(repo().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The arguments after `/usr/bin/sonde` in a command line (shell redirections dropped).
fn sonde_args(line: &str) -> Vec<String> {
    let start = line.find("/usr/bin/sonde ").expect("a sonde command") + "/usr/bin/sonde ".len();
    line[start..]
        .split_whitespace()
        .take_while(|w| !w.starts_with('>') && !w.starts_with("2>"))
        .map(str::to_owned)
        .collect()
}

/// Runs `args` plus `--validate` with the sample configuration in place of /etc/sonde/agent.cfg
/// and a server from the environment (no network is used).
fn validate(what: &str, args: &[String]) {
    let sample = repo().join("deploy/agent.cfg");
    let args: Vec<String> = args
        .iter()
        .map(|a| {
            if a == "/etc/sonde/agent.cfg" {
                sample.display().to_string()
            } else {
                a.clone()
            }
        })
        .filter(|a| a != "--validate")
        .collect();
    let out = Command::new(env!("CARGO_BIN_EXE_sonde"))
        .args(&args)
        .arg("--validate")
        .env("SONDE_SERVER", "https://glpi.example.com/")
        .env_remove("RUST_LOG")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{what}: sonde {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "configuration OK\n");
}

#[test]
fn every_deployed_command_line_is_valid() {
    let mut seen = 0;
    for unit in [
        "deploy/systemd/sonde.service",
        "deploy/systemd/sonde-agent.service",
    ] {
        for line in read(unit).lines() {
            if line.starts_with("ExecStart=") || line.starts_with("ExecStartPre=") {
                validate(unit, &sonde_args(line));
                seen += 1;
            }
        }
    }
    for line in read("deploy/cron/sonde").lines() {
        if !line.starts_with('#') && line.contains("/usr/bin/sonde") {
            validate("cron", &sonde_args(line));
            seen += 1;
        }
    }
    let dockerfile = read("deploy/container/Dockerfile");
    let cmd = dockerfile
        .lines()
        .find(|l| l.starts_with("CMD "))
        .expect("a CMD");
    let args: Vec<String> = serde_json::from_str(&cmd["CMD ".len()..]).unwrap();
    validate("Dockerfile", &args);
    seen += 1;
    assert_eq!(seen, 6);
}

#[test]
fn units_run_unprivileged_with_only_cap_net_raw() {
    for unit in [
        "deploy/systemd/sonde.service",
        "deploy/systemd/sonde-agent.service",
    ] {
        let text = read(unit);
        for line in [
            "User=sonde",
            "AmbientCapabilities=CAP_NET_RAW",
            "CapabilityBoundingSet=CAP_NET_RAW",
            "NoNewPrivileges=yes",
            "ProtectSystem=strict",
            "ProtectHome=yes",
            "PrivateTmp=yes",
            "StateDirectory=sonde",
        ] {
            assert!(text.lines().any(|l| l == line), "{unit} lacks {line}");
        }
        assert!(text.contains("ExecStartPre=/usr/bin/sonde agent --validate"));
    }
    let timer = read("deploy/systemd/sonde-agent.timer");
    assert!(timer.lines().any(|l| l.starts_with("RandomizedDelaySec=")));
    let dockerfile = read("deploy/container/Dockerfile");
    assert!(dockerfile.lines().any(|l| l == "USER sonde"));
}

#[test]
fn the_debian_package_assets_exist() {
    let manifest: toml::Value = toml::from_str(&read("Cargo.toml")).unwrap();
    let deb = &manifest["package"]["metadata"]["deb"];
    let assets = deb["assets"].as_array().unwrap();
    assert!(!assets.is_empty());
    for asset in assets {
        let source = asset[0].as_str().unwrap();
        if source.starts_with("target/") {
            continue;
        }
        assert!(repo().join(source).is_file(), "missing asset {source}");
    }
    let scripts = repo().join(deb["maintainer-scripts"].as_str().unwrap());
    for script in ["postinst", "prerm"] {
        let text = std::fs::read_to_string(scripts.join(script)).unwrap();
        assert!(text.contains("#DEBHELPER#"), "{script}");
        assert!(text.starts_with("#!/bin/sh\n"), "{script}");
        // The shell can parse it.
        let ok = Command::new("sh")
            .arg("-n")
            .arg(scripts.join(script))
            .status()
            .unwrap()
            .success();
        assert!(ok, "sh -n {script}");
    }
    let units = repo().join(deb["systemd-units"]["unit-scripts"].as_str().unwrap());
    assert!(Path::new(&units).join("sonde.service").is_file());
}
