//! The PROLOG exchange of the OCS/FusionInventory XML protocol: the request the agent sends and
//! the typed `REPLY` (contact period, inventory request, errors, task options) (protocol.md §2).

use std::time::Duration;

use thiserror::Error;

use super::params::{DropReason, Dropped};
use super::tasks::{NetDiscoveryJob, NetInventoryJob};
use super::xml::{self, Node, XmlError};
use crate::report::xml::Element;

/// The TOKEN every FusionInventory agent sends (`XML/Query/Prolog.pm`); servers store it and
/// nothing checks it.
pub const DEFAULT_TOKEN: &str = "12345678";

/// The PROLOG request, byte for byte as the FusionInventory agent writes it. `token` defaults
/// to [`DEFAULT_TOKEN`].
#[must_use]
pub fn prolog_request(deviceid: &str, token: Option<&str>) -> String {
    Element::new("REQUEST")
        .child(Element::text("DEVICEID", deviceid))
        .child(Element::text("QUERY", "PROLOG"))
        .child(Element::text("TOKEN", token.unwrap_or(DEFAULT_TOKEN)))
        .to_document()
}

/// Why a PROLOG reply was refused.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ReplyError {
    /// Not a readable XML document.
    #[error(transparent)]
    Xml(#[from] XmlError),
    /// A document whose root is not `REPLY`.
    #[error("unexpected content: root element is <{0}>, not <REPLY>")]
    WrongRoot(String),
}

/// A parsed `REPLY`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reply {
    /// `PROLOG_FREQ`: contact period in hours, when a usable number.
    pub prolog_freq: Option<u32>,
    /// `RESPONSE` (`SEND` asks for a local inventory now).
    pub response: Option<String>,
    /// Every `ERROR` text (server-side errors such as "SSL REQUIRED BY SERVER").
    pub errors: Vec<String>,
    /// The `OPTION` blocks, in document order.
    pub options: Vec<TaskOption>,
    /// Legacy top-level `PROCESSNUMBER` (ignored by the 2.x agents).
    pub process_number: Option<String>,
    /// Top-level values that could not be used (e.g. an unreadable PROLOG_FREQ).
    pub dropped: Vec<Dropped>,
}

/// One `OPTION` block.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TaskOption {
    /// `INVENTORY`, with its PARAMs if any.
    Inventory(GenericOption),
    /// `NETDISCOVERY`.
    NetDiscovery(NetDiscoveryJob),
    /// `SNMPQUERY` (network inventory).
    NetInventory(NetInventoryJob),
    /// `WAKEONLAN`.
    WakeOnLan(WakeOnLanJob),
    /// Anything else (`REGISTRY`, `DOWNLOAD`, `ESX`, …), kept so the agent can say it does not
    /// run it.
    Other(GenericOption),
}

impl TaskOption {
    /// The option's NAME.
    #[must_use]
    pub fn name(&self) -> &str {
        match self {
            TaskOption::Inventory(_) => "INVENTORY",
            TaskOption::NetDiscovery(_) => "NETDISCOVERY",
            TaskOption::NetInventory(_) => "SNMPQUERY",
            TaskOption::WakeOnLan(_) => "WAKEONLAN",
            TaskOption::Other(o) => &o.name,
        }
    }
}

/// An option kept by name with its PARAM elements.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GenericOption {
    /// NAME as sent.
    pub name: String,
    /// Each PARAM: attributes in document order, and its text (e.g. a REGISTRY value name).
    pub params: Vec<Param>,
}

/// A PARAM element of a [`GenericOption`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Param {
    /// Attributes in document order.
    pub attributes: Vec<(String, String)>,
    /// Text content, trimmed (empty when none).
    pub text: String,
}

/// A `WAKEONLAN` option: one PARAM per machine.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WakeOnLanJob {
    /// Machines to wake, in document order.
    pub targets: Vec<WakeTarget>,
    /// PARAMs left out (no or invalid MAC).
    pub dropped: Vec<Dropped>,
}

/// A machine to wake.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WakeTarget {
    /// `MAC`.
    pub mac: [u8; 6],
    /// `IP`, when given.
    pub ip: Option<String>,
}

impl Reply {
    /// Whether the server asks for a local inventory (`RESPONSE` is `SEND`).
    #[must_use]
    pub fn inventory_requested(&self) -> bool {
        self.response.as_deref() == Some("SEND")
    }

    /// The target's new maximum delay: PROLOG_FREQ hours. `None` when absent (keep the previous
    /// value) or 0 (which would mean contacting the server continuously).
    #[must_use]
    pub fn max_delay(&self) -> Option<Duration> {
        self.prolog_freq
            .filter(|&h| h > 0)
            .map(|h| Duration::from_secs(u64::from(h) * 3600))
    }

    /// The NETDISCOVERY jobs, in order.
    #[must_use]
    pub fn netdiscovery_jobs(&self) -> Vec<&NetDiscoveryJob> {
        self.options
            .iter()
            .filter_map(|o| match o {
                TaskOption::NetDiscovery(j) => Some(j),
                _ => None,
            })
            .collect()
    }

    /// The SNMPQUERY jobs, in order.
    #[must_use]
    pub fn netinventory_jobs(&self) -> Vec<&NetInventoryJob> {
        self.options
            .iter()
            .filter_map(|o| match o {
                TaskOption::NetInventory(j) => Some(j),
                _ => None,
            })
            .collect()
    }

    /// The WAKEONLAN jobs, in order.
    #[must_use]
    pub fn wakeonlan_jobs(&self) -> Vec<&WakeOnLanJob> {
        self.options
            .iter()
            .filter_map(|o| match o {
                TaskOption::WakeOnLan(j) => Some(j),
                _ => None,
            })
            .collect()
    }

    /// Names of the options sonde does not run.
    #[must_use]
    pub fn unsupported_options(&self) -> Vec<&str> {
        self.options
            .iter()
            .filter(|o| matches!(o, TaskOption::Other(_)))
            .map(TaskOption::name)
            .collect()
    }
}

/// Parses a PROLOG reply (already decompressed). Junk before the XML is skipped; the root must
/// be `REPLY`. Unusable parts are left out and listed in the `dropped` fields, never fatal.
pub fn parse_reply(bytes: &[u8]) -> Result<Reply, ReplyError> {
    let root = xml::parse(bytes)?;
    if root.name != "REPLY" {
        return Err(ReplyError::WrongRoot(root.name.chars().take(40).collect()));
    }
    let mut reply = Reply {
        response: root.value("RESPONSE"),
        process_number: root.value("PROCESSNUMBER"),
        errors: root
            .children_named("ERROR")
            .map(|e| e.text.trim().to_owned())
            .collect(),
        ..Reply::default()
    };
    if let Some(raw) = root.value("PROLOG_FREQ") {
        match raw.parse::<u32>() {
            Ok(hours) => reply.prolog_freq = Some(hours),
            Err(_) => reply.dropped.push(Dropped {
                element: "PROLOG_FREQ",
                id: None,
                reason: DropReason::BadValue {
                    attribute: "PROLOG_FREQ",
                    value: raw.chars().take(40).collect(),
                },
            }),
        }
    }
    reply.options = root.children_named("OPTION").map(read_option).collect();
    Ok(reply)
}

fn read_option(option: &Node) -> TaskOption {
    let name = option.value("NAME").unwrap_or_default();
    match name.to_ascii_uppercase().as_str() {
        "NETDISCOVERY" => TaskOption::NetDiscovery(NetDiscoveryJob::read(option)),
        "SNMPQUERY" => TaskOption::NetInventory(NetInventoryJob::read(option)),
        "WAKEONLAN" => TaskOption::WakeOnLan(read_wakeonlan(option)),
        "INVENTORY" => TaskOption::Inventory(generic(option, name)),
        _ => TaskOption::Other(generic(option, name)),
    }
}

fn generic(option: &Node, name: String) -> GenericOption {
    GenericOption {
        name,
        params: option
            .children_named("PARAM")
            .map(|p| Param {
                attributes: p.attributes.clone(),
                text: p.text.trim().to_owned(),
            })
            .collect(),
    }
}

fn read_wakeonlan(option: &Node) -> WakeOnLanJob {
    let mut job = WakeOnLanJob::default();
    for param in option.children_named("PARAM") {
        let reason = match param.value("MAC") {
            None => DropReason::Missing("MAC"),
            Some(raw) => match parse_mac(&raw) {
                Some(mac) => {
                    job.targets.push(WakeTarget {
                        mac,
                        ip: param.value("IP"),
                    });
                    continue;
                }
                None => DropReason::BadValue {
                    attribute: "MAC",
                    value: raw.chars().take(40).collect(),
                },
            },
        };
        job.dropped.push(Dropped {
            element: "PARAM",
            id: param.value("ID"),
            reason,
        });
    }
    job
}

/// `aa:bb:cc:dd:ee:ff`, `aa-bb-…` or 12 hex digits (the Wake-on-LAN engine's rules).
fn parse_mac(text: &str) -> Option<[u8; 6]> {
    text.parse::<crate::wakeonlan::MacAddress>()
        .ok()
        .map(crate::wakeonlan::MacAddress::octets)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn macs() {
        assert_eq!(
            parse_mac("00:1a:2B:3c:4d:5e"),
            Some([0, 0x1a, 0x2b, 0x3c, 0x4d, 0x5e])
        );
        assert_eq!(parse_mac("00-1a-2b-3c-4d-5e"), parse_mac("001a2b3c4d5e"));
        for bad in [
            "",
            "00:1a:2b:3c:4d",
            "00:1a:2b:3c:4d:5e:6f",
            "0:1a:2b:3c:4d:5e",
            "zz1a2b3c4d5e",
            "+a:1a:2b:3c:4d:5e",
        ] {
            assert_eq!(parse_mac(bad), None, "{bad}");
        }
    }
}
