//! Inventory additions of vendor modules (`[[inventory]]` in `mibs/inventory.toml` or a user
//! file): the extra FIRMWARES and PAGECOUNTERS a vendor's private objects give. The format is
//! documented in `mibs/README.md`; the network inventory evaluates the rules on the values it read.

use serde::Deserialize;
use toml::Spanned;

use crate::model::SnmpInfo;
use crate::snmp::Oid;

use super::MibError;
use super::pattern::Pattern;

/// The inventory additions of one vendor module.
#[derive(Clone, Debug)]
pub struct InventoryRule {
    /// Its name (a user rule with the same name replaces the bundled one).
    pub name: String,
    /// Applies when one of these identification modules (`vendors.toml`) applied…
    pub vendors: Vec<String>,
    /// …or when the sysObjectID lies under one of these (whole arcs).
    pub sysobjectid: Vec<Oid>,
    /// Extra firmwares.
    pub firmwares: Vec<FirmwareRule>,
    /// Page counters, in order.
    pub counters: Vec<CounterRule>,
}

impl InventoryRule {
    /// True when the rule applies to a device identified as `info`.
    #[must_use]
    pub fn applies(&self, info: &SnmpInfo) -> bool {
        self.vendors.iter().any(|v| info.mib_support.contains(v))
            || info.sysobjectid.as_ref().is_some_and(|id| {
                self.sysobjectid
                    .iter()
                    .any(|p| id.arcs().starts_with(p.arcs()))
            })
    }

    /// The objects the rule GETs.
    #[must_use]
    pub fn scalars(&self) -> Vec<Oid> {
        let mut out = Vec::new();
        for f in &self.firmwares {
            out.extend(f.version.iter().cloned());
            out.extend(f.optional.iter().cloned());
            if let Text::Get(oid) = &f.name {
                out.push(oid.clone());
            }
        }
        for c in &self.counters {
            out.extend(c.get.iter().cloned());
        }
        out
    }
}

/// A text: a constant, or the canonical string of an object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Text {
    /// This text.
    Value(String),
    /// The value of this object.
    Get(Oid),
}

/// A firmware added when its version objects all have a value.
///
/// Templates (`format`, NAME, DESCRIPTION, MANUFACTURER) name the objects `{1}`, `{2}`… (the
/// `version` objects, then the `optional` ones; `{}` is the first) and the device's identified
/// `{model}`, `{manufacturer}` and `{description}` (sysDescr), empty when unknown.
#[derive(Clone, Debug)]
pub struct FirmwareRule {
    /// NAME (a template when a constant).
    pub name: Text,
    /// DESCRIPTION (a template).
    pub description: Option<String>,
    /// TYPE.
    pub kind: Option<String>,
    /// MANUFACTURER (a template).
    pub manufacturer: Option<String>,
    /// Objects that must all have a true value (canonical strings).
    pub version: Vec<Oid>,
    /// Objects numbered after `version`, empty when missing.
    pub optional: Vec<Oid>,
    /// VERSION: a template; default `{}`.
    pub format: String,
    /// Applied to the formatted version: group 1 (else the whole match) is the version; no
    /// firmware when it does not match.
    pub matches: Option<Pattern>,
    /// Then the first match of this pattern is replaced by the text (`$1`… allowed).
    pub replace: Option<(Pattern, String)>,
    /// No firmware when the version matches.
    pub reject: Option<Pattern>,
}

/// Device fields a template may name.
pub const DEVICE_FIELDS: [&str; 3] = ["{model}", "{manufacturer}", "{description}"];

/// A page counter: the sum of the integer values of `get`, when not zero.
#[derive(Clone, Debug)]
pub struct CounterRule {
    /// The PAGECOUNTERS key (`TOTAL`, `SCANNED`…).
    pub key: String,
    /// The objects added up.
    pub get: Vec<Oid>,
    /// Keep a value already found (by the standard objects or an earlier rule).
    pub keep: bool,
}

#[derive(Deserialize)]
struct FileDef {
    #[serde(default)]
    inventory: Vec<Spanned<RuleDef>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleDef {
    name: String,
    #[serde(default)]
    vendor: Vec<String>,
    #[serde(default)]
    sysobjectid: Vec<String>,
    #[serde(default)]
    firmware: Vec<FirmwareDef>,
    #[serde(default)]
    counter: Vec<CounterDef>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FirmwareDef {
    name: Option<String>,
    name_get: Option<String>,
    description: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    manufacturer: Option<String>,
    #[serde(default)]
    version: Option<OneOrMany>,
    #[serde(default)]
    optional: Option<OneOrMany>,
    format: Option<String>,
    #[serde(rename = "match")]
    matches: Option<String>,
    replace: Option<(String, String)>,
    reject: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CounterDef {
    key: String,
    get: OneOrMany,
    #[serde(default)]
    keep: bool,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn list(self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        }
    }
}

/// The `[[inventory]]` rules of one TOML file (other sections are ignored here).
pub(crate) fn parse(file: &str, text: &str) -> Result<Vec<InventoryRule>, MibError> {
    let line_of = |offset: usize| {
        text.as_bytes()[..offset.min(text.len())]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1
    };
    let def: FileDef = toml::from_str(text).map_err(|e| MibError::Data {
        file: file.to_owned(),
        line: e.span().map_or(0, |s| line_of(s.start)),
        message: e.message().trim().to_owned(),
    })?;
    let mut out = Vec::new();
    for spanned in def.inventory {
        let line = line_of(spanned.span().start);
        let err = |message: String| MibError::Data {
            file: file.to_owned(),
            line,
            message,
        };
        let oid = |s: &str| {
            s.trim_start_matches('.')
                .parse::<Oid>()
                .map_err(|_| err(format!("bad OID {s:?}")))
        };
        let r = spanned.into_inner();
        let mut rule = InventoryRule {
            name: r.name,
            vendors: r.vendor,
            sysobjectid: r
                .sysobjectid
                .iter()
                .map(|s| oid(s))
                .collect::<Result<_, _>>()?,
            firmwares: Vec::new(),
            counters: Vec::new(),
        };
        for f in r.firmware {
            let name = match (f.name, f.name_get) {
                (Some(n), None) => Text::Value(n),
                (None, Some(o)) => Text::Get(oid(&o)?),
                _ => return Err(err("a firmware needs one of `name`, `name_get`".into())),
            };
            let objects = |list: Option<OneOrMany>| -> Result<Vec<Oid>, MibError> {
                list.map(OneOrMany::list)
                    .unwrap_or_default()
                    .iter()
                    .map(|s| oid(s))
                    .collect()
            };
            let version = objects(f.version)?;
            let optional = objects(f.optional)?;
            let format = f.format.unwrap_or_else(|| "{}".to_owned());
            let count = version.len() + optional.len();
            if count == 0 && !DEVICE_FIELDS.iter().any(|d| format.contains(d)) {
                return Err(err("a firmware needs a `version` object".into()));
            }
            let templates = [
                Some(&format),
                f.description.as_ref(),
                f.manufacturer.as_ref(),
            ];
            let named = match &name {
                Text::Value(n) => Some(n),
                Text::Get(_) => None,
            };
            for t in templates.into_iter().chain([named]).flatten() {
                if (1..=9).any(|n| t.contains(&format!("{{{n}}}")) && n > count)
                    || (count == 0 && t.contains("{}"))
                {
                    return Err(err(format!("template {t:?} names a missing object")));
                }
            }
            let pattern = |p: &str| Pattern::new(p).map_err(|e| err(e.to_string()));
            let reject = f.reject.as_deref().map(pattern).transpose()?;
            let matches = f.matches.as_deref().map(pattern).transpose()?;
            let replace = match f.replace {
                Some((p, with)) => Some((pattern(&p)?, with)),
                None => None,
            };
            rule.firmwares.push(FirmwareRule {
                name,
                description: f.description,
                kind: f.kind,
                manufacturer: f.manufacturer,
                version,
                optional,
                format,
                matches,
                replace,
                reject,
            });
        }
        for c in r.counter {
            let get: Vec<Oid> = c
                .get
                .list()
                .iter()
                .map(|s| oid(s))
                .collect::<Result<_, _>>()?;
            if get.is_empty() {
                return Err(err(format!("counter {} has no object", c.key)));
            }
            rule.counters.push(CounterRule {
                key: c.key,
                get,
                keep: c.keep,
            });
        }
        out.push(rule);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rules_and_reports_errors() {
        let text = r#"
[[inventory]]
name = "X"
vendor = ["X"]
sysobjectid = ["1.3.6.1.4.1.253.8"]
firmware = [{ name = "fw", type = "system", version = ["1.3.6.1.4.1.1.0", "1.3.6.1.4.1.2.0"], format = "{1}.{2}", reject = '(?i)n/a' }]
counter = [{ key = "TOTAL", get = "1.3.6.1.4.1.3.0", keep = true }]
"#;
        let rules = parse("t.toml", text).expect("parses");
        assert_eq!(rules.len(), 1);
        assert_eq!(rules[0].firmwares[0].version.len(), 2);
        assert!(rules[0].counters[0].keep);
        assert_eq!(rules[0].scalars().len(), 3);
        let info = SnmpInfo {
            sysobjectid: Some("1.3.6.1.4.1.253.8.62.1".parse().expect("oid")),
            ..SnmpInfo::default()
        };
        assert!(rules[0].applies(&info));
        assert!(!rules[0].applies(&SnmpInfo::default()));

        let bad =
            "\n[[inventory]]\nname = \"Y\"\nfirmware = [{ name = \"a\", version = \"x.y\" }]\n";
        let e = parse("u.toml", bad).expect_err("bad oid").to_string();
        assert!(e.starts_with("u.toml:2:"), "{e}");
        let bad = "[[inventory]]\nname = \"Y\"\nfirmware = [{ version = \"1.3\" }]\n";
        assert!(parse("u.toml", bad).is_err());
        let bad = "[[inventory]]\nname = \"Y\"\nfirmware = [{ name = \"a\", version = \"1.3\", format = \"{2}\" }]\n";
        assert!(parse("u.toml", bad).is_err());
        let bad = "[[inventory]]\nname = \"Y\"\nunknown = 1\n";
        assert!(parse("u.toml", bad).is_err());

        // Optional objects, device fields, match and replace.
        let text = r#"
[[inventory]]
name = "Z"
firmware = [
  { name = "{3} {model}", version = "1.3.6.1.4.1.1.0", optional = ["1.3.6.1.4.1.2.0", "1.3.6.1.4.1.3.0"], format = "{1}.{2}", replace = ["^B", "V"] },
  { name = "os", format = "{description}", match = '^\S+\s+(.*)$' },
]
"#;
        let rules = parse("t.toml", text).expect("parses");
        let f = &rules[0].firmwares;
        assert_eq!((f[0].version.len(), f[0].optional.len()), (1, 2));
        assert!(f[0].replace.is_some() && f[1].matches.is_some());
        assert_eq!(rules[0].scalars().len(), 3);
        for bad in [
            r#"firmware = [{ name = "a", format = "{1}" }]"#,
            r#"firmware = [{ name = "a", format = "{}" }]"#,
            r#"firmware = [{ name = "{3}", version = "1.3.6.1.4.1.1.0", optional = "1.3.6.1.4.1.2.0" }]"#,
            r#"firmware = [{ name = "a", version = "1.3.6.1.4.1.1.0", replace = ["(", "x"] }]"#,
        ] {
            let text = format!("[[inventory]]\nname = \"Y\"\n{bad}\n");
            assert!(parse("u.toml", &text).is_err(), "{bad}");
        }
    }
}
