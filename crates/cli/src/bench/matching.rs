//! `fieldchart bench match`: probable matching (issue 15 §4) on a generated region with matching
//! traps, against the generator's ground truth (`match-truth.tsv`).
//!
//! The identity fields come through the path a base build takes: the reader, then the build's own
//! patient row of record ([`fieldchart_build::demographics`]); the real matcher runs with the
//! region's `pix-xref.tsv` links left out exactly as the build leaves them out. Reported: recall
//! over the pairs that are one person (probable and weaker, apart and together), precision over
//! every suggestion (one between two people the generator made unrelated counts as false), twin
//! pairs suggested, suggestions whose dates of birth or sexes differ, whether search reads each
//! trap person's date of birth back from its era forms (PID-7 cannot hold one), and the matcher's
//! time per patient against reading the same identity fields, measured in the same run.
//!
//! Goals: recall ≥ 99% (probable, weaker and all), no twin pair suggested, no suggestion across
//! a differing date of birth or sex. Like the other benches it reports whether each is met and
//! exits 0 either way; `crates/cli/tests/matching.rs` asserts them on a small region.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chrono::NaiveDate;
use fieldchart_identity::Member;
use fieldchart_identity::matching::{Demographics, Strength, Suggestion, probable_matches_unless};
use fieldchart_reader::read::Storage;
use fieldchart_synth::{Expected, TRUTH_FILE, TRUTH_HEADER, TrapKind};
use serde::Serialize;

use super::snapshot::region_links;
use crate::roots::region_roots;

#[derive(clap::Args)]
pub struct MatchArgs {
    /// Ordinary patients in the region (the traps' registrations come on top).
    #[arg(long, value_name = "N", default_value_t = 20_000)]
    patients: u64,
    /// Facilities in the region (at least 2).
    #[arg(long, default_value_t = 3)]
    facilities: u32,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Matching-trap cases (two registrations each) [default: one per 20 patients, a multiple
    /// of the 7 kinds, at least 70].
    #[arg(long, value_name = "N")]
    traps: Option<u64>,
    /// Where regions are kept (and reused by later runs).
    #[arg(long, value_name = "DIR", default_value = "bench-out")]
    dir: PathBuf,
    /// Timed runs of reading and of matching; the best of each is reported.
    #[arg(long, default_value_t = 3)]
    runs: u32,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

/// The share of the expected pairs that must be found.
const GOAL_RECALL: f64 = 0.99;
/// Missed pairs and false suggestions listed in the report, at most.
const LISTED: usize = 20;

#[derive(Serialize)]
struct Report {
    region: String,
    /// Registrations read (ordinary patients and the traps').
    patients: u64,
    facilities: u32,
    trap_cases: u64,
    /// Identifiers `pix-xref.tsv` links: pairs among them are never suggested.
    linked_identifiers: u64,
    recall: Recalls,
    suggestions: Counts,
    /// The suggestions per facility pair and strength, as a base build's summary counts them
    /// (`probable_matches`).
    by_facility_pair: fieldchart_build::ProbableCounts,
    /// Suggestions on a pair that is one person (`probable` or `weaker` in the truth).
    true_suggestions: u64,
    /// `true_suggestions` / all suggestions.
    precision: f64,
    precision_probable: f64,
    precision_weaker: f64,
    /// False suggestions by what the pair was.
    false_suggestions: FalseSuggestions,
    /// Suggestions whose two sides disagree on date of birth or sex (from the data, not the truth).
    across_dob_or_sex: u64,
    /// Per trap kind: cases, suggested, suggested at the expected strength.
    kinds: BTreeMap<TrapKind, KindRow>,
    /// Trap people whose date of birth search reads back from both era forms (S45.3.12,
    /// 昭和45年3月12日), of those with a date of birth.
    era_dates_read_back: u64,
    era_dates_checked: u64,
    missed: Vec<Pair>,
    /// The first false suggestions, for a look at what the matcher took for one person.
    false_examples: Vec<Pair>,
    timing: Timing,
    goals: Goals,
}

#[derive(Serialize)]
struct Recalls {
    probable: Recall,
    weaker: Recall,
    all: Recall,
}

#[derive(Serialize, Default)]
struct Recall {
    expected: u64,
    /// Suggested, at either strength.
    found: u64,
    /// Suggested at the strength the truth expects.
    found_at_strength: u64,
    recall: f64,
    recall_at_strength: f64,
}

#[derive(Serialize, Default)]
struct Counts {
    total: u64,
    probable: u64,
    weaker: u64,
}

#[derive(Serialize, Default)]
struct FalseSuggestions {
    twins: u64,
    dob_differs: u64,
    sex_differs: u64,
    /// Two people the generator made unrelated, by strength. The generator's name tables are
    /// small (55 family names, 8 to 16 given names per sex and era), so namesakes are commoner
    /// than in a real region.
    unrelated_probable: u64,
    unrelated_weaker: u64,
}

#[derive(Serialize, Default)]
struct KindRow {
    cases: u64,
    expected: Option<Expected>,
    suggested: u64,
    at_expected_strength: u64,
}

#[derive(Serialize)]
struct Pair {
    what: String,
    strength: Option<Strength>,
    a: Person,
    b: Person,
}

#[derive(Serialize)]
struct Person {
    facility: String,
    patient_id: String,
    name_kanji: Option<String>,
    name_kana: Option<String>,
    dob: Option<String>,
    sex: Option<String>,
    address: Option<String>,
}

#[derive(Serialize)]
struct Timing {
    /// Reading the region and making each patient's identity fields (the baseline), best run.
    read_seconds: f64,
    /// The matcher over all of them, best run.
    match_seconds: f64,
    read_us_per_patient: f64,
    match_us_per_patient: f64,
    /// `match_seconds` / `read_seconds`.
    match_to_read: f64,
}

#[derive(Serialize)]
struct Goals {
    probable_recall: bool,
    weaker_recall: bool,
    recall: bool,
    no_twins: bool,
    no_suggestion_across_dob_or_sex: bool,
    all_met: bool,
}

/// One truth row: the pair (ordered as the matcher orders it) and what it is.
struct Truth {
    kind: TrapKind,
    expected: Expected,
}

pub fn run(args: MatchArgs) -> anyhow::Result<ExitCode> {
    if args.facilities < 2 {
        bail!("--facilities must be at least 2: a trap is two registrations at two facilities");
    }
    if args.runs == 0 {
        bail!("--runs must be at least 1");
    }
    let traps = args
        .traps
        .unwrap_or_else(|| 7 * (args.patients / 140).max(10));
    let region = args.dir.join(format!(
        "match-p{}-f{}-s{}-t{traps}",
        args.patients, args.facilities, args.seed
    ));
    super::ensure_region_with(
        &region,
        &crate::demo_data::Region {
            patients: args.patients,
            facilities: args.facilities,
            seed: args.seed,
            match_traps: traps,
        },
    )?;
    let truth = read_truth(&region)?;
    let links = region_links(&region)?;
    let say = |s: &str| {
        if !args.json {
            eprintln!("{s}");
        }
    };

    // The baseline: the reader and the build's patient row of record, nothing matched.
    say("reading the region's identity fields …");
    let mut people = Vec::new();
    let mut read_time = Duration::MAX;
    for _ in 0..args.runs {
        let (elapsed, read) = read_demographics(&region)?;
        read_time = read_time.min(elapsed);
        people = read;
    }

    // The matcher, with the hub's links left out as `Sink::finish` leaves them out.
    say("matching …");
    let group: HashMap<(&str, &str), &str> = links
        .iter()
        .map(|l| {
            (
                (l.facility.as_str(), l.patient_id.as_str()),
                l.group.as_str(),
            )
        })
        .collect();
    let of = |m: &Member| {
        group
            .get(&(m.facility.as_str(), m.patient_id.as_str()))
            .copied()
    };
    let mut suggestions = Vec::new();
    let mut match_time = Duration::MAX;
    for _ in 0..args.runs {
        let started = Instant::now();
        suggestions = probable_matches_unless(
            &people,
            |x, y| matches!((of(x), of(y)), (Some(a), Some(b)) if a == b),
        );
        match_time = match_time.min(started.elapsed());
    }

    let report = compare(
        &region,
        &args,
        traps,
        links.len() as u64,
        &people,
        &suggestions,
        &truth,
        (read_time, match_time),
    );
    let mut out = crate::out::stdout();
    if args.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
    } else {
        print(&mut out, &report)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Every patient's identity fields as a base build would store them, and how long that took.
fn read_demographics(region: &Path) -> anyhow::Result<(Duration, Vec<Demographics>)> {
    let roots = region_roots(region)?;
    let started = Instant::now();
    let storage = Storage::scan(roots);
    let mut people = Vec::new();
    storage.read_batches_where(
        |_, _| true,
        |p| fieldchart_build::demographics(&p),
        |batch| {
            people.extend(batch);
            std::ops::ControlFlow::Continue(())
        },
    );
    Ok((started.elapsed(), people))
}

fn read_truth(region: &Path) -> anyhow::Result<HashMap<(Member, Member), Truth>> {
    let path = region.join(TRUTH_FILE);
    let text = std::fs::read_to_string(&path).with_context(|| {
        format!(
            "cannot read {}; generate the region with demo-data --match-traps",
            path.display()
        )
    })?;
    let mut lines = text.lines().enumerate();
    if lines.next().map(|(_, l)| l) != Some(TRUTH_HEADER) {
        bail!("{}: the first line is not {TRUTH_HEADER:?}", path.display());
    }
    let mut truth = HashMap::new();
    for (n, line) in lines {
        let f: Vec<&str> = line.split('\t').collect();
        let (Some(kind), Some(expected)) = (
            f.get(4).and_then(|k| TrapKind::parse(k)),
            f.get(5).and_then(|e| Expected::parse(e)),
        ) else {
            bail!("{}, line {}: not a truth row", path.display(), n + 1);
        };
        let (a, b) = (Member::new(f[0], f[1]), Member::new(f[2], f[3]));
        let key = if a <= b { (a, b) } else { (b, a) };
        truth.insert(key, Truth { kind, expected });
    }
    Ok(truth)
}

#[allow(clippy::too_many_arguments)]
fn compare(
    region: &Path,
    args: &MatchArgs,
    traps: u64,
    linked_identifiers: u64,
    people: &[Demographics],
    suggestions: &[Suggestion],
    truth: &HashMap<(Member, Member), Truth>,
    (read_time, match_time): (Duration, Duration),
) -> Report {
    let person_of: HashMap<&Member, &Demographics> =
        people.iter().map(|p| (&p.member, p)).collect();
    let describe = |m: &Member| {
        let p = person_of.get(m);
        Person {
            facility: m.facility.clone(),
            patient_id: m.patient_id.clone(),
            name_kanji: p.and_then(|p| p.name_kanji.clone()),
            name_kana: p.and_then(|p| p.name_kana.clone()),
            dob: p.and_then(|p| p.dob.clone()),
            sex: p.and_then(|p| p.sex.clone()),
            address: p.and_then(|p| p.address.clone()),
        }
    };
    let mut kinds: BTreeMap<TrapKind, KindRow> = BTreeMap::new();
    for t in truth.values() {
        let row = kinds.entry(t.kind).or_default();
        row.cases += 1;
        row.expected = Some(t.expected);
    }
    let mut counts = Counts::default();
    let mut false_suggestions = FalseSuggestions::default();
    let mut false_examples = Vec::new();
    let (mut true_probable, mut true_weaker) = (0u64, 0u64);
    let mut across_dob_or_sex = 0;
    let mut suggested: HashMap<(&Member, &Member), Strength> = HashMap::new();
    for s in suggestions {
        counts.total += 1;
        match s.strength {
            Strength::Probable => counts.probable += 1,
            Strength::Weaker => counts.weaker += 1,
        }
        suggested.insert((&s.a, &s.b), s.strength);
        let (a, b) = (person_of.get(&s.a).copied(), person_of.get(&s.b).copied());
        if dob_and_sex(a) != dob_and_sex(b) {
            across_dob_or_sex += 1;
        }
        let what = match truth.get(&(s.a.clone(), s.b.clone())) {
            Some(t) => {
                let row = kinds.entry(t.kind).or_default();
                row.suggested += 1;
                if expected_strength(t.expected) == Some(s.strength) {
                    row.at_expected_strength += 1;
                }
                if t.expected.same_person() {
                    match s.strength {
                        Strength::Probable => true_probable += 1,
                        Strength::Weaker => true_weaker += 1,
                    }
                    continue;
                }
                match t.kind {
                    TrapKind::Twins => false_suggestions.twins += 1,
                    TrapKind::DobDiffers => false_suggestions.dob_differs += 1,
                    _ => false_suggestions.sex_differs += 1,
                }
                t.kind.as_str().to_owned()
            }
            None => {
                match s.strength {
                    Strength::Probable => false_suggestions.unrelated_probable += 1,
                    Strength::Weaker => false_suggestions.unrelated_weaker += 1,
                }
                "unrelated".to_owned()
            }
        };
        if false_examples.len() < LISTED {
            false_examples.push(Pair {
                what,
                strength: Some(s.strength),
                a: describe(&s.a),
                b: describe(&s.b),
            });
        }
    }

    let mut recall = Recalls {
        probable: Recall::default(),
        weaker: Recall::default(),
        all: Recall::default(),
    };
    let mut missed = Vec::new();
    let mut pairs: Vec<(&(Member, Member), &Truth)> = truth.iter().collect();
    pairs.sort_by(|x, y| x.0.cmp(y.0));
    for ((a, b), t) in pairs {
        let Some(want) = expected_strength(t.expected) else {
            continue;
        };
        let got = suggested.get(&(a, b)).copied();
        let r = if want == Strength::Probable {
            &mut recall.probable
        } else {
            &mut recall.weaker
        };
        for r in [r, &mut recall.all] {
            r.expected += 1;
            r.found += u64::from(got.is_some());
            r.found_at_strength += u64::from(got == Some(want));
        }
        if got.is_none() && missed.len() < LISTED {
            missed.push(Pair {
                what: t.kind.as_str().to_owned(),
                strength: None,
                a: describe(a),
                b: describe(b),
            });
        }
    }
    for r in [&mut recall.probable, &mut recall.weaker, &mut recall.all] {
        r.recall = share(r.found, r.expected);
        r.recall_at_strength = share(r.found_at_strength, r.expected);
    }

    // Era forms: what a clinician types off a health-insurance card finds the Western PID-7.
    let mut era_checked = 0;
    let mut era_read_back = 0;
    for (a, b) in truth.keys() {
        for m in [a, b] {
            let Some(date) = person_of
                .get(m)
                .and_then(|p| p.dob.as_deref())
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            else {
                continue;
            };
            era_checked += 1;
            let forms = [
                fieldchart_jtext::wareki_short(date),
                fieldchart_jtext::wareki_long(date),
            ];
            let back = forms.iter().all(|f| {
                f.as_deref().and_then(fieldchart_jtext::parse_dob)
                    == Some(fieldchart_jtext::DobQuery::Date(date))
            });
            era_read_back += u64::from(back);
        }
    }

    let true_suggestions = true_probable + true_weaker;
    let goals = {
        let probable_recall = recall.probable.recall >= GOAL_RECALL;
        let weaker_recall = recall.weaker.recall >= GOAL_RECALL;
        let all_recall = recall.all.recall >= GOAL_RECALL;
        let no_twins = false_suggestions.twins == 0;
        // From the data, so it covers every suggestion, the traps' look-alikes among them.
        let no_across = across_dob_or_sex == 0;
        Goals {
            probable_recall,
            weaker_recall,
            recall: all_recall,
            no_twins,
            no_suggestion_across_dob_or_sex: no_across,
            all_met: probable_recall && weaker_recall && all_recall && no_twins && no_across,
        }
    };
    let n = people.len().max(1) as f64;
    Report {
        region: region.display().to_string(),
        patients: people.len() as u64,
        facilities: args.facilities,
        trap_cases: traps,
        linked_identifiers,
        true_suggestions,
        precision: share(true_suggestions, counts.total),
        precision_probable: share(true_probable, counts.probable),
        precision_weaker: share(true_weaker, counts.weaker),
        recall,
        suggestions: counts,
        by_facility_pair: fieldchart_identity::matching::count_by_facility_pair(suggestions),
        false_suggestions,
        across_dob_or_sex,
        kinds,
        era_dates_read_back: era_read_back,
        era_dates_checked: era_checked,
        missed,
        false_examples,
        timing: Timing {
            read_seconds: read_time.as_secs_f64(),
            match_seconds: match_time.as_secs_f64(),
            read_us_per_patient: read_time.as_secs_f64() * 1e6 / n,
            match_us_per_patient: match_time.as_secs_f64() * 1e6 / n,
            match_to_read: match_time.as_secs_f64() / read_time.as_secs_f64().max(1e-9),
        },
        goals,
    }
}

/// The date of birth (its day) and the sex as the matcher compares them.
fn dob_and_sex(p: Option<&Demographics>) -> (Option<&str>, Option<&str>) {
    (
        p.and_then(|p| p.dob.as_deref()?.get(..10)),
        p.and_then(|p| p.sex.as_deref()),
    )
}

fn expected_strength(e: Expected) -> Option<Strength> {
    match e {
        Expected::Probable => Some(Strength::Probable),
        Expected::Weaker => Some(Strength::Weaker),
        Expected::Never => None,
    }
}

fn share(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        1.0
    } else {
        part as f64 / whole as f64
    }
}

fn print(out: &mut impl Write, r: &Report) -> std::io::Result<()> {
    let met = |ok: bool| if ok { "met" } else { "NOT met" };
    writeln!(
        out,
        "{} registrations at {} facilities ({} in {} trap cases; {} identifiers linked by pix-xref.tsv)",
        r.patients,
        r.facilities,
        2 * r.trap_cases,
        r.trap_cases,
        r.linked_identifiers
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "{:<15} {:>9} {:>6} {:>10} {:>17}",
        "trap", "expected", "cases", "suggested", "at its strength"
    )?;
    for (kind, row) in &r.kinds {
        writeln!(
            out,
            "{:<15} {:>9} {:>6} {:>10} {:>17}",
            kind.as_str(),
            row.expected.map_or("", Expected::as_str),
            row.cases,
            row.suggested,
            row.at_expected_strength
        )?;
    }
    writeln!(out)?;
    for (what, x) in [
        ("probable", &r.recall.probable),
        ("weaker", &r.recall.weaker),
        ("all", &r.recall.all),
    ] {
        writeln!(
            out,
            "recall, {what}: {}/{} = {:.2}% (at the expected strength {:.2}%; goal ≥ 99%: {})",
            x.found,
            x.expected,
            100.0 * x.recall,
            100.0 * x.recall_at_strength,
            met(x.recall >= GOAL_RECALL)
        )?;
    }
    writeln!(
        out,
        "precision: {}/{} suggestions = {:.2}% (probable {:.2}% of {}, weaker {:.2}% of {})",
        r.true_suggestions,
        r.suggestions.total,
        100.0 * r.precision,
        100.0 * r.precision_probable,
        r.suggestions.probable,
        100.0 * r.precision_weaker,
        r.suggestions.weaker
    )?;
    let f = &r.false_suggestions;
    writeln!(
        out,
        "false suggestions: {} between unrelated generated people ({} probable, {} weaker), \
         {} twins, {} dob-differs, {} sex-differs",
        f.unrelated_probable + f.unrelated_weaker,
        f.unrelated_probable,
        f.unrelated_weaker,
        f.twins,
        f.dob_differs,
        f.sex_differs
    )?;
    writeln!(
        out,
        "twin pairs suggested: {} (goal 0: {})",
        f.twins,
        met(r.goals.no_twins)
    )?;
    writeln!(
        out,
        "suggestions across a differing date of birth or sex: {} (goal 0: {})",
        r.across_dob_or_sex,
        met(r.goals.no_suggestion_across_dob_or_sex)
    )?;
    writeln!(
        out,
        "era dates of birth (S45.3.12, 昭和45年3月12日) search reads back: {}/{} trap people",
        r.era_dates_read_back, r.era_dates_checked
    )?;
    let t = &r.timing;
    writeln!(
        out,
        "time: matching {:.3} s ({:.2} µs/patient) / reading the identity fields {:.3} s ({:.1} µs/patient) = {:.4}",
        t.match_seconds,
        t.match_us_per_patient,
        t.read_seconds,
        t.read_us_per_patient,
        t.match_to_read
    )?;
    for m in &r.missed {
        writeln!(
            out,
            "  missed {}: {} {} {:?} / {} {} {:?}",
            m.what,
            m.a.facility,
            m.a.patient_id,
            m.a.name_kanji,
            m.b.facility,
            m.b.patient_id,
            m.b.name_kanji
        )?;
    }
    writeln!(
        out,
        "goals: {}",
        if r.goals.all_met {
            "all met"
        } else {
            "NOT all met"
        }
    )
}
