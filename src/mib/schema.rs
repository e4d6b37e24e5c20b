//! The rule files (`mibs/*.toml`): their TOML schema, and its compilation into checked rules
//! (OIDs parsed, patterns compiled, templates split) with errors that name the file and line.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use crate::model::DeviceType;
use crate::snmp::Oid;

use super::MibError;
use super::pattern::Pattern;
use super::rules::{
    Canon, Cond, DescrRule, EngineField, Fetch, Field, Fields, Generic, Guess, Piece, Recipe, Row,
    RuleFile, Template, Test, Variant, Vendor,
};

type S<T> = Spanned<T>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileDef {
    #[serde(default)]
    first_word: BTreeMap<String, Spanned<GuessDef>>,
    #[serde(default)]
    sysdescr: Vec<S<DescrDef>>,
    #[serde(default)]
    vendor: Vec<S<VendorDef>>,
    #[serde(default)]
    generic: Option<GenericDef>,
    /// Inventory additions: parsed by `super::inventory`.
    #[serde(default)]
    #[allow(dead_code)]
    inventory: Vec<toml::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GuessDef {
    manufacturer: Option<String>,
    #[serde(rename = "type")]
    device_type: Option<S<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DescrDef {
    #[serde(rename = "match")]
    pattern: S<String>,
    manufacturer: Option<String>,
    #[serde(rename = "type")]
    device_type: Option<S<String>>,
}

type List = Option<Vec<S<RecipeDef>>>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GenericDef {
    name: List,
    printer_probe: List,
    model_printer: List,
    model_power: List,
    model: List,
    manufacturer: List,
    model_first_word: Option<BTreeMap<String, String>>,
    mac: List,
    serial: List,
    firmware: List,
    memory_kb: List,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VendorDef {
    name: String,
    #[serde(default = "default_priority")]
    priority: i64,
    #[serde(default)]
    sysobjectid: Vec<S<String>>,
    #[serde(default)]
    privateoid: Vec<S<String>>,
    #[serde(default)]
    sysorid: Vec<S<String>>,
    require: Option<S<String>>,
    #[serde(rename = "type")]
    device_type: List,
    manufacturer: List,
    model: List,
    serial: List,
    firmware: List,
    mac: List,
    hostname: List,
    ip: List,
    #[serde(default)]
    variant: Vec<S<VariantDef>>,
}

fn default_priority() -> i64 {
    10
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VariantDef {
    name: String,
    when: Vec<S<CondDef>>,
    #[serde(rename = "type")]
    device_type: List,
    manufacturer: List,
    model: List,
    serial: List,
    firmware: List,
    mac: List,
    hostname: List,
    ip: List,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CondDef {
    get: Option<String>,
    walk: Option<String>,
    from: Option<String>,
    builtin: Option<String>,
    equals: Option<String>,
    #[serde(rename = "match")]
    pattern: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RowDef {
    walk: String,
    equals: Option<String>,
    #[serde(default)]
    equals_peer: bool,
    equals_get: Option<String>,
    #[serde(default)]
    skip: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RecipeDef {
    get: Option<OneOrMany>,
    row: Option<RowDef>,
    first: Option<String>,
    walk: Option<String>,
    nth: Option<usize>,
    value: Option<String>,
    from: Option<String>,
    builtin: Option<String>,
    canon: Option<String>,
    split: Option<String>,
    index: Option<usize>,
    #[serde(rename = "match")]
    pattern: Option<String>,
    reject: Option<String>,
    #[serde(default)]
    map: BTreeMap<String, String>,
    format: Option<String>,
    not: Option<String>,
    replace: Option<(String, String)>,
    delete: Option<String>,
    unless: Option<String>,
    #[serde(default, rename = "final")]
    last: bool,
}

// ---- compilation ---------------------------------------------------------------------------

/// Turns byte offsets into `file:line` errors.
struct Ctx<'a> {
    file: &'a str,
    text: &'a str,
}

impl Ctx<'_> {
    fn line_of(&self, offset: usize) -> usize {
        let end = offset.min(self.text.len());
        self.text.as_bytes()[..end]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1
    }

    fn err(&self, span: std::ops::Range<usize>, message: impl Into<String>) -> MibError {
        MibError::Data {
            file: self.file.to_owned(),
            line: self.line_of(span.start),
            message: message.into(),
        }
    }
}

/// Parses and checks one rule file.
pub(crate) fn parse_rules(file: &str, text: &str) -> Result<RuleFile, MibError> {
    let ctx = Ctx { file, text };
    let def: FileDef = toml::from_str(text).map_err(|e| MibError::Data {
        file: file.to_owned(),
        line: e.span().map_or(0, |s| ctx.line_of(s.start)),
        message: e.message().trim().to_owned(),
    })?;
    let mut out = RuleFile::default();
    for (word, g) in def.first_word {
        let g = g.into_inner();
        let guess = guess(&ctx, g.manufacturer, &g.device_type)?;
        out.first_word.insert(word.to_lowercase(), guess);
    }
    for d in def.sysdescr {
        let d = d.into_inner();
        let pattern = Pattern::new(d.pattern.get_ref())
            .map_err(|e| ctx.err(d.pattern.span(), e.to_string()))?;
        let guess = guess(&ctx, d.manufacturer, &d.device_type)?;
        out.sysdescr.push(DescrRule { pattern, guess });
    }
    for v in def.vendor {
        out.vendors.push(vendor(&ctx, v)?);
    }
    if let Some(g) = def.generic {
        let l = |list: List| list.map(|l| recipes(&ctx, l)).transpose();
        out.generic = Generic {
            name: l(g.name)?,
            printer_probe: l(g.printer_probe)?,
            model_printer: l(g.model_printer)?,
            model_power: l(g.model_power)?,
            model: l(g.model)?,
            manufacturer: l(g.manufacturer)?,
            model_first_word: g
                .model_first_word
                .map(|m| m.into_iter().map(|(k, v)| (k.to_lowercase(), v)).collect()),
            mac: l(g.mac)?,
            serial: l(g.serial)?,
            firmware: l(g.firmware)?,
            memory_kb: l(g.memory_kb)?,
        };
    }
    Ok(out)
}

fn guess(
    ctx: &Ctx<'_>,
    manufacturer: Option<String>,
    device_type: &Option<S<String>>,
) -> Result<Guess, MibError> {
    let device_type =
        match device_type {
            Some(t) => Some(DeviceType::parse(t.get_ref()).ok_or_else(|| {
                ctx.err(t.span(), format!("unknown device type {:?}", t.get_ref()))
            })?),
            None => None,
        };
    Ok(Guess {
        manufacturer,
        device_type,
    })
}

fn oid_at(ctx: &Ctx<'_>, span: std::ops::Range<usize>, text: &str) -> Result<Oid, MibError> {
    text.parse::<Oid>()
        .map_err(|e| ctx.err(span, e.to_string()))
}

fn oids(ctx: &Ctx<'_>, list: &[S<String>]) -> Result<Vec<Oid>, MibError> {
    list.iter()
        .map(|s| oid_at(ctx, s.span(), s.get_ref()))
        .collect()
}

fn vendor(ctx: &Ctx<'_>, def: S<VendorDef>) -> Result<Vendor, MibError> {
    let span = def.span();
    let d = def.into_inner();
    let sysobjectid = oids(ctx, &d.sysobjectid)?;
    let privateoid = oids(ctx, &d.privateoid)?;
    let sysorid = oids(ctx, &d.sysorid)?;
    if sysobjectid.is_empty() && privateoid.is_empty() && sysorid.is_empty() {
        return Err(ctx.err(
            span,
            format!(
                "vendor {:?} needs sysobjectid, privateoid or sysorid",
                d.name
            ),
        ));
    }
    let require = d
        .require
        .map(|r| oid_at(ctx, r.span(), r.get_ref()))
        .transpose()?;
    let own = fields(
        ctx,
        [
            (Field::Type, d.device_type),
            (Field::Manufacturer, d.manufacturer),
            (Field::Model, d.model),
            (Field::Serial, d.serial),
            (Field::Firmware, d.firmware),
            (Field::Mac, d.mac),
            (Field::Name, d.hostname),
            (Field::Ip, d.ip),
        ],
    )?;
    let mut variants = Vec::new();
    for v in d.variant {
        let vspan = v.span();
        let v = v.into_inner();
        if v.when.is_empty() {
            return Err(ctx.err(vspan, format!("variant {:?} has an empty `when`", v.name)));
        }
        let when = v
            .when
            .into_iter()
            .map(|c| cond(ctx, c))
            .collect::<Result<_, _>>()?;
        let fields = fields(
            ctx,
            [
                (Field::Type, v.device_type),
                (Field::Manufacturer, v.manufacturer),
                (Field::Model, v.model),
                (Field::Serial, v.serial),
                (Field::Firmware, v.firmware),
                (Field::Mac, v.mac),
                (Field::Name, v.hostname),
                (Field::Ip, v.ip),
            ],
        )?;
        variants.push(Variant {
            name: v.name,
            when,
            fields,
        });
    }
    Ok(Vendor {
        name: d.name,
        priority: d.priority,
        sysobjectid,
        privateoid,
        sysorid,
        require,
        fields: own,
        variants,
    })
}

fn fields<const N: usize>(ctx: &Ctx<'_>, lists: [(Field, List); N]) -> Result<Fields, MibError> {
    let mut out = Fields::default();
    for (field, list) in lists {
        let Some(list) = list else { continue };
        let mut compiled = Vec::with_capacity(list.len());
        for def in list {
            let span = def.span();
            let r = recipe(ctx, def)?;
            if let (Field::Type, Fetch::Value(v)) = (field, &r.fetch)
                && DeviceType::parse(v).is_none()
            {
                return Err(ctx.err(span, format!("unknown device type {v:?}")));
            }
            compiled.push(r);
        }
        out.0.insert(field, compiled);
    }
    Ok(out)
}

fn cond(ctx: &Ctx<'_>, def: S<CondDef>) -> Result<Cond, MibError> {
    let span = def.span();
    let c = def.into_inner();
    let test = match (c.equals, c.pattern) {
        (Some(e), None) => Some(Test::Equals(e)),
        (None, Some(p)) => Some(Test::Match(
            Pattern::new(&p).map_err(|e| ctx.err(span.clone(), e.to_string()))?,
        )),
        (None, None) => None,
        (Some(_), Some(_)) => return Err(ctx.err(span, "`equals` and `match` exclude each other")),
    };
    let need_test = |test: Option<Test>| {
        test.ok_or_else(|| ctx.err(span.clone(), "this condition needs `equals` or `match`"))
    };
    match (c.get, c.walk, c.from, c.builtin) {
        (Some(o), None, None, None) => Ok(Cond::Get(oid_at(ctx, span.clone(), &o)?, test)),
        (None, Some(o), None, None) => {
            Ok(Cond::Walk(oid_at(ctx, span.clone(), &o)?, need_test(test)?))
        }
        (None, None, Some(f), None) => {
            let field = Field::parse(&f)
                .ok_or_else(|| ctx.err(span.clone(), format!("unknown field {f:?}")))?;
            Ok(Cond::From(field, need_test(test)?))
        }
        (None, None, None, Some(b)) if b == "engine-id" => Ok(Cond::EngineId),
        (None, None, None, Some(b)) => {
            Err(ctx.err(span, format!("unknown condition builtin {b:?}")))
        }
        _ => Err(ctx.err(
            span,
            "a condition needs exactly one of get, walk, from, builtin",
        )),
    }
}

fn recipes(ctx: &Ctx<'_>, list: Vec<S<RecipeDef>>) -> Result<Vec<Recipe>, MibError> {
    list.into_iter().map(|r| recipe(ctx, r)).collect()
}

fn recipe(ctx: &Ctx<'_>, def: S<RecipeDef>) -> Result<Recipe, MibError> {
    let span = def.span();
    let r = def.into_inner();
    let e = |m: String| ctx.err(span.clone(), m);
    let oid = |t: &str| oid_at(ctx, span.clone(), t);
    let row = r
        .row
        .map(|row| -> Result<Row, MibError> {
            Ok(Row {
                walk: oid(&row.walk)?,
                equals: row.equals,
                equals_peer: row.equals_peer,
                equals_get: row.equals_get.as_deref().map(oid).transpose()?,
                skip: row.skip,
            })
        })
        .transpose()?;
    let mut fetches = Vec::new();
    if let Some(g) = r.get {
        let list = match g {
            OneOrMany::One(o) => vec![o],
            OneOrMany::Many(l) => l,
        };
        if list.is_empty() {
            return Err(e("`get` needs at least one OID".into()));
        }
        let parsed = list.iter().map(|o| oid(o)).collect::<Result<_, _>>()?;
        fetches.push(Fetch::Get(parsed, row.clone()));
    } else if row.is_some() {
        return Err(e("`row` completes the OIDs of `get`".into()));
    }
    if let Some(f) = r.first {
        fetches.push(Fetch::First(oid(&f)?));
    }
    if let Some(w) = r.walk {
        let nth = r.nth.ok_or_else(|| e("`walk` needs `nth`".into()))?;
        fetches.push(Fetch::Nth(oid(&w)?, nth));
    } else if r.nth.is_some() {
        return Err(e("`nth` applies to `walk`".into()));
    }
    if let Some(v) = r.value {
        fetches.push(Fetch::Value(v));
    }
    if let Some(f) = r.from {
        fetches.push(Fetch::From(
            Field::parse(&f).ok_or_else(|| e(format!("unknown field {f:?}")))?,
        ));
    }
    if let Some(b) = r.builtin {
        let part = EngineField::parse(&b).ok_or_else(|| e(format!("unknown builtin {b:?}")))?;
        fetches.push(Fetch::Engine(part));
    }
    if fetches.len() != 1 {
        return Err(e(
            "a recipe needs exactly one of get, first, walk, value, from, builtin".into(),
        ));
    }
    let fetch = fetches.remove(0);
    let canon = match r.canon.as_deref() {
        None | Some("raw") => Canon::Raw,
        Some("string") => Canon::String,
        Some("mac") => Canon::Mac,
        Some("serial") => Canon::Serial,
        Some("printable") => Canon::Printable,
        Some("hex") => Canon::Hex,
        Some(other) => return Err(e(format!("unknown canon {other:?}"))),
    };
    let values = match &fetch {
        Fetch::Get(list, _) => list.len(),
        _ => 1,
    };
    let template = |t: Option<String>| t.map(|t| parse_template(&t, values).map_err(e)).transpose();
    let pat = |p: Option<String>| {
        p.map(|p| Pattern::new(&p).map_err(|x| ctx.err(span.clone(), x.to_string())))
            .transpose()
    };
    if r.index.is_some() && r.split.is_none() {
        return Err(ctx.err(span, "`index` applies to `split`"));
    }
    Ok(Recipe {
        fetch,
        canon,
        split: r.split,
        index: r.index,
        pattern: pat(r.pattern)?,
        reject: pat(r.reject)?,
        map: r.map,
        format: template(r.format)?,
        not: template(r.not)?,
        replace: r.replace,
        delete: r.delete,
        unless: r
            .unless
            .map(|f| {
                Field::parse(&f)
                    .ok_or_else(|| ctx.err(span.clone(), format!("unknown field {f:?}")))
            })
            .transpose()?,
        last: r.last,
    })
}

/// Splits `AP {}` / `{1}.{2}` / `{model}_{}` into pieces.
fn parse_template(text: &str, values: usize) -> Result<Template, String> {
    let mut pieces = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        if open > 0 {
            pieces.push(Piece::Text(rest[..open].to_owned()));
        }
        let Some(close) = rest[open..].find('}') else {
            return Err(format!("unclosed {{ in {text:?}"));
        };
        let name = &rest[open + 1..open + close];
        pieces.push(if name.is_empty() {
            Piece::Value(1)
        } else if let Ok(n) = name.parse::<usize>() {
            if n == 0 || n > values {
                return Err(format!(
                    "{{{n}}} in {text:?}: the recipe has {values} value(s)"
                ));
            }
            Piece::Value(n)
        } else {
            Piece::Field(
                Field::parse(name)
                    .ok_or_else(|| format!("unknown field {{{name}}} in {text:?}"))?,
            )
        });
        rest = &rest[open + close + 1..];
    }
    if !rest.is_empty() {
        pieces.push(Piece::Text(rest.to_owned()));
    }
    Ok(Template(pieces))
}
