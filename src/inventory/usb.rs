//! USBDEVICES from `/sys/bus/usb/devices/*` (what `lsusb -v` gave glpi-agent's `Generic/USB`).
//!
//! Skipped as glpi-agent skips them: root hubs of USB 1/2 (product 0001/0002) and self-powered
//! hubs (device class 9 with the self-powered attribute; sysfs has the configuration's
//! `bmAttributes`, where lsusb read the device status — the same bit in practice). SERIAL: the
//! part after "S/N:" when present, left out when it holds a colon (hub-internal ids) or is
//! shorter than 5 characters. MANUFACTURER/NAME are the device's strings, replaced by the
//! usb.ids vendor and device names when known (CAPTION = NAME = device name); CLASS/SUBCLASS
//! are those of the last interface, in decimal, as lsusb's last `bInterfaceClass` line.

use std::collections::BTreeSet;

use super::super::Context;
use super::super::ids::Ids;
use super::hex_attr;
use crate::model::local::Entry;

/// One USB device as read from sysfs.
struct UsbDevice {
    vendor: String,
    product: String,
    serial: Option<String>,
    name: Option<String>,
    manufacturer: Option<String>,
    class: Option<u8>,
    subclass: Option<u8>,
}

/// Every USB device worth reporting.
pub(super) fn devices(ctx: &Context<'_>) -> Vec<Entry> {
    let names = ctx.list("/sys/bus/usb/devices");
    let mut found = Vec::new();
    for name in names.iter().filter(|n| !n.contains(':')) {
        let base = format!("/sys/bus/usb/devices/{name}");
        let (Some(vendor), Some(product)) = (
            hex_attr(ctx, &format!("{base}/idVendor")),
            hex_attr(ctx, &format!("{base}/idProduct")),
        ) else {
            continue;
        };
        if product == "0001" || product == "0002" {
            continue;
        }
        let hub = hex_attr(ctx, &format!("{base}/bDeviceClass")).as_deref() == Some("09");
        let self_powered = hex_attr(ctx, &format!("{base}/bmAttributes"))
            .and_then(|a| u8::from_str_radix(&a, 16).ok())
            .is_some_and(|a| a & 0x40 != 0);
        if hub && self_powered {
            continue;
        }
        // The interfaces are `<name>:<config>.<interface>`; the last one gives the class.
        let last_if = names
            .iter()
            .filter(|n| {
                n.strip_prefix(name.as_str())
                    .is_some_and(|r| r.starts_with(':'))
            })
            .max_by_key(|n| interface_key(n));
        let class_of = |attr: &str| {
            last_if
                .and_then(|i| hex_attr(ctx, &format!("/sys/bus/usb/devices/{i}/{attr}")))
                .and_then(|v| u8::from_str_radix(&v, 16).ok())
        };
        found.push(UsbDevice {
            vendor,
            product,
            serial: ctx
                .read_value(&format!("{base}/serial"))
                .and_then(|s| serial(&s)),
            name: ctx.read_value(&format!("{base}/product")),
            manufacturer: ctx.read_value(&format!("{base}/manufacturer")),
            class: class_of("bInterfaceClass"),
            subclass: class_of("bInterfaceSubClass"),
        });
    }
    if found.is_empty() {
        return Vec::new();
    }
    let vendors: BTreeSet<String> = found.iter().map(|d| d.vendor.clone()).collect();
    let ids = Ids::usb(ctx, &vendors).unwrap_or_default();
    found
        .into_iter()
        .map(|d| {
            let known = ids.device(&d.vendor, &d.product);
            let mut e = Entry::new();
            e.text("VENDORID", Some(&d.vendor))
                .text("PRODUCTID", Some(&d.product))
                .text("SERIAL", d.serial)
                .text(
                    "MANUFACTURER",
                    ids.vendor(&d.vendor).map(str::to_owned).or(d.manufacturer),
                )
                .text("NAME", known.map(str::to_owned).or(d.name))
                .text("CAPTION", known)
                .text("CLASS", d.class.map(|c| c.to_string()))
                .text("SUBCLASS", d.subclass.map(|c| c.to_string()));
            e
        })
        .collect()
}

/// Sorting key of an interface name `1-2:1.10` → (1, 10).
fn interface_key(name: &str) -> (u32, u32) {
    let tail = name.rsplit(':').next().unwrap_or_default();
    let (c, i) = tail.split_once('.').unwrap_or((tail, "0"));
    (c.parse().unwrap_or(0), i.parse().unwrap_or(0))
}

/// glpi-agent's serial rules.
fn serial(raw: &str) -> Option<String> {
    let s = match raw.split_once("S/N:") {
        Some((_, rest)) => rest.split([':', ' ']).next().unwrap_or_default().to_owned(),
        None if raw.contains(':') => return None,
        None => raw.trim().to_owned(),
    };
    (s.chars().count() >= 5).then_some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials() {
        assert_eq!(serial("0x0001"), Some("0x0001".to_owned()));
        assert_eq!(serial("123"), None);
        assert_eq!(serial("0000:00:14.0"), None);
        assert_eq!(serial("S/N:ABC12345 rev 2"), Some("ABC12345".to_owned()));
        assert_eq!(interface_key("1-2:1.10"), (1, 10));
    }
}
