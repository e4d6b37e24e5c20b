//! The hardware collectors (bios, smbios, cpu, storage, controllers, batteries) run on the
//! real root: they must not panic and must give plausible counts.

use super::{Context, Options, batteries, bios, controllers, cpu, smbios, storage};
use crate::model::local::{LocalInventory, Section};

#[test]
fn hardware_collectors_on_the_real_root() {
    let options = Options::default();
    let ctx = Context { options: &options };
    let mut inv = LocalInventory::default();
    for collect in [
        bios::collect,
        smbios::collect,
        cpu::collect,
        storage::collect,
        controllers::collect,
        batteries::collect,
    ] {
        collect(&ctx, &mut inv);
    }
    if ctx
        .read("/proc/cpuinfo")
        .is_some_and(|c| c.contains("processor"))
    {
        let cpus = inv.entries(Section::Cpus);
        assert!(!cpus.is_empty());
        assert!(
            cpus.iter()
                .all(|c| c.get("NAME").is_some() || c.get("ARCH").is_some())
        );
    }
    let disks = ctx.list("/sys/block").len();
    assert!(inv.entries(Section::Storages).len() <= disks);
    let pci = ctx.list("/sys/bus/pci/devices").len();
    assert_eq!(inv.entries(Section::Controllers).len(), pci);
    assert!(inv.entries(Section::UsbDevices).len() <= ctx.list("/sys/bus/usb/devices").len());
    assert!(inv.entries(Section::Batteries).len() <= ctx.list("/sys/class/power_supply").len());
}
