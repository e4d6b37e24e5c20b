//! MEMORIES, SLOTS and PORTS from the SMBIOS tables (/sys/firmware/dmi/tables, root only).
//!
//! Field choices follow glpi-agent's `Generic/Dmidecode/{Memory,Slots,Ports}` read through
//! dmidecode's names; the differences are deliberate and said where they are:
//! * dmidecode strings that are placeholders are left out (glpi-agent's `isInvalidBiosValue`);
//!   enumerated values decoded here keep their meaning, so `MEMORYCORRECTION` "None" (no ECC)
//!   and `PORTS` connector "None" are decoded values — a "None" connector is treated as
//!   absent as glpi-agent does (its filter drops the dmidecode text "None"), while "None"
//!   error correction is kept (FI 2.3 did, and it says the memory has no ECC).
//! * `MEMORIES/SPEED` is the number in MT/s as text ("1600"), as glpi-agent's
//!   `getCanonicalSpeed` gives it (FI 2.3 sent "1600 MT/s").
//! * glpi-agent replaces the capacity of a single memory module of a virtual machine by
//!   HARDWARE/MEMORY; not done here (VMSYSTEM is decided after this collector runs).

use super::Context;
use super::smbios_names as names;
use super::smbios_parse::{Structure, Table};
use crate::model::local::{Entry, LocalInventory, Section};

/// Sections filled.
pub(super) const SECTIONS: &[Section] = &[Section::Memories, Section::Slots, Section::Ports];

/// Collects.
pub(super) fn collect(ctx: &Context<'_>, inv: &mut LocalInventory) {
    let Some(table) = Table::load(ctx) else {
        return;
    };
    collect_from(ctx, &table, inv);
}

/// Collects from a parsed table.
pub(super) fn collect_from(ctx: &Context<'_>, table: &Table, inv: &mut LocalInventory) {
    if ctx.wants(Section::Memories) {
        for e in memories(table) {
            inv.add(Section::Memories, e);
        }
    }
    if ctx.wants(Section::Slots) {
        for s in table.of_type(9) {
            inv.add(Section::Slots, slot(s));
        }
    }
    if ctx.wants(Section::Ports) {
        for p in table.of_type(8) {
            inv.add(Section::Ports, port(p));
        }
    }
}

/// One entry per memory device (type 17), empty slots included; NUMSLOTS is the position of
/// the device among all type-17 structures (glpi-agent's counter).
fn memories(table: &Table) -> Vec<Entry> {
    let mut out = Vec::new();
    for (i, dev) in table.of_type(17).enumerate() {
        let kind = dev.byte(0x12);
        // Flash is in general the BIOS's own storage, not memory (glpi-agent #1334).
        if kind == Some(0x09) {
            continue;
        }
        let array = dev
            .word(0x04)
            .and_then(|h| table.of_type(16).find(|a| a.handle == h))
            .or_else(|| table.first(16));
        let mut e = Entry::new();
        e.int("NUMSLOTS", i64::try_from(i + 1).ok())
            .text(
                "DESCRIPTION",
                dev.byte(0x0e).and_then(names::memory_form_factor),
            )
            .text("CAPTION", dev.string(0x10))
            .text("SPEED", memory_speed(dev).map(|s| s.to_string()))
            .text("TYPE", kind.and_then(names::memory_type))
            .text("SERIALNUMBER", dev.string(0x18))
            .text(
                "MEMORYCORRECTION",
                array
                    .and_then(|a| a.byte(0x06))
                    .and_then(names::memory_correction),
            )
            .text(
                "MANUFACTURER",
                dev.string(0x17).filter(|m| valid_manufacturer(m)),
            )
            .int("CAPACITY", memory_size_mb(dev))
            .text("MODEL", dev.string(0x1a).and_then(|p| part_number(&p)));
        out.push(e);
    }
    out
}

/// The size of a memory device in MB; `None` for an empty slot or an unknown size.
fn memory_size_mb(dev: &Structure) -> Option<i64> {
    let size = dev.word(0x0c)?;
    match size {
        0 | 0xffff => None,
        0x7fff => dev
            .dword(0x1c)
            .map(|x| i64::from(x & 0x7fff_ffff))
            .filter(|x| *x > 0),
        s if s & 0x8000 != 0 => Some(i64::from(s & 0x7fff) / 1024).filter(|x| *x > 0),
        s => Some(i64::from(s)),
    }
}

/// The speed in MT/s (0 unknown; 0xFFFF means the extended field at 0x54).
fn memory_speed(dev: &Structure) -> Option<u32> {
    match dev.word(0x15)? {
        0 => None,
        0xffff => dev.dword(0x54).map(|x| x & 0x7fff_ffff).filter(|x| *x > 0),
        s => Some(u32::from(s)),
    }
}

/// glpi-agent's filter of memory manufacturers that are placeholders or raw JEDEC ids.
fn valid_manufacturer(m: &str) -> bool {
    let l = m.to_ascii_lowercase();
    let digits4 = m
        .as_bytes()
        .windows(4)
        .any(|w| w.iter().all(u8::is_ascii_digit));
    !(l.contains("manufacturer")
        || l.contains("undefined")
        || l.contains("none")
        || l.starts_with("0x")
        || digits4
        || l.contains(" dimm"))
}

/// The part number as MODEL: placeholders left out, hexadecimal (`0x…`) decoded, trailing
/// dashes removed.
fn part_number(p: &str) -> Option<String> {
    let l = p.to_ascii_lowercase();
    let squeezed: String = l.chars().filter(|c| !c.is_whitespace()).collect();
    if l.contains("dimm") || squeezed.contains("partnum") || squeezed.contains("sernum") {
        return None;
    }
    let text = match p.strip_prefix("0x").or_else(|| p.strip_prefix("0X")) {
        Some(hex) if hex.len() % 2 == 0 && hex.bytes().all(|b| b.is_ascii_hexdigit()) => hex
            .as_bytes()
            .chunks(2)
            .filter_map(|c| std::str::from_utf8(c).ok())
            .filter_map(|c| u8::from_str_radix(c, 16).ok())
            .filter(|b| b.is_ascii_graphic() || *b == b' ')
            .map(char::from)
            .collect(),
        _ => p.to_owned(),
    };
    let t = text.trim().trim_end_matches('-').trim();
    (!t.is_empty()).then(|| t.to_owned())
}

/// A system slot (type 9): DESCRIPTION as dmidecode's `Type` (bus width and slot type),
/// DESIGNATION its `ID`, NAME its designation, STATUS `used`/`free`.
fn slot(s: &Structure) -> Entry {
    let kind = s.byte(0x05);
    let description = kind.and_then(names::slot_type).map(|t| {
        let width = s.byte(0x06).map_or("", names::slot_bus_width);
        format!("{width}{t}")
    });
    let id = kind
        .filter(|k| names::slot_has_id(*k))
        .and_then(|_| s.byte(0x09));
    let status = match s.byte(0x07) {
        Some(3) => Some("free"),
        Some(4) => Some("used"),
        _ => None,
    };
    let mut e = Entry::new();
    e.text("DESCRIPTION", description)
        .text("DESIGNATION", id.map(|i| i.to_string()))
        .text("NAME", s.string(0x04))
        .text("STATUS", status);
    e
}

/// A port connector (type 8), as glpi-agent maps dmidecode's fields ("None" left out).
fn port(p: &Structure) -> Entry {
    let connector = |off| {
        p.byte(off)
            .and_then(names::connector_type)
            .filter(|n| *n != "None")
    };
    let internal_ref = p.string(0x04);
    let internal_conn = connector(0x05);
    let external_ref = p.string(0x06);
    let external_conn = connector(0x07);
    let port_type = p
        .byte(0x08)
        .and_then(names::port_type)
        .filter(|n| *n != "None");
    let mut e = Entry::new();
    e.text(
        "CAPTION",
        external_ref.clone().or(external_conn.map(str::to_owned)),
    )
    .text("DESCRIPTION", internal_conn.or(external_conn))
    .text("NAME", internal_ref.or(external_ref))
    .text("TYPE", port_type.or(external_conn));
    e
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::fixture::Tree;
    use crate::inventory::smbios_parse::build::{end, structure};

    /// A laptop-like table: one memory array (no ECC, 2 devices), a DDR3 SODIMM and an empty
    /// slot, an SD-card slot, an RJ-45 port and a USB port, and a Flash device to skip.
    pub(crate) fn table() -> Vec<u8> {
        let mut t = Vec::new();
        // Type 16: location 3, use 3, ECC 3 (None), max 16 GB, error handle, 2 devices.
        let mut a = vec![3, 3, 3];
        a.extend_from_slice(&0x0100_0000u32.to_le_bytes());
        a.extend_from_slice(&0xfffeu16.to_le_bytes());
        a.extend_from_slice(&2u16.to_le_bytes());
        t.extend(structure(16, 0x1000, &a, &[]));
        t.extend(structure(
            17,
            0x1100,
            &mem(8192, 0x0d, 0x18, 1600, [1, 2, 3, 4, 5]),
            &[
                "DIMM0",
                "BANK 0",
                "Samsung",
                "23853943",
                "Asset",
                "M471B1G73DB0-YK0  ",
            ],
        ));
        t.extend(structure(
            17,
            0x1101,
            &mem(0, 0x0d, 0x02, 0, [1, 2, 0, 0, 0]),
            &["DIMM2", "BANK 2"],
        ));
        t.extend(structure(
            17,
            0x1102,
            &mem(4, 0x08, 0x09, 0, [1, 0, 0, 0, 0]),
            &["FLASH"],
        ));
        // Type 9: designation, PCIe 3 x1 (0xb2), width x1 (8), in use (4), length, ID 2.
        t.extend(structure(
            9,
            0x0900,
            &[1, 0xb2, 0x08, 0x04, 0x04, 2, 0],
            &["PCIE1"],
        ));
        t.extend(structure(
            9,
            0x0901,
            &[1, 0x01, 0x01, 0x03, 0x02, 0, 0],
            &["SD CARD"],
        ));
        // Type 8: internal ref, internal none, external ref, RJ-45, network port.
        t.extend(structure(
            8,
            0x0800,
            &[1, 0, 2, 0x0b, 0x1f],
            &["J1A1", "LAN"],
        ));
        t.extend(structure(8, 0x0801, &[0, 0, 1, 0x12, 0x10], &["USB 1"]));
        t.extend(end());
        t
    }

    /// A type-17 body (from offset 4): array 0x1000, size, form factor, type, speed, and
    /// the string numbers of locator, bank, manufacturer, serial, asset tag (part = 6 when
    /// manufacturer is set).
    fn mem(size: u16, form: u8, kind: u8, speed: u16, s: [u8; 5]) -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(&0x1000u16.to_le_bytes()); // 0x04 array handle
        b.extend_from_slice(&0xfffeu16.to_le_bytes()); // 0x06
        b.extend_from_slice(&64u16.to_le_bytes()); // 0x08
        b.extend_from_slice(&64u16.to_le_bytes()); // 0x0a
        b.extend_from_slice(&size.to_le_bytes()); // 0x0c
        b.push(form); // 0x0e
        b.push(0); // 0x0f
        b.push(s[0]); // 0x10 locator
        b.push(s[1]); // 0x11 bank
        b.push(kind); // 0x12
        b.extend_from_slice(&0x0080u16.to_le_bytes()); // 0x13
        b.extend_from_slice(&speed.to_le_bytes()); // 0x15
        b.push(s[2]); // 0x17 manufacturer
        b.push(s[3]); // 0x18 serial
        b.push(s[4]); // 0x19 asset
        b.push(if s[2] != 0 { 6 } else { 0 }); // 0x1a part
        b.push(1); // 0x1b
        b.extend_from_slice(&0u32.to_le_bytes()); // 0x1c
        b
    }

    fn run(bytes: &[u8]) -> LocalInventory {
        let tree = Tree::new(&[]);
        let path = tree.0.join("sys/firmware/dmi/tables");
        std::fs::create_dir_all(&path).expect("mkdir");
        std::fs::write(path.join("DMI"), bytes).expect("write");
        tree.collect(collect)
    }

    #[test]
    fn memories_slots_ports() {
        let inv = run(&table());
        let m = inv.entries(Section::Memories);
        assert_eq!(m.len(), 2);
        let t = |e: &Entry, k| e.get_text(k);
        assert_eq!(
            m[0].get("CAPACITY"),
            Some(&crate::model::local::Value::Int(8192))
        );
        assert_eq!(t(&m[0], "CAPTION").as_deref(), Some("DIMM0"));
        assert_eq!(t(&m[0], "DESCRIPTION").as_deref(), Some("SODIMM"));
        assert_eq!(t(&m[0], "TYPE").as_deref(), Some("DDR3"));
        assert_eq!(t(&m[0], "SPEED").as_deref(), Some("1600"));
        assert_eq!(t(&m[0], "MANUFACTURER").as_deref(), Some("Samsung"));
        assert_eq!(t(&m[0], "SERIALNUMBER").as_deref(), Some("23853943"));
        assert_eq!(t(&m[0], "MODEL").as_deref(), Some("M471B1G73DB0-YK0"));
        assert_eq!(t(&m[0], "MEMORYCORRECTION").as_deref(), Some("None"));
        assert_eq!(t(&m[0], "NUMSLOTS").as_deref(), Some("1"));
        assert_eq!(t(&m[1], "NUMSLOTS").as_deref(), Some("2"));
        assert!(m[1].get("CAPACITY").is_none() && m[1].get("TYPE").is_none());
        let s = inv.entries(Section::Slots);
        assert_eq!(s.len(), 2);
        assert_eq!(
            t(&s[0], "DESCRIPTION").as_deref(),
            Some("x1 PCI Express 3 x1")
        );
        assert_eq!(t(&s[0], "DESIGNATION").as_deref(), Some("2"));
        assert_eq!(t(&s[0], "STATUS").as_deref(), Some("used"));
        assert_eq!(t(&s[1], "NAME").as_deref(), Some("SD CARD"));
        assert_eq!(t(&s[1], "DESCRIPTION").as_deref(), Some("Other"));
        assert_eq!(t(&s[1], "STATUS").as_deref(), Some("free"));
        let p = inv.entries(Section::Ports);
        assert_eq!(p.len(), 2);
        assert_eq!(t(&p[0], "NAME").as_deref(), Some("J1A1"));
        assert_eq!(t(&p[0], "CAPTION").as_deref(), Some("LAN"));
        assert_eq!(t(&p[0], "DESCRIPTION").as_deref(), Some("RJ-45"));
        assert_eq!(t(&p[0], "TYPE").as_deref(), Some("Network Port"));
        assert_eq!(t(&p[1], "CAPTION").as_deref(), Some("USB 1"));
        assert_eq!(t(&p[1], "TYPE").as_deref(), Some("USB"));
    }

    #[test]
    fn truncated_tables_and_helpers() {
        let t = table();
        for cut in (0..t.len()).step_by(7) {
            let _ = run(&t[..cut]);
        }
        let half = run(&t[..t.len() / 2]);
        assert!(half.entries(Section::Memories).len() <= 2);
        assert!(run(&[]).sections.is_empty());
        assert_eq!(part_number("0x4D3437314230").as_deref(), Some("M471B0"));
        assert_eq!(part_number("PartNum0"), None);
        assert_eq!(
            part_number("HMA82GS6CJR8N-VK----").as_deref(),
            Some("HMA82GS6CJR8N-VK")
        );
        assert!(!valid_manufacturer("Manufacturer0"));
        assert!(!valid_manufacturer("0x80CE"));
        assert!(!valid_manufacturer("802C0000802C"));
        assert!(valid_manufacturer("Micron"));
    }
}
