//! The inventory of one device: identify it, read the tables its type needs (several columns
//! per GETBULK, at most two requests in flight), build every section from those tables.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};

use super::tables::Tables;
use super::{aggregate, components, fdb, info, neighbors, ports, printer, trunk, vendor, vlans};
use crate::mib::{IdentifyOptions, MibDb, identify_with};
use crate::model::{DeviceType, Firmware, InventoryInfo, NetInventory, Port};
use crate::snmp::{Client, Mib, Oid, Session, SnmpError, Source, Target, Varbind};

/// Objects asked per GET request (the session splits further on tooBig).
const GET_CHUNK: usize = 48;
/// Shortest wait for a VLAN context's first answer (see [`Device::vlan_context`]).
const CONTEXT_TIMEOUT_FLOOR: std::time::Duration = std::time::Duration::from_millis(500);
/// dot1dBaseNumPorts.0: asked first in a VLAN context, to learn whether the context exists
/// before its tables are walked.
const DOT1D_BASE_NUM_PORTS: [u32; 10] = [1, 3, 6, 1, 2, 1, 17, 1, 2, 0];

/// How to inventory a device.
#[derive(Clone, Debug)]
pub struct InventoryOptions {
    /// ID to report (the server's device id; `0` on the command line).
    pub id: String,
    /// A type that replaces the detected one (the server's, or `--type`); it decides which
    /// sections are collected.
    pub device_type: Option<DeviceType>,
    /// The address queried (identification prefers the MAC of the interface carrying it).
    pub peer: Option<Ipv4Addr>,
    /// Batch identification GETs (see [`IdentifyOptions::batch`]); off for SNMPv1.
    pub batch: bool,
}

impl Default for InventoryOptions {
    fn default() -> Self {
        Self {
            id: "0".to_owned(),
            device_type: None,
            peer: None,
            batch: true,
        }
    }
}

/// Why a device could not be inventoried.
#[derive(Debug, thiserror::Error)]
pub enum InventoryError {
    /// The device did not answer identification (no answer, authentication failed…).
    #[error("{0}")]
    Identify(SnmpError),
    /// The device stopped answering while its tables were read: no partial inventory is sent
    /// (a server would take missing ports for removed ones).
    #[error("device stopped answering during the inventory: {0}")]
    Interrupted(SnmpError),
    /// A table of the device never ends (its OIDs keep increasing): nothing is sent rather
    /// than a cut table.
    #[error("inventory abandoned: {0}")]
    Endless(SnmpError),
    /// The walk file could not be read.
    #[error("{}: {source}", path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

impl InventoryError {
    /// The MESSAGE of the DEVICE/ERROR element reported for the device, in the reference
    /// agents' wording where they have one (`SNMP communication error: no response from host
    /// <ip>` when identification got no answer).
    #[must_use]
    pub fn message(&self) -> String {
        match self {
            InventoryError::Identify(SnmpError::Timeout { peer, .. }) => {
                format!(
                    "SNMP communication error: no response from host {}",
                    peer.ip()
                )
            }
            InventoryError::Identify(inner) => format!("SNMP communication error: {inner}"),
            other => other.to_string(),
        }
    }
}

/// A device to inventory: its MIB, and the same device seen in a VLAN's context (for per-VLAN
/// bridge tables).
pub trait Device: Source + Sync {
    /// The source of a VLAN context.
    type Context: Source + Sync;
    /// The device in VLAN `vlan`'s context: community `community@vlan` (v1/v2c), context
    /// `vlan-N` (v3), or the walk file `<walk>@<vlan>`; `None` when there is no such context.
    fn vlan_context(&self, vlan: u32) -> Option<Self::Context>;
}

impl Device for Session {
    type Context = Session;

    fn vlan_context(&self, vlan: u32) -> Option<Session> {
        let target = self.target();
        let credential = target.credential.for_vlan(vlan);
        // An agent drops requests for a context it does not serve (an unknown community looks
        // like silence): once the device's round trip is known, a context that has not
        // answered within many round trips is given up sooner than a whole timeout.
        let timeout = match self.srtt() {
            Some(rtt) => (rtt * 16).clamp(CONTEXT_TIMEOUT_FLOOR, target.timeout),
            None => target.timeout,
        };
        let ctx = Target {
            credential,
            timeout,
            ..target.clone()
        };
        Some(Client::session(self.client(), ctx).with_network_rtt(self.srtt()))
    }
}

/// A device recorded in a walk file; its VLAN contexts are the files `<walk>@<vlan>`.
#[derive(Debug)]
pub struct WalkDevice {
    mib: Mib,
    path: PathBuf,
}

impl WalkDevice {
    /// Reads a walk file (plain or gzipped). Malformed lines are skipped (and logged).
    pub fn open(path: &Path) -> Result<Self, InventoryError> {
        let file = crate::walk::read(path).map_err(|source| InventoryError::File {
            path: path.to_owned(),
            source,
        })?;
        for e in file.errors.iter().take(5) {
            tracing::warn!("{}: {e}", path.display());
        }
        Ok(Self {
            mib: Mib::new(file.varbinds),
            path: path.to_owned(),
        })
    }

    /// A device from objects already loaded (its VLAN contexts are looked up beside `path`).
    #[must_use]
    pub fn new(mib: Mib, path: PathBuf) -> Self {
        Self { mib, path }
    }
}

impl Source for WalkDevice {
    async fn get(&self, oids: &[Oid]) -> crate::snmp::Result<Vec<Varbind>> {
        Source::get(&self.mib, oids).await
    }

    async fn walk(&self, root: &Oid) -> crate::snmp::Result<Vec<Varbind>> {
        Source::walk(&self.mib, root).await
    }

    async fn walk_columns(&self, roots: &[Oid]) -> crate::snmp::Result<Vec<Vec<Varbind>>> {
        Source::walk_columns(&self.mib, roots).await
    }
}

impl Device for WalkDevice {
    type Context = WalkDevice;

    fn vlan_context(&self, vlan: u32) -> Option<WalkDevice> {
        let mut name = self.path.as_os_str().to_owned();
        name.push(format!("@{vlan}"));
        let path = PathBuf::from(name);
        if !path.is_file() {
            return None;
        }
        match WalkDevice::open(&path) {
            Ok(d) => Some(d),
            Err(e) => {
                tracing::warn!("{e}");
                None
            }
        }
    }
}

/// Takes the inventory of one device.
pub async fn inventory<D: Device>(
    device: &D,
    db: &MibDb,
    options: &InventoryOptions,
) -> Result<NetInventory, InventoryError> {
    let snmp = identify_with(
        device,
        db,
        IdentifyOptions {
            peer: options.peer,
            batch: options.batch,
        },
    )
    .await
    .map_err(InventoryError::Identify)?;
    let device_type = options.device_type.or(snmp.device_type);

    // What to read.
    let mut columns: Vec<Oid> = Vec::new();
    let mut scalars: Vec<Oid> = Vec::new();
    let add = |list: &mut Vec<Oid>, roots: &[&[u32]]| {
        list.extend(roots.iter().map(|r| Oid::from_slice(r)));
    };
    add(&mut columns, ports::COLUMNS);
    add(&mut scalars, info::SCALARS);
    if device_type == Some(DeviceType::Printer) {
        add(&mut columns, printer::COLUMNS);
        add(&mut scalars, printer::SCALARS);
    }
    let networking = device_type == Some(DeviceType::Networking);
    if networking {
        for list in [
            vlans::COLUMNS,
            trunk::COLUMNS,
            neighbors::COLUMNS,
            fdb::COLUMNS,
            aggregate::COLUMNS,
            components::COLUMNS,
        ] {
            add(&mut columns, list);
        }
    }
    columns.extend(vendor::columns(&snmp));
    scalars.extend(vendor::scalars(db, &snmp));

    let tables = read(device, &columns, &scalars)
        .await
        .map_err(|e| match e {
            SnmpError::Endless { .. } => InventoryError::Endless(e),
            e => InventoryError::Interrupted(e),
        })?;

    // Build.
    let mut inv = NetInventory {
        info: InventoryInfo {
            id: options.id.clone(),
            device_type,
            snmp,
            ..InventoryInfo::default()
        },
        ..NetInventory::default()
    };
    info::apply(&tables, &mut inv.info);
    let mut port_map: BTreeMap<u32, Port> = ports::build(&tables);
    if device_type == Some(DeviceType::Printer) {
        inv.cartridges = printer::cartridges(&tables);
        inv.page_counters = printer::page_counters(&tables);
    }
    if networking {
        vlans::apply(&tables, &mut port_map);
        trunk::apply(&tables, &mut port_map);
        neighbors::apply(&tables, &mut port_map);
        let mut contexts = Vec::new();
        for vlan in fdb::vlan_contexts(&tables, &port_map) {
            let Some(ctx) = device.vlan_context(vlan) else {
                continue;
            };
            // One GET first: a context the agent does not serve costs one timeout, not one
            // per table.
            if let Err(e) = ctx.get(&[Oid::from_slice(&DOT1D_BASE_NUM_PORTS)]).await {
                tracing::debug!(vlan, "VLAN context not served: {e}");
                continue;
            }
            let roots: Vec<Oid> = fdb::VLAN_COLUMNS
                .iter()
                .map(|r| Oid::from_slice(r))
                .collect();
            match read(&ctx, &roots, &[]).await {
                Ok(t) => contexts.push((vlan, t)),
                Err(e) => tracing::debug!(vlan, "VLAN context not readable: {e}"),
            }
        }
        fdb::apply(&tables, &contexts, &mut port_map);
        aggregate::apply(&tables, &mut port_map);
        inv.components = components::collect(&tables, &inv.info.snmp);
    }
    if let Some(version) = inv.info.snmp.firmware.clone() {
        inv.firmwares.push(Firmware {
            name: inv
                .info
                .snmp
                .model
                .clone()
                .unwrap_or_else(|| "device".to_owned()),
            description: Some("device firmware".to_owned()),
            kind: Some("device".to_owned()),
            version: Some(version),
            manufacturer: inv.info.snmp.manufacturer.clone(),
            date: None,
        });
    }
    inv.ports = port_map.into_values().collect();
    vendor::apply(db, &tables, &mut inv);
    Ok(inv)
}

/// Reads `scalars` by GET and `columns` by walks, columns of one table together, at most two
/// requests in flight. A timeout, an unreachable port or a table that never ends ends the
/// reading with an error; a table the agent answers with another error is left empty.
async fn read<S: Source + Sync>(
    source: &S,
    columns: &[Oid],
    scalars: &[Oid],
) -> Result<Tables, SnmpError> {
    // Columns of one table entry (same OID but the last arc) are walked together.
    let mut groups: BTreeMap<Oid, Vec<Oid>> = BTreeMap::new();
    let mut seen = std::collections::HashSet::new();
    for c in columns {
        if seen.insert(c.clone()) {
            let arcs = c.arcs();
            let parent = Oid::from_slice(&arcs[..arcs.len().saturating_sub(1)]);
            groups.entry(parent).or_default().push(c.clone());
        }
    }
    let mut scalars: Vec<Oid> = scalars.to_vec();
    scalars.sort();
    scalars.dedup();
    enum Job {
        Get(Vec<Oid>),
        Walk(Vec<Oid>),
    }
    let mut jobs: Vec<Job> = scalars
        .chunks(GET_CHUNK)
        .map(|c| Job::Get(c.to_vec()))
        .collect();
    jobs.extend(groups.into_values().map(Job::Walk));
    // Two lanes, each running its share of the jobs one after the other.
    let (mut lane_a, mut lane_b) = (Vec::new(), Vec::new());
    for (i, job) in jobs.into_iter().enumerate() {
        if i % 2 == 0 {
            lane_a.push(job);
        } else {
            lane_b.push(job);
        }
    }
    let run = |lane: Vec<Job>| async move {
        let mut got: Vec<Varbind> = Vec::new();
        for job in lane {
            let answer = match &job {
                Job::Get(oids) => source.get(oids).await,
                Job::Walk(roots) => source
                    .walk_columns(roots)
                    .await
                    .map(|cols| cols.into_iter().flatten().collect()),
            };
            match answer {
                Ok(vbs) => got.extend(vbs),
                Err(
                    e @ (SnmpError::Timeout { .. }
                    | SnmpError::Unreachable { .. }
                    | SnmpError::Endless { .. }),
                ) => {
                    return Err(e);
                }
                Err(e) => tracing::debug!("inventory read left empty: {e}"),
            }
        }
        Ok(got)
    };
    let (a, b) = tokio::join!(run(lane_a), run(lane_b));
    let mut tables = Tables::new();
    tables.extend(a?);
    tables.extend(b?);
    Ok(tables)
}
