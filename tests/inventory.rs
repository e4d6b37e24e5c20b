//! Local inventory end to end: the JSON validates against GLPI's schema (with every category
//! turned off in turn), the XML has every section the FusionInventory 2.6 fixture of this kind
//! of machine has, and the counts agree with the system.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn sonde(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sonde"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn vardir(name: &str) -> String {
    let d = std::env::temp_dir().join(format!("sonde-it-inv-{name}-{}", std::process::id()));
    d.to_string_lossy().into_owned()
}

fn validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("src/report/inventory.schema.json"),
    )
    .unwrap();
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    jsonschema::draft7::new(&schema).unwrap()
}

fn json_inventory(extra: &[&str], state: &str) -> serde_json::Value {
    let mut args = vec!["inventory", "--json", "--vardir", state];
    args.extend_from_slice(extra);
    let out = sonde(&args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn assert_valid(v: &jsonschema::Validator, doc: &serde_json::Value, what: &str) {
    let errors: Vec<String> = v
        .iter_errors(doc)
        .take(10)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{what}: {errors:#?}");
}

#[test]
fn json_validates_with_every_category_turned_off_in_turn() {
    let v = validator();
    let state = vardir("schema");
    let full = json_inventory(&[], &state);
    assert_valid(&v, &full, "full inventory");
    let list = sonde(&["inventory", "--list-categories"]);
    let categories: Vec<String> = String::from_utf8_lossy(&list.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    assert!(categories.len() > 20, "{categories:?}");
    for c in &categories {
        let doc = json_inventory(&["--no-category", c], &state);
        assert_valid(&v, &doc, &format!("--no-category {c}"));
    }
    let all = categories.join(",");
    let doc = json_inventory(&["--no-category", &all], &state);
    assert_valid(&v, &doc, "every category off");
    let content = doc["content"].as_object().unwrap();
    assert_eq!(
        content.keys().collect::<Vec<_>>(),
        ["versionclient"],
        "only VERSIONCLIENT is left"
    );
    // The deviceid is kept between runs.
    assert_eq!(full["deviceid"], doc["deviceid"]);
    let _ = std::fs::remove_dir_all(&state);
}

/// Sections of `fusioninventory-2.6-this-machine.xml` (FusionInventory 2.6 on this kind of
/// machine), each with the source that must exist for it to be expected here.
///
/// BIOS is expected only where the firmware tables are readable: the fixture's BIOS holds
/// nothing but an empty SSN, which FusionInventory wrote because of its Docker rule on a VM
/// without DMI data; sonde leaves an empty section out.
const FI_SECTIONS: [(&str, &str); 17] = [
    ("ACCESSLOG", "/"),
    ("BIOS", "/sys/class/dmi/id"),
    ("CONTROLLERS", "/sys/bus/pci/devices"),
    ("CPUS", "/proc/cpuinfo"),
    ("DRIVES", "/proc/mounts"),
    ("ENVS", "/"),
    ("FIREWALL", "/"),
    ("HARDWARE", "/"),
    ("LOCAL_GROUPS", "/etc/group"),
    ("LOCAL_USERS", "/etc/passwd"),
    ("NETWORKS", "/sys/class/net"),
    ("OPERATINGSYSTEM", "/etc/os-release"),
    ("PROCESSES", "/proc/1/stat"),
    ("SOFTWARES", "/var/lib/dpkg/status"),
    ("STORAGES", "/sys/block"),
    ("VERSIONCLIENT", "/"),
    ("VERSIONPROVIDER", "/"),
];

#[test]
fn xml_has_the_reference_sections_and_counts_agree_with_the_system() {
    let state = vardir("xml");
    // Other tests add and remove interfaces (veth pairs) while this one runs: what is compared
    // is what existed before and after the inventory.
    let interfaces = || -> BTreeSet<String> {
        std::fs::read_dir("/sys/class/net")
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect()
    };
    let before = interfaces();
    let out = sonde(&["inventory", "--vardir", &state]);
    let after = interfaces();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let xml = String::from_utf8(out.stdout).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let content = doc
        .descendants()
        .find(|n| n.has_tag_name("CONTENT"))
        .unwrap();
    let sections: BTreeSet<&str> = content
        .children()
        .filter(|n| n.is_element())
        .map(|n| n.tag_name().name())
        .collect();
    for (section, source) in FI_SECTIONS {
        if Path::new(source).exists() {
            assert!(
                sections.contains(section),
                "{section} missing: {sections:?}"
            );
        }
    }
    let count = |name: &str| content.children().filter(|n| n.has_tag_name(name)).count();
    let field = |section: &str, field: &str| -> Vec<String> {
        content
            .children()
            .filter(|n| n.has_tag_name(section))
            .filter_map(|n| n.children().find(|c| c.has_tag_name(field)))
            .filter_map(|n| n.text().map(str::to_owned))
            .collect()
    };
    // Packages: as many as dpkg-query lists.
    if let Ok(q) = Command::new("dpkg-query")
        .args(["-W", "-f", "${Status}\\n"])
        .output()
    {
        let installed = String::from_utf8_lossy(&q.stdout)
            .lines()
            .filter(|l| l.ends_with(" installed"))
            .count();
        assert_eq!(count("SOFTWARES"), installed, "SOFTWARES vs dpkg-query");
    }
    // Interfaces: every one of /sys/class/net appears, and nothing else.
    let reported: BTreeSet<String> = field("NETWORKS", "DESCRIPTION").into_iter().collect();
    let stable: BTreeSet<String> = before.intersection(&after).cloned().collect();
    let any: BTreeSet<String> = before.union(&after).cloned().collect();
    assert!(
        stable.is_subset(&reported) && reported.is_subset(&any),
        "NETWORKS {reported:?} vs /sys/class/net {stable:?}"
    );
    // Local users: one per /etc/passwd line.
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap();
    let users = passwd.lines().filter(|l| !l.trim().is_empty()).count();
    assert_eq!(count("LOCAL_USERS"), users, "LOCAL_USERS vs /etc/passwd");
    // CPUs: the logical processors of /proc/cpuinfo, as packages × cores × threads per core.
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap();
    let logical = cpuinfo
        .lines()
        .filter(|l| l.starts_with("processor"))
        .count();
    let per_package: usize = content
        .children()
        .filter(|n| n.has_tag_name("CPUS"))
        .map(|n| {
            let get = |f: &str| -> usize {
                n.children()
                    .find(|c| c.has_tag_name(f))
                    .and_then(|c| c.text())
                    .and_then(|t| t.parse().ok())
                    .unwrap_or(1)
            };
            get("CORE") * get("THREAD")
        })
        .sum();
    assert_eq!(per_package, logical, "CPUS vs /proc/cpuinfo");
    let _ = std::fs::remove_dir_all(&state);
}

#[test]
fn output_file_tag_and_bad_options() {
    let state = vardir("misc");
    let file = std::env::temp_dir().join(format!("sonde-it-inv-{}.xml", std::process::id()));
    let out = sonde(&[
        "inventory",
        "--vardir",
        &state,
        "--tag",
        "paris",
        "--output",
        file.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    assert!(out.stdout.is_empty());
    let xml = std::fs::read_to_string(&file).unwrap();
    assert!(xml.contains("<KEYNAME>TAG</KEYNAME>\n      <KEYVALUE>paris</KEYVALUE>"));
    let _ = std::fs::remove_file(&file);
    let out = sonde(&["inventory", "--vardir", &state, "--no-category", "bogus"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--no-category bogus: unknown category"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let _ = std::fs::remove_dir_all(&state);
}

/// The agent's local target: `<deviceid>.ocs` in the directory (the same deviceid as the
/// state directory keeps), `-` for standard output; `--additional-content` merged.
#[test]
fn agent_local_targets() {
    let state = vardir("agent");
    let out_dir = std::env::temp_dir().join(format!("sonde-it-agent-local-{}", std::process::id()));
    std::fs::create_dir_all(&out_dir).unwrap();
    let out = sonde(&[
        "agent",
        "--local",
        out_dir.to_str().unwrap(),
        "--vardir",
        &state,
        "--no-category",
        "software,process",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let deviceid = std::fs::read_to_string(Path::new(&state).join("deviceid")).unwrap();
    let file = out_dir.join(format!("{}.ocs", deviceid.trim()));
    let xml = std::fs::read_to_string(&file).unwrap();
    assert!(xml.contains("<QUERY>INVENTORY</QUERY>"));
    assert!(xml.contains(&format!("<DEVICEID>{}</DEVICEID>", deviceid.trim())));
    assert!(!xml.contains("<SOFTWARES>"));
    let out = sonde(&["agent", "--local", "-", "--vardir", &state, "--json"]);
    assert!(out.status.success());
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["deviceid"].as_str(), Some(deviceid.trim()));
    let extra = out_dir.join("extra.xml");
    std::fs::write(
        &extra,
        "<?xml version=\"1.0\"?><REQUEST><CONTENT><SOFTWARES><NAME>inhouse-tool</NAME>\
         <VERSION>4.2</VERSION></SOFTWARES></CONTENT></REQUEST>",
    )
    .unwrap();
    let out = sonde(&[
        "agent",
        "--local",
        "-",
        "--vardir",
        &state,
        "--no-category",
        "software,process",
        "--additional-content",
        extra.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    let xml = String::from_utf8_lossy(&out.stdout);
    assert!(
        xml.contains("<SOFTWARES>\n      <NAME>inhouse-tool</NAME>\n      <VERSION>4.2</VERSION>"),
        "{xml}"
    );
    let _ = std::fs::remove_dir_all(&out_dir);
    let _ = std::fs::remove_dir_all(&state);
}
