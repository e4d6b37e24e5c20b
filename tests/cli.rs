//! Command-line integration tests: run the built `sonde` binary (directly and through
//! `fusioninventory-*` symlinks) and check help, exit codes and messages.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

const SONDE: &str = env!("CARGO_BIN_EXE_sonde");

/// A scratch directory removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("sonde-cli-{tag}-{}-{n}", std::process::id()));
        if dir.exists() {
            std::fs::remove_dir_all(&dir).expect("remove old scratch dir");
        }
        std::fs::create_dir_all(&dir).expect("create scratch dir");
        TempDir(dir)
    }

    /// A symlink named `name` in the directory, pointing at the sonde binary.
    fn link(&self, name: &str) -> PathBuf {
        let path = self.0.join(name);
        std::os::unix::fs::symlink(SONDE, &path).expect("symlink to sonde");
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if let Err(e) = std::fs::remove_dir_all(&self.0) {
            eprintln!("cannot remove {}: {e}", self.0.display());
        }
    }
}

/// Runs a program with arguments; stdin is closed and `RUST_LOG` unset.
fn run<S: AsRef<OsStr>>(program: impl AsRef<Path>, args: &[S]) -> Output {
    Command::new(program.as_ref())
        .args(args)
        .env_remove("RUST_LOG")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run the program")
}

fn sonde(args: &[&str]) -> Output {
    run(SONDE, args)
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Options each subcommand's `--help` must list.
const OPTIONS: [(&str, &[&str]); 8] = [
    (
        "netdiscovery",
        &[
            "--first",
            "--last",
            "--range",
            "--exclude",
            "--file",
            "--port",
            "--protocol",
            "--community",
            "--credentials",
            "--timeout",
            "--retries",
            "--probes",
            "--threads",
            "--rate",
            "--entity",
            "-i, --inventory",
            "--format",
            "--control",
            "-s, --save",
            "--quiet",
            "--debug",
        ],
    ),
    (
        "netinventory",
        &[
            "--host",
            "--file",
            "--port",
            "--protocol",
            "--community",
            "--credentials",
            "--timeout",
            "--retries",
            "--type",
            "--id",
            "--model",
            "--mibs",
            "--threads",
            "--control",
            "-s, --save",
            "--format",
            "--debug",
        ],
    ),
    (
        "inventory",
        &[
            "--scan-homedirs",
            "--scan-profiles",
            "--html",
            "--no-category",
            "-t, --tag",
            "--backend-collect-timeout",
            "--additional-content",
            "--json",
            "--output",
            "--list-categories",
            "--debug",
        ],
    ),
    (
        "agent",
        &[
            "-s, --server",
            "-l, --local",
            "--delaytime",
            "--lazy",
            "--no-task",
            "--tasks",
            "--proxy",
            "-u, --user",
            "-p, --password",
            "--ca-cert-dir",
            "--ca-cert-file",
            "--no-ssl-check",
            "--ssl-fingerprint",
            "-C, --no-compression",
            "--timeout",
            "--no-httpd",
            "--httpd-ip",
            "--httpd-port",
            "--httpd-trust",
            "--logger",
            "--logfile",
            "--tag",
            "--debug",
            "--conf-file",
            "-d, --daemon",
            "--no-fork",
            "--pidfile",
            "-w, --wait",
            "--list-tasks",
            "-f, --force",
            "--vardir",
            "--json",
            "--validate",
        ],
    ),
    (
        "inject",
        &[
            "-f, --file",
            "-d, --directory",
            "-R, --recursive",
            "--stdin",
            "-u, --url",
            "-r, --remove",
            "-v, --verbose",
            "--useragent",
            "-x, --xml-ua",
            "--no-ssl-check",
            "-C, --no-compression",
        ],
    ),
    (
        "capture",
        &[
            "--host",
            "--port",
            "--community",
            "--credentials",
            "--output",
            "--anonymize",
            "--root",
            "--timeout",
            "--retries",
            "--max-repetitions",
            "--debug",
        ],
    ),
    (
        "simulate",
        &["--walk", "--listen", "--community", "--debug"],
    ),
    (
        "wakeonlan",
        &["--mac", "--methods", "--broadcast", "--port", "--debug"],
    ),
];

/// FusionInventory link names and the subcommand each one runs.
const LINKS: [(&str, &str); 6] = [
    ("netdiscovery", "netdiscovery"),
    ("netinventory", "netinventory"),
    ("inventory", "inventory"),
    ("injector", "inject"),
    ("agent", "agent"),
    ("wakeonlan", "wakeonlan"),
];

#[test]
fn help_of_each_subcommand_lists_its_options() {
    for (sub, options) in OPTIONS {
        let out = sonde(&[sub, "--help"]);
        assert!(out.status.success(), "{sub} --help: {}", stderr(&out));
        let help = stdout(&out);
        assert!(help.contains(&format!("Usage: sonde {sub}")), "{help}");
        for option in options {
            assert!(
                help.contains(option),
                "{sub} --help lacks {option}:\n{help}"
            );
        }
    }
}

#[test]
fn capture_and_simulate_help_show_their_defaults() {
    let help = stdout(&sonde(&["capture", "--help"]));
    for default in [
        "[default: 161]",
        "[default: .1]",
        "[default: 2]",
        "[default: 25]",
    ] {
        assert!(
            help.contains(default),
            "capture --help lacks {default}:\n{help}"
        );
    }
    let help = stdout(&sonde(&["simulate", "--help"]));
    for default in ["[default: 127.0.0.1:1161]", "[default: public]"] {
        assert!(
            help.contains(default),
            "simulate --help lacks {default}:\n{help}"
        );
    }
}

#[test]
fn top_level_help_lists_every_subcommand() {
    let out = sonde(&["--help"]);
    assert!(out.status.success());
    let help = stdout(&out);
    for (sub, _) in OPTIONS {
        assert!(help.contains(sub), "--help lacks {sub}:\n{help}");
    }
}

#[test]
fn version_prints_name_and_version() {
    let expected = format!("sonde {}\n", env!("CARGO_PKG_VERSION"));
    for argv in [&["--version"][..], &["-V"], &["netdiscovery", "--version"]] {
        let out = sonde(argv);
        assert!(out.status.success(), "{argv:?}");
        assert_eq!(stdout(&out), expected, "{argv:?}");
    }
}

#[test]
fn usage_errors_exit_2() {
    let cases: [&[&str]; 10] = [
        &[],
        &["frobnicate"],
        &["netdiscovery", "--range", "127.0.0.0/24", "--bogus"],
        &["netdiscovery"],
        &["netdiscovery", "--range", "127.0.0.0/33"],
        &["netdiscovery", "--first", "127.0.0.1"],
        &[
            "netdiscovery",
            "--range",
            "127.0.0.0/24",
            "--format",
            "yaml",
        ],
        &["netinventory", "--host", "h", "--credentials", "version:3"],
        &["capture"],
        &["inject", "--stdin"],
    ];
    for argv in cases {
        let out = sonde(argv);
        assert_eq!(out.status.code(), Some(2), "{argv:?}");
        let err = stderr(&out);
        assert!(
            err.contains("error:") || err.contains("Usage:"),
            "{argv:?}: {err}"
        );
        assert!(!err.contains("not yet implemented"), "{argv:?}: {err}");
    }
}

#[test]
fn bad_credentials_are_explained() {
    let out = sonde(&[
        "capture",
        "--host",
        "127.0.0.1",
        "--credentials",
        "version:3,username:u,privprotocol:aes,privpassphrase:s3cr3tpass",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("privacy needs authentication"), "{err}");
    assert!(!err.contains("s3cr3tpass"), "{err}");
}

#[test]
fn link_help_equals_subcommand_help() {
    let dir = TempDir::new("help");
    for (tool, sub) in LINKS {
        for name in [format!("fusioninventory-{tool}"), tool.to_owned()] {
            let link = dir.link(&name);
            let out = run(&link, &["--help"]);
            assert!(out.status.success(), "{name} --help: {}", stderr(&out));
            let via_link = stdout(&out);
            assert!(via_link.contains(&format!("Usage: {name} ")), "{via_link}");
            let direct = stdout(&sonde(&[sub, "--help"]));
            assert_eq!(
                via_link.replace(&format!("Usage: {name} "), &format!("Usage: sonde {sub} ")),
                direct,
                "{name}"
            );
        }
    }
}

#[test]
fn links_run_their_subcommand() {
    let dir = TempDir::new("run");
    for (tool, sub) in LINKS {
        let link = dir.link(&format!("fusioninventory-{tool}"));
        if let Some(query) = match sub {
            "netdiscovery" => Some("NETDISCOVERY"),
            "netinventory" => Some("SNMPQUERY"),
            _ => None,
        } {
            let walk = crate::util::walk_paths().into_iter().next().unwrap();
            let out = run(&link, &["--file", walk.to_str().unwrap()]);
            assert_eq!(out.status.code(), Some(0), "{tool}: {}", stderr(&out));
            assert!(stdout(&out).contains(&format!("<QUERY>{query}</QUERY>")));
            continue;
        }
        if sub == "inject" {
            // Nothing to send on stdin: an empty document, said on stderr, exit 1.
            let out = run(&link, &["--stdin", "--url", "http://127.0.0.1:9/"]);
            assert_eq!(out.status.code(), Some(1), "{tool}: {}", stderr(&out));
            assert!(
                stderr(&out).contains("ERROR: stdin: empty document"),
                "{}",
                stderr(&out)
            );
            continue;
        }
        if sub == "wakeonlan" {
            // To a listener on loopback, never the real broadcast address.
            let listener = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
            listener
                .set_read_timeout(Some(std::time::Duration::from_secs(5)))
                .unwrap();
            let port = listener.local_addr().unwrap().port().to_string();
            let out = run(
                &link,
                &[
                    "--mac",
                    "00:1a:2b:3c:4d:5e",
                    "--methods",
                    "udp",
                    "--broadcast",
                    "127.0.0.1",
                    "--port",
                    &port,
                ],
            );
            assert_eq!(out.status.code(), Some(0), "{tool}: {}", stderr(&out));
            let mut buf = [0u8; 512];
            assert_eq!(listener.recv_from(&mut buf).unwrap().0, 102);
            continue;
        }
        if sub == "inventory" {
            let vardir = dir.0.join("state");
            let out = run(&link, &["--vardir", vardir.to_str().unwrap()]);
            assert_eq!(out.status.code(), Some(0), "{tool}: {}", stderr(&out));
            assert!(stdout(&out).contains("<QUERY>INVENTORY</QUERY>"));
            continue;
        }
        assert_eq!(sub, "agent");
        let out = run(&link, &agent_status_args(&dir));
        assert_eq!(out.status.code(), Some(0), "{tool}: {}", stderr(&out));
        assert_eq!(stdout(&out), AGENT_STATUS);
    }
}

/// `agent --status` of a server never contacted (reads the state directory only).
fn agent_status_args(dir: &TempDir) -> Vec<String> {
    [
        "--status",
        "--config",
        "none",
        "--server",
        "http://127.0.0.1:9/",
        "--vardir",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .chain([dir.0.join("status-var").display().to_string()])
    .collect()
}

const AGENT_STATUS: &str = "server http://127.0.0.1:9/\n  next contact: never contacted (due at the next run)\n  spool: empty\n";

#[test]
fn fusioninventory_command_lines_are_accepted() {
    let dir = TempDir::new("fi");
    let cases: [(&str, &[&str]); 6] = [
        (
            "fusioninventory-netdiscovery",
            &[
                "--first",
                "127.0.0.1",
                "--last",
                "127.0.0.254",
                "--community",
                "public",
                "--threads",
                "20",
                "--timeout",
                "1",
            ],
        ),
        (
            "fusioninventory-netdiscovery",
            &[
                "--first=127.0.0.1",
                "--last=127.0.0.254",
                "--credentials",
                "version:2c,community:public",
                "--credentials",
                "version:3,username:glpi,authprotocol:sha,authpassword:authpass,privprotocol:aes,privpassword:privpass",
                "--port",
                "161,1161",
                "--protocol",
                "udp/ipv4",
                "--entity",
                "0",
                "--control",
                "-s",
                "SAVE_DIR",
                "--debug",
                "--debug",
            ],
        ),
        (
            "fusioninventory-netdiscovery",
            &[
                "-first",
                "127.0.0.1",
                "-last",
                "127.0.0.9",
                "--comm",
                "public",
            ],
        ),
        (
            "fusioninventory-netinventory",
            &[
                "--host",
                "127.0.0.1,127.0.0.2",
                "--community",
                "public",
                "--type",
                "networking",
                "--model",
                "x",
                "--threads",
                "4",
                "--timeout",
                "15",
            ],
        ),
        (
            "fusioninventory-injector",
            &[
                "-v",
                "-R",
                "-d",
                "INJECT_DIR",
                "-u",
                "https://glpi/plugins/fusioninventory/",
                "-r",
                "-x",
                "-C",
            ],
        ),
        (
            "fusioninventory-agent",
            &[
                "--server",
                // Nothing listens on the discard port: refused at once, no name to resolve.
                "http://127.0.0.1:9/",
                "--vardir",
                "VAR_DIR",
                "--no-ssl-check",
                "--tag",
                "paris",
                "--lazy",
                "--no-category",
                "printer,software",
                "--logger",
                "stderr,file",
                "--logfile",
                "/var/log/fi.log",
                "--debug",
            ],
        ),
    ];
    let save = dir.0.join("save");
    // An empty directory: the injector runs for real and has nothing to send (no network).
    let inject_dir = dir.0.join("inject");
    let var_dir = dir.0.join("var");
    std::fs::create_dir_all(&inject_dir).unwrap();
    for (name, args) in cases {
        let link = dir.0.join(name);
        if !link.exists() {
            dir.link(name);
        }
        let args: Vec<&str> = args
            .iter()
            .map(|a| {
                if *a == "SAVE_DIR" {
                    save.to_str().unwrap()
                } else if *a == "INJECT_DIR" {
                    inject_dir.to_str().unwrap()
                } else if *a == "VAR_DIR" {
                    var_dir.to_str().unwrap()
                } else {
                    a
                }
            })
            .collect();
        let out = run(&link, &args);
        let err = stderr(&out);
        assert!(!err.contains("error:"), "{name} {args:?}: {err}");
        if name.ends_with("netdiscovery") {
            // Runs for real, on loopback (no resolver is asked about loopback addresses).
            assert_eq!(out.status.code(), Some(0), "{name} {args:?}: {err}");
            continue;
        }
        if name.ends_with("injector") {
            assert_eq!(out.status.code(), Some(0), "{name} {args:?}: {err}");
            continue;
        }
        if name.ends_with("netinventory") {
            // Runs for real: nothing answers SNMP on 127.0.0.1-2:161, so each host gets its
            // error device and the exit code says that some failed.
            assert_eq!(out.status.code(), Some(1), "{name} {args:?}: {err}");
            assert_eq!(
                stdout(&out).matches("<ERROR>").count(),
                2,
                "{}",
                stdout(&out)
            );
            continue;
        }
        // The agent runs for real: the server is down, said in one line, exit 1.
        assert!(name.ends_with("agent"), "{name}");
        assert_eq!(out.status.code(), Some(1), "{name} {args:?}: {err}");
        assert!(
            err.contains("http://127.0.0.1:9/: connection refused"),
            "{name} {args:?}: {err}"
        );
    }
}

#[test]
fn link_usage_errors_name_the_link() {
    let dir = TempDir::new("err");
    let link = dir.link("fusioninventory-netdiscovery");
    let out = run(
        &link,
        &["--first", "127.0.0.1", "--last", "127.0.0.2", "--bogus"],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("--bogus"), "{err}");
    assert!(
        err.contains("Usage: fusioninventory-netdiscovery [OPTIONS]"),
        "{err}"
    );
    let out = run(&link, &["--version"]);
    assert_eq!(
        stdout(&out),
        format!("sonde {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn other_link_names_behave_as_sonde() {
    let dir = TempDir::new("other");
    let link = dir.link("fusioninventory-esx");
    let mut args = vec!["agent".to_owned()];
    args.extend(agent_status_args(&dir));
    let out = run(&link, &args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), AGENT_STATUS);
}

/// Runs `sonde` with extra environment variables.
fn sonde_env(args: &[&str], vars: &[(&str, &str)]) -> Output {
    Command::new(SONDE)
        .args(args)
        .envs(vars.iter().copied())
        .env_remove("RUST_LOG")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run sonde")
}

#[test]
fn agent_validate_accepts_a_good_configuration() {
    let dir = TempDir::new("validate-ok");
    let cfg = dir.0.join("agent.cfg");
    std::fs::write(
        &cfg,
        "server = https://glpi.example.com/\nno-ssl-check = no\nfrobnicate = 1\n",
    )
    .unwrap();
    let out = sonde(&["agent", "--validate", "--conf-file", cfg.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "configuration OK\n");
    assert_eq!(
        stderr(&out),
        format!(
            "sonde: warning: {}:3: unknown configuration directive \"frobnicate\", ignored\n",
            cfg.display()
        )
    );
    // The same through the FusionInventory name, with no file at all.
    let link = dir.link("fusioninventory-agent");
    let out = run(
        &link,
        &[
            "--validate",
            "--config",
            "none",
            "--local",
            "/tmp",
            "--daemon",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "configuration OK\n");
    assert_eq!(stderr(&out), "");
}

#[test]
fn agent_validate_reports_every_error_and_exits_2() {
    let dir = TempDir::new("validate-bad");
    let cfg = dir.0.join("agent.cfg");
    std::fs::write(
        &cfg,
        "server = https://glpi.example.com/\nno-ssl-check = maybe\ntimeout = soon\n",
    )
    .unwrap();
    let out = sonde(&["agent", "--validate", "--conf-file", cfg.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stdout(&out), "");
    let path = cfg.display();
    assert_eq!(
        stderr(&out),
        format!(
            "sonde: error: {path}:2: no-ssl-check = \"maybe\": not a boolean: use yes/no, \
             true/false, on/off or 1/0\n\
             sonde: error: {path}:3: timeout = \"soon\": not a whole number in range\n"
        )
    );
    // A command-line value replaces the file's: only the boolean is left wrong.
    let out = sonde(&[
        "agent",
        "--validate",
        "--conf-file",
        cfg.to_str().unwrap(),
        "--timeout",
        "30",
        "--no-ssl-check",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // A missing --conf-file, the registry, no target.
    let missing = dir.0.join("missing.cfg");
    for (args, message) in [
        (
            vec!["--conf-file", missing.to_str().unwrap(), "--local", "-"],
            format!(
                "sonde: error: cannot read configuration file {}: No such file or directory (os error 2)\n",
                missing.display()
            ),
        ),
        (
            vec!["--config", "registry", "--local", "-"],
            "sonde: error: --config registry: the Windows registry is not available on this \
             system\n"
                .to_owned(),
        ),
        (
            vec!["--config", "none"],
            "sonde: error: no target: give --server URL and/or --local PATH\n".to_owned(),
        ),
    ] {
        let mut argv = vec!["agent", "--validate"];
        argv.extend(args);
        let out = sonde(&argv);
        assert_eq!(out.status.code(), Some(2), "{argv:?}");
        assert_eq!(stderr(&out), message, "{argv:?}");
        assert_eq!(stdout(&out), "", "{argv:?}");
    }
}

#[test]
fn agent_environment_sits_between_file_and_command_line() {
    let dir = TempDir::new("env");
    let cfg = dir.0.join("agent.cfg");
    std::fs::write(&cfg, "local = -\nno-ssl-check = yes\n").unwrap();
    let args = ["agent", "--validate", "--conf-file", cfg.to_str().unwrap()];
    let out = sonde_env(&args, &[("SONDE_NO_SSL_CHECK", "perhaps")]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "sonde: error: environment variable SONDE_NO_SSL_CHECK: no-ssl-check = \"perhaps\": \
         not a boolean: use yes/no, true/false, on/off or 1/0\n"
    );
    let mut with_flag = args.to_vec();
    with_flag.push("--no-ssl-check");
    let out = sonde_env(&with_flag, &[("SONDE_NO_SSL_CHECK", "perhaps")]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = sonde_env(&args, &[("SONDE_DAEMON", "1")]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        "sonde: warning: environment variable SONDE_DAEMON: daemon is a command-line option, \
         ignored here\n"
    );
}

#[test]
fn agent_runs_from_its_configuration_file() {
    let dir = TempDir::new("cfgrun");
    let out_dir = dir.0.join("out");
    std::fs::create_dir_all(&out_dir).unwrap();
    let cfg = dir.0.join("agent.cfg");
    std::fs::write(
        &cfg,
        format!(
            "local = '{}'\nvardir = {}\njson = yes\nno-category = software, process\n",
            out_dir.display(),
            dir.0.join("state").display()
        ),
    )
    .unwrap();
    let out = sonde(&["agent", "--conf-file", cfg.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let deviceid = std::fs::read_to_string(dir.0.join("state/deviceid")).unwrap();
    let doc: serde_json::Value = serde_json::from_slice(
        &std::fs::read(out_dir.join(format!("{}.json", deviceid.trim()))).unwrap(),
    )
    .unwrap();
    assert_eq!(doc["deviceid"].as_str(), Some(deviceid.trim()));
    assert!(doc["content"].get("softwares").is_none());
    // A bad file stops the agent before it runs: exit 2, nothing written.
    std::fs::write(
        &cfg,
        format!("local = '{}'\nforce = maybe\n", out_dir.display()),
    )
    .unwrap();
    let out = sonde(&["agent", "--conf-file", cfg.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(":2: force = \"maybe\""),
        "{}",
        stderr(&out)
    );
}
