//! Tests of the STORAGES collector on copied /sys/block trees and udev records.

use super::*;
use crate::model::local::Value;

fn run(files: &[(&str, &str)]) -> Vec<Entry> {
    let inv = crate::inventory::fixture::run(files, collect);
    inv.entries(Section::Storages).to_vec()
}

fn t(e: &Entry, k: &str) -> Option<String> {
    e.get_text(k)
}

/// This machine: a virtio disk, loop devices and zram (copied from /sys/block).
const THIS_MACHINE: &[(&str, &str)] = &[
    ("/sys/devices/virtio1/vendor", "0x1af4\n"),
    ("/sys/devices/virtio1/device", "0x0002\n"),
    ("/sys/bus/virtio/drivers/virtio_blk/x", ""),
    ("/sys/devices/virtio1/subsystem", "->../../bus/virtio"),
    ("/sys/block/vda/device", "->../../devices/virtio1"),
    ("/sys/block/vda/size", "536870912\n"),
    ("/sys/block/vda/removable", "0\n"),
    ("/sys/block/vda/serial", "overlayblk"),
    ("/sys/block/vda/dev", "254:0\n"),
    ("/sys/block/loop0/size", "0\n"),
    ("/sys/block/loop0/dev", "7:0\n"),
    ("/sys/block/zram0/size", "0\n"),
    ("/sys/block/dm-0/size", "1000\n"),
    (
        "/usr/share/misc/pci.ids",
        crate::inventory::ids::tests::PCI_IDS_SNIPPET,
    ),
];

#[test]
fn this_machine_virtio_disk() {
    let s = run(THIS_MACHINE);
    assert_eq!(s.len(), 1);
    let d = &s[0];
    // As FI 2.6 reported it on this machine.
    assert_eq!(t(d, "NAME").as_deref(), Some("vda"));
    assert_eq!(t(d, "MANUFACTURER").as_deref(), Some("Red Hat, Inc."));
    assert_eq!(t(d, "SERIALNUMBER").as_deref(), Some("overlayblk"));
    assert_eq!(t(d, "TYPE").as_deref(), Some("disk"));
    assert_eq!(t(d, "DESCRIPTION").as_deref(), Some("Virtual"));
    assert_eq!(d.get("DISKSIZE"), Some(&Value::Int(274_877)));
    assert!(d.get("MODEL").is_none() && d.get("INTERFACE").is_none());
    // Without pci.ids the vendor id stays.
    let s = run(&THIS_MACHINE[..THIS_MACHINE.len() - 1]);
    assert_eq!(t(&s[0], "MANUFACTURER").as_deref(), Some("0x1af4"));
}

/// A placeholder file so that the device directories exist.
const SDA: &str = "/sys/devices/sda/.keep";

#[test]
fn sata_nvme_and_cdrom() {
    let s = run(&[
        // A SATA SSD behind the SCSI layer, serial from udev (device files before the links).
        ("/sys/bus/scsi/x", ""),
        (SDA, ""),
        ("/sys/devices/sda/vendor", "ATA     \n"),
        ("/sys/devices/sda/model", "Samsung SSD 860 \n"),
        ("/sys/devices/sda/rev", "4B6Q\n"),
        ("/sys/devices/sda/wwid", "naa.5002538e40a1b2c3\n"),
        ("/sys/devices/sda/subsystem", "->../../bus/scsi"),
        ("/sys/block/sda/device", "->../../devices/sda"),
        ("/sys/block/sda/size", "976773168\n"),
        ("/sys/block/sda/removable", "0\n"),
        ("/sys/block/sda/dev", "8:0\n"),
        (
            "/run/udev/data/b8:0",
            "S:disk/by-id/ata-Samsung_SSD_860_S3Z9NB0K123456X\nE:ID_ATA=1\nE:ID_BUS=ata\nE:ID_ATA_SATA=1\nE:ID_MODEL=Samsung_SSD_860\nE:ID_SERIAL=Samsung_SSD_860_S3Z9NB0K123456X\nE:ID_SERIAL_SHORT=S3Z9NB0K123456X\nE:ID_WWN=0x5002538e40a1b2c3\n",
        ),
        ("/sys/block/sda/sda1/size", "1000\n"),
        // An NVMe disk.
        (
            "/sys/devices/nvme0/model",
            "WDC PC SN730 SDBQNTY-512G-1001          \n",
        ),
        ("/sys/devices/nvme0/serial", "19401F801234        \n"),
        ("/sys/devices/nvme0/firmware_rev", "11170101\n"),
        ("/sys/block/nvme0n1/device", "->../../devices/nvme0"),
        ("/sys/block/nvme0n1/size", "1000215216\n"),
        ("/sys/block/nvme0n1/removable", "0\n"),
        // A CD-ROM drive, empty.
        ("/sys/devices/sr0/vendor", "HL-DT-ST\n"),
        ("/sys/devices/sr0/model", "DVD+-RW GU90N   \n"),
        ("/sys/block/sr0/device", "->../../devices/sr0"),
        ("/sys/block/sr0/removable", "1\n"),
        ("/sys/block/sr0/size", "0\n"),
    ]);
    assert_eq!(s.len(), 3);
    let (nvme, sda, sr0) = (&s[0], &s[1], &s[2]);
    assert_eq!(t(sda, "NAME").as_deref(), Some("sda"));
    assert_eq!(t(sda, "MANUFACTURER").as_deref(), Some("Samsung"));
    assert_eq!(t(sda, "MODEL").as_deref(), Some("Samsung SSD 860"));
    assert_eq!(t(sda, "FIRMWARE").as_deref(), Some("4B6Q"));
    assert_eq!(t(sda, "SERIALNUMBER").as_deref(), Some("S3Z9NB0K123456X"));
    assert_eq!(t(sda, "DESCRIPTION").as_deref(), Some("SATA"));
    assert_eq!(t(sda, "INTERFACE").as_deref(), Some("SATA"));
    assert_eq!(t(sda, "WWN").as_deref(), Some("wwn-5002538e40a1b2c3"));
    assert_eq!(sda.get("DISKSIZE"), Some(&Value::Int(500_107)));
    assert_eq!(
        t(nvme, "MODEL").as_deref(),
        Some("WDC PC SN730 SDBQNTY-512G-1001")
    );
    assert_eq!(t(nvme, "MANUFACTURER").as_deref(), Some("Western Digital"));
    assert_eq!(t(nvme, "SERIALNUMBER").as_deref(), Some("19401F801234"));
    assert_eq!(t(nvme, "FIRMWARE").as_deref(), Some("11170101"));
    assert_eq!(t(nvme, "INTERFACE").as_deref(), Some("NVME"));
    assert_eq!(t(nvme, "DESCRIPTION").as_deref(), Some("IDE"));
    assert_eq!(nvme.get("DISKSIZE"), Some(&Value::Int(512_110)));
    assert_eq!(t(sr0, "TYPE").as_deref(), Some("removable"));
    assert_eq!(t(sr0, "MANUFACTURER").as_deref(), Some("HL-DT-ST"));
    assert!(sr0.get("DISKSIZE").is_none());
}

#[test]
fn helpers() {
    assert_eq!(canonical_manufacturer("ST1000DM003-1CH162"), "Seagate");
    assert_eq!(canonical_manufacturer("HGST HTS721010A9"), "Hitachi");
    assert_eq!(canonical_manufacturer("KINGSTON SA400S37"), "Kingston");
    assert_eq!(canonical_manufacturer("CT500MX500SSD1"), "Crucial");
    assert_eq!(canonical_manufacturer("Foo 123"), "Foo 123");
    assert_eq!(unescape("Samsung\\x20SSD\\x20860"), "Samsung SSD 860");
    assert_eq!(fix_description("sdb", None, Some("usb"), None), "USB");
    assert_eq!(
        fix_description("sdb", Some("SEAGATE"), Some("SCSI"), None),
        "SCSI"
    );
}
