//! Damage found in the middle of a session is reported as what it is, in the vault's own words and
//! with its exit code, and written to the audit log as its own entry.
//!
//! Unlock checks the envelope, the manifest and what opening reads; every other block is checked as
//! it is read. A flipped byte in a block that only a search, a record or a document reads therefore
//! comes to light after unlock, through SQLite's VFS, tantivy's directory or a document read. This
//! test flips one byte in every 64 KiB block of every part of a real drill snapshot in turn, then
//! searches everyone, opens every record and fetches every document.

use std::collections::BTreeSet;
use std::path::Path;

use chrono::{Local, Utc};
use fieldchart_audit::{Event, UnlockMethod};
use fieldchart_failure::Failure;
use fieldchart_policy::{Basis, Declaration, Profession};
use fieldchart_session::{
    Session, SessionError, SessionOptions, ViewError, Viewing, ViewingOptions,
};
use fieldchart_store::rows::Entry;
use fieldchart_testbed::Testbed;
use fieldchart_vault::{TrustedKey, Unlock};
use tantivy::query::{BooleanQuery, Occur, Query, RegexQuery};

/// The vault's plaintext block, which is also age's STREAM chunk.
const BLOCK: u64 = 64 * 1024;
/// age's STREAM adds a 16-byte tag to each chunk.
const TAG: u64 = 16;
/// The snapshot's fixed plaintext envelope, before the age header.
const ENVELOPE: u64 = 8 * 1024;

fn options(bed: &Testbed, path: &Path) -> SessionOptions {
    SessionOptions {
        path: path.to_path_buf(),
        unlock: Unlock::Identity(fieldchart_vault::load_identity(&bed.device_key).unwrap()),
        trusted: vec![
            TrustedKey::parse(std::fs::read_to_string(&bed.hub_pub).unwrap().trim()).unwrap(),
        ],
        now: Utc::now(),
        accept_expired: false,
    }
}

fn doctor(audit_log: &Path) -> ViewingOptions {
    ViewingOptions {
        declaration: Declaration {
            name: "試験 医師".into(),
            profession: Profession::Doctor,
            team: "DMAT-TEST".into(),
            event: String::new(),
            authorisation: None,
        },
        audit_log: audit_log.to_path_buf(),
        break_glass: None,
        method: UnlockMethod::DeviceKey,
        clock: Box::new(Utc::now),
    }
}

/// Everyone the snapshot holds, as (facility, patient ID), by a search whose terms are every term
/// of the name, kana, address and clinical fields: it reads the whole term dictionary and every
/// posting list, and then every patient row.
fn search_everyone(viewing: &mut Viewing) -> Result<Vec<(String, String)>, ViewError> {
    let mut access = viewing.search_access("everyone")?;
    let f = *access.fields();
    let every_term: Vec<(Occur, Box<dyn Query>)> = [f.name, f.kana, f.address, f.clinical]
        .into_iter()
        .map(|field| {
            let q: Box<dyn Query> = Box::new(RegexQuery::from_pattern(".*", field).unwrap());
            (Occur::Should, q)
        })
        .collect();
    let top = access.top(&BooleanQuery::new(every_term), 100_000)?;
    let mut found = Vec::new();
    for (_, pk) in top {
        let row = access.patient(pk)?;
        found.push((row.facility, row.patient_id));
    }
    let n = u32::try_from(found.len()).unwrap();
    access.finish(n)?;
    Ok(found)
}

/// Opens every record of `patients` and fetches each one's documents.
fn open_everything(
    viewing: &mut Viewing,
    patients: &[(String, String)],
) -> Result<(), (&'static str, ViewError)> {
    let today = Local::now().date_naive();
    for (facility, id) in patients {
        let mut access =
            match viewing.record_access(facility, id, Some(Basis::VitalInterest), today) {
                Ok(Some(a)) => a,
                Ok(None) => continue,
                // A patient who refused consent needs break-glass: not what this test is about.
                Err(ViewError::Refused(_)) => continue,
                Err(e) => return Err(("record", e)),
            };
        access.patient_row(0).map_err(|e| ("record", e))?;
        let chart = access.chart(0).map_err(|e| ("record", e))?;
        let blobs: Vec<i64> = chart
            .values()
            .flatten()
            .filter_map(|i| match &i.entry {
                Entry::Document(d) => Some(d.files.iter().flat_map(|f| [f.blob, f.thumbnail])),
                _ => None,
            })
            .flatten()
            .flatten()
            .collect();
        access.finish(Vec::new()).map_err(|e| ("record", e))?;
        for blob in blobs {
            viewing.blob(blob).map_err(|e| ("document", e))?;
        }
    }
    Ok(())
}

#[test]
#[cfg_attr(
    not(heavy_tests),
    ignore = "heavy: builds a 300-patient drill snapshot and reopens it once per block; set FIELDCHART_HEAVY_TESTS=1"
)]
fn damage_met_after_unlock_is_the_vaults_own_error_and_is_audited() {
    let dir = tempfile::tempdir().unwrap();
    // Enough patients that the index files span several blocks, read only as a search needs them.
    let bed = Testbed::make(&dir.path().join("bed"), 300);
    let clean = std::fs::read(&bed.drill).unwrap();
    let parts = {
        let session = Session::open(options(&bed, &bed.drill)).unwrap();
        session.manifest().parts.clone()
    };
    // A clean pass first: every action works, so any failure below is the flipped byte's.
    let patients = {
        let log = dir.path().join("clean.log");
        let mut viewing = Viewing::begin(
            Session::open(options(&bed, &bed.drill)).unwrap(),
            doctor(&log),
        )
        .unwrap();
        let patients = search_everyone(&mut viewing).unwrap();
        assert!(patients.len() >= 300, "{} patients", patients.len());
        open_everything(&mut viewing, &patients).expect("the clean snapshot opens everything");
        patients
    };

    let identity = fieldchart_vault::load_identity(&bed.hub_audit_key).unwrap();
    let mut mid_session: BTreeSet<&'static str> = BTreeSet::new();
    let mut at_open = 0;
    for part in &parts {
        let first = part.offset / BLOCK;
        let last = (part.offset + part.len.max(1) - 1) / BLOCK;
        for block in first..=last {
            // Aim at the middle of the block's ciphertext: the age header before the payload is
            // far shorter than half a block, so this lands in the block whatever its length.
            let at = ENVELOPE + block * (BLOCK + TAG) + BLOCK / 2;
            let Ok(at) = usize::try_from(at) else {
                continue;
            };
            if at >= clean.len() {
                continue;
            }
            let mut bytes = clean.clone();
            bytes[at] ^= 0x20;
            let path = dir.path().join(format!(
                "flipped-{}-{block}.fcs",
                part.name.replace('/', "_")
            ));
            std::fs::write(&path, &bytes).unwrap();

            // A search on one session, records and documents on another, so that each action
            // reads every block it can reach.
            for pass in ["search", "records"] {
                let session = match Session::open(options(&bed, &path)) {
                    Ok(s) => s,
                    Err(e) => {
                        assert_eq!(
                            e.failure(),
                            Failure::Tampered,
                            "{}, block {block}: {e}",
                            part.name
                        );
                        at_open += 1;
                        break;
                    }
                };
                let log = dir.path().join(format!(
                    "{}-{block}-{pass}.log",
                    part.name.replace('/', "_")
                ));
                // Beginning reads the signed policy part: damage there stops the unlock itself.
                let mut viewing = match Viewing::begin(session, doctor(&log)) {
                    Ok(v) => v,
                    Err(e) => {
                        assert_eq!(
                            e.failure(),
                            Failure::Tampered,
                            "{}, block {block}: {e}",
                            part.name
                        );
                        at_open += 1;
                        break;
                    }
                };
                let failed = if pass == "search" {
                    search_everyone(&mut viewing).err().map(|e| ("search", e))
                } else {
                    open_everything(&mut viewing, &patients).err()
                };
                let Some((action, error)) = failed else {
                    continue;
                };
                // The vault's error, not SQLite's "disk I/O error" nor tantivy's "Failed to open".
                assert!(
                    matches!(
                        error,
                        ViewError::Session(SessionError::Vault(
                            fieldchart_vault::VaultError::Tampered { .. }
                        ))
                    ),
                    "{} block {block} during {action}: {error}",
                    part.name
                );
                assert_eq!(error.failure(), Failure::Tampered);
                let words = error.to_string();
                for not in [
                    "disk I/O",
                    "Failed to open",
                    "clinical store:",
                    "search index:",
                ] {
                    assert!(!words.contains(not), "{action}: {words}");
                }
                // The trail holds the failure itself, after the unlock and declaration.
                let records = fieldchart_audit::log::read(&log, &identity).unwrap();
                let damaged: Vec<_> = records
                    .iter()
                    .filter_map(|r| match &r.entry.event {
                        Event::SnapshotDamaged { action, reason, .. } => Some((action, reason)),
                        _ => None,
                    })
                    .collect();
                assert_eq!(damaged.len(), 1, "{action}: {records:?}");
                assert_eq!(damaged[0].0, action);
                assert_eq!(damaged[0].1, &words);
                mid_session.insert(action);
            }
        }
    }
    assert!(
        at_open > 0,
        "no flip was caught at open: the test flips the wrong bytes"
    );
    assert_eq!(
        mid_session,
        BTreeSet::from(["document", "record", "search"]),
        "each action met damage after unlock at least once"
    );
}
