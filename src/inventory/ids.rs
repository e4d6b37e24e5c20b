//! The system's `pci.ids` / `usb.ids` databases (vendor, device, subsystem and class names),
//! read only when a collector needs a name and kept only for the vendors asked about.

use std::collections::{BTreeSet, HashMap};

use super::Context;

/// Where distributions install pci.ids.
const PCI_IDS: &[&str] = &[
    "/usr/share/misc/pci.ids",
    "/usr/share/hwdata/pci.ids",
    "/usr/share/pci.ids",
];

/// Where distributions install usb.ids.
const USB_IDS: &[&str] = &[
    "/usr/share/misc/usb.ids",
    "/usr/share/hwdata/usb.ids",
    "/usr/share/usb.ids",
    "/var/lib/usbutils/usb.ids",
];

/// Names from an ids database (ids in lower-case hexadecimal, as in the file).
#[derive(Debug, Default)]
pub(super) struct Ids {
    vendors: HashMap<String, String>,
    devices: HashMap<(String, String), String>,
    /// (vendor, device, "subvendor subdevice") → name.
    subdevices: HashMap<(String, String, String), String>,
    classes: HashMap<String, String>,
    subclasses: HashMap<(String, String), String>,
}

impl Ids {
    /// The PCI database for these vendors (`None` when no pci.ids is installed).
    pub(super) fn pci(ctx: &Context<'_>, vendors: &BTreeSet<String>) -> Option<Ids> {
        Self::load(ctx, PCI_IDS, vendors)
    }

    /// The USB database for these vendors.
    pub(super) fn usb(ctx: &Context<'_>, vendors: &BTreeSet<String>) -> Option<Ids> {
        Self::load(ctx, USB_IDS, vendors)
    }

    fn load(ctx: &Context<'_>, paths: &[&str], vendors: &BTreeSet<String>) -> Option<Ids> {
        let text = paths.iter().find_map(|p| ctx.read(p))?;
        Some(Self::parse(&text, vendors))
    }

    /// Parses the file's text: vendor lines `vvvv  Name`, device lines `\tdddd  Name`,
    /// subsystem lines `\t\tssss ssss  Name`, class lines `C cc  Name` and subclass lines
    /// `\tss  Name` (other sections — USB's AT, HID… — are skipped).
    pub(super) fn parse(text: &str, wanted: &BTreeSet<String>) -> Ids {
        let mut ids = Ids::default();
        let mut vendor: Option<String> = None;
        let mut device: Option<String> = None;
        let mut class: Option<String> = None;
        for line in text.lines() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            if let Some(rest) = line.strip_prefix("\t\t") {
                if let (Some(v), Some(d)) = (&vendor, &device)
                    && let Some((sv, rest)) = rest.split_once(' ')
                    && let Some((sd, name)) = rest.split_once(char::is_whitespace)
                {
                    let key = format!("{sv}:{sd}").to_ascii_lowercase();
                    ids.subdevices
                        .insert((v.clone(), d.clone(), key), name.trim().to_owned());
                }
            } else if let Some(rest) = line.strip_prefix('\t') {
                let Some((id, name)) = rest.split_once(char::is_whitespace) else {
                    continue;
                };
                let id = id.to_ascii_lowercase();
                if let Some(c) = &class {
                    ids.subclasses
                        .insert((c.clone(), id), name.trim().to_owned());
                } else if let Some(v) = &vendor {
                    ids.devices
                        .insert((v.clone(), id.clone()), name.trim().to_owned());
                    device = Some(id);
                }
            } else if let Some(rest) = line.strip_prefix("C ") {
                vendor = None;
                device = None;
                if let Some((id, name)) = rest.split_once(char::is_whitespace) {
                    ids.classes
                        .insert(id.to_ascii_lowercase(), name.trim().to_owned());
                    class = Some(id.to_ascii_lowercase());
                }
            } else {
                class = None;
                device = None;
                vendor = None;
                let Some((id, name)) = line.split_once(char::is_whitespace) else {
                    continue;
                };
                let id = id.to_ascii_lowercase();
                // Vendor ids are 4 hex digits; other sections (AT, HID, R…) are skipped.
                if id.len() == 4
                    && id.bytes().all(|b| b.is_ascii_hexdigit())
                    && wanted.contains(&id)
                {
                    ids.vendors.insert(id.clone(), name.trim().to_owned());
                    vendor = Some(id);
                }
            }
        }
        ids
    }

    /// A vendor's name.
    pub(super) fn vendor(&self, v: &str) -> Option<&str> {
        self.vendors.get(v).map(String::as_str)
    }

    /// A device's name.
    pub(super) fn device(&self, v: &str, d: &str) -> Option<&str> {
        self.devices
            .get(&(v.to_owned(), d.to_owned()))
            .map(String::as_str)
    }

    /// A subsystem's name (`sub` as "ssss:ssss").
    pub(super) fn subdevice(&self, v: &str, d: &str, sub: &str) -> Option<&str> {
        self.subdevices
            .get(&(v.to_owned(), d.to_owned(), sub.to_owned()))
            .map(String::as_str)
    }

    /// A class name (`cc`), or its subclass's name when known.
    pub(super) fn class(&self, c: &str, sub: Option<&str>) -> Option<&str> {
        sub.and_then(|s| self.subclasses.get(&(c.to_owned(), s.to_owned())))
            .or_else(|| self.classes.get(c))
            .map(String::as_str)
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// Lines of the real pci.ids (2023) for this machine's devices.
    pub(crate) const PCI_IDS_SNIPPET: &str = "\
# List of PCI ID's
1af4  Red Hat, Inc.
\t1041  Virtio 1.0 network device
\t1042  Virtio 1.0 block device
\t1044  Virtio 1.0 RNG
\t1045  Virtio 1.0 memory balloon
\t1053  Virtio 1.0 socket
\t1100  QEMU Virtual Machine
\t\t1af4 1100  QEMU Virtual Machine
8086  Intel Corporation
\t0a04  Haswell-ULT DRAM Controller
\t\t1179 0001  Portege Z30-A
C 01  Mass storage controller
\t00  SCSI storage controller
\t80  Mass storage controller
C 02  Network controller
\t00  Ethernet controller
C 06  Bridge
\t00  Host bridge
C ff  Unassigned class
";

    #[test]
    fn parses_what_is_asked() {
        let want: BTreeSet<String> = ["1af4".to_owned()].into();
        let ids = Ids::parse(PCI_IDS_SNIPPET, &want);
        assert_eq!(ids.vendor("1af4"), Some("Red Hat, Inc."));
        assert_eq!(ids.vendor("8086"), None);
        assert_eq!(ids.device("1af4", "1042"), Some("Virtio 1.0 block device"));
        assert_eq!(
            ids.subdevice("1af4", "1100", "1af4:1100"),
            Some("QEMU Virtual Machine")
        );
        assert_eq!(ids.class("06", Some("00")), Some("Host bridge"));
        assert_eq!(ids.class("01", Some("80")), Some("Mass storage controller"));
        assert_eq!(ids.class("ff", Some("ff")), Some("Unassigned class"));
        assert_eq!(ids.class("0c", None), None);
    }
}
