//! FIREWALL: whether firewalld or ufw is active, read from their files instead of running
//! `ufw status` / `systemctl status firewalld.service`.
//!
//! Rule (the agents' module choice, then the state):
//! * ufw is installed (`/usr/sbin/ufw`, `/sbin/ufw` or `/etc/ufw/ufw.conf`): one entry
//!   DESCRIPTION `ufw`, STATUS `on` when `/etc/ufw/ufw.conf` says `ENABLED=yes` (the flag
//!   `ufw enable` sets and the boot service obeys), else `off`.
//! * otherwise, on a systemd machine (`systemctl` present or `/run/systemd/system`): one entry
//!   DESCRIPTION `firewalld`, STATUS `on` when a firewalld process runs (the pid of
//!   `/run/firewalld.pid`, else any process whose `comm` is `firewalld`), else `off` — the
//!   agent's test is "unit loaded and active (running)".
//! * neither: no entry.

use super::Context;
use crate::model::local::{Entry, LocalInventory, Section};

/// Sections filled.
pub(super) const SECTIONS: &[Section] = &[Section::Firewall];

/// Collects.
pub(super) fn collect(ctx: &Context<'_>, inv: &mut LocalInventory) {
    let any = |paths: &[&str]| paths.iter().any(|p| ctx.exists(p));
    let (name, on) = if any(&["/usr/sbin/ufw", "/sbin/ufw", "/etc/ufw/ufw.conf"]) {
        ("ufw", ufw_enabled(ctx))
    } else if any(&[
        "/usr/bin/systemctl",
        "/bin/systemctl",
        "/run/systemd/system",
    ]) {
        ("firewalld", firewalld_running(ctx))
    } else {
        return;
    };
    let mut e = Entry::new();
    e.text("DESCRIPTION", Some(name))
        .text("STATUS", Some(if on { "on" } else { "off" }));
    inv.add(Section::Firewall, e);
}

/// `ENABLED=yes` in ufw.conf.
fn ufw_enabled(ctx: &Context<'_>) -> bool {
    ctx.read("/etc/ufw/ufw.conf").is_some_and(|t| {
        t.lines().any(|l| {
            l.trim().strip_prefix("ENABLED=").is_some_and(|v| {
                v.trim()
                    .trim_matches(['"', '\''])
                    .eq_ignore_ascii_case("yes")
            })
        })
    })
}

/// A firewalld process exists.
fn firewalld_running(ctx: &Context<'_>) -> bool {
    let is_firewalld = |pid: &str| {
        ctx.read_value(&format!("/proc/{pid}/comm"))
            .is_some_and(|c| c == "firewalld")
    };
    if ctx
        .read_value("/run/firewalld.pid")
        .is_some_and(|pid| is_firewalld(&pid))
    {
        return true;
    }
    ctx.list("/proc")
        .iter()
        .filter(|n| n.bytes().all(|b| b.is_ascii_digit()))
        .any(|pid| is_firewalld(pid))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn firewall(files: &[(&str, &str)]) -> Vec<(Option<String>, Option<String>)> {
        let inv = crate::inventory::fixture::run(files, collect);
        inv.entries(Section::Firewall)
            .iter()
            .map(|e| (e.get_text("DESCRIPTION"), e.get_text("STATUS")))
            .collect()
    }

    fn one(d: &str, s: &str) -> Vec<(Option<String>, Option<String>)> {
        vec![(Some(d.to_owned()), Some(s.to_owned()))]
    }

    #[test]
    fn ufw_and_firewalld() {
        let conf = "# /etc/ufw/ufw.conf\n#\n\n# Set to yes to start on boot.\nENABLED=yes\n\nLOGLEVEL=low\n";
        assert_eq!(
            firewall(&[
                ("/usr/sbin/ufw", "#!/usr/bin/python3\n"),
                ("/etc/ufw/ufw.conf", conf)
            ]),
            one("ufw", "on")
        );
        assert_eq!(
            firewall(&[("/etc/ufw/ufw.conf", "ENABLED=no\n")]),
            one("ufw", "off")
        );
        // This machine: systemctl, no firewalld.
        assert_eq!(
            firewall(&[("/usr/bin/systemctl", ""), ("/proc/1/comm", "systemd\n")]),
            one("firewalld", "off")
        );
        assert_eq!(
            firewall(&[
                ("/run/systemd/system/.keep", ""),
                ("/run/firewalld.pid", "812\n"),
                ("/proc/812/comm", "firewalld\n"),
            ]),
            one("firewalld", "on")
        );
        assert_eq!(
            firewall(&[
                ("/bin/systemctl", ""),
                ("/proc/1/comm", "systemd\n"),
                ("/proc/900/comm", "firewalld\n")
            ]),
            one("firewalld", "on"),
            "stale or missing pid file: the process list"
        );
        assert!(firewall(&[("/etc/os-release", "ID=alpine\n")]).is_empty());
    }
}
