//! `fieldchart snapshot build` (the hub) and `fieldchart snapshot verify` (anyone holding a key).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use chrono::{DateTime, Duration, Utc};
use fieldchart_build::BuildOptions;
use fieldchart_policy::Policy;
use fieldchart_store::manifest::{AppManifest, ConsentCounts, LinkCounts};
use fieldchart_vault::{OpenOptions, WriteOptions};
use serde::Serialize;

use crate::open::OpenArgs;
use crate::progress::{bar, build_with_bars};
use crate::roots::{parse_root, region_names, region_roots};

#[derive(clap::Subcommand)]
pub enum Command {
    /// Build one encrypted, signed snapshot from SS-MIX2 storage.
    ///
    /// Reads every storage root, keeps what is inside the window (allergies, problems and
    /// infections whatever their age), and writes the clinical store, the search index, documents
    /// and thumbnails into one file, encrypted to every --recipient and signed with --signing-key.
    /// The file appears under --out only when complete.
    Build(Box<BuildArgs>),
    /// Check a snapshot completely and print its manifest.
    ///
    /// Checks the signature against --trust, the validity window against this machine's clock, the
    /// format version and the hash of every part (this reads the whole file). Without --identity or
    /// --passphrase-file only what needs no key is checked (signature, validity, version, length).
    Verify(VerifyArgs),
    /// Bring a snapshot onto this laptop (from the hub's share or a USB stick): check its signature,
    /// copy it under a temporary name, verify every part with this laptop's key, then publish it in
    /// --to. An interrupted sync leaves nothing the viewer would open; each sync is audited.
    Sync(SyncArgs),
}

#[derive(clap::Args)]
pub struct SyncArgs {
    #[command(flatten)]
    open: OpenArgs,
    /// The laptop's snapshot folder.
    #[arg(long, value_name = "DIR", default_value = "snapshots")]
    to: PathBuf,
    /// The audit log (default as for search and record).
    #[arg(long, value_name = "FILE")]
    audit_log: Option<PathBuf>,
    /// A PEM file of the CA certificates that signed the hub's web server certificate (a private
    /// hospital CA), trusted instead of the public roots. Only for an https:// repository.
    #[arg(long, value_name = "PEM", env = "FIELDCHART_SYNC_CA")]
    ca_file: Option<PathBuf>,
    /// An HTTP proxy to reach the repository through (http://host:port). None unless given:
    /// the usual proxy variables are never read.
    #[arg(long, value_name = "URL", env = "FIELDCHART_SYNC_PROXY")]
    proxy: Option<String>,
}

#[derive(clap::Args)]
pub struct BuildArgs {
    /// A storage root as FACILITY=PATH. Repeat for every root (a facility may have several).
    #[arg(long = "storage", value_name = "FACILITY=PATH")]
    storage: Vec<String>,
    /// Every facility and root of a region made by `fieldchart demo-data` (DIR/<facility>/<root>).
    #[arg(long, value_name = "DIR")]
    region: Option<PathBuf>,
    /// The snapshot file to write (must not exist).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// A facility's name as CODE=NAME, shown on the laptops' start screen (repeat). A region's
    /// region.json names its facilities already.
    #[arg(long = "facility-name", value_name = "CODE=NAME")]
    facility_names: Vec<String>,
    /// A device's public key (`age1…`). Repeat for every laptop that may open the snapshot.
    #[arg(long = "recipient", value_name = "PUB", required = true)]
    recipients: Vec<String>,
    /// A file holding an emergency passphrase that also opens the snapshot.
    #[arg(long, value_name = "F")]
    passphrase_file: Option<PathBuf>,
    /// The hub's signing key (from `fieldchart keys signing`).
    #[arg(long, value_name = "KEY")]
    signing_key: PathBuf,
    /// Days the snapshot stays valid after it is made.
    #[arg(long, value_name = "N", default_value_t = 30)]
    valid_days: u32,
    /// Years of history to keep (allergies, problems and infections are kept whatever their age).
    #[arg(long, value_name = "N", default_value_t = 5)]
    window_years: u32,
    /// Mark the snapshot as drill (synthetic) data.
    #[arg(long)]
    drill: bool,
    /// The hub's audit recipient (`age1…`, from `fieldchart keys device`): every laptop encrypts
    /// its audit entries to it, so only the hub reads who was looked up.
    #[arg(long, value_name = "PUB")]
    audit_recipient: String,
    /// The access policy to sign in (TOML; see docs/policy.md). Default: the shipped policy.
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    /// The hub's consent list: CSV lines `facility,patient_id,consented|refused|unknown`. Patients
    /// not listed take the policy's default (unknown).
    #[arg(long, value_name = "FILE")]
    consent: Option<PathBuf>,
    /// The regional index's cross-references: linked (facility, patient ID) groups, TSV or CSV
    /// (docs/identity.md). Two IDs are one person only when this says so.
    #[arg(long, value_name = "FILE")]
    xref: Option<PathBuf>,
    /// A folder of HL7 v2 link events (ADT^A24 link, A37 unlink, A40 merge), applied after --xref
    /// in time order.
    #[arg(long, value_name = "DIR")]
    link_events: Option<PathBuf>,
    /// An HPKI root certificate (PEM or DER), or a folder of them, referral letters' signatures are
    /// checked against (docs/hpki.md); repeat. Without one no signer can be confirmed.
    #[arg(long = "hpki-anchor", value_name = "PATH")]
    hpki_anchors: Vec<PathBuf>,
    /// An intermediate HPKI CA certificate, or a folder of them; repeat.
    #[arg(long = "hpki-intermediate", value_name = "PATH")]
    hpki_intermediates: Vec<PathBuf>,
    /// An HPKI CA's CRL (PEM), or a folder of them; repeat. Without one revocation is not checked.
    #[arg(long = "hpki-crl", value_name = "PATH")]
    hpki_crls: Vec<PathBuf>,
    /// The MEDIS standard disease-name master (病名基本テーブル, `nmain*.txt`) to read diagnoses
    /// against (docs/masters.md).
    #[arg(long = "master-disease", value_name = "FILE")]
    master_disease: Option<PathBuf>,
    /// A MEDIS HOT code master file (`MEDIS*.TXT`); repeat.
    #[arg(long = "master-hot", value_name = "FILE")]
    master_hot: Vec<PathBuf>,
    /// A JLAC10 table saved as CSV, as TABLE=FILE with TABLE one of analyte, identification,
    /// specimen, method, result; repeat.
    #[arg(long = "master-jlac10", value_name = "TABLE=FILE", value_parser = jlac10_table)]
    master_jlac10: Vec<(fieldchart_masters::Jlac10Table, PathBuf)>,
    /// How the JLAC10 CSVs were saved: shift_jis (Excel on Japanese Windows) or utf8.
    #[arg(long = "master-jlac10-encoding", value_name = "ENC", default_value = "shift_jis", value_parser = text_encoding)]
    master_jlac10_encoding: fieldchart_masters::TextEncoding,
    /// A facility mapping table (local code → standard code, docs/masters.md); repeat.
    #[arg(long = "master-local-map", value_name = "FILE")]
    master_local_maps: Vec<PathBuf>,
    /// How the mapping tables are saved: utf8 or shift_jis.
    #[arg(long = "master-local-map-encoding", value_name = "ENC", default_value = "utf8", value_parser = text_encoding)]
    master_local_map_encoding: fieldchart_masters::TextEncoding,
    /// Pretend the snapshot is made at this time (RFC 3339). For tests of expiry and clock checks.
    #[arg(long, hide = true)]
    created: Option<DateTime<Utc>>,
    /// scrypt work factor (log2 N) of the emergency passphrase. Tests use a low one.
    #[arg(long, hide = true)]
    scrypt_log_n: Option<u8>,
    /// Print the summary as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
pub struct VerifyArgs {
    #[command(flatten)]
    open: OpenArgs,
    /// Print the manifest as JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Build(a) => run_build(*a),
        Command::Verify(a) => run_verify(a),
        Command::Sync(a) => run_sync(a),
    }
}

#[derive(Serialize)]
struct BuildReport {
    path: String,
    snapshot_id: String,
    patients: u64,
    records: u64,
    items: u64,
    out_of_window: u64,
    documents: u64,
    errors: u64,
    warnings: u64,
    consent: ConsentCounts,
    /// The cross-references as they went in (absent without any).
    #[serde(skip_serializing_if = "LinkCounts::is_empty")]
    links: LinkCounts,
    /// Pairs at two facilities the hub did not link but whose identity agrees, per facility pair
    /// and strength (a base only: it holds everyone).
    #[serde(skip_serializing_if = "Option::is_none")]
    probable_matches: Option<fieldchart_build::ProbableCounts>,
    /// Linked persons whose facilities disagree on date of birth or sex (a base only).
    #[serde(skip_serializing_if = "Option::is_none")]
    link_warnings: Option<fieldchart_build::LinkWarnings>,
    /// What each HL7 link event did, in the order applied.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    link_events: Vec<fieldchart_identity::Applied>,
    /// Facilities whose data is older than the policy's stale-data limit (or of unknown age).
    stale_facilities: Vec<fieldchart_build::StaleFacility>,
    stale_data_days: u32,
    bytes: u64,
    seconds: f64,
    records_per_second: f64,
    /// The file's digest: what a layer names the file before it by.
    digest: String,
    /// A hub build's place in its chain and what its change check found.
    #[serde(skip_serializing_if = "Option::is_none")]
    hub: Option<serde_json::Value>,
    /// The master files read (empty without masters).
    masters: Vec<fieldchart_store::manifest::MasterRef>,
    /// Per facility, the codes no master knew, most frequent first.
    unknown_codes: Vec<fieldchart_masters::FacilityUnknowns>,
    /// How the documents' signatures came out.
    signatures: fieldchart_build::signatures::SignatureCounts,
}

/// `analyte=FILE` → the table and the file.
fn jlac10_table(s: &str) -> Result<(fieldchart_masters::Jlac10Table, PathBuf), String> {
    use fieldchart_masters::Jlac10Table as T;
    let (table, file) = s
        .split_once('=')
        .ok_or_else(|| format!("{s:?}: write TABLE=FILE, e.g. analyte=jlac10-analyte.csv"))?;
    let table = match table.trim() {
        "analyte" => T::Analyte,
        "identification" => T::Identification,
        "specimen" => T::Specimen,
        "method" => T::Method,
        "result" => T::Result,
        other => {
            return Err(format!(
                "{other:?} is not a JLAC10 table: analyte, identification, specimen, method or \
                 result"
            ));
        }
    };
    Ok((table, PathBuf::from(file)))
}

fn text_encoding(s: &str) -> Result<fieldchart_masters::TextEncoding, String> {
    match s.trim().to_ascii_lowercase().replace('-', "_").as_str() {
        "shift_jis" | "sjis" | "cp932" => Ok(fieldchart_masters::TextEncoding::ShiftJis),
        "utf8" | "utf_8" => Ok(fieldchart_masters::TextEncoding::Utf8),
        _ => Err(format!("{s:?}: shift_jis or utf8")),
    }
}

/// How many of a facility's unknown codes the text report names (all are in --json).
const UNKNOWN_CODES_SHOWN: usize = 5;

fn run_build(a: BuildArgs) -> anyhow::Result<ExitCode> {
    let mut roots = Vec::new();
    for s in &a.storage {
        if !s.contains('=') {
            bail!("--storage takes FACILITY=PATH, got {s}");
        }
        roots.push(parse_root(s)?);
    }
    let mut facility_names = std::collections::BTreeMap::new();
    if let Some(dir) = &a.region {
        roots.extend(region_roots(dir)?);
        facility_names.extend(region_names(dir)?);
    }
    for n in &a.facility_names {
        let Some((code, name)) = n
            .split_once('=')
            .filter(|(c, n)| !c.is_empty() && !n.is_empty())
        else {
            bail!("--facility-name takes CODE=NAME, got {n}");
        };
        facility_names.insert(code.to_string(), name.to_string());
    }
    if roots.is_empty() {
        bail!("name the storage with --storage FACILITY=PATH (repeat) or --region DIR");
    }
    let recipients = a
        .recipients
        .iter()
        .map(|r| fieldchart_vault::parse_recipient(r))
        .collect::<Result<Vec<_>, _>>()?;
    let passphrase = a
        .passphrase_file
        .as_deref()
        .map(fieldchart_vault::read_passphrase_file)
        .transpose()?;
    let signing_key = fieldchart_vault::load_signing_key(&a.signing_key)?;
    crate::input::require_out_folder(&a.out, "the snapshot")?;
    let policy = match &a.policy {
        Some(path) => crate::policy::read(path)?,
        None => Policy::default_policy(),
    };
    let consent = match &a.consent {
        Some(path) => read_consent_list(path)?,
        None => Vec::new(),
    };
    let links = crate::links::read(a.xref.as_deref(), a.link_events.as_deref())?;
    let created = a.created.unwrap_or_else(Utc::now);
    let (hpki, _) = fieldchart_hpki::load_trust(
        &a.hpki_anchors,
        &a.hpki_intermediates,
        &a.hpki_crls,
        created.timestamp(),
    )?;
    let masters = fieldchart_masters::MasterFiles {
        disease: a.master_disease.clone(),
        hot: a.master_hot.clone(),
        jlac10: a.master_jlac10.clone(),
        jlac10_encoding: a.master_jlac10_encoding,
        local_maps: a.master_local_maps.clone(),
        local_map_encoding: a.master_local_map_encoding,
    }
    .load()?;
    let opts = BuildOptions {
        storage: roots,
        out: a.out.clone(),
        vault: WriteOptions {
            recipients,
            passphrase,
            scrypt_log_n: a.scrypt_log_n,
            signing_key,
            created,
            not_after: created + Duration::days(i64::from(a.valid_days)),
            drill: a.drill,
        },
        window_years: a.window_years,
        policy,
        consent,
        links: links.rows,
        audit_recipient: a.audit_recipient.trim().to_string(),
        facility_names,
        chain: None,
        hpki,
        masters: std::sync::Arc::new(masters),
    };
    build_and_report(opts, &links.applied, a.json)
}

/// Reads the hub's consent list (docs/policy.md); a bad line stops the build with its number.
pub fn read_consent_list(
    path: &std::path::Path,
) -> anyhow::Result<Vec<fieldchart_build::ConsentRow>> {
    let text = crate::input::read_text(path, crate::input::MAX_CONSENT_BYTES, "the consent list")?;
    Ok(
        fieldchart_build::parse_consent(&text).map_err(|(line, reason)| {
            fieldchart_build::BuildError::Consent {
                path: path.to_owned(),
                line,
                reason,
            }
        })?,
    )
}

/// Builds one snapshot with progress bars, then prints its summary and each stale facility's
/// warning (`--json`: the summary as JSON).
pub fn build_and_report(
    opts: BuildOptions,
    applied: &[fieldchart_identity::Applied],
    json: bool,
) -> anyhow::Result<ExitCode> {
    let summary = build_with_bars(opts, || {
        if !json {
            eprintln!("finishing the store and the index …");
        }
    })?;
    report_build(&summary, applied, json, None)?;
    Ok(ExitCode::SUCCESS)
}

/// Prints what a build made (the summary, the consent list's counts, stale facilities); `hub`
/// is a hub build's chain report, printed first and put into the JSON.
pub fn report_build(
    summary: &fieldchart_build::BuildSummary,
    applied: &[fieldchart_identity::Applied],
    json: bool,
    hub: Option<(&fieldchart_build::chain::ChainBuilt, Vec<String>)>,
) -> anyhow::Result<()> {
    let mut out = crate::out::stdout();
    let report = BuildReport {
        path: summary.path.display().to_string(),
        snapshot_id: summary.snapshot_id.clone(),
        patients: summary.patients,
        records: summary.records,
        items: summary.items,
        out_of_window: summary.out_of_window,
        documents: summary.documents,
        errors: summary.errors,
        warnings: summary.warnings,
        consent: summary.consent.clone(),
        links: summary.links.clone(),
        probable_matches: summary.probable_matches.clone(),
        link_warnings: summary.link_warnings.clone(),
        link_events: applied.to_vec(),
        stale_facilities: summary.stale.clone(),
        stale_data_days: summary.stale_data_days,
        bytes: summary.bytes,
        seconds: summary.seconds,
        records_per_second: summary.records as f64 / summary.seconds.max(1e-9),
        digest: summary.digest.clone(),
        hub: hub
            .as_ref()
            .map(|(built, _)| serde_json::to_value(built))
            .transpose()?,
        masters: summary.masters.clone(),
        unknown_codes: summary.unknown_codes.clone(),
        signatures: summary.signatures,
    };
    if json {
        crate::out::json(&mut out, &report)?;
    } else {
        for line in hub.iter().flat_map(|(_, lines)| lines) {
            writeln!(out, "{line}")?;
        }
        writeln!(
            out,
            "snapshot {} written to {}\n  patients {}  records {}  items {}  documents {}  (left out as older than the window: {})\n  {} bytes in {:.1} s ({:.0} records/s); reader errors {}, warnings {} (see `fieldchart check`)",
            report.snapshot_id,
            report.path,
            report.patients,
            report.records,
            report.items,
            report.documents,
            report.out_of_window,
            report.bytes,
            report.seconds,
            report.records_per_second,
            report.errors,
            report.warnings
        )?;
        let c = &report.consent;
        writeln!(
            out,
            "  consent list: {} consented, {} refused{}",
            c.consented,
            c.refused,
            if c.unmatched > 0 {
                format!(
                    "; {} listed patients are not in this snapshot (check the list's facility codes and IDs)",
                    c.unmatched
                )
            } else {
                String::new()
            }
        )?;
        let l = &report.links;
        if !l.is_empty() {
            writeln!(
                out,
                "  cross-references: {} linked persons, {} identifiers{}",
                l.groups,
                l.members,
                if l.unmatched > 0 {
                    format!(
                        "; {} identifiers are not in the storage (another region, out of scope, \
                         or not arrived yet: check the index's facility codes and IDs)",
                        l.unmatched
                    )
                } else {
                    String::new()
                }
            )?;
        }
        if let Some(w) = report
            .link_warnings
            .as_ref()
            .filter(|w| w.dob_differs + w.sex_differs > 0)
        {
            writeln!(
                out,
                "  data quality: {} linked persons with two dates of birth, {} with two sexes \
                 (the search rows say so; check the index's links and the facilities' records)",
                w.dob_differs, w.sex_differs
            )?;
        }
        if let Some(pairs) = &report.probable_matches {
            for (pair, by) in pairs {
                let (a, b) = pair.split_once('|').unwrap_or((pair, ""));
                writeln!(
                    out,
                    "  possibly the same person, not linked by the index: {a} and {b}: {} probable, \
                     {} weaker (a married name); feed them back to the index",
                    by.get(&fieldchart_identity::matching::Strength::Probable)
                        .copied()
                        .unwrap_or(0),
                    by.get(&fieldchart_identity::matching::Strength::Weaker)
                        .copied()
                        .unwrap_or(0),
                )?;
            }
        }
        for e in &report.link_events {
            writeln!(out, "  link event {} ({}): {}", e.origin, e.kind, e.outcome)?;
        }
        let s = &report.signatures;
        if s.total() > 0 {
            writeln!(
                out,
                "  signatures checked: {} valid ({} not by a physician), {} invalid, {} whose issuer \
                 could not be confirmed{}",
                s.valid,
                s.valid_not_physician,
                s.invalid,
                s.untrusted_ca,
                if s.untrusted_ca > 0 && s.valid == 0 {
                    " (are the HPKI anchors configured? `hub check` lists them)"
                } else {
                    ""
                }
            )?;
        }
        if report.masters.is_empty() {
            writeln!(
                out,
                "  standard masters: none read; codes are shown as the facilities wrote them"
            )?;
        }
        for m in &report.masters {
            writeln!(
                out,
                "  master {}: {} (version {}){}",
                m.master,
                m.file,
                m.version.as_deref().unwrap_or("not in its name"),
                if m.skipped_lines > 0 {
                    format!(
                        "; {} lines not read (`hub check` says why)",
                        m.skipped_lines
                    )
                } else {
                    String::new()
                }
            )?;
        }
        for f in &report.unknown_codes {
            let uses: u64 = f.codes.iter().map(|c| c.count).sum();
            writeln!(
                out,
                "  facility {}: {} codes no master knew ({uses} uses); send them back for mapping:",
                f.facility,
                f.codes.len()
            )?;
            for c in f.codes.iter().take(UNKNOWN_CODES_SHOWN) {
                writeln!(out, "    {}^{}^{} ×{}", c.code, c.text, c.system, c.count)?;
            }
            if f.codes.len() > UNKNOWN_CODES_SHOWN {
                writeln!(
                    out,
                    "    … {} more (--json lists them all)",
                    f.codes.len() - UNKNOWN_CODES_SHOWN
                )?;
            }
        }
        for f in &report.stale_facilities {
            let who = match &f.name {
                Some(name) => format!("{} ({name})", f.code),
                None => f.code.clone(),
            };
            match (&f.data_as_of, f.days_old) {
                (Some(as_of), Some(days)) => eprintln!(
                    "warning: facility {who}: its newest record is of {as_of}, {days} days before \
                     this build, older than the policy's {} days; laptops will show it as possibly \
                     out of date: check that its storage copy is current",
                    report.stale_data_days
                ),
                _ => eprintln!(
                    "warning: facility {who}: no record has a readable time, so its data age is \
                     unknown; laptops will show it as possibly out of date: check its storage \
                     (`fieldchart check`)"
                ),
            }
        }
    }
    Ok(())
}

/// What both kinds of verify print first: which snapshot, how old, valid until when.
#[derive(Serialize)]
struct Head {
    snapshot_id: String,
    format_version: u32,
    created: String,
    not_before: String,
    not_after: String,
    drill: bool,
}

impl Head {
    fn print(&self, out: &mut impl Write, verdict: &str) -> std::io::Result<()> {
        writeln!(out, "snapshot {} — {verdict}", self.snapshot_id)?;
        if self.drill {
            writeln!(out, "  DRILL: synthetic data for exercises")?;
        }
        writeln!(
            out,
            "  format {}  created {}",
            self.format_version, self.created
        )?;
        writeln!(out, "  valid {} … {}", self.not_before, self.not_after)?;
        Ok(())
    }
}

#[derive(Serialize)]
struct VerifyReport<'a> {
    #[serde(flatten)]
    head: Head,
    parts: usize,
    app: &'a AppManifest,
}

fn run_verify(a: VerifyArgs) -> anyhow::Result<ExitCode> {
    if a.open.identity.is_none() && a.open.passphrase_file.is_none() {
        return verify_outline(&a);
    }
    let opts = OpenOptions::new(a.open.trusted()?, a.open.unlock()?, Utc::now());
    let snapshot = fieldchart_vault::open(&a.open.file, &opts)?;
    let mut out = crate::out::stdout();
    let total_bar = bar(0, "bytes");
    snapshot.verify_all(&mut |done, total| {
        total_bar.set_length(total);
        total_bar.set_position(done);
    })?;
    total_bar.finish_and_clear();
    let m = snapshot.manifest();
    let app: AppManifest = serde_json::from_value(m.app.clone())
        .context("the manifest's application part is not a FieldChart manifest")?;
    let report = VerifyReport {
        head: Head {
            snapshot_id: m.snapshot_id.clone(),
            format_version: m.format_version,
            created: m.created.to_rfc3339(),
            not_before: m.not_before.to_rfc3339(),
            not_after: m.not_after.to_rfc3339(),
            drill: m.drill,
        },
        parts: m.parts.len(),
        app: &app,
    };
    if a.json {
        crate::out::json(&mut out, &report)?;
        return Ok(ExitCode::SUCCESS);
    }
    report.head.print(
        &mut out,
        "OK (signature, validity, version, every part's hash)",
    )?;
    writeln!(
        out,
        "  scope: {} years from {} ({} kept whatever their age)",
        app.scope.window_years,
        app.scope.from,
        app.scope.kept_whole.join(", ")
    )?;
    writeln!(
        out,
        "  patients {}  records {}  items {}  documents {}",
        app.counts.patients, app.counts.records, app.counts.items, app.counts.documents
    )?;
    for f in &app.facilities {
        writeln!(
            out,
            "  facility {}: {} patients, {} records, data as of {}",
            f.code,
            f.patients,
            f.records,
            f.data_as_of.as_deref().unwrap_or("unknown")
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Serialize)]
struct OutlineReport {
    #[serde(flatten)]
    head: Head,
    bytes: u64,
    emergency_passphrase: bool,
    signer: String,
    /// Without a key the parts cannot be decrypted, so their hashes were not checked.
    parts_checked: bool,
}

/// Without a key: everything the plaintext head allows (signature, validity, version, length,
/// encryption header); the parts' hashes need a key.
fn verify_outline(a: &VerifyArgs) -> anyhow::Result<ExitCode> {
    let o = fieldchart_vault::check_outline(&a.open.file, &a.open.trusted()?, Utc::now())?;
    let mut out = crate::out::stdout();
    let report = OutlineReport {
        head: Head {
            snapshot_id: o.snapshot_id,
            format_version: o.format_version,
            created: o.created.to_rfc3339(),
            not_before: o.not_before.to_rfc3339(),
            not_after: o.not_after.to_rfc3339(),
            drill: o.drill,
        },
        bytes: o.file_len,
        emergency_passphrase: o.has_emergency_passphrase,
        signer: o.signer,
        parts_checked: false,
    };
    if a.json {
        crate::out::json(&mut out, &report)?;
        return Ok(ExitCode::SUCCESS);
    }
    report.head.print(
        &mut out,
        "signature, validity, version and length OK; parts NOT checked (give --identity or --passphrase-file to check every part)",
    )?;
    writeln!(
        out,
        "  {} bytes, signed by {}, emergency passphrase: {}",
        report.bytes,
        report.signer,
        if report.emergency_passphrase {
            "yes"
        } else {
            "no"
        }
    )?;
    Ok(ExitCode::SUCCESS)
}

/// A sync from a hub's repository (a web address or a folder with `timestamp.json`).
fn run_repo_sync(a: &SyncArgs, source: String, audit_log: PathBuf) -> anyhow::Result<ExitCode> {
    let opts = fieldchart_sync::repository::RepoSyncOptions {
        source,
        dest_dir: a.to.clone(),
        unlock: a.open.unlock_audited(&audit_log)?,
        trusted: a.open.trusted()?,
        now: Utc::now(),
        audit_log,
        http: fieldchart_sync::fetch::HttpSettings {
            ca_file: a.ca_file.clone(),
            proxy: a.proxy.clone(),
            ..Default::default()
        },
        device_key: a.open.identity.clone(),
    };
    let bar = bar(0, "bytes");
    let synced = fieldchart_sync::repository::sync_repository(&opts, &mut |what, done, total| {
        bar.set_length(total);
        bar.set_position(done);
        bar.set_message(what.to_string());
    });
    bar.finish_and_clear();
    let synced = synced?;
    let b = &synced.brought;
    let mut out = crate::out::stdout();
    writeln!(
        out,
        "{} {} ({} file(s); {} fetched, {} bytes; every file verified); repository version {}",
        if b.unchanged {
            "already current:"
        } else {
            "switched to the chain"
        },
        b.chain_file.display(),
        b.files,
        b.fetched,
        b.fetched_bytes,
        synced.timestamp_version
    )?;
    for f in &b.app.facilities {
        let before = synced
            .before
            .as_ref()
            .and_then(|fs| fs.iter().find(|x| x.code == f.code))
            .and_then(|x| x.data_as_of.clone());
        writeln!(
            out,
            "  {} {}: data as of {} (before: {})",
            f.code,
            f.name.as_deref().unwrap_or(""),
            f.data_as_of.as_deref().unwrap_or("unknown"),
            before.as_deref().unwrap_or("none")
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

fn run_sync(a: SyncArgs) -> anyhow::Result<ExitCode> {
    let audit_log = match &a.audit_log {
        Some(p) => p.clone(),
        None => crate::open::default_audit_log()?,
    };
    crate::input::check_viewing_audit_log(&audit_log)?;
    let source = a.open.file.to_string_lossy().to_string();
    if fieldchart_sync::repository::is_repository(&source) {
        return run_repo_sync(&a, source, audit_log);
    }
    let opts = fieldchart_sync::SyncOptions {
        source: a.open.file.clone(),
        dest_dir: a.to.clone(),
        unlock: a.open.unlock_audited(&audit_log)?,
        trusted: a.open.trusted()?,
        now: Utc::now(),
        audit_log,
    };
    let bar = bar(0, "bytes");
    let synced = fieldchart_sync::sync(&opts, &mut |stage, done, total| {
        bar.set_length(total);
        bar.set_position(done);
        bar.set_message(match stage {
            fieldchart_sync::Stage::Copying => "copying",
            fieldchart_sync::Stage::Verifying => "verifying every part",
        });
    });
    bar.finish_and_clear();
    let synced = synced?;
    let mut out = crate::out::stdout();
    match synced {
        fieldchart_sync::Synced::Copied {
            path,
            snapshot_id,
            bytes,
            newer,
        } => {
            writeln!(
                out,
                "snapshot {snapshot_id} synced to {} ({bytes} bytes, every part verified)",
                path.display()
            )?;
            if let Some(held) = newer {
                eprintln!(
                    "warning: this laptop already holds a newer snapshot from the same hub: {} \
                     (made {}, {}). The one just synced is older: open the newer one unless you \
                     need this one on purpose",
                    held.snapshot_id,
                    held.created.to_rfc3339(),
                    held.path.display()
                );
            }
        }
        fieldchart_sync::Synced::AlreadyPresent { path, snapshot_id } => writeln!(
            out,
            "snapshot {snapshot_id} is already at {}",
            path.display()
        )?,
    }
    Ok(ExitCode::SUCCESS)
}
