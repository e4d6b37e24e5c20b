//! Docker containers of this host as VIRTUALMACHINES, read from the engine's own files
//! (`/var/lib/docker/containers/<id>/config.v2.json` and `hostconfig.json`, root only) rather
//! than through `docker ps` or the engine's API.

use serde_json::Value as Json;

use super::Context;
use crate::model::local::Entry;

/// Where the Docker engine keeps its containers.
const CONTAINERS: &str = "/var/lib/docker/containers";

/// One entry per container: NAME, UUID (the container id), STATUS (running, paused or off),
/// VMTYPE `docker`, IMAGE, and MEMORY (MB) / VCPU when limits are set.
pub(super) fn docker(ctx: &Context<'_>) -> Vec<Entry> {
    let mut out = Vec::new();
    for id in ctx.list(CONTAINERS) {
        let Some(config) = ctx
            .read(&format!("{CONTAINERS}/{id}/config.v2.json"))
            .and_then(|t| serde_json::from_str::<Json>(&t).ok())
        else {
            continue;
        };
        let state = &config["State"];
        let status = if state["Paused"].as_bool() == Some(true) {
            "paused"
        } else if state["Running"].as_bool() == Some(true) {
            "running"
        } else {
            "off"
        };
        let host = ctx
            .read(&format!("{CONTAINERS}/{id}/hostconfig.json"))
            .and_then(|t| serde_json::from_str::<Json>(&t).ok())
            .unwrap_or(Json::Null);
        let memory = host["Memory"]
            .as_i64()
            .filter(|&b| b > 0)
            .map(|b| b / 1_048_576);
        let vcpu = host["NanoCpus"]
            .as_i64()
            .filter(|&n| n > 0)
            .map(|n| (n + 999_999_999) / 1_000_000_000);
        let mut e = Entry::new();
        e.text(
            "NAME",
            config["Name"].as_str().map(|n| n.trim_start_matches('/')),
        )
        .text("UUID", config["ID"].as_str().or(Some(id.as_str())))
        .text("STATUS", Some(status))
        .text("VMTYPE", Some("docker"))
        .text("IMAGE", config["Config"]["Image"].as_str())
        .int("MEMORY", memory)
        .int("VCPU", vcpu);
        if e.get("NAME").is_some() {
            out.push(e);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::fixture::Tree;

    #[test]
    fn containers_from_the_engine_files() {
        let web = r#"{"ID":"4f2a","Name":"/web","State":{"Running":true,"Paused":false},"Config":{"Image":"nginx:1.27"}}"#;
        let db = r#"{"ID":"9c1b","Name":"/db","State":{"Running":false,"Paused":false},"Config":{"Image":"postgres:16"}}"#;
        let tree = Tree::new(&[
            ("/var/lib/docker/containers/4f2a/config.v2.json", web),
            (
                "/var/lib/docker/containers/4f2a/hostconfig.json",
                r#"{"Memory":536870912,"NanoCpus":1500000000}"#,
            ),
            ("/var/lib/docker/containers/9c1b/config.v2.json", db),
            ("/var/lib/docker/containers/bad/config.v2.json", "{not json"),
        ]);
        let options = tree.options();
        let vms = docker(&Context { options: &options });
        assert_eq!(vms.len(), 2);
        let web = &vms[0];
        assert_eq!(web.get_text("NAME").as_deref(), Some("web"));
        assert_eq!(web.get_text("UUID").as_deref(), Some("4f2a"));
        assert_eq!(web.get_text("STATUS").as_deref(), Some("running"));
        assert_eq!(web.get_text("IMAGE").as_deref(), Some("nginx:1.27"));
        assert_eq!(web.get_text("MEMORY").as_deref(), Some("512"));
        assert_eq!(web.get_text("VCPU").as_deref(), Some("2"));
        assert_eq!(vms[1].get_text("STATUS").as_deref(), Some("off"));
        assert!(vms[1].get("MEMORY").is_none());
    }
}
