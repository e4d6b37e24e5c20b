//! Tests of the configuration as a whole: files and includes, strict types, the precedence of
//! file < environment < command line, the task plan, the run it gives, and the sample
//! `deploy/agent.cfg`.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use super::*;
use crate::transport::Compression;

/// A scratch directory removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("sonde-config-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    /// Writes `text` to `name` (folders created), readable by its owner only (as a file holding
    /// secrets should be), and returns its path.
    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        chmod(&path, 0o600);
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn no_env() -> Vec<(String, String)> {
    Vec::new()
}

fn env(vars: &[(&str, &str)]) -> Vec<(String, String)> {
    vars.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// Loads `text` as the only file.
fn load_text(text: &str) -> (TempDir, Result<Loaded, LoadError>) {
    let dir = TempDir::new("text");
    let path = dir.write("agent.cfg", text);
    let loaded = Settings::load(&Source::File(path), no_env(), &Layer::new());
    (dir, loaded)
}

fn settings(text: &str) -> Settings {
    let (_dir, loaded) = load_text(text);
    match loaded {
        Ok(l) => {
            assert_eq!(l.warnings, [], "{text}");
            l.settings
        }
        Err(e) => panic!("{text}: {e}"),
    }
}

/// The error messages of a file that must not load, with the file's folder shown as `DIR`.
fn errors(text: &str) -> Vec<String> {
    let (dir, loaded) = load_text(text);
    match loaded {
        Ok(l) => panic!("{text}: loaded as {:?}", l.settings),
        Err(e) => e
            .errors
            .iter()
            .map(|e| e.to_string().replace(&dir.0.display().to_string(), "DIR"))
            .collect(),
    }
}

fn warnings(loaded: &Loaded, dir: &TempDir) -> Vec<String> {
    loaded
        .warnings
        .iter()
        .map(|w| w.to_string().replace(&dir.0.display().to_string(), "DIR"))
        .collect()
}

fn urls(s: &Settings) -> Vec<String> {
    s.server.iter().map(ToString::to_string).collect()
}

#[test]
fn a_file_with_quotes_comments_and_blank_lines() {
    let s = settings(
        "# sonde\n\
         \n\
         server = glpi.example.com,  https://glpi2/front/inventory.php\n\
         local = '/tmp/with space, -'\n\
         tag = \"paris # 3rd floor\"   # the site\n\
         \x20 timeout=30\r\n\
         password = 'p#ss'\n\
         user = bob # admin\n",
    );
    assert_eq!(
        urls(&s),
        [
            "http://glpi.example.com/",
            "https://glpi2/front/inventory.php"
        ]
    );
    assert_eq!(s.local, ["/tmp/with space", "-"]);
    assert_eq!(s.tag.as_deref(), Some("paris # 3rd floor"));
    assert_eq!(s.timeout, Duration::from_secs(30));
    assert_eq!(s.password.as_deref(), Some("p#ss"));
    assert_eq!(s.user.as_deref(), Some("bob"));
}

#[test]
fn a_later_line_wins() {
    let s = settings("tag = a\ntag = b\n");
    assert_eq!(s.tag.as_deref(), Some("b"));
}

#[test]
fn bad_lines_name_file_and_line() {
    assert_eq!(
        errors("tag = a\nserver http://glpi/\ntag = \"open\n"),
        [
            "DIR/agent.cfg:2: syntax error, expected `key = value` or `include \"path\"`: \
             \"server http://glpi/\"",
            "DIR/agent.cfg:3: syntax error, missing closing quote: \"tag = \\\"open\""
        ]
    );
}

#[test]
fn unknown_and_command_line_keys_are_warnings() {
    let (dir, loaded) = load_text("bogus = 1\ndaemon = 1\nwait = 5\ntag = x\n");
    let loaded = loaded.unwrap();
    assert_eq!(
        warnings(&loaded, &dir),
        [
            "DIR/agent.cfg:1: unknown configuration directive \"bogus\", ignored",
            "DIR/agent.cfg:2: daemon is a command-line option, ignored here",
            "DIR/agent.cfg:3: wait is a command-line option, ignored here"
        ]
    );
    assert_eq!(loaded.settings.tag.as_deref(), Some("x"));
}

#[test]
fn include_a_file_relative_to_the_including_one() {
    let dir = TempDir::new("incfile");
    dir.write("sub/other.cfg", "tag = from-other\ntimeout = 20\n");
    let main = dir.write(
        "agent.cfg",
        "tag = first\ninclude \"sub/other.cfg\"\ntimeout = 25\n",
    );
    let s = Settings::load(&Source::File(main), no_env(), &Layer::new())
        .unwrap()
        .settings;
    assert_eq!(s.tag.as_deref(), Some("from-other"));
    assert_eq!(s.timeout, Duration::from_secs(25));
}

#[test]
fn include_a_directory_reads_its_cfg_files_in_order() {
    let dir = TempDir::new("incdir");
    dir.write("conf.d/20-b.cfg", "tag = b\nhttpd-port = 2\n");
    dir.write("conf.d/10-a.cfg", "tag = a\ndelaytime = 1\n");
    dir.write("conf.d/30-c.txt", "tag = not-read\n");
    dir.write("conf.d/.hidden.cfg", "tag = hidden\n");
    let main = dir.write("etc/agent.cfg", "include = ../conf.d/\n");
    let loaded = Settings::load(&Source::File(main), no_env(), &Layer::new()).unwrap();
    assert_eq!(loaded.warnings, []);
    let s = loaded.settings;
    assert_eq!(s.tag.as_deref(), Some("b"));
    assert_eq!(s.httpd_port, 2);
    assert_eq!(s.delaytime, Duration::from_secs(1));
}

#[test]
fn include_an_absolute_path() {
    let dir = TempDir::new("incabs");
    let other = dir.write("x/other.cfg", "tag = abs\n");
    let main = dir.write("agent.cfg", &format!("include '{}'\n", other.display()));
    let s = Settings::load(&Source::File(main), no_env(), &Layer::new())
        .unwrap()
        .settings;
    assert_eq!(s.tag.as_deref(), Some("abs"));
}

#[test]
fn a_missing_include_is_a_warning() {
    let dir = TempDir::new("incmissing");
    let main = dir.write("agent.cfg", "include \"conf.d/\"\ntag = t\n");
    let loaded = Settings::load(&Source::File(main), no_env(), &Layer::new()).unwrap();
    assert_eq!(
        warnings(&loaded, &dir),
        ["DIR/agent.cfg:1: include DIR/conf.d: no such file or directory, skipped"]
    );
    assert_eq!(loaded.settings.tag.as_deref(), Some("t"));
}

#[test]
fn include_loops_are_errors() {
    let dir = TempDir::new("loop");
    dir.write("b.cfg", "tag = b\ninclude a.cfg\n");
    let main = dir.write("a.cfg", "include \"b.cfg\"\n");
    let e = Settings::load(&Source::File(main), no_env(), &Layer::new()).unwrap_err();
    let d = dir.0.display().to_string();
    assert_eq!(
        e.errors
            .iter()
            .map(|e| e.to_string().replace(&d, "DIR"))
            .collect::<Vec<_>>(),
        ["DIR/b.cfg:2: include loop: DIR/a.cfg -> DIR/b.cfg -> DIR/a.cfg"]
    );
    // A file including its own folder.
    let dir = TempDir::new("loopdir");
    let main = dir.write("c.cfg", "include .\n");
    let e = Settings::load(&Source::File(main), no_env(), &Layer::new()).unwrap_err();
    assert_eq!(
        e.to_string().replace(&dir.0.display().to_string(), "DIR"),
        "DIR/c.cfg:1: include loop: DIR/c.cfg -> DIR/c.cfg"
    );
}

#[test]
fn include_depth_is_bounded() {
    let dir = TempDir::new("depth");
    for i in 0..=MAX_INCLUDE_DEPTH {
        dir.write(&format!("f{i}.cfg"), &format!("include f{}.cfg\n", i + 1));
    }
    dir.write(&format!("f{}.cfg", MAX_INCLUDE_DEPTH + 1), "tag = deep\n");
    let e =
        Settings::load(&Source::File(dir.0.join("f0.cfg")), no_env(), &Layer::new()).unwrap_err();
    assert!(
        matches!(
            &e.errors[..],
            [ConfigError::IncludeDepth { max: MAX_INCLUDE_DEPTH, path, .. }]
                if path.ends_with(format!("f{MAX_INCLUDE_DEPTH}.cfg"))
        ),
        "{e}"
    );
}

#[test]
fn booleans_are_strict() {
    for (value, expected) in [
        ("1", true),
        ("yes", true),
        ("True", true),
        ("on", true),
        ("0", false),
        ("no", false),
        ("false", false),
        ("OFF", false),
        ("", false),
        ("''", false),
    ] {
        let s = settings(&format!("no-ssl-check = {value}\n"));
        assert_eq!(s.no_ssl_check, expected, "{value:?}");
    }
    assert_eq!(
        errors("tag = x\nno-ssl-check = maybe\n"),
        [
            "DIR/agent.cfg:2: no-ssl-check = \"maybe\": not a boolean: use yes/no, true/false, \
          on/off or 1/0"
        ]
    );
    // Perl truth would have made these true.
    for value in ["2", "y", "enabled", "-1"] {
        assert_eq!(errors(&format!("force = {value}\n")).len(), 1, "{value}");
    }
}

#[test]
fn typed_values_are_checked_and_every_error_reported() {
    let errors = errors(
        "server = ftp://glpi/\n\
         timeout = 0\n\
         delaytime = soon\n\
         httpd-port = 70000\n\
         httpd-ip = 10.0.0.300\n\
         ssl-fingerprint = zz\n\
         no-category = software,bogus\n\
         logger = stderr,mail\n\
         logfacility = LOG_NOPE\n\
         debug = 4\n\
         spool-max-files = 0\n\
         proxy = ://\n",
    );
    // In the order of the lines.
    assert_eq!(
        errors,
        [
            "DIR/agent.cfg:1: server = \"ftp://glpi/\": invalid protocol for URL \"ftp://glpi/\": \
             only http:// and https:// are supported",
            "DIR/agent.cfg:2: timeout = \"0\": must be at least 1",
            "DIR/agent.cfg:3: delaytime = \"soon\": not a whole number in range",
            "DIR/agent.cfg:4: httpd-port = \"70000\": not a whole number in range",
            "DIR/agent.cfg:5: httpd-ip = \"10.0.0.300\": not an IP address",
            "DIR/agent.cfg:6: ssl-fingerprint = \"zz\": \"zz\": not a hexadecimal fingerprint",
            "DIR/agent.cfg:7: no-category = \"software,bogus\": unknown category \"bogus\" \
             (see sonde inventory --list-categories)",
            "DIR/agent.cfg:8: logger = \"stderr,mail\": unknown logger \"mail\" \
             (use stderr, file or syslog)",
            "DIR/agent.cfg:9: logfacility = \"LOG_NOPE\": not a syslog facility \
             (LOG_USER, LOG_DAEMON, LOG_LOCAL0…)",
            "DIR/agent.cfg:10: debug = \"4\": not a debug level (0 to 3)",
            "DIR/agent.cfg:11: spool-max-files = \"0\": must be at least 1",
            "DIR/agent.cfg:12: proxy = \"://\": not a proxy URL",
        ]
    );
}

#[test]
fn passwords_in_urls_are_not_shown() {
    let errors =
        errors("server = https://u:secret@glpi/, gopher://x/\nproxy = 'x y://u:s3cr3t@p'\n");
    let text = errors.join("\n");
    assert!(
        !text.contains("secret") && !text.contains("s3cr3t"),
        "{text}"
    );
    assert!(text.contains("https://u:***@glpi/"), "{text}");
}

#[test]
fn values_are_typed() {
    let s = settings(
        "local = /tmp/a, -\n\
         no-category = Software, process\n\
         httpd-ip = ::1\n\
         httpd-trust = 10.0.0.0/8, glpi.example.com\n\
         logger = Stderr, SYSLOG\n\
         logfacility = local3\n\
         logfile-maxsize = 5\n\
         debug = 2\n\
         vardir = /var/lib/sonde-test\n\
         ca-cert-dir = /etc/ssl/certs\n\
         ssl-fingerprint = sha256$3F:A2:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:01\n\
         spool-max-files = 50\n\
         spool-max-bytes = 1048576\n",
    );
    assert_eq!(s.local, ["/tmp/a", "-"]);
    assert_eq!(s.no_category, ["software", "process"]);
    assert_eq!(s.httpd_ip, Some("::1".parse().unwrap()));
    assert_eq!(s.httpd_trust, ["10.0.0.0/8", "glpi.example.com"]);
    assert_eq!(s.logger, [Logger::Stderr, Logger::Syslog]);
    assert_eq!(s.logfacility, "LOG_LOCAL3");
    assert_eq!(s.logfile_maxsize, Some(5));
    assert_eq!(s.debug, 2);
    assert_eq!(s.vardir, Some(PathBuf::from("/var/lib/sonde-test")));
    assert_eq!(s.ca_cert_dir, Some(PathBuf::from("/etc/ssl/certs")));
    assert_eq!(
        s.ssl_fingerprint[0].to_string(),
        "sha256$3fa2000000000000000000000000000000000000000000000000000000000001"
    );
    assert_eq!((s.spool.max_items, s.spool.max_bytes), (50, 1_048_576));
}

#[test]
fn logfile_adds_the_file_logger_and_file_needs_logfile() {
    let s = settings("logfile = /var/log/sonde.log\n");
    assert_eq!(s.logger, [Logger::Stderr, Logger::File]);
    assert_eq!(s.logfile, Some(PathBuf::from("/var/log/sonde.log")));
    assert_eq!(
        errors("logger = syslog, file\n"),
        ["DIR/agent.cfg:1: logger = \"syslog, file\": the file logger needs logfile"]
    );
}

#[test]
fn ca_cert_dir_and_file_exclude_each_other() {
    assert_eq!(
        errors("ca-cert-dir = /etc/ssl/certs\nca-cert-file = /etc/ca.pem\n"),
        [
            "ca-cert-dir (DIR/agent.cfg:1) and ca-cert-file (DIR/agent.cfg:2) exclude each other: \
          set only one"
        ]
    );
    // An empty value unsets: the environment can take the file's choice back.
    let dir = TempDir::new("ca");
    let main = dir.write("agent.cfg", "ca-cert-dir = /etc/ssl/certs\n");
    let mut cli = Layer::new();
    cli.path("ca-cert-file", Some(Path::new("/etc/ca.pem")));
    let s = Settings::load(&Source::File(main), env(&[("SONDE_CA_CERT_DIR", "")]), &cli)
        .unwrap()
        .settings;
    assert_eq!(
        (s.ca_cert_dir, s.ca_cert_file),
        (None, Some(PathBuf::from("/etc/ca.pem")))
    );
}

#[test]
fn conf_reload_interval_is_zero_or_at_least_60() {
    assert_eq!(
        settings("conf-reload-interval = 0\n").conf_reload_interval,
        Duration::ZERO
    );
    assert_eq!(
        settings("conf-reload-interval = 3600\n").conf_reload_interval,
        Duration::from_secs(3600)
    );
    for (value, expected, warning) in [
        (
            "30",
            60,
            "DIR/agent.cfg:1: conf-reload-interval = 30: below the minimum of 60 seconds, 60 is used",
        ),
        (
            "-5",
            0,
            "DIR/agent.cfg:1: conf-reload-interval = -5: negative, 0 (never reload) is used",
        ),
    ] {
        let (dir, loaded) = load_text(&format!("conf-reload-interval = {value}\n"));
        let loaded = loaded.unwrap();
        assert_eq!(
            loaded.settings.conf_reload_interval,
            Duration::from_secs(expected)
        );
        assert_eq!(warnings(&loaded, &dir), [warning]);
    }
}

#[test]
fn stdout_is_local_dash_with_a_warning() {
    let (dir, loaded) = load_text("local = /tmp/x\nstdout = yes\n");
    let loaded = loaded.unwrap();
    assert_eq!(loaded.settings.local, ["/tmp/x", "-"]);
    assert_eq!(
        warnings(&loaded, &dir),
        ["DIR/agent.cfg:2: stdout is deprecated, use local = - instead"]
    );
}

#[test]
fn precedence_is_file_then_environment_then_command_line() {
    let dir = TempDir::new("precedence");
    let main = dir.write(
        "agent.cfg",
        "timeout = 10\nno-ssl-check = yes\nserver = http://a/, http://b/\nforce = yes\ntag = file\n",
    );
    let source = Source::File(main);
    // The file alone.
    let s = Settings::load(&source, no_env(), &Layer::new())
        .unwrap()
        .settings;
    assert_eq!(s.timeout, Duration::from_secs(10));
    assert!(s.no_ssl_check);
    assert_eq!(urls(&s), ["http://a/", "http://b/"]);
    // The environment over the file.
    let vars = env(&[
        ("SONDE_TIMEOUT", "20"),
        ("SONDE_NO_SSL_CHECK", "no"),
        ("SONDE_SERVER", "http://c/"),
        ("SONDE_TAG", ""),
        ("PATH", "/usr/bin"),
    ]);
    let s = Settings::load(&source, vars.clone(), &Layer::new())
        .unwrap()
        .settings;
    assert_eq!(s.timeout, Duration::from_secs(20));
    assert!(!s.no_ssl_check);
    assert_eq!(urls(&s), ["http://c/"]);
    assert_eq!(s.tag, None);
    assert!(s.force, "the file's value stays");
    // The command line over both; flags not given leave the value alone.
    let mut cli = Layer::new();
    cli.value("timeout", Some(30))
        .flag("no-ssl-check", true)
        .flag("force", false)
        .list("server", &["http://d/".to_owned(), "http://e/".to_owned()]);
    let s = Settings::load(&source, vars, &cli).unwrap().settings;
    assert_eq!(s.timeout, Duration::from_secs(30));
    assert!(s.no_ssl_check);
    assert_eq!(urls(&s), ["http://d/", "http://e/"]);
    assert!(s.force);
}

#[test]
fn environment_errors_and_warnings_name_the_variable() {
    let e = Settings::load(
        &Source::None,
        env(&[
            ("SONDE_NO_SSL_CHECK", "maybe"),
            ("SONDE_DAEMON", "1"),
            ("SONDE_FROBNICATE", "x"),
        ]),
        &Layer::new(),
    )
    .unwrap_err();
    assert_eq!(
        e.errors.iter().map(ToString::to_string).collect::<Vec<_>>(),
        [
            "environment variable SONDE_NO_SSL_CHECK: no-ssl-check = \"maybe\": not a boolean: \
          use yes/no, true/false, on/off or 1/0"
        ]
    );
    assert_eq!(
        e.warnings
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        [
            "environment variable SONDE_DAEMON: daemon is a command-line option, ignored here",
            "environment variable SONDE_FROBNICATE: unknown configuration directive \
             \"frobnicate\", ignored"
        ]
    );
    let mut cli = Layer::new();
    cli.value("httpd-port", Some("0"));
    let e = Settings::load(&Source::None, no_env(), &cli).unwrap_err();
    assert_eq!(
        e.to_string(),
        "command line --httpd-port: httpd-port = \"0\": must be at least 1"
    );
}

#[test]
fn sources_of_the_file() {
    let dir = TempDir::new("sources");
    let missing = dir.0.join("missing.cfg");
    // A default file that does not exist: no file, no error.
    let loaded =
        Settings::load(&Source::Default(missing.clone()), no_env(), &Layer::new()).unwrap();
    assert_eq!(loaded.file, None);
    assert_eq!(loaded.settings, Settings::default());
    // A given file that does not exist: an error.
    let e = Settings::load(&Source::File(missing.clone()), no_env(), &Layer::new()).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "cannot read configuration file {}: No such file or directory (os error 2)",
            missing.display()
        )
    );
    // An existing default file is read.
    let present = dir.write("agent.cfg", "tag = t\n");
    let loaded =
        Settings::load(&Source::Default(present.clone()), no_env(), &Layer::new()).unwrap();
    assert_eq!(loaded.file, Some(present.clone()));
    assert_eq!(loaded.settings.tag.as_deref(), Some("t"));
    // --config none reads nothing; registry is an error here.
    let loaded = Settings::load(&Source::None, no_env(), &Layer::new()).unwrap();
    assert_eq!(loaded.settings, Settings::default());
    let e = Settings::load(&Source::Registry, no_env(), &Layer::new()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "--config registry: the Windows registry is not available on this system"
    );
}

#[test]
fn task_plan_follows_tasks_and_no_task() {
    let plan = |tasks: &[&str], no_task: &[&str]| {
        Settings {
            tasks: tasks.iter().map(|t| (*t).to_owned()).collect(),
            no_task: no_task.iter().map(|t| (*t).to_owned()).collect(),
            ..Settings::default()
        }
        .task_plan()
    };
    assert_eq!(
        plan(&[], &[]),
        ["inventory", "netdiscovery", "netinventory", "wakeonlan"]
    );
    assert_eq!(
        plan(&[], &["NetDiscovery"]),
        ["inventory", "netinventory", "wakeonlan"]
    );
    assert_eq!(
        plan(&["netinventory", "Inventory"], &[]),
        ["netinventory", "inventory"]
    );
    assert_eq!(
        plan(&["netinventory", "..."], &[]),
        ["netinventory", "inventory", "netdiscovery", "wakeonlan"]
    );
    assert_eq!(
        plan(&["inventory", "deploy", "inventory"], &[]),
        ["inventory", "inventory"]
    );
    assert_eq!(
        plan(&["inventory", "..."], &["netdiscovery", "deploy"]),
        ["inventory", "netinventory", "wakeonlan"]
    );
    assert_eq!(plan(&["inventory"], &["inventory"]), Vec::<String>::new());
}

#[test]
fn unknown_tasks_are_warnings() {
    let (dir, loaded) = load_text("tasks = inventory, deploy, ...\n");
    let loaded = loaded.unwrap();
    assert_eq!(
        warnings(&loaded, &dir),
        [
            "DIR/agent.cfg:1: tasks: \"deploy\" is not a task of sonde (inventory, netdiscovery, \
          netinventory, wakeonlan), skipped"
        ]
    );
}

#[test]
fn targets_are_required_unless_listening() {
    assert!(matches!(
        Settings::default().check_targets(),
        Err(ConfigError::NoTarget)
    ));
    let listen = Settings {
        listen: true,
        ..Settings::default()
    };
    assert!(listen.check_targets().is_ok());
    assert!(settings("local = -\n").check_targets().is_ok());
}

#[test]
fn the_run_follows_the_settings() {
    let s = settings(
        "server = https://glpi/\n\
         timeout = 42\n\
         no-compression = yes\n\
         no-ssl-check = on\n\
         user = u\n\
         password = p\n\
         proxy = http://proxy:3128\n\
         tasks = inventory, inventory, ...\n\
         no-task = netdiscovery\n\
         no-category = software\n\
         backend-collect-timeout = 7\n\
         tag = t\n\
         json = yes\n\
         force = yes\n\
         vardir = /var/lib/sonde-x\n\
         spool-max-bytes = 1000\n",
    );
    let run = s.run_config(vec![("A".to_owned(), "1".to_owned())]);
    assert_eq!(run.servers[0].as_str(), "https://glpi/");
    assert_eq!(run.tasks, ["inventory", "netinventory", "wakeonlan"]);
    assert_eq!(run.transport.timeout, Duration::from_secs(42));
    assert_eq!(run.transport.compression, Compression::None);
    assert!(run.transport.no_ssl_check);
    assert_eq!(run.transport.user.as_deref(), Some("u"));
    assert_eq!(run.transport.password.as_deref(), Some("p"));
    assert_eq!(run.transport.proxy.as_deref(), Some("http://proxy:3128"));
    assert!(run.inventory.skip.contains("software"));
    assert_eq!(run.inventory.collect_timeout, Duration::from_secs(7));
    assert_eq!(run.inventory.env, [("A".to_owned(), "1".to_owned())]);
    assert_eq!(run.tag.as_deref(), Some("t"));
    assert!(run.json && run.force && !run.html);
    assert_eq!(run.vardir, PathBuf::from("/var/lib/sonde-x"));
    assert_eq!(run.spool.max_bytes, 1000);
    assert_eq!(run.spool.max_items, 10_000);
}

/// `deploy/agent.cfg`.
fn sample_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/agent.cfg")
}

/// The key of a commented-out setting line (`#key = value`), if it is one.
fn commented_key(line: &str) -> Option<&str> {
    let rest = line.strip_prefix('#')?;
    let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))?;
    let (key, after) = rest.split_at(end);
    (!key.is_empty() && after.trim_start().starts_with('=')).then_some(key)
}

#[test]
fn the_sample_loads_as_the_defaults() {
    let loaded = Settings::load(&Source::File(sample_path()), no_env(), &Layer::new()).unwrap();
    assert_eq!(loaded.warnings, []);
    assert_eq!(loaded.settings, Settings::default());
}

#[test]
fn the_sample_shows_every_key_with_its_default_and_a_comment() {
    let text = std::fs::read_to_string(sample_path()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let mut seen = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(key) = commented_key(line) else {
            continue;
        };
        assert!(KEYS.contains(&key), "line {}: {key} is not a key", i + 1);
        assert!(!seen.contains(&key), "line {}: {key} twice", i + 1);
        seen.push(key);
        // Above it (past the other keys of its group): a comment saying what it is.
        let above = lines[..i]
            .iter()
            .rev()
            .find(|l| commented_key(l).is_none())
            .unwrap_or(&"");
        assert!(
            above.starts_with("# ") && above.len() > 10,
            "line {}: {key} is not documented",
            i + 1
        );
    }
    for key in KEYS {
        assert!(seen.contains(&key), "deploy/agent.cfg lacks {key}");
    }
    // Uncommented, every line gives the defaults: the values shown are the defaults.
    let dir = TempDir::new("sample");
    let uncommented: String = lines
        .iter()
        .map(|l| match commented_key(l) {
            Some(_) => &l[1..],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n");
    let path = dir.write("agent.cfg", &uncommented);
    let loaded = Settings::load(&Source::File(path), no_env(), &Layer::new()).unwrap();
    assert_eq!(loaded.warnings, []);
    assert_eq!(loaded.settings, Settings::default());
}

#[test]
fn command_line_only_options_are_not_keys() {
    for key in CLI_ONLY {
        assert!(!KEYS.contains(&key), "{key}");
    }
}

#[test]
fn secrets_in_a_file_every_user_may_read_are_a_warning() {
    let dir = TempDir::new("secrets");
    let open = dir.write(
        "agent.cfg",
        "server = https://glpi/\npassword = s3cr3t\ntag = x\n",
    );
    let load =
        |path: &Path| Settings::load(&Source::File(path.to_owned()), no_env(), &Layer::new());
    // Owner only, or owner and group (the agent's group): nothing to say.
    for mode in [0o600, 0o640] {
        chmod(&open, mode);
        assert_eq!(warnings(&load(&open).unwrap(), &dir), Vec::<String>::new());
    }
    chmod(&open, 0o644);
    let loaded = load(&open).unwrap();
    let shown = warnings(&loaded, &dir);
    assert_eq!(
        shown,
        [
            "DIR/agent.cfg:2: password holds a secret but the file is readable by every user \
          (mode 0644); make it readable only by its owner and the agent's group (chmod o-r)"
        ]
    );
    assert!(!shown[0].contains("s3cr3t"));
    // A password inside a server or proxy URL, in an included file: that file is named.
    let inc = dir.write(
        "conf.d/servers.cfg",
        "server = https://glpi/, https://agent:pw@other/\n",
    );
    let top = dir.write("top.cfg", "include conf.d\nproxy = http://proxy:3128/\n");
    chmod(&inc, 0o604);
    let loaded = load(&top).unwrap();
    assert_eq!(
        warnings(&loaded, &dir),
        [
            "DIR/conf.d/servers.cfg:1: server holds a secret but the file is readable by every \
          user (mode 0604); make it readable only by its owner and the agent's group (chmod o-r)"
        ]
    );
    // No secret, no warning, whatever the mode; an empty password is no secret.
    let plain = dir.write("plain.cfg", "server = https://glpi/\npassword =\n");
    chmod(&plain, 0o644);
    assert_eq!(warnings(&load(&plain).unwrap(), &dir), Vec::<String>::new());
}
