//! The hub side of FieldChart: read SS-MIX2 storage, keep what is in scope, and write one encrypted,
//! signed snapshot holding the clinical store (SQLite), the patient search index (tantivy), the
//! extended-storage documents and thumbnails of their images.
//!
//! The work files (SQLite database, index, document blobs) live in a private temporary directory
//! (mode 0700) beside the output while the snapshot is made, and are removed when it is done or has
//! failed. They hold nothing the hub's SS-MIX2 storage does not already hold in plaintext; the field
//! laptop never writes plaintext at all (see `fieldchart-session`).

pub mod chain;
mod consent;
mod convert;
mod documents;
mod pipeline;
mod prepare;
pub mod signatures;
mod sink;
mod standard;

pub use standard::Coder;

pub use consent::{ConsentRow, parse_consent, read_consent};

/// One linked identifier of the hub's cross-references (crates/identity): which person (group) it
/// belongs to and how it came in (`xref`, `link`, `merge`). Every file of a chain holds them all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkRow {
    pub group: String,
    pub facility: String,
    pub patient_id: String,
    pub via: String,
}

impl LinkRow {
    /// Every linked identifier of `links`, as the store keeps them.
    pub fn all(links: &fieldchart_identity::Links) -> Vec<LinkRow> {
        links
            .groups()
            .flat_map(|g| {
                g.members.iter().map(|(m, via)| LinkRow {
                    group: g.id.clone(),
                    facility: m.facility.clone(),
                    patient_id: m.patient_id.clone(),
                    via: via.as_str().to_owned(),
                })
            })
            .collect()
    }
}

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Instant;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use fieldchart_failure::Failure;
use fieldchart_policy::Policy;
use fieldchart_reader::read::{PatientRecords, Storage};
use fieldchart_reader::report::{PatientTally, Tally};
use fieldchart_storage::{FacilityId, StorageRoot};
use fieldchart_store::manifest::{
    AppManifest, ChainLink, ConsentCounts, Counts, FacilityManifest, Label, LinkCounts, Scope,
};
use fieldchart_store::{CONTENT_VERSION, parts};
use fieldchart_vault::{SnapshotWriter, VaultError, WriteOptions};

/// One patient's identity fields as a base's probable-match count reads them from the store
/// (`fieldchart_identity::matching`): the patient row of record (the current ADT-00's PID, else
/// the first PID read) with its first address, home first. For a benchmark that runs the matcher
/// on what a build would store without building.
pub fn demographics(patient: &PatientRecords) -> fieldchart_identity::matching::Demographics {
    let row = prepare::row_of_record(patient).unwrap_or_default();
    fieldchart_identity::matching::Demographics {
        member: fieldchart_identity::Member::new(
            patient.patient.facility.as_str(),
            patient.patient.id.as_str(),
        ),
        name_kanji: row.name_kanji,
        name_kana: row.name_kana,
        dob: row.dob,
        sex: Some(row.sex.letter().to_owned()),
        address: row.addresses.into_iter().next(),
    }
}

/// Everything `fieldchart snapshot build` is told.
pub struct BuildOptions {
    pub storage: Vec<StorageRoot>,
    pub out: PathBuf,
    /// Encryption, signing and validity: handed to the vault.
    pub vault: WriteOptions,
    /// Items older than this many years (before the build time) are left out, except allergies,
    /// problems and infections.
    pub window_years: u32,
    /// The access policy to sign in; an event window it leaves open becomes the validity window.
    pub policy: Policy,
    /// The hub's consent list.
    pub consent: Vec<ConsentRow>,
    /// The hub's cross-references: every linked identifier.
    pub links: Vec<LinkRow>,
    /// The hub's audit recipient (age X25519 public key, `age1…`).
    pub audit_recipient: String,
    /// Facility code → name, as the hub knows its facilities (shown on the laptop's start screen).
    pub facility_names: BTreeMap<String, String>,
    /// The file's place in a chain (the hub's builds, [`chain`]); None for a standalone snapshot.
    pub chain: Option<ChainPlan>,
    /// The HPKI trust anchors, intermediates and CRLs referral letters' signatures are checked
    /// against (hub.toml `[hpki]`); empty: no signer can be confirmed.
    pub hpki: fieldchart_hpki::Trust,
    /// The standard code masters (hub.toml `[masters]`); empty: none, and codes are read as
    /// without them (docs/masters.md).
    pub masters: std::sync::Arc<fieldchart_masters::Masters>,
}

/// Linked persons whose facilities record different dates of birth, or different (known) sexes.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct LinkWarnings {
    pub dob_differs: u64,
    pub sex_differs: u64,
}

/// Probable matches per facility pair (`"A|B"`, A < B) and strength.
pub type ProbableCounts = BTreeMap<String, BTreeMap<fieldchart_identity::matching::Strength, u64>>;

/// A (facility code, patient ID) pair, as the hub's state and a layer's tombstones name patients.
pub type Key = (String, String);

/// How a build fits into a chain: a base reads every patient; a layer only those named.
#[derive(Debug, Clone)]
pub struct ChainPlan {
    /// Sequence, base and previous digests; the counts are filled in by the build.
    pub link: ChainLink,
    /// A layer's patients (new or changed), read and stored whole; None for a base (everyone).
    pub only: Option<HashSet<Key>>,
    /// Patients who left the storage since the file before.
    pub tombstones: Vec<Key>,
    /// Patients not read again (unchanged): their tallies still count in the facility rows, so a
    /// layer's manifest describes each whole facility.
    pub unchanged: Vec<(String, PatientTally)>,
    /// Every patient in the chain once this file is applied: what the consent counts and the
    /// patient count of a layer's manifest are taken against.
    pub all_patients: Option<HashSet<Key>>,
}

/// What a build made.
#[derive(Debug, Clone)]
pub struct BuildSummary {
    pub path: PathBuf,
    pub snapshot_id: String,
    pub patients: u64,
    pub records: u64,
    pub items: u64,
    pub out_of_window: u64,
    pub documents: u64,
    pub errors: u64,
    pub warnings: u64,
    pub consent: ConsentCounts,
    /// The cross-references as they went in: persons, identifiers, and identifiers the chain
    /// does not hold.
    pub links: LinkCounts,
    /// Pairs at two facilities the hub did not link but whose identity agrees (issue 15 §3,
    /// docs/identity.md), per facility pair and strength: what the hub feeds back to the index.
    /// Counted in a base (which holds everyone); None in a layer.
    pub probable_matches: Option<ProbableCounts>,
    /// Linked persons whose facilities disagree on date of birth or sex (a base only).
    pub link_warnings: Option<LinkWarnings>,
    /// Facilities whose data is older than the policy's `stale_data_days` at build time (or whose
    /// data age is unknown): the laptop will show them as possibly out of date, so the hub hears
    /// it first.
    pub stale: Vec<StaleFacility>,
    /// The policy's limit the facilities were judged by.
    pub stale_data_days: u32,
    pub bytes: u64,
    pub seconds: f64,
    /// The file's digest (`fieldchart_vault::Written::digest`).
    pub digest: String,
    /// The place in its chain, as written into the manifest.
    pub chain: Option<ChainLink>,
    /// Each patient read, with what they added to the counts: what the hub's state keeps.
    pub tallies: Vec<(Key, PatientTally)>,
    /// The patients read whose letters carry valid signatures, with the signers' (issuer,
    /// serial): what the hub's state keeps to notice a CRL that revokes one.
    pub signers: Vec<(Key, signatures::Signers)>,
    /// Each facility as the file's manifest describes it: its data-as-of and counts over all its
    /// patients (those a layer kept from earlier builds too), reader errors included.
    pub facilities: Vec<FacilityManifest>,
    /// The master files the build read, as the manifest records them.
    pub masters: Vec<fieldchart_store::manifest::MasterRef>,
    /// Per facility, the codes of the patients read that no loaded master knew, most frequent
    /// first: what the hub sends back to the hospital for cleaning. Empty without masters.
    pub unknown_codes: Vec<fieldchart_masters::FacilityUnknowns>,
    /// How the signatures of the documents read came out (a layer: of the changed patients').
    pub signatures: signatures::SignatureCounts,
}

impl BuildSummary {
    /// Reader errors over the whole storage, not only the patients this build read: what a
    /// nightly build's exit code reports.
    pub fn storage_errors(&self) -> u64 {
        self.facilities.iter().map(|f| f.errors).sum()
    }
}

/// One facility the build summary warns about.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StaleFacility {
    pub code: String,
    pub name: Option<String>,
    /// The facility's data-as-of (its newest real record time); None when no record had one.
    pub data_as_of: Option<String>,
    /// Whole days from the data-as-of to the build; None when the data age is unknown.
    pub days_old: Option<i64>,
}

/// The facilities whose newest record is more than `limit_days` older than `built`, or that have
/// no readable record time at all.
pub fn stale_facilities(
    facilities: &[FacilityManifest],
    built: DateTime<Utc>,
    limit_days: u32,
) -> Vec<StaleFacility> {
    let today = built.date_naive();
    facilities
        .iter()
        .filter_map(|f| {
            let as_of = f
                .data_as_of
                .as_deref()
                .and_then(|t| t.get(..10))
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
            let days_old = as_of.map(|d| (today - d).num_days());
            let stale = days_old.is_none_or(|days| days > i64::from(limit_days));
            stale.then(|| StaleFacility {
                code: f.code.clone(),
                name: f.name.clone(),
                data_as_of: f.data_as_of.clone(),
                days_old,
            })
        })
        .collect()
}

/// Where a build is, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// Patient folders checked for change so far, of the total (a hub build, [`chain`]).
    Scanning { done: u64, total: u64 },
    /// Patients read and stored so far, of the total.
    Reading { done: u64, total: u64 },
    /// The store and the index are being finished (indexes created, segments merged).
    Finishing,
    /// Bytes encrypted so far, of the total.
    Encrypting { done: u64, total: u64 },
}

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("no storage given: name at least one --storage FACILITY=PATH")]
    NoStorage,
    #[error("the output {0} already exists; choose another name or move it away")]
    OutputExists(PathBuf),
    #[error("cannot write the work files in {dir}: {source}")]
    WorkDir {
        dir: PathBuf,
        source: std::io::Error,
    },
    #[error("clinical store: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("{what}: {source}")]
    Io {
        what: String,
        source: std::io::Error,
    },
    #[error("the consent list {path}, line {line}: {reason}")]
    Consent {
        path: PathBuf,
        line: usize,
        reason: String,
    },
    #[error("the audit recipient {0:?} is not an age X25519 public key (age1…)")]
    AuditRecipient(String),
    #[error(transparent)]
    Vault(#[from] VaultError),
    /// The emergency passphrase is shorter than the policy allows.
    #[error(transparent)]
    Passphrase(fieldchart_policy::PolicyError),
}

impl BuildError {
    /// Which row of the exit-code table: the vault's for its failures, and a full disk wherever it
    /// shows up (the work files fill the disk before the snapshot does).
    pub fn failure(&self) -> Failure {
        match self {
            BuildError::Vault(v) => v.failure(),
            BuildError::OutputExists(_) => Failure::Exists,
            BuildError::Sqlite(e)
                if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DiskFull) =>
            {
                Failure::DiskFull
            }
            BuildError::Io { source, .. } | BuildError::WorkDir { source, .. } => {
                Failure::of_io(source)
            }
            BuildError::Sqlite(_) | BuildError::Index(_) => Failure::Io,
            BuildError::NoStorage
            | BuildError::Consent { .. }
            | BuildError::AuditRecipient(_)
            | BuildError::Passphrase(_) => Failure::Usage,
        }
    }
}

/// The first day inside the window: `years` calendar years before `now`.
pub fn window_start(now: DateTime<Utc>, years: u32) -> NaiveDate {
    let today = now.date_naive();
    let year = today.year() - years as i32;
    NaiveDate::from_ymd_opt(year, today.month(), today.day())
        // 29 February into a common year.
        .or_else(|| NaiveDate::from_ymd_opt(year, today.month(), 28))
        .unwrap_or(today - Duration::days(365 * i64::from(years)))
}

/// The checks of what a build is given that need no storage read: made before anything is read or
/// written, by [`build`] and by a chain build before its scan.
pub(crate) fn check_inputs(opts: &BuildOptions) -> Result<(), BuildError> {
    if let Some(secret) = &opts.vault.passphrase {
        use age::secrecy::ExposeSecret;
        opts.policy
            .check_emergency_passphrase(secret.expose_secret())
            .map_err(BuildError::Passphrase)?;
    }
    Ok(())
}

/// Builds the snapshot. The output appears only when complete (the vault writes a temporary name and
/// renames it).
pub fn build(
    opts: BuildOptions,
    progress: &mut dyn FnMut(Progress),
) -> Result<BuildSummary, BuildError> {
    let started = Instant::now();
    if opts.storage.is_empty() {
        return Err(BuildError::NoStorage);
    }
    check_inputs(&opts)?;
    if opts.out.exists() {
        return Err(BuildError::OutputExists(opts.out.clone()));
    }
    if opts
        .audit_recipient
        .parse::<age::x25519::Recipient>()
        .is_err()
    {
        return Err(BuildError::AuditRecipient(opts.audit_recipient.clone()));
    }
    // A window left open in the policy is the snapshot's validity, with the same tolerance for a
    // laptop clock a little behind the hub's that the vault gives when it opens.
    let policy = opts.policy.clone().resolved(
        opts.vault.created - Duration::minutes(fieldchart_vault::CLOCK_SKEW_MINUTES),
        opts.vault.not_after,
    );
    let out_dir = match opts.out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let work = tempfile::Builder::new()
        .prefix(".fieldchart-build-")
        .tempdir_in(&out_dir)
        .map_err(|source| BuildError::WorkDir {
            dir: out_dir.clone(),
            source,
        })?;

    let facilities: Vec<String> = {
        let mut f: Vec<String> = opts
            .storage
            .iter()
            .map(|r| r.facility.as_str().to_string())
            .collect();
        f.sort();
        f.dedup();
        f
    };
    let storage = Storage::scan(opts.storage);
    let plan = opts.chain.clone();
    let only = plan.as_ref().and_then(|p| p.only.as_ref());
    let total = only.map_or(storage.patient_count(), HashSet::len) as u64;
    let from = window_start(opts.vault.created, opts.window_years);

    let mut sink = sink::Sink::create(work.path())?;
    let wanted = |facility: &FacilityId, id: &fieldchart_storage::PatientId| {
        only.is_none_or(|o| o.contains(&(facility.as_str().to_string(), id.as_str().to_string())))
    };
    let mut done = 0u64;
    let coder = Coder::new(opts.masters.clone());
    let verifier = signatures::Verifier::new(opts.hpki.clone(), opts.vault.created);
    let from_day = from.format("%Y-%m-%d").to_string();
    let counted = pipeline::store(
        &storage,
        wanted,
        prepare::Context {
            from: &from_day,
            verifier: &verifier,
            coder: &coder,
        },
        &mut sink,
        pipeline::Counted::new(Tally::new(&storage), plan.is_some()),
        &mut || {
            done += 1;
            progress(Progress::Reading { done, total });
        },
    )?;
    let unknown_codes = counted.unknown.report();
    let signature_counts = counted.signatures;
    let (mut tally, tallies, signers) = (counted.tally, counted.tallies, counted.signers);
    if let Some(plan) = &plan {
        for (facility, t) in &plan.unchanged {
            tally.unchanged(&FacilityId::new(facility), t);
        }
    }
    progress(Progress::Finishing);
    let report = tally.finish();
    let facility_rows: Vec<FacilityManifest> = report
        .facilities
        .iter()
        .map(|f| FacilityManifest {
            code: f.facility.as_str().to_string(),
            name: opts.facility_names.get(f.facility.as_str()).cloned(),
            data_as_of: f.data_as_of.clone(),
            patients: f.patients,
            records: f.current,
            // The same tally `fieldchart check` prints, so the two can never disagree.
            superseded: f.superseded,
            deleted: f.deleted,
            cancelled: f.cancelled,
            errors: f.errors,
            warnings: f.warnings,
        })
        .collect();
    let stale_data_days = policy.session.stale_data_days;
    let stale = stale_facilities(&facility_rows, opts.vault.created, stale_data_days);
    let tombstones: &[Key] = plan.as_ref().map_or(&[], |p| &p.tombstones);
    let finished = sink.finish(
        &facility_rows,
        &opts.consent,
        &opts.links,
        tombstones,
        &policy,
        // Counted over everyone, so only where the file holds everyone: a base.
        plan.as_ref().is_none_or(|p| p.only.is_none()),
    )?;
    let all_patients = plan.as_ref().and_then(|p| p.all_patients.as_ref());
    let consent_counts = match all_patients {
        Some(all) => consent_counts(&opts.consent, all),
        None => finished.consent.clone(),
    };
    let link_counts = match all_patients {
        Some(all) => LinkCounts {
            unmatched: opts
                .links
                .iter()
                .filter(|l| !all.contains(&(l.facility.clone(), l.patient_id.clone())))
                .count() as u64,
            ..finished.links.clone()
        },
        None => finished.links.clone(),
    };
    let chain = plan.as_ref().map(|p| ChainLink {
        layer_patients: finished.patients,
        tombstones: tombstones.len() as u64,
        ..p.link.clone()
    });

    let counts = Counts {
        patients: all_patients.map_or(finished.patients, |a| a.len() as u64),
        records: report.current,
        items: finished.items,
        out_of_window: finished.out_of_window,
        documents: finished.documents,
        document_files: finished.document_files,
        document_bytes: finished.document_bytes,
        thumbnails: finished.thumbnails,
    };
    let manifest = AppManifest {
        content_version: CONTENT_VERSION,
        generator: format!("fieldchart {}", env!("CARGO_PKG_VERSION")),
        scope: Scope {
            window_years: opts.window_years,
            from: from.format("%Y-%m-%d").to_string(),
            kept_whole: vec!["allergy".into(), "problem".into(), "infection".into()],
            facilities,
        },
        facilities: facility_rows,
        counts,
        audit_recipient: opts.audit_recipient.clone(),
        consent: consent_counts,
        links: link_counts,
        chain: chain.clone(),
        masters: coder.manifest(),
    };

    let parts_list = finished.parts();
    let total_bytes: u64 = parts_list.iter().map(|(_, p)| file_len(p)).sum();
    let mut writer = SnapshotWriter::create(&opts.out, opts.vault)?;
    let mut written = 0u64;
    for (name, path) in &parts_list {
        let mut file = std::fs::File::open(path).map_err(|source| BuildError::Io {
            what: format!("reading work file {}", path.display()),
            source,
        })?;
        writer.add_part(name, &mut file)?;
        written += file_len(path);
        progress(Progress::Encrypting {
            done: written,
            total: total_bytes,
        });
    }
    let app = serde_json::to_value(&manifest).map_err(|e| BuildError::Io {
        what: "manifest".into(),
        source: std::io::Error::other(e),
    })?;
    let label = serde_json::to_value(Label::of(&manifest)).map_err(|e| BuildError::Io {
        what: "label".into(),
        source: std::io::Error::other(e),
    })?;
    writer.set_label(label)?;
    let done = writer.finish(app)?;
    drop(work);

    Ok(BuildSummary {
        path: done.path,
        snapshot_id: done.snapshot_id,
        patients: manifest.counts.patients,
        records: manifest.counts.records,
        items: manifest.counts.items,
        out_of_window: manifest.counts.out_of_window,
        documents: manifest.counts.documents,
        errors: report.errors.len() as u64,
        warnings: report.warnings.len() as u64,
        consent: manifest.consent.clone(),
        links: manifest.links.clone(),
        probable_matches: finished.probable.clone(),
        link_warnings: finished.link_warnings.clone(),
        stale,
        stale_data_days,
        bytes: done.bytes,
        seconds: started.elapsed().as_secs_f64(),
        digest: done.digest,
        chain,
        tallies,
        signers,
        facilities: manifest.facilities.clone(),
        masters: manifest.masters.clone(),
        unknown_codes,
        signatures: signature_counts,
    })
}

/// The consent list's counts against every patient of the chain (not only a layer's own).
fn consent_counts(consent: &[ConsentRow], all: &HashSet<Key>) -> ConsentCounts {
    let mut counts = ConsentCounts::default();
    for c in consent {
        // As the store counts them (sink::consent_counts): an "unknown" row held is neither.
        if !all.contains(&(c.facility.clone(), c.patient_id.clone())) {
            counts.unmatched += 1;
        } else if c.consent == fieldchart_policy::Consent::Refused {
            counts.refused += 1;
        } else if c.consent == fieldchart_policy::Consent::Consented {
            counts.consented += 1;
        }
    }
    counts
}

fn file_len(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

/// The vault part name of a file of the index directory.
pub(crate) fn index_part_name(file_name: &str) -> String {
    format!("{}{file_name}", parts::INDEX_PREFIX)
}
