//! Tests of the CPUS collector on copied /proc/cpuinfo files and hand-built SMBIOS tables.

use super::*;
use crate::inventory::fixture::Tree;
use crate::inventory::smbios_parse::build::{end, structure};
use crate::model::local::Value;

fn run(files: &[(&str, &str)]) -> Vec<Entry> {
    let inv = crate::inventory::fixture::run(files, collect);
    inv.entries(Section::Cpus).to_vec()
}

fn t(e: &Entry, k: &str) -> Option<String> {
    e.get_text(k)
}

#[allow(clippy::too_many_arguments)]
/// One logical processor of an x86 /proc/cpuinfo (flags shortened).
fn x86(
    n: u32,
    vendor: &str,
    family: u32,
    model: u32,
    name: &str,
    pkg: u32,
    sib: u32,
    cores: u32,
) -> String {
    format!(
        "processor\t: {n}\nvendor_id\t: {vendor}\ncpu family\t: {family}\nmodel\t\t: {model}\n\
         model name\t: {name}\nstepping\t: 1\nmicrocode\t: 0x1\ncpu MHz\t\t: 2600.000\n\
         cache size\t: 491520 KB\nphysical id\t: {pkg}\nsiblings\t: {sib}\ncore id\t\t: {n}\n\
         cpu cores\t: {cores}\napicid\t\t: {n}\nfpu\t\t: yes\nflags\t\t: fpu vme de pse tsc msr pae ht\n\
         bogomips\t: 5200.00\npower management:\n\n"
    )
}

#[test]
fn this_machine_xeon_vm() {
    // This machine: 2 vCPUs of one package, no hyper-threading.
    let info = x86(
        0,
        "GenuineIntel",
        6,
        167,
        "Intel(R) Xeon(R) Processor",
        0,
        2,
        2,
    ) + &x86(
        1,
        "GenuineIntel",
        6,
        167,
        "Intel(R) Xeon(R) Processor",
        0,
        2,
        2,
    );
    let c = run(&[("/proc/cpuinfo", &info)]);
    assert_eq!(c.len(), 1);
    assert_eq!(t(&c[0], "ARCH").as_deref(), Some("i386"));
    assert_eq!(t(&c[0], "MANUFACTURER").as_deref(), Some("Intel"));
    assert_eq!(
        t(&c[0], "NAME").as_deref(),
        Some("Intel(R) Xeon(R) Processor")
    );
    assert_eq!(c[0].get("FAMILYNUMBER"), Some(&Value::Text("6".into())));
    assert_eq!(c[0].get("MODEL"), Some(&Value::Text("167".into())));
    assert_eq!(c[0].get("STEPPING"), Some(&Value::Int(1)));
    assert_eq!(c[0].get("CORE"), Some(&Value::Int(2)));
    assert_eq!(c[0].get("THREAD"), Some(&Value::Int(1)));
    assert!(c[0].get("SPEED").is_none());
}

#[test]
fn amd_epyc_and_hyperthreaded_two_sockets() {
    // The FI 2.6 fixture's machine: AMD EPYC, family 25 model 17, 2 cores.
    let info = x86(0, "AuthenticAMD", 25, 17, "AMD EPYC", 0, 2, 2)
        + &x86(1, "AuthenticAMD", 25, 17, "AMD EPYC", 0, 2, 2);
    let c = run(&[("/proc/cpuinfo", &info)]);
    assert_eq!(c.len(), 1);
    assert_eq!(t(&c[0], "MANUFACTURER").as_deref(), Some("AMD"));
    assert_eq!(t(&c[0], "FAMILYNUMBER").as_deref(), Some("25"));
    assert_eq!(t(&c[0], "MODEL").as_deref(), Some("17"));
    // Two sockets of a hyper-threaded i5 (4 logical, 2 cores each).
    let name = "Intel(R) Core(TM) i5-4210U CPU @ 1.70GHz";
    let mut info = String::new();
    for n in 0..8 {
        info += &x86(n, "GenuineIntel", 6, 69, name, n / 4, 4, 2);
    }
    let c = run(&[("/proc/cpuinfo", &info)]);
    assert_eq!(c.len(), 2);
    for e in &c {
        assert_eq!(e.get("CORE"), Some(&Value::Int(2)));
        assert_eq!(e.get("THREAD"), Some(&Value::Int(2)));
        assert_eq!(e.get("SPEED"), Some(&Value::Int(1700)));
    }
    // No physical id: one entry per logical processor, 1 core 1 thread.
    let bare = "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: QEMU Virtual CPU version 2.5+\n\n\
                processor\t: 1\nvendor_id\t: GenuineIntel\nmodel name\t: QEMU Virtual CPU version 2.5+\n";
    let c = run(&[("/proc/cpuinfo", bare)]);
    assert_eq!(c.len(), 2);
    assert_eq!(c[1].get("CORE"), Some(&Value::Int(1)));
    assert!(run(&[]).is_empty());
}

#[test]
fn arm_forms() {
    // Raspberry Pi 4 (aarch64): 4 × Cortex-A72, no model name, a board block at the end.
    let mut info = String::new();
    for n in 0..4 {
        info += &format!(
            "processor\t: {n}\nBogoMIPS\t: 108.00\nFeatures\t: fp asimd evtstrm crc32 cpuid\n\
             CPU implementer\t: 0x41\nCPU architecture: 8\nCPU variant\t: 0x0\nCPU part\t: 0xd08\n\
             CPU revision\t: 3\n\n"
        );
    }
    info += "Hardware\t: BCM2835\nRevision\t: c03111\nSerial\t\t: 10000000abcdef01\nModel\t\t: Raspberry Pi 4 Model B Rev 1.1\n";
    let c = run(&[("/proc/cpuinfo", &info)]);
    assert_eq!(c.len(), 1);
    assert_eq!(t(&c[0], "ARCH").as_deref(), Some("aarch64"));
    assert_eq!(t(&c[0], "MANUFACTURER").as_deref(), Some("ARM"));
    assert_eq!(t(&c[0], "NAME").as_deref(), Some("Cortex-A72"));
    assert_eq!(c[0].get("CORE"), Some(&Value::Int(4)));
    // 32-bit ARMv7 with a model name, two clusters as two packages.
    let v7 = |n: u32| {
        format!(
            "processor\t: {n}\nmodel name\t: ARMv7 Processor rev 3 (v7l)\nBogoMIPS\t: 38.40\n\
             CPU implementer\t: 0x41\nCPU architecture: 7\nCPU part\t: 0xc07\nCPU revision\t: 3\n\n"
        )
    };
    let info = v7(0) + &v7(1) + &v7(2);
    let c = run(&[
        ("/proc/cpuinfo", &info),
        (
            "/sys/devices/system/cpu/cpu0/topology/physical_package_id",
            "0\n",
        ),
        (
            "/sys/devices/system/cpu/cpu1/topology/physical_package_id",
            "0\n",
        ),
        (
            "/sys/devices/system/cpu/cpu2/topology/physical_package_id",
            "1\n",
        ),
    ]);
    assert_eq!(c.len(), 2);
    assert_eq!(t(&c[0], "ARCH").as_deref(), Some("arm"));
    assert_eq!(
        t(&c[0], "NAME").as_deref(),
        Some("ARMv7 Processor rev 3 (v7l)")
    );
    assert_eq!(c[0].get("CORE"), Some(&Value::Int(2)));
    assert_eq!(c[1].get("CORE"), Some(&Value::Int(1)));
}

/// A type-4 body from offset 4 (through 0x2f): populated, enabled, Xeon, ID
/// "C3 06 03 00 FF FB EB BF" (family 6 model 60 stepping 3), 100 MHz external clock, 2600 MHz, 8 of 10 cores, 16 threads.
fn type4() -> Vec<u8> {
    let mut b = vec![1, 3, 0xb3, 2]; // 0x04 socket, 0x05 type, 0x06 family, 0x07 manufacturer
    b.extend([0xc3, 0x06, 0x03, 0x00, 0xff, 0xfb, 0xeb, 0xbf]); // 0x08 ID
    b.push(3); // 0x10 version
    b.push(0x8c); // 0x11 voltage
    b.extend(100u16.to_le_bytes()); // 0x12 external clock
    b.extend(4000u16.to_le_bytes()); // 0x14 max speed
    b.extend(2600u16.to_le_bytes()); // 0x16 current speed
    b.push(0x41); // 0x18 status: populated, enabled
    b.push(0x01); // 0x19 upgrade
    b.extend([0xff; 6]); // 0x1a cache handles
    b.extend([4, 0, 0]); // 0x20 serial, asset, part
    b.extend([10, 8, 16]); // 0x23 core count, enabled, threads
    b.extend(0x00fcu16.to_le_bytes()); // 0x26 characteristics
    b.extend(0xb3u16.to_le_bytes()); // 0x28 family 2
    b.extend([0; 6]); // 0x2a..0x2f
    b
}

#[test]
fn smbios_type4_completes_cpuinfo() {
    let mut table = structure(
        4,
        0x400,
        &type4(),
        &[
            "CPU1",
            "Intel",
            "Intel(R) Xeon(R) CPU E5-2650 v2",
            "SER-123",
        ],
    );
    // An empty second socket.
    let mut empty = type4();
    empty[0x18 - 4] = 0x00;
    table.extend(structure(4, 0x401, &empty, &["CPU2"]));
    table.extend(end());
    let tree = Tree::new(&[(
        "/proc/cpuinfo",
        "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) CPU E5-2650 v2\nphysical id\t: 0\n",
    )]);
    let dir = tree.0.join("sys/firmware/dmi/tables");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(dir.join("DMI"), &table).expect("write");
    let mut inv = LocalInventory::default();
    collect(
        &Context {
            options: &tree.options(),
        },
        &mut inv,
    );
    let c = inv.entries(Section::Cpus);
    assert_eq!(c.len(), 1);
    let e = &c[0];
    assert_eq!(t(e, "ID").as_deref(), Some("BFEBFBFF000306C3"));
    assert_eq!(t(e, "SERIAL").as_deref(), Some("SER-123"));
    assert_eq!(e.get("EXTERNAL_CLOCK"), Some(&Value::Int(100)));
    assert_eq!(e.get("CORECOUNT"), Some(&Value::Int(10)));
    assert_eq!(e.get("CORE"), Some(&Value::Int(8)));
    assert_eq!(e.get("THREAD"), Some(&Value::Int(2)));
    assert_eq!(e.get("SPEED"), Some(&Value::Int(2600)));
    assert_eq!(e.get("STEPPING"), Some(&Value::Int(3)));
    assert_eq!(t(e, "FAMILYNUMBER").as_deref(), Some("6"));
    assert_eq!(t(e, "MODEL").as_deref(), Some("60"));
    // Truncated table: nothing from SMBIOS, cpuinfo still there.
    std::fs::write(dir.join("DMI"), &table[..30]).expect("write");
    let mut inv = LocalInventory::default();
    collect(
        &Context {
            options: &tree.options(),
        },
        &mut inv,
    );
    assert_eq!(inv.entries(Section::Cpus).len(), 1);
    assert!(inv.entries(Section::Cpus)[0].get("ID").is_none());
}

#[test]
fn helpers() {
    assert_eq!(
        speed_from_name("Intel(R) Core(TM) i7-8650U CPU @ 1.90GHz"),
        Some(1900)
    );
    assert_eq!(speed_from_name("Pentium III 800MHz"), Some(800));
    assert_eq!(speed_from_name("AMD EPYC"), None);
    assert_eq!(canonical_vendor("HygonGenuine"), "Hygon");
}
