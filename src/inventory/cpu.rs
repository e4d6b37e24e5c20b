//! CPUS from /proc/cpuinfo (one entry per physical package).
//!
//! x86: logical processors grouped by `physical id` (without it, one entry per processor, as
//! glpi-agent does). ARM: grouped by `/sys/devices/system/cpu/cpuN/topology/physical_package_id`
//! (a SoC is one package), named from `model name`, else the SMBIOS processor, else the
//! implementer/part table. SMBIOS type 4 (root only) adds ID, SERIAL, EXTERNAL_CLOCK,
//! CORECOUNT and backs up what cpuinfo lacks. Decisions:
//! * `THREAD` is threads per core (`siblings / cpu cores`, rounded up), as glpi-agent sends
//!   it, not FI 2.6's `siblings` (quirk §2.4-6): the maintained agent's meaning, and the one
//!   its SMBIOS path (Thread Count / Core Count) gives too.
//! * `SPEED` (MHz) comes from a "… @ 2.40GHz" model name like both agents, else from the
//!   SMBIOS current speed; never from cpuinfo's `cpu MHz`, which changes from run to run.
//! * `FAMILYNUMBER` and `MODEL` are text (the JSON schema's strings), `STEPPING`, `CORE`,
//!   `THREAD`, `SPEED`, `EXTERNAL_CLOCK`, `CORECOUNT` integers.
//! * `ID` is written as glpi-agent writes it: the 8 CPUID bytes in reverse order as hex
//!   ("BFEBFBFF000306C3"); family/model/stepping fall-backs are decoded from CPUID
//!   properly (with the extended family and model), not with glpi-agent's digit shuffle.

use std::collections::BTreeMap;

use super::Context;
use super::smbios_parse::{Structure, Table};
use crate::model::local::{Entry, LocalInventory, Section};

/// Sections filled.
pub(super) const SECTIONS: &[Section] = &[Section::Cpus];

/// One logical processor: the `key : value` lines of its block, keys lower-cased.
type Block = BTreeMap<String, String>;

/// Collects.
pub(super) fn collect(ctx: &Context<'_>, inv: &mut LocalInventory) {
    let Some(text) = ctx.read("/proc/cpuinfo") else {
        return;
    };
    let blocks = parse(&text);
    let smbios: Vec<SmbiosCpu> = Table::load(ctx)
        .map(|t| t.of_type(4).filter_map(SmbiosCpu::from).collect())
        .unwrap_or_default();
    let x86 = blocks.iter().any(|b| b.contains_key("vendor_id"));
    let arm = blocks
        .iter()
        .any(|b| b.contains_key("cpu implementer") || b.contains_key("cpu architecture"));
    let cpus = if x86 {
        x86_cpus(&blocks, &smbios)
    } else if arm {
        arm_cpus(ctx, &blocks, &smbios)
    } else {
        Vec::new()
    };
    for c in cpus {
        inv.add(Section::Cpus, c);
    }
}

/// The processor blocks of `/proc/cpuinfo` (a block without `processor` is board data).
fn parse(text: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut cur = Block::new();
    for line in text.lines().chain(std::iter::once("")) {
        if line.trim().is_empty() {
            if cur.contains_key("processor") {
                out.push(std::mem::take(&mut cur));
            }
            cur.clear();
        } else if let Some((k, v)) = line.split_once(':') {
            cur.insert(k.trim().to_ascii_lowercase(), v.trim().to_owned());
        }
    }
    out
}

/// A number of a block.
fn num(b: &Block, key: &str) -> Option<i64> {
    b.get(key)?.parse().ok()
}

/// x86: one entry per `physical id`.
fn x86_cpus(blocks: &[Block], smbios: &[SmbiosCpu]) -> Vec<Entry> {
    let mut seen = Vec::new();
    let mut out = Vec::new();
    for b in blocks {
        let (core, thread) = match b.get("physical id") {
            Some(id) => {
                if seen.contains(id) {
                    continue;
                }
                seen.push(id.clone());
                let core = num(b, "cpu cores");
                let siblings = num(b, "siblings");
                let thread = match (core, siblings) {
                    (Some(c), Some(s)) if c > 0 && s >= c => Some((s + c - 1) / c),
                    (Some(_), Some(_)) => Some(1),
                    // Unknown: SMBIOS may tell, else 1 (below).
                    _ => None,
                };
                (core, thread)
            }
            None => (Some(1), Some(1)),
        };
        let dmi = smbios.get(out.len());
        let name = b.get("model name").cloned();
        let mut e = Entry::new();
        e.text("ARCH", Some("i386"))
            .text(
                "MANUFACTURER",
                b.get("vendor_id").map(|v| canonical_vendor(v)),
            )
            .text("NAME", name.clone())
            .text("FAMILYNUMBER", b.get("cpu family"))
            .text("MODEL", b.get("model"))
            .int("STEPPING", num(b, "stepping"))
            .int("CORE", core)
            .int("THREAD", thread)
            .int("SPEED", name.as_deref().and_then(speed_from_name));
        if let Some(d) = dmi {
            d.complete(&mut e);
        }
        if e.get("THREAD").is_none() {
            e.int("THREAD", Some(1));
        }
        out.push(e);
    }
    out
}

/// ARM: one entry per physical package (all logical processors of a SoC are one).
fn arm_cpus(ctx: &Context<'_>, blocks: &[Block], smbios: &[SmbiosCpu]) -> Vec<Entry> {
    let mut packages: Vec<(i64, Vec<&Block>)> = Vec::new();
    for b in blocks {
        let n = b.get("processor").cloned().unwrap_or_default();
        let pkg = ctx
            .read_value(&format!(
                "/sys/devices/system/cpu/cpu{n}/topology/physical_package_id"
            ))
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or(0)
            .max(0);
        match packages.iter_mut().find(|(p, _)| *p == pkg) {
            Some((_, list)) => list.push(b),
            None => packages.push((pkg, vec![b])),
        }
    }
    let mut out = Vec::new();
    for (i, (_, list)) in packages.iter().enumerate() {
        let Some(b) = list.first() else { continue };
        let dmi = smbios.get(i);
        let arch = match num(b, "cpu architecture") {
            Some(v) if v >= 8 => "aarch64",
            // 32-bit kernels say "7" or "5TEJ".
            _ if b
                .get("cpu architecture")
                .is_some_and(|v| v.starts_with('8')) =>
            {
                "aarch64"
            }
            _ => "arm",
        };
        let implementer = b.get("cpu implementer").and_then(|v| hex(v));
        let part = b.get("cpu part").and_then(|v| hex(v));
        let name = b
            .get("model name")
            .cloned()
            .or_else(|| dmi.and_then(|d| d.name.clone()))
            .or_else(|| arm_part_name(implementer?, part?).map(str::to_owned));
        let mut e = Entry::new();
        e.text("ARCH", Some(arch))
            .text("MANUFACTURER", implementer.and_then(arm_implementer))
            .text("NAME", name)
            .int("CORE", i64::try_from(list.len()).ok())
            .int("THREAD", Some(1));
        if let Some(d) = dmi {
            d.complete(&mut e);
        }
        out.push(e);
    }
    out
}

/// A `0x41`-style number.
fn hex(v: &str) -> Option<u32> {
    u32::from_str_radix(v.trim_start_matches("0x"), 16).ok()
}

/// glpi-agent's canonical CPU vendor names.
fn canonical_vendor(v: &str) -> String {
    match v {
        "GenuineIntel" => "Intel",
        "AuthenticAMD" => "AMD",
        "TMx86" | "TransmetaCPU" => "Transmeta",
        "CyrixInstead" => "Cyrix",
        "CentaurHauls" => "VIA",
        "HygonGenuine" => "Hygon",
        other => other,
    }
    .to_owned()
}

/// "… @ 2.40GHz" → 2400 (MHz).
fn speed_from_name(name: &str) -> Option<i64> {
    let lower = name.to_ascii_lowercase();
    let (at, mult) = match lower.rfind("ghz") {
        Some(i) => (i, 1000.0),
        None => (lower.rfind("mhz")?, 1.0),
    };
    let head = lower[..at].trim_end();
    let start = head
        .rfind(|c: char| !(c.is_ascii_digit() || c == '.'))
        .map_or(0, |i| i + 1);
    let v: f64 = head[start..].parse().ok()?;
    #[allow(clippy::cast_possible_truncation)]
    let mhz = (v * mult).round() as i64;
    (mhz > 0).then_some(mhz)
}

/// ARM implementer codes (`CPU implementer`).
fn arm_implementer(code: u32) -> Option<&'static str> {
    Some(match code {
        0x41 => "ARM",
        0x42 => "Broadcom",
        0x43 => "Cavium",
        0x46 => "Fujitsu",
        0x48 => "HiSilicon",
        0x4e => "NVIDIA",
        0x50 => "APM",
        0x51 => "Qualcomm",
        0x53 => "Samsung",
        0x56 => "Marvell",
        0x61 => "Apple",
        0x69 => "Intel",
        0xc0 => "Ampere",
        _ => return None,
    })
}

/// Names of common ARM Ltd cores (`CPU part` with implementer 0x41).
fn arm_part_name(implementer: u32, part: u32) -> Option<&'static str> {
    if implementer != 0x41 {
        return None;
    }
    Some(match part {
        0xb76 => "ARM1176",
        0xc07 => "Cortex-A7",
        0xc08 => "Cortex-A8",
        0xc09 => "Cortex-A9",
        0xc0f => "Cortex-A15",
        0xd03 => "Cortex-A53",
        0xd04 => "Cortex-A35",
        0xd05 => "Cortex-A55",
        0xd07 => "Cortex-A57",
        0xd08 => "Cortex-A72",
        0xd09 => "Cortex-A73",
        0xd0a => "Cortex-A75",
        0xd0b => "Cortex-A76",
        0xd0c => "Neoverse-N1",
        0xd0d => "Cortex-A77",
        0xd40 => "Neoverse-V1",
        0xd41 => "Cortex-A78",
        0xd46 => "Cortex-A510",
        0xd47 => "Cortex-A710",
        0xd49 => "Neoverse-N2",
        0xd4f => "Neoverse-V2",
        _ => return None,
    })
}

/// What SMBIOS type 4 says of one populated processor.
#[derive(Debug, Default)]
struct SmbiosCpu {
    id: Option<String>,
    eax: Option<u32>,
    serial: Option<String>,
    name: Option<String>,
    external_clock: Option<i64>,
    speed: Option<i64>,
    core: Option<i64>,
    corecount: Option<i64>,
    thread: Option<i64>,
}

impl SmbiosCpu {
    /// A processor structure; `None` for an empty socket, a disabled processor or VMware's
    /// all-zero placeholder.
    fn from(s: &Structure) -> Option<SmbiosCpu> {
        let status = s.byte(0x18)?;
        if status & 0x40 == 0 || matches!(status & 0x07, 2 | 3) {
            return None;
        }
        let manufacturer = s.string(0x07);
        let version = s.string(0x10);
        let zeros = |v: &Option<String>| v.as_deref().is_some_and(|x| x.bytes().all(|b| b == b'0'));
        if zeros(&manufacturer) && zeros(&version) {
            return None;
        }
        let id_bytes = s.bytes(0x08, 8);
        let word = |off| s.word(off).filter(|v| *v != 0).map(i64::from);
        let byte_or_word = |b: usize, w: usize| match s.byte(b) {
            Some(0xff) => word(w),
            Some(0) | None => None,
            Some(v) => Some(i64::from(v)),
        };
        let core_count = byte_or_word(0x23, 0x2a);
        let core_enabled = byte_or_word(0x24, 0x2c);
        let threads = byte_or_word(0x25, 0x2e);
        let core = core_enabled.or(core_count);
        let thread = match (threads, core) {
            (Some(t), Some(c)) if c > 0 => Some((t + c - 1) / c),
            _ => None,
        };
        Some(SmbiosCpu {
            id: id_bytes
                .filter(|b| b.iter().any(|x| *x != 0))
                .map(|b| b.iter().rev().map(|x| format!("{x:02X}")).collect()),
            eax: id_bytes
                .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .filter(|v| *v != 0),
            serial: s.string(0x20),
            name: version.map(|v| v.replace("(R)", "").replace("(TM)", "").replace("(tm)", "")),
            external_clock: word(0x12),
            speed: word(0x16),
            core,
            corecount: core_count.filter(|_| core_enabled.is_some() && core_enabled != core_count),
            thread,
        })
    }

    /// Adds ID/SERIAL/EXTERNAL_CLOCK/CORECOUNT and fills what cpuinfo did not give.
    fn complete(&self, e: &mut Entry) {
        let mut d = Entry::new();
        d.text("ID", self.id.as_deref())
            .text("SERIAL", self.serial.as_deref())
            .int("EXTERNAL_CLOCK", self.external_clock)
            .int("CORECOUNT", self.corecount)
            .int("CORE", self.core)
            .int("THREAD", self.thread)
            .int("SPEED", self.speed)
            .text("NAME", self.name.as_deref());
        // CPUID leaf 1 EAX: stepping, model, family (x86 only; ARM's MIDR differs).
        if let Some(eax) = self
            .eax
            .filter(|_| e.get_text("ARCH").as_deref() == Some("i386"))
        {
            let base = (eax >> 8) & 0xf;
            let family = if base == 0xf {
                base + ((eax >> 20) & 0xff)
            } else {
                base
            };
            let mut model = (eax >> 4) & 0xf;
            if base == 0x6 || base == 0xf {
                model |= ((eax >> 16) & 0xf) << 4;
            }
            d.int("STEPPING", Some(i64::from(eax & 0xf)))
                .text("FAMILYNUMBER", Some(family.to_string()))
                .text("MODEL", Some(model.to_string()));
        }
        e.fill_from(&d);
    }
}

#[cfg(test)]
#[path = "cpu_tests.rs"]
mod tests;
