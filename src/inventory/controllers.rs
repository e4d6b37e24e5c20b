//! CONTROLLERS (PCI) and USBDEVICES from sysfs, named from the system's id databases.
//!
//! PCI: `/sys/bus/pci/devices/*` gives what `lspci -v -nn` gave the agents (ids, class,
//! revision, subsystem, driver); names come from the system's `pci.ids` like glpi-agent's
//! `Generic/PCI/Controllers`: MANUFACTURER the vendor, CAPTION the device, NAME the subsystem
//! name, else the device, else — lspci's text — the class; TYPE the subclass (else class).
//! Without pci.ids, names are left out. Decisions:
//! * `DRIVER` is the driver's full name (`virtio-pci`); the agents' `(\w+)` on lspci's
//!   "Kernel driver in use" cut it at the dash (`virtio` in the FI 2.6 fixture).
//! * `PCISLOT` drops the domain when it is 0000, as lspci does; `REV` is left out when 00
//!   (lspci prints no "(rev 00)"); `PCISUBSYSTEMID` is left out for subsystem 0000:0000.
//!
//! USB: see [`usb`].

use std::collections::BTreeSet;

use super::Context;
use super::ids::Ids;
use crate::model::local::{Entry, LocalInventory, Section};

#[path = "usb.rs"]
mod usb;

/// Sections filled.
pub(super) const SECTIONS: &[Section] = &[Section::Controllers, Section::UsbDevices];

/// Collects.
pub(super) fn collect(ctx: &Context<'_>, inv: &mut LocalInventory) {
    if ctx.wants(Section::Controllers) {
        for e in pci(ctx) {
            inv.add(Section::Controllers, e);
        }
    }
    if ctx.wants(Section::UsbDevices) {
        for e in usb::devices(ctx) {
            inv.add(Section::UsbDevices, e);
        }
    }
}

/// A sysfs hexadecimal attribute ("0x1af4") as lower-case hex without prefix.
pub(super) fn hex_attr(ctx: &Context<'_>, path: &str) -> Option<String> {
    let v = ctx.read_value(path)?.to_ascii_lowercase();
    let v = v.strip_prefix("0x").unwrap_or(&v).to_owned();
    (!v.is_empty() && v.bytes().all(|b| b.is_ascii_hexdigit())).then_some(v)
}

/// One PCI function as read from sysfs.
struct PciDevice {
    slot: String,
    vendor: String,
    device: String,
    class: Option<String>,
    rev: Option<String>,
    subsystem: Option<String>,
    driver: Option<String>,
}

/// Every PCI function, with names.
fn pci(ctx: &Context<'_>) -> Vec<Entry> {
    let devices: Vec<PciDevice> = ctx
        .list("/sys/bus/pci/devices")
        .into_iter()
        .filter_map(|slot| {
            let base = format!("/sys/bus/pci/devices/{slot}");
            let vendor = hex_attr(ctx, &format!("{base}/vendor"))?;
            let device = hex_attr(ctx, &format!("{base}/device"))?;
            let class = hex_attr(ctx, &format!("{base}/class"))
                .and_then(|c| {
                    c.get(c.len().saturating_sub(6)..c.len().saturating_sub(2))
                        .map(str::to_owned)
                })
                .filter(|c| c.len() == 4);
            let rev = hex_attr(ctx, &format!("{base}/revision")).filter(|r| r != "00");
            let subsystem = match (
                hex_attr(ctx, &format!("{base}/subsystem_vendor")),
                hex_attr(ctx, &format!("{base}/subsystem_device")),
            ) {
                (Some(v), Some(d)) if !(v == "0000" && d == "0000") => Some(format!("{v}:{d}")),
                _ => None,
            };
            let driver = ctx
                .link(&format!("{base}/driver"))
                .and_then(|l| l.file_name().map(|n| n.to_string_lossy().into_owned()));
            Some(PciDevice {
                slot: slot.strip_prefix("0000:").unwrap_or(&slot).to_owned(),
                vendor,
                device,
                class,
                rev,
                subsystem,
                driver,
            })
        })
        .collect();
    if devices.is_empty() {
        return Vec::new();
    }
    let vendors: BTreeSet<String> = devices.iter().map(|d| d.vendor.clone()).collect();
    let ids = Ids::pci(ctx, &vendors).unwrap_or_default();
    devices.iter().map(|d| controller(d, &ids)).collect()
}

/// The CONTROLLERS entry of a PCI function.
fn controller(d: &PciDevice, ids: &Ids) -> Entry {
    let class_name = d
        .class
        .as_deref()
        .and_then(|c| ids.class(&c[..2], Some(&c[2..])));
    let caption = ids.device(&d.vendor, &d.device);
    let name = d
        .subsystem
        .as_deref()
        .and_then(|s| ids.subdevice(&d.vendor, &d.device, s))
        .or(caption)
        .or(class_name);
    let mut e = Entry::new();
    e.text("VENDORID", Some(&d.vendor))
        .text("PRODUCTID", Some(&d.device))
        .text("PCICLASS", d.class.as_deref())
        .text("PCISLOT", Some(&d.slot))
        .text("PCISUBSYSTEMID", d.subsystem.as_deref())
        .text("REV", d.rev.as_deref())
        .text("DRIVER", d.driver.as_deref())
        .text("MANUFACTURER", ids.vendor(&d.vendor))
        .text("CAPTION", caption)
        .text("NAME", name)
        .text("TYPE", class_name);
    e
}

#[cfg(test)]
#[path = "controllers_tests.rs"]
mod tests;
