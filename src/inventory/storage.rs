//! STORAGES: physical disks from /sys/block and the udev database.
//!
//! As glpi-agent's `getDevicesFromProc`: the disks are `/sys/block` entries named
//! `[shv]d[a-z]+`/`fd\d` plus every entry with a `device` link (nvme, mmcblk, sr…); loop,
//! ram, zram, dm-* and md devices have no `device` link and are not disks (skipped by name
//! too). Attributes come from `/sys/block/<d>/<key>` then `/sys/block/<d>/device/<key>`; the
//! udev database (`/run/udev/data/b<maj>:<min>`, readable without root) fills what sysfs
//! lacks. Not done (no subprocess): smartctl/hdparm/fdisk serials and firmware, multipath
//! filtering, RAID controller CLIs. Decisions:
//! * `DISKSIZE` in MB = sectors × 512 / 10^6, truncated (both agents).
//! * `WWN` `"wwn-<hex>"` from a `naa.` wwid as glpi-agent writes it; udev's `ID_WWN` ("0x…")
//!   is written the same way.
//! * `INTERFACE` is set from what is known without probing: NVME for nvme disks, and udev's
//!   bus (ATA → SATA when `ID_ATA_SATA=1`, else IDE; SCSI; USB).

use std::collections::BTreeSet;

use super::Context;
use super::ids::Ids;
use crate::model::local::{Entry, LocalInventory, Section};

/// Sections filled.
pub(super) const SECTIONS: &[Section] = &[Section::Storages];

/// Collects.
pub(super) fn collect(ctx: &Context<'_>, inv: &mut LocalInventory) {
    let mut pci: Option<Option<Ids>> = None;
    for name in ctx.list("/sys/block") {
        if !is_disk(ctx, &name) {
            continue;
        }
        inv.add(Section::Storages, disk(ctx, &name, &mut pci));
    }
}

/// True for the block devices the agents report.
fn is_disk(ctx: &Context<'_>, name: &str) -> bool {
    let virtual_dev = ["loop", "ram", "zram", "dm-", "md", "nbd"]
        .iter()
        .any(|p| name.starts_with(p));
    if virtual_dev {
        return false;
    }
    let classic = {
        let b = name.as_bytes();
        let sd = b.len() >= 3
            && matches!(b[0], b's' | b'h' | b'v')
            && b[1] == b'd'
            && b[2..].iter().all(u8::is_ascii_lowercase);
        let fd = b.len() >= 3 && name.starts_with("fd") && b[2..].iter().all(u8::is_ascii_digit);
        sd || fd
    };
    classic || ctx.exists(&format!("/sys/block/{name}/device"))
}

/// An attribute of a disk, sanitised as glpi-agent does (printable characters up to the last
/// alphanumeric one, trimmed).
fn attr(ctx: &Context<'_>, name: &str, key: &str) -> Option<String> {
    let raw = ctx
        .read_bytes(&format!("/sys/block/{name}/{key}"))
        .or_else(|| ctx.read_bytes(&format!("/sys/block/{name}/device/{key}")))?;
    let text = String::from_utf8_lossy(&raw);
    // The first run of printable characters that holds an alphanumeric one.
    let run = text
        .split(char::is_control)
        .find(|s| s.chars().any(char::is_alphanumeric))?;
    let end = run.rfind(char::is_alphanumeric)?;
    let end = end + run[end..].chars().next().map_or(1, char::len_utf8);
    let v = run[..end].trim();
    (!v.is_empty()).then(|| v.to_owned())
}

/// The udev properties (`E:` lines) of a block device.
fn udev(ctx: &Context<'_>, name: &str) -> Vec<(String, String)> {
    let Some(dev) = ctx.read_value(&format!("/sys/block/{name}/dev")) else {
        return Vec::new();
    };
    ctx.read(&format!("/run/udev/data/b{dev}"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.strip_prefix("E:"))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

/// Decodes udev's `\x20`-style escapes (`ID_MODEL_ENC`).
fn unescape(s: &str) -> String {
    let mut out = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\'
            && b.get(i + 1) == Some(&b'x')
            && let Some(v) = s
                .get(i + 2..i + 4)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 4;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).trim().to_owned()
}

/// One disk.
fn disk(ctx: &Context<'_>, name: &str, pci: &mut Option<Option<Ids>>) -> Entry {
    let props = udev(ctx, name);
    let prop = |k: &str| {
        props
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let model = attr(ctx, name, "model")
        .or_else(|| prop("ID_MODEL_ENC").map(|m| unescape(&m)))
        .or_else(|| prop("ID_MODEL"));
    let mut manufacturer = attr(ctx, name, "vendor").or_else(|| prop("ID_VENDOR"));
    let serial = attr(ctx, name, "serial")
        .or_else(|| attr(ctx, name, "vpd_pg80"))
        .or_else(|| prop("ID_SERIAL_SHORT"))
        .or_else(|| prop("ID_SERIAL"));
    let firmware = attr(ctx, name, "rev")
        .or_else(|| attr(ctx, name, "firmware_rev"))
        .or_else(|| prop("ID_REVISION"));
    let removable = attr(ctx, name, "removable").is_some_and(|v| v != "0");
    let wwn = attr(ctx, name, "wwid")
        .and_then(|w| w.strip_prefix("naa.").map(|h| format!("wwn-{h}")))
        .or_else(|| prop("ID_WWN").map(|w| format!("wwn-{}", w.trim_start_matches("0x"))));
    let mut description = None;
    if manufacturer.as_deref() == Some("ATA") && name.starts_with("sd") {
        description = Some("SATA".to_owned());
    }
    for sub in ["device/subsystem", "device/device/subsystem"] {
        let Some(link) = ctx.link(&format!("/sys/block/{name}/{sub}")) else {
            continue;
        };
        let parts: Vec<String> = link
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        if let [.., bus, kind] = parts.as_slice()
            && bus == "bus"
        {
            if !(description.as_deref() == Some("SATA") && kind == "scsi") {
                description = Some(kind.to_ascii_uppercase());
            }
            break;
        }
    }
    let bus = prop("ID_BUS");
    let description = fix_description(
        name,
        manufacturer.as_deref(),
        description.or_else(|| bus.clone()).as_deref(),
        serial.as_deref(),
    );
    if manufacturer.is_none() || manufacturer.as_deref() == Some("ATA") {
        manufacturer = model
            .as_deref()
            .map(canonical_manufacturer)
            .filter(|m| Some(m) != model.as_ref())
            .or(manufacturer);
    } else if let Some(id) = manufacturer
        .as_deref()
        .and_then(|m| m.strip_prefix("0x"))
        .map(str::to_ascii_lowercase)
    {
        // virtio disks give the PCI vendor id ("0x1af4"): named from pci.ids.
        let db = pci.get_or_insert_with(|| Ids::pci(ctx, &BTreeSet::from([id.clone()])));
        if let Some(v) = db.as_ref().and_then(|db| db.vendor(&id)) {
            manufacturer = Some(v.to_owned());
        }
    }
    let interface = if name.starts_with("nvme") {
        Some("NVME".to_owned())
    } else {
        match bus.as_deref() {
            Some("ata") if prop("ID_ATA_SATA").as_deref() == Some("1") => Some("SATA".to_owned()),
            Some("ata") => Some("IDE".to_owned()),
            Some("scsi") => Some("SCSI".to_owned()),
            Some("usb") => Some("USB".to_owned()),
            _ => None,
        }
    };
    let size = attr(ctx, name, "size")
        .and_then(|s| s.parse::<i64>().ok())
        .map(|sectors| sectors.saturating_mul(512) / 1_000_000)
        .filter(|mb| *mb > 0);
    let mut e = Entry::new();
    e.text("NAME", Some(name))
        .text("MANUFACTURER", manufacturer)
        .text("MODEL", model)
        .text("FIRMWARE", firmware)
        .text("SERIALNUMBER", serial)
        .text("TYPE", Some(if removable { "removable" } else { "disk" }))
        .text("DESCRIPTION", Some(description))
        .text("INTERFACE", interface)
        .int("DISKSIZE", size)
        .text("WWN", wwn);
    e
}

/// glpi-agent's `_fixDescription`: the bus a disk is on, as GLPI expects it.
fn fix_description(
    name: &str,
    manufacturer: Option<&str>,
    description: Option<&str>,
    serial: Option<&str>,
) -> String {
    let has = |v: Option<&str>, pat: &str| v.is_some_and(|v| v.contains(pat));
    if description.is_some_and(|d| d.to_ascii_lowercase().contains("usb")) {
        return "USB".to_owned();
    }
    if name.starts_with("sd") {
        if has(manufacturer, "ATA") || has(serial, "ATA") || has(description, "ATA") {
            "SATA".to_owned()
        } else {
            "SCSI".to_owned()
        }
    } else if name.starts_with("sg") {
        "SCSI".to_owned()
    } else if name.starts_with("vd") || has(description, "VIRTIO") {
        "Virtual".to_owned()
    } else {
        description.unwrap_or("IDE").to_owned()
    }
}

/// glpi-agent's `getCanonicalManufacturer`: a vendor name from a vendor string or a model.
pub(super) fn canonical_manufacturer(m: &str) -> String {
    let exact = match m {
        "GenuineIntel" => Some("Intel"),
        "AuthenticAMD" => Some("AMD"),
        "TMx86" | "TransmetaCPU" => Some("Transmeta"),
        "CyrixInstead" => Some("Cyrix"),
        "CentaurHauls" => Some("VIA"),
        "HygonGenuine" => Some("Hygon"),
        _ => None,
    };
    if let Some(e) = exact {
        return e.to_owned();
    }
    let lower = m.to_ascii_lowercase();
    let word = |w: &str| {
        lower
            .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
            .any(|x| x == w)
    };
    const NAMES: &[&str] = &[
        "broadcom",
        "compaq",
        "dell",
        "epson",
        "fujitsu",
        "hitachi",
        "ibm",
        "intel",
        "kingston",
        "matshita",
        "maxtor",
        "nvidia",
        "pioneer",
        "samsung",
        "sony",
        "supermicro",
        "toshiba",
        "transcend",
    ];
    // The leftmost match wins, as in the Perl alternation.
    let mut best: Option<(usize, &str)> = None;
    for n in NAMES {
        if let Some(i) = lower.find(n)
            && best.is_none_or(|(b, _)| i < b)
        {
            best = Some((i, n));
        }
    }
    if word("lg") && best.is_none() {
        return "Lg".to_owned();
    }
    if word("nec") && best.is_none() {
        return "Nec".to_owned();
    }
    if let Some((_, n)) = best {
        let mut c = n.chars();
        return c
            .next()
            .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
            .unwrap_or_default();
    }
    let starts_ci = |p: &str| lower.starts_with(p);
    let found = if starts_ci("apple") {
        "Apple"
    } else if m.starts_with("hp")
        || m.starts_with("HP")
        || starts_ci("hewlett-packard")
        || starts_ci("hewlett packard")
        || m.starts_with("MM")
    {
        "Hewlett-Packard"
    } else if ["HD", "IC", "HU", "HGST"].iter().any(|p| m.starts_with(p)) {
        "Hitachi"
    } else if m.starts_with("ST") || starts_ci("seagate") {
        "Seagate"
    } else if starts_ci("optiarc") {
        "Sony"
    } else if m.starts_with("WD") || starts_ci("western") {
        "Western Digital"
    } else if m.starts_with("CT") {
        "Crucial"
    } else if m.starts_with("PNY") {
        "PNY"
    } else {
        m
    };
    found.to_owned()
}

#[cfg(test)]
#[path = "storage_tests.rs"]
mod tests;
