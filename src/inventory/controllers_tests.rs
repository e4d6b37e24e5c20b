//! Tests of the CONTROLLERS and USBDEVICES collectors on copied sysfs trees.

use super::*;

fn run(files: &[(&str, &str)]) -> LocalInventory {
    crate::inventory::fixture::run(files, collect)
}

fn t(e: &Entry, k: &str) -> Option<String> {
    e.get_text(k)
}

/// This machine's PCI functions (values copied from /sys/bus/pci/devices) and pci.ids lines.
fn this_machine(with_ids: bool) -> Vec<(String, String)> {
    let mut f = Vec::new();
    let devs = [
        (
            "0000:00:00.0",
            "0x8086",
            "0x0d57",
            "0x060000",
            "0x00",
            "0x0000",
            "0x0000",
            None,
        ),
        (
            "0000:00:01.0",
            "0x1af4",
            "0x1045",
            "0xffff00",
            "0x01",
            "0x1af4",
            "0x1045",
            Some("virtio-pci"),
        ),
        (
            "0000:00:02.0",
            "0x1af4",
            "0x1042",
            "0x018000",
            "0x01",
            "0x1af4",
            "0x1042",
            Some("virtio-pci"),
        ),
        (
            "0000:00:03.0",
            "0x1af4",
            "0x1041",
            "0x020000",
            "0x01",
            "0x1af4",
            "0x1041",
            Some("virtio-pci"),
        ),
        (
            "0000:00:04.0",
            "0x1af4",
            "0x1053",
            "0xffff00",
            "0x01",
            "0x1af4",
            "0x1053",
            Some("virtio-pci"),
        ),
        (
            "0000:00:05.0",
            "0x1af4",
            "0x1044",
            "0xffff00",
            "0x01",
            "0x1af4",
            "0x1044",
            Some("virtio-pci"),
        ),
    ];
    for (slot, v, d, c, r, sv, sd, drv) in devs {
        let b = format!("/sys/bus/pci/devices/{slot}");
        for (k, val) in [
            ("vendor", v),
            ("device", d),
            ("class", c),
            ("revision", r),
            ("subsystem_vendor", sv),
            ("subsystem_device", sd),
        ] {
            f.push((format!("{b}/{k}"), format!("{val}\n")));
        }
        if let Some(drv) = drv {
            f.push((
                format!("{b}/driver"),
                format!("->../../../bus/pci/drivers/{drv}"),
            ));
        }
    }
    if with_ids {
        f.push((
            "/usr/share/misc/pci.ids".into(),
            crate::inventory::ids::tests::PCI_IDS_SNIPPET.into(),
        ));
    }
    f
}

fn refs(f: &[(String, String)]) -> Vec<(&str, &str)> {
    f.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect()
}

#[test]
fn pci_controllers_of_this_machine() {
    let files = this_machine(true);
    let inv = run(&refs(&files));
    let c = inv.entries(Section::Controllers);
    // The six entries of the FI 2.6 fixture, same values except DRIVER (full name).
    assert_eq!(c.len(), 6);
    let host = &c[0];
    assert_eq!(t(host, "PCISLOT").as_deref(), Some("00:00.0"));
    assert_eq!(t(host, "VENDORID").as_deref(), Some("8086"));
    assert_eq!(t(host, "PRODUCTID").as_deref(), Some("0d57"));
    assert_eq!(t(host, "PCICLASS").as_deref(), Some("0600"));
    assert_eq!(
        t(host, "MANUFACTURER").as_deref(),
        Some("Intel Corporation")
    );
    assert_eq!(t(host, "NAME").as_deref(), Some("Host bridge"));
    assert_eq!(t(host, "TYPE").as_deref(), Some("Host bridge"));
    for k in ["CAPTION", "REV", "DRIVER", "PCISUBSYSTEMID"] {
        assert!(host.get(k).is_none(), "{k}");
    }
    let balloon = &c[1];
    assert_eq!(
        t(balloon, "CAPTION").as_deref(),
        Some("Virtio 1.0 memory balloon")
    );
    assert_eq!(
        t(balloon, "NAME").as_deref(),
        Some("Virtio 1.0 memory balloon")
    );
    assert_eq!(t(balloon, "MANUFACTURER").as_deref(), Some("Red Hat, Inc."));
    assert_eq!(t(balloon, "PCICLASS").as_deref(), Some("ffff"));
    assert_eq!(t(balloon, "TYPE").as_deref(), Some("Unassigned class"));
    assert_eq!(t(balloon, "PCISUBSYSTEMID").as_deref(), Some("1af4:1045"));
    assert_eq!(t(balloon, "REV").as_deref(), Some("01"));
    assert_eq!(t(balloon, "DRIVER").as_deref(), Some("virtio-pci"));
    assert_eq!(t(&c[2], "TYPE").as_deref(), Some("Mass storage controller"));
    assert_eq!(t(&c[3], "TYPE").as_deref(), Some("Ethernet controller"));
    // Without pci.ids: ids only.
    let files = this_machine(false);
    let inv = run(&refs(&files));
    let c = inv.entries(Section::Controllers);
    assert_eq!(c.len(), 6);
    assert!(
        c.iter()
            .all(|e| e.get("NAME").is_none() && e.get("MANUFACTURER").is_none())
    );
    assert!(run(&[]).sections.is_empty());
}

/// usb.ids lines (real ones) for the devices below.
const USB_IDS: &str = "\
1d6b  Linux Foundation
\t0002  2.0 root hub
\t0003  3.0 root hub
04f2  Chicony Electronics Co., Ltd
046d  Logitech, Inc.
\tc52b  Unifying Receiver
8087  Intel Corp.
\t8000  Integrated Rate Matching Hub
C 09  Hub
\t00  Unused
\t\t00  Full speed (or root) hub
";

#[test]
fn usb_devices() {
    let d = "/sys/bus/usb/devices";
    let files: Vec<(String, String)> = [
        // Root hubs: skipped (0002) and self-powered (0003).
        ("usb1/idVendor", "1d6b"),
        ("usb1/idProduct", "0002"),
        ("usb1/bDeviceClass", "09"),
        ("usb1/bmAttributes", "e0"),
        ("usb2/idVendor", "1d6b"),
        ("usb2/idProduct", "0003"),
        ("usb2/bDeviceClass", "09"),
        ("usb2/bmAttributes", "e0"),
        // An internal self-powered hub: skipped.
        ("1-1/idVendor", "8087"),
        ("1-1/idProduct", "8000"),
        ("1-1/bDeviceClass", "09"),
        ("1-1/bmAttributes", "e0"),
        // A webcam with a short-enough serial and two interfaces.
        ("1-6/idVendor", "04f2"),
        ("1-6/idProduct", "b3b2"),
        ("1-6/bDeviceClass", "ef"),
        ("1-6/bmAttributes", "80"),
        ("1-6/product", "Integrated Camera"),
        ("1-6/manufacturer", "SunplusIT Inc"),
        ("1-6/serial", "0x0001"),
        ("1-6:1.0/bInterfaceClass", "0e"),
        ("1-6:1.0/bInterfaceSubClass", "01"),
        ("1-6:1.1/bInterfaceClass", "0e"),
        ("1-6:1.1/bInterfaceSubClass", "02"),
        // A receiver known to usb.ids, with a 3-character serial (dropped).
        ("1-2/idVendor", "046d"),
        ("1-2/idProduct", "c52b"),
        ("1-2/bDeviceClass", "00"),
        ("1-2/bmAttributes", "a0"),
        ("1-2/product", "USB Receiver"),
        ("1-2/manufacturer", "Logitech"),
        ("1-2/serial", "123"),
        ("1-2:1.2/bInterfaceClass", "03"),
        ("1-2:1.2/bInterfaceSubClass", "00"),
    ]
    .iter()
    .map(|(p, v)| (format!("{d}/{p}"), format!("{v}\n")))
    .chain([("/usr/share/misc/usb.ids".to_owned(), USB_IDS.to_owned())])
    .collect();
    let inv = run(&refs(&files));
    let u = inv.entries(Section::UsbDevices);
    assert_eq!(u.len(), 2);
    let (recv, cam) = (&u[0], &u[1]);
    assert_eq!(t(recv, "VENDORID").as_deref(), Some("046d"));
    assert_eq!(t(recv, "MANUFACTURER").as_deref(), Some("Logitech, Inc."));
    assert_eq!(t(recv, "NAME").as_deref(), Some("Unifying Receiver"));
    assert_eq!(t(recv, "CAPTION").as_deref(), Some("Unifying Receiver"));
    assert!(recv.get("SERIAL").is_none());
    assert_eq!(t(recv, "CLASS").as_deref(), Some("3"));
    assert_eq!(
        t(cam, "MANUFACTURER").as_deref(),
        Some("Chicony Electronics Co., Ltd")
    );
    assert_eq!(t(cam, "NAME").as_deref(), Some("Integrated Camera"));
    assert!(cam.get("CAPTION").is_none());
    assert_eq!(t(cam, "SERIAL").as_deref(), Some("0x0001"));
    assert_eq!(t(cam, "CLASS").as_deref(), Some("14"));
    assert_eq!(t(cam, "SUBCLASS").as_deref(), Some("2"));
}
