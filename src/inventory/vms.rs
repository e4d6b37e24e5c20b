//! VIRTUALMACHINES readable from files, without `virsh` or `lxc-ls`: libvirt QEMU/KVM domains
//! (`/etc/libvirt/qemu/*.xml`, running when `/run/libvirt/qemu/<name>.xml` exists) and LXC
//! containers (`/var/lib/lxc/*/config`, running when their cgroup exists).
//!
//! With `--scan-homedirs`, also VirtualBox machines in users' home directories
//! (`~/VirtualBox VMs/*/*.vbox`); whether one runs cannot be told from its files, so their
//! STATUS is left out.
//!
//! Docker containers: `containers.rs`. Not covered (they need a daemon's API or a program): LXD, systemd-nspawn machines,
//! VMware, Xen (`xl`), Virtuozzo, libvirt's other drivers and session domains.

use super::Context;
use crate::model::local::Entry;

/// The text of the first `<tag …>text</tag>` (attributes ignored).
fn element<'a>(xml: &'a str, tag: &str) -> Option<(&'a str, &'a str)> {
    let open = format!("<{tag}");
    let mut from = 0;
    while let Some(i) = xml[from..].find(&open) {
        let at = from + i + open.len();
        let rest = &xml[at..];
        if rest.starts_with(['>', ' ', '\t', '\n', '/']) {
            let end = rest.find('>')?;
            let attrs = &rest[..end];
            let body = &rest[end + 1..];
            let text = body.find(&format!("</{tag}>")).map_or("", |e| &body[..e]);
            return Some((attrs, text.trim()));
        }
        from = at;
    }
    None
}

/// The value of `name='…'` or `name="…"` in an attribute list.
fn attribute<'a>(attrs: &'a str, name: &str) -> Option<&'a str> {
    let i = attrs.find(&format!("{name}="))?;
    let v = &attrs[i + name.len() + 1..];
    let quote = v.chars().next()?;
    v[1..].split(quote).next()
}

/// VirtualBox machines in the home directories of `/etc/passwd` users (`--scan-homedirs`).
pub(super) fn virtualbox(ctx: &Context<'_>) -> Vec<Entry> {
    let mut out = Vec::new();
    let passwd = ctx.read("/etc/passwd").unwrap_or_default();
    let mut homes: Vec<(String, String)> = passwd
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            (f.len() >= 6 && f[5].starts_with('/')).then(|| (f[0].to_owned(), f[5].to_owned()))
        })
        .collect();
    homes.sort();
    homes.dedup_by(|a, b| a.1 == b.1);
    for (owner, home) in homes {
        let dir = format!("{}/VirtualBox VMs", home.trim_end_matches('/'));
        for machine in ctx.list(&dir) {
            for file in ctx.list(&format!("{dir}/{machine}")) {
                if !file.ends_with(".vbox") {
                    continue;
                }
                let Some(xml) = ctx.read(&format!("{dir}/{machine}/{file}")) else {
                    continue;
                };
                let Some((attrs, _)) = element(&xml, "Machine") else {
                    continue;
                };
                let mut e = Entry::new();
                e.text("NAME", attribute(attrs, "name"))
                    .text(
                        "UUID",
                        attribute(attrs, "uuid").map(|u| u.trim_matches(['{', '}'])),
                    )
                    .text("VMTYPE", Some("virtualbox"))
                    .text("SUBSYSTEM", Some("Oracle VM VirtualBox"))
                    .text("COMMENT", attribute(attrs, "OSType"))
                    .text("OWNER", Some(owner.as_str()));
                if let Some((mem, _)) = element(&xml, "Memory") {
                    e.int(
                        "MEMORY",
                        attribute(mem, "RAMSize").and_then(|m| m.parse().ok()),
                    );
                }
                if let Some((cpu, _)) = element(&xml, "CPU") {
                    e.int("VCPU", attribute(cpu, "count").and_then(|c| c.parse().ok()));
                }
                if let Some((adapter, _)) = element(&xml, "Adapter") {
                    e.text(
                        "MAC",
                        attribute(adapter, "MACAddress")
                            .filter(|m| m.len() == 12)
                            .map(|m| {
                                m.as_bytes()
                                    .chunks(2)
                                    .map(|c| String::from_utf8_lossy(c).to_ascii_lowercase())
                                    .collect::<Vec<_>>()
                                    .join(":")
                            }),
                    );
                }
                if e.get("NAME").is_some() {
                    out.push(e);
                }
            }
        }
    }
    out
}

/// Libvirt domains of the system QEMU driver.
pub(super) fn libvirt(ctx: &Context<'_>) -> Vec<Entry> {
    let mut out = Vec::new();
    for file in ctx.list("/etc/libvirt/qemu") {
        let Some(xml) = ctx
            .read(&format!("/etc/libvirt/qemu/{file}"))
            .filter(|_| file.ends_with(".xml"))
        else {
            continue;
        };
        let Some((dom, _)) = element(&xml, "domain") else {
            continue;
        };
        let name = element(&xml, "name").map(|(_, t)| t.to_owned());
        let running = name
            .as_deref()
            .is_some_and(|n| ctx.exists(&format!("/run/libvirt/qemu/{n}.xml")));
        let memory = element(&xml, "memory").and_then(|(attrs, t)| {
            let n: i64 = t.parse().ok()?;
            let unit = attribute(attrs, "unit").unwrap_or("KiB");
            Some(match unit {
                "b" | "bytes" => n / 1_048_576,
                "KiB" | "k" => n / 1024,
                "MiB" | "M" => n,
                "GiB" | "G" => n * 1024,
                _ => return None,
            })
        });
        let vcpu = element(&xml, "vcpu").and_then(|(_, t)| t.parse::<i64>().ok());
        let mac = element(&xml, "mac").and_then(|(a, _)| attribute(a, "address"));
        let mut e = Entry::new();
        e.text("NAME", name)
            .text("UUID", element(&xml, "uuid").map(|(_, t)| t))
            .text("VMTYPE", Some("libvirt"))
            .text("SUBSYSTEM", attribute(dom, "type"))
            .text("STATUS", Some(if running { "running" } else { "off" }))
            .int("MEMORY", memory)
            .int("VCPU", vcpu)
            .text("MAC", mac);
        out.push(e);
    }
    out
}

/// LXC containers of the system (`lxc-*` tools' default path).
pub(super) fn lxc(ctx: &Context<'_>) -> Vec<Entry> {
    let mut out = Vec::new();
    for name in ctx.list("/var/lib/lxc") {
        let Some(config) = ctx.read(&format!("/var/lib/lxc/{name}/config")) else {
            continue;
        };
        let get = |keys: &[&str]| {
            config.lines().find_map(|l| {
                let (k, v) = l.split_once('=')?;
                keys.contains(&k.trim()).then(|| v.trim().to_owned())
            })
        };
        let memory = get(&["lxc.cgroup2.memory.max", "lxc.cgroup.memory.limit_in_bytes"])
            .and_then(|v| parse_bytes(&v))
            .map(|b| b / 1_048_576);
        let vcpu =
            get(&["lxc.cgroup2.cpuset.cpus", "lxc.cgroup.cpuset.cpus"]).map(|s| cpu_count(&s));
        let running = ["lxc.payload.", "lxc/", "lxc.payload/"]
            .iter()
            .any(|p| ctx.exists(&format!("/sys/fs/cgroup/{p}{name}")));
        let mut e = Entry::new();
        e.text("NAME", get(&["lxc.uts.name", "lxc.utsname"]).or(Some(name)))
            .text("VMTYPE", Some("lxc"))
            .text("STATUS", Some(if running { "running" } else { "off" }))
            .int("MEMORY", memory)
            .int("VCPU", vcpu)
            .text("MAC", get(&["lxc.net.0.hwaddr", "lxc.network.hwaddr"]));
        out.push(e);
    }
    out
}

/// "512M", "2G", "1073741824" as bytes.
fn parse_bytes(v: &str) -> Option<i64> {
    let v = v.trim();
    let (num, mult) = match v.chars().last()? {
        'K' | 'k' => (&v[..v.len() - 1], 1024),
        'M' | 'm' => (&v[..v.len() - 1], 1 << 20),
        'G' | 'g' => (&v[..v.len() - 1], 1 << 30),
        _ => (v, 1),
    };
    num.trim().parse::<i64>().ok().map(|n| n * mult)
}

/// The number of CPUs of a cpuset list ("0-3,6").
fn cpu_count(list: &str) -> i64 {
    list.split(',')
        .filter_map(|r| match r.trim().split_once('-') {
            Some((a, b)) => Some(b.parse::<i64>().ok()? - a.parse::<i64>().ok()? + 1),
            None => r.trim().parse::<i64>().ok().map(|_| 1),
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::fixture::Tree;
    use crate::model::local::Value;

    const DOMAIN: &str = "<!--\nWARNING: THIS IS AN AUTO-GENERATED FILE.\n-->\n<domain type='kvm'>\n  <name>debian12</name>\n  <uuid>1b9e5c1f-8d4e-4a4b-9c55-7e0c1c3f1a22</uuid>\n  <metadata/>\n  <memory unit='KiB'>4194304</memory>\n  <currentMemory unit='KiB'>4194304</currentMemory>\n  <vcpu placement='static'>2</vcpu>\n  <devices>\n    <interface type='network'>\n      <mac address='52:54:00:6b:3c:58'/>\n      <source network='default'/>\n    </interface>\n  </devices>\n</domain>\n";

    #[test]
    fn virtualbox_machines_in_home_directories() {
        let vbox = r#"<?xml version="1.0"?>
<VirtualBox xmlns="http://www.virtualbox.org/" version="1.16-linux">
  <Machine uuid="{0a1b2c3d-0000-4000-8000-000000000001}" name="win10" OSType="Windows10_64" currentSnapshot="x">
    <Hardware>
      <CPU count="2"/>
      <Memory RAMSize="4096"/>
      <Network><Adapter slot="0" enabled="true" MACAddress="0800271A2B3C" type="82540EM"/></Network>
    </Hardware>
  </Machine>
</VirtualBox>"#;
        let tree = Tree::new(&[
            (
                "/etc/passwd",
                "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000:Alice:/home/alice:/bin/bash\n",
            ),
            ("/home/alice/VirtualBox VMs/win10/win10.vbox", vbox),
            (
                "/home/alice/VirtualBox VMs/win10/win10.vbox-prev",
                "ignored",
            ),
        ]);
        let options = tree.options();
        let vms = virtualbox(&Context { options: &options });
        assert_eq!(vms.len(), 1);
        let v = &vms[0];
        assert_eq!(v.get_text("NAME").as_deref(), Some("win10"));
        assert_eq!(
            v.get_text("UUID").as_deref(),
            Some("0a1b2c3d-0000-4000-8000-000000000001")
        );
        assert_eq!(v.get_text("MEMORY").as_deref(), Some("4096"));
        assert_eq!(v.get_text("VCPU").as_deref(), Some("2"));
        assert_eq!(v.get_text("MAC").as_deref(), Some("08:00:27:1a:2b:3c"));
        assert_eq!(v.get_text("OWNER").as_deref(), Some("alice"));
        assert_eq!(v.get_text("VMTYPE").as_deref(), Some("virtualbox"));
    }

    #[test]
    fn libvirt_and_lxc_from_files() {
        let tree = Tree::new(&[
            ("/etc/libvirt/qemu/debian12.xml", DOMAIN),
            (
                "/etc/libvirt/qemu/win.xml",
                &DOMAIN.replace("debian12", "win").replace("'kvm'", "'qemu'"),
            ),
            ("/etc/libvirt/qemu/networks/default.xml", "<network/>"),
            (
                "/run/libvirt/qemu/debian12.xml",
                "<domstatus state='running'/>",
            ),
            (
                "/var/lib/lxc/web/config",
                "lxc.uts.name = web\nlxc.net.0.type = veth\nlxc.net.0.hwaddr = 00:16:3e:aa:bb:cc\nlxc.cgroup2.memory.max = 512M\nlxc.cgroup2.cpuset.cpus = 0-1,3\n",
            ),
            ("/sys/fs/cgroup/lxc.payload.web/cgroup.procs", "1234\n"),
        ]);
        let ctx = Context {
            options: &tree.options(),
        };
        let v = libvirt(&ctx);
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].get_text("NAME").as_deref(), Some("debian12"));
        assert_eq!(v[0].get_text("STATUS").as_deref(), Some("running"));
        assert_eq!(v[0].get_text("SUBSYSTEM").as_deref(), Some("kvm"));
        assert_eq!(v[0].get("MEMORY"), Some(&Value::Int(4096)));
        assert_eq!(v[0].get("VCPU"), Some(&Value::Int(2)));
        assert_eq!(v[0].get_text("MAC").as_deref(), Some("52:54:00:6b:3c:58"));
        assert_eq!(
            v[0].get_text("UUID").as_deref(),
            Some("1b9e5c1f-8d4e-4a4b-9c55-7e0c1c3f1a22")
        );
        assert_eq!(v[1].get_text("STATUS").as_deref(), Some("off"));
        assert_eq!(v[1].get_text("SUBSYSTEM").as_deref(), Some("qemu"));
        let l = lxc(&ctx);
        assert_eq!(l.len(), 1);
        assert_eq!(l[0].get_text("STATUS").as_deref(), Some("running"));
        assert_eq!(l[0].get("MEMORY"), Some(&Value::Int(512)));
        assert_eq!(l[0].get("VCPU"), Some(&Value::Int(3)));
        assert_eq!(l[0].get_text("MAC").as_deref(), Some("00:16:3e:aa:bb:cc"));
    }
}
