//! SOFTWARES from snap and flatpak, read from their on-disk state instead of `snap list` /
//! `flatpak list` + `info`.
//!
//! * snap: `/snap/<name>/current/meta/snap.yaml` (name, version, summary → COMMENTS, first
//!   architecture, type: `base`, `core`/`os` and `snapd` skipped as the agent skips them),
//!   FILESIZE = size of `/var/lib/snapd/snaps/<name>_<rev>.snap`, INSTALLDATE = mtime of
//!   `/snap/<name>` (as the agent). Not available offline: PUBLISHER (store metadata).
//! * flatpak (system installation `/var/lib/flatpak`, apps and runtimes, every arch/branch
//!   deployed): NAME from the exported `.desktop` file (else the id), VERSION from the
//!   metainfo's first `<release version=…>` (else the branch, as the agent), ARCH, PUBLISHER =
//!   the remote holding the ref (`repo/refs/remotes/<remote>/…`), INSTALLDATE = mtime of the
//!   active deployment, SYSTEM_CATEGORY `system`, COMMENTS `AppID: <id>`. User
//!   installations (home directories) are not read. Not available: FILESIZE.

use super::Context;
use super::software::install_date;
use crate::model::local::Entry;

/// Top-level `key: value` pairs of a simple YAML file, and the first item of `architectures`.
fn yaml_top(text: &str) -> (Vec<(String, String)>, Option<String>) {
    let mut pairs = Vec::new();
    let mut arch = None;
    let mut in_arch = false;
    for line in text.lines() {
        if in_arch && let Some(item) = line.trim_start().strip_prefix("- ") {
            arch.get_or_insert_with(|| item.trim().to_owned());
            continue;
        }
        in_arch = false;
        if line.starts_with([' ', '\t', '-', '#']) {
            continue;
        }
        if let Some((k, v)) = line.split_once(':') {
            let v = v.trim().trim_matches(['"', '\'']).to_owned();
            in_arch = k == "architectures" && v.is_empty();
            if k == "architectures"
                && let Some(list) = v.strip_prefix('[').and_then(|v| v.strip_suffix(']'))
            {
                arch = list.split(',').next().map(|a| a.trim().to_owned());
            }
            pairs.push((k.to_owned(), v));
        }
    }
    (pairs, arch)
}

/// The installed snaps.
pub(super) fn snaps(ctx: &Context<'_>) -> Vec<Entry> {
    let mut out = Vec::new();
    for name in ctx.list("/snap") {
        let Some(text) = ctx.read(&format!("/snap/{name}/current/meta/snap.yaml")) else {
            continue;
        };
        let (pairs, arch) = yaml_top(&text);
        let field = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        if matches!(
            field("type").as_deref(),
            Some("base" | "core" | "os" | "snapd")
        ) {
            continue;
        }
        let rev = ctx
            .link(&format!("/snap/{name}/current"))
            .map(|p| p.to_string_lossy().into_owned());
        let size = rev.and_then(|r| {
            let file = ctx.path(&format!("/var/lib/snapd/snaps/{name}_{r}.snap"));
            std::fs::metadata(file)
                .ok()
                .and_then(|m| i64::try_from(m.len()).ok())
        });
        let date = std::fs::metadata(ctx.path(&format!("/snap/{name}")))
            .and_then(|m| m.modified())
            .ok()
            .and_then(install_date);
        let mut e = Entry::new();
        e.text("NAME", field("name").or(Some(name)))
            .text("VERSION", field("version"))
            .text("COMMENTS", field("summary"))
            .text("ARCH", arch)
            .int("FILESIZE", size)
            .text("INSTALLDATE", date)
            .text("FROM", Some("snap"));
        out.push(e);
    }
    out
}

/// The flatpak apps and runtimes of the system installation.
pub(super) fn flatpaks(ctx: &Context<'_>) -> Vec<Entry> {
    let base = "/var/lib/flatpak";
    let remotes = ctx.list(&format!("{base}/repo/refs/remotes"));
    let mut out = Vec::new();
    for kind in ["app", "runtime"] {
        for id in ctx.list(&format!("{base}/{kind}")) {
            for arch in ctx.list(&format!("{base}/{kind}/{id}")) {
                if arch == "current" {
                    continue;
                }
                for branch in ctx.list(&format!("{base}/{kind}/{id}/{arch}")) {
                    let active = format!("{base}/{kind}/{id}/{arch}/{branch}/active");
                    if !ctx.exists(&format!("{active}/metadata")) {
                        continue;
                    }
                    out.push(flatpak(ctx, &remotes, kind, &id, &arch, &branch, &active));
                }
            }
        }
    }
    out
}

/// One deployed flatpak ref.
fn flatpak(
    ctx: &Context<'_>,
    remotes: &[String],
    kind: &str,
    id: &str,
    arch: &str,
    branch: &str,
    active: &str,
) -> Entry {
    let desktop = ctx.read(&format!("{active}/export/share/applications/{id}.desktop"));
    let name = desktop.and_then(|d| {
        d.lines()
            .find_map(|l| l.strip_prefix("Name=").map(|n| n.trim().to_owned()))
    });
    let metainfo = ctx
        .read(&format!("{active}/files/share/metainfo/{id}.metainfo.xml"))
        .or_else(|| ctx.read(&format!("{active}/files/share/appdata/{id}.appdata.xml")));
    let version = metainfo.and_then(|m| {
        let at = m.find("<release ")?;
        let rest = &m[at..m[at..].find('>').map_or(m.len(), |e| at + e)];
        let v = rest.split("version=").nth(1)?;
        let quote = v.chars().next()?;
        v[1..].split(quote).next().map(str::to_owned)
    });
    let publisher = remotes
        .iter()
        .find(|r| {
            ctx.exists(&format!(
                "/var/lib/flatpak/repo/refs/remotes/{r}/{kind}/{id}/{arch}/{branch}"
            ))
        })
        .cloned();
    let date = std::fs::metadata(ctx.path(active))
        .and_then(|m| m.modified())
        .ok()
        .and_then(install_date);
    let mut e = Entry::new();
    e.text("NAME", name.or_else(|| Some(id.to_owned())))
        .text("VERSION", version.or_else(|| Some(branch.to_owned())))
        .text("ARCH", Some(arch))
        .text("PUBLISHER", publisher)
        .text("INSTALLDATE", date)
        .text("SYSTEM_CATEGORY", Some("system"))
        .text("COMMENTS", Some(format!("AppID: {id}")))
        .text("FROM", Some("flatpak"));
    e
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::fixture::Tree;
    use crate::model::local::Value;

    #[test]
    fn snaps_from_snap_yaml() {
        let yaml = "name: firefox\nversion: 133.0-1\nsummary: Mozilla Firefox web browser\n\
description: |\n  Firefox is a powerful, extensible web browser\nconfinement: strict\n\
grade: stable\narchitectures:\n- amd64\nbase: core22\napps:\n  firefox:\n    command: firefox.launcher\n";
        let tree = Tree::new(&[
            ("/snap/firefox/current", "->5273"),
            ("/snap/firefox/5273/meta/snap.yaml", yaml),
            ("/var/lib/snapd/snaps/firefox_5273.snap", "squashfs bytes"),
            ("/snap/core22/current", "->1663"),
            (
                "/snap/core22/1663/meta/snap.yaml",
                "name: core22\nversion: '20241001'\ntype: base\narchitectures: [amd64]\n",
            ),
            ("/snap/snapd/current", "->23258"),
            (
                "/snap/snapd/23258/meta/snap.yaml",
                "name: snapd\nversion: 2.66.1\ntype: snapd\n",
            ),
            ("/snap/bin/firefox", "->/usr/bin/snap"),
        ]);
        let s = snaps(&Context {
            options: &tree.options(),
        });
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].get_text("NAME").as_deref(), Some("firefox"));
        assert_eq!(s[0].get_text("VERSION").as_deref(), Some("133.0-1"));
        assert_eq!(s[0].get_text("ARCH").as_deref(), Some("amd64"));
        assert_eq!(
            s[0].get_text("COMMENTS").as_deref(),
            Some("Mozilla Firefox web browser")
        );
        assert_eq!(s[0].get("FILESIZE"), Some(&Value::Int(14)));
        assert_eq!(s[0].get_text("FROM").as_deref(), Some("snap"));
        assert!(s[0].get_text("INSTALLDATE").is_some());
    }

    #[test]
    fn flatpaks_from_deployments() {
        let app = "/var/lib/flatpak/app/org.gimp.GIMP/x86_64/stable/active";
        let rt = "/var/lib/flatpak/runtime/org.gnome.Platform/x86_64/46/active";
        let meta = format!("{app}/metadata");
        let desktop = format!("{app}/export/share/applications/org.gimp.GIMP.desktop");
        let info = format!("{app}/files/share/metainfo/org.gimp.GIMP.metainfo.xml");
        let rmeta = format!("{rt}/metadata");
        let tree = Tree::new(&[
            (
                &meta,
                "[Application]\nname=org.gimp.GIMP\nruntime=org.gnome.Platform/x86_64/46\n",
            ),
            (
                &desktop,
                "[Desktop Entry]\nType=Application\nName=GNU Image Manipulation Program\nName[fr]=GIMP\n",
            ),
            (
                &info,
                "<component><releases>\n<release version=\"2.10.38\" date=\"2024-05-03\"/>\n<release version=\"2.10.36\"/></releases></component>\n",
            ),
            (&rmeta, "[Runtime]\nname=org.gnome.Platform\n"),
            (
                "/var/lib/flatpak/app/org.gimp.GIMP/current",
                "->x86_64/stable",
            ),
            (
                "/var/lib/flatpak/repo/refs/remotes/flathub/app/org.gimp.GIMP/x86_64/stable",
                "0123abcd\n",
            ),
        ]);
        let f = flatpaks(&Context {
            options: &tree.options(),
        });
        assert_eq!(f.len(), 2);
        assert_eq!(
            f[0].get_text("NAME").as_deref(),
            Some("GNU Image Manipulation Program")
        );
        assert_eq!(f[0].get_text("VERSION").as_deref(), Some("2.10.38"));
        assert_eq!(f[0].get_text("PUBLISHER").as_deref(), Some("flathub"));
        assert_eq!(
            f[0].get_text("COMMENTS").as_deref(),
            Some("AppID: org.gimp.GIMP")
        );
        assert_eq!(f[0].get_text("ARCH").as_deref(), Some("x86_64"));
        assert_eq!(f[1].get_text("NAME").as_deref(), Some("org.gnome.Platform"));
        assert_eq!(f[1].get_text("VERSION").as_deref(), Some("46"));
        assert!(f[1].get("PUBLISHER").is_none());
    }
}
