//! What a local inventory learns about the machine sonde runs on: sections (BIOS, HARDWARE,
//! CPUS, SOFTWARES…) made of entries, each entry a set of named fields.
//!
//! Field names are those of GLPI's inventory vocabulary in their FusionInventory spelling
//! (`NAME`, `MACADDR`, `DISKSIZE`…): the data dictionary both wire formats are written from.
//! Values keep their kind (text, integer, boolean, list, nested entry); `report::inventory`
//! spells them as XML or JSON. A value that is not available is simply not set.

use std::borrow::Cow;
use std::collections::BTreeMap;

/// One field value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// Text.
    Text(String),
    /// An integer (sizes, counts, ids).
    Int(i64),
    /// A flag.
    Bool(bool),
    /// A repeated field (`LOCAL_GROUPS/MEMBER`, `VERSIONPROVIDER/COMMENTS`).
    List(Vec<String>),
    /// A nested entry (`OPERATINGSYSTEM/TIMEZONE`).
    Entry(Entry),
}

/// An entry of a section: fields by name, in name order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Entry(BTreeMap<Cow<'static, str>, Value>);

impl Entry {
    /// An empty entry.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets a text field; `None` and empty (after trimming) text leave it unset. Control
    /// characters are removed (the wire formats cannot carry them).
    pub fn text(&mut self, name: &'static str, value: Option<impl AsRef<str>>) -> &mut Self {
        if let Some(v) = value {
            let clean: String = v
                .as_ref()
                .chars()
                .filter(|c| !c.is_control() || *c == '\t')
                .collect();
            let clean = clean.trim();
            if !clean.is_empty() {
                self.0
                    .insert(Cow::Borrowed(name), Value::Text(clean.to_owned()));
            }
        }
        self
    }

    /// Sets an integer field when present.
    pub fn int(&mut self, name: &'static str, value: Option<i64>) -> &mut Self {
        if let Some(v) = value {
            self.0.insert(Cow::Borrowed(name), Value::Int(v));
        }
        self
    }

    /// Sets a flag when present.
    pub fn flag(&mut self, name: &'static str, value: Option<bool>) -> &mut Self {
        if let Some(v) = value {
            self.0.insert(Cow::Borrowed(name), Value::Bool(v));
        }
        self
    }

    /// Sets a repeated field (left unset when empty).
    pub fn list(&mut self, name: &'static str, values: Vec<String>) -> &mut Self {
        if !values.is_empty() {
            self.0.insert(Cow::Borrowed(name), Value::List(values));
        }
        self
    }

    /// Sets a nested entry (left unset when empty).
    pub fn entry(&mut self, name: &'static str, value: Entry) -> &mut Self {
        if !value.is_empty() {
            self.0.insert(Cow::Borrowed(name), Value::Entry(value));
        }
        self
    }

    /// Sets any value.
    pub fn set(&mut self, name: &'static str, value: Value) -> &mut Self {
        self.0.insert(Cow::Borrowed(name), value);
        self
    }

    /// Sets a field whose name is only known at run time (additional content files).
    pub fn set_named(&mut self, name: String, value: Value) -> &mut Self {
        self.0.insert(Cow::Owned(name), value);
        self
    }

    /// The value of a field.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.get(name)
    }

    /// The text of a field (integers in decimal).
    #[must_use]
    pub fn get_text(&self, name: &str) -> Option<String> {
        match self.0.get(name)? {
            Value::Text(t) => Some(t.clone()),
            Value::Int(n) => Some(n.to_string()),
            Value::Bool(b) => Some(if *b { "1" } else { "0" }.to_owned()),
            Value::List(_) | Value::Entry(_) => None,
        }
    }

    /// Removes a field.
    pub fn remove(&mut self, name: &str) -> Option<Value> {
        self.0.remove(name)
    }

    /// Every field, in name order.
    pub fn fields(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.0.iter().map(|(k, v)| (k.as_ref(), v))
    }

    /// True without fields.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Copies into `self` every field of `other` that `self` does not have.
    pub fn fill_from(&mut self, other: &Entry) {
        for (k, v) in &other.0 {
            self.0.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
}

macro_rules! sections {
    ($($variant:ident => $xml:literal, $category:literal, $single:literal;)*) => {
        /// The sections of a local inventory.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Section {
            $(
                #[doc = concat!("`", $xml, "`")]
                $variant,
            )*
        }

        impl Section {
            /// Every section.
            pub const ALL: &'static [Section] = &[$(Section::$variant),*];

            /// The element name in the XML format.
            #[must_use]
            pub fn xml_name(self) -> &'static str {
                match self { $(Section::$variant => $xml,)* }
            }

            /// The `--no-category` name that turns the section off (`""`: always collected).
            #[must_use]
            pub fn category(self) -> &'static str {
                match self { $(Section::$variant => $category,)* }
            }

            /// True for the sections that are one object (BIOS, HARDWARE…), not a list.
            #[must_use]
            pub fn single(self) -> bool {
                match self { $(Section::$variant => $single,)* }
            }
        }
    };
}

sections! {
    AccessLog => "ACCESSLOG", "accesslog", true;
    Antivirus => "ANTIVIRUS", "antivirus", false;
    Batteries => "BATTERIES", "battery", false;
    Bios => "BIOS", "bios", true;
    Controllers => "CONTROLLERS", "controller", false;
    Cpus => "CPUS", "cpu", false;
    Drives => "DRIVES", "drive", false;
    Envs => "ENVS", "environment", false;
    Firewall => "FIREWALL", "firewall", false;
    Hardware => "HARDWARE", "hardware", true;
    Inputs => "INPUTS", "input", false;
    LocalGroups => "LOCAL_GROUPS", "local_group", false;
    LocalUsers => "LOCAL_USERS", "local_user", false;
    Memories => "MEMORIES", "memory", false;
    Monitors => "MONITORS", "monitor", false;
    Networks => "NETWORKS", "network", false;
    OperatingSystem => "OPERATINGSYSTEM", "os", true;
    Ports => "PORTS", "port", false;
    Printers => "PRINTERS", "printer", false;
    Processes => "PROCESSES", "process", false;
    Slots => "SLOTS", "slot", false;
    Softwares => "SOFTWARES", "software", false;
    Sounds => "SOUNDS", "sound", false;
    Storages => "STORAGES", "storage", false;
    UsbDevices => "USBDEVICES", "usb", false;
    Users => "USERS", "user", false;
    VersionProvider => "VERSIONPROVIDER", "provider", true;
    Videos => "VIDEOS", "video", false;
    VirtualMachines => "VIRTUALMACHINES", "virtualmachine", false;
}

/// The `--no-category` names sonde knows, sorted (`--list-categories`).
#[must_use]
pub fn categories() -> Vec<&'static str> {
    let mut c: Vec<&'static str> = Section::ALL
        .iter()
        .map(|s| s.category())
        .filter(|c| !c.is_empty())
        .collect();
    c.sort_unstable();
    c.dedup();
    c
}

/// The local inventory of the machine.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LocalInventory {
    /// DEVICEID: `<hostname>-YYYY-MM-DD-hh-mm-ss`, created once and kept.
    pub deviceid: String,
    /// VERSIONCLIENT: the agent's name and version.
    pub versionclient: String,
    /// The tag of the machine (`--tag`).
    pub tag: Option<String>,
    /// True when only the sections that changed since the last run are carried.
    pub partial: bool,
    /// Entries by section (single sections have one entry).
    pub sections: BTreeMap<Section, Vec<Entry>>,
}

impl LocalInventory {
    /// Adds an entry to a list section (a single section's entry is merged field by field,
    /// the first value of a field kept).
    pub fn add(&mut self, section: Section, entry: Entry) {
        if entry.is_empty() && !section.single() {
            return;
        }
        let list = self.sections.entry(section).or_default();
        if section.single() {
            match list.first_mut() {
                Some(existing) => existing.fill_from(&entry),
                None => list.push(entry),
            }
        } else {
            list.push(entry);
        }
    }

    /// The entry of a single section, created empty when absent.
    pub fn single_mut(&mut self, section: Section) -> &mut Entry {
        let list = self.sections.entry(section).or_default();
        if list.is_empty() {
            list.push(Entry::new());
        }
        &mut list[0]
    }

    /// The entries of a section.
    #[must_use]
    pub fn entries(&self, section: Section) -> &[Entry] {
        self.sections.get(&section).map_or(&[], Vec::as_slice)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_and_sections() {
        let mut e = Entry::new();
        e.text("NAME", Some(" eth0\u{1} "))
            .text("EMPTY", Some("  "))
            .text("NONE", None::<&str>)
            .int("MTU", Some(1500));
        assert_eq!(e.get_text("NAME").as_deref(), Some("eth0"));
        assert!(e.get("EMPTY").is_none() && e.get("NONE").is_none());
        let mut inv = LocalInventory::default();
        inv.add(Section::Networks, e.clone());
        inv.add(Section::Networks, Entry::new());
        assert_eq!(inv.entries(Section::Networks).len(), 1);
        let mut a = Entry::new();
        a.text("NAME", Some("first"));
        let mut b = Entry::new();
        b.text("NAME", Some("second")).text("DNS", Some("x"));
        inv.add(Section::Hardware, a);
        inv.add(Section::Hardware, b);
        let hw = &inv.entries(Section::Hardware)[0];
        assert_eq!(hw.get_text("NAME").as_deref(), Some("first"));
        assert_eq!(hw.get_text("DNS").as_deref(), Some("x"));
        assert!(categories().contains(&"software"));
        assert_eq!(Section::Firewall.xml_name(), "FIREWALL");
    }
}
