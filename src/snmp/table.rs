//! Walks of several columns at once: each GETBULK (or GETNEXT) names every column still being
//! walked, so a table of N columns and R rows costs about N × R / budget round trips instead of
//! N × R / max-repetitions. Columns end independently; the answer budget adapts to the agent.

use super::client::Session;
use super::credential::Version;
use super::error::{Result, SnmpError};
use super::oid::Oid;
use super::pdu::ErrorStatus;
use super::value::{Value, Varbind};
use super::walker::{WalkEnd, WalkOptions, walk};

/// Varbinds asked per GETBULK answer at first (columns × repetitions); halved on tooBig and
/// quartered on a timeout.
pub const DEFAULT_BUDGET: u32 = 64;

/// Rows a column expected to be short is walked one at a time (a GETBULK non-repeater beside
/// the other columns) before it is walked like them.
pub const NARROW_ROWS: usize = 4;

/// The rows of several columns and the round trips they took.
#[derive(Clone, Debug, Default)]
pub struct ColumnsResult {
    /// One list per requested root, in OID order, without the end markers.
    pub columns: Vec<Vec<Varbind>>,
    /// Requests sent (retransmissions not counted).
    pub requests: u32,
    /// `max_varbinds` (all columns together) ended the walk before every column ended.
    pub limited: bool,
}

struct Column {
    root: Oid,
    rows: Vec<Varbind>,
    done: bool,
    /// Expected to hold few rows: stepped one row per request while other columns run.
    narrow: bool,
}

impl Column {
    fn cursor(&self) -> Oid {
        self.rows
            .last()
            .map_or_else(|| self.root.clone(), |vb| vb.oid.clone())
    }

    /// Takes one answered varbind; false when the column ends with it.
    fn take(&mut self, vb: Varbind) -> bool {
        if matches!(
            vb.value,
            Value::EndOfMibView | Value::NoSuchObject | Value::NoSuchInstance
        ) || !vb.oid.starts_with(&self.root)
            || vb.oid == self.root
        {
            return false;
        }
        if let Some(prev) = self.rows.last()
            && vb.oid <= prev.oid
        {
            tracing::warn!(previous = %prev.oid, received = %vb.oid, "agent returned a non-increasing OID; column walk stopped");
            return false;
        }
        self.rows.push(vb);
        true
    }
}

/// Walks every column under `roots` together. `opts.max_repetitions` caps the repetitions of one
/// GETBULK; `budget` caps columns × repetitions; `opts.max_varbinds` caps the rows of all
/// columns together (then the walk ends, [`ColumnsResult::limited`]). With SNMPv1 (or an agent
/// that mishandles GETBULK) each request is a GETNEXT of every open column.
pub async fn walk_columns(
    session: &Session,
    roots: &[Oid],
    opts: WalkOptions,
    budget: u32,
) -> Result<ColumnsResult> {
    walk_columns_narrow(session, roots, 0, opts, budget).await
}

/// [`walk_columns`], the last `narrow` of `roots` expected to hold few rows (a device's
/// addresses): while other columns are walked, each of those advances one row per request as a
/// GETBULK non-repeater (for its first [`NARROW_ROWS`] rows), so that a short column does not
/// make the agent read as many objects past its end as the long ones need (costly on some
/// agents: Net-SNMP reads its address table again for every object of it).
pub async fn walk_columns_narrow(
    session: &Session,
    roots: &[Oid],
    narrow: usize,
    opts: WalkOptions,
    budget: u32,
) -> Result<ColumnsResult> {
    let first_narrow = roots.len().saturating_sub(narrow);
    let mut cols: Vec<Column> = roots
        .iter()
        .enumerate()
        .map(|(i, r)| Column {
            root: r.clone(),
            rows: Vec::new(),
            done: false,
            narrow: i >= first_narrow,
        })
        .collect();
    let mut bulk = opts.bulk && session.version() != Version::V1;
    let mut budget = budget.max(1);
    let mut shrinks_left = opts.timeout_shrinks;
    let mut requests = 0u32;
    let max = opts.max_varbinds.max(1);
    let mut taken = 0usize;
    loop {
        let mut open: Vec<usize> = (0..cols.len()).filter(|&i| !cols[i].done).collect();
        if open.is_empty() {
            break;
        }
        // Short columns step beside the long ones, asked first (non-repeaters come first).
        let stepping = |c: &Column| bulk && c.narrow && c.rows.len() < NARROW_ROWS;
        let steps = if open.iter().all(|&i| stepping(&cols[i])) {
            0
        } else {
            open.sort_by_key(|&i| !stepping(&cols[i]));
            open.iter().take_while(|&&i| stepping(&cols[i])).count()
        };
        if taken >= max {
            return Ok(ColumnsResult {
                columns: cols.into_iter().map(|c| c.rows).collect(),
                requests,
                limited: true,
            });
        }
        let cursors: Vec<Oid> = open.iter().map(|&i| cols[i].cursor()).collect();
        let n = u32::try_from(open.len() - steps).unwrap_or(u32::MAX);
        let reps = (budget / n).clamp(1, opts.max_repetitions.max(1));
        requests = requests.saturating_add(1);
        let answer = if bulk {
            let steps = u32::try_from(steps).unwrap_or(u32::MAX);
            session.get_bulk(steps, reps, &cursors).await
        } else {
            session.get_next(&cursors).await
        };
        let varbinds = match answer {
            Ok(v) if v.is_empty() && bulk => {
                bulk = false;
                continue;
            }
            Ok(v) => v,
            Err(SnmpError::TooBig { .. }) if bulk && reps > 1 => {
                budget = (budget / 2).max(1);
                continue;
            }
            Err(SnmpError::TooBig { .. }) if open.len() > 1 => {
                // Even one row of every column is too big: one column at a time.
                return finish_one_by_one(session, cols, opts, requests, taken).await;
            }
            Err(SnmpError::TooBig { .. }) if bulk => {
                bulk = false;
                continue;
            }
            Err(SnmpError::Timeout { .. })
                if bulk && (reps > 1 || open.len() > 1) && shrinks_left > 0 =>
            {
                shrinks_left -= 1;
                budget = (budget / 4).max(1);
                if reps == 1 {
                    return finish_one_by_one(session, cols, opts, requests, taken).await;
                }
                continue;
            }
            Err(SnmpError::ErrorStatus {
                status: ErrorStatus::NoSuchName,
                index,
                ..
            }) if !bulk => {
                // SNMPv1: the column at `index` (1-based) is past the end of the MIB.
                match (index as usize).checked_sub(1).and_then(|i| open.get(i)) {
                    Some(&col) => cols[col].done = true,
                    None => open.iter().for_each(|&c| cols[c].done = true),
                }
                continue;
            }
            Err(SnmpError::ErrorStatus { .. }) if bulk => {
                bulk = false;
                continue;
            }
            Err(e) => return Err(e),
        };
        let mut progressed = false;
        let mut ended = vec![false; open.len()];
        let repeated = open.len() - steps;
        for (k, vb) in varbinds.into_iter().enumerate() {
            let slot = if k < steps {
                k
            } else {
                steps + (k - steps) % repeated
            };
            if ended[slot] {
                continue;
            }
            let col = &mut cols[open[slot]];
            let before = col.rows.len();
            if !col.take(vb) {
                ended[slot] = true;
                col.done = true;
            }
            taken += col.rows.len() - before;
            progressed |= col.rows.len() > before || col.done;
        }
        if !progressed {
            // A truncated answer that moved no column: do not loop.
            return finish_one_by_one(session, cols, opts, requests, taken).await;
        }
    }
    Ok(ColumnsResult {
        columns: cols.into_iter().map(|c| c.rows).collect(),
        requests,
        limited: false,
    })
}

/// Walks the columns not finished yet one by one (from their roots), within what is left of
/// `opts.max_varbinds` once `taken` rows are in.
async fn finish_one_by_one(
    session: &Session,
    cols: Vec<Column>,
    opts: WalkOptions,
    mut requests: u32,
    taken: usize,
) -> Result<ColumnsResult> {
    let mut columns = Vec::with_capacity(cols.len());
    let mut limited = false;
    // The rows of the unfinished columns are read again from their roots.
    let mut left = opts.max_varbinds.max(1).saturating_sub(
        taken
            - cols
                .iter()
                .filter(|c| !c.done)
                .map(|c| c.rows.len())
                .sum::<usize>(),
    );
    for col in cols {
        if col.done {
            columns.push(col.rows);
            continue;
        }
        if left == 0 {
            limited = true;
            columns.push(Vec::new());
            continue;
        }
        let one = WalkOptions {
            max_varbinds: left,
            ..opts
        };
        let result = walk(session, &col.root, one).await?;
        requests = requests.saturating_add(result.requests);
        limited |= result.end == WalkEnd::Limit;
        left = left.saturating_sub(result.varbinds.len());
        columns.push(result.varbinds);
    }
    Ok(ColumnsResult {
        columns,
        requests,
        limited,
    })
}
