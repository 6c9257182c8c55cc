//! "Sync now" on the start screen: the laptop brings the hub's chain from its repository (a web
//! address, or a folder such as a USB stick's copy) into its first snapshot folder, with
//! [`fieldchart_sync::repository::sync_repository`], which checks the repository's metadata
//! (rollback, freeze), fetches only what is missing, checks every file whole, audits, and only then
//! switches.
//!
//! The screen models: whether a sync is offered ([`SyncOffer`], on the start screen), where a
//! running sync is ([`SyncProgress`], read through a [`SyncWatch`] while the sync holds the desk:
//! the window polls it, as it may use no event API), and what it did ([`SyncScreen`]: the outcome,
//! what was fetched, and each facility's data-as-of before and after).

use std::sync::{Arc, Mutex};

use fieldchart_store::manifest::FacilityManifest;
use fieldchart_sync::repository::RepoSynced;
use serde::Serialize;

use crate::contract::{Screen, Step, StepOf, SyncOutcome, SyncPhase};
use crate::day::Day;
use crate::screens::StartScreen;

/// "Sync now" is offered: from where, into which folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncOffer {
    /// The repository: an `http(s)://` address or a folder.
    pub source: String,
    /// The laptop's snapshot folder the chain goes into.
    pub into: String,
}

/// Where a sync is: the file being fetched (or checked) and its bytes done of all.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncProgress {
    /// A sync is running now.
    pub running: bool,
    /// What it is doing (`None` before the first file).
    pub phase: Option<SyncPhase>,
    /// The repository file being fetched (its path in the repository), while fetching.
    pub file: Option<String>,
    pub done: u64,
    pub total: u64,
}

/// The shared progress of the desk's sync: the sync writes it, the window reads it without waiting
/// for the desk (which the sync holds until it ends).
#[derive(Debug, Clone, Default)]
pub struct SyncWatch(Arc<Mutex<SyncProgress>>);

impl SyncWatch {
    /// The progress now.
    pub fn get(&self) -> SyncProgress {
        self.lock().clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, SyncProgress> {
        // A panic while updating leaves plain numbers: still readable.
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn begin(&self) {
        *self.lock() = SyncProgress {
            running: true,
            ..SyncProgress::default()
        };
    }

    /// The sync's callback: `file` is a repository path while fetching, `verifying` while a
    /// fetched file is checked (fieldchart_sync::chain::bring).
    pub(crate) fn update(&self, file: &str, done: u64, total: u64) {
        let mut p = self.lock();
        let verifying = file == "verifying";
        p.phase = Some(if verifying {
            SyncPhase::Verifying
        } else {
            SyncPhase::Fetching
        });
        if !verifying {
            p.file = Some(file.to_string());
        }
        p.done = done;
        p.total = total;
    }

    pub(crate) fn end(&self) {
        self.lock().running = false;
    }
}

/// One facility's data-as-of before the sync and after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncedFacility {
    pub code: String,
    pub name: Option<String>,
    /// As the laptop's chain from this hub had it (`None`: no chain yet, or not in it).
    pub before: Option<Day>,
    /// As the chain now has it (`None`: the facility is no longer in it).
    pub after: Option<Day>,
}

/// What "Sync now" did, with the start screen's cards as they are now.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncScreen {
    pub step: StepOf<Self>,
    pub outcome: SyncOutcome,
    pub source: String,
    /// Files in the chain, files fetched now and their bytes.
    pub files: usize,
    pub fetched: usize,
    pub fetched_bytes: u64,
    pub facilities: Vec<SyncedFacility>,
    /// The start screen, listed again: the new chain's card is on it.
    pub start: StartScreen,
}

impl Screen for SyncScreen {
    const STEP: Step = Step::Start;
}

/// Each facility of the chain after the sync, in its order, then those only the chain before had.
pub(crate) fn facilities(synced: &RepoSynced) -> Vec<SyncedFacility> {
    let before: &[FacilityManifest] = synced.before.as_deref().unwrap_or_default();
    let after = &synced.brought.app.facilities;
    let day = |f: &FacilityManifest| Day::opt(f.data_as_of.as_deref());
    let mut out: Vec<SyncedFacility> = after
        .iter()
        .map(|f| SyncedFacility {
            code: f.code.clone(),
            name: f.name.clone(),
            before: before.iter().find(|b| b.code == f.code).and_then(day),
            after: day(f),
        })
        .collect();
    out.extend(
        before
            .iter()
            .filter(|b| !after.iter().any(|f| f.code == b.code))
            .map(|b| SyncedFacility {
                code: b.code.clone(),
                name: b.name.clone(),
                before: day(b),
                after: None,
            }),
    );
    out
}
