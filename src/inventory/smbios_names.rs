//! The names dmidecode prints for SMBIOS enumerated values (chassis types, memory types and
//! form factors, slot types, connector and port types), per the SMBIOS 3.x specification.

/// A name from a table indexed from `first`.
fn from(table: &'static [&'static str], first: u8, code: u8) -> Option<&'static str> {
    let i = usize::from(code.checked_sub(first)?);
    table.get(i).copied().filter(|s| !s.is_empty())
}

/// Chassis types (type 3 offset 0x05, bits 0-6; also `/sys/class/dmi/id/chassis_type`).
pub(super) fn chassis_type(code: u8) -> Option<&'static str> {
    const T: &[&str] = &[
        "Other",
        "Unknown",
        "Desktop",
        "Low Profile Desktop",
        "Pizza Box",
        "Mini Tower",
        "Tower",
        "Portable",
        "Laptop",
        "Notebook",
        "Hand Held",
        "Docking Station",
        "All in One",
        "Sub Notebook",
        "Space-Saving",
        "Lunch Box",
        "Main Server Chassis",
        "Expansion Chassis",
        "Sub Chassis",
        "Bus Expansion Chassis",
        "Peripheral Chassis",
        "RAID Chassis",
        "Rack Mount Chassis",
        "Sealed-case PC",
        "Multi-system",
        "CompactPCI",
        "AdvancedTCA",
        "Blade",
        "Blade Enclosing",
        "Tablet",
        "Convertible",
        "Detachable",
        "IoT Gateway",
        "Embedded PC",
        "Mini PC",
        "Stick PC",
    ];
    from(T, 1, code & 0x7f)
}

/// Memory array error correction types (type 16 offset 0x06).
pub(super) fn memory_correction(code: u8) -> Option<&'static str> {
    const T: &[&str] = &[
        "Other",
        "",
        "None",
        "Parity",
        "Single-bit ECC",
        "Multi-bit ECC",
        "CRC",
    ];
    from(T, 1, code)
}

/// Memory device form factors (type 17 offset 0x0E).
pub(super) fn memory_form_factor(code: u8) -> Option<&'static str> {
    const T: &[&str] = &[
        "Other",
        "",
        "SIMM",
        "SIP",
        "Chip",
        "DIP",
        "ZIP",
        "Proprietary Card",
        "DIMM",
        "TSOP",
        "Row Of Chips",
        "RIMM",
        "SODIMM",
        "SRIMM",
        "FB-DIMM",
        "Die",
        "CAMM",
    ];
    from(T, 1, code)
}

/// Memory device types (type 17 offset 0x12).
pub(super) fn memory_type(code: u8) -> Option<&'static str> {
    const T: &[&str] = &[
        "Other",
        "",
        "DRAM",
        "EDRAM",
        "VRAM",
        "SRAM",
        "RAM",
        "ROM",
        "Flash",
        "EEPROM",
        "FEPROM",
        "EPROM",
        "CDRAM",
        "3DRAM",
        "SDRAM",
        "SGRAM",
        "RDRAM",
        "DDR",
        "DDR2",
        "DDR2 FB-DIMM",
        "",
        "",
        "",
        "DDR3",
        "FBD2",
        "DDR4",
        "LPDDR",
        "LPDDR2",
        "LPDDR3",
        "LPDDR4",
        "Logical non-volatile device",
        "HBM",
        "HBM2",
        "DDR5",
        "LPDDR5",
        "HBM3",
    ];
    from(T, 1, code)
}

/// Slot data bus widths as dmidecode prefixes them to the slot type (type 9 offset 0x06).
pub(super) fn slot_bus_width(code: u8) -> &'static str {
    const T: &[&str] = &[
        "", "", "8-bit ", "16-bit ", "32-bit ", "64-bit ", "128-bit ", "x1 ", "x2 ", "x4 ", "x8 ",
        "x12 ", "x16 ", "x32 ",
    ];
    from(T, 1, code).unwrap_or("")
}

/// Slot types (type 9 offset 0x05).
pub(super) fn slot_type(code: u8) -> Option<&'static str> {
    const LOW: &[&str] = &[
        "Other",
        "",
        "ISA",
        "MCA",
        "EISA",
        "PCI",
        "PC Card (PCMCIA)",
        "VLB",
        "Proprietary",
        "Processor Card",
        "Proprietary Memory Card",
        "I/O Riser Card",
        "NuBus",
        "PCI-66",
        "AGP",
        "AGP 2x",
        "AGP 4x",
        "PCI-X",
        "AGP 8x",
        "M.2 Socket 1-DP",
        "M.2 Socket 1-SD",
        "M.2 Socket 2",
        "M.2 Socket 3",
        "MXM Type I",
        "MXM Type II",
        "MXM Type III",
        "MXM Type III-HE",
        "MXM Type IV",
        "MXM 3.0 Type A",
        "MXM 3.0 Type B",
        "PCI Express 2 SFF-8639 (U.2)",
        "PCI Express 3 SFF-8639 (U.2)",
        "PCI Express Mini 52-pin with bottom-side keep-outs",
        "PCI Express Mini 52-pin without bottom-side keep-outs",
        "PCI Express Mini 76-pin",
        "PCI Express 4 SFF-8639 (U.2)",
        "PCI Express 5 SFF-8639 (U.2)",
        "OCP NIC 3.0 Small Form Factor (SFF)",
        "OCP NIC 3.0 Large Form Factor (LFF)",
        "OCP NIC Prior to 3.0",
    ];
    const HIGH: &[&str] = &[
        "PC-98/C20",
        "PC-98/C24",
        "PC-98/E",
        "PC-98/Local Bus",
        "PC-98/Card",
        "PCI Express",
        "PCI Express x1",
        "PCI Express x2",
        "PCI Express x4",
        "PCI Express x8",
        "PCI Express x16",
        "PCI Express 2",
        "PCI Express 2 x1",
        "PCI Express 2 x2",
        "PCI Express 2 x4",
        "PCI Express 2 x8",
        "PCI Express 2 x16",
        "PCI Express 3",
        "PCI Express 3 x1",
        "PCI Express 3 x2",
        "PCI Express 3 x4",
        "PCI Express 3 x8",
        "PCI Express 3 x16",
        "",
        "PCI Express 4",
        "PCI Express 4 x1",
        "PCI Express 4 x2",
        "PCI Express 4 x4",
        "PCI Express 4 x8",
        "PCI Express 4 x16",
        "PCI Express 5",
        "PCI Express 5 x1",
        "PCI Express 5 x2",
        "PCI Express 5 x4",
        "PCI Express 5 x8",
        "PCI Express 5 x16",
        "PCI Express 6+",
        "EDSFF E1",
        "EDSFF E3",
    ];
    match code {
        0x30 => Some("CXL Flexbus 1.0"),
        0xa0.. => from(HIGH, 0xa0, code),
        _ => from(LOW, 1, code),
    }
}

/// True for the slot types whose ID byte (type 9 offset 0x09) dmidecode prints as `ID`
/// (PCI, AGP, PCI-X, M.2, PCI Express families).
pub(super) fn slot_has_id(code: u8) -> bool {
    matches!(code, 0x04 | 0x06 | 0x0e..=0x13 | 0x1f..=0x25 | 0xa5..=0xc6)
}

/// Connector types (type 8 offsets 0x05 and 0x07; 0 is "None").
pub(super) fn connector_type(code: u8) -> Option<&'static str> {
    const T: &[&str] = &[
        "None",
        "Centronics",
        "Mini Centronics",
        "Proprietary",
        "DB-25 male",
        "DB-25 female",
        "DB-15 male",
        "DB-15 female",
        "DB-9 male",
        "DB-9 female",
        "RJ-11",
        "RJ-45",
        "50 Pin MiniSCSI",
        "Mini DIN",
        "Micro DIN",
        "PS/2",
        "Infrared",
        "HP-HIL",
        "Access Bus (USB)",
        "SSA SCSI",
        "Circular DIN-8 male",
        "Circular DIN-8 female",
        "On Board IDE",
        "On Board Floppy",
        "9 Pin Dual Inline (pin 10 cut)",
        "25 Pin Dual Inline (pin 26 cut)",
        "50 Pin Dual Inline",
        "68 Pin Dual Inline",
        "On Board Sound Input From CD-ROM",
        "Mini Centronics Type-14",
        "Mini Centronics Type-26",
        "Mini Jack (headphones)",
        "BNC",
        "IEEE 1394",
        "SAS/SATA Plug Receptacle",
        "USB Type-C Receptacle",
    ];
    const PC98: &[&str] = &[
        "PC-98",
        "PC-98 Hireso",
        "PC-H98",
        "PC-98 Note",
        "PC-98 Full",
    ];
    match code {
        0xff => Some("Other"),
        0xa0.. => from(PC98, 0xa0, code),
        _ => from(T, 0, code),
    }
}

/// Port types (type 8 offset 0x08; 0 is "None").
pub(super) fn port_type(code: u8) -> Option<&'static str> {
    const T: &[&str] = &[
        "None",
        "Parallel Port XT/AT Compatible",
        "Parallel Port PS/2",
        "Parallel Port ECP",
        "Parallel Port EPP",
        "Parallel Port ECP/EPP",
        "Serial Port XT/AT Compatible",
        "Serial Port 16450 Compatible",
        "Serial Port 16550 Compatible",
        "Serial Port 16550A Compatible",
        "SCSI Port",
        "MIDI Port",
        "Joystick Port",
        "Keyboard Port",
        "Mouse Port",
        "SSA SCSI",
        "USB",
        "Firewire (IEEE P1394)",
        "PCMCIA Type I",
        "PCMCIA Type II",
        "PCMCIA Type III",
        "Cardbus",
        "Access Bus Port",
        "SCSI II",
        "SCSI Wide",
        "PC-98",
        "PC-98 Hireso",
        "PC-H98",
        "Video Port",
        "Audio Port",
        "Modem Port",
        "Network Port",
        "SATA",
        "SAS",
        "MFDP (Multi-Function Display Port)",
        "Thunderbolt",
    ];
    match code {
        0xa0 => Some("8251 Compatible"),
        0xa1 => Some("8251 FIFO Compatible"),
        0xff => Some("Other"),
        _ => from(T, 0, code),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(chassis_type(10), Some("Notebook"));
        assert_eq!(chassis_type(0x83), Some("Desktop"));
        assert_eq!(chassis_type(0), None);
        assert_eq!(chassis_type(0x24), Some("Stick PC"));
        assert_eq!(chassis_type(0x25), None);
        assert_eq!(memory_type(0x18), Some("DDR3"));
        assert_eq!(memory_type(0x22), Some("DDR5"));
        assert_eq!(memory_type(2), None);
        assert_eq!(memory_form_factor(9), Some("DIMM"));
        assert_eq!(memory_correction(3), Some("None"));
        assert_eq!(slot_type(0xb6), Some("PCI Express 3 x16"));
        assert_eq!(slot_type(0x06), Some("PCI"));
        assert_eq!(slot_bus_width(0x0d), "x16 ");
        assert_eq!(connector_type(0x0b), Some("RJ-45"));
        assert_eq!(connector_type(0xff), Some("Other"));
        assert_eq!(port_type(0x1f), Some("Network Port"));
        assert_eq!(port_type(0x10), Some("USB"));
        assert_eq!(port_type(0x50), None);
    }
}
