//! The identification database: the bundled `mibs/` data (embedded at build time), merged with a
//! user's file or directory at run time, and the sysObjectID lookup.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::model::DeviceType;
use crate::snmp::Oid;

use super::MibError;
use super::inventory::{self, InventoryRule};
use super::rules::{DescrRule, Generic, Guess, RuleFile, Vendor};
use super::schema;

/// The enterprises arc (`1.3.6.1.4.1`) under which sysObjectIDs are keyed.
pub(crate) const ENTERPRISES: [u32; 6] = [1, 3, 6, 1, 4, 1];

/// The bundled data files: (name, contents).
const BUNDLED_IDS: (&str, &str) = (
    "mibs/sysobject.ids",
    include_str!("../../mibs/sysobject.ids"),
);
const BUNDLED_RULES: [(&str, &str); 4] = [
    (
        "mibs/sysdescr.toml",
        include_str!("../../mibs/sysdescr.toml"),
    ),
    ("mibs/generic.toml", include_str!("../../mibs/generic.toml")),
    ("mibs/vendors.toml", include_str!("../../mibs/vendors.toml")),
    (
        "mibs/inventory.toml",
        include_str!("../../mibs/inventory.toml"),
    ),
];

/// What the sysObjectID database says about a device.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Entry {
    /// MANUFACTURER.
    pub manufacturer: Option<String>,
    /// TYPE.
    pub device_type: Option<DeviceType>,
    /// MODEL.
    pub model: Option<String>,
    /// An inventory extension named by the entry (the reference agents' EXTMOD, e.g. `Qlogic`).
    pub module: Option<String>,
}

/// Identification data: sysObjectIDs, sysDescr rules, vendor modules, generic fallbacks.
#[derive(Clone, Debug)]
pub struct MibDb {
    /// Keyed by the arcs below `1.3.6.1.4.1`.
    sysobject: HashMap<Vec<u32>, Entry>,
    pub(crate) first_word: HashMap<String, Guess>,
    pub(crate) sysdescr: Vec<DescrRule>,
    /// Sorted by priority (stable: file order within a priority).
    pub(crate) vendors: Vec<Vendor>,
    pub(crate) generic: Generic,
    /// Inventory additions of vendor modules, in file order.
    inventory: Vec<InventoryRule>,
}

impl MibDb {
    /// The bundled data, parsed once. The bundled files are checked by the test suite, so this
    /// only fails if the binary was built from broken data.
    pub fn bundled() -> Result<&'static MibDb, MibError> {
        static DB: OnceLock<Result<MibDb, MibError>> = OnceLock::new();
        DB.get_or_init(|| MibDb::load(None))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The bundled data with `overrides` merged over it: a file (`*.ids` sysObjectID entries or
    /// `*.toml` rules) or a directory of such files (read in name order). A user entry for a
    /// sysObjectID, a first word or a vendor name replaces the bundled one, new ones are added;
    /// user sysDescr patterns are tried before the bundled ones; each `[generic]` key replaces
    /// the bundled list.
    pub fn load(overrides: Option<&Path>) -> Result<Self, MibError> {
        let mut db = MibDb {
            sysobject: HashMap::new(),
            first_word: HashMap::new(),
            sysdescr: Vec::new(),
            vendors: Vec::new(),
            generic: Generic::default(),
            inventory: Vec::new(),
        };
        db.merge_ids(BUNDLED_IDS.0, BUNDLED_IDS.1)?;
        for (name, text) in BUNDLED_RULES {
            db.merge_rules(schema::parse_rules(name, text)?, false);
            db.merge_inventory(inventory::parse(name, text)?);
        }
        if let Some(path) = overrides {
            for file in files(path)? {
                let text = std::fs::read_to_string(&file).map_err(|source| MibError::Io {
                    file: file.clone(),
                    source: std::sync::Arc::new(source),
                })?;
                let name = file.display().to_string();
                if file.extension().is_some_and(|e| e == "toml") {
                    db.merge_rules(schema::parse_rules(&name, &text)?, true);
                    db.merge_inventory(inventory::parse(&name, &text)?);
                } else {
                    db.merge_ids(&name, &text)?;
                }
            }
        }
        db.vendors.sort_by_key(|v| v.priority);
        Ok(db)
    }

    /// The entry for a sysObjectID: the exact id, else the id shortened one arc at a time, else
    /// the enterprise alone. Only sysObjectIDs under `1.3.6.1.4.1` can match.
    #[must_use]
    pub fn lookup_sysobjectid(&self, oid: &Oid) -> Option<&Entry> {
        let arcs = oid.arcs().strip_prefix(&ENTERPRISES[..])?;
        (1..=arcs.len())
            .rev()
            .find_map(|n| self.sysobject.get(&arcs[..n]))
    }

    /// The entry of an enterprise number (`getManufacturerIDInfo`).
    #[must_use]
    pub fn lookup_enterprise(&self, enterprise: u32) -> Option<&Entry> {
        self.sysobject.get(&vec![enterprise])
    }

    /// Number of sysObjectID entries.
    #[must_use]
    pub fn sysobjectid_count(&self) -> usize {
        self.sysobject.len()
    }

    /// Names of the vendor modules, in the order they are consulted.
    #[must_use]
    pub fn vendor_names(&self) -> Vec<&str> {
        self.vendors.iter().map(|v| v.name.as_str()).collect()
    }

    /// The inventory additions that apply to a device identified as `info`.
    pub fn inventory_rules<'a>(
        &'a self,
        info: &'a crate::model::SnmpInfo,
    ) -> impl Iterator<Item = &'a InventoryRule> + 'a {
        self.inventory.iter().filter(move |r| r.applies(info))
    }

    fn merge_inventory(&mut self, rules: Vec<InventoryRule>) {
        for rule in rules {
            match self.inventory.iter_mut().find(|r| r.name == rule.name) {
                Some(slot) => *slot = rule,
                None => self.inventory.push(rule),
            }
        }
    }

    fn merge_ids(&mut self, file: &str, text: &str) -> Result<(), MibError> {
        for (number, line) in text.lines().enumerate() {
            if let Some((key, entry)) = parse_ids_line(line).map_err(|message| MibError::Data {
                file: file.to_owned(),
                line: number + 1,
                message,
            })? {
                self.sysobject.insert(key, entry);
            }
        }
        Ok(())
    }

    fn merge_rules(&mut self, file: RuleFile, user: bool) {
        self.first_word.extend(file.first_word);
        if user {
            let mut rules = file.sysdescr;
            rules.append(&mut self.sysdescr);
            self.sysdescr = rules;
        } else {
            self.sysdescr.extend(file.sysdescr);
        }
        for vendor in file.vendors {
            match self.vendors.iter_mut().find(|v| v.name == vendor.name) {
                Some(slot) => *slot = vendor,
                None => self.vendors.push(vendor),
            }
        }
        let g = file.generic;
        let mine = &mut self.generic;
        macro_rules! take {
            ($($f:ident),*) => {$( if g.$f.is_some() { mine.$f = g.$f; } )*};
        }
        take!(
            name,
            printer_probe,
            model_printer,
            model_power,
            model,
            manufacturer,
            model_first_word,
            mac,
            serial,
            firmware,
            memory_kb
        );
    }
}

/// The files of an override path: the file itself, or a directory's `*.ids` and `*.toml`.
fn files(path: &Path) -> Result<Vec<PathBuf>, MibError> {
    let io = |source| MibError::Io {
        file: path.to_owned(),
        source: std::sync::Arc::new(source),
    };
    if !path.is_dir() {
        std::fs::metadata(path).map_err(io)?;
        return Ok(vec![path.to_owned()]);
    }
    let mut out = Vec::new();
    for entry in std::fs::read_dir(path).map_err(io)? {
        let file = entry.map_err(io)?.path();
        if file.extension().is_some_and(|e| e == "ids" || e == "toml") {
            out.push(file);
        }
    }
    out.sort();
    Ok(out)
}

/// One line of a `sysobject.ids` file: `None` for blanks and comments.
///
/// Lines of the reference files that separate the type with spaces instead of a TAB
/// (`2356<TAB>Lancom NETWORKING`) are split at the type word.
fn parse_ids_line(line: &str) -> Result<Option<(Vec<u32>, Entry)>, String> {
    let line = line.trim_end_matches(['\r', '\n']);
    if line.trim().is_empty() || line.starts_with('#') {
        return Ok(None);
    }
    let mut fields: Vec<&str> = line.split('\t').collect();
    let id = fields.remove(0).trim();
    let key = id
        .split('.')
        .map(|a| a.parse::<u32>())
        .collect::<Result<Vec<u32>, _>>()
        .map_err(|_| format!("bad sysObjectID {id:?} (expected <enterprise>[.<arcs>])"))?;
    if fields.len() > 4 {
        return Err(format!("too many fields ({}; at most 5)", fields.len() + 1));
    }
    let mut manufacturer = fields.first().map(|s| s.trim().to_owned());
    let mut type_text = fields.get(1).map(|s| s.trim().to_owned());
    let mut model = fields.get(2).map(|s| s.trim().to_owned());
    let module = fields.get(3).map(|s| s.trim().to_owned());
    if fields.len() == 1
        && let Some((m, t, rest)) = manufacturer.as_deref().and_then(split_type_word)
    {
        manufacturer = Some(m);
        type_text = Some(t);
        model = rest;
    }
    let device_type = match type_text.as_deref() {
        None | Some("") => None,
        Some(t) => Some(
            DeviceType::parse(t)
                .ok_or_else(|| format!("unknown device type {t:?} (NETWORKING, PRINTER, …)"))?,
        ),
    };
    let some = |v: Option<String>| v.filter(|s| !s.is_empty());
    Ok(Some((
        key,
        Entry {
            manufacturer: some(manufacturer),
            device_type,
            model: some(model),
            module: some(module),
        },
    )))
}

/// `Lancom NETWORKING` → (`Lancom`, `NETWORKING`, None); `Konica  PRINTER bizhub` → model too.
fn split_type_word(text: &str) -> Option<(String, String, Option<String>)> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let at = words
        .iter()
        .position(|w| DeviceType::parse(w).is_some_and(|t| t.as_str() == *w))?;
    if at == 0 {
        return None;
    }
    let rest = words[at + 1..].join(" ");
    Some((
        words[..at].join(" "),
        words[at].to_owned(),
        (!rest.is_empty()).then_some(rest),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oid(s: &str) -> Oid {
        s.parse().unwrap()
    }

    #[test]
    fn bundled_data_loads() {
        let db = MibDb::bundled().unwrap();
        assert!(db.sysobjectid_count() > 9000);
        assert!(db.vendor_names().contains(&"Cisco"));
        let cisco = db.lookup_sysobjectid(&oid("1.3.6.1.4.1.9.1.617")).unwrap();
        assert_eq!(cisco.model.as_deref(), Some("Catalyst 3560G-48TS"));
        assert_eq!(cisco.device_type, Some(DeviceType::Networking));
        // The conscious fix of the space-separated lines.
        let lancom = db.lookup_sysobjectid(&oid("1.3.6.1.4.1.2356")).unwrap();
        assert_eq!(lancom.manufacturer.as_deref(), Some("Lancom"));
        assert_eq!(lancom.device_type, Some(DeviceType::Networking));
        let qlogic = db
            .lookup_sysobjectid(&oid("1.3.6.1.4.1.1663.1.1.1.1.24"))
            .unwrap();
        assert_eq!(qlogic.module.as_deref(), Some("Qlogic"));
    }

    #[test]
    fn partial_matching_strips_arcs() {
        let db = MibDb::bundled().unwrap();
        // 30065.1.3011.7150.3282.52.2745 is not listed: falls back to the enterprise.
        let arista = db
            .lookup_sysobjectid(&oid("1.3.6.1.4.1.30065.1.3011.7150.3282.52.2745"))
            .unwrap();
        assert_eq!(arista.manufacturer.as_deref(), Some("Arista Networks"));
        assert_eq!(arista.model, None);
        // A longer id below a listed model keeps that model (GLPI agent semantics).
        let nexus = db
            .lookup_sysobjectid(&oid("1.3.6.1.4.1.9.12.3.1.3.1084.7.7"))
            .unwrap();
        assert_eq!(nexus.model.as_deref(), Some("Nexus 5548UP"));
        assert_eq!(db.lookup_sysobjectid(&oid("1.3.6.1.4.19849")), None);
        assert_eq!(db.lookup_sysobjectid(&oid("1.3.6.1.4.1")), None);
        assert_eq!(db.lookup_sysobjectid(&oid("0.0")), None);
        assert_eq!(
            db.lookup_enterprise(8072)
                .and_then(|e| e.manufacturer.as_deref()),
            Some("Net-SNMP")
        );
    }

    #[test]
    fn ids_lines() {
        let (key, e) = parse_ids_line("9.1.1\tCisco\tNETWORKING\tX 1\tMod")
            .unwrap()
            .unwrap();
        assert_eq!(key, vec![9, 1, 1]);
        assert_eq!(e.model.as_deref(), Some("X 1"));
        assert_eq!(e.module.as_deref(), Some("Mod"));
        let (_, e) = parse_ids_line("18334.1\tKonica  PRINTER bizhub 364E")
            .unwrap()
            .unwrap();
        assert_eq!(e.manufacturer.as_deref(), Some("Konica"));
        assert_eq!(e.device_type, Some(DeviceType::Printer));
        assert_eq!(e.model.as_deref(), Some("bizhub 364E"));
        let (_, e) = parse_ids_line("63\tApple").unwrap().unwrap();
        assert_eq!(
            (e.manufacturer.as_deref(), e.device_type),
            (Some("Apple"), None)
        );
        assert_eq!(parse_ids_line("# comment").unwrap(), None);
        assert_eq!(parse_ids_line("   ").unwrap(), None);
        assert!(parse_ids_line("9.x\tCisco").is_err());
        assert!(parse_ids_line("9\tCisco\tROUTER").is_err());
        assert!(parse_ids_line("9\ta\tNETWORKING\tb\tc\td").is_err());
    }

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("sonde-mib-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn overrides_replace_and_add() {
        let dir = temp_dir("override");
        std::fs::write(
            dir.join("local.ids"),
            "# mine\n9.1.617\tCisco\tNETWORKING\tMy 3560\n99999.1\tAcme\tPRINTER\tRoadRunner\n",
        )
        .unwrap();
        std::fs::write(
            dir.join("local.toml"),
            "[first_word]\nacme = { manufacturer = \"Acme\", type = \"KVM\" }\n\
             [[vendor]]\nname = \"Cisco\"\nsysobjectid = [\"1.3.6.1.4.1.9\"]\n\
             model = [{ value = \"overridden\" }]\n\
             [[vendor]]\nname = \"Acme\"\nsysobjectid = [\"1.3.6.1.4.1.99999\"]\n\
             serial = [{ get = \"1.3.6.1.4.1.99999.2.0\" }]\n",
        )
        .unwrap();
        let db = MibDb::load(Some(&dir)).unwrap();
        let e = db.lookup_sysobjectid(&oid("1.3.6.1.4.1.9.1.617")).unwrap();
        assert_eq!(e.model.as_deref(), Some("My 3560"));
        let e = db
            .lookup_sysobjectid(&oid("1.3.6.1.4.1.99999.1.5"))
            .unwrap();
        assert_eq!(e.manufacturer.as_deref(), Some("Acme"));
        // Untouched bundled entries stay.
        let e = db.lookup_sysobjectid(&oid("1.3.6.1.4.1.9.1.516")).unwrap();
        assert_eq!(e.model.as_deref(), Some("Catalyst 3750-24/48"));
        assert_eq!(
            db.first_word.get("acme").and_then(|g| g.device_type),
            Some(DeviceType::Kvm)
        );
        let names = db.vendor_names();
        assert_eq!(names.iter().filter(|n| **n == "Cisco").count(), 1);
        assert!(names.contains(&"Acme"));
        let bundled = MibDb::bundled().unwrap();
        assert_eq!(names.len(), bundled.vendor_names().len() + 1);
        // A single file works as well.
        let db = MibDb::load(Some(&dir.join("local.ids"))).unwrap();
        assert!(db.lookup_sysobjectid(&oid("1.3.6.1.4.1.99999.1")).is_some());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn malformed_data_names_file_and_line() {
        let dir = temp_dir("bad");
        let ids = dir.join("bad.ids");
        std::fs::write(&ids, "9\tCisco\tNETWORKING\n\n9.1.x\tCisco\n").unwrap();
        let err = MibDb::load(Some(&ids)).unwrap_err().to_string();
        assert!(err.contains("bad.ids:3:"), "{err}");
        let cases = [
            (
                "[[vendor]]\nname = \"x\"\nsysobjectid = [\"1.3.x\"]\n",
                ":3:",
            ),
            ("[first_word]\nfoo = { type = \"ROUTER\" }\n", ":2:"),
            ("[[sysdescr]]\nmatch = 'a('\ntype = \"PRINTER\"\n", ":2:"),
            ("\n\n[[vendor]]\nname = \"x\"\nbogus = 1\n", ":5:"),
            ("[[vendor]]\nname = \"x\"\n", ":1:"),
            (
                "[[vendor]]\nname = \"x\"\nsysobjectid = [\"1.3.6\"]\n\nmodel = [\n  { get = \"1.3\", first = \"1.3\" },\n]\n",
                ":6:",
            ),
            (
                "[[vendor]]\nname = \"x\"\nsysobjectid = [\"1.3.6\"]\nmodel = [{ value = \"a\", format = \"{2}\" }]\n",
                ":4:",
            ),
            (
                "[[vendor]]\nname = \"x\"\nsysobjectid = [\"1.3.6\"]\ntype = [{ value = \"FRIDGE\" }]\n",
                ":4:",
            ),
            ("this is not toml", ":1:"),
        ];
        for (i, (text, want)) in cases.iter().enumerate() {
            let file = dir.join(format!("bad{i}.toml"));
            std::fs::write(&file, text).unwrap();
            let err = MibDb::load(Some(&file)).unwrap_err().to_string();
            assert!(
                err.contains(&format!("bad{i}.toml{want}")),
                "case {i}: {err}"
            );
        }
        let missing = MibDb::load(Some(&dir.join("nope")))
            .unwrap_err()
            .to_string();
        assert!(missing.contains("nope"), "{missing}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
