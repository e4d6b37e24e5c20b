//! Login records: `utmp` (who is logged in) and `wtmp` (the last login), parsed directly.
//!
//! `struct utmp` on Linux (x86_64, aarch64 and the other glibc 64-bit ABIs keep 32-bit times
//! for compatibility) is 384 bytes: `ut_type` i16 @0, `ut_pid` i32 @4, `ut_line[32]` @8,
//! `ut_id[4]` @40, `ut_user[32]` @44, `ut_host[256]` @76, `ut_exit` @332, `ut_session` @336,
//! `ut_tv` {i32 sec, i32 usec} @340, `ut_addr_v6` @348, unused @364. Byte order is native.
//!
//! Quirk 1 (§2.4) is not reproduced: an empty `wtmp` gives no LASTLOGGEDUSER (the agents
//! parsed `last`'s trailer "wtmp begins …" as a user named `wtmp`). The last login is the last
//! USER_PROCESS record of `wtmp` (`last -w`'s first line that is not reboot/shutdown), and its
//! date is spelled as `last` prints it and the agent keeps it: "Tue May 20 10:11" (local time).

use super::Context;

/// The size of one record.
const RECORD: usize = 384;
/// `ut_type` of a user's login session.
const USER_PROCESS: i16 = 7;

/// One USER_PROCESS record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Login {
    /// `ut_user`.
    pub(super) user: String,
    /// `ut_pid`.
    pub(super) pid: i32,
    /// `ut_line` (tty).
    pub(super) line: String,
    /// `ut_tv.tv_sec`.
    pub(super) time: i64,
}

/// A NUL-padded C string field.
fn c_string(b: &[u8]) -> String {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    String::from_utf8_lossy(&b[..end]).trim().to_owned()
}

/// A native-endian i32 at `at`.
fn i32_at(b: &[u8], at: usize) -> i32 {
    let mut a = [0u8; 4];
    a.copy_from_slice(&b[at..at + 4]);
    i32::from_ne_bytes(a)
}

/// The USER_PROCESS records of a utmp-format file, in file order.
pub(super) fn logins(bytes: &[u8]) -> Vec<Login> {
    bytes
        .chunks_exact(RECORD)
        .filter(|r| i16::from_ne_bytes([r[0], r[1]]) == USER_PROCESS)
        .map(|r| Login {
            user: c_string(&r[44..76]),
            pid: i32_at(r, 4),
            line: c_string(&r[8..40]),
            time: i64::from(i32_at(r, 340)),
        })
        .filter(|l| !l.user.is_empty())
        .collect()
}

/// The logged-in users as `who` lists them (unique, in utmp order): USER_PROCESS records whose
/// process still exists (coreutils' pid check; the root's `/proc` is looked at).
pub(super) fn logged_in(ctx: &Context<'_>) -> Vec<String> {
    let Some(bytes) = ctx
        .read_bytes("/run/utmp")
        .or_else(|| ctx.read_bytes("/var/run/utmp"))
    else {
        return Vec::new();
    };
    let mut users: Vec<String> = Vec::new();
    for l in logins(&bytes) {
        let alive = l.pid <= 0 || ctx.exists(&format!("/proc/{}", l.pid));
        if alive && !users.contains(&l.user) {
            users.push(l.user);
        }
    }
    users
}

/// The last login of `wtmp`: user and date.
pub(super) fn last_login(ctx: &Context<'_>) -> Option<(String, String)> {
    let bytes = ctx.read_bytes("/var/log/wtmp")?;
    let last = logins(&bytes).pop()?;
    let ts = jiff::Timestamp::from_second(last.time).ok()?;
    let date = ts
        .to_zoned(jiff::tz::TimeZone::system())
        .strftime("%a %b %-d %H:%M")
        .to_string();
    Some((last.user, date))
}

/// Test helper: one binary record.
#[cfg(test)]
pub(super) fn record(
    kind: i16,
    pid: i32,
    line: &str,
    user: &str,
    host: &str,
    time: i32,
) -> Vec<u8> {
    let mut r = vec![0u8; RECORD];
    r[0..2].copy_from_slice(&kind.to_ne_bytes());
    r[4..8].copy_from_slice(&pid.to_ne_bytes());
    r[8..8 + line.len()].copy_from_slice(line.as_bytes());
    r[44..44 + user.len()].copy_from_slice(user.as_bytes());
    r[76..76 + host.len()].copy_from_slice(host.as_bytes());
    r[340..344].copy_from_slice(&time.to_ne_bytes());
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::fixture::Tree;
    use crate::inventory::users;
    use crate::model::local::{LocalInventory, Section};

    #[test]
    fn utmp_and_wtmp_records() {
        // utmp: boot record, a run level, two sessions of alice, one of bob (dead pid 999),
        // a logged-out slot (DEAD_PROCESS = 8).
        let mut utmp = record(2, 0, "~", "reboot", "6.1.0", 1_747_699_200);
        utmp.extend(record(1, 20019, "~", "runlevel", "6.1.0", 1_747_699_201));
        utmp.extend(record(
            7,
            1234,
            "pts/0",
            "alice",
            "192.0.2.10",
            1_747_700_000,
        ));
        utmp.extend(record(
            7,
            1240,
            "pts/1",
            "alice",
            "192.0.2.10",
            1_747_700_100,
        ));
        utmp.extend(record(7, 999, "pts/2", "bob", "", 1_747_700_200));
        utmp.extend(record(8, 1300, "pts/3", "", "", 1_747_700_300));
        // wtmp: a login of alice, a logout, a reboot, then carol's login, then a shutdown.
        let mut wtmp = record(7, 1234, "pts/0", "alice", "192.0.2.10", 1_747_700_000);
        wtmp.extend(record(8, 1234, "pts/0", "", "", 1_747_700_500));
        wtmp.extend(record(2, 0, "~", "reboot", "6.1.0", 1_747_786_000));
        wtmp.extend(record(7, 2000, "tty1", "carol", "", 1_747_786_400));
        wtmp.extend(record(1, 0, "~", "shutdown", "6.1.0", 1_747_790_000));
        assert_eq!(
            logins(&utmp[..RECORD - 1]),
            [],
            "a partial record is ignored"
        );
        let tree = Tree::new(&[
            ("/etc/passwd", "root:x:0:0:root:/root:/bin/bash\n"),
            ("/proc/1234/stat", "1234 (bash) S"),
            ("/proc/1240/stat", "1240 (bash) S"),
        ]);
        // Binary content: written directly (the fixture writer takes text).
        std::fs::create_dir_all(tree.0.join("run")).expect("mkdir");
        std::fs::create_dir_all(tree.0.join("var/log")).expect("mkdir");
        std::fs::write(tree.0.join("run/utmp"), &utmp).expect("write");
        std::fs::write(tree.0.join("var/log/wtmp"), &wtmp).expect("write");
        let mut inv = LocalInventory::default();
        users::collect(
            &Context {
                options: &tree.options(),
            },
            &mut inv,
        );
        let logged: Vec<_> = inv
            .entries(Section::Users)
            .iter()
            .filter_map(|e| e.get_text("LOGIN"))
            .collect();
        assert_eq!(logged, ["alice"], "bob's session process is gone");
        let hw = &inv.entries(Section::Hardware)[0];
        assert_eq!(hw.get_text("LASTLOGGEDUSER").as_deref(), Some("carol"));
        let expected = jiff::Timestamp::from_second(1_747_786_400)
            .expect("ts")
            .to_zoned(jiff::tz::TimeZone::system())
            .strftime("%a %b %-d %H:%M")
            .to_string();
        assert_eq!(hw.get_text("DATELASTLOGGEDUSER"), Some(expected));
    }

    #[test]
    fn empty_wtmp_gives_no_last_user() {
        let tree = Tree::new(&[("/var/log/wtmp", "")]);
        let ctx = Context {
            options: &tree.options(),
        };
        assert_eq!(last_login(&ctx), None);
        assert!(logged_in(&ctx).is_empty());
    }
}
