//! What a local inventory keeps between runs: the DEVICEID (created once) and, per target, the
//! digests of the sections last sent, for partial inventories as the GLPI agent sends them
//! (`local-inventory.md` §5): unchanged sections are left out of N runs in N + 1.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::model::local::{Entry, LocalInventory, Section, Value};

/// The state directory when none is given: `/var/lib/sonde` for root, else
/// `$XDG_STATE_HOME/sonde` (or `~/.local/state/sonde`).
#[must_use]
pub fn default_vardir() -> PathBuf {
    if nix::unistd::geteuid().is_root() {
        return PathBuf::from("/var/lib/sonde");
    }
    if let Some(dir) = std::env::var_os("XDG_STATE_HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir).join("sonde");
    }
    match std::env::var_os("HOME") {
        Some(home) => PathBuf::from(home).join(".local/state/sonde"),
        None => std::env::temp_dir().join("sonde"),
    }
}

/// Writes `bytes` to `path` atomically (a temporary file beside it, synced, then renamed): on
/// any failure (a full disk…) `path` is left as it was and the temporary file is removed.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write as _;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension(format!("tmp.{}", std::process::id()));
    let written = std::fs::File::create(&tmp).and_then(|mut f| {
        f.write_all(bytes)?;
        f.sync_all()
    });
    let done = written.and_then(|()| std::fs::rename(&tmp, path));
    if done.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    done
}

/// Renames a state file that does not hold what it should to `<name>.corrupt` (replacing an
/// older one), so that it can be looked at, and says so.
fn set_aside(path: &Path, what: &str) -> io::Result<()> {
    let mut name = path.as_os_str().to_owned();
    name.push(".corrupt");
    let aside = PathBuf::from(name);
    tracing::warn!(file = %path.display(), "the {what} file is not valid: set aside as {}, a new one is created", aside.display());
    std::fs::rename(path, aside)
}

/// The DEVICEID kept in `vardir/deviceid`, created on first use as
/// `<hostname>-YYYY-MM-DD-hh-mm-ss` (local time of creation). A file that does not hold a
/// plausible id is set aside (`deviceid.corrupt`) and replaced, and said so.
pub fn device_id(vardir: &Path, hostname: &str, now: std::time::SystemTime) -> io::Result<String> {
    let path = vardir.join("deviceid");
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let id = text.trim();
            if !id.is_empty() && id.len() <= 255 && !id.contains(char::is_whitespace) {
                return Ok(id.to_owned());
            }
            set_aside(&path, "deviceid")?;
        }
        Err(e) if e.kind() == io::ErrorKind::InvalidData => set_aside(&path, "deviceid")?,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let stamp = super::basics::local_datetime(now).replace([' ', ':'], "-");
    let host = if hostname.is_empty() {
        "device-by-sonde-agent"
    } else {
        hostname
    };
    let id = format!("{host}-{stamp}");
    write_atomically(&path, format!("{id}\n").as_bytes())?;
    Ok(id)
}

/// The agent id (the GLPI-native protocol's `GLPI-Agent-ID`), a random UUID created once and
/// kept in `vardir/agentid`; a file that does not hold one is set aside (`agentid.corrupt`)
/// and replaced.
pub fn agent_id(vardir: &Path) -> io::Result<String> {
    let path = vardir.join("agentid");
    match std::fs::read_to_string(&path) {
        Ok(text) if is_uuid(text.trim()) => return Ok(text.trim().to_owned()),
        Ok(_) => set_aside(&path, "agentid")?,
        Err(e) if e.kind() == io::ErrorKind::InvalidData => set_aside(&path, "agentid")?,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let mut b: [u8; 16] = rand::random();
    b[6] = (b[6] & 0x0f) | 0x40; // version 4
    b[8] = (b[8] & 0x3f) | 0x80; // RFC 4122 variant
    let h = crate::mib::canon::hex(&b);
    let id = format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    );
    write_atomically(&path, format!("{id}\n").as_bytes())?;
    Ok(id)
}

fn is_uuid(t: &str) -> bool {
    let parts: Vec<&str> = t.split('-').collect();
    parts.iter().map(|p| p.len()).eq([8, 4, 4, 4, 12])
        && parts
            .iter()
            .all(|p| p.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The state of one target, as kept in `last_state.json`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetState {
    /// Digest and length of each section last sent, by XML name.
    pub sections: BTreeMap<String, SectionDigest>,
    /// Runs since the last full inventory, modulo postpone + 1.
    pub postpone_count: u32,
}

/// A section's fingerprint.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SectionDigest {
    /// SHA-256 of the section's canonical text, hex.
    pub digest: String,
    /// Length of that text.
    pub len: usize,
}

/// Sections never compared (they change at every run).
const NOT_COMPARED: [Section; 2] = [Section::AccessLog, Section::VersionProvider];
/// Sections always sent.
const ALWAYS: [Section; 2] = [Section::Bios, Section::Hardware];

/// Leaves out of `inv` the sections that did not change since the state in `dir` (and sets
/// `partial`), unless it is time for a full inventory: every `postpone + 1` runs, with `full`,
/// when a section disappeared, or on the first run. The state is updated. `postpone = 0`
/// means always full.
pub fn apply_partial(
    inv: &mut LocalInventory,
    dir: &Path,
    postpone: u32,
    full: bool,
) -> io::Result<()> {
    let path = dir.join("last_state.json");
    let old: TargetState = match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|e| {
            tracing::warn!(file = %path.display(), "state file set aside, unreadable: {e}");
            let _ = std::fs::rename(&path, path.with_extension("json.corrupt"));
            TargetState::default()
        }),
        Err(e) if e.kind() == io::ErrorKind::NotFound => TargetState::default(),
        Err(e) => return Err(e),
    };
    let mut new = TargetState::default();
    for (section, entries) in &inv.sections {
        if NOT_COMPARED.contains(section) {
            continue;
        }
        new.sections
            .insert(section.xml_name().to_owned(), digest(entries));
    }
    let disappeared = old.sections.keys().any(|k| !new.sections.contains_key(k));
    new.postpone_count = if full || postpone == 0 || old.sections.is_empty() || disappeared {
        0
    } else {
        (old.postpone_count + 1) % (postpone + 1)
    };
    if new.postpone_count != 0 {
        let changed =
            |s: &Section| old.sections.get(s.xml_name()) != new.sections.get(s.xml_name());
        let software_changed = changed(&Section::Softwares);
        let users_kept = changed(&Section::Users);
        let keep: Vec<Section> = inv
            .sections
            .keys()
            .copied()
            .filter(|s| {
                ALWAYS.contains(s)
                    || changed(s) && !NOT_COMPARED.contains(s)
                    || (*s == Section::OperatingSystem && software_changed)
            })
            .collect();
        inv.sections.retain(|s, _| keep.contains(s));
        if !users_kept
            && let Some(hw) = inv
                .sections
                .get_mut(&Section::Hardware)
                .and_then(|l| l.first_mut())
        {
            hw.remove("LASTLOGGEDUSER");
            hw.remove("DATELASTLOGGEDUSER");
        }
        inv.partial = true;
    }
    if new != old {
        let bytes = serde_json::to_vec_pretty(&new).map_err(io::Error::other)?;
        write_atomically(&path, &bytes)?;
    }
    Ok(())
}

/// The canonical text of a section (`field:value.` with fields in name order, entries in
/// order) and its SHA-256.
fn digest(entries: &[Entry]) -> SectionDigest {
    let mut text = String::new();
    for e in entries {
        canonical(e, &mut text);
        text.push('\n');
    }
    SectionDigest {
        digest: crate::mib::canon::hex(&Sha256::digest(text.as_bytes())),
        len: text.len(),
    }
}

fn canonical(e: &Entry, out: &mut String) {
    for (k, v) in e.fields() {
        out.push_str(k);
        out.push(':');
        match v {
            Value::Text(t) => out.push_str(t),
            Value::Int(n) => out.push_str(&n.to_string()),
            Value::Bool(b) => out.push(if *b { '1' } else { '0' }),
            Value::List(items) => out.push_str(&items.join("\u{1f}")),
            Value::Entry(nested) => {
                out.push('{');
                canonical(nested, out);
                out.push('}');
            }
        }
        out.push('.');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inv(software: &str, cpu: &str) -> LocalInventory {
        let mut inv = LocalInventory::default();
        for (section, field, value) in [
            (Section::Bios, "SSN", "X1"),
            (Section::Hardware, "NAME", "host"),
            (Section::OperatingSystem, "NAME", "Debian"),
            (Section::Softwares, "NAME", software),
            (Section::Cpus, "NAME", cpu),
            (Section::AccessLog, "LOGDATE", "now"),
        ] {
            let mut e = Entry::new();
            e.text(field, Some(value));
            inv.add(section, e);
        }
        inv
    }

    fn names(inv: &LocalInventory) -> Vec<&'static str> {
        inv.sections.keys().map(|s| s.xml_name()).collect()
    }

    #[test]
    fn partial_inventories_postpone_and_full() {
        let dir = std::env::temp_dir().join(format!("sonde-partial-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        // First run: full.
        let mut a = inv("bash", "EPYC");
        apply_partial(&mut a, &dir, 2, false).unwrap();
        assert!(!a.partial);
        // Nothing changed: only BIOS and HARDWARE.
        let mut b = inv("bash", "EPYC");
        apply_partial(&mut b, &dir, 2, false).unwrap();
        assert!(b.partial);
        assert_eq!(names(&b), ["BIOS", "HARDWARE"]);
        // Software changed: it and OPERATINGSYSTEM are sent.
        let mut c = inv("zsh", "EPYC");
        apply_partial(&mut c, &dir, 2, false).unwrap();
        assert!(c.partial);
        assert_eq!(
            names(&c),
            ["BIOS", "HARDWARE", "OPERATINGSYSTEM", "SOFTWARES"]
        );
        // Third run after the full one: full again (postpone 2).
        let mut d = inv("zsh", "EPYC");
        apply_partial(&mut d, &dir, 2, false).unwrap();
        assert!(!d.partial);
        assert_eq!(d.sections.len(), 6);
        // --full, and a section that disappeared, force a full inventory.
        let mut e = inv("zsh", "EPYC");
        apply_partial(&mut e, &dir, 2, true).unwrap();
        assert!(!e.partial);
        let mut f = inv("zsh", "EPYC");
        f.sections.remove(&Section::Cpus);
        apply_partial(&mut f, &dir, 2, false).unwrap();
        assert!(!f.partial);
        // A corrupt state file is set aside: a full inventory, no error.
        std::fs::write(dir.join("last_state.json"), "{not json").unwrap();
        let mut g = inv("zsh", "EPYC");
        apply_partial(&mut g, &dir, 2, false).unwrap();
        assert!(!g.partial);
        assert!(dir.join("last_state.json.corrupt").exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn agent_id_is_a_uuid_created_once() {
        let dir = std::env::temp_dir().join(format!("sonde-agentid-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let id = agent_id(&dir).unwrap();
        assert!(is_uuid(&id), "{id}");
        assert_eq!(&id[14..15], "4");
        assert_eq!(agent_id(&dir).unwrap(), id);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn corrupt_ids_are_set_aside_and_replaced() {
        let dir = std::env::temp_dir().join(format!("sonde-corrupt-ids-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        // Not text at all (a disk that returned garbage), and not an id.
        std::fs::write(dir.join("deviceid"), b"\xff\xfe\x00garbage").unwrap();
        std::fs::write(dir.join("agentid"), b"not a uuid\n").unwrap();
        let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_764_000_000);
        let id = device_id(&dir, "testhost", t).unwrap();
        assert!(id.starts_with("testhost-2025-11-2"), "{id}");
        assert_eq!(
            std::fs::read(dir.join("deviceid.corrupt")).unwrap(),
            b"\xff\xfe\x00garbage"
        );
        let agent = agent_id(&dir).unwrap();
        assert!(is_uuid(&agent), "{agent}");
        assert_eq!(
            std::fs::read_to_string(dir.join("agentid.corrupt")).unwrap(),
            "not a uuid\n"
        );
        // From now on, both are kept.
        assert_eq!(
            device_id(&dir, "other", std::time::SystemTime::now()).unwrap(),
            id
        );
        assert_eq!(agent_id(&dir).unwrap(), agent);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn device_id_is_created_once() {
        let dir = std::env::temp_dir().join(format!("sonde-deviceid-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_764_000_000);
        let id = device_id(&dir, "testhost", t).unwrap();
        assert!(id.starts_with("testhost-2025-11-2"), "{id}");
        assert_eq!(id.len(), "testhost-2025-11-24-16-00-00".len());
        let again = device_id(&dir, "other", std::time::SystemTime::now()).unwrap();
        assert_eq!(again, id);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
