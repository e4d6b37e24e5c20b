//! BIOS and the HARDWARE identity (UUID, chassis) from /sys/class/dmi/id and the SMBIOS tables.
//!
//! The SMBIOS table (types 0, 1, 2, 3; root only) is read first, as glpi-agent's
//! `Generic/Dmidecode/{Bios,Hardware}` read dmidecode; `/sys/class/dmi/id` (`Linux/Bios`,
//! `Linux/Hardware`) fills what the table did not give (everything but the serials and the
//! UUID is readable there without root). Decisions:
//! * placeholders ("To Be Filled By O.E.M.", "System Serial Number"…) are left out in both
//!   sources (`isInvalidBiosValue`); so are an ASSETTAG ending in "Tag#" and a SKUNUMBER
//!   ending in "SKU#" (glpi-agent).
//! * `HARDWARE/UUID` is upper case from both sources (dmidecode's spelling, which the Perl
//!   agents send whenever they run as root), so a root and a non-root run agree.
//! * `CHASSIS_TYPE` "Unknown" is left out from both sources (glpi-agent's sysfs path would
//!   send it, its dmidecode path drops it).
//! * quirk §2.4-8 (a BIOS holding only an empty SSN on Docker) is VMSYSTEM's business, not
//!   reproduced here: a BIOS without any value is not added.

use super::Context;
use super::smbios_names::chassis_type;
use super::smbios_parse::{Table, is_invalid_bios_value, uuid};
use crate::model::local::{Entry, LocalInventory, Section};

/// Sections filled.
pub(super) const SECTIONS: &[Section] = &[Section::Bios, Section::Hardware];

/// Collects.
pub(super) fn collect(ctx: &Context<'_>, inv: &mut LocalInventory) {
    let table = Table::load(ctx);
    let (mut bios, mut hw) = table.as_ref().map(from_smbios).unwrap_or_default();
    let (sys_bios, sys_hw) = from_sysfs(ctx);
    bios.fill_from(&sys_bios);
    hw.fill_from(&sys_hw);
    fix_virtualbox(&mut bios, hw.get_text("UUID"));
    if ctx.wants(Section::Bios) && !bios.is_empty() {
        inv.add(Section::Bios, bios);
    }
    if ctx.wants(Section::Hardware) && !hw.is_empty() {
        inv.add(Section::Hardware, hw);
    }
}

/// BIOS and HARDWARE fields from SMBIOS types 0, 1, 2 and 3.
fn from_smbios(t: &Table) -> (Entry, Entry) {
    let mut bios = Entry::new();
    let mut hw = Entry::new();
    if let Some(b) = t.first(0) {
        bios.text("BMANUFACTURER", b.string(0x04))
            .text("BVERSION", b.string(0x05))
            .text("BDATE", b.string(0x08));
    }
    if let Some(s) = t.first(1) {
        let vendor = s.string(0x04);
        let model = lenovo_model(vendor.as_deref(), s.string(0x06)).or(s.string(0x05));
        bios.text("SMANUFACTURER", vendor)
            .text("SMODEL", model)
            .text("SSN", s.string(0x07))
            .text("SKUNUMBER", s.string(0x19).filter(|v| !v.ends_with("SKU#")));
        hw.text("UUID", s.bytes(0x08, 16).and_then(|b| uuid(b, t.version)));
    }
    if let Some(b) = t.first(2) {
        bios.text("MMANUFACTURER", b.string(0x04))
            .text("MMODEL", b.string(0x05))
            .text("MSN", b.string(0x07));
    }
    if let Some(c) = t.first(3) {
        // The chassis serial stands in for a missing system serial (glpi-agent).
        bios.text("SSN", c.string(0x07).filter(|_| bios.get("SSN").is_none()))
            .text("ASSETTAG", c.string(0x08).filter(|v| !v.ends_with("Tag#")));
        hw.text("CHASSIS_TYPE", c.byte(0x05).and_then(known_chassis));
    }
    (bios, hw)
}

/// BIOS and HARDWARE fields from `/sys/class/dmi/id`.
fn from_sysfs(ctx: &Context<'_>) -> (Entry, Entry) {
    let dmi = |name: &str| {
        ctx.read_value(&format!("/sys/class/dmi/id/{name}"))
            .filter(|v| !is_invalid_bios_value(v))
    };
    let mut bios = Entry::new();
    let vendor = dmi("sys_vendor");
    let model = lenovo_model(vendor.as_deref(), dmi("product_version")).or(dmi("product_name"));
    bios.text("BMANUFACTURER", dmi("bios_vendor"))
        .text("BDATE", dmi("bios_date"))
        .text("BVERSION", dmi("bios_version"))
        .text(
            "ASSETTAG",
            dmi("chassis_asset_tag").filter(|v| !v.ends_with("Tag#")),
        )
        .text("SMODEL", model)
        .text("SMANUFACTURER", vendor)
        .text("SSN", dmi("product_serial"))
        .text(
            "SKUNUMBER",
            dmi("product_sku").filter(|v| !v.ends_with("SKU#")),
        )
        .text("MMODEL", dmi("board_name"))
        .text("MMANUFACTURER", dmi("board_vendor"))
        .text("MSN", dmi("board_serial"));
    let mut hw = Entry::new();
    hw.text(
        "UUID",
        dmi("product_uuid")
            .filter(|u| u.chars().any(|c| c.is_ascii_hexdigit() && c != '0'))
            .map(|u| u.to_ascii_uppercase()),
    )
    .text(
        "CHASSIS_TYPE",
        dmi("chassis_type")
            .and_then(|v| v.parse::<u8>().ok())
            .and_then(known_chassis),
    );
    (bios, hw)
}

/// A chassis name, "Unknown" left out.
fn known_chassis(code: u8) -> Option<&'static str> {
    chassis_type(code).filter(|n| *n != "Unknown")
}

/// Lenovo puts the marketing name (ThinkPad X1…) in the system version (glpi-agent #311).
fn lenovo_model(vendor: Option<&str>, version: Option<String>) -> Option<String> {
    let lenovo = vendor.is_some_and(|v| v.eq_ignore_ascii_case("LENOVO"));
    let families = ["think", "idea", "yoga", "netfinity", "netvista", "intelli"];
    version.filter(|v| {
        let l = v.to_ascii_lowercase();
        lenovo && families.iter().any(|f| l.starts_with(f))
    })
}

/// VirtualBox has no serials ("0"): its UUID (lower case) serves as SSN, as both agents do.
fn fix_virtualbox(bios: &mut Entry, uuid: Option<String>) {
    let zero_or_none = |k: &str| bios.get_text(k).is_none_or(|v| v == "0");
    if bios.get_text("MMODEL").as_deref() == Some("VirtualBox")
        && zero_or_none("SSN")
        && zero_or_none("MSN")
        && let Some(u) = uuid
    {
        bios.text("SSN", Some(u.to_ascii_lowercase()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::fixture::Tree;
    use crate::inventory::smbios_parse::build::{end, structure};

    fn run(tree: &Tree) -> LocalInventory {
        tree.collect(collect)
    }

    fn text(inv: &LocalInventory, s: Section, k: &str) -> Option<String> {
        inv.entries(s).first().and_then(|e| e.get_text(k))
    }

    /// `/sys/class/dmi/id` of a Toshiba laptop as an unprivileged user (no serial files).
    const SYSFS: &[(&str, &str)] = &[
        ("/sys/class/dmi/id/bios_vendor", "TOSHIBA\n"),
        ("/sys/class/dmi/id/bios_version", "Version 3.70\n"),
        ("/sys/class/dmi/id/bios_date", "07/25/2014\n"),
        ("/sys/class/dmi/id/sys_vendor", "TOSHIBA\n"),
        ("/sys/class/dmi/id/product_name", "PORTEGE Z30-A\n"),
        ("/sys/class/dmi/id/product_version", "PT243E-00U00KEN\n"),
        ("/sys/class/dmi/id/product_sku", "PT243E\n"),
        ("/sys/class/dmi/id/board_vendor", "TOSHIBA\n"),
        ("/sys/class/dmi/id/board_name", "PORTEGE Z30-A\n"),
        ("/sys/class/dmi/id/chassis_type", "10\n"),
        ("/sys/class/dmi/id/chassis_asset_tag", "0000000000\n"),
        ("/sys/class/dmi/id/chassis_vendor", "TOSHIBA\n"),
    ];

    #[test]
    fn bios_from_sysfs() {
        let inv = run(&Tree::new(SYSFS));
        let b = |k| text(&inv, Section::Bios, k);
        assert_eq!(b("BMANUFACTURER").as_deref(), Some("TOSHIBA"));
        assert_eq!(b("BVERSION").as_deref(), Some("Version 3.70"));
        assert_eq!(b("BDATE").as_deref(), Some("07/25/2014"));
        assert_eq!(b("SMODEL").as_deref(), Some("PORTEGE Z30-A"));
        assert_eq!(b("MMODEL").as_deref(), Some("PORTEGE Z30-A"));
        assert_eq!(b("ASSETTAG").as_deref(), Some("0000000000"));
        assert_eq!(b("SKUNUMBER").as_deref(), Some("PT243E"));
        assert_eq!(b("SSN"), None);
        assert_eq!(
            text(&inv, Section::Hardware, "CHASSIS_TYPE").as_deref(),
            Some("Notebook")
        );
        assert_eq!(text(&inv, Section::Hardware, "UUID"), None);
    }

    #[test]
    fn placeholders_lenovo_and_virtualbox() {
        let inv = run(&Tree::new(&[
            ("/sys/class/dmi/id/sys_vendor", "LENOVO\n"),
            ("/sys/class/dmi/id/product_name", "20KHCTO1WW\n"),
            (
                "/sys/class/dmi/id/product_version",
                "ThinkPad X1 Carbon 6th\n",
            ),
            ("/sys/class/dmi/id/board_vendor", "To Be Filled By O.E.M.\n"),
            ("/sys/class/dmi/id/product_serial", "System Serial Number\n"),
            (
                "/sys/class/dmi/id/product_uuid",
                "0055adc9-1d3a-e411-8043-b05d95113232\n",
            ),
            ("/sys/class/dmi/id/chassis_type", "2\n"),
        ]));
        assert_eq!(
            text(&inv, Section::Bios, "SMODEL").as_deref(),
            Some("ThinkPad X1 Carbon 6th")
        );
        assert_eq!(text(&inv, Section::Bios, "MMANUFACTURER"), None);
        assert_eq!(text(&inv, Section::Bios, "SSN"), None);
        assert_eq!(
            text(&inv, Section::Hardware, "UUID").as_deref(),
            Some("0055ADC9-1D3A-E411-8043-B05D95113232")
        );
        assert_eq!(text(&inv, Section::Hardware, "CHASSIS_TYPE"), None);
        let vbox = run(&Tree::new(&[
            ("/sys/class/dmi/id/board_name", "VirtualBox\n"),
            ("/sys/class/dmi/id/product_serial", "0\n"),
            ("/sys/class/dmi/id/board_serial", "0\n"),
            (
                "/sys/class/dmi/id/product_uuid",
                "C2D1E5A4-0000-4C1A-9C5B-0123456789AB\n",
            ),
        ]));
        assert_eq!(
            text(&vbox, Section::Bios, "SSN").as_deref(),
            Some("c2d1e5a4-0000-4c1a-9c5b-0123456789ab")
        );
        // Nothing at all: no BIOS, no HARDWARE.
        assert!(run(&Tree::new(&[])).sections.is_empty());
    }

    /// Types 0, 1, 2, 3 as a Dell server has them.
    pub(crate) fn table() -> Vec<u8> {
        let mut t = structure(
            0,
            0,
            &[1, 2, 0, 0xf0, 3, 0x10],
            &["Dell Inc.", "2.19.1", "06/20/2023"],
        );
        let mut sys = vec![1, 2, 0, 3];
        sys.extend(0x10u8..0x20); // UUID bytes
        sys.extend([6, 4, 5]); // wake-up, SKU (string 4), family (string 5)
        t.extend(structure(
            1,
            0x100,
            &sys,
            &[
                "Dell Inc.",
                "PowerEdge R640",
                "7XK5QH2",
                "SKU=NotProvided;ModelName=PowerEdge R640",
                "PowerEdge",
            ],
        ));
        t.extend(structure(
            2,
            0x200,
            &[1, 2, 0, 3, 0],
            &["Dell Inc.", "0H28RR", ".7XK5QH2.CNCMS0012300ZZ."],
        ));
        t.extend(structure(
            3,
            0x300,
            &[1, 0x17, 0, 2, 3],
            &["Dell Inc.", "7XK5QH2", "Not Specified"],
        ));
        t.extend(end());
        t
    }

    #[test]
    fn bios_from_smbios_first_then_sysfs() {
        let tree = Tree::new(&[
            ("/sys/class/dmi/id/bios_vendor", "Other Vendor\n"),
            ("/sys/class/dmi/id/chassis_asset_tag", "ASSET-1\n"),
            (
                "/sys/class/dmi/id/product_uuid",
                "aaaaaaaa-0000-0000-0000-000000000000\n",
            ),
            (
                "/sys/firmware/dmi/tables/smbios_entry_point",
                "_SM3_\u{0}\u{18}\u{3}\u{2}",
            ),
        ]);
        std::fs::write(tree.0.join("sys/firmware/dmi/tables/DMI"), table()).expect("write");
        let inv = run(&tree);
        let b = |k| text(&inv, Section::Bios, k);
        assert_eq!(b("BMANUFACTURER").as_deref(), Some("Dell Inc."));
        assert_eq!(b("BVERSION").as_deref(), Some("2.19.1"));
        assert_eq!(b("BDATE").as_deref(), Some("06/20/2023"));
        assert_eq!(b("SMODEL").as_deref(), Some("PowerEdge R640"));
        assert_eq!(b("SSN").as_deref(), Some("7XK5QH2"));
        assert_eq!(b("MMODEL").as_deref(), Some("0H28RR"));
        assert_eq!(b("MSN").as_deref(), Some(".7XK5QH2.CNCMS0012300ZZ."));
        assert_eq!(
            b("SKUNUMBER").as_deref(),
            Some("SKU=NotProvided;ModelName=PowerEdge R640")
        );
        // "Not Specified" in the table; sysfs supplies it.
        assert_eq!(b("ASSETTAG").as_deref(), Some("ASSET-1"));
        let h = |k| text(&inv, Section::Hardware, k);
        assert_eq!(
            h("UUID").as_deref(),
            Some("13121110-1514-1716-1819-1A1B1C1D1E1F")
        );
        assert_eq!(h("CHASSIS_TYPE").as_deref(), Some("Rack Mount Chassis"));
        // A truncated table gives what it has, sysfs the rest.
        let t = table();
        std::fs::write(tree.0.join("sys/firmware/dmi/tables/DMI"), &t[..20]).expect("write");
        let inv = run(&tree);
        assert_eq!(
            text(&inv, Section::Bios, "BMANUFACTURER").as_deref(),
            Some("Dell Inc.")
        );
        assert_eq!(text(&inv, Section::Bios, "SMODEL"), None);
    }
}
