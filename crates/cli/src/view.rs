//! `fieldchart search` and `fieldchart record`: the viewer's two questions, on the command line.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context, bail};
use chrono::Local;
use fieldchart_policy::Basis;
use fieldchart_query::QueryError;
use fieldchart_query::record::{ItemView, MemberState, RecordView, record};
use fieldchart_query::search::{Breadth, SearchResult, search};
use fieldchart_session::Viewing;
use serde::Serialize;

use crate::open::{OpenArgs, ViewerArgs};

#[derive(clap::Args)]
pub struct SearchArgs {
    #[command(flatten)]
    open: OpenArgs,
    #[command(flatten)]
    who: ViewerArgs,
    /// Print JSON: {"results": [...]}.
    #[arg(long)]
    json: bool,
    /// At most this many results, best first: from 1 to the snapshot policy's maximum
    /// (session.max_results, 100 by default) [default: 20, or that maximum if lower]. A search
    /// that matches more than the maximum lists nobody and asks you to narrow it.
    #[arg(long, value_name = "N")]
    limit: Option<usize>,
    /// Name (kanji, kana, romaji), date of birth (1970-03-12, S45.3.12, 昭和45年…, S45), sex
    /// (男/女/M/F), address fragment, phone number, patient ID, or clinical words; any mix.
    #[arg(required = true, value_name = "QUERY")]
    query: Vec<String>,
}

#[derive(clap::Args)]
pub struct RecordArgs {
    #[command(flatten)]
    open: OpenArgs,
    #[command(flatten)]
    who: ViewerArgs,
    /// The patient as FACILITY:ID (as search prints it).
    #[arg(long, value_name = "FACILITY:ID")]
    patient: String,
    /// The legal basis for opening a patient the hub has no consent for: vital-interest (the
    /// patient cannot consent and care is needed to protect life) or verbal-consent (the patient
    /// consents now). A patient who refused opens only with --break-glass.
    #[arg(long, value_name = "BASIS", value_parser = parse_basis)]
    basis: Option<Basis>,
    #[arg(long)]
    json: bool,
}

/// Results listed when `--limit` is not given (fewer if the policy's maximum is lower).
const DEFAULT_LIMIT: usize = 20;

#[derive(Serialize)]
struct SearchOutput<'a> {
    results: &'a [SearchResult],
    breadth: Breadth,
    #[serde(flatten)]
    banner: &'a Banner,
}

fn parse_basis(s: &str) -> Result<Basis, String> {
    match s {
        "vital-interest" | "vital" | "生命・身体の保護" => Ok(Basis::VitalInterest),
        "verbal-consent" | "verbal" | "口頭同意" => Ok(Basis::VerbalConsent),
        _ => Err(format!(
            "unknown basis {s:?}: vital-interest or verbal-consent (a refused patient needs --break-glass)"
        )),
    }
}

/// Runs one question in a viewing session and locks it afterwards, whatever the answer: the lock
/// is audited even when the question was refused.
fn in_session<T>(
    mut viewing: Viewing,
    question: impl FnOnce(&mut Viewing) -> Result<T, QueryError>,
) -> anyhow::Result<(T, Banner)> {
    let answer = question(&mut viewing);
    let banner = Banner {
        drill: viewing.manifest().drill,
        break_glass: viewing.break_glass_reason().map(str::to_string),
    };
    viewing.lock()?;
    Ok((answer?, banner))
}

/// What every viewing screen starts with.
#[derive(Serialize)]
struct Banner {
    drill: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    break_glass: Option<String>,
}

impl Banner {
    fn print(&self, out: &mut impl Write) -> std::io::Result<()> {
        if self.drill {
            writeln!(out, "[DRILL — synthetic data]")?;
        }
        if let Some(reason) = &self.break_glass {
            writeln!(
                out,
                "[BREAK-GLASS — emergency override in force, audited for review: {reason}]"
            )?;
        }
        Ok(())
    }
}

pub fn run_search(a: SearchArgs) -> anyhow::Result<ExitCode> {
    let viewing = a.open.viewing(&a.who)?;
    let today = Local::now().date_naive();
    let query = a.query.join(" ");
    let (answer, banner) = in_session(viewing, |v| {
        let max = v.policy().session.max_results as usize;
        search(v, &query, a.limit.unwrap_or(DEFAULT_LIMIT.min(max)), today)
    })?;
    let results = &answer.results;
    let mut out = crate::out::stdout();
    if a.json {
        crate::out::json(
            &mut out,
            &SearchOutput {
                results,
                breadth: answer.breadth,
                banner: &banner,
            },
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    banner.print(&mut out)?;
    match answer.breadth {
        Breadth::TooBroad { more_than } => writeln!(
            out,
            "more than {more_than} patients match {query:?}: none is listed. Narrow the search, \
             e.g. name and date of birth (やまだ はなこ S45.3.12); add sex or address if needed"
        )?,
        Breadth::Within { matches: 0 } => writeln!(out, "no patient matches")?,
        Breadth::Within { matches } if matches as usize > results.len() => writeln!(
            out,
            "{matches} patients match; the best {} are listed (--limit {matches} lists all)",
            results.len()
        )?,
        Breadth::Within { .. } => {}
    }
    for r in results {
        writeln!(
            out,
            "{}:{}  {}  {}  {} ({})  {}歳  {:?}  {}  last contact {}  consent {}",
            r.facility,
            r.patient_id,
            r.name_kanji.as_deref().unwrap_or("-"),
            r.name_kana.as_deref().unwrap_or("-"),
            r.dob.as_deref().unwrap_or("-"),
            r.dob_wareki.as_deref().unwrap_or("-"),
            r.age.map(|a| a.to_string()).unwrap_or_else(|| "-".into()),
            r.sex,
            r.address.as_deref().unwrap_or("-"),
            r.last_contact.as_deref().unwrap_or("-"),
            r.consent.as_str(),
        )?;
        for m in &r.matched {
            match &m.item {
                Some(i) => writeln!(
                    out,
                    "    {} → {} {}: {} ({})",
                    m.term,
                    i.section,
                    i.at.as_deref().unwrap_or("-"),
                    i.label,
                    i.source.path
                )?,
                None => writeln!(out, "    {} → {}", m.term, m.field)?,
            }
        }
        for l in &r.linked {
            writeln!(
                out,
                "    same person (linked by the hub, {}): {}:{}  last contact {}{}",
                l.via,
                l.facility,
                l.patient_id,
                l.last_contact.as_deref().unwrap_or("-"),
                if l.held {
                    ""
                } else {
                    "  (no data in this snapshot)"
                }
            )?;
        }
        for w in &r.warnings {
            writeln!(out, "    WARNING: {w} across the linked facilities")?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn run_record(a: RecordArgs) -> anyhow::Result<ExitCode> {
    let Some((facility, id)) = a.patient.split_once(':') else {
        bail!("--patient takes FACILITY:ID, e.g. 0410610011:0000123");
    };
    let viewing = a.open.viewing(&a.who)?;
    let today = Local::now().date_naive();
    let (view, banner) = in_session(viewing, |v| record(v, facility, id, a.basis, today))?;
    let view =
        view.with_context(|| format!("no patient {id} at facility {facility} in this snapshot"))?;
    let mut out = crate::out::stdout();
    if a.json {
        crate::out::json(&mut out, &view)?;
    } else {
        banner.print(&mut out)?;
        print_record(&mut out, &view)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn print_items(out: &mut impl Write, title: &str, items: &[ItemView]) -> std::io::Result<()> {
    writeln!(out, "{title} ({})", items.len())?;
    for i in items {
        writeln!(
            out,
            "  {}  {}{}  [{} {}]",
            i.at.as_deref().unwrap_or("----------"),
            i.label,
            problem_standing(i),
            i.source.facility,
            i.source.path
        )?;
    }
    Ok(())
}

/// For a problem: how it stands and its outcome (PRB-14 code and text as written, PRB-9 date).
fn problem_standing(i: &ItemView) -> String {
    let (Some(standing), fieldchart_store::rows::Entry::Problem(p)) = (&i.standing, &i.entry)
    else {
        return String::new();
    };
    let mut words = vec![standing.reason.as_str().replace('_', " ")];
    if let Some(o) = &p.outcome {
        let code = o.code.as_deref().or(o.local_code.as_deref());
        let text = Some(o.text.as_str()).filter(|t| !t.is_empty() && Some(*t) != code);
        let written: Vec<&str> = [code, text].into_iter().flatten().collect();
        words.push(format!("outcome {}", written.join(" ")));
    }
    if let Some(date) = &p.resolved {
        words.push(format!("outcome date {date}"));
    }
    format!("  ({})", words.join(", "))
}

fn print_record(out: &mut impl Write, v: &RecordView) -> std::io::Result<()> {
    let p = &v.patient;
    writeln!(
        out,
        "{}:{}  {}  {}  {} ({})  {}歳  {:?}",
        p.row.facility,
        p.row.patient_id,
        p.row.name_kanji.as_deref().unwrap_or("-"),
        p.row.name_kana.as_deref().unwrap_or("-"),
        p.row.dob.as_deref().unwrap_or("-"),
        p.dob_wareki.as_deref().unwrap_or("-"),
        p.age.map(|a| a.to_string()).unwrap_or_else(|| "-".into()),
        p.row.sex,
    )?;
    writeln!(
        out,
        "data as of {} (facility {}), snapshot {} made {}",
        v.data_as_of
            .facility_data_as_of
            .as_deref()
            .unwrap_or("unknown"),
        v.data_as_of.facility,
        v.data_as_of.snapshot_id,
        v.data_as_of.snapshot_created
    )?;
    // The person's other identifiers: each facility's part of this record, or why it is not.
    let header = (p.row.facility.as_str(), p.row.patient_id.as_str());
    for m in v
        .members
        .iter()
        .filter(|m| (m.facility.as_str(), m.patient_id.as_str()) != header)
    {
        let state = match m.state {
            MemberState::Shown => format!(
                "included, data as of {}",
                m.data_as_of
                    .as_ref()
                    .and_then(|d| d.facility_data_as_of.as_deref())
                    .unwrap_or("unknown")
            ),
            MemberState::Withheld => format!(
                "NOT shown: {}",
                m.withheld_because.as_deref().unwrap_or("withheld")
            ),
            MemberState::NotHeld => "not in this snapshot".to_string(),
        };
        writeln!(
            out,
            "same person (linked by the hub, {}): {}:{}{}  {state}",
            m.via.as_deref().unwrap_or("opened"),
            m.facility,
            m.patient_id,
            if m.opened { " (the ID opened)" } else { "" },
        )?;
    }
    for m in &v.possibly {
        writeln!(
            out,
            "possibly the same person (NOT confirmed by the hub, not part of this record, {}): \
             {}:{} {}  agree: {}{}",
            m.strength,
            m.facility,
            m.patient_id,
            m.identity.name_kanji.as_deref().unwrap_or("-"),
            m.agree.join(", "),
            if m.differ.is_empty() {
                String::new()
            } else {
                format!("; differ: {}", m.differ.join(", "))
            },
        )?;
    }
    let access = &v.access;
    writeln!(
        out,
        "opened on {} (consent: {}){}",
        access.basis.as_str(),
        access.consent.as_str(),
        access
            .since
            .map(|d| format!("; items before {d} not shown to your profession"))
            .unwrap_or_default()
    )?;
    if !access.withheld.is_empty() {
        let names: Vec<&str> = access.withheld.iter().map(|a| a.as_str()).collect();
        writeln!(
            out,
            "withheld by policy (not shown to your profession): {}",
            names.join(", ")
        )?;
    }
    for id in &p.row.id_mismatches {
        writeln!(out, "WARNING: a file names another patient ID: {id}")?;
    }
    for c in &p.row.contacts {
        let relationship = c
            .relationship
            .as_deref()
            .map(|r| format!(" ({r})"))
            .unwrap_or_default();
        writeln!(
            out,
            "next of kin: {}{relationship}  {}",
            c.name.as_deref().unwrap_or("-"),
            c.phones.join(", ")
        )?;
    }
    let s = &v.summary;
    writeln!(out, "CRITICAL ({})", s.critical_flags.len())?;
    for f in &s.critical_flags {
        let dose = f
            .dose
            .as_deref()
            .map(|d| format!(" {d}"))
            .unwrap_or_default();
        writeln!(
            out,
            "  {}: {}{dose}  [{} {} {}]",
            f.label,
            f.reason,
            f.source.facility,
            f.at.as_deref().unwrap_or("-"),
            f.source.path
        )?;
    }
    print_items(out, "allergies", &s.allergies)?;
    print_items(out, "contraindications", &s.contraindications)?;
    print_items(out, "infections", &s.infections)?;
    print_items(out, "problems", &s.problems)?;
    print_items(out, "suspected problems", &s.suspected_problems)?;
    print_items(out, "current medications", &s.medications)?;
    print_items(out, "recent labs", &s.recent_labs)?;
    let h = &v.history;
    writeln!(
        out,
        "history: {} medications, {} labs, {} lab orders, {} encounters, {} diet orders, {} problems, {} reports, {} documents (--json for all)",
        h.medications.len(),
        h.labs.len(),
        h.lab_orders.len(),
        h.encounters.len(),
        h.diet.len(),
        h.problems.len(),
        h.reports.len(),
        h.documents.len()
    )?;
    Ok(())
}
