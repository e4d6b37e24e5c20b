//! The inventory-only INFO fields: CPU, MEMORY and RAM.

use super::tables::{Tables, int};
use crate::mib::canon;
use crate::model::InventoryInfo;
use crate::snmp::Value;

/// CISCO-PROCESS-MIB cpmCPUTotal5minRev.1, then cpmCPUTotal5sec.1.
const CPU: [&[u32]; 2] = [
    &[1, 3, 6, 1, 4, 1, 9, 9, 109, 1, 1, 1, 1, 6, 1],
    &[1, 3, 6, 1, 4, 1, 9, 9, 109, 1, 1, 1, 1, 3, 1],
];
/// HOST-RESOURCES-MIB hrStorageSize.1 (MEMORY, counted in bytes as the reference agents do).
const HR_STORAGE_SIZE_1: &[u32] = &[1, 3, 6, 1, 2, 1, 25, 2, 3, 1, 5, 1];
/// RAM sources, in the order tried, with the unit of their value. The reference agents try
/// UCD-SNMP memTotalReal without its `.0` instance (so a live agent never answers it) in Perl
/// hash order; sonde asks the real instance and always in this order: the standard
/// hrMemorySize first, then UCD-SNMP, then Cisco.
const RAM: [(&[u32], Unit); 3] = [
    (&[1, 3, 6, 1, 2, 1, 25, 2, 2, 0], Unit::KiloBytes),
    (&[1, 3, 6, 1, 4, 1, 2021, 4, 5, 0], Unit::KiloBytes),
    (&[1, 3, 6, 1, 4, 1, 9, 3, 6, 6, 0], Unit::Bytes),
];

#[derive(Clone, Copy)]
enum Unit {
    Bytes,
    KiloBytes,
}

/// Objects read by GET.
pub(super) const SCALARS: &[&[u32]] = &[
    CPU[0],
    CPU[1],
    HR_STORAGE_SIZE_1,
    RAM[0].0,
    RAM[1].0,
    RAM[2].0,
];

/// Sets CPU, MEMORY and RAM.
pub(super) fn apply(t: &Tables, info: &mut InventoryInfo) {
    info.cpu = CPU
        .iter()
        .find_map(|oid| t.get(oid).and_then(number))
        .and_then(|n| u64::try_from(n).ok());
    info.memory_mb = t
        .get(HR_STORAGE_SIZE_1)
        .and_then(number)
        .and_then(|n| u64::try_from(n).ok())
        .map(|bytes| bytes / 1024 / 1024);
    info.ram_mb = RAM.iter().find_map(|(oid, unit)| {
        let n = u64::try_from(t.get(oid).and_then(number)?).ok()?;
        Some(match unit {
            Unit::KiloBytes => n / 1024,
            Unit::Bytes => n / 1024 / 1024,
        })
    });
}

/// An integer, or the first number in a text value (`512 kB`).
fn number(v: &Value) -> Option<i64> {
    if let Some(n) = int(v) {
        return Some(n);
    }
    let text = canon::raw(v)?;
    let digits: String = text
        .trim_start()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snmp::{Oid, Varbind};

    #[test]
    fn cpu_memory_ram() {
        let t = Tables::from_varbinds([
            Varbind::new(Oid::from_slice(CPU[1]), Value::Gauge32(7)),
            Varbind::new(
                Oid::from_slice(HR_STORAGE_SIZE_1),
                Value::Integer(1_073_741_824),
            ),
            Varbind::new(Oid::from_slice(RAM[2].0), Value::Integer(268_435_456)),
        ]);
        let mut info = InventoryInfo::default();
        apply(&t, &mut info);
        assert_eq!(info.cpu, Some(7));
        assert_eq!(info.memory_mb, Some(1024));
        assert_eq!(info.ram_mb, Some(256));
    }
}
