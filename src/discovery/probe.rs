//! Probing one address: SNMP, ICMP and NetBIOS side by side under one deadline, then reverse
//! DNS and the neighbour table for what answered; the results merged into a [`Host`](crate::model::discovery::Host).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::model::{Host, Netbios, Outcome};
use crate::net::{NetbiosClient, PingOutcome, Pinger, ReverseDns};

use super::snmp_probe::SnmpProbe;

/// Which probes run on each address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProbeSet {
    /// SNMP with every credential.
    pub snmp: bool,
    /// ICMP echo and timestamp.
    pub icmp: bool,
    /// NetBIOS node status.
    pub netbios: bool,
    /// Reverse DNS of the addresses that answered something.
    pub dns: bool,
    /// The kernel's neighbour table, for MACs.
    pub arp: bool,
}

impl Default for ProbeSet {
    fn default() -> Self {
        Self {
            snmp: true,
            icmp: true,
            netbios: true,
            dns: true,
            arp: true,
        }
    }
}

/// Everything a probe of one address needs, shared by the whole sweep.
pub struct Probes {
    /// Which probes run.
    pub set: ProbeSet,
    /// SNMP.
    pub snmp: SnmpProbe,
    /// ICMP, when the privilege is there.
    pub pinger: Option<Pinger>,
    /// NetBIOS.
    pub netbios: Option<NetbiosClient>,
    /// Reverse DNS.
    pub dns: Option<ReverseDns>,
    /// Wait for ICMP and NetBIOS answers.
    pub timeout: Duration,
    /// The neighbour table, re-read at most every second.
    pub neighbours: NeighbourCache,
}

/// A snapshot of the kernel's neighbour tables, refreshed when older than a second (IPv4,
/// `/proc/net/arp`) or five seconds (IPv6, one `ip -6 neigh` run).
#[derive(Default)]
pub struct NeighbourCache {
    snapshot: Mutex<Option<(Instant, HashMap<IpAddr, String>)>>,
    v6: tokio::sync::Mutex<Option<(Instant, HashMap<IpAddr, String>)>>,
}

impl NeighbourCache {
    async fn mac(&self, ip: IpAddr) -> Option<String> {
        if ip.is_ipv6() {
            // Boxed: reading the IPv6 table runs a command, a large future that the thousands
            // of IPv4 addresses in flight would otherwise each carry.
            return Box::pin(self.mac_v6(ip)).await;
        }
        let mut guard = crate::net::lock(&self.snapshot);
        let stale = guard
            .as_ref()
            .is_none_or(|(at, _)| at.elapsed() > Duration::from_secs(1));
        if stale {
            let table = crate::net::read_arp_table().unwrap_or_default();
            *guard = Some((Instant::now(), table));
        }
        guard.as_ref().and_then(|(_, t)| t.get(&ip).cloned())
    }

    async fn mac_v6(&self, ip: IpAddr) -> Option<String> {
        let mut guard = self.v6.lock().await;
        let stale = guard
            .as_ref()
            .is_none_or(|(at, _)| at.elapsed() > Duration::from_secs(5));
        if stale {
            let table = crate::net::read_ipv6_neighbors().await.unwrap_or_default();
            *guard = Some((Instant::now(), table));
        }
        guard.as_ref().and_then(|(_, t)| t.get(&ip).cloned())
    }
}

impl Probes {
    /// Probes one address.
    pub async fn probe(&self, ip: IpAddr) -> Host {
        // Boxed: thousands of addresses are in flight, and an inline state machine would be
        // as large as the largest probe (identification included) for every one of them.
        let snmp = Box::pin(async {
            if self.set.snmp {
                Some(self.snmp.probe(ip).await)
            } else {
                None
            }
        });
        let ping = Box::pin(self.ping(ip));
        let netbios = Box::pin(async {
            match (&self.netbios, self.set.netbios) {
                (Some(nb), true) => nb.node_status(ip, self.timeout).await.ok().flatten(),
                _ => None,
            }
        });
        let (snmp, ping, netbios) = tokio::join!(snmp, ping, netbios);
        // Boxed: the host and the lookups that follow are only paid for once the probes have
        // ended, not by every address while it waits for its answers.
        Box::pin(self.finish(ip, snmp, ping, netbios)).await
    }

    /// Merges the probes' results into the host, then asks DNS and the neighbour table.
    async fn finish(
        &self,
        ip: IpAddr,
        snmp: Option<super::snmp_probe::SnmpResult>,
        ping: bool,
        netbios: Option<crate::net::NbStatus>,
    ) -> Host {
        let mut host = Host::new(ip);
        host.ping = ping;
        host.netbios = netbios.map(|n| Netbios {
            name: n.name,
            workgroup: n.workgroup,
            user: n.user,
            mac: n.mac,
        });
        let snmp_alive = snmp
            .as_ref()
            .is_some_and(|s| !matches!(s.outcome, Outcome::NoAnswer));
        let alive = ping || host.netbios.is_some() || snmp_alive;
        if let Some(s) = snmp {
            host.outcome = s.outcome;
            host.snmp = s.info;
        }
        if alive && matches!(host.outcome, Outcome::NoAnswer) {
            host.outcome = Outcome::Alive;
        }
        // Loopback names are local knowledge, not worth a question to the resolver.
        if alive
            && self.set.dns
            && !ip.is_loopback()
            && let Some(dns) = &self.dns
        {
            host.dns_name = dns.lookup(ip).await;
        }
        if self.set.arp {
            host.arp_mac = self.neighbours.mac(ip).await;
        }
        host
    }

    /// ICMP echo and (IPv4) timestamp sent together: alive when either is answered, so a dead
    /// address costs one timeout, not two.
    async fn ping(&self, ip: IpAddr) -> bool {
        let Some(pinger) = self.pinger.as_ref().filter(|_| self.set.icmp) else {
            return false;
        };
        let replied =
            |r: crate::net::Result<PingOutcome>| matches!(r, Ok(PingOutcome::Reply { .. }));
        if !pinger.supports_timestamp(ip) {
            return replied(pinger.echo(ip, self.timeout).await);
        }
        let echo = pinger.echo(ip, self.timeout);
        let stamp = pinger.timestamp(ip, self.timeout);
        tokio::pin!(echo, stamp);
        let (mut echo_done, mut stamp_done) = (false, false);
        while !(echo_done && stamp_done) {
            tokio::select! {
                r = &mut echo, if !echo_done => {
                    if replied(r) { return true; }
                    echo_done = true;
                }
                r = &mut stamp, if !stamp_done => {
                    if replied(r) { return true; }
                    stamp_done = true;
                }
            }
        }
        false
    }
}
