//! PROCESSES from /proc, with the values `ps -A -o user,pid,pcpu,pmem,vsz,tty,etime,command`
//! gives the reference agents.
//!
//! * CPUUSAGE is ps' lifetime average: (utime+stime) / time since start, in per-mille, shown
//!   with one decimal ("1.0"); MEM is VmRSS / MemTotal likewise ("0.3"). Both stay text, as the
//!   agents send them.
//! * VIRTUALMEMORY is the virtual size in KiB; TTY `?` when none (`pts/0`, `tty1`, `ttyS0`…);
//!   STARTED is boot time + start ticks, local "YYYY-MM-DD HH:MM" (the agents derive it from
//!   `etime`, to the minute).
//! * USER is the effective user's name, in full (ps would cut names longer than 8 characters
//!   to "systemd+"), or the numeric id when `/etc/passwd` does not know it.
//! * CMD is the command line; kernel threads (empty command line) are `[comm]`, zombies
//!   `[comm] <defunct>`, as ps shows them.
//!
//! USER_HZ is taken as 100: it is fixed at 100 by the kernel ABI on every Linux architecture
//! sonde targets, whatever the kernel's internal HZ.

use std::collections::HashMap;

use super::Context;
use super::os::meminfo_kib;
use crate::model::local::{Entry, LocalInventory, Section};

/// Sections filled.
pub(super) const SECTIONS: &[Section] = &[Section::Processes];

/// Clock ticks per second of `/proc/<pid>/stat` times.
const USER_HZ: u64 = 100;

/// Collects.
pub(super) fn collect(ctx: &Context<'_>, inv: &mut LocalInventory) {
    let names: HashMap<String, String> = super::users::passwd(ctx)
        .into_iter()
        .map(|u| (u.uid, u.login))
        .rev() // the first line of a duplicated uid wins, as getpwuid
        .collect();
    let mem_total = meminfo_kib(ctx, "MemTotal").unwrap_or(0);
    let btime = ctx.read("/proc/stat").and_then(|t| {
        t.lines()
            .find_map(|l| l.strip_prefix("btime ")?.trim().parse::<i64>().ok())
    });
    let uptime = ctx.read("/proc/uptime").and_then(|t| {
        t.split_whitespace()
            .next()?
            .split('.')
            .next()?
            .parse::<u64>()
            .ok()
    });
    let drivers = ctx.read("/proc/tty/drivers").unwrap_or_default();
    let mut pids: Vec<u32> = ctx
        .list("/proc")
        .iter()
        .filter_map(|n| n.parse().ok())
        .collect();
    pids.sort_unstable();
    for pid in pids {
        let Some(stat) = ctx.read(&format!("/proc/{pid}/stat")) else {
            continue; // gone meanwhile
        };
        let Some((comm, fields)) = parse_stat(&stat) else {
            continue;
        };
        let num = |i: usize| fields.get(i).and_then(|v| v.parse::<u64>().ok());
        let status = ctx.read(&format!("/proc/{pid}/status")).unwrap_or_default();
        let status_field = |key: &str| {
            status.lines().find_map(|l| {
                let (k, v) = l.split_once(':')?;
                (k == key).then(|| v.trim().to_owned())
            })
        };
        let euid = status_field("Uid").and_then(|v| v.split_whitespace().nth(1).map(str::to_owned));
        let user = euid.map(|uid| names.get(&uid).cloned().unwrap_or(uid));
        let rss_kib = status_field("VmRSS")
            .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
            .unwrap_or(0);
        let (utime, stime, start) = (num(11).unwrap_or(0), num(12).unwrap_or(0), num(19));
        let cpu = match (uptime, start) {
            (Some(up), Some(start)) => {
                let seconds = up.saturating_sub(start / USER_HZ);
                Some(
                    ((utime + stime) * 1000 / USER_HZ)
                        .checked_div(seconds)
                        .unwrap_or(0),
                )
            }
            _ => None,
        };
        let mem = (rss_kib * 1000).checked_div(mem_total);
        let started = match (btime, start) {
            (Some(b), Some(s)) => i64::try_from(s / USER_HZ)
                .ok()
                .and_then(|s| jiff::Timestamp::from_second(b + s).ok())
                .map(|ts| {
                    ts.to_zoned(jiff::tz::TimeZone::system())
                        .strftime("%Y-%m-%d %H:%M")
                        .to_string()
                }),
            _ => None,
        };
        let cmdline = ctx
            .read_bytes(&format!("/proc/{pid}/cmdline"))
            .unwrap_or_default();
        let cmd = command(&cmdline, comm, fields.first().copied() == Some("Z"));
        let tty = tty_name(num(4).unwrap_or(0), &drivers);
        let mut e = Entry::new();
        e.text("USER", user)
            .int("PID", Some(i64::from(pid)))
            .text("CPUUSAGE", cpu.map(per_mille))
            .text("MEM", mem.map(per_mille))
            .int(
                "VIRTUALMEMORY",
                num(20).and_then(|v| i64::try_from(v / 1024).ok()),
            )
            .text("TTY", Some(tty))
            .text("STARTED", started)
            .text("CMD", Some(cmd));
        inv.add(Section::Processes, e);
    }
}

/// `comm` and the fields after it (state first) of a `/proc/<pid>/stat` line; the command name
/// may itself contain spaces and parentheses, so it ends at the last `)`.
fn parse_stat(stat: &str) -> Option<(&str, Vec<&str>)> {
    let open = stat.find('(')?;
    let close = stat.rfind(')')?;
    let comm = stat.get(open + 1..close)?;
    Some((comm, stat.get(close + 1..)?.split_whitespace().collect()))
}

/// ps' "x.y" spelling of a per-mille value (an integer past 99.9%).
fn per_mille(v: u64) -> String {
    if v > 999 {
        (v / 10).to_string()
    } else {
        format!("{}.{}", v / 10, v % 10)
    }
}

/// The command line as ps prints it.
fn command(cmdline: &[u8], comm: &str, zombie: bool) -> String {
    let args: Vec<String> = cmdline
        .split(|&b| b == 0)
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect();
    let joined = args.join(" ").trim_end().to_owned();
    if joined.is_empty() {
        if zombie {
            format!("[{comm}] <defunct>")
        } else {
            format!("[{comm}]")
        }
    } else {
        joined
    }
}

/// The terminal name of a `tty_nr` (`?` for none), as ps finds it: pseudo-terminals and the
/// virtual/serial consoles directly, other drivers through `/proc/tty/drivers`.
fn tty_name(tty_nr: u64, drivers: &str) -> String {
    if tty_nr == 0 {
        return "?".to_owned();
    }
    let major = (tty_nr >> 8) & 0xfff;
    let minor = (tty_nr & 0xff) | ((tty_nr >> 12) & 0xfff00);
    match major {
        136..=143 => return format!("pts/{}", minor + (major - 136) * 256),
        4 if minor < 64 => return format!("tty{minor}"),
        4 => return format!("ttyS{}", minor - 64),
        _ => {}
    }
    // "/dev/ttyUSB  188 0-254 serial": name, device prefix, major, minor range.
    for line in drivers.lines() {
        let w: Vec<&str> = line.split_whitespace().collect();
        let (Some(dev), Some(maj), Some(range)) = (w.get(1), w.get(2), w.get(3)) else {
            continue;
        };
        if maj.parse::<u64>().ok() != Some(major) {
            continue;
        }
        let (lo, hi) = range.split_once('-').unwrap_or((range, range));
        let (Ok(lo), Ok(hi)) = (lo.parse::<u64>(), hi.parse::<u64>()) else {
            continue;
        };
        if (lo..=hi).contains(&minor) {
            let dev = dev.trim_start_matches("/dev/");
            return if lo == hi {
                dev.to_owned()
            } else {
                format!("{dev}{}", minor - lo)
            };
        }
    }
    "?".to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::local::Value;

    #[test]
    fn processes_of_a_proc_tree() {
        // init started 1 s after boot, 2.13 s of CPU over 3600 s of life; a kernel thread; a
        // shell on pts/1 (tty_nr 34817 = 136:1) of a user unknown to /etc/passwd.
        let init_stat = "1 (systemd) S 0 1 1 0 -1 4194560 50000 900000 100 400 120 93 2000 800 20 0 1 0 100 51781632 3000 18446744073709551615 1 1 0 0 0 0 671173123 4096 1260 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n";
        let kthread = "2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 1 0 0 20 0 1 0 101 0 0 18446744073709551615 0 0 0 0 0 0 0 2147483647 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n";
        let shell = "4321 (ba sh) (x)) S 4000 4321 4321 34817 4321 4194304 900 2000 0 0 2 1 5 3 20 0 1 0 350000 9560064 1300 18446744073709551615 1 1 0 0 0 0 65536 3686404 1266761467 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n";
        let inv = crate::inventory::fixture::run(
            &[
                ("/etc/passwd", "root:x:0:0:root:/root:/bin/bash\n"),
                ("/proc/meminfo", "MemTotal:       24684976 kB\n"),
                (
                    "/proc/stat",
                    "cpu  1 2 3 4\nbtime 1764000000\nprocesses 100\n",
                ),
                ("/proc/uptime", "3601.25 7000.00\n"),
                ("/proc/1/stat", init_stat),
                (
                    "/proc/1/status",
                    "Name:\tsystemd\nUid:\t0\t0\t0\t0\nVmSize:\t   50568 kB\nVmRSS:\t   12000 kB\n",
                ),
                ("/proc/1/cmdline", "/sbin/init\0splash\0"),
                ("/proc/2/stat", kthread),
                ("/proc/2/status", "Name:\tkthreadd\nUid:\t0\t0\t0\t0\n"),
                ("/proc/2/cmdline", ""),
                ("/proc/4321/stat", shell),
                (
                    "/proc/4321/status",
                    "Name:\tbash\nUid:\t1001\t1001\t1001\t1001\nVmRSS:\t   52000 kB\n",
                ),
                ("/proc/4321/cmdline", "-bash\0"),
                ("/proc/self", "->4321"),
            ],
            collect,
        );
        let p = inv.entries(Section::Processes);
        assert_eq!(p.len(), 3);
        let t = |i: usize, f: &str| p[i].get_text(f);
        assert_eq!(t(0, "USER").as_deref(), Some("root"));
        assert_eq!(p[0].get("PID"), Some(&Value::Int(1)));
        // 213 ticks = 2.13 s over 3600 s: 0.59 per mille -> "0.0"; rss 12000/24684976 -> "0.0".
        assert_eq!(t(0, "CPUUSAGE").as_deref(), Some("0.0"));
        assert_eq!(t(0, "MEM").as_deref(), Some("0.0"));
        assert_eq!(p[0].get("VIRTUALMEMORY"), Some(&Value::Int(50568)));
        assert_eq!(t(0, "TTY").as_deref(), Some("?"));
        assert_eq!(t(0, "CMD").as_deref(), Some("/sbin/init splash"));
        let start = jiff::Timestamp::from_second(1_764_000_001)
            .expect("ts")
            .to_zoned(jiff::tz::TimeZone::system())
            .strftime("%Y-%m-%d %H:%M")
            .to_string();
        assert_eq!(t(0, "STARTED"), Some(start));
        assert_eq!(t(1, "CMD").as_deref(), Some("[kthreadd]"));
        assert_eq!(p[1].get("VIRTUALMEMORY"), Some(&Value::Int(0)));
        assert_eq!(t(2, "USER").as_deref(), Some("1001"));
        assert_eq!(t(2, "TTY").as_deref(), Some("pts/1"));
        assert_eq!(t(2, "CMD").as_deref(), Some("-bash"));
        assert_eq!(t(2, "MEM").as_deref(), Some("0.2"));
    }

    #[test]
    fn spelling_helpers() {
        assert_eq!(per_mille(9), "0.9");
        assert_eq!(per_mille(1234), "123");
        assert_eq!(command(b"", "sshd", true), "[sshd] <defunct>");
        assert_eq!(tty_name(1025, ""), "tty1");
        assert_eq!(tty_name((4 << 8) | 64, ""), "ttyS0");
        let drivers = "usbserial            /dev/ttyUSB   188 0-511 serial\n/dev/console   /dev/console 5 1 system:console\n";
        assert_eq!(tty_name((188 << 8) | 2, drivers), "ttyUSB2");
        assert_eq!(tty_name((5 << 8) | 1, drivers), "console");
        assert_eq!(tty_name((200 << 8) | 1, drivers), "?");
    }

    #[test]
    fn real_root_has_init_and_this_process() {
        let options = crate::inventory::Options::default();
        let mut inv = LocalInventory::default();
        collect(&Context { options: &options }, &mut inv);
        let p = inv.entries(Section::Processes);
        assert!(p.iter().any(|e| e.get("PID") == Some(&Value::Int(1))));
        let me = i64::from(std::process::id());
        let mine = p
            .iter()
            .find(|e| e.get("PID") == Some(&Value::Int(me)))
            .expect("self");
        assert!(mine.get_text("CMD").is_some_and(|c| !c.starts_with('[')));
        assert!(mine.get_text("STARTED").is_some() && mine.get_text("CPUUSAGE").is_some());
    }
}
