//! LOCAL_USERS, LOCAL_GROUPS, USERS (logged in) and HARDWARE's last logged user.
//!
//! `/etc/passwd` and `/etc/group` are read directly; the login records (`utmp`, `wtmp`) are
//! parsed in [`super::utmp`].
//!
//! Quirk 7 (§2.4) is deliberately **not** reproduced: every `/etc/group` line is reported,
//! including groups without members (the Perl `next unless $members` was added to silence a
//! warning on malformed files, and it drops most groups). MEMBER lists the group's listed
//! members, then the users whose primary group it is (as the agents add them), without
//! duplicates; it is left out when empty.

use super::Context;
use super::utmp;
use crate::model::local::{Entry, LocalInventory, Section};

/// Sections filled.
pub(super) const SECTIONS: &[Section] = &[
    Section::LocalUsers,
    Section::LocalGroups,
    Section::Users,
    Section::Hardware,
];

/// One `/etc/passwd` line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Passwd {
    /// Login name.
    pub(super) login: String,
    /// User id (kept as written).
    pub(super) uid: String,
    /// Primary group id (kept as written).
    pub(super) gid: String,
    /// The first field of the gecos.
    pub(super) gecos: String,
    /// Home directory.
    pub(super) home: String,
    /// Login shell.
    pub(super) shell: String,
}

/// Every user line of `/etc/passwd` below the root (comments and NIS `+`/`-` lines skipped).
pub(super) fn passwd(ctx: &Context<'_>) -> Vec<Passwd> {
    let text = ctx.read("/etc/passwd").unwrap_or_default();
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with(['#', '+', '-']))
        .map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            let get = |i: usize| f.get(i).copied().unwrap_or("").to_owned();
            Passwd {
                login: get(0),
                uid: get(2),
                gid: get(3),
                // The agents keep the whole gecos; only its first (name) field is a name.
                gecos: get(4).split(',').next().unwrap_or("").to_owned(),
                home: get(5),
                shell: get(6),
            }
        })
        .collect()
}

/// Collects.
pub(super) fn collect(ctx: &Context<'_>, inv: &mut LocalInventory) {
    let users = passwd(ctx);
    if ctx.wants(Section::LocalUsers) {
        for u in &users {
            let mut e = Entry::new();
            e.text("LOGIN", Some(&u.login))
                .int("ID", u.uid.parse().ok())
                .text("NAME", Some(&u.gecos))
                .text("HOME", Some(&u.home))
                .text("SHELL", Some(&u.shell));
            inv.add(Section::LocalUsers, e);
        }
    }
    if ctx.wants(Section::LocalGroups) {
        let text = ctx.read("/etc/group").unwrap_or_default();
        for line in text
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with(['#', '+', '-']))
        {
            let f: Vec<&str> = line.split(':').collect();
            let (name, gid) = (
                f.first().copied().unwrap_or(""),
                f.get(2).copied().unwrap_or(""),
            );
            let mut members: Vec<String> = Vec::new();
            let listed = f.get(3).copied().unwrap_or("").split(',');
            let primary = users
                .iter()
                .filter(|u| u.gid == gid)
                .map(|u| u.login.as_str());
            for m in listed
                .chain(primary)
                .map(str::trim)
                .filter(|m| !m.is_empty())
            {
                if !members.iter().any(|x| x == m) {
                    members.push(m.to_owned());
                }
            }
            let mut e = Entry::new();
            e.int("ID", gid.parse().ok())
                .text("NAME", Some(name))
                .list("MEMBER", members);
            inv.add(Section::LocalGroups, e);
        }
    }
    if ctx.wants(Section::Users) {
        for login in utmp::logged_in(ctx) {
            let mut e = Entry::new();
            e.text("LOGIN", Some(login));
            inv.add(Section::Users, e);
        }
    }
    if ctx.wants(Section::Hardware)
        && ctx.wants(Section::Users)
        && let Some((user, date)) = utmp::last_login(ctx)
    {
        let mut hw = Entry::new();
        hw.text("LASTLOGGEDUSER", Some(user))
            .text("DATELASTLOGGEDUSER", Some(date));
        inv.add(Section::Hardware, hw);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::local::Value;

    const PASSWD: &str = "root:x:0:0:root:/root:/bin/bash\n\
        daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n\
        _apt:x:42:65534::/nonexistent:/usr/sbin/nologin\n\
        postgres:x:104:110:PostgreSQL administrator,,,:/var/lib/postgresql:/bin/bash\n\
        testuser:x:1000:1000:Test User,,,:/home/testuser:/bin/bash\n";
    const GROUP: &str = "root:x:0:\ndaemon:x:1:\nssl-cert:x:103:postgres\n\
        postgres:x:110:\nsudo:x:27:testuser\ntestuser:x:1000:\nnogroup:x:65534:\n";

    #[test]
    fn local_users_and_groups() {
        let inv = crate::inventory::fixture::run(
            &[("/etc/passwd", PASSWD), ("/etc/group", GROUP)],
            collect,
        );
        let users = inv.entries(Section::LocalUsers);
        assert_eq!(users.len(), 5);
        assert_eq!(users[0].get("ID"), Some(&Value::Int(0)));
        assert_eq!(users[2].get_text("LOGIN").as_deref(), Some("_apt"));
        assert!(users[2].get("NAME").is_none());
        assert_eq!(
            users[3].get_text("NAME").as_deref(),
            Some("PostgreSQL administrator")
        );
        assert_eq!(
            users[3].get_text("HOME").as_deref(),
            Some("/var/lib/postgresql")
        );
        assert_eq!(users[4].get_text("SHELL").as_deref(), Some("/bin/bash"));
        let groups = inv.entries(Section::LocalGroups);
        assert_eq!(groups.len(), 7, "every group, quirk 7 not reproduced");
        let by_name = |n: &str| {
            groups
                .iter()
                .find(|g| g.get_text("NAME").as_deref() == Some(n))
                .expect("group")
        };
        let members = |n: &str| match by_name(n).get("MEMBER") {
            Some(Value::List(l)) => l.clone(),
            _ => Vec::new(),
        };
        assert_eq!(members("ssl-cert"), ["postgres"]);
        assert_eq!(members("root"), ["root"]);
        assert_eq!(members("postgres"), ["postgres"]);
        assert_eq!(members("sudo"), ["testuser"]);
        assert_eq!(members("nogroup"), ["_apt"]);
        assert_eq!(by_name("ssl-cert").get("ID"), Some(&Value::Int(103)));
        assert!(inv.entries(Section::Users).is_empty());
        assert!(
            inv.entries(Section::Hardware).is_empty(),
            "no wtmp, no last user"
        );
    }

    #[test]
    fn real_root_counts_agree_with_etc_passwd() {
        let options = crate::inventory::Options::default();
        let mut inv = LocalInventory::default();
        collect(&Context { options: &options }, &mut inv);
        let text = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
        let lines = text
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with(['#', '+', '-']))
            .count();
        assert_eq!(inv.entries(Section::LocalUsers).len(), lines);
        let groups = std::fs::read_to_string("/etc/group").unwrap_or_default();
        let glines = groups
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with(['#', '+', '-']))
            .count();
        assert_eq!(inv.entries(Section::LocalGroups).len(), glines);
    }
}
