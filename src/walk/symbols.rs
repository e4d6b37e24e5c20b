//! Symbolic OID names of the standard MIBs (`SNMPv2-MIB::sysDescr` → `1.3.6.1.2.1.1.1`).
//!
//! The table lives in `mibs/symbols.txt` (one `MODULE::name dotted-oid` per line) and is embedded
//! in the binary; it is parsed once, on first use. A name resolves with or without its module,
//! and the module of a qualified name is not checked against the table: net-snmp attributes some
//! objects to different modules depending on which MIB files are loaded (`RFC1213-MIB::ifDescr`
//! and `IF-MIB::ifDescr` are the same object).

use std::collections::HashMap;
use std::sync::LazyLock;

/// The embedded table text.
const TABLE: &str = include_str!("../../mibs/symbols.txt");

/// Name → arcs, keyed both by `MODULE::name` and by the bare `name` (the first line wins).
static SYMBOLS: LazyLock<HashMap<&'static str, Vec<u32>>> = LazyLock::new(|| {
    let mut map = HashMap::new();
    for (name, arcs) in TABLE.lines().filter_map(parse_table_line) {
        if let Some((_, bare)) = name.split_once("::") {
            map.entry(bare).or_insert_with(|| arcs.clone());
        }
        map.entry(name).or_insert(arcs);
    }
    map
});

/// One line of the table: `Some((name, arcs))`, `None` for blank, comment or malformed lines.
fn parse_table_line(line: &str) -> Option<(&str, Vec<u32>)> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let mut parts = line.split_whitespace();
    let name = parts.next()?;
    let dotted = parts.next()?;
    if parts.next().is_some() {
        return None;
    }
    let arcs = dotted
        .split('.')
        .map(|arc| arc.parse::<u32>().ok())
        .collect::<Option<Vec<u32>>>()?;
    Some((name, arcs))
}

/// The arcs of a symbolic name: `SNMPv2-MIB::sysDescr`, `sysDescr`, `iso`, `SNMPv2-SMI::enterprises`.
///
/// A qualified name whose module is unknown still resolves through its bare name.
#[must_use]
pub fn lookup(name: &str) -> Option<&'static [u32]> {
    if let Some(arcs) = SYMBOLS.get(name) {
        return Some(arcs);
    }
    let (_, bare) = name.split_once("::")?;
    SYMBOLS.get(bare).map(Vec::as_slice)
}

/// Number of distinct keys in the table (qualified and bare names).
#[must_use]
pub fn len() -> usize {
    SYMBOLS.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_line_is_well_formed() {
        for (number, line) in TABLE.lines().enumerate() {
            let trimmed = line.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            assert!(
                parse_table_line(line).is_some(),
                "mibs/symbols.txt line {}: {line:?}",
                number + 1
            );
        }
    }

    #[test]
    fn qualified_names_are_unique_and_consistent() {
        let mut seen: HashMap<&str, Vec<u32>> = HashMap::new();
        for (name, arcs) in TABLE.lines().filter_map(parse_table_line) {
            assert!(seen.insert(name, arcs).is_none(), "{name} listed twice");
        }
        // A bare name defined by two modules must mean the same object.
        let mut bare: HashMap<&str, &Vec<u32>> = HashMap::new();
        for (name, arcs) in &seen {
            let short = name.split_once("::").map_or(*name, |(_, b)| b);
            if let Some(previous) = bare.insert(short, arcs) {
                assert_eq!(previous, arcs, "{short} has two OIDs");
            }
        }
    }

    #[test]
    fn resolves_names_with_and_without_module() {
        assert_eq!(
            lookup("SNMPv2-MIB::sysDescr"),
            Some(&[1, 3, 6, 1, 2, 1, 1, 1][..])
        );
        assert_eq!(lookup("sysDescr"), lookup("SNMPv2-MIB::sysDescr"));
        assert_eq!(lookup("RFC1213-MIB::ifDescr"), lookup("IF-MIB::ifDescr"));
        assert_eq!(
            lookup("DISMAN-EVENT-MIB::sysUpTimeInstance"),
            Some(&[1, 3, 6, 1, 2, 1, 1, 3, 0][..])
        );
        assert_eq!(
            lookup("SNMPv2-SMI::enterprises"),
            Some(&[1, 3, 6, 1, 4, 1][..])
        );
        assert_eq!(lookup("ccitt"), Some(&[0][..]));
        assert_eq!(lookup("iso"), Some(&[1][..]));
        assert_eq!(lookup("NOPE-MIB::nothing"), None);
        assert!(len() > 500);
    }

    #[test]
    fn knows_the_oids_the_spec_names() {
        let cases: [(&str, &[u32]); 6] = [
            ("ipAdEntAddr", &[1, 3, 6, 1, 2, 1, 4, 20, 1, 1]),
            ("dot1dTpFdbPort", &[1, 3, 6, 1, 2, 1, 17, 4, 3, 1, 2]),
            ("dot1qTpFdbPort", &[1, 3, 6, 1, 2, 1, 17, 7, 1, 2, 2, 1, 2]),
            (
                "entPhysicalSerialNum",
                &[1, 3, 6, 1, 2, 1, 47, 1, 1, 1, 1, 11],
            ),
            ("lldpRemChassisId", &[1, 0, 8802, 1, 1, 2, 1, 4, 1, 1, 5]),
            (
                "prtGeneralSerialNumber",
                &[1, 3, 6, 1, 2, 1, 43, 5, 1, 1, 17],
            ),
        ];
        for (name, arcs) in cases {
            assert_eq!(lookup(name), Some(arcs), "{name}");
        }
    }
}
