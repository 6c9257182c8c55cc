//! The desktop app's workflow without a window (requirements APP-1 to APP-13): the emergency
//! manual's eight steps as commands, each answering with a screen model ([`screens`]) or an
//! [`AppError`].
//!
//! `src-tauri` holds one [`Desk`] and exposes each method as a Tauri command; the front end renders
//! what comes back. Every decision is made here or below: which snapshots there are and whether
//! they are valid ([`catalog`]), unlocking, the declaration, policy, consent and break-glass
//! ([`fieldchart_session::Viewing`]), search and record ([`fieldchart_query`]), the two-identifier
//! check before a record opens, the idle lock, and the time each step took for a drill report
//! ([`steps`]). The contract with the front end is docs/app.md.
//!
//! States: start → unlocked (snapshot open, nobody declared) → viewing (declared; a record may be
//! shown) ⇄ locked (the snapshot stays open for a quick resume; the viewing ended and was audited)
//! → end (everything decrypted is dropped) → start.

pub mod catalog;
pub mod config;
pub mod contract;
pub mod day;
mod error;
pub mod screens;
pub mod steps;
pub mod sync;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use base64::Engine;
use chrono::{DateTime, NaiveDate, Utc};
use fieldchart_audit::{PatientRef, UnlockMethod};
use fieldchart_policy::{Basis, Declaration, Policy, Profession};
use fieldchart_query::record::MemberState;
use fieldchart_query::search::Breadth;
use fieldchart_session::{Session, SessionOptions, Viewing, ViewingOptions};
use fieldchart_vault::{Unlock, VaultError};

pub use catalog::SnapshotCard;
pub use config::{Config, Zone};
use contract::{ErrorKind, Identifier, Language, Method, Step, StepOf, SyncOutcome};
pub use day::Day;
pub use error::AppError;
use screens::*;
use steps::StepClock;
use sync::{SyncOffer, SyncProgress, SyncScreen, SyncWatch};

/// How many results a search shows (fewer if the policy's `session.max_results` is lower).
const RESULTS: usize = 20;

/// How the open snapshot was unlocked, and what a resume needs again.
#[derive(Clone)]
struct How {
    path: PathBuf,
    /// The device key file, or `None` for the emergency passphrase.
    device_key: Option<PathBuf>,
    /// Whether that key is protected by a PIN, which a resume asks for again.
    pin: bool,
    /// A break-glass reason given to open an expired snapshot.
    break_glass: Option<String>,
    drill: bool,
    audit_log: PathBuf,
}

impl How {
    fn method(&self) -> Method {
        match self.device_key {
            Some(_) => Method::DeviceKey,
            None => Method::Passphrase,
        }
    }

    fn audit_method(&self) -> UnlockMethod {
        match self.method() {
            Method::DeviceKey => UnlockMethod::DeviceKey,
            Method::Passphrase => UnlockMethod::EmergencyPassphrase,
        }
    }
}

/// What a viewer unlocks with: the device key (and its PIN, when it has one) or the emergency
/// passphrase.
enum With {
    DeviceKey(Option<String>),
    Passphrase(String),
}

/// Loads the device key, with its PIN when it is protected (an empty PIN is no PIN).
fn load_device_key(key: &Path, pin: Option<String>) -> Result<age::x25519::Identity, VaultError> {
    let pin = pin
        .filter(|p| !p.is_empty())
        .map(age::secrecy::SecretString::from);
    fieldchart_vault::load_identity_with_pin(key, pin.as_ref())
}

struct Opened {
    session: Session,
    policy: Policy,
    how: How,
}

/// A record on screen.
struct Shown {
    patient: PatientRef,
    parts: RecordParts,
    blobs: HashSet<i64>,
}

struct Active {
    viewing: Viewing,
    how: How,
    facilities: Facilities,
    /// The patients the last search showed: a record opens only from them.
    last_results: Vec<(String, String)>,
    shown: Option<Shown>,
}

struct Paused {
    session: Session,
    policy: Policy,
    how: How,
    declaration: Declaration,
}

enum State {
    Start,
    Unlocked(Box<Opened>),
    Viewing(Box<Active>),
    Locked(Box<Paused>),
}

/// The app: one per window.
pub struct Desk {
    config: Config,
    state: State,
    cards: Vec<SnapshotCard>,
    steps: StepClock,
    last_input: DateTime<Utc>,
    /// The language the viewer chose: the drill report puts it first.
    lang: Language,
    /// Where "Sync now" is, for the window to poll while the sync runs.
    sync_watch: SyncWatch,
}

impl Desk {
    pub fn new(config: Config) -> Desk {
        let now = config.now();
        Desk {
            config,
            state: State::Start,
            cards: Vec::new(),
            steps: StepClock::new(now),
            last_input: now,
            lang: Language::default(),
            sync_watch: SyncWatch::default(),
        }
    }

    fn now(&self) -> DateTime<Utc> {
        self.config.now()
    }

    fn today(&self) -> NaiveDate {
        self.config.local_now().date()
    }

    /// Step 1: the snapshots this laptop can see. Whatever was open is ended first.
    pub fn start(&mut self) -> Result<StartScreen, AppError> {
        self.end_open()?;
        let now = self.now();
        self.steps = StepClock::new(now);
        Ok(self.list_snapshots())
    }

    /// The start screen as the laptop's folders and media hold it now.
    fn list_snapshots(&mut self) -> StartScreen {
        let now = self.now();
        let device_key = self.config.device_key().map(|p| p.display().to_string());
        self.cards = catalog::find(
            &self.config.snapshot_dirs,
            &self.config.removable_roots,
            &self.config.trusted_keys(),
            device_key.is_some(),
            now,
            self.config.zone,
        );
        let sync = self.config.sync_target().map(|(source, into)| SyncOffer {
            source: source.to_string(),
            into: into.display().to_string(),
        });
        let device_key_pin = self
            .config
            .device_key()
            .and_then(|k| fieldchart_vault::pin::device_key_info(k).ok())
            .is_some_and(|info| info.protected);
        StartScreen {
            step: StepOf::new(),
            snapshots: self.cards.clone(),
            device_key,
            device_key_pin,
            sync,
        }
    }

    /// "Sync now" (start screen only): brings the hub's chain from the configured repository into
    /// the laptop's first snapshot folder with this laptop's device key and trusted hub keys, and
    /// lists the snapshots again. The sync is written to the real audit log: which hub and whether
    /// its data is a drill is known only once the repository was checked, and the entry itself
    /// says whether it was a drill. Its progress is read meanwhile through [`Desk::sync_watch`].
    pub fn sync_now(&mut self, pin: Option<String>) -> Result<SyncScreen, AppError> {
        if !matches!(self.state, State::Start) {
            return Err(AppError::state("syncing"));
        }
        let Some((source, into)) = self
            .config
            .sync_target()
            .map(|(s, i)| (s.to_string(), i.to_path_buf()))
        else {
            return Err(AppError::state(
                "syncing without a sync source (FIELDCHART_SYNC_SOURCE)",
            ));
        };
        let key = self.config.device_key().map(PathBuf::from).ok_or_else(|| {
            AppError::desk(
                ErrorKind::NoDeviceKey,
                "this laptop has no device key: a sync checks every file with it",
            )
        })?;
        let identity = load_device_key(&key, pin).map_err(|e| {
            self.record_wrong_pin(&e, &self.config.audit_log, None, Path::new(&source));
            AppError::from(e)
        })?;
        let opts = fieldchart_sync::repository::RepoSyncOptions {
            source: source.clone(),
            dest_dir: into,
            unlock: Unlock::Identity(identity),
            trusted: self.config.trusted_keys(),
            now: self.now(),
            audit_log: self.config.audit_log.clone(),
            http: self.config.sync_http.clone(),
            device_key: Some(key.clone()),
        };
        let watch = self.sync_watch.clone();
        watch.begin();
        let synced =
            fieldchart_sync::repository::sync_repository(&opts, &mut |file, done, total| {
                watch.update(file, done, total)
            });
        watch.end();
        let synced = synced?;
        let start = self.list_snapshots();
        let b = &synced.brought;
        Ok(SyncScreen {
            step: StepOf::new(),
            outcome: if b.unchanged {
                SyncOutcome::AlreadyCurrent
            } else {
                SyncOutcome::Switched
            },
            source,
            files: b.files,
            fetched: b.fetched,
            fetched_bytes: b.fetched_bytes,
            facilities: sync::facilities(&synced),
            start,
        })
    }

    /// Where the running (or last) sync is.
    pub fn sync_progress(&self) -> SyncProgress {
        self.sync_watch.get()
    }

    /// A handle on the sync's progress that can be read while [`Desk::sync_now`] holds the desk
    /// (the window keeps one beside the desk's lock).
    pub fn sync_watch(&self) -> SyncWatch {
        self.sync_watch.clone()
    }

    /// Step 2: opens a listed snapshot with this laptop's device key (`passphrase` None) or the
    /// emergency passphrase. An expired snapshot opens only with a break-glass reason, which the
    /// signed policy then has to allow when the viewer declares. A failure is audited.
    pub fn unlock(
        &mut self,
        path: &str,
        passphrase: Option<String>,
        break_glass: Option<String>,
    ) -> Result<DeclareScreen, AppError> {
        let with = match passphrase {
            Some(p) => With::Passphrase(p),
            None => With::DeviceKey(None),
        };
        self.unlock_with(path, with, break_glass)
    }

    /// Step 2 with the device key and its PIN (a key protected by one: [`StartScreen`]'s
    /// `device_key_pin`). A missing or wrong PIN is [`ErrorKind::WrongPin`] and is audited as a
    /// failed unlock.
    pub fn unlock_device_key(
        &mut self,
        path: &str,
        pin: Option<String>,
        break_glass: Option<String>,
    ) -> Result<DeclareScreen, AppError> {
        self.unlock_with(path, With::DeviceKey(pin), break_glass)
    }

    fn unlock_with(
        &mut self,
        path: &str,
        with: With,
        break_glass: Option<String>,
    ) -> Result<DeclareScreen, AppError> {
        if !matches!(self.state, State::Start) {
            return Err(AppError::state("unlocking"));
        }
        let card = self
            .cards
            .iter()
            .find(|c| c.path == path)
            .cloned()
            .ok_or_else(|| {
                AppError::desk(ErrorKind::NoSnapshot, format!("{path} is not in the list"))
            })?;
        let audit_log = self.audit_log(card.drill);
        let break_glass = break_glass
            .map(|r| r.trim().to_string())
            .filter(|r| !r.is_empty());
        let (unlock, device_key, pin) = match with {
            With::Passphrase(p) if !p.is_empty() => (Unlock::typed_passphrase(p), None, false),
            With::Passphrase(_) => {
                return Err(AppError::desk(
                    ErrorKind::WrongPassphrase,
                    "type the emergency passphrase",
                ));
            }
            With::DeviceKey(pin) => {
                let key = self.config.device_key().map(PathBuf::from).ok_or_else(|| {
                    AppError::desk(
                        ErrorKind::NoDeviceKey,
                        "this laptop has no device key; use the emergency passphrase",
                    )
                })?;
                let protected =
                    fieldchart_vault::pin::device_key_info(&key).is_ok_and(|info| info.protected);
                match load_device_key(&key, pin) {
                    Ok(identity) => (Unlock::Identity(identity), Some(key), protected),
                    Err(e) => {
                        self.record_wrong_pin(&e, &audit_log, None, Path::new(path));
                        return Err(e.into());
                    }
                }
            }
        };
        let how = How {
            path: PathBuf::from(path),
            device_key,
            pin,
            break_glass: break_glass.clone(),
            drill: card.drill,
            audit_log,
        };
        if self.steps.current() == Step::Start {
            // The screen did not say a snapshot was chosen: unlocking is step 2 all the same.
            let now = self.now();
            self.steps.enter(Step::Unlock, now);
        }
        let session = self.open_session(&how, unlock)?;
        let policy = session
            .policy()
            .map_err(|e| AppError::unlocking(&e, how.method()))?;
        let now = self.now();
        self.steps.enter(Step::Declare, now);
        let opened = Opened {
            session,
            policy,
            how,
        };
        let banner = banner(&opened.session, &opened.policy, None, None, self.today());
        let default_event = opened.policy.event.name.clone();
        self.state = State::Unlocked(Box::new(opened));
        Ok(DeclareScreen {
            step: StepOf::new(),
            banner,
            professions: Profession::ALL
                .into_iter()
                .map(|p| ProfessionChoice {
                    words: profession_words(p),
                    needs_auth_code: p == Profession::Clerk,
                })
                .collect(),
            default_event,
        })
    }

    fn audit_log(&self, drill: bool) -> PathBuf {
        if drill {
            self.config.drill_audit_log.clone()
        } else {
            self.config.audit_log.clone()
        }
    }

    /// A wrong PIN is a failed unlock in the laptop's audit log; the error shown says what went
    /// wrong either way, so an audit write that fails here changes nothing on screen.
    fn record_wrong_pin(
        &self,
        e: &VaultError,
        audit_log: &Path,
        declaration: Option<&Declaration>,
        file: &Path,
    ) {
        let _ = fieldchart_session::viewing::record_wrong_pin(
            e,
            audit_log,
            declaration,
            file,
            &self.config.trusted_keys(),
            self.now(),
        );
    }

    /// Opens the snapshot; a failure is written to the laptop's audit log and worded for the user.
    fn open_session(&self, how: &How, unlock: Unlock) -> Result<Session, AppError> {
        let opened = Session::open(SessionOptions {
            path: how.path.clone(),
            unlock,
            trusted: self.config.trusted_keys(),
            now: self.now(),
            accept_expired: how.break_glass.is_some(),
        });
        opened.map_err(|e| {
            // A first unlock has no log yet: the file's signed label names the hub to tell.
            let _ = fieldchart_session::viewing::record_failed_unlock(
                &how.audit_log,
                None,
                &how.path,
                &self.config.trusted_keys(),
                self.now(),
                &e.to_string(),
            );
            AppError::unlocking(&e, how.method())
        })
    }

    /// Step 3: who is viewing. The declaration is checked against the signed policy and audited;
    /// when refused (a clerk without the hub's code, say) the snapshot stays open to try again.
    pub fn declare(
        &mut self,
        name: &str,
        profession: &str,
        team: &str,
        event: &str,
        auth_code: Option<String>,
    ) -> Result<SearchScreen, AppError> {
        let profession: Profession = profession.parse().map_err(AppError::bad_input)?;
        let declaration = Declaration {
            name: name.trim().to_string(),
            profession,
            team: team.trim().to_string(),
            event: event.trim().to_string(),
            authorisation: auth_code
                .map(|c| c.trim().to_string())
                .filter(|c| !c.is_empty()),
        };
        let opened = match std::mem::replace(&mut self.state, State::Start) {
            State::Unlocked(o) => o,
            other => {
                self.state = other;
                return Err(AppError::state("declaring"));
            }
        };
        let Opened {
            session,
            policy,
            how,
        } = *opened;
        match self.begin(session, &how, declaration) {
            Ok(active) => self.began(active),
            Err(not) => {
                let (e, session) = *not;
                self.state = State::Unlocked(Box::new(Opened {
                    session,
                    policy,
                    how,
                }));
                Err(e)
            }
        }
    }

    /// A viewing began (declared, or resumed): the search is next, and the idle clock starts.
    fn began(&mut self, active: Active) -> Result<SearchScreen, AppError> {
        self.state = State::Viewing(Box::new(active));
        let now = self.now();
        self.steps.enter(Step::Find, now);
        self.last_input = now;
        Ok(SearchScreen {
            step: StepOf::new(),
            banner: self.banner()?,
        })
    }

    fn begin(
        &self,
        session: Session,
        how: &How,
        declaration: Declaration,
    ) -> Result<Active, Box<(AppError, Session)>> {
        let facilities = Facilities::of(session.app());
        let clock = self.config.clock.clone();
        let opts = ViewingOptions {
            declaration,
            audit_log: how.audit_log.clone(),
            break_glass: how.break_glass.clone(),
            method: how.audit_method(),
            clock: Box::new(move || clock()),
        };
        match Viewing::begin_keeping(session, opts) {
            Ok(viewing) => Ok(Active {
                viewing,
                how: how.clone(),
                facilities,
                last_results: Vec::new(),
                shown: None,
            }),
            Err(not) => Err(Box::new((not.error.into(), not.session))),
        }
    }

    /// The active viewing, after the idle check: a viewer idle longer than the policy allows
    /// finds the session locked (and audited as such) instead of the answer.
    fn active(&mut self) -> Result<&mut Active, AppError> {
        let now = self.now();
        let idle = match &self.state {
            State::Viewing(a) => {
                let limit = i64::from(a.viewing.policy().session.idle_lock_minutes);
                limit > 0 && (now - self.last_input).num_seconds() >= limit * 60
            }
            State::Locked(_) => {
                return Err(AppError::desk(ErrorKind::Locked, "the session is locked"));
            }
            _ => return Err(AppError::state("this")),
        };
        if idle {
            self.lock()?;
            return Err(AppError::desk(
                ErrorKind::Locked,
                "the session locked itself after the policy's idle time",
            ));
        }
        self.last_input = now;
        match &mut self.state {
            State::Viewing(a) => Ok(a),
            _ => Err(AppError::state("this")),
        }
    }

    /// The banner of the active viewing.
    fn banner(&self) -> Result<Banner, AppError> {
        match &self.state {
            State::Viewing(a) => Ok(banner(
                a.viewing_session_facts(),
                a.viewing.policy(),
                Some(a.viewing.declaration()),
                a.viewing.break_glass_reason(),
                self.today(),
            )),
            _ => Err(AppError::state("this")),
        }
    }

    /// Step 4: one search box, with optional date of birth, sex and address beside it; they are
    /// one query to the index. The search is audited before its results come back.
    pub fn search(
        &mut self,
        query: &str,
        dob: Option<&str>,
        sex: Option<&str>,
        address: Option<&str>,
    ) -> Result<Results, AppError> {
        let text: Vec<&str> = [Some(query), dob, sex, address]
            .into_iter()
            .flatten()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        let text = text.join(" ");
        let today = self.today();
        let now = self.now();
        let active = self.active()?;
        let limit = RESULTS.min(active.viewing.policy().session.max_results as usize);
        let answer = fieldchart_query::search::search(&mut active.viewing, &text, limit, today)?;
        let too_broad = match answer.breadth {
            Breadth::TooBroad { more_than } => Some(TooBroad { more_than }),
            Breadth::Within { .. } => None,
        };
        let results = answer.results;
        // A row's linked identifiers the snapshot holds can be opened from it too.
        active.last_results = results
            .iter()
            .flat_map(|r| {
                std::iter::once((r.facility.clone(), r.patient_id.clone())).chain(
                    r.linked
                        .iter()
                        .filter(|l| l.held)
                        .map(|l| (l.facility.clone(), l.patient_id.clone())),
                )
            })
            .collect();
        active.shown = None;
        let rows = results
            .iter()
            .map(|r| ResultRow::of(r, &active.facilities))
            .collect();
        self.steps.enter(Step::Find, now);
        Ok(Results {
            step: StepOf::new(),
            banner: self.banner()?,
            query: text,
            results: rows,
            too_broad,
        })
    }

    /// Step 5: opens a patient from the last results once the viewer confirmed two identifiers
    /// (patient-safety practice), on the legal basis the policy asks for. Audited.
    pub fn open_record(
        &mut self,
        facility: &str,
        patient_id: &str,
        confirmed: &[Identifier],
        basis: Option<&str>,
    ) -> Result<RecordScreen, AppError> {
        let mut ids: Vec<Identifier> = confirmed.iter().copied().filter(|c| c.confirms()).collect();
        ids.sort_unstable();
        ids.dedup();
        if ids.len() < 2 {
            return Err(AppError::desk(
                ErrorKind::NeedsConfirmation,
                "confirm the patient on two identifiers (name and date of birth) before opening",
            ));
        }
        let basis = match basis {
            None | Some("") => None,
            Some("vital-interest") => Some(Basis::VitalInterest),
            Some("verbal-consent") => Some(Basis::VerbalConsent),
            Some(other) => {
                return Err(AppError::bad_input(format!(
                    "unknown basis {other:?}: vital-interest or verbal-consent"
                )));
            }
        };
        let today = self.today();
        let now = self.now();
        let stale_days = {
            let active = self.active()?;
            if !active
                .last_results
                .iter()
                .any(|(f, p)| f == facility && p == patient_id)
            {
                return Err(AppError::desk(
                    ErrorKind::State,
                    "open a patient from the search results shown",
                ));
            }
            active.shown = None;
            active.viewing.policy().session.stale_data_days
        };
        let active = self.active()?;
        let view = fieldchart_query::record::record(
            &mut active.viewing,
            facility,
            patient_id,
            basis,
            today,
        )?
        .ok_or_else(|| AppError::bad_input("this snapshot has no such patient"))?;
        let parts = RecordParts::of(&view, &active.facilities, today, stale_days);
        let blobs = parts.blobs().into_iter().collect();
        // A "possibly the same person" line opens that patient's own record, after its own
        // two-identifier confirmation (checked above, as for a search row).
        for p in &parts.possibly {
            let id = (p.facility.code.clone(), p.patient_id.clone());
            if !active.last_results.contains(&id) {
                active.last_results.push(id);
            }
        }
        active.shown = Some(Shown {
            // The header's identifier: the opened one, unless its facility withholds it.
            patient: PatientRef {
                facility: view.patient.row.facility.clone(),
                patient_id: view.patient.row.patient_id.clone(),
            },
            parts,
            blobs,
        });
        self.steps.enter(Step::Summary, now);
        self.record_screen()
    }

    fn shown(&self) -> Result<&Shown, AppError> {
        match &self.state {
            State::Viewing(a) => a.shown.as_ref().ok_or_else(|| AppError::state("no record")),
            _ => Err(AppError::state("this")),
        }
    }

    fn record_screen(&self) -> Result<RecordScreen, AppError> {
        let s = self.shown()?;
        let banner = self.banner()?;
        let mut access = s.parts.access.clone();
        access.break_glass = banner.break_glass.clone();
        Ok(RecordScreen {
            step: StepOf::new(),
            banner,
            patient: s.parts.patient.clone(),
            masters: s.parts.masters.clone(),
            access,
            data_as_of: s.parts.age.clone(),
            linked: s.parts.linked.clone(),
            possibly: s.parts.possibly.clone(),
            critical: s.parts.critical.clone(),
            summary: s.parts.summary.clone(),
            details: s.parts.details.clone(),
        })
    }

    /// Break-glass for the rest of this viewing: the policy checks the reason and the profession;
    /// it is audited and shown on every screen.
    pub fn break_glass(&mut self, reason: &str) -> Result<Banner, AppError> {
        let active = self.active()?;
        active.viewing.break_glass(reason)?;
        self.banner()
    }

    /// A document file or thumbnail of the record on screen (and only of it).
    pub fn document(&mut self, blob: i64) -> Result<Blob, AppError> {
        let active = self.active()?;
        let Some(shown) = &active.shown else {
            return Err(AppError::state("a document without a record"));
        };
        if !shown.blobs.contains(&blob) {
            return Err(AppError::bad_input(
                "that file is not part of the record on screen",
            ));
        }
        let (media_type, bytes) = active.viewing.blob(blob)?;
        Ok(Blob {
            media_type,
            base64: base64::engine::general_purpose::STANDARD.encode(bytes),
        })
    }

    /// Steps only the screen knows of: 2 a snapshot was chosen (its unlock screen shows), and in a
    /// viewing 4 back to the search, 5 back to the summary, 6 a details tab, 7 print preview.
    pub fn mark_step(&mut self, step: Step) -> Result<(), AppError> {
        let now = self.now();
        match (step, &self.state) {
            (Step::Unlock, State::Start) => {}
            (Step::Find | Step::Summary | Step::Details | Step::Print, _) => {
                self.active()?;
            }
            _ => {
                return Err(AppError::bad_input(format!(
                    "no step {} to mark here",
                    step.number()
                )));
            }
        }
        self.steps.enter(step, now);
        Ok(())
    }

    /// Step 7: the A4 summary of the record on screen. The print is audited before the page is
    /// handed to the printer.
    pub fn print_summary(&mut self) -> Result<PrintScreen, AppError> {
        let now = self.now();
        let active = self.active()?;
        let Some(shown) = &active.shown else {
            return Err(AppError::state("printing without a record"));
        };
        // The page carries every shown facility's data: the entry names each identifier.
        let also: Vec<String> = shown
            .parts
            .linked
            .iter()
            .filter(|m| m.state == MemberState::Shown)
            .map(|m| format!("{}:{}", m.facility.code, m.patient_id))
            .collect();
        let what = if also.is_empty() {
            "record summary (A4)".to_string()
        } else {
            format!("record summary (A4), with linked {}", also.join(", "))
        };
        active
            .viewing
            .printed(Some(shown.patient.clone()), &what, None)?;
        self.steps.enter(Step::Print, now);
        let r = self.record_screen()?;
        Ok(PrintScreen {
            step: StepOf::new(),
            banner: r.banner,
            printed_at: Day::parse(&catalog::local_time(now, self.config.zone)),
            patient: r.patient,
            access: r.access,
            data_as_of: r.data_as_of,
            linked: r.linked,
            critical: r.critical,
            summary: r.summary,
        })
    }

    /// Input happened on screen: the idle timer starts again (or the session locks if it was
    /// already idle too long).
    pub fn activity(&mut self) -> Result<(), AppError> {
        self.active().map(|_| ())
    }

    /// Back to the search: the record leaves memory.
    pub fn close_record(&mut self) -> Result<(), AppError> {
        let now = self.now();
        let active = self.active()?;
        active.shown = None;
        self.steps.enter(Step::Find, now);
        Ok(())
    }

    /// Step 8: locks. The viewing ends (audited); the snapshot stays open so that resuming is quick.
    pub fn lock(&mut self) -> Result<LockScreen, AppError> {
        let state = std::mem::replace(&mut self.state, State::Start);
        let State::Viewing(active) = state else {
            self.state = state;
            return Err(AppError::state("locking"));
        };
        let Active { viewing, how, .. } = *active;
        let declaration = viewing.declaration().clone();
        let policy = viewing.policy().clone();
        let drill = viewing.manifest().drill;
        let session = viewing.suspend()?;
        let now = self.now();
        self.steps.enter(Step::LockOrEnd, now);
        let screen = LockScreen {
            step: StepOf::new(),
            drill,
            viewer: Some(viewer(&declaration)),
            method: how.method(),
            pin: how.pin,
        };
        self.state = State::Locked(Box::new(Paused {
            session,
            policy,
            how,
            declaration,
        }));
        Ok(screen)
    }

    /// Step 8, back: the same viewer resumes. With the device key the key file is read again
    /// (with its PIN, `secret`, when it is protected); with the emergency passphrase (`secret`)
    /// it is typed again and checked by opening the snapshot anew. The new viewing is audited
    /// like the first; a wrong PIN as a failed unlock.
    pub fn resume(&mut self, secret: Option<String>) -> Result<SearchScreen, AppError> {
        let state = std::mem::replace(&mut self.state, State::Start);
        let State::Locked(paused) = state else {
            self.state = state;
            return Err(AppError::state("resuming"));
        };
        let Paused {
            session,
            policy,
            how,
            declaration,
        } = *paused;
        let session = match &how.device_key {
            Some(key) => match load_device_key(key, secret) {
                Ok(_) => session,
                Err(e) => {
                    self.record_wrong_pin(&e, &how.audit_log, Some(&declaration), &how.path);
                    let e = AppError::from(e);
                    self.state = State::Locked(Box::new(Paused {
                        session,
                        policy,
                        how,
                        declaration,
                    }));
                    return Err(e);
                }
            },
            None => {
                let attempt = match secret.filter(|p| !p.is_empty()) {
                    Some(p) => self.open_session(&how, Unlock::typed_passphrase(p)),
                    None => Err(AppError::desk(
                        ErrorKind::WrongPassphrase,
                        "type the emergency passphrase",
                    )),
                };
                match attempt {
                    // Checked by opening anew: the old session is dropped once the new one is open.
                    Ok(new) => new,
                    Err(e) => {
                        self.state = State::Locked(Box::new(Paused {
                            session,
                            policy,
                            how,
                            declaration,
                        }));
                        return Err(e);
                    }
                }
            }
        };
        match self.begin(session, &how, declaration.clone()) {
            Ok(active) => self.began(active),
            Err(not) => {
                let (e, session) = *not;
                self.state = State::Locked(Box::new(Paused {
                    session,
                    policy,
                    how,
                    declaration,
                }));
                Err(e)
            }
        }
    }

    /// Step 8, end: the viewing ends (audited) and everything decrypted is dropped. A drill ends
    /// with its report: the time each step took, written beside the drill audit log.
    pub fn end(&mut self) -> Result<EndScreen, AppError> {
        let drill = match &self.state {
            State::Start => false,
            State::Unlocked(o) => o.how.drill,
            State::Viewing(a) => a.how.drill,
            State::Locked(p) => p.how.drill,
        };
        let was_open = !matches!(self.state, State::Start);
        self.end_open()?;
        let now = self.now();
        self.steps.enter(Step::LockOrEnd, now);
        let report = if drill && was_open {
            let (steps, total) = self.steps.report(now);
            let saved_to = self.save_report(&steps, total, now);
            Some(DrillReport {
                steps,
                total,
                saved_to,
            })
        } else {
            None
        };
        Ok(EndScreen {
            step: StepOf::new(),
            drill,
            report,
        })
    }

    /// Ends whatever is open: a viewing writes its lock; a session is dropped.
    fn end_open(&mut self) -> Result<(), AppError> {
        match std::mem::replace(&mut self.state, State::Start) {
            State::Viewing(a) => a.viewing.lock()?,
            State::Start | State::Unlocked(_) | State::Locked(_) => {}
        }
        Ok(())
    }

    /// The drill report as a small text file (steps and seconds only: no patient, no viewer). Every
    /// line is in both languages, the one the viewer chose first: the report is read later by the
    /// drill's organiser, who may read the other.
    fn save_report(
        &self,
        steps: &[steps::StepTime],
        total: f64,
        now: DateTime<Utc>,
    ) -> Option<String> {
        let dir = self.config.drill_audit_log.parent()?;
        std::fs::create_dir_all(dir).ok()?;
        let local = self.config.zone.local(now);
        let path = dir.join(format!(
            "drill-report-{}.txt",
            local.format("%Y%m%dT%H%M%S")
        ));
        let both = |ja: &str, en: &str| match self.lang {
            Language::Ja => format!("{ja} / {en}"),
            Language::En => format!("{en} / {ja}"),
        };
        let mut text = format!(
            "FieldChart {}\n{}\n\n",
            both("訓練報告", "drill report"),
            local.format("%Y-%m-%d %H:%M:%S")
        );
        for s in steps {
            text.push_str(&format!(
                "{}. {}\t{:.1} s\n",
                s.step.number(),
                both(s.ja, s.en),
                s.seconds
            ));
        }
        text.push_str(&format!("\n{}\t{total:.1} s\n", both("合計", "total")));
        std::fs::write(&path, text).ok()?;
        Some(path.display().to_string())
    }

    /// The language the viewer chose (`ja` or `en`): the drill report is written with it first.
    pub fn set_language(&mut self, lang: &str) -> Result<(), AppError> {
        self.lang = serde_json::from_value(serde_json::Value::from(lang))
            .map_err(|_| AppError::bad_input(format!("no language {lang:?}: ja or en")))?;
        Ok(())
    }

    /// The language the drill report puts first.
    pub fn language(&self) -> Language {
        self.lang
    }
}

impl Active {
    fn viewing_session_facts(&self) -> SessionFacts<'_> {
        SessionFacts {
            snapshot_id: &self.viewing.manifest().snapshot_id,
            drill: self.viewing.manifest().drill,
            app: self.viewing.app(),
        }
    }
}

/// What a banner needs of an open snapshot.
struct SessionFacts<'a> {
    snapshot_id: &'a str,
    drill: bool,
    app: &'a fieldchart_store::manifest::AppManifest,
}

impl<'a> From<&'a Session> for SessionFacts<'a> {
    fn from(s: &'a Session) -> Self {
        SessionFacts {
            snapshot_id: &s.manifest().snapshot_id,
            drill: s.manifest().drill,
            app: s.app(),
        }
    }
}

fn viewer(d: &Declaration) -> Viewer {
    Viewer {
        name: d.name.clone(),
        profession: profession_words(d.profession),
        team: d.team.clone(),
        event: d.event.clone(),
    }
}

fn banner<'a>(
    facts: impl Into<SessionFacts<'a>>,
    policy: &Policy,
    declaration: Option<&Declaration>,
    break_glass: Option<&str>,
    today: NaiveDate,
) -> Banner {
    let facts = facts.into();
    // The oldest facility's data: the snapshot as a whole is at least this fresh.
    let as_of = facts
        .app
        .facilities
        .iter()
        .filter_map(|f| f.data_as_of.as_deref())
        .min()
        .map(Day::parse);
    let days = as_of
        .as_ref()
        .and_then(Day::date)
        .map(|d| (today - d).num_days());
    let limit_days = policy.session.stale_data_days;
    Banner {
        drill: facts.drill,
        break_glass: break_glass.map(str::to_string),
        snapshot_id: facts.snapshot_id.to_string(),
        viewer: declaration.map(viewer),
        data_age: DataAge {
            as_of,
            days,
            limit_days,
            stale: days.is_some_and(|d| d > i64::from(limit_days)),
        },
        idle_lock_minutes: policy.session.idle_lock_minutes,
    }
}
