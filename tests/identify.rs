//! Device identification on every bundled walk, compared with what the reference agents
//! (FusionInventory 2.6 and GLPI agent) report for the same walk, and the requests it costs.
//!
//! Expectations: `tests/resources/walks/expected-discovery.json`, the `expected` blocks of
//! `../shared/walks/expected.json` (fields both agents agree on), their `_differs` (fields they
//! disagree on: matching either counts), and both agents' netdiscovery outputs.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use serde_json::Value as Json;
use sonde::mib::{IdentifyOptions, MibDb, identify_with};
use sonde::model::SnmpInfo;
use sonde::snmp::{Mib, Oid, Source, Value, Varbind};

use crate::util::{load_walk, walk_name, walk_paths, walks_dir};

/// The fields of the `expected` blocks (`ports` is for inventory).
const FIELDS: [&str; 11] = [
    "DESCRIPTION",
    "SNMPHOSTNAME",
    "UPTIME",
    "MAC",
    "LOCATION",
    "CONTACT",
    "TYPE",
    "MANUFACTURER",
    "MODEL",
    "SERIAL",
    "FIRMWARE",
];

/// The address the reference file-mode runs pretend to query.
const PEER: std::net::Ipv4Addr = std::net::Ipv4Addr::new(1, 1, 1, 1);

/// Identification as the tests run it (batched GETs, the reference agents' pretend address).
const BATCH: IdentifyOptions = IdentifyOptions {
    peer: Some(PEER),
    batch: true,
};

/// A walk file that counts what it is asked, as a live agent would see it.
struct Counting {
    mib: Mib,
    /// Answer like an SNMPv1 agent seen through the client: every missing object is
    /// noSuchInstance (v1 has no noSuchObject).
    v1: bool,
    gets: AtomicUsize,
    get_varbinds: AtomicUsize,
    walks: AtomicUsize,
    /// Round trips the walks would cost with GETBULK max-repetitions 25.
    walk_trips: AtomicUsize,
    /// Round trips the GETs would cost with SNMPv1, where a GET naming a missing object fails
    /// as a whole and is asked again without it.
    v1_get_trips: AtomicUsize,
    /// Rows walked (each one a GETNEXT round trip in SNMPv1).
    walk_rows: AtomicUsize,
    /// Each walk: root and rows.
    walk_log: std::sync::Mutex<Vec<(Oid, usize)>>,
}

impl Counting {
    fn new(mib: Mib) -> Self {
        Self {
            mib,
            v1: false,
            gets: AtomicUsize::new(0),
            get_varbinds: AtomicUsize::new(0),
            walks: AtomicUsize::new(0),
            walk_trips: AtomicUsize::new(0),
            v1_get_trips: AtomicUsize::new(0),
            walk_rows: AtomicUsize::new(0),
            walk_log: std::sync::Mutex::new(Vec::new()),
        }
    }

    fn requests(&self) -> usize {
        self.gets.load(Ordering::Relaxed) + self.walk_trips.load(Ordering::Relaxed)
    }

    /// The round trips an SNMPv1 agent would need: a GET is retried without each missing
    /// object, a walk is one GETNEXT per row plus one.
    fn v1_requests(&self) -> usize {
        self.v1_get_trips.load(Ordering::Relaxed)
            + self.walk_rows.load(Ordering::Relaxed)
            + self.walks.load(Ordering::Relaxed)
    }
}

impl Source for Counting {
    /// Like an agent: noSuchInstance when the object has other instances, else noSuchObject.
    async fn get(&self, oids: &[Oid]) -> sonde::snmp::Result<Vec<Varbind>> {
        self.gets.fetch_add(1, Ordering::Relaxed);
        self.get_varbinds.fetch_add(oids.len(), Ordering::Relaxed);
        let mut answers = Source::get(&self.mib, oids).await?;
        let missing = answers.iter().filter(|vb| vb.value.is_exception()).count();
        self.v1_get_trips.fetch_add(
            missing + usize::from(missing < answers.len()),
            Ordering::Relaxed,
        );
        for vb in &mut answers {
            if vb.value.is_exception() {
                if self.v1 {
                    continue;
                }
                let arcs = vb.oid.arcs();
                let parent = Oid::from_slice(&arcs[..arcs.len().saturating_sub(1)]);
                if self.mib.subtree(&parent).is_empty() {
                    vb.value = Value::NoSuchObject;
                }
            }
        }
        Ok(answers)
    }

    async fn walk(&self, root: &Oid) -> sonde::snmp::Result<Vec<Varbind>> {
        let rows = Source::walk(&self.mib, root).await?;
        self.walks.fetch_add(1, Ordering::Relaxed);
        self.walk_rows.fetch_add(rows.len(), Ordering::Relaxed);
        // The last response also carries the first OID past the subtree.
        self.walk_trips
            .fetch_add(rows.len() / 25 + 1, Ordering::Relaxed);
        self.walk_log
            .lock()
            .unwrap()
            .push((root.clone(), rows.len()));
        Ok(rows)
    }
}

/// Our result in the reference agents' keys.
fn as_fields(info: &SnmpInfo) -> BTreeMap<&'static str, Json> {
    let mut out = BTreeMap::new();
    let mut put = |key, value: &Option<String>| {
        if let Some(v) = value {
            out.insert(key, Json::String(v.clone()));
        }
    };
    put("DESCRIPTION", &info.description);
    put("SNMPHOSTNAME", &info.name);
    put("UPTIME", &info.uptime);
    put("MAC", &info.mac);
    put("LOCATION", &info.location);
    put("CONTACT", &info.contact);
    put("TYPE", &info.device_type.map(|t| t.as_str().to_owned()));
    put("MANUFACTURER", &info.manufacturer);
    put("MODEL", &info.model);
    put("SERIAL", &info.serial);
    put("FIRMWARE", &info.firmware);
    if !info.ips.is_empty() {
        out.insert(
            "IPS",
            Json::Array(info.ips.iter().cloned().map(Json::String).collect()),
        );
    }
    out
}

fn show(v: Option<&Json>) -> String {
    match v {
        None | Some(Json::Null) => "-".to_owned(),
        Some(Json::String(s)) => format!("{s:?}"),
        Some(other) => {
            let s = other.to_string();
            if s.len() > 60 {
                format!("{}…", &s[..60])
            } else {
                s
            }
        }
    }
}

#[derive(Default)]
struct Tally {
    matched: usize,
    total: usize,
}

impl Tally {
    fn add(&mut self, ok: bool) {
        self.total += 1;
        self.matched += usize::from(ok);
    }

    fn pct(&self) -> f64 {
        if self.total == 0 {
            100.0
        } else {
            100.0 * self.matched as f64 / self.total as f64
        }
    }
}

#[tokio::test]
async fn identification_agrees_with_the_reference_agents() {
    let fixture: Json = serde_json::from_str(
        &std::fs::read_to_string(walks_dir().join("expected-discovery.json")).unwrap(),
    )
    .unwrap();
    let walks = fixture["walks"].as_object().unwrap();
    let started = Instant::now();
    let db = MibDb::bundled().unwrap();
    let load_time = started.elapsed();

    let mut per_field: BTreeMap<&str, Tally> = BTreeMap::new();
    let mut overall = Tally::default();
    let mut differs = Tally::default();
    let mut beyond: BTreeMap<String, Tally> = BTreeMap::new();
    let mut misses = Vec::new();
    let mut differ_lines = Vec::new();
    let mut extras = Vec::new();
    let mut v1_costs = Vec::new();
    let mut requests = Vec::new();
    let mut elapsed = std::time::Duration::ZERO;

    for path in walk_paths() {
        let name = walk_name(&path);
        let case = &walks[&name];
        let source = Counting::new(Mib::new(load_walk(&name).varbinds));
        let started = Instant::now();
        // The reference agents ran in file mode as if querying 1.1.1.1 (the address GLPI agent
        // reports for `--file`); a few walks have that address, whose interface gives the MAC.
        let info = identify_with(&source, db, BATCH).await.unwrap();
        elapsed += started.elapsed();
        // The same walk without batching (what SNMPv1 agents call for) gives the same result.
        let mut lazy = Counting::new(Mib::new(load_walk(&name).varbinds));
        lazy.v1 = true;
        let options = IdentifyOptions {
            batch: false,
            ..BATCH
        };
        assert_eq!(
            identify_with(&lazy, db, options).await.unwrap(),
            info,
            "{name}"
        );
        let mut eager = Counting::new(Mib::new(load_walk(&name).varbinds));
        eager.v1 = true;
        assert_eq!(
            identify_with(&eager, db, BATCH).await.unwrap(),
            info,
            "{name}"
        );
        v1_costs.push((eager.v1_requests(), lazy.v1_requests()));
        let walked: Vec<String> = source
            .walk_log
            .lock()
            .unwrap()
            .iter()
            .map(|(root, rows)| format!("{root}:{rows}"))
            .collect();
        requests.push((
            name.clone(),
            source.gets.load(Ordering::Relaxed),
            source.get_varbinds.load(Ordering::Relaxed),
            walked,
            source.requests(),
        ));
        let ours = as_fields(&info);

        let expected = case["expected"].as_object().unwrap();
        for field in FIELDS {
            let Some(want) = expected.get(field) else {
                continue;
            };
            let ok = ours.get(field) == Some(want);
            per_field.entry(field).or_default().add(ok);
            overall.add(ok);
            if !ok {
                misses.push(format!(
                    "{name}: {field}: ours {} expected {}",
                    show(ours.get(field)),
                    show(Some(want))
                ));
            }
        }
        for (field, by_agent) in case["differs"].as_object().unwrap() {
            let got = ours.get(field.as_str());
            let fi = &by_agent["fusioninventory-agent-2.6"];
            let ga = &by_agent["glpi-agent"];
            let same = |v: &Json| match v {
                Json::Null => got.is_none(),
                v => got == Some(v),
            };
            let ok = same(fi) || same(ga);
            differs.add(ok);
            let which = match (same(fi), same(ga)) {
                (true, true) => "both",
                (true, false) => "= FI 2.6",
                (false, true) => "= GLPI",
                (false, false) => "NEITHER",
            };
            differ_lines.push(format!(
                "{name}: {field}: ours {} ({which}; FI {} / GLPI {})",
                show(got),
                show(Some(fi)),
                show(Some(ga))
            ));
        }
        // What we find that neither reference reports.
        for field in FIELDS {
            let listed = expected.contains_key(field) || case["differs"].get(field).is_some();
            let referenced = ["fi26", "glpi"]
                .iter()
                .any(|a| case["reference"][a].get(field).is_some());
            if !listed
                && !referenced
                && let Some(v) = ours.get(field)
            {
                extras.push(format!("{name}: {field}: {}", show(Some(v))));
            }
        }
        // The reference outputs beyond `expected` and `differs` (IPS mostly).
        for agent in ["fi26", "glpi"] {
            let Some(reference) = case["reference"][agent].as_object() else {
                continue;
            };
            for (field, want) in reference {
                if expected.contains_key(field) || case["differs"].get(field).is_some() {
                    continue;
                }
                let ok = ours.get(field.as_str()) == Some(want);
                beyond
                    .entry(format!("{agent} {field}"))
                    .or_default()
                    .add(ok);
                if !ok {
                    misses.push(format!(
                        "{name}: {agent} {field}: ours {} reference {}",
                        show(ours.get(field.as_str())),
                        show(Some(want))
                    ));
                }
            }
        }
    }

    println!("\nper-field agreement with `expected` (both reference agents agree):");
    for (field, t) in &per_field {
        println!(
            "  {field:<13} {:>3}/{:<3} {:6.1} %",
            t.matched,
            t.total,
            t.pct()
        );
    }
    println!(
        "  {:<13} {:>3}/{:<3} {:6.1} %",
        "OVERALL",
        overall.matched,
        overall.total,
        overall.pct()
    );
    println!(
        "\nfields the agents disagree on, matching one of them: {}/{} ({:.1} %)",
        differs.matched,
        differs.total,
        differs.pct()
    );
    for line in &differ_lines {
        println!("  {line}");
    }
    println!("\nreference outputs beyond `expected` (plus):");
    for (key, t) in &beyond {
        println!("  {key:<20} {:>3}/{:<3}", t.matched, t.total);
    }
    println!(
        "\nfound beyond both references ({}; walk-file quirks of the Perl mock, e.g. sample2's symbolic sysUpTimeInstance):",
        extras.len()
    );
    for e in &extras {
        println!("  {e}");
    }
    println!("\ndisagreements ({}):", misses.len());
    for m in &misses {
        println!("  {m}");
    }
    let total: usize = requests.iter().map(|r| r.4).sum();
    println!(
        "\nrequests per device (GETs + walk round trips at 25 rows each): mean {:.1} over {} walks; identification took {:?} in all",
        total as f64 / requests.len() as f64,
        requests.len(),
        elapsed
    );
    let mean = |f: fn(&(usize, usize)) -> usize| {
        v1_costs.iter().map(f).sum::<usize>() as f64 / v1_costs.len() as f64
    };
    println!(
        "SNMPv1 estimate (a GET retried without each missing object, walks by GETNEXT): batched {:.1}, unbatched {:.1}",
        mean(|c| c.0),
        mean(|c| c.1)
    );
    println!(
        "loading the bundled data ({} sysObjectIDs, {} vendor modules) took {load_time:?}",
        db.sysobjectid_count(),
        db.vendor_names().len()
    );
    for (name, gets, varbinds, walked, reqs) in &requests {
        println!(
            "  {reqs:>3} = {gets} GET ({varbinds} varbinds) + {} walk(s)  {name}",
            walked.len()
        );
        println!("        walks (root:rows): {}", walked.join(" "));
    }
    assert!(
        overall.pct() >= 95.0,
        "overall agreement {:.1} % is below 95 %",
        overall.pct()
    );
}

/// A live session that counts its round trips (GETs, and the requests of each walk).
struct LiveCounting {
    session: sonde::snmp::Session,
    requests: AtomicUsize,
}

impl Source for LiveCounting {
    async fn get(&self, oids: &[Oid]) -> sonde::snmp::Result<Vec<Varbind>> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        self.session.get(oids).await
    }

    async fn walk(&self, root: &Oid) -> sonde::snmp::Result<Vec<Varbind>> {
        let opts = sonde::snmp::WalkOptions::default();
        let result = sonde::snmp::walk(&self.session, root, opts).await?;
        self.requests
            .fetch_add(result.requests as usize, Ordering::Relaxed);
        Ok(result.varbinds)
    }
}

/// Every walk served by the simulator and identified over SNMPv2c gives exactly what the walk
/// file gives (the same code runs on both); prints the round trips it took.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_identification_equals_file_mode() {
    use sonde::snmp::agent::{LoadedWalk, communities_for, load_walks};
    use sonde::snmp::{AgentOptions, Client, Credential, Simulator, Target};

    let walks = load_walks(&walk_paths()).unwrap();
    let refs: Vec<&LoadedWalk> = walks.iter().collect();
    let sim = Simulator::start(
        vec![(
            "127.0.0.1:0".parse().unwrap(),
            communities_for(&refs, "public"),
        )],
        AgentOptions::default(),
    )
    .await
    .unwrap();
    let addr = sim.local_addrs()[0];
    let client = Client::default();
    let db = MibDb::bundled().unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for w in &walks {
        let live = LiveCounting {
            session: client.session(
                Target::new(addr, Credential::v2c(&w.community))
                    .with_timeout(std::time::Duration::from_secs(2))
                    .with_retries(2),
            ),
            requests: AtomicUsize::new(0),
        };
        let mib = std::sync::Arc::clone(&w.mib);
        let name = w.community.clone();
        tasks.spawn(async move {
            let from_file = identify_with(mib.as_ref(), db, BATCH).await.unwrap();
            let from_device = identify_with(&live, db, BATCH).await.unwrap();
            assert_eq!(from_file, from_device, "{name}");
            (name, live.requests.load(Ordering::Relaxed))
        });
    }
    let mut counts = Vec::new();
    while let Some(r) = tasks.join_next().await {
        counts.push(r.unwrap());
    }
    sim.shutdown().await;
    counts.sort_by_key(|(_, n)| *n);
    let total: usize = counts.iter().map(|(_, n)| n).sum();
    let median = counts[counts.len() / 2].1;
    println!(
        "\nlive SNMPv2c round trips per device against the simulator: mean {:.1}, median {median}, max {} ({})",
        total as f64 / counts.len() as f64,
        counts[counts.len() - 1].1,
        counts[counts.len() - 1].0
    );
}
