//! The compiled identification rules: recipes (where a value comes from and how it is cleaned),
//! vendor modules and their variants, sysDescr rules, the generic fallbacks.
//!
//! They are built from the rule files by [`super::schema`]; the format is documented in
//! `mibs/README.md`.

use std::collections::BTreeMap;

use crate::model::DeviceType;
use crate::snmp::Oid;

use super::pattern::Pattern;

/// A device field a rule can produce or read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Field {
    Description,
    Name,
    Location,
    Contact,
    Type,
    Manufacturer,
    Model,
    Serial,
    Firmware,
    Mac,
    Ip,
}

impl Field {
    pub(crate) fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "description" => Field::Description,
            "name" => Field::Name,
            "location" => Field::Location,
            "contact" => Field::Contact,
            "type" => Field::Type,
            "manufacturer" => Field::Manufacturer,
            "model" => Field::Model,
            "serial" => Field::Serial,
            "firmware" => Field::Firmware,
            "mac" => Field::Mac,
            "ip" => Field::Ip,
            _ => return None,
        })
    }
}

/// How the octets of a value become text before the other steps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Canon {
    /// As received (UTF-8 or Latin-1); numbers in decimal.
    Raw,
    /// getCanonicalString.
    String,
    /// getCanonicalMacAddress.
    Mac,
    /// getCanonicalSerialNumber.
    Serial,
    /// Printable ASCII only.
    Printable,
    /// Lower-case hex digits of the octets.
    Hex,
}

/// What the `engine-id` builtin gives (code-backed: the snmpEngineID decoding).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EngineField {
    Type,
    Manufacturer,
    Model,
    Serial,
}

impl EngineField {
    pub(crate) fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "engine-id.type" => EngineField::Type,
            "engine-id.manufacturer" => EngineField::Manufacturer,
            "engine-id.model" => EngineField::Model,
            "engine-id.serial" => EngineField::Serial,
            _ => return None,
        })
    }
}

/// A text with `{}`/`{1}`… (the source's values) and `{model}`… (device fields).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Template(pub(crate) Vec<Piece>);

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Piece {
    Text(String),
    Value(usize),
    Field(Field),
}

/// Finds the row of a table whose value matches, to complete `get` OIDs with its index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Row {
    pub(crate) walk: Oid,
    pub(crate) equals: Option<String>,
    pub(crate) equals_peer: bool,
    pub(crate) equals_get: Option<Oid>,
    pub(crate) skip: usize,
}

/// Where a recipe's raw value comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Fetch {
    /// GET of one or more OIDs (all must answer), after `row` completes them.
    Get(Vec<Oid>, Option<Row>),
    /// First non-empty value of a column, lowest index first.
    First(Oid),
    /// The n-th value (0-based) of a subtree in OID order.
    Nth(Oid, usize),
    /// A constant.
    Value(String),
    /// A field already identified.
    From(Field),
    /// The decoded snmpEngineID.
    Engine(EngineField),
}

/// One way of obtaining a field: fetch, then transform; `None` at any step means "try the next
/// recipe".
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Recipe {
    pub(crate) fetch: Fetch,
    pub(crate) canon: Canon,
    pub(crate) split: Option<String>,
    pub(crate) index: Option<usize>,
    pub(crate) pattern: Option<Pattern>,
    pub(crate) reject: Option<Pattern>,
    pub(crate) map: BTreeMap<String, String>,
    pub(crate) format: Option<Template>,
    pub(crate) not: Option<Template>,
    pub(crate) replace: Option<(String, String)>,
    pub(crate) delete: Option<String>,
    pub(crate) unless: Option<Field>,
    /// Stop the list here when the fetch answered, even with an empty value.
    pub(crate) last: bool,
}

/// A condition of a variant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Cond {
    Get(Oid, Option<Test>),
    Walk(Oid, Test),
    From(Field, Test),
    /// snmpEngineID names an enterprise with a type in the sysObjectID database.
    EngineId,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Test {
    Equals(String),
    Match(Pattern),
}

impl Test {
    pub(crate) fn passes(&self, text: &str) -> bool {
        match self {
            Test::Equals(want) => text == want,
            Test::Match(p) => p.is_match(text),
        }
    }
}

/// Recipes per field.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Fields(pub(crate) BTreeMap<Field, Vec<Recipe>>);

impl Fields {
    pub(crate) fn get(&self, field: Field) -> Option<&[Recipe]> {
        self.0.get(&field).map(Vec::as_slice)
    }

    pub(crate) fn recipes(&self) -> impl Iterator<Item = &Recipe> {
        self.0.values().flatten()
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Variant {
    pub(crate) name: String,
    pub(crate) when: Vec<Cond>,
    pub(crate) fields: Fields,
}

/// One vendor module: when it applies and what it knows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Vendor {
    pub(crate) name: String,
    pub(crate) priority: i64,
    pub(crate) sysobjectid: Vec<Oid>,
    pub(crate) privateoid: Vec<Oid>,
    pub(crate) sysorid: Vec<Oid>,
    pub(crate) require: Option<Oid>,
    pub(crate) fields: Fields,
    pub(crate) variants: Vec<Variant>,
}

/// Manufacturer and type a sysDescr rule gives.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Guess {
    pub(crate) manufacturer: Option<String>,
    pub(crate) device_type: Option<DeviceType>,
}

/// A pattern on the whole sysDescr.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct DescrRule {
    pub(crate) pattern: Pattern,
    pub(crate) guess: Guess,
}

/// The generic fallbacks (`[generic]`); `None` keys keep the bundled value when merging.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Generic {
    pub(crate) name: Option<Vec<Recipe>>,
    pub(crate) printer_probe: Option<Vec<Recipe>>,
    pub(crate) model_printer: Option<Vec<Recipe>>,
    pub(crate) model_power: Option<Vec<Recipe>>,
    pub(crate) model: Option<Vec<Recipe>>,
    pub(crate) manufacturer: Option<Vec<Recipe>>,
    pub(crate) model_first_word: Option<BTreeMap<String, String>>,
    pub(crate) mac: Option<Vec<Recipe>>,
    pub(crate) serial: Option<Vec<Recipe>>,
    pub(crate) firmware: Option<Vec<Recipe>>,
    pub(crate) memory_kb: Option<Vec<Recipe>>,
}

/// Everything one rule file holds.
#[derive(Clone, Debug, Default)]
pub(crate) struct RuleFile {
    pub(crate) first_word: BTreeMap<String, Guess>,
    pub(crate) sysdescr: Vec<DescrRule>,
    pub(crate) vendors: Vec<Vendor>,
    pub(crate) generic: Generic,
}
