//! HARDWARE/VMSYSTEM (is this machine virtual or a container?) and VIRTUALMACHINES it hosts
//! ([`super::vms`]).
//!
//! VMSYSTEM follows `Vmsystem.pm`, first match wins: `container=` of PID 1's environment (or
//! systemd's `/run/systemd/container`); `envID` > 0 → `Virtuozzo`; WSL markers → `WSL`; the
//! BIOS strings (the BIOS section already collected, else `/sys/class/dmi/id`) → `QEMU`,
//! `Hyper-V`, `VMware`, `Xen`, `VirtualBox`, `Virtual Machine`; `/.dockerenv` → `Docker`;
//! `/proc/xen` → `Xen` (`Physical` for dom0); `/proc/modules` (vmxnet, xen front drivers);
//! then, instead of the agent's dmesg patterns (root-only), the CPU's `hypervisor` flag: a
//! `kvm-clock` clock source → `QEMU` (the agent's name for "Hypervisor detected: KVM"),
//! `hyperv_clocksource*` → `Hyper-V`, `xen` → `Xen`, else `Virtual Machine`; else `Physical`.
//!
//! Quirk 5 (§2.4), decided: `/.dockerenv` alone is not trusted. It means `Docker` only when
//! PID 1 runs in a docker cgroup (`/proc/1/cgroup`) or the root filesystem is an overlay
//! (`/proc/1/mountinfo`); a microVM image that merely carries the file falls through to the
//! hypervisor tests (this machine: `QEMU`, by kvm-clock, where the agents said `Docker`).

use super::Context;
use crate::model::local::{Entry, LocalInventory, Section};

/// Sections filled.
pub(super) const SECTIONS: &[Section] = &[Section::Hardware, Section::VirtualMachines];

/// Collects.
pub(super) fn collect(ctx: &Context<'_>, inv: &mut LocalInventory) {
    if ctx.wants(Section::Hardware) {
        let kind = vm_system(ctx, inv);
        let mut hw = Entry::new();
        hw.text("VMSYSTEM", Some(kind));
        inv.add(Section::Hardware, hw);
    }
    if ctx.wants(Section::VirtualMachines) {
        let in_homes = if ctx.options.scan_homedirs {
            super::vms::virtualbox(ctx)
        } else {
            Vec::new()
        };
        for vm in super::vms::libvirt(ctx)
            .into_iter()
            .chain(super::vms::lxc(ctx))
            .chain(super::containers::docker(ctx))
            .chain(in_homes)
        {
            inv.add(Section::VirtualMachines, vm);
        }
    }
}

/// The VMSYSTEM value.
fn vm_system(ctx: &Context<'_>, inv: &LocalInventory) -> String {
    if let Some(c) = container(ctx) {
        return c;
    }
    let status = ctx.read("/proc/self/status").unwrap_or_default();
    if status.lines().any(|l| {
        l.strip_prefix("envID:")
            .and_then(|v| v.trim().parse::<i64>().ok())
            .is_some_and(|v| v > 0)
    }) {
        return "Virtuozzo".into();
    }
    let mounts = ctx.read("/proc/mounts").unwrap_or_default();
    if ctx.exists("/proc/sys/fs/binfmt_misc/WSLInterop")
        || mounts.lines().any(|l| l.starts_with("rootfs / wslfs"))
    {
        return "WSL".into();
    }
    if let Some(k) = bios_kind(ctx, inv) {
        return k.into();
    }
    if (ctx.exists("/.dockerenv") || ctx.exists("/.dockerinit")) && in_container(ctx) {
        return "Docker".into();
    }
    if ctx.exists("/proc/xen") {
        let caps = ctx.read("/proc/xen/capabilities").unwrap_or_default();
        return if caps.contains("control_d") {
            "Physical"
        } else {
            "Xen"
        }
        .into();
    }
    let modules = ctx.read("/proc/modules").unwrap_or_default();
    for l in modules.lines() {
        if l.starts_with("vmxnet ") || l.starts_with("vmxnet3 ") {
            return "VMware".into();
        }
        let name = l.split_whitespace().next().unwrap_or("");
        if name.starts_with("xen_") && name.ends_with("front") {
            return "Xen".into();
        }
    }
    let cpuinfo = ctx.read("/proc/cpuinfo").unwrap_or_default();
    let hypervisor = cpuinfo
        .lines()
        .any(|l| l.starts_with("flags") && l.split_whitespace().any(|f| f == "hypervisor"));
    if hypervisor {
        let clocks = ctx
            .read("/sys/devices/system/clocksource/clocksource0/available_clocksource")
            .unwrap_or_default();
        let has = |p: &str| clocks.split_whitespace().any(|c| c.starts_with(p));
        return if has("kvm-clock") {
            "QEMU"
        } else if has("hyperv_clocksource") {
            "Hyper-V"
        } else if has("xen") {
            "Xen"
        } else {
            "Virtual Machine"
        }
        .into();
    }
    "Physical".into()
}

/// A container type announced to PID 1 (`container=lxc`, `docker`, `podman`,
/// `systemd-nspawn`…).
fn container(ctx: &Context<'_>) -> Option<String> {
    let from_env = ctx.read_bytes("/proc/1/environ").and_then(|env| {
        env.split(|&b| b == 0).find_map(|kv| {
            let kv = String::from_utf8_lossy(kv);
            kv.strip_prefix("container=")
                .map(|v| v.split_whitespace().next().unwrap_or("").to_owned())
        })
    });
    from_env
        .or_else(|| ctx.read_value("/run/systemd/container"))
        .filter(|c| !c.is_empty())
}

/// True when PID 1 visibly runs in a container (docker cgroup, overlay root).
fn in_container(ctx: &Context<'_>) -> bool {
    let cgroup = ctx.read("/proc/1/cgroup").unwrap_or_default();
    if cgroup.contains("/docker/") || cgroup.contains("docker-") || cgroup.contains("/kubepods") {
        return true;
    }
    let mountinfo = ctx.read("/proc/1/mountinfo").unwrap_or_default();
    mountinfo.lines().any(|l| {
        let f: Vec<&str> = l.split_whitespace().collect();
        let sep = f.iter().position(|w| *w == "-");
        f.get(4) == Some(&"/") && sep.and_then(|s| f.get(s + 1)) == Some(&"overlay")
    })
}

/// The kind of machine the BIOS strings name, as `Vmsystem.pm` reads them.
fn bios_kind(ctx: &Context<'_>, inv: &LocalInventory) -> Option<&'static str> {
    let bios = inv.entries(Section::Bios).first();
    let get = |field: &str, sysfs: &str| {
        bios.and_then(|b| b.get_text(field))
            .or_else(|| ctx.read_value(&format!("/sys/class/dmi/id/{sysfs}")))
            .unwrap_or_default()
    };
    let smanufacturer = get("SMANUFACTURER", "sys_vendor");
    let smodel = get("SMODEL", "product_name");
    if smanufacturer.contains("QEMU") {
        return Some("QEMU");
    }
    if smanufacturer.contains("Microsoft") && smodel.contains("Virtual") {
        return Some("Hyper-V");
    }
    if smanufacturer.contains("VMware") {
        return Some("VMware");
    }
    if smanufacturer.starts_with("Xen") {
        return Some("Xen");
    }
    let bmanufacturer = get("BMANUFACTURER", "bios_vendor");
    if bmanufacturer.contains("QEMU") || bmanufacturer.contains("Bochs") {
        return Some("QEMU");
    }
    if bmanufacturer.contains("VirtualBox") || bmanufacturer.contains("innotek") {
        return Some("VirtualBox");
    }
    if bmanufacturer.starts_with("Xen") {
        return Some("Xen");
    }
    if smodel.contains("VMware") {
        return Some("VMware");
    }
    if smodel.contains("Virtual Machine") {
        return Some("Virtual Machine");
    }
    if smodel.contains("KVM") {
        return Some("QEMU");
    }
    if get("BVERSION", "bios_version").contains("VirtualBox")
        || get("MMODEL", "board_name").contains("VirtualBox")
    {
        return Some("VirtualBox");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vmsystem(files: &[(&str, &str)]) -> Option<String> {
        let inv = crate::inventory::fixture::run(files, collect);
        inv.entries(Section::Hardware).first()?.get_text("VMSYSTEM")
    }

    const CPU_VM: &str = "processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: fpu vme de pse tsc msr hypervisor lahf_lm\n";
    const CLOCKS: &str = "/sys/devices/system/clocksource/clocksource0/available_clocksource";
    const CGROUP_V1: &str = "9:name=systemd:/\n8:pids:/\n0::/\n";

    #[test]
    fn vmsystem_heuristics() {
        // This machine: a microVM with /.dockerenv, no container cgroup, kvm-clock (quirk 5).
        let this = [
            ("/.dockerenv", ""),
            ("/proc/1/cgroup", CGROUP_V1),
            ("/proc/cpuinfo", CPU_VM),
            (CLOCKS, "tsc kvm-clock \n"),
        ];
        assert_eq!(vmsystem(&this).as_deref(), Some("QEMU"));
        let docker = [
            ("/.dockerenv", ""),
            ("/proc/1/cgroup", "0::/system.slice/docker-4f1c0d6e.scope\n"),
            ("/proc/cpuinfo", CPU_VM),
        ];
        assert_eq!(vmsystem(&docker).as_deref(), Some("Docker"));
        let overlay = "1200 1100 0:290 / / rw,relatime master:1 - overlay overlay rw,lowerdir=/l\n";
        assert_eq!(
            vmsystem(&[("/.dockerenv", ""), ("/proc/1/mountinfo", overlay)]).as_deref(),
            Some("Docker")
        );
        assert_eq!(
            vmsystem(&[("/run/systemd/container", "lxc\n")]).as_deref(),
            Some("lxc")
        );
        assert_eq!(
            vmsystem(&[("/proc/1/environ", "PATH=/bin\0container=podman\0")]).as_deref(),
            Some("podman")
        );
        assert_eq!(
            vmsystem(&[("/sys/class/dmi/id/sys_vendor", "QEMU\n")]).as_deref(),
            Some("QEMU")
        );
        assert_eq!(
            vmsystem(&[
                ("/sys/class/dmi/id/sys_vendor", "Microsoft Corporation\n"),
                ("/sys/class/dmi/id/product_name", "Virtual Machine\n"),
            ])
            .as_deref(),
            Some("Hyper-V")
        );
        assert_eq!(
            vmsystem(&[("/sys/class/dmi/id/sys_vendor", "VMware, Inc.\n")]).as_deref(),
            Some("VMware")
        );
        assert_eq!(
            vmsystem(&[("/sys/class/dmi/id/bios_vendor", "innotek GmbH\n")]).as_deref(),
            Some("VirtualBox")
        );
        assert_eq!(
            vmsystem(&[("/proc/xen/capabilities", "control_d\n")]).as_deref(),
            Some("Physical")
        );
        assert_eq!(
            vmsystem(&[("/proc/xen/capabilities", "")]).as_deref(),
            Some("Xen")
        );
        assert_eq!(
            vmsystem(&[("/proc/self/status", "Name:\tx\nenvID:\t101\n")]).as_deref(),
            Some("Virtuozzo")
        );
        assert_eq!(
            vmsystem(&[("/proc/cpuinfo", CPU_VM)]).as_deref(),
            Some("Virtual Machine")
        );
        let physical = [
            ("/proc/cpuinfo", "flags\t\t: fpu vme de pse tsc msr\n"),
            ("/sys/class/dmi/id/sys_vendor", "Dell Inc.\n"),
            ("/sys/class/dmi/id/product_name", "OptiPlex 7080\n"),
        ];
        assert_eq!(vmsystem(&physical).as_deref(), Some("Physical"));
    }
}
