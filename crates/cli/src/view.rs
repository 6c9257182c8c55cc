//! `fieldchart search` and `fieldchart record`: the viewer's two questions, on the command line.

use std::process::ExitCode;

use anyhow::{Context, bail};
use chrono::Local;
use fieldchart_query::record::{ItemView, RecordView, record};
use fieldchart_query::search::{SearchResult, search};
use serde::Serialize;

use crate::open::OpenArgs;

#[derive(clap::Args)]
pub struct SearchArgs {
    #[command(flatten)]
    open: OpenArgs,
    /// Print JSON: {"results": [...]}.
    #[arg(long)]
    json: bool,
    /// At most this many results.
    #[arg(long, default_value_t = 20)]
    limit: usize,
    /// Name (kanji, kana, romaji), date of birth (1970-03-12, S45.3.12, 昭和45年…, S45), sex
    /// (男/女/M/F), address fragment, phone number, patient ID, or clinical words; any mix.
    #[arg(required = true, value_name = "QUERY")]
    query: Vec<String>,
}

#[derive(clap::Args)]
pub struct RecordArgs {
    #[command(flatten)]
    open: OpenArgs,
    /// The patient as FACILITY:ID (as search prints it).
    #[arg(long, value_name = "FACILITY:ID")]
    patient: String,
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct SearchOutput<'a> {
    results: &'a [SearchResult],
}

pub fn run_search(a: SearchArgs) -> anyhow::Result<ExitCode> {
    let session = a.open.session()?;
    let today = Local::now().date_naive();
    let results = search(&session, &a.query.join(" "), a.limit, today)?;
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&SearchOutput { results: &results })?
        );
        return Ok(ExitCode::SUCCESS);
    }
    if session.manifest().drill {
        println!("[DRILL — synthetic data]");
    }
    if results.is_empty() {
        println!("no patient matches");
    }
    for r in &results {
        println!(
            "{}:{}  {}  {}  {} ({})  {}歳  {:?}  {}  last contact {}",
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
        );
        for m in &r.matched {
            match &m.item {
                Some(i) => println!(
                    "    {} → {} {}: {} ({})",
                    m.term,
                    i.section,
                    i.at.as_deref().unwrap_or("-"),
                    i.label,
                    i.source.path
                ),
                None => println!("    {} → {}", m.term, m.field),
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn run_record(a: RecordArgs) -> anyhow::Result<ExitCode> {
    let Some((facility, id)) = a.patient.split_once(':') else {
        bail!("--patient takes FACILITY:ID, e.g. 0410610011:0000123");
    };
    let session = a.open.session()?;
    let today = Local::now().date_naive();
    let view = record(&session, facility, id, today)?
        .with_context(|| format!("no patient {id} at facility {facility} in this snapshot"))?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&view)?);
    } else {
        print_record(&view, session.manifest().drill);
    }
    Ok(ExitCode::SUCCESS)
}

fn print_items(title: &str, items: &[ItemView]) {
    println!("{title} ({})", items.len());
    for i in items {
        println!(
            "  {}  {}  [{} {}]",
            i.at.as_deref().unwrap_or("----------"),
            i.label,
            i.source.facility,
            i.source.path
        );
    }
}

fn print_record(v: &RecordView, drill: bool) {
    let p = &v.patient;
    if drill {
        println!("[DRILL — synthetic data]");
    }
    println!(
        "{}:{}  {}  {}  {} ({})  {}歳  {:?}",
        p.row.facility,
        p.row.patient_id,
        p.row.name_kanji.as_deref().unwrap_or("-"),
        p.row.name_kana.as_deref().unwrap_or("-"),
        p.row.dob.as_deref().unwrap_or("-"),
        p.dob_wareki.as_deref().unwrap_or("-"),
        p.age.map(|a| a.to_string()).unwrap_or_else(|| "-".into()),
        p.row.sex,
    );
    println!(
        "data as of {} (facility {}), snapshot {} made {}",
        v.data_as_of
            .facility_data_as_of
            .as_deref()
            .unwrap_or("unknown"),
        v.data_as_of.facility,
        v.data_as_of.snapshot_id,
        v.data_as_of.snapshot_created
    );
    for id in &p.row.id_mismatches {
        println!("WARNING: a file names another patient ID: {id}");
    }
    let s = &v.summary;
    println!("CRITICAL ({})", s.critical_flags.len());
    for f in &s.critical_flags {
        println!(
            "  {}: {}  [{} {}]",
            f.label, f.reason, f.source.facility, f.source.path
        );
    }
    print_items("allergies", &s.allergies);
    print_items("contraindications", &s.contraindications);
    print_items("infections", &s.infections);
    print_items("problems", &s.problems);
    print_items("suspected problems", &s.suspected_problems);
    print_items("current medications", &s.medications);
    print_items("recent labs", &s.recent_labs);
    let h = &v.history;
    println!(
        "history: {} medications, {} labs, {} encounters, {} problems, {} reports, {} documents (--json for all)",
        h.medications.len(),
        h.labs.len(),
        h.encounters.len(),
        h.problems.len(),
        h.reports.len(),
        h.documents.len()
    );
}
