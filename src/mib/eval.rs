//! Evaluation of the rules against one device: recipes (fetch, then transform), recipe lists
//! (first value wins), vendor modules (which apply, which variant, by priority).

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use crate::snmp::{Oid, Source, Value};

use super::canon;
use super::db::MibDb;
use super::fetch::Fetcher;
use super::rules::{
    Canon, Cond, EngineField, Fetch, Field, Piece, Recipe, Template, Variant, Vendor,
};
use super::vendors::{self, EngineInfo};

/// Rows of a column asked in one GET when a sibling column told the table's indexes.
const SIBLING_GETS: usize = 16;

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
    /// Columns that `first` recipes may read (read together, see [`Ident::eval`]).
    pub(crate) first_columns: Vec<Oid>,
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
            first_columns: Vec::new(),
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
            if let Some(recipes) = recipes
                && let Outcome::Value(value) = self.first_of(recipes).await
            {
                return Some(value);
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
            Cond::EngineId => self.engine().await.is_some(),
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
        if let Some((from, to)) = &r.replace
            && !from.is_empty()
        {
            text = text.replace(from.as_str(), to);
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
                if let Some(v) = self.fetch.get(&one).await
                    && canon::raw(&v).is_some_and(|t| canon::truthy(&t))
                {
                    return Some(vec![v]);
                }
                if self.fetch.not_implemented(&one) {
                    return None;
                }
                // A sibling column was walked: GET this column at its first rows instead (and
                // the other columns of the table that `first` recipes read, at the same rows).
                if let Some(rows) = self.fetch.sibling_rows(column) {
                    let batch: Vec<Oid> = rows
                        .iter()
                        .take(SIBLING_GETS)
                        .map(|i| column.child(i))
                        .collect();
                    let parent = &column.arcs()[..column.len().saturating_sub(1)];
                    let companions = self
                        .first_columns
                        .iter()
                        .filter(|c| c != &column && c.len() == column.len())
                        .filter(|c| c.arcs().starts_with(parent))
                        .flat_map(|c| rows.iter().take(SIBLING_GETS).map(|i| c.child(i)));
                    let ask: Vec<Oid> = batch.iter().cloned().chain(companions).collect();
                    self.fetch.prefetch(ask).await;
                    for oid in &batch {
                        if let Some(v) = self.fetch.get(oid).await
                            && canon::raw(&v).is_some_and(|t| canon::truthy(&t))
                        {
                            return Some(vec![v]);
                        }
                    }
                    if rows.len() <= SIBLING_GETS {
                        return None;
                    }
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
            Fetch::Engine(part) => {
                let info = self.engine().await?;
                let v = match part {
                    EngineField::Type => Some(info.device_type.as_str().to_owned()),
                    EngineField::Manufacturer => Some(info.manufacturer),
                    EngineField::Model => info.model,
                    EngineField::Serial => info.serial,
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

/// The subtrees a vendor module's variants may walk to decide which applies.
pub(crate) fn vendor_walks(vendor: &Vendor) -> Vec<Oid> {
    vendor
        .variants
        .iter()
        .flat_map(|v| v.when.iter())
        .filter_map(|cond| match cond {
            Cond::Walk(oid, _) => Some(oid.clone()),
            _ => None,
        })
        .collect()
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
                Cond::EngineId => out.push(Oid::from(vendors::ENGINE_ID)),
                Cond::Walk(..) | Cond::From(..) => {}
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::mib::{MibDb, identify};
    use crate::model::{DeviceType, SnmpInfo};
    use crate::snmp::{Mib, Oid, Value, Varbind};

    fn s(text: &str) -> Value {
        Value::OctetString(text.as_bytes().to_vec())
    }

    /// Identifies a device of enterprise 99999 with a user rule file.
    async fn with_rules(rules: &str, items: Vec<(&str, Value)>) -> SnmpInfo {
        let dir =
            std::env::temp_dir().join(format!("sonde-eval-{}-{}", std::process::id(), rules.len()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("acme.toml");
        std::fs::write(&file, rules).unwrap();
        let db = MibDb::load(Some(&file)).unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        let mut all = vec![(
            "1.3.6.1.2.1.1.2.0",
            Value::ObjectId("1.3.6.1.4.1.99999.1".parse().unwrap()),
        )];
        all.extend(items);
        let mib = Mib::new(
            all.into_iter()
                .map(|(k, v)| Varbind::new(k.parse::<Oid>().unwrap(), v))
                .collect(),
        );
        identify(&mib, &db).await.unwrap()
    }

    #[tokio::test]
    async fn recipe_steps() {
        let rules = r#"
[[vendor]]
name = "Acme"
sysobjectid = ["1.3.6.1.4.1.99999"]
type = [{ value = "PRINTER" }]
manufacturer = [{ get = "1.3.6.1.4.1.99999.9.0" }, { value = "Acme", unless = "model" }]
model = [
  { get = "1.3.6.1.4.1.99999.2.0", canon = "string", split = ";", match = '^MDL:\s*(.*)$', format = "Acme {}" },
]
serial = [
  { get = "1.3.6.1.4.1.99999.3.0", reject = 'not set' },
  { get = "1.3.6.1.4.1.99999.4", row = { walk = "1.3.6.1.4.1.99999.5", equals = "self", skip = 1 } },
]
firmware = [{ get = ["1.3.6.1.4.1.99999.6.0", "1.3.6.1.4.1.99999.7.0"], format = "{1}.{2}", replace = ["v", ""] }]
hostname = [
  { get = "1.3.6.1.4.1.99999.8.0", not = "{model}" },
  { from = "description", split = ",", index = 1, map = { "x" = "mapped" }, format = "{model}-{}" },
]
mac = [{ walk = "1.3.6.1.4.1.99999.10", nth = 1, canon = "mac" }]
"#;
        let info = with_rules(
            rules,
            vec![
                ("1.3.6.1.2.1.1.1.0", s("a, x ,c")),
                (
                    "1.3.6.1.4.1.99999.2.0",
                    s("CMD:PJL; MDL: RoadRunner 2 ;CLS:PRINTER"),
                ),
                ("1.3.6.1.4.1.99999.3.0", s("not set")),
                ("1.3.6.1.4.1.99999.4.7.42", s("SN-42")),
                ("1.3.6.1.4.1.99999.5.1.7.41", s("other")),
                ("1.3.6.1.4.1.99999.5.1.7.42", s("self")),
                ("1.3.6.1.4.1.99999.6.0", s("v2")),
                ("1.3.6.1.4.1.99999.7.0", Value::Integer(14)),
                ("1.3.6.1.4.1.99999.8.0", s("Acme RoadRunner 2")),
                ("1.3.6.1.4.1.99999.10.1", s("ignored")),
                (
                    "1.3.6.1.4.1.99999.10.2",
                    Value::OctetString(vec![0, 1, 2, 3, 4, 5]),
                ),
            ],
        )
        .await;
        assert_eq!(info.device_type, Some(DeviceType::Printer));
        assert_eq!(info.model.as_deref(), Some("Acme RoadRunner 2"));
        // `unless = "model"`: the constant is skipped once a model is known.
        assert_eq!(info.manufacturer, None);
        assert_eq!(info.serial.as_deref(), Some("SN-42"));
        assert_eq!(info.firmware.as_deref(), Some("2.14"));
        // `not`: the name equal to the model is refused; the description piece is mapped (a
        // mapped value skips `format`).
        assert_eq!(info.name.as_deref(), Some("mapped"));
        assert_eq!(info.mac.as_deref(), Some("00:01:02:03:04:05"));
        assert_eq!(info.mib_support, vec!["Acme".to_owned()]);
    }

    #[tokio::test]
    async fn final_and_variants() {
        let rules = r#"
[[vendor]]
name = "Acme"
sysobjectid = ["1.3.6.1.4.1.99999"]
serial = [{ get = "1.3.6.1.4.1.99999.1.0", final = true }, { value = "never" }]
model = [{ value = "plain" }]

  [[vendor.variant]]
  name = "big"
  when = [{ get = "1.3.6.1.4.1.99999.2.0", match = '^B' }, { from = "description", equals = "acme" }]
  model = [{ value = "big one" }]
"#;
        let info = with_rules(rules, vec![("1.3.6.1.4.1.99999.1.0", s(""))]).await;
        assert_eq!(
            info.serial, None,
            "a final recipe that answered ends the list"
        );
        assert_eq!(info.model.as_deref(), Some("plain"));
        let info = with_rules(
            rules,
            vec![
                ("1.3.6.1.2.1.1.1.0", s("acme")),
                ("1.3.6.1.4.1.99999.2.0", s("Big")),
            ],
        )
        .await;
        assert_eq!(info.serial.as_deref(), Some("never"));
        assert_eq!(info.model.as_deref(), Some("big one"));
    }
}
