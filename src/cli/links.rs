//! `fusioninventory-*` link names: when `argv[0]` is `fusioninventory-netdiscovery` (or
//! `netdiscovery`, `fusioninventory-injector`, …) the binary behaves as the matching subcommand.
//!
//! `rewrite` inserts the subcommand after `argv[0]`, so the link and `sonde <subcommand>` share
//! one clap parser. It also spells options the way Perl's `Getopt::Long` accepted them (`-first`,
//! `--First`, unique abbreviations such as `--comm`) as clap's canonical `--first`, so existing
//! cron lines and scripts keep working. Only link invocations get that leniency.

use std::ffi::{OsStr, OsString};
use std::path::Path;

/// Link names (without the `fusioninventory-` prefix) and the subcommand each one runs.
pub const LINKS: [(&str, &str); 6] = [
    ("netdiscovery", "netdiscovery"),
    ("netinventory", "netinventory"),
    ("inventory", "inventory"),
    ("injector", "inject"),
    ("agent", "agent"),
    ("wakeonlan", "wakeonlan"),
];

/// A FusionInventory tool name found in `argv[0]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    /// The file name the binary was called by, e.g. `fusioninventory-netdiscovery`.
    pub name: String,
    /// The subcommand it stands for, e.g. `netdiscovery`.
    pub subcommand: &'static str,
}

/// The link `argv[0]` names, if any (`sonde` itself and unknown names give `None`).
#[must_use]
pub fn detect(argv0: &OsStr) -> Option<Link> {
    let name = Path::new(argv0).file_name()?.to_str()?;
    let stem = name.strip_suffix(".exe").unwrap_or(name);
    let tool = stem.strip_prefix("fusioninventory-").unwrap_or(stem);
    LINKS
        .iter()
        .find(|(link, _)| *link == tool)
        .map(|(_, subcommand)| Link {
            name: stem.to_owned(),
            subcommand,
        })
}

/// argv for the link's subcommand: the subcommand inserted after `argv[0]` and Getopt::Long
/// spellings normalised using the options of `sub` (a *built* clap command, so that `--help`
/// and `--version` are among its arguments).
#[must_use]
pub fn rewrite(sub: &clap::Command, argv: Vec<OsString>) -> Vec<OsString> {
    let mut out = Vec::with_capacity(argv.len() + 1);
    let mut args = argv.into_iter();
    out.extend(args.next());
    out.push(OsString::from(sub.get_name()));
    let mut expect_value = false;
    while let Some(arg) = args.next() {
        if std::mem::take(&mut expect_value) {
            out.push(arg);
            continue;
        }
        let Some(text) = arg.to_str() else {
            out.push(arg);
            continue;
        };
        if text == "--" {
            out.push(arg);
            out.extend(args.by_ref());
            break;
        }
        let (rewritten, takes_value) = normalise(sub, text);
        expect_value = takes_value;
        out.push(rewritten.map_or(arg, OsString::from));
    }
    out
}

/// One argument: its canonical spelling if it changes, and whether the next argument is its value.
fn normalise(sub: &clap::Command, text: &str) -> (Option<String>, bool) {
    let body = if let Some(body) = text.strip_prefix("--") {
        body
    } else if let Some(body) = text.strip_prefix('-') {
        if body.chars().count() == 1 {
            let takes = body
                .chars()
                .next()
                .and_then(|c| sub.get_arguments().find(|a| a.get_short() == Some(c)))
                .is_some_and(needs_value);
            return (None, takes);
        }
        body
    } else {
        return (None, false);
    };
    let (name, value) = match body.split_once('=') {
        Some((name, value)) => (name, Some(value)),
        None => (body, None),
    };
    let Some(arg) = find_long(sub, name) else {
        return (None, false);
    };
    let Some(long) = arg.get_long() else {
        return (None, false);
    };
    let canonical = match value {
        Some(value) => format!("--{long}={value}"),
        None => format!("--{long}"),
    };
    let takes = value.is_none() && needs_value(arg);
    (Some(canonical).filter(|c| c != text), takes)
}

/// Whether the argument consumes the next argv entry as its value.
fn needs_value(arg: &clap::Arg) -> bool {
    arg.get_action().takes_values() && arg.get_num_args().is_none_or(|n| n.min_values() > 0)
}

/// The long option `name` stands for: an exact match (any case) wins, otherwise a unique prefix.
fn find_long<'a>(sub: &'a clap::Command, name: &str) -> Option<&'a clap::Arg> {
    if name.is_empty() {
        return None;
    }
    let name = name.to_ascii_lowercase();
    let longs = || {
        sub.get_arguments().flat_map(|arg| {
            arg.get_long()
                .into_iter()
                .chain(arg.get_all_aliases().unwrap_or_default())
                .map(move |long| (long, arg))
        })
    };
    if let Some((_, arg)) = longs().find(|(long, _)| long.eq_ignore_ascii_case(&name)) {
        return Some(arg);
    }
    let mut candidates = longs().filter(|(long, _)| long.to_ascii_lowercase().starts_with(&name));
    let (_, first) = candidates.next()?;
    candidates
        .all(|(_, other)| other.get_id() == first.get_id())
        .then_some(first)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{Arg, ArgAction};

    fn os(args: &[&str]) -> Vec<OsString> {
        args.iter().map(OsString::from).collect()
    }

    fn strings(args: Vec<OsString>) -> Vec<String> {
        args.into_iter().map(|a| a.into_string().unwrap()).collect()
    }

    fn sample() -> clap::Command {
        let mut cmd = clap::Command::new("netdiscovery")
            .arg(Arg::new("first").long("first").action(ArgAction::Append))
            .arg(
                Arg::new("community")
                    .long("community")
                    .action(ArgAction::Append),
            )
            .arg(
                Arg::new("credentials")
                    .long("credentials")
                    .action(ArgAction::Append),
            )
            .arg(Arg::new("port").long("port"))
            .arg(Arg::new("protocol").long("protocol"))
            .arg(
                Arg::new("control")
                    .long("control")
                    .action(ArgAction::SetTrue),
            )
            .arg(
                Arg::new("inventory")
                    .short('i')
                    .long("inventory")
                    .action(ArgAction::SetTrue),
            )
            .arg(Arg::new("save").short('s').long("save"))
            .arg(
                Arg::new("pidfile")
                    .long("pidfile")
                    .num_args(0..=1)
                    .default_missing_value(""),
            );
        cmd.build();
        cmd
    }

    #[test]
    fn detects_link_names() {
        for (argv0, sub) in [
            ("fusioninventory-netdiscovery", "netdiscovery"),
            ("/usr/bin/fusioninventory-netinventory", "netinventory"),
            ("./fusioninventory-inventory", "inventory"),
            ("fusioninventory-injector", "inject"),
            ("fusioninventory-agent", "agent"),
            ("/usr/bin/fusioninventory-wakeonlan", "wakeonlan"),
            ("netdiscovery", "netdiscovery"),
            ("/opt/bin/injector", "inject"),
            ("agent.exe", "agent"),
        ] {
            let link = detect(OsStr::new(argv0)).unwrap();
            assert_eq!(link.subcommand, sub, "{argv0}");
        }
        let link = detect(OsStr::new("/usr/bin/fusioninventory-injector")).unwrap();
        assert_eq!(link.name, "fusioninventory-injector");
    }

    #[test]
    fn other_names_are_not_links() {
        for argv0 in [
            "sonde",
            "/usr/bin/sonde",
            "fusioninventory-esx",
            "fusioninventory-inject",
            "capture",
            "",
        ] {
            assert_eq!(detect(OsStr::new(argv0)), None, "{argv0}");
        }
    }

    #[test]
    fn inserts_the_subcommand() {
        let argv = rewrite(
            &sample(),
            os(&["fusioninventory-netdiscovery", "--first", "10.0.0.1"]),
        );
        assert_eq!(
            strings(argv),
            [
                "fusioninventory-netdiscovery",
                "netdiscovery",
                "--first",
                "10.0.0.1"
            ]
        );
        let argv = rewrite(&sample(), os(&["x"]));
        assert_eq!(strings(argv), ["x", "netdiscovery"]);
    }

    #[test]
    fn getopt_long_spellings() {
        let argv = rewrite(
            &sample(),
            os(&[
                "x",
                "-first",
                "10.0.0.1",
                "--COMMUNITY=public",
                "--cont",
                "-cred",
                "version:2c,community:a",
                "--inventory",
                "-i",
                "-s",
                "-dir",
            ]),
        );
        assert_eq!(
            strings(argv),
            [
                "x",
                "netdiscovery",
                "--first",
                "10.0.0.1",
                "--community=public",
                "--control",
                "--credentials",
                "version:2c,community:a",
                "--inventory",
                "-i",
                "-s",
                "-dir",
            ]
        );
    }

    #[test]
    fn values_are_never_rewritten() {
        let argv = rewrite(
            &sample(),
            os(&["x", "--community", "-control", "-first=-port"]),
        );
        assert_eq!(
            strings(argv),
            [
                "x",
                "netdiscovery",
                "--community",
                "-control",
                "--first=-port"
            ]
        );
    }

    #[test]
    fn optional_values_do_not_swallow_options() {
        let argv = rewrite(&sample(), os(&["x", "--pidfile", "-control"]));
        assert_eq!(
            strings(argv),
            ["x", "netdiscovery", "--pidfile", "--control"]
        );
    }

    #[test]
    fn ambiguous_and_unknown_are_left_to_clap() {
        let argv = rewrite(
            &sample(),
            os(&["x", "--p", "--c", "--bogus", "-", "-9", "plain"]),
        );
        assert_eq!(
            strings(argv),
            [
                "x",
                "netdiscovery",
                "--p",
                "--c",
                "--bogus",
                "-",
                "-9",
                "plain"
            ]
        );
    }

    #[test]
    fn everything_after_double_dash_is_kept() {
        let argv = rewrite(&sample(), os(&["x", "--", "-first", "--cont"]));
        assert_eq!(
            strings(argv),
            ["x", "netdiscovery", "--", "-first", "--cont"]
        );
    }

    #[cfg(unix)]
    #[test]
    fn non_utf8_arguments_pass_through() {
        use std::os::unix::ffi::OsStringExt;
        let odd = OsString::from_vec(vec![b'-', 0xff, 0xfe]);
        let argv = rewrite(&sample(), vec![OsString::from("x"), odd.clone()]);
        assert_eq!(argv[2], odd);
    }
}
