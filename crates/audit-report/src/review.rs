//! The privacy officer's review of a decrypted log (requirements AUD-18 `audit review`).
//!
//! [`review`] answers the questions a privacy officer asks after a disaster: who used break-glass,
//! when, why, and which patients they opened under it until they locked; which records were opened
//! without the hub's consent and on what legal basis; what the policy refused; which unlocks
//! failed; where the snapshot was found damaged after unlock; when the clock could not be trusted;
//! and how many records each person viewed. Lists are
//! sorted by time; every item says whether it happened in a drill.
//!
//! It reads the records in log order (per device, by sequence number) to follow sessions, because
//! a break-glass lasts until the lock of its own session, whatever the wall clock said. It never
//! fails: an override whose start is missing from the records given (a log cut short, or a filtered
//! export) is still reported, from the reason every later entry carries, with `started: None`.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt::Write as _;

use chrono::{DateTime, FixedOffset};
use fieldchart_audit::{Actor, ClockAnomaly, Event, LegalBasis, PatientRef, Record};
use serde::Serialize;

use crate::message::{basis_name, clock_description, device_tag, patient_id};
use crate::text;

/// Where and when something happened: enough to find the entry in the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EntryRef {
    /// The laptop's audit key.
    pub device: String,
    pub seq: u64,
    pub at: DateTime<FixedOffset>,
    /// The viewing session, when the entry had one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
    /// The session was a drill, not a disaster.
    pub drill: bool,
}

/// Who acted, as declared. The clerk authorisation code is deliberately absent (requirements POL-5,
/// AUD-18: recorded, never shown in review).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Person {
    pub name: String,
    pub profession: String,
    pub team: String,
    /// The disaster or drill they declared they were responding to.
    pub event: String,
}

/// One break-glass use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BreakGlassUse {
    /// The break-glass entry; `None` when it is not among the records (only later entries, which
    /// carry its reason, are).
    pub started: Option<EntryRef>,
    pub who: Option<Person>,
    pub reason: String,
    /// The patient named when break-glass was chosen, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patient: Option<PatientRef>,
    /// Patients opened, printed or exported while it was in force, in log order.
    pub opened: Vec<OpenedUnderBreakGlass>,
    /// The lock that ended it; `None` when no lock follows in the records (the session was still
    /// open, or the laptop stopped without locking).
    pub ended: Option<EntryRef>,
    pub drill: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpenedUnderBreakGlass {
    pub entry: EntryRef,
    pub patient: PatientRef,
    /// `record-view`, `print` or `export`.
    pub action: &'static str,
    /// The sections shown (record views only).
    pub sections: Vec<String>,
}

/// A record opened without the hub's consent: on verbal consent, the vital-interest exception or
/// break-glass.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnconsentedView {
    pub entry: EntryRef,
    pub who: Option<Person>,
    pub patient: PatientRef,
    pub basis: LegalBasis,
    pub sections: Vec<String>,
    /// The break-glass reason in force, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub break_glass: Option<String>,
}

/// A request the policy refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RefusalNote {
    pub entry: EntryRef,
    pub who: Option<Person>,
    pub action: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patient: Option<PatientRef>,
    pub rule: String,
    pub message: String,
}

/// An unlock that failed (wrong key or passphrase, damaged or expired snapshot).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FailedUnlock {
    pub entry: EntryRef,
    /// Who tried, when they had declared themselves.
    pub who: Option<Person>,
    pub file: String,
    pub reason: String,
}

/// A part of the snapshot that failed its check when read after unlock: what was being done, by
/// whom, for which patient, and what the vault said.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SnapshotDamage {
    pub entry: EntryRef,
    pub who: Option<Person>,
    /// `search`, `record` or `document`, as the laptop wrote it.
    pub action: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patient: Option<PatientRef>,
    /// The vault's message (which part, which block).
    pub reason: String,
}

/// How a clock anomaly came to light.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClockSource {
    /// A `clock-anomaly` entry.
    Event,
    /// Entries written while the clock looked wrong (their `clock.anomaly`).
    Flagged,
}

/// A clock anomaly, or a run of consecutive entries flagged with the same kind of anomaly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClockFinding {
    pub source: ClockSource,
    pub first: EntryRef,
    pub last: EntryRef,
    /// How many entries the finding covers.
    pub entries: u64,
    /// The first entry's anomaly.
    pub anomaly: ClockAnomaly,
    pub description: String,
}

/// A person as counted across sessions: the same name, profession and team, whatever event they
/// declared each time.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Viewer {
    pub name: String,
    pub profession: String,
    pub team: String,
}

/// How many records one person viewed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PersonViews {
    /// `None`: views logged before anyone declared themselves.
    pub person: Option<Viewer>,
    pub views: u64,
    /// Of those, views in drill sessions.
    pub drill_views: u64,
    /// Distinct patients viewed.
    pub patients: u64,
}

/// What the privacy officer reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Review {
    pub entries: u64,
    /// The laptops whose entries were reviewed.
    pub devices: Vec<String>,
    pub first: Option<DateTime<FixedOffset>>,
    pub last: Option<DateTime<FixedOffset>>,
    pub break_glass: Vec<BreakGlassUse>,
    pub unconsented_views: Vec<UnconsentedView>,
    pub refusals: Vec<RefusalNote>,
    pub failed_unlocks: Vec<FailedUnlock>,
    /// Damage found after unlock. Left out of the JSON and the text when there is none: a log from
    /// before this entry existed reviews exactly as it always did.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub snapshot_damage: Vec<SnapshotDamage>,
    pub clock_anomalies: Vec<ClockFinding>,
    /// Power cuts the log was repaired after.
    pub log_repairs: Vec<LogRepair>,
    pub views_by_person: Vec<PersonViews>,
}

/// A power cut's unfinished entry, cut off when the log was next opened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogRepair {
    pub entry: EntryRef,
    pub after_seq: u64,
    pub discarded_bytes: u64,
}

/// Review `records` (any order; from one log or several).
pub fn review(records: &[Record]) -> Review {
    let mut in_log_order: Vec<&Record> = records.iter().collect();
    in_log_order.sort_by(|a, b| (&a.device, a.seq).cmp(&(&b.device, b.seq)));

    let mut uses: Vec<BreakGlassUse> = Vec::new();
    // The use in force per (device, session).
    let mut active: HashMap<(&str, &str), usize> = HashMap::new();
    let mut unconsented_views = Vec::new();
    let mut refusals = Vec::new();
    let mut failed_unlocks = Vec::new();
    let mut snapshot_damage = Vec::new();
    let mut log_repairs = Vec::new();
    let mut views: BTreeMap<Option<Viewer>, (u64, u64, HashSet<&PatientRef>)> = BTreeMap::new();

    for record in &in_log_order {
        let entry = &record.entry;
        let here = entry_ref(record);
        let who = entry.actor.as_ref().map(person);
        let session_key = (
            record.device.as_str(),
            entry.session.as_ref().map_or("", |s| s.session_id.as_str()),
        );

        match &entry.event {
            Event::BreakGlass { reason, patient } => {
                active.insert(session_key, uses.len());
                uses.push(BreakGlassUse {
                    started: Some(here.clone()),
                    who: who.clone(),
                    reason: reason.clone(),
                    patient: patient.clone(),
                    opened: Vec::new(),
                    ended: None,
                    drill: here.drill,
                });
            }
            Event::Lock => match active.remove(&session_key) {
                Some(i) => {
                    if let Some(used) = uses.get_mut(i) {
                        used.ended = Some(here.clone());
                    }
                }
                // Ends an override whose start is not among the records.
                None => {
                    if let Some(reason) = &entry.break_glass {
                        uses.push(BreakGlassUse {
                            started: None,
                            who: who.clone(),
                            reason: reason.clone(),
                            patient: None,
                            opened: Vec::new(),
                            ended: Some(here.clone()),
                            drill: here.drill,
                        });
                    }
                }
            },
            _ => {}
        }

        let opened = match &entry.event {
            Event::RecordView {
                patient, sections, ..
            } => Some((patient, "record-view", sections.clone())),
            Event::Print {
                patient: Some(patient),
                ..
            } => Some((patient, "print", Vec::new())),
            Event::Export {
                patient: Some(patient),
                ..
            } => Some((patient, "export", Vec::new())),
            _ => None,
        };
        if let Some((patient, action, sections)) = opened {
            let in_force = match active.get(&session_key) {
                Some(&i) => Some(i),
                // The override's start is not among the records, but this entry says one is in
                // force: report it from what this entry carries.
                None => entry.break_glass.as_ref().map(|reason| {
                    active.insert(session_key, uses.len());
                    uses.push(BreakGlassUse {
                        started: None,
                        who: who.clone(),
                        reason: reason.clone(),
                        patient: None,
                        opened: Vec::new(),
                        ended: None,
                        drill: here.drill,
                    });
                    uses.len() - 1
                }),
            };
            if let Some(used) = in_force.and_then(|i| uses.get_mut(i)) {
                used.opened.push(OpenedUnderBreakGlass {
                    entry: here.clone(),
                    patient: patient.clone(),
                    action,
                    sections,
                });
            }
        }

        match &entry.event {
            Event::RecordView {
                patient,
                sections,
                basis,
                linked,
                ..
            } => {
                let viewer = entry.actor.as_ref().map(|a| Viewer {
                    name: a.name.clone(),
                    profession: a.profession.clone(),
                    team: a.team.clone(),
                });
                let counts = views.entry(viewer).or_default();
                counts.0 += 1;
                if here.drill {
                    counts.1 += 1;
                }
                counts.2.insert(patient);
                // A linked person's other identifiers were shown too: each is a patient seen.
                counts.2.extend(linked.iter());
                if *basis != LegalBasis::Consent {
                    unconsented_views.push(UnconsentedView {
                        entry: here.clone(),
                        who: who.clone(),
                        patient: patient.clone(),
                        basis: *basis,
                        sections: sections.clone(),
                        break_glass: entry.break_glass.clone(),
                    });
                }
            }
            Event::Refusal {
                action,
                patient,
                rule,
                message,
            } => refusals.push(RefusalNote {
                entry: here.clone(),
                who: who.clone(),
                action: action.clone(),
                patient: patient.clone(),
                rule: rule.clone(),
                message: message.clone(),
            }),
            Event::UnlockFailed { file, reason } => failed_unlocks.push(FailedUnlock {
                entry: here.clone(),
                who: who.clone(),
                file: file.clone(),
                reason: reason.clone(),
            }),
            Event::SnapshotDamaged {
                action,
                patient,
                reason,
            } => snapshot_damage.push(SnapshotDamage {
                entry: here.clone(),
                who: who.clone(),
                action: action.clone(),
                patient: patient.clone(),
                reason: reason.clone(),
            }),
            Event::LogRepaired {
                after_seq,
                discarded_bytes,
            } => log_repairs.push(LogRepair {
                entry: here.clone(),
                after_seq: *after_seq,
                discarded_bytes: *discarded_bytes,
            }),
            _ => {}
        }
    }

    let mut clock_anomalies = clock_findings(&in_log_order);

    uses.sort_by(|a, b| {
        let first = |u: &BreakGlassUse| {
            u.started
                .clone()
                .or_else(|| u.opened.first().map(|o| o.entry.clone()))
        };
        by_time(first(a).as_ref(), first(b).as_ref())
    });
    unconsented_views.sort_by(|a, b| by_time(Some(&a.entry), Some(&b.entry)));
    refusals.sort_by(|a, b| by_time(Some(&a.entry), Some(&b.entry)));
    failed_unlocks.sort_by(|a, b| by_time(Some(&a.entry), Some(&b.entry)));
    snapshot_damage.sort_by(|a, b| by_time(Some(&a.entry), Some(&b.entry)));
    log_repairs.sort_by(|a: &LogRepair, b: &LogRepair| by_time(Some(&a.entry), Some(&b.entry)));
    clock_anomalies.sort_by(|a, b| by_time(Some(&a.first), Some(&b.first)));

    let mut views_by_person: Vec<PersonViews> = views
        .into_iter()
        .map(|(person, (views, drill_views, patients))| PersonViews {
            person,
            views,
            drill_views,
            patients: patients.len() as u64,
        })
        .collect();
    views_by_person.sort_by(|a, b| b.views.cmp(&a.views).then_with(|| a.person.cmp(&b.person)));

    let devices: BTreeSet<&str> = records.iter().map(|r| r.device.as_str()).collect();
    Review {
        entries: records.len() as u64,
        devices: devices.into_iter().map(str::to_owned).collect(),
        first: records.iter().map(|r| r.at).min(),
        last: records.iter().map(|r| r.at).max(),
        break_glass: uses,
        unconsented_views,
        refusals,
        failed_unlocks,
        snapshot_damage,
        clock_anomalies,
        log_repairs,
        views_by_person,
    }
}

/// Earlier first; entries at the same instant in log order. Items without a time go last.
fn by_time(a: Option<&EntryRef>, b: Option<&EntryRef>) -> std::cmp::Ordering {
    let key = |e: Option<&EntryRef>| e.map(|e| (e.at, e.device.clone(), e.seq));
    match (key(a), key(b)) {
        (Some(a), Some(b)) => a.cmp(&b),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    }
}

/// `clock-anomaly` entries one finding each; other entries flagged with an anomaly grouped into
/// runs of consecutive entries of one log with the same kind of anomaly. A `clock-anomaly` entry's
/// own flag (the same anomaly, reported twice) is not counted again.
fn clock_findings(in_log_order: &[&Record]) -> Vec<ClockFinding> {
    let mut findings: Vec<ClockFinding> = Vec::new();
    let mut run: Option<ClockFinding> = None;
    for record in in_log_order {
        let entry = &record.entry;
        if let Event::ClockAnomaly { anomaly } = &entry.event {
            findings.push(ClockFinding {
                source: ClockSource::Event,
                first: entry_ref(record),
                last: entry_ref(record),
                entries: 1,
                anomaly: anomaly.clone(),
                description: clock_description(anomaly),
            });
            if entry.clock.anomaly.as_ref() == Some(anomaly) {
                continue;
            }
        }
        let Some(anomaly) = &entry.clock.anomaly else {
            findings.extend(run.take());
            continue;
        };
        let continues = run.as_ref().is_some_and(|r| {
            r.last.device == record.device
                && r.last.seq.checked_add(1) == Some(record.seq)
                && std::mem::discriminant(&r.anomaly) == std::mem::discriminant(anomaly)
        });
        if continues {
            if let Some(r) = run.as_mut() {
                r.last = entry_ref(record);
                r.entries += 1;
            }
        } else {
            findings.extend(run.take());
            run = Some(ClockFinding {
                source: ClockSource::Flagged,
                first: entry_ref(record),
                last: entry_ref(record),
                entries: 1,
                anomaly: anomaly.clone(),
                description: clock_description(anomaly),
            });
        }
    }
    findings.extend(run);
    findings
}

fn entry_ref(record: &Record) -> EntryRef {
    EntryRef {
        device: record.device.clone(),
        seq: record.seq,
        at: record.at,
        session: record.entry.session.as_ref().map(|s| s.session_id.clone()),
        drill: record.entry.session.as_ref().is_some_and(|s| s.drill),
    }
}

fn person(actor: &Actor) -> Person {
    Person {
        name: actor.name.clone(),
        profession: actor.profession.clone(),
        team: actor.team.clone(),
        event: actor.event.clone(),
    }
}

impl Review {
    /// The review as plain text, one item per line (with indented detail lines). Every untrusted
    /// string is shown with its control characters escaped, so nothing typed on a laptop can add
    /// or disguise a line.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let several_devices = self.devices.len() > 1;
        let at = |e: &EntryRef| {
            let seq = if several_devices {
                format!("{}#{}", device_tag(&e.device), e.seq)
            } else {
                format!("#{}", e.seq)
            };
            let drill = if e.drill { "  [DRILL]" } else { "" };
            format!("{}  {seq}{drill}", e.at.format("%Y-%m-%d %H:%M:%S %:z"))
        };

        out.push_str("FieldChart audit review\n");
        let _ = write!(
            out,
            "{} entries from {} device{}",
            self.entries,
            self.devices.len(),
            if self.devices.len() == 1 { "" } else { "s" }
        );
        if let (Some(first), Some(last)) = (self.first, self.last) {
            let _ = write!(
                out,
                ", {} to {}",
                first.format("%Y-%m-%d %H:%M:%S %:z"),
                last.format("%Y-%m-%d %H:%M:%S %:z")
            );
        }
        out.push('\n');
        for device in &self.devices {
            let _ = writeln!(
                out,
                "  device {}: {}",
                device_tag(device),
                text::line(device)
            );
        }

        section(&mut out, "Break-glass", self.break_glass.len());
        for used in &self.break_glass {
            let start = match &used.started {
                Some(e) => at(e),
                None => "(start not in these entries)".to_owned(),
            };
            let drill = if used.started.is_none() && used.drill {
                "  [DRILL]"
            } else {
                ""
            };
            let _ = writeln!(out, "  {start}{drill}  {}", who(used.who.as_ref()));
            let _ = writeln!(out, "      reason: {}", text::line(&used.reason));
            if let Some(patient) = &used.patient {
                let _ = writeln!(out, "      for patient: {}", patient_text(patient));
            }
            if used.opened.is_empty() {
                out.push_str("      opened: nothing\n");
            }
            for opened in &used.opened {
                let sections = if opened.sections.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", list(&opened.sections))
                };
                let _ = writeln!(
                    out,
                    "      opened: {}  {} {}{sections}",
                    at(&opened.entry),
                    patient_text(&opened.patient),
                    opened.action
                );
            }
            match &used.ended {
                Some(e) => {
                    let _ = writeln!(out, "      ended: {} (lock)", at(e));
                }
                None => out.push_str("      ended: no lock in these entries\n"),
            }
        }

        section(
            &mut out,
            "Records opened without hub consent",
            self.unconsented_views.len(),
        );
        for view in &self.unconsented_views {
            let _ = writeln!(
                out,
                "  {}  {}  {}  basis: {}",
                at(&view.entry),
                who(view.who.as_ref()),
                patient_text(&view.patient),
                basis_name(view.basis)
            );
            let _ = writeln!(out, "      sections: {}", list(&view.sections));
            if let Some(reason) = &view.break_glass {
                let _ = writeln!(out, "      break-glass: {}", text::line(reason));
            }
        }

        section(&mut out, "Refusals", self.refusals.len());
        for refusal in &self.refusals {
            let patient = after_space(refusal.patient.as_ref());
            let _ = writeln!(
                out,
                "  {}  {}  {}{patient}  rule: {}",
                at(&refusal.entry),
                who(refusal.who.as_ref()),
                text::line(&refusal.action),
                text::line(&refusal.rule)
            );
            let _ = writeln!(out, "      shown: {}", text::line(&refusal.message));
        }

        section(&mut out, "Failed unlocks", self.failed_unlocks.len());
        for failed in &self.failed_unlocks {
            let _ = writeln!(
                out,
                "  {}  {}  {}: {}",
                at(&failed.entry),
                who(failed.who.as_ref()),
                text::line(&failed.file),
                text::line(&failed.reason)
            );
        }

        if !self.snapshot_damage.is_empty() {
            section(
                &mut out,
                "Snapshot found damaged after unlock",
                self.snapshot_damage.len(),
            );
        }
        for damage in &self.snapshot_damage {
            let patient = after_space(damage.patient.as_ref());
            let _ = writeln!(
                out,
                "  {}  {}  {}{patient}",
                at(&damage.entry),
                who(damage.who.as_ref()),
                text::line(&damage.action)
            );
            let _ = writeln!(out, "      reason: {}", text::line(&damage.reason));
        }

        section(&mut out, "Clock anomalies", self.clock_anomalies.len());
        for finding in &self.clock_anomalies {
            let what = match finding.source {
                ClockSource::Event => "reported".to_owned(),
                ClockSource::Flagged if finding.entries == 1 => "flagged on this entry".to_owned(),
                ClockSource::Flagged => format!(
                    "flagged on {} entries, to #{}",
                    finding.entries, finding.last.seq
                ),
            };
            let _ = writeln!(
                out,
                "  {}  {what}: {}",
                at(&finding.first),
                finding.description
            );
        }

        section(
            &mut out,
            "Audit log repaired after a power cut",
            self.log_repairs.len(),
        );
        for repair in &self.log_repairs {
            let _ = writeln!(
                out,
                "  {}  {} bytes of an unfinished entry after #{} cut off; nothing finished was lost",
                at(&repair.entry),
                repair.discarded_bytes,
                repair.after_seq
            );
        }

        section(
            &mut out,
            "Records viewed per person",
            self.views_by_person.len(),
        );
        for counts in &self.views_by_person {
            let drill = if counts.drill_views > 0 {
                format!(", {} in drills", counts.drill_views)
            } else {
                String::new()
            };
            let viewer = match &counts.person {
                Some(v) => format!(
                    "{} ({}, {})",
                    text::line(&v.name),
                    text::line(&v.profession),
                    text::line(&v.team)
                ),
                None => "(not declared)".to_owned(),
            };
            let _ = writeln!(
                out,
                "  {viewer}: {} view{} of {} patient{}{drill}",
                counts.views,
                if counts.views == 1 { "" } else { "s" },
                counts.patients,
                if counts.patients == 1 { "" } else { "s" },
            );
        }
        out
    }
}

fn section(out: &mut String, title: &str, count: usize) {
    let _ = write!(out, "\n{title} ({count})\n");
    if count == 0 {
        out.push_str("  none\n");
    }
}

fn who(person: Option<&Person>) -> String {
    match person {
        Some(p) => format!(
            "{} ({}, {}; {})",
            text::line(&p.name),
            text::line(&p.profession),
            text::line(&p.team),
            text::line(&p.event)
        ),
        None => "(not declared)".to_owned(),
    }
}

fn patient_text(patient: &PatientRef) -> String {
    text::line(&patient_id(patient)).into_owned()
}

/// The patient, when there is one, as ` facility:id` to follow the action on its line.
fn after_space(patient: Option<&PatientRef>) -> String {
    patient
        .map(|p| format!(" {}", patient_text(p)))
        .unwrap_or_default()
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        return "none".to_owned();
    }
    items
        .iter()
        .map(|s| text::line(s).into_owned())
        .collect::<Vec<_>>()
        .join(", ")
}
