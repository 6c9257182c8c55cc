//! The hub's side of a forwarded log: lines as a collector received them (any order, resent lines
//! twice, and, from a cloned laptop, two different lines under one sequence number) put back into
//! chains and checked.
//!
//! Every line is checked against the log's header: its signature by the device key the header
//! names (which also binds it to the log id), its canonical form, and its place in the chain (the
//! SHA-256 of the line before it). Then:
//! - a line received twice, byte for byte, is one line (a resent batch);
//! - lines linked by their `prev` hashes make a tree rooted at the header. One path through it is
//!   a **chain**. A tree with one leaf is the usual case; two lines that name the same line before
//!   them start a **fork**: two laptops wrote under one log id and device key (a laptop's folder
//!   copied after use). Every chain is kept;
//! - a line whose `prev` names no line received starts a **gap**: the lines between were not
//!   received (yet). It is kept apart, with the gap named, and joins its chain once the missing
//!   lines arrive;
//! - a line that fails its checks is named with the reason, and kept out.
//!
//! Each chain is written back as a log file in the laptop's own format ([`CollectedLog::chain_file`])
//! that [`verify_collected`] checks (a collected copy has no head file: the device signs the head,
//! and the hub never has the device's key) and that [`crate::read`]-style readers decrypt.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use super::format::{EntryLine, hex, is_canonical, line_hash, signature_holds};
pub use super::verify::verify_collected;
use super::verify::{Genesis, parse_genesis};

/// One line as received, with the log id the collector filed it under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedLine {
    pub log: String,
    pub seq: u64,
    pub line: String,
}

/// One log's received lines, put back together.
#[derive(Debug, Clone, Serialize)]
pub struct CollectedLog {
    pub log_id: String,
    /// The device's audit key (standard base64) from the header; None when no header arrived.
    pub device: Option<String>,
    pub created: Option<DateTime<FixedOffset>>,
    /// The chains, longest first; more than one is a fork.
    pub chains: Vec<Chain>,
    /// Where the chains part: the sequence number of the last line they share.
    pub forked_after: Option<u64>,
    /// Lines that wait for lines before them: (first seq waiting, seq of the line it names).
    pub gaps: Vec<Gap>,
    /// Lines kept out, with why.
    pub rejected: Vec<Rejected>,
    /// Lines received more than once (resent batches), counted once each.
    pub duplicates: u64,
}

/// One path from the header through the received lines.
#[derive(Debug, Clone, Serialize)]
pub struct Chain {
    /// The last sequence number.
    pub last_seq: u64,
    pub last_at: Option<DateTime<FixedOffset>>,
    /// The lines after the header, in order.
    #[serde(skip)]
    pub lines: Vec<String>,
}

/// Lines received after a line that was not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gap {
    /// The first sequence number received after the gap.
    pub resumes_at: u64,
    /// How many lines wait there.
    pub waiting: u64,
}

/// A line kept out, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejected {
    pub seq: u64,
    pub reason: String,
}

impl CollectedLog {
    pub fn is_forked(&self) -> bool {
        self.chains.len() > 1
    }

    /// Chain `i` as a log file's bytes: the header, then its lines, each ending in a newline.
    /// None without a header.
    pub fn chain_file(&self, header: &str, i: usize) -> Option<Vec<u8>> {
        let chain = self.chains.get(i)?;
        let mut out = Vec::with_capacity(
            header.len() + chain.lines.iter().map(|l| l.len() + 1).sum::<usize>() + 1,
        );
        out.extend_from_slice(header.as_bytes());
        out.push(b'\n');
        for line in &chain.lines {
            out.extend_from_slice(line.as_bytes());
            out.push(b'\n');
        }
        Some(out)
    }
}

/// Puts each log's received lines back into chains. Returns per log id its result and its header
/// line (None when no header arrived).
pub fn collect(
    lines: impl IntoIterator<Item = ReceivedLine>,
) -> BTreeMap<String, (CollectedLog, Option<String>)> {
    let mut by_log: BTreeMap<String, Vec<(u64, String)>> = BTreeMap::new();
    for l in lines {
        by_log.entry(l.log).or_default().push((l.seq, l.line));
    }
    by_log
        .into_iter()
        .map(|(log, lines)| {
            let collected = collect_one(&log, lines);
            (log, collected)
        })
        .collect()
}

fn collect_one(log: &str, lines: Vec<(u64, String)>) -> (CollectedLog, Option<String>) {
    let mut out = CollectedLog {
        log_id: log.to_owned(),
        device: None,
        created: None,
        chains: Vec::new(),
        forked_after: None,
        gaps: Vec::new(),
        rejected: Vec::new(),
        duplicates: 0,
    };
    // Byte-identical lines are one line.
    let mut seen = HashSet::new();
    let mut distinct = Vec::new();
    for (seq, line) in lines {
        if seen.insert(line.clone()) {
            distinct.push((seq, line));
        } else {
            out.duplicates += 1;
        }
    }
    // The header: the one seq-0 line that reads as one, for this log id.
    let mut header: Option<(Genesis, String)> = None;
    for (seq, line) in distinct.iter().filter(|(s, _)| *s == 0) {
        match parse_genesis(Path::new("the header"), line.as_bytes()).map_err(|e| e.to_string()) {
            Ok(g) if g.log == log && header.is_none() => header = Some((g, line.clone())),
            Ok(g) if g.log != log => out.rejected.push(Rejected {
                seq: *seq,
                reason: format!("a header of log {} filed under this log", g.log),
            }),
            Ok(_) => out.rejected.push(Rejected {
                seq: *seq,
                reason: "a second, different header for this log (another device key under the same log id)"
                    .into(),
            }),
            Err(reason) => out.rejected.push(Rejected {
                seq: *seq,
                reason,
            }),
        }
    }
    let Some((genesis, header_line)) = header else {
        for (seq, _) in distinct.iter().filter(|(s, _)| *s > 0) {
            out.rejected.push(Rejected {
                seq: *seq,
                reason: "the log's header has not been received, so nothing can be checked".into(),
            });
        }
        return (out, None);
    };
    out.device = Some(genesis.device.clone());
    out.created = Some(genesis.created);

    // Every entry line that passes its own checks, by its hash; its parent is the hash it names.
    struct Node {
        seq: u64,
        at: DateTime<FixedOffset>,
        line: String,
        prev: [u8; 32],
    }
    let mut nodes: HashMap<[u8; 32], Node> = HashMap::new();
    for (seq, line) in distinct.into_iter().filter(|(s, _)| *s > 0) {
        match check_entry(&genesis, seq, &line) {
            Ok((at, prev)) => {
                nodes.insert(
                    line_hash(line.as_bytes()),
                    Node {
                        seq,
                        at,
                        line,
                        prev,
                    },
                );
            }
            Err(reason) => out.rejected.push(Rejected { seq, reason }),
        }
    }
    let root = line_hash(header_line.as_bytes());
    let mut children: HashMap<[u8; 32], Vec<[u8; 32]>> = HashMap::new();
    for (hash, node) in &nodes {
        children.entry(node.prev).or_default().push(*hash);
    }
    for kids in children.values_mut() {
        kids.sort_by_key(|h| (nodes[h].seq, hex(h)));
    }
    // A child must be the next sequence number after its parent.
    let seq_of = |h: &[u8; 32]| if *h == root { 0 } else { nodes[h].seq };

    // Walk the tree from the root; a line whose parent has no valid child after it is a leaf,
    // and each leaf ends one chain (read back through the parents: linear in the chain's length).
    let next_of = |h: &[u8; 32]| -> Vec<[u8; 32]> {
        children
            .get(h)
            .map(|kids| {
                kids.iter()
                    .filter(|k| nodes[*k].seq == seq_of(h) + 1)
                    .copied()
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut leaves = Vec::new();
    let mut stack = vec![root];
    let mut reached = HashSet::from([root]);
    while let Some(h) = stack.pop() {
        let next = next_of(&h);
        if next.is_empty() {
            leaves.push(h);
        }
        if next.len() > 1 {
            let shared = seq_of(&h);
            out.forked_after = Some(out.forked_after.map_or(shared, |f| f.min(shared)));
        }
        for k in next {
            if reached.insert(k) {
                stack.push(k);
            }
        }
    }
    for leaf in leaves {
        let mut lines = Vec::new();
        let mut at = leaf;
        while at != root {
            let node = &nodes[&at];
            lines.push(node.line.clone());
            at = node.prev;
        }
        lines.reverse();
        out.chains.push(Chain {
            last_seq: seq_of(&leaf),
            last_at: (leaf != root).then(|| nodes[&leaf].at),
            lines,
        });
    }
    out.chains.sort_by(|a, b| {
        b.last_seq
            .cmp(&a.last_seq)
            .then_with(|| a.lines.cmp(&b.lines))
    });

    // What was not reached: runs of lines linked to each other, each behind a line not received
    // (a gap), or behind a received line but numbered out of turn (refused).
    let mut waiting: BTreeMap<u64, u64> = BTreeMap::new();
    for (hash, node) in &nodes {
        if reached.contains(hash) {
            continue;
        }
        // The first line of this line's run: follow links while they lead to unreached lines.
        let mut start = node;
        let mut steps = 0;
        while let Some(p) = nodes.get(&start.prev) {
            if reached.contains(&start.prev) || steps > nodes.len() {
                break;
            }
            start = p;
            steps += 1;
        }
        if start.prev == root || reached.contains(&start.prev) {
            if std::ptr::eq(start, node) {
                out.rejected.push(Rejected {
                    seq: node.seq,
                    reason: format!(
                        "it follows entry {} but is numbered {}",
                        seq_of(&node.prev),
                        node.seq
                    ),
                });
            }
        } else {
            *waiting.entry(start.seq).or_default() += 1;
        }
    }
    out.gaps = waiting
        .into_iter()
        .map(|(resumes_at, waiting)| Gap {
            resumes_at,
            waiting,
        })
        .collect();
    out.rejected
        .sort_by(|a, b| a.seq.cmp(&b.seq).then_with(|| a.reason.cmp(&b.reason)));
    (out, Some(header_line))
}

/// One entry line's own checks; its time and the hash it names as the line before it.
fn check_entry(
    genesis: &Genesis,
    seq: u64,
    line: &str,
) -> Result<(DateTime<FixedOffset>, [u8; 32]), String> {
    let entry: EntryLine<'_> =
        serde_json::from_str(line).map_err(|_| "not a readable entry line".to_string())?;
    if entry.seq != seq {
        return Err(format!(
            "filed as entry {seq}, but the line says {}",
            entry.seq
        ));
    }
    if !is_canonical(&entry, line.as_bytes()) {
        return Err("its bytes are not in the form FieldChart writes".into());
    }
    if !signature_holds(&genesis.key, &entry.signed_bytes(&genesis.log), entry.sig) {
        return Err(
            "its signature does not match the log's device key (altered, or another log's)".into(),
        );
    }
    let at = DateTime::parse_from_rfc3339(entry.at)
        .map_err(|_| "its time is not readable".to_string())?;
    let mut prev = [0u8; 32];
    if entry.prev.len() != 64 {
        return Err("its link to the line before is not a SHA-256".into());
    }
    for (i, chunk) in entry.prev.as_bytes().chunks(2).enumerate() {
        let text = std::str::from_utf8(chunk).map_err(|_| "bad link".to_string())?;
        prev[i] = u8::from_str_radix(text, 16)
            .map_err(|_| "its link to the line before is not a SHA-256".to_string())?;
    }
    Ok((at, prev))
}

/// What one line of the hub collector's file is (the JSON line crates/audit-forward's
/// `RsyslogCollector` writes per message).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CollectorLine {
    /// A forwarded audit line, and the host name the collector saw it from.
    Entry { host: String, line: ReceivedLine },
    /// A message under a log id that is not a FieldChart log's (the collector's own start and HUP
    /// markers, another sender on the port).
    Other,
    /// Not a collector line at all.
    Unreadable,
}

/// The longest collector line read: an entry is at most 64 KiB, escaped as JSON.
const MAX_COLLECTOR_LINE: usize = 256 * 1024;

/// Reads one line of the collector's file.
pub fn collector_line(bytes: &[u8]) -> CollectorLine {
    #[derive(Deserialize)]
    struct Raw {
        #[serde(default)]
        host: String,
        log: String,
        seq: u64,
        entry: String,
    }
    if bytes.len() > MAX_COLLECTOR_LINE {
        return CollectorLine::Unreadable;
    }
    match serde_json::from_slice::<Raw>(bytes) {
        Ok(r) if is_log_id(&r.log) => CollectorLine::Entry {
            host: r.host,
            line: ReceivedLine {
                log: r.log,
                seq: r.seq,
                line: r.entry,
            },
        },
        Ok(_) => CollectorLine::Other,
        Err(_) => CollectorLine::Unreadable,
    }
}

/// Whether `id` is a log id as a log header writes it: 32 hex digits (so it can name a folder).
pub fn is_log_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())
}
