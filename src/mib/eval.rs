//! Evaluation of the rules against one device: recipes (fetch, then transform), recipe lists
//! (first value wins), vendor modules (which apply, which variant, by priority).

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use crate::snmp::{Oid, Source, Value};

use super::canon;
use super::db::MibDb;
use super::fetch::Fetcher;
use super::rules::{Builtin, Canon, Cond, Fetch, Field, Piece, Recipe, Template, Variant, Vendor};
use super::vendors::{self, EngineInfo};

/// What one recipe gave.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Its source has nothing.
    Missing,
    /// Its source answered, but nothing usable came out.
    Empty,
    /// A value.
    Value(String),
}

/// The state of one identification.
pub(crate) struct Ident<'a, S> {
    pub(crate) fetch: Fetcher<'a, S>,
    pub(crate) db: &'a MibDb,
    pub(crate) peer: Option<Ipv4Addr>,
    /// Fields found so far (TYPE as its wire spelling).
    pub(crate) fields: BTreeMap<Field, String>,
    /// Vendor modules that apply, in consultation order.
    pub(crate) enabled: Vec<&'a Vendor>,
    /// Per enabled vendor: the chosen variant, once decided.
    variants: Vec<Option<Option<&'a Variant>>>,
    engine: Option<Option<EngineInfo>>,
}

impl<'a, S: Source> Ident<'a, S> {
    pub(crate) fn new(source: &'a S, db: &'a MibDb, peer: Option<Ipv4Addr>) -> Self {
        Self {
            fetch: Fetcher::new(source),
            db,
            peer,
            fields: BTreeMap::new(),
            enabled: Vec::new(),
            variants: Vec::new(),
            engine: None,
        }
    }

    pub(crate) fn field(&self, field: Field) -> Option<&str> {
        self.fields.get(&field).map(String::as_str)
    }

    pub(crate) fn set(&mut self, field: Field, value: Option<String>) {
        match value {
            Some(v) if !v.is_empty() => {
                self.fields.insert(field, v);
            }
            _ => {
                self.fields.remove(&field);
            }
        }
    }

    pub(crate) fn enable(&mut self, vendors: Vec<&'a Vendor>) {
        self.variants = vec![None; vendors.len()];
        self.enabled = vendors;
    }

    /// The first value the enabled vendor modules give for `field`.
    pub(crate) async fn vendor_field(&mut self, field: Field) -> Option<String> {
        for at in 0..self.enabled.len() {
            let vendor = self.enabled[at];
            let variant = self.variant(at).await;
            let recipes = variant
                .and_then(|v| v.fields.get(field))
                .or_else(|| vendor.fields.get(field));
            if let Some(recipes) = recipes {
                if let Outcome::Value(value) = self.first_of(recipes).await {
                    return Some(value);
                }
            }
        }
        None
    }

    /// The variant of enabled vendor `at`: the first whose conditions all hold.
    async fn variant(&mut self, at: usize) -> Option<&'a Variant> {
        if let Some(Some(chosen)) = self.variants.get(at) {
            return *chosen;
        }
        let vendor = self.enabled[at];
        let mut chosen = None;
        for variant in &vendor.variants {
            let mut all = true;
            for cond in &variant.when {
                if !self.holds(cond).await {
                    all = false;
                    break;
                }
            }
            if all {
                chosen = Some(variant);
                break;
            }
        }
        if let Some(slot) = self.variants.get_mut(at) {
            *slot = Some(chosen);
        }
        chosen
    }

    pub(crate) async fn holds(&mut self, cond: &'a Cond) -> bool {
        match cond {
            Cond::Get(oid, test) => match self.fetch.get(oid).await {
                Some(v) => {
                    let text = canon::raw(&v).unwrap_or_default();
                    match test {
                        Some(t) => t.passes(&canon::value_string(&v).unwrap_or_default()),
                        None => canon::truthy(&text),
                    }
                }
                None => false,
            },
            Cond::Walk(root, test) => self
                .fetch
                .walk(root)
                .await
                .iter()
                .any(|vb| test.passes(&canon::value_string(&vb.value).unwrap_or_default())),
            Cond::From(field, test) => self.field(*field).is_some_and(|v| test.passes(v)),
            Cond::Builtin(_) => self.engine().await.is_some(),
        }
    }

    /// The first value of a recipe list; a `final` recipe whose source answered ends the list
    /// (with [`Outcome::Empty`] when it gave nothing usable).
    pub(crate) async fn first_of(&mut self, recipes: &'a [Recipe]) -> Outcome {
        self.fetch.prefetch(prefetch_oids(recipes)).await;
        for recipe in recipes {
            match self.eval(recipe).await {
                Outcome::Value(v) => return Outcome::Value(v),
                Outcome::Empty if recipe.last => return Outcome::Empty,
                Outcome::Empty | Outcome::Missing => {}
            }
        }
        Outcome::Missing
    }

    /// Evaluates one recipe.
    pub(crate) async fn eval(&mut self, r: &'a Recipe) -> Outcome {
        if r.unless.is_some_and(|f| self.field(f).is_some()) {
            return Outcome::Missing;
        }
        let Some(values) = self.fetch_values(&r.fetch).await else {
            return Outcome::Missing;
        };
        let texts: Vec<String> = values.iter().map(|v| apply_canon(r.canon, v)).collect();
        let Some(first) = texts.first() else {
            return Outcome::Missing;
        };
        match self.transform(r, first, &texts) {
            Some(v) if canon::truthy(&v) => Outcome::Value(v),
            _ => Outcome::Empty,
        }
    }

    fn transform(&self, r: &Recipe, first: &str, all: &[String]) -> Option<String> {
        let mut text = match &r.split {
            Some(sep) => {
                let mut pieces = first.split(sep.as_str()).map(str::trim);
                match (r.index, &r.pattern) {
                    (Some(n), Some(p)) => p.extract(pieces.nth(n)?)?,
                    (Some(n), None) => pieces.nth(n)?.to_owned(),
                    (None, Some(p)) => pieces.find_map(|piece| p.extract(piece))?,
                    (None, None) => pieces.next()?.to_owned(),
                }
            }
            None => match &r.pattern {
                Some(p) => p.extract(first)?,
                None => first.to_owned(),
            },
        };
        if r.reject.as_ref().is_some_and(|p| p.is_match(&text)) {
            return None;
        }
        if let Some(chars) = &r.delete {
            text.retain(|c| !chars.contains(c));
        }
        if let Some((from, to)) = &r.replace {
            if !from.is_empty() {
                text = text.replace(from.as_str(), to);
            }
        }
        text = match (r.map.get(&text), &r.format) {
            (Some(mapped), _) => mapped.clone(),
            (None, Some(t)) => self.render(t, &text, all),
            (None, None) => text,
        };
        if r.not
            .as_ref()
            .is_some_and(|t| self.render(t, &text, all) == text)
        {
            return None;
        }
        Some(text)
    }

    fn render(&self, template: &Template, value: &str, all: &[String]) -> String {
        let mut out = String::new();
        for piece in &template.0 {
            match piece {
                Piece::Text(t) => out.push_str(t),
                Piece::Value(1) => out.push_str(value),
                Piece::Value(n) => out.push_str(all.get(n - 1).map_or("", String::as_str)),
                Piece::Field(f) => out.push_str(self.field(*f).unwrap_or("")),
            }
        }
        out
    }

    /// The raw values of a fetch; `None` when the source has nothing.
    async fn fetch_values(&mut self, fetch: &'a Fetch) -> Option<Vec<Value>> {
        let text = |s: &str| Some(vec![Value::OctetString(s.as_bytes().to_vec())]);
        match fetch {
            Fetch::Get(oids, row) => {
                let suffix = match row {
                    Some(row) => Some(vendors::row_index(self, row).await?),
                    None => None,
                };
                let mut out = Vec::with_capacity(oids.len());
                for oid in oids {
                    let oid = match &suffix {
                        Some(s) => oid.child(s),
                        None => oid.clone(),
                    };
                    out.push(self.fetch.get(&oid).await?);
                }
                Some(out)
            }
            Fetch::First(column) => {
                let one = column.child(&[1]);
                if let Some(v) = self.fetch.get(&one).await {
                    if canon::raw(&v).is_some_and(|t| canon::truthy(&t)) {
                        return Some(vec![v]);
                    }
                }
                if self.fetch.not_implemented(&one) {
                    return None;
                }
                let rows = self.fetch.walk(column).await;
                rows.iter()
                    .find(|vb| canon::raw(&vb.value).is_some_and(|t| canon::truthy(&t)))
                    .map(|vb| vec![vb.value.clone()])
            }
            Fetch::Nth(root, n) => {
                let rows = self.fetch.walk(root).await;
                rows.get(*n).map(|vb| vec![vb.value.clone()])
            }
            Fetch::Value(v) => text(v),
            Fetch::From(field) => {
                let v = self.field(*field)?.to_owned();
                text(&v)
            }
            Fetch::Builtin(b) => {
                let info = self.engine().await?;
                let v = match b {
                    Builtin::EngineIdType => Some(info.device_type.as_str().to_owned()),
                    Builtin::EngineIdManufacturer => Some(info.manufacturer),
                    Builtin::EngineIdModel => info.model,
                    Builtin::EngineIdSerial => info.serial,
                    Builtin::EngineId => None,
                }?;
                text(&v)
            }
        }
    }

    async fn engine(&mut self) -> Option<EngineInfo> {
        if self.engine.is_none() {
            let info = vendors::engine_info(self).await;
            self.engine = Some(info);
        }
        self.engine.clone().flatten()
    }
}

/// How a value becomes text for a recipe.
pub(crate) fn apply_canon(canon: Canon, value: &Value) -> String {
    match canon {
        Canon::Raw => canon::raw(value).unwrap_or_default(),
        Canon::String => canon::value_string(value).unwrap_or_default(),
        Canon::Mac => canon::value_mac(value).unwrap_or_default(),
        Canon::Serial => canon::raw(value)
            .and_then(|t| canon::serial(&t))
            .unwrap_or_default(),
        Canon::Printable => canon::printable_only(&canon::raw(value).unwrap_or_default()),
        Canon::Hex => match value {
            Value::OctetString(b) | Value::Opaque(b) => canon::hex(b),
            other => canon::raw(other).unwrap_or_default(),
        },
    }
}

/// The OIDs worth asking in one GET before evaluating `recipes`: plain GETs, and the first
/// row (`.1`) of `first` columns.
pub(crate) fn prefetch_oids<'r>(recipes: impl IntoIterator<Item = &'r Recipe>) -> Vec<Oid> {
    let mut out = Vec::new();
    for r in recipes {
        match &r.fetch {
            Fetch::Get(oids, None) => out.extend(oids.iter().cloned()),
            Fetch::First(column) => out.push(column.child(&[1])),
            _ => {}
        }
    }
    out
}

/// The OIDs a vendor module may GET (its fields, its variants' fields and conditions).
pub(crate) fn vendor_oids(vendor: &Vendor) -> Vec<Oid> {
    let mut out: Vec<Oid> = vendor.require.iter().cloned().collect();
    out.extend(prefetch_oids(vendor.fields.recipes()));
    for variant in &vendor.variants {
        out.extend(prefetch_oids(variant.fields.recipes()));
        for cond in &variant.when {
            match cond {
                Cond::Get(oid, _) => out.push(oid.clone()),
                Cond::Builtin(_) => out.push(Oid::from(vendors::ENGINE_ID)),
                Cond::Walk(..) | Cond::From(..) => {}
            }
        }
    }
    out
}
