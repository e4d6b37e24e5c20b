//! The network jobs a server hands out (NETDISCOVERY, SNMPQUERY), run with the discovery and
//! network inventory engines, each message sent through the server's spool as soon as it is
//! ready ([`Sender`]): kept on disk first, removed once the server has it. A server that fails
//! in the middle of a job does not stop it: the rest of its messages wait in the spool.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use reqwest::Url;
use tokio::sync::mpsc;

use super::protocol::{NetDiscoveryJob, NetInventoryJob};
use super::run::{RunConfig, RunError};
use crate::discovery::{self, Block, SweepConfig, Targets};
use crate::netinventory::{InventoryOptions, inventory};
use crate::report::netdiscovery::{Envelope, QUERY_NETDISCOVERY, QUERY_SNMPQUERY};
use crate::report::netinventory;
use crate::snmp::{Target, Version};
use crate::transport::spool::Spool;
use crate::transport::{BodyFormat, Client, PostOptions};

/// What one server run's jobs did (for the report and the daemon's metrics).
#[derive(Debug, Default)]
pub(super) struct Tally {
    /// Messages the server acknowledged.
    pub(super) sent: AtomicUsize,
    /// Devices reported by NETDISCOVERY jobs.
    pub(super) found: AtomicUsize,
    /// Devices reported by SNMPQUERY jobs.
    pub(super) inventoried: AtomicUsize,
}

/// Sends through the spool: the message is kept, then everything kept is sent in order.
pub(super) struct Sender<'a> {
    pub(super) client: &'a Client,
    pub(super) server: &'a Url,
    /// `GLPI-Agent-ID`, sent with JSON messages.
    pub(super) agentid: &'a str,
    pub(super) spool: Spool,
    /// Set once the server failed: later messages are only kept.
    pub(super) down: bool,
    /// Why the server failed while results were sent (the first failure), for the report:
    /// [`Sender::send`] keeps going without it.
    pub(super) failure: Option<RunError>,
    pub(super) sent: usize,
    /// What the jobs reported.
    pub(super) tally: &'a Tally,
}

impl Sender<'_> {
    /// Keeps `message` in the spool, then sends everything kept, in order. Only a message that
    /// cannot be kept (the spool is full, the disk too) is an error here, and it ends the job;
    /// a server that fails is noted in [`Sender::failure`], and this message and the later ones
    /// wait in the spool for the next contact, so a job always runs to its end.
    pub(super) async fn send(
        &mut self,
        kind: &str,
        format: BodyFormat,
        message: &[u8],
    ) -> Result<(), RunError> {
        let ext = if format == BodyFormat::Json {
            "json"
        } else {
            "xml"
        };
        self.spool.push(kind, ext, message)?;
        if let Err(e) = self.flush().await {
            self.failure.get_or_insert(e);
        }
        Ok(())
    }

    /// Sends everything kept, in order; the first failure of the server is returned (and sets
    /// [`Sender::down`]), later calls only keep.
    pub(super) async fn flush(&mut self) -> Result<(), RunError> {
        if self.down {
            return Ok(());
        }
        let (client, server, agentid) = (self.client, self.server, self.agentid);
        let (n, err) = self
            .spool
            .deliver(|item, bytes| async move {
                let json = item.format == "json";
                let headers = [("GLPI-Agent-ID", agentid)];
                let options = PostOptions {
                    format: if json {
                        BodyFormat::Json
                    } else {
                        BodyFormat::Xml
                    },
                    compression: None,
                    headers: if json { &headers[..] } else { &[] },
                };
                client
                    .post_with(server, &bytes, &options)
                    .await
                    .map(|_| ())
                    .map_err(|source| RunError::Server {
                        server: crate::transport::url::redacted(server),
                        source,
                    })
            })
            .await;
        self.sent += n;
        self.tally.sent.fetch_add(n, Ordering::Relaxed);
        match err {
            Some(e) => {
                self.down = true;
                Err(e)
            }
            None => Ok(()),
        }
    }
}

pub(super) async fn netdiscovery_job(
    config: &RunConfig,
    deviceid: &str,
    job: &NetDiscoveryJob,
    sender: &mut Sender<'_>,
) -> Result<(), RunError> {
    if let Err(e) = job.check() {
        tracing::warn!("NETDISCOVERY job skipped: {e}");
        return Ok(());
    }
    let pid = job.pid.clone().unwrap_or_default();
    let envelope = Envelope::new(deviceid, pid, QUERY_NETDISCOVERY);
    let xml = BodyFormat::Xml;
    let (ids, credentials): (Vec<String>, Vec<_>) = job
        .credentials
        .iter()
        .map(|c| (c.id.clone().unwrap_or_default(), c.credential.clone()))
        .unzip();
    let db = config.mib_db()?;
    let mut first = true;
    for range in &job.ranges {
        sender
            .send("netdiscovery", xml, envelope.start().as_bytes())
            .await?;
        if first {
            sender
                .send(
                    "netdiscovery",
                    xml,
                    envelope.nbip(job.address_count()).as_bytes(),
                )
                .await?;
            first = false;
        }
        let Ok(block) = Block::range(range.start, range.end) else {
            continue;
        };
        let Ok(targets) = Targets::new(vec![block], Vec::new()) else {
            continue;
        };
        let sweep = SweepConfig {
            auth_ids: ids.clone(),
            ports: range.ports_or_default(),
            timeout: job.timeout(),
            entity: range.entity.clone(),
            shared: config.network.clone(),
            ..SweepConfig::new(targets, credentials.clone(), Arc::clone(&db))
        };
        let built = discovery::build(sweep);
        let (tx, mut rx) = mpsc::channel(256);
        let engine = tokio::spawn(built.sweep.run(tx));
        while let Some(host) = rx.recv().await {
            if host.is_reportable() {
                sender.tally.found.fetch_add(1, Ordering::Relaxed);
                sender
                    .send("netdiscovery", xml, envelope.device(&host).as_bytes())
                    .await?;
            }
        }
        let _ = engine.await;
    }
    sender
        .send("netdiscovery", xml, envelope.end().as_bytes())
        .await
}

pub(super) async fn netinventory_job(
    config: &RunConfig,
    deviceid: &str,
    job: &NetInventoryJob,
    sender: &mut Sender<'_>,
) -> Result<(), RunError> {
    if let Err(e) = job.check() {
        tracing::warn!("SNMPQUERY job skipped: {e}");
        return Ok(());
    }
    let xml = BodyFormat::Xml;
    let job_pid = job.pid.clone().unwrap_or_else(|| "1".to_owned());
    let framed = super::protocol::sends_start_end(&[job]);
    let job_envelope = Envelope::new(deviceid, job_pid.clone(), QUERY_SNMPQUERY);
    if framed {
        sender
            .send("netinventory", xml, job_envelope.start().as_bytes())
            .await?;
    }
    let db = config.mib_db()?;
    let snmp = match &config.network {
        Some(limits) => crate::snmp::Client::new(crate::snmp::DispatcherConfig {
            rate: limits.rate.clone(),
            ..crate::snmp::DispatcherConfig::default()
        }),
        None => crate::snmp::Client::default(),
    };
    for device in &job.devices {
        let envelope = Envelope::new(
            deviceid,
            device.pid.clone().unwrap_or_else(|| job_pid.clone()),
            QUERY_SNMPQUERY,
        );
        let id = device.id.clone().unwrap_or_else(|| "0".to_owned());
        let element = match (device.ip.parse::<IpAddr>(), job.device_credential(device)) {
            (Ok(ip), Some(credential)) => {
                let session = snmp.session(
                    Target::new(
                        SocketAddr::new(ip, device.port.unwrap_or(161)),
                        credential.clone(),
                    )
                    .with_timeout(job.timeout())
                    .with_retries(1),
                );
                let options = InventoryOptions {
                    id: id.clone(),
                    device_type: device.device_type(),
                    peer: match ip {
                        IpAddr::V4(v4) => Some(v4),
                        IpAddr::V6(_) => None,
                    },
                    batch: credential.version() != Version::V1,
                };
                match inventory(&session, &db, &options).await {
                    Ok(inv) => netinventory::device_element(&inv),
                    Err(e) => netinventory::error_element(&id, &e.message(), device.device_type()),
                }
            }
            (Err(_), _) => netinventory::error_element(
                &id,
                &format!("invalid address {}", device.ip),
                device.device_type(),
            ),
            (_, None) => netinventory::error_element(
                &id,
                "no credential for this device",
                device.device_type(),
            ),
        };
        sender.tally.inventoried.fetch_add(1, Ordering::Relaxed);
        sender
            .send("netinventory", xml, envelope.result(element).as_bytes())
            .await?;
    }
    if framed {
        sender
            .send("netinventory", xml, job_envelope.end().as_bytes())
            .await?;
    }
    Ok(())
}
