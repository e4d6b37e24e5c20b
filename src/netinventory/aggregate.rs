//! AGGREGATE: link aggregation membership (IEEE8023-LAG-MIB, Cisco PAgP).
//!
//! dot3adAggPortAttachedAggID gives each member's aggregator ifIndex (0 or the member itself:
//! not aggregated); Cisco's pagpGroupIfIndex gives a channel number n, whose aggregate port is
//! ifIndex n + 5000. The PAgP list replaces the LACP one of the same aggregate.

use std::collections::BTreeMap;

use super::tables::{Tables, int};
use crate::model::Port;

/// dot3adAggPortAttachedAggID (index member ifIndex).
const LACP_ATTACHED_AGG_ID: &[u32] = &[1, 2, 840, 10006, 300, 43, 1, 2, 1, 1, 13];
/// pagpGroupIfIndex (index member ifIndex).
const PAGP_GROUP_IF_INDEX: &[u32] = &[1, 3, 6, 1, 4, 1, 9, 9, 98, 1, 1, 1, 1, 5];

/// Columns read.
pub(super) const COLUMNS: &[&[u32]] = &[LACP_ATTACHED_AGG_ID, PAGP_GROUP_IF_INDEX];

/// Sets AGGREGATE on the aggregate ports.
pub(super) fn apply(t: &Tables, ports: &mut BTreeMap<u32, Port>) {
    let lacp = groups(t, LACP_ATTACHED_AGG_ID, |member, agg| {
        (agg != 0 && agg != i64::from(member)).then_some(agg)
    });
    let pagp = groups(t, PAGP_GROUP_IF_INDEX, |_, channel| {
        (channel > 0).then(|| channel.saturating_add(5000))
    });
    for list in [lacp, pagp] {
        for (aggregate, members) in list {
            let port = u32::try_from(aggregate)
                .ok()
                .and_then(|i| ports.get_mut(&i));
            match port {
                Some(p) => p.aggregate = members,
                None => tracing::debug!(aggregate, "aggregate of an unknown interface, ignored"),
            }
        }
    }
}

/// Members by aggregate, members in the reference agents' order (ifIndexes sorted as text).
fn groups(
    t: &Tables,
    column: &[u32],
    aggregate_of: impl Fn(u32, i64) -> Option<i64>,
) -> BTreeMap<i64, Vec<u32>> {
    let mut rows: Vec<(u32, i64)> = t
        .column_u32(column)
        .filter_map(|(member, v)| Some((member, aggregate_of(member, int(v)?)?)))
        .collect();
    rows.sort_by_key(|(member, _)| member.to_string());
    let mut out: BTreeMap<i64, Vec<u32>> = BTreeMap::new();
    for (member, aggregate) in rows {
        out.entry(aggregate).or_default().push(member);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::l2::fixtures::{int, ports, s, tables};
    use super::*;

    #[test]
    fn lacp_members() {
        let mut p = ports(&[1, 2, 3, 10, 301, 302]);
        let t = tables(vec![
            (LACP_ATTACHED_AGG_ID, &[1], int(301)),
            (LACP_ATTACHED_AGG_ID, &[2], int(301)),
            (LACP_ATTACHED_AGG_ID, &[10], int(301)),
            (LACP_ATTACHED_AGG_ID, &[3], int(0)),
            (LACP_ATTACHED_AGG_ID, &[302], int(302)),
            (LACP_ATTACHED_AGG_ID, &[4], int(999)),
            (LACP_ATTACHED_AGG_ID, &[5], s("none")),
        ]);
        apply(&t, &mut p);
        assert_eq!(p[&301].aggregate, vec![1, 10, 2]);
        assert!(p[&302].aggregate.is_empty());
        assert!(p[&3].aggregate.is_empty());
    }

    #[test]
    fn pagp_channel_plus_5000_overrides_lacp() {
        let mut p = ports(&[1, 2, 3, 5001, 5002]);
        let t = tables(vec![
            (LACP_ATTACHED_AGG_ID, &[3], int(5001)),
            (PAGP_GROUP_IF_INDEX, &[1], int(1)),
            (PAGP_GROUP_IF_INDEX, &[2], int(1)),
            (PAGP_GROUP_IF_INDEX, &[3], int(0)),
            (PAGP_GROUP_IF_INDEX, &[4], int(-2)),
            (PAGP_GROUP_IF_INDEX, &[5], int(i64::MAX)),
        ]);
        apply(&t, &mut p);
        assert_eq!(p[&5001].aggregate, vec![1, 2]);
        assert!(p[&5002].aggregate.is_empty());
    }
}
