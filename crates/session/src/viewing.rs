//! A viewing session (requirements GEN-11, AUD-3): an opened snapshot, the person who declared
//! themselves, the signed policy and the audit log, together. Patient data leaves this crate only
//! through an access this module granted and audited:
//!
//! - [`Viewing::begin`] writes the unlock, checks the declaration and the event window, and writes
//!   the declaration (or the refusal);
//! - [`Viewing::search_access`] gives a search the index and tells it whether clinical text may be
//!   searched; [`SearchAccess::finish`] writes the search (query and result count) *before* the caller
//!   gets the results;
//! - [`Viewing::record_access`] decides consent and legal basis and gives a record only the sections
//!   and period the profession may see; [`RecordAccess::finish`] writes the view before the caller gets
//!   it.
//!
//! A refusal is written to the log too, and then returned as [`ViewError::Refused`] with the policy's
//! message. If the log cannot be written, nothing is shown: an unaudited look is not allowed.

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use fieldchart_audit::log::{AuditError, AuditLog, DeviceKey, VerifyError, WallFrom};
use fieldchart_audit::{
    Actor, ClockAnomaly, ClockInfo, Entry, Event, LegalBasis, PatientRef, SessionRef, UnlockMethod,
};
use fieldchart_failure::Failure;
use fieldchart_policy::{
    Area, Basis, Consent, Declaration, Grant, Policy, Refusal, Rule, SearchGrant,
};
use fieldchart_store::codes;
use fieldchart_store::index::Fields;
use fieldchart_store::rows::{Entry as Item, PatientRow, Section, StoredItem};
use fieldchart_vault::input::{InputError, open_regular};
use serde::Serialize;
use tantivy::query::Query;

use crate::{Hit, Session, SessionError, signature};

/// Why a viewing request did not go through.
#[derive(Debug, thiserror::Error)]
pub enum ViewError {
    /// The policy refused; the refusal is in the audit log.
    #[error("refused: {0}")]
    Refused(Refusal),
    #[error(transparent)]
    Session(#[from] SessionError),
    /// The audit log could not be written or is damaged: nothing is shown unaudited.
    #[error("the audit log cannot be written, so nothing is shown: {0}")]
    Audit(#[from] AuditError),
    /// A document file asked for that is not part of the record this viewing showed last.
    #[error("document file {0} is not part of the record on screen")]
    NotShown(i64),
}

impl ViewError {
    /// Which row of the exit-code table: refused, audit log unusable, else the session's.
    pub fn failure(&self) -> Failure {
        match self {
            ViewError::Refused(_) => Failure::Refused,
            ViewError::Audit(_) => Failure::AuditUnusable,
            ViewError::Session(e) => e.failure(),
            ViewError::NotShown(_) => Failure::Usage,
        }
    }
}

/// The wall clock the policy's window is checked against (the system clock outside tests).
pub type Clock = Box<dyn Fn() -> DateTime<Utc> + Send + Sync>;

type SharedClock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// What a viewing session starts from.
pub struct ViewingOptions {
    pub declaration: Declaration,
    /// The device's audit log; its signing key is `device-audit.key` beside it.
    pub audit_log: PathBuf,
    /// A break-glass reason given from the start (needed to open an expired snapshot, or outside the
    /// event window).
    pub break_glass: Option<String>,
    /// How the snapshot was unlocked.
    pub method: UnlockMethod,
    pub clock: Clock,
}

/// The device's audit signing key lives beside its log.
pub fn device_key_path(audit_log: &std::path::Path) -> PathBuf {
    audit_log.with_file_name("device-audit.key")
}

/// A device's audit log and the audit key beside it must each be a regular file where they exist:
/// a named pipe given as the log would block the viewer before anything is shown, and a folder or a
/// device is no log. Checked before the key or the log is opened, by every way a viewing begins.
pub fn check_device_log(audit_log: &std::path::Path) -> Result<(), AuditError> {
    for path in [audit_log.to_path_buf(), device_key_path(audit_log)] {
        if path.exists()
            && let Err(e) = open_regular(&path)
        {
            return Err(AuditError::Verify(not_a_log(e)));
        }
    }
    Ok(())
}

/// An audit input that is not a regular file (or cannot be read) as the audit trail words it:
/// "not an audit log" with why.
pub fn not_a_log(e: InputError) -> VerifyError {
    match e {
        InputError::NotAFile { path, kind } => VerifyError::NotALog {
            path,
            reason: match kind {
                "a named pipe (FIFO)" => "it is a named pipe (FIFO), not a regular file",
                "a folder" => "it is a folder, not a regular file",
                "a character device" | "a block device" => "it is a device, not a regular file",
                _ => "it is not a regular file",
            },
        },
        InputError::Io { path, source } => VerifyError::Io { path, source },
        InputError::TooLarge { path, .. } => VerifyError::NotALog {
            path,
            reason: "it is too large",
        },
    }
}

/// Writes a failed unlock (wrong key, tampered, expired, …) to the device's audit log, with who tried.
///
/// The snapshot did not open, so the entry is encrypted to the recipient of the log's newest entry
/// (the hub this laptop reports to). A laptop with no log yet, or a log with no entry (a first
/// unlock that fails: a thief trying the laptop's key, say), takes the hub's audit recipient from
/// the file's plaintext label, once its signature is checked against a trusted hub key, and the log
/// is begun for it. Only when neither is known (a file no trusted hub signed, or no file at all) is
/// there nobody to tell: returns `Ok(false)`.
pub fn record_failed_unlock(
    audit_log: &std::path::Path,
    declaration: Option<&Declaration>,
    file: &std::path::Path,
    trusted: &[fieldchart_vault::TrustedKey],
    now: DateTime<Utc>,
    reason: &str,
) -> Result<bool, AuditError> {
    let from_label = || -> Option<age::x25519::Recipient> {
        let outline = fieldchart_vault::check_outline_even_if_expired(file, trusted, now).ok()?;
        let label: fieldchart_store::manifest::Label =
            serde_json::from_value(outline.label).ok()?;
        label.audit_recipient?.parse().ok()
    };
    let recipient = if audit_log.exists() {
        check_device_log(audit_log)?;
        let key = DeviceKey::load_or_create(&device_key_path(audit_log))?;
        let log = AuditLog::open(audit_log, &key)?;
        log.last_recipient()?.or_else(from_label).map(|r| (log, r))
    } else {
        match from_label() {
            Some(r) => {
                if let Some(dir) = audit_log.parent().filter(|d| !d.as_os_str().is_empty()) {
                    // A folder that cannot be made shows as the log's own error just below.
                    let _ = std::fs::create_dir_all(dir);
                }
                check_device_log(audit_log)?;
                let key = DeviceKey::load_or_create(&device_key_path(audit_log))?;
                Some((AuditLog::open(audit_log, &key)?, r))
            }
            None => None,
        }
    };
    let Some((mut log, recipient)) = recipient else {
        return Ok(false);
    };
    let file = file.display().to_string();
    let entry = Entry {
        event: Event::UnlockFailed {
            file,
            reason: reason.to_string(),
        },
        actor: declaration.map(actor),
        session: None,
        break_glass: None,
        clock: ClockInfo::system(),
    };
    log.append(&recipient, &entry)?;
    Ok(true)
}

/// Records a device key's PIN typed and wrong as a failed unlock of `file` (someone holding the
/// laptop may be guessing), as [`record_failed_unlock`] does; any other error, a PIN left out
/// among them, is not an attempt and records nothing (`Ok(false)`).
pub fn record_wrong_pin(
    error: &fieldchart_vault::VaultError,
    audit_log: &std::path::Path,
    declaration: Option<&Declaration>,
    file: &std::path::Path,
    trusted: &[fieldchart_vault::TrustedKey],
    now: DateTime<Utc>,
) -> Result<bool, AuditError> {
    if !matches!(error, fieldchart_vault::VaultError::WrongPin { .. }) {
        return Ok(false);
    }
    record_failed_unlock(
        audit_log,
        declaration,
        file,
        trusted,
        now,
        &error.to_string(),
    )
}

/// The audit trail's record of a declaration.
fn actor(d: &Declaration) -> Actor {
    Actor {
        name: d.name.trim().to_string(),
        profession: d.profession.ja().to_string(),
        team: d.team.trim().to_string(),
        event: d.event.trim().to_string(),
        // The hub matches the hash against the codes it issued; the log never holds the code.
        authorisation: d
            .authorisation
            .as_deref()
            .map(fieldchart_policy::authorisation_hash),
    }
}

/// Why [`Viewing::begin_keeping`] did not begin, with the snapshot it was given, still open.
pub struct NotBegun {
    pub error: ViewError,
    pub session: Session,
}

/// An open snapshot with a declared viewer, a policy and an audit log.
pub struct Viewing {
    session: Session,
    policy: Policy,
    log: AuditLog,
    recipient: age::x25519::Recipient,
    actor: Actor,
    declaration: Declaration,
    session_ref: SessionRef,
    break_glass: Option<String>,
    clock: SharedClock,
    /// The document files and thumbnails (`blob.pk`) of the record this viewing showed last: the
    /// only ones [`Viewing::blob`] serves.
    documents: HashSet<i64>,
}

/// What the view shows of its own access: the basis, what the policy withheld, and break-glass.
#[derive(Debug, Clone, Serialize)]
pub struct AccessView {
    /// consented, refused or unknown (the hub's list, or the policy default).
    pub consent: Consent,
    pub basis: Basis,
    /// Sections this profession may not see: shown as withheld, not as empty.
    pub withheld: Vec<Area>,
    /// Dated items before this day are not shown to this profession.
    pub since: Option<NaiveDate>,
    /// The break-glass reason in force, to be shown prominently for the rest of the session.
    pub break_glass: Option<String>,
}

impl Viewing {
    /// Starts a viewing session on an opened snapshot: opens the audit log, writes the unlock (with
    /// any clock anomaly), checks the declaration, the snapshot's validity and the event window.
    pub fn begin(session: Session, opts: ViewingOptions) -> Result<Viewing, ViewError> {
        Viewing::begin_keeping(session, opts).map_err(|not| not.error)
    }

    /// [`Viewing::begin`] that hands the opened snapshot back when the session does not begin (a
    /// refused declaration, say), so that an app can ask again without unlocking again.
    pub fn begin_keeping(session: Session, opts: ViewingOptions) -> Result<Viewing, Box<NotBegun>> {
        let clock: SharedClock = Arc::from(opts.clock);
        let prepared = (|| -> Result<_, ViewError> {
            let recipient: age::x25519::Recipient =
                session.app().audit_recipient.parse().map_err(|_| {
                    SessionError::Damaged("the audit recipient in the manifest".into())
                })?;
            let policy = session.policy()?;
            check_device_log(&opts.audit_log)?;
            let key = DeviceKey::load_or_create(&device_key_path(&opts.audit_log))?;
            // The log reads the session's clock, so that what the trail records and what the
            // policy decided by are one time.
            let wall = clock.clone();
            let log = AuditLog::open_with_clock(
                &opts.audit_log,
                &key,
                Box::new(WallFrom(move || wall())),
            )?;
            Ok((recipient, policy, log))
        })();
        let (recipient, policy, log) = match prepared {
            Ok(p) => p,
            Err(error) => return Err(Box::new(NotBegun { error, session })),
        };
        let mut declaration = opts.declaration;
        if declaration.event.trim().is_empty() {
            // Not given: the viewer responds to the event the snapshot was issued for.
            declaration.event = policy.event.name.clone();
        }
        let actor = actor(&declaration);
        let manifest = session.manifest();
        let session_ref = SessionRef {
            snapshot_id: manifest.snapshot_id.clone(),
            session_id: random_id(),
            drill: manifest.drill,
        };
        let mut viewing = Viewing {
            recipient,
            policy,
            log,
            actor,
            declaration,
            session_ref,
            break_glass: None,
            clock,
            documents: HashSet::new(),
            session,
        };
        match viewing.start(opts.method, opts.break_glass) {
            Ok(()) => Ok(viewing),
            Err(error) => Err(Box::new(NotBegun {
                error,
                session: viewing.session,
            })),
        }
    }

    /// The audited start of a session: unlock, clock, declaration, validity, break-glass, window.
    fn start(
        &mut self,
        method: UnlockMethod,
        break_glass: Option<String>,
    ) -> Result<(), ViewError> {
        let viewing = self;
        if let Some(r) = viewing.log.recovered() {
            let event = Event::LogRepaired {
                after_seq: r.after_seq,
                discarded_bytes: r.discarded_bytes,
            };
            viewing.write(event, false)?;
        }
        let created = viewing.session.manifest().created;
        let now = (viewing.clock)();
        // The latest time this laptop can vouch for: its clock, the newest entry of its own log
        // (read before this session writes one), the hub's signed creation of the snapshot, and
        // the laptop's clock floor (fieldchart_audit::floor: the newest hub time a sync brought,
        // and the latest its clock showed since). A clock turned back is flagged below, and it
        // neither un-expires the snapshot nor stretches its lease, however often it is tried.
        let floor = fieldchart_audit::floor::read_floor(viewing.log.path());
        let vouched = now
            .max(viewing.log.last_time().with_timezone(&Utc))
            .max(created)
            .max(floor.vouched().unwrap_or(now));
        // A floor that cannot be written (a read-only home) weakens only this guard; the log
        // entry below is what must not fail silently, and does not.
        let _ = fieldchart_audit::floor::raise(viewing.log.path(), now);
        viewing.write(
            Event::Unlock {
                snapshot_id: viewing.session_ref.snapshot_id.clone(),
                method,
                snapshot_created: created,
            },
            false,
        )?;
        if now < created {
            viewing.write(
                Event::ClockAnomaly {
                    anomaly: ClockAnomaly::BeforeSnapshot {
                        clock: now,
                        snapshot_created: created,
                    },
                },
                false,
            )?;
        }
        viewing.refuse_if("declare", None, |v| {
            v.policy.check_declaration(&v.declaration)
        })?;
        viewing.write(Event::Declare, true)?;
        let reason = break_glass.as_deref().map(str::trim);
        let not_after = viewing.session.manifest().not_after;
        if vouched > not_after {
            viewing.refuse_if("open-expired-snapshot", None, |v| {
                v.policy
                    .check_expired(&v.declaration, reason, vouched, not_after)
            })?;
        }
        if let Some(reason) = reason {
            viewing.break_glass(reason)?;
        }
        viewing.refuse_if("open", None, |v| {
            v.policy
                .check_window(&v.declaration, now, v.break_glass.as_deref())
        })?;
        Ok(())
    }

    /// Starts break-glass for the rest of this session: checked against the policy, written as an
    /// emergency override, and carried by every later entry and view.
    pub fn break_glass(&mut self, reason: &str) -> Result<(), ViewError> {
        let reason = reason.trim().to_string();
        self.refuse_if("break-glass", None, |v| {
            v.policy.check_break_glass(&v.declaration, &reason)
        })?;
        self.break_glass = Some(reason.clone());
        self.write(
            Event::BreakGlass {
                reason,
                patient: None,
            },
            true,
        )?;
        Ok(())
    }

    /// The break-glass reason in force, if any.
    pub fn break_glass_reason(&self) -> Option<&str> {
        self.break_glass.as_deref()
    }

    pub fn declaration(&self) -> &Declaration {
        &self.declaration
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Snapshot facts the UI shows everywhere (ID, creation, validity, drill): no patient data.
    pub fn manifest(&self) -> &fieldchart_vault::Manifest {
        self.session.manifest()
    }

    pub fn app(&self) -> &fieldchart_store::manifest::AppManifest {
        self.session.app()
    }

    /// Access for one search: the window is checked again (it may have closed since the session
    /// began), then the search runs and reports through [`SearchAccess::finish`].
    pub fn search_access(&mut self, query: &str) -> Result<SearchAccess<'_>, ViewError> {
        let now = (self.clock)();
        self.refuse_if("search", None, |v| {
            v.policy
                .check_window(&v.declaration, now, v.break_glass.as_deref())
        })?;
        let grant = self.policy.search(&self.declaration);
        Ok(SearchAccess {
            viewing: self,
            query: query.to_string(),
            grant,
        })
    }

    /// Access for one record: the patient `facility:patient_id` and, when the hub's
    /// cross-references link them with identifiers at other facilities, the whole person. `basis`
    /// is the legal basis the viewer chose for an identifier without consent: chosen once for the
    /// opening, it serves every member the hub has no consent for. Consent is each facility's:
    /// a member whose patient refused sharing is withheld (listed, not shown) unless break-glass
    /// is in force; if every member is refused, the opening is refused as for one patient.
    /// Returns `Ok(None)` when the snapshot has no such patient (written to the log too).
    pub fn record_access(
        &mut self,
        facility: &str,
        patient_id: &str,
        basis: Option<Basis>,
        today: NaiveDate,
    ) -> Result<Option<RecordAccess<'_>>, ViewError> {
        let patient = PatientRef {
            facility: facility.to_string(),
            patient_id: patient_id.to_string(),
        };
        let now = (self.clock)();
        self.refuse_if("record", Some(&patient), |v| {
            v.policy
                .check_window(&v.declaration, now, v.break_glass.as_deref())
        })?;
        let found = self
            .person(facility, patient_id)
            .map_err(|e| self.damaged("record", Some(&patient), e))?;
        let Some(found) = found else {
            self.write(
                Event::Refusal {
                    action: "record".into(),
                    patient: Some(patient),
                    rule: "not-found".into(),
                    message: "no such patient in this snapshot".into(),
                },
                true,
            )?;
            return Ok(None);
        };
        let mut members = Vec::new();
        let mut withheld_members = Vec::new();
        let mut not_held = Vec::new();
        let mut first_refusal: Option<(PatientRef, Refusal)> = None;
        for (who, via, held) in found {
            let Some((hit, state)) = held else {
                not_held.push(NotHeld { patient: who, via });
                continue;
            };
            let consent = state.as_deref().and_then(Consent::parse);
            let consent_shown = consent.unwrap_or(self.policy.consent.default);
            let granted = self.policy.grant(
                &self.declaration,
                consent,
                basis,
                self.break_glass.as_deref(),
                today,
            );
            match granted {
                Ok(grant) => members.push(MemberAccess {
                    patient: who,
                    via,
                    consent: consent_shown,
                    hit,
                    grant,
                }),
                // Another facility's refusal withholds that facility only.
                Err(r) if r.rule == Rule::ConsentRefused => {
                    if first_refusal.is_none() {
                        first_refusal = Some((who.clone(), r.clone()));
                    }
                    withheld_members.push(WithheldMember {
                        patient: who,
                        via,
                        consent: consent_shown,
                        rule: r.rule,
                        message: r.message,
                    });
                }
                // A basis to choose, or break-glass not allowed: the opening asks or stops, once.
                Err(mut r) => {
                    if who != patient {
                        r.message = format!(
                            "{} (the hub links this patient with {}:{}, whose facility has no \
                             consent on record; the basis chosen serves the whole opening)",
                            r.message, who.facility, who.patient_id
                        );
                    }
                    return Err(self.refused("record", Some(&who), r));
                }
            }
        }
        if members.is_empty() {
            // The opened identifier is held, so it was either shown or refused.
            let (who, refusal) = first_refusal.unwrap_or_else(|| {
                (
                    patient.clone(),
                    Refusal {
                        rule: Rule::ConsentRefused,
                        message: "no identifier of this person may be shown".into(),
                    },
                )
            });
            return Err(self.refused("record", Some(&who), refusal));
        }
        Ok(Some(RecordAccess {
            viewing: self,
            opened: patient,
            grant: members[0].grant.clone(),
            members,
            withheld_members,
            not_held,
            documents: HashSet::new(),
        }))
    }

    /// The opened identifier first, then the others the hub linked with it (by facility and
    /// ID), each with its hit and consent state when the snapshot holds it; None when the
    /// snapshot does not hold the opened one.
    #[allow(clippy::type_complexity)]
    fn person(
        &self,
        facility: &str,
        patient_id: &str,
    ) -> Result<
        Option<Vec<(PatientRef, Option<String>, Option<(Hit, Option<String>)>)>>,
        SessionError,
    > {
        let held = |f: &str, p: &str| -> Result<Option<(Hit, Option<String>)>, SessionError> {
            match self.session.find(f, p)? {
                Some(hit) => Ok(Some((hit, self.session.consent(f, p)?))),
                None => Ok(None),
            }
        };
        let Some(opened) = held(facility, patient_id)? else {
            return Ok(None);
        };
        let mut out = vec![(
            PatientRef {
                facility: facility.to_string(),
                patient_id: patient_id.to_string(),
            },
            None,
            Some(opened),
        )];
        let mut others = self.session.linked(facility, patient_id)?;
        others.sort();
        for (f, p, via) in others {
            if (f.as_str(), p.as_str()) == (facility, patient_id) {
                continue;
            }
            let h = held(&f, &p)?;
            out.push((
                PatientRef {
                    facility: f,
                    patient_id: p,
                },
                Some(via),
                h,
            ));
        }
        Ok(Some(out))
    }

    /// A print or an export of what is on screen: written before it happens.
    pub fn printed(
        &mut self,
        patient: Option<PatientRef>,
        what: &str,
        destination: Option<&str>,
    ) -> Result<(), ViewError> {
        let event = match destination {
            None => Event::Print {
                patient,
                what: what.into(),
            },
            Some(d) => Event::Export {
                patient,
                what: what.into(),
                destination: d.into(),
            },
        };
        self.write(event, true)
    }

    /// The bytes and media type of a document file or thumbnail (`blob.pk`) of the record this
    /// viewing showed last (its view was audited); any other is refused.
    pub fn blob(&mut self, blob: i64) -> Result<(String, Vec<u8>), ViewError> {
        if !self.documents.contains(&blob) {
            return Err(ViewError::NotShown(blob));
        }
        match self.session.blob(blob) {
            Ok(Some(found)) => Ok(found),
            Ok(None) => Err(self.damaged(
                "document",
                None,
                SessionError::Damaged(format!(
                    "the record names document file {blob}, which is missing"
                )),
            )),
            Err(e) => Err(self.damaged("document", None, e)),
        }
    }

    /// A read of the snapshot failed after unlock. When the snapshot itself is at fault (damaged,
    /// altered, unreadable) the failure is written as its own audit entry, so the trail shows the
    /// failed search or record and not only the login and logout around it. The reason is the
    /// vault's own words: no patient data.
    fn damaged(
        &mut self,
        action: &str,
        patient: Option<&PatientRef>,
        error: SessionError,
    ) -> ViewError {
        if error.is_damage() {
            let event = Event::SnapshotDamaged {
                action: action.into(),
                patient: patient.cloned(),
                reason: error.to_string(),
            };
            // If the log cannot take it either, nothing is shown anyway; the damage is what the
            // viewer must hear about.
            let _ = self.write(event, true);
        }
        ViewError::Session(error)
    }

    /// Ends the session: writes the lock.
    pub fn lock(mut self) -> Result<(), ViewError> {
        self.write(Event::Lock, true)
    }

    /// Ends the viewing but keeps the snapshot open: writes the lock and hands the session back, so
    /// that the same laptop can begin again (a screen lock, then a quick re-unlock) without
    /// decrypting again. A later [`Viewing::begin`] writes a new unlock and declaration.
    pub fn suspend(mut self) -> Result<Session, ViewError> {
        self.write(Event::Lock, true)?;
        Ok(self.session)
    }

    /// Runs a policy check; a refusal is written to the log and returned.
    fn refuse_if<T>(
        &mut self,
        action: &str,
        patient: Option<&PatientRef>,
        check: impl FnOnce(&Viewing) -> Result<T, Refusal>,
    ) -> Result<T, ViewError> {
        check(self).map_err(|refusal| self.refused(action, patient, refusal))
    }

    /// Writes a refusal to the log and gives it back as the error to return (or the log's own
    /// error, when it could not be written: nothing is shown unaudited).
    fn refused(
        &mut self,
        action: &str,
        patient: Option<&PatientRef>,
        refusal: Refusal,
    ) -> ViewError {
        let written = self.write(
            Event::Refusal {
                action: action.into(),
                patient: patient.cloned(),
                rule: refusal.rule.as_str().into(),
                message: refusal.message.clone(),
            },
            true,
        );
        match written {
            Ok(()) => ViewError::Refused(refusal),
            Err(e) => e,
        }
    }

    fn write(&mut self, event: Event, with_actor: bool) -> Result<(), ViewError> {
        let created = self.session.manifest().created;
        let entry = Entry {
            event,
            actor: with_actor.then(|| self.actor.clone()),
            session: Some(self.session_ref.clone()),
            break_glass: self.break_glass.clone(),
            clock: ClockInfo::system().with_trusted_time(created),
        };
        self.log.append(&self.recipient, &entry)?;
        Ok(())
    }
}

/// An identifier the hub linked with a found patient.
#[derive(Debug, Clone)]
pub struct Linked {
    pub facility: String,
    pub patient_id: String,
    /// `xref` (the index's export), `link` (ADT^A24) or `merge` (ADT^A40: a prior ID).
    pub via: String,
    /// Its identity row, when the snapshot holds it.
    pub row: Option<PatientRow>,
}

/// One search, granted: the index to search, whether clinical text may match, and the duty to
/// report it.
pub struct SearchAccess<'v> {
    viewing: &'v mut Viewing,
    query: String,
    pub grant: SearchGrant,
}

impl SearchAccess<'_> {
    /// The index fields a query is built over.
    pub fn fields(&self) -> &Fields {
        self.viewing.session.fields()
    }

    /// How many patients match `query` (nothing is loaded).
    pub fn count(&mut self, query: &dyn Query) -> Result<usize, ViewError> {
        let counted = self.viewing.session.count(query);
        counted.map_err(|e| self.viewing.damaged("search", None, e))
    }

    /// The best `limit` patients for `query`.
    pub fn top(&mut self, query: &dyn Query, limit: usize) -> Result<Vec<(f32, Hit)>, ViewError> {
        let found = self.viewing.session.top(query, limit);
        found.map_err(|e| self.viewing.damaged("search", None, e))
    }

    /// How many patients match and the best `limit`, in one pass (a search needs both: the count
    /// decides whether it is too broad to list).
    pub fn count_and_top(
        &mut self,
        query: &dyn Query,
        limit: usize,
    ) -> Result<(usize, Vec<(f32, Hit)>), ViewError> {
        let found = self.viewing.session.count_and_top(query, limit);
        found.map_err(|e| self.viewing.damaged("search", None, e))
    }

    /// A found patient's identity row.
    pub fn patient(&mut self, hit: Hit) -> Result<PatientRow, ViewError> {
        let read = self.viewing.session.store(hit.layer).and_then(|store| {
            store
                .patient(hit.pk)
                .map_err(|e| self.viewing.session.failed(e))
        });
        read.map_err(|e| self.viewing.damaged("search", None, e))
    }

    /// A found patient's consent state: the hub's list, else the policy's default.
    pub fn consent(&mut self, facility: &str, patient_id: &str) -> Result<Consent, ViewError> {
        let read = self.viewing.session.consent(facility, patient_id);
        let state = read.map_err(|e| self.viewing.damaged("search", None, e))?;
        Ok(state
            .as_deref()
            .and_then(Consent::parse)
            .unwrap_or(self.viewing.policy.consent.default))
    }

    /// The other identifiers the hub's cross-references link with a found patient, each with its
    /// identity row where the snapshot holds it (None: linked, but not in this snapshot), and how
    /// it came in (`xref`, `link`, `merge`). Never a guess: only what the hub linked.
    pub fn linked(&mut self, facility: &str, patient_id: &str) -> Result<Vec<Linked>, ViewError> {
        let read = self.viewing.session.linked(facility, patient_id);
        let ids = read.map_err(|e| self.viewing.damaged("search", None, e))?;
        let mut out = Vec::new();
        for (f, p, via) in ids {
            if (f.as_str(), p.as_str()) == (facility, patient_id) {
                continue;
            }
            let found = self.viewing.session.find(&f, &p);
            let hit = found.map_err(|e| self.viewing.damaged("search", None, e))?;
            let row = match hit {
                Some(hit) => Some(self.patient(hit)?),
                None => None,
            };
            out.push(Linked {
                facility: f,
                patient_id: p,
                via,
                row,
            });
        }
        Ok(out)
    }

    /// A found patient's chart items, to say which clinical item a query word matched; `None`
    /// for a viewer the policy does not let search clinical text (their words never matched the
    /// chart, and the chart is not theirs to read).
    pub fn clinical_items(&mut self, hit: Hit) -> Result<Option<Vec<StoredItem>>, ViewError> {
        if !self.grant.clinical {
            return Ok(None);
        }
        let read = self.viewing.session.store(hit.layer).and_then(|store| {
            store
                .chart(hit.pk)
                .map_err(|e| self.viewing.session.failed(e))
        });
        let chart = read.map_err(|e| self.viewing.damaged("search", None, e))?;
        Ok(Some(chart.into_values().flatten().collect()))
    }

    /// Writes the search to the audit log; only then may its results be shown.
    pub fn finish(self, results: u32) -> Result<(), ViewError> {
        self.viewing.write(
            Event::Search {
                query: self.query,
                results,
                too_broad: None,
            },
            true,
        )
    }

    /// Writes a search that matched more than the policy's `max_results` (`more_than`) and so
    /// showed nobody: the review sees who asked for a list of the region.
    pub fn finish_too_broad(self, more_than: u32) -> Result<(), ViewError> {
        self.viewing.write(
            Event::Search {
                query: self.query,
                results: 0,
                too_broad: Some(more_than),
            },
            true,
        )
    }
}

/// One identifier of the record shown: the opened one, or one the hub linked with it.
pub struct MemberAccess {
    pub patient: PatientRef,
    /// How the hub linked it with the opened identifier (`xref`, `link`, `merge`); None for the
    /// opened one.
    pub via: Option<String>,
    /// consented, refused or unknown at its facility (the hub's list, or the policy default).
    pub consent: Consent,
    hit: Hit,
    grant: Grant,
}

impl MemberAccess {
    /// The legal basis its data is shown on.
    pub fn basis(&self) -> Basis {
        self.grant.basis
    }
}

/// A linked identifier the snapshot holds but whose facility's consent withholds it from this
/// opening (its patient refused sharing there, and no break-glass is in force).
#[derive(Debug, Clone)]
pub struct WithheldMember {
    pub patient: PatientRef,
    pub via: Option<String>,
    pub consent: Consent,
    pub rule: Rule,
    pub message: String,
}

/// "Possibly the same person (not confirmed by the hub)": a patient at another facility whose
/// identity agrees with a member's so far that the base's matcher suggested them, and whom the
/// hub's index has not linked. Never part of the record: it opens on its own, after its own
/// two-identifier confirmation.
#[derive(Debug, Clone)]
pub struct Possible {
    pub patient: PatientRef,
    /// The member of the record it resembles.
    pub resembles: PatientRef,
    /// `probable` (name, date of birth and sex agree) or `weaker` (a married name).
    pub strength: String,
    pub agree: Vec<String>,
    pub differ: Vec<String>,
    /// Its identity row (identity is what a search shows of anyone; its chart stays closed).
    pub row: PatientRow,
    /// Its consent state at its facility, so the line can say what opening it will ask.
    pub consent: Consent,
}

/// A linked identifier the snapshot does not hold (the hub's index names it; its facility's
/// storage did not reach this snapshot).
#[derive(Debug, Clone)]
pub struct NotHeld {
    pub patient: PatientRef,
    pub via: Option<String>,
}

/// One record, granted: the identifiers whose data may be shown (one patient, or a person the
/// hub linked across facilities), what of it may be shown, and the duty to report the view.
pub struct RecordAccess<'v> {
    viewing: &'v mut Viewing,
    /// The identifier the viewer opened.
    pub opened: PatientRef,
    /// What the profession may see: the same for every member (sections and look-back depend on
    /// the profession only); each member's basis is its own ([`MemberAccess::basis`]).
    pub grant: Grant,
    members: Vec<MemberAccess>,
    pub withheld_members: Vec<WithheldMember>,
    pub not_held: Vec<NotHeld>,
    /// The document files and thumbnails of the charts this access read.
    documents: HashSet<i64>,
}

impl RecordAccess<'_> {
    /// The identifiers shown, the opened one first when it is shown.
    pub fn members(&self) -> &[MemberAccess] {
        &self.members
    }

    /// Snapshot facts a member's part of the record shows (facilities' data-as-of, scope): no
    /// patient data. In a chain, those of the file the member's record comes from (the newest
    /// that holds them), so the data age on screen is the age of what is on screen.
    pub fn app(&self, member: usize) -> &fieldchart_store::manifest::AppManifest {
        &self.viewing.session.layer_of(self.members[member].hit).app
    }

    /// The vault manifest (snapshot ID, creation) of the file a member's record comes from.
    pub fn manifest(&self, member: usize) -> &fieldchart_vault::Manifest {
        self.viewing
            .session
            .layer_of(self.members[member].hit)
            .snapshot
            .manifest()
    }

    /// A member's identity row.
    pub fn patient_row(&mut self, member: usize) -> Result<PatientRow, ViewError> {
        let hit = self.members[member].hit;
        let read = self.viewing.session.store(hit.layer).and_then(|store| {
            store
                .patient(hit.pk)
                .map_err(|e| self.viewing.session.failed(e))
        });
        read.map_err(|e| self.viewing.damaged("record", Some(&self.opened), e))
    }

    /// The patients the base's matcher suggested as possibly the same person as a member shown,
    /// leaving out those the hub has since linked with the person (they are members) and those
    /// the snapshot no longer holds.
    pub fn possibly(&mut self) -> Result<Vec<Possible>, ViewError> {
        let members: HashSet<PatientRef> = self
            .members
            .iter()
            .map(|m| m.patient.clone())
            .chain(self.withheld_members.iter().map(|m| m.patient.clone()))
            .chain(self.not_held.iter().map(|m| m.patient.clone()))
            .collect();
        let mut out: Vec<Possible> = Vec::new();
        for m in 0..self.members.len() {
            let of = self.members[m].patient.clone();
            let read = self.viewing.session.suggested(&of.facility, &of.patient_id);
            let rows = read.map_err(|e| self.viewing.damaged("record", Some(&self.opened), e))?;
            for s in rows {
                let who = PatientRef {
                    facility: s.facility,
                    patient_id: s.patient_id,
                };
                if members.contains(&who) || out.iter().any(|p| p.patient == who) {
                    continue;
                }
                let session = &self.viewing.session;
                let read = session
                    .find(&who.facility, &who.patient_id)
                    .and_then(|hit| {
                        let Some(hit) = hit else { return Ok(None) };
                        let row = session
                            .store(hit.layer)
                            .and_then(|st| st.patient(hit.pk).map_err(|e| session.failed(e)))?;
                        let state = session.consent(&who.facility, &who.patient_id)?;
                        Ok(Some((row, state)))
                    });
                let found =
                    read.map_err(|e| self.viewing.damaged("record", Some(&self.opened), e))?;
                let Some((row, state)) = found else { continue };
                out.push(Possible {
                    consent: state
                        .as_deref()
                        .and_then(Consent::parse)
                        .unwrap_or(self.viewing.policy.consent.default),
                    patient: who,
                    resembles: of.clone(),
                    strength: s.strength,
                    agree: s.agree,
                    differ: s.differ,
                    row,
                });
            }
        }
        Ok(out)
    }

    /// The identity row of a withheld member (identity is what a search shows of anyone; its
    /// chart stays closed), or None when the snapshot no longer holds it.
    pub fn withheld_row(&mut self, withheld: usize) -> Result<Option<PatientRow>, ViewError> {
        let who = self.withheld_members[withheld].patient.clone();
        let read = self
            .viewing
            .session
            .find(&who.facility, &who.patient_id)
            .and_then(|hit| match hit {
                Some(hit) => self.viewing.session.store(hit.layer).and_then(|store| {
                    store
                        .patient(hit.pk)
                        .map(Some)
                        .map_err(|e| self.viewing.session.failed(e))
                }),
                None => Ok(None),
            });
        read.map_err(|e| self.viewing.damaged("record", Some(&self.opened), e))
    }

    /// A member's chart, per section, holding only what the grant shows: sections of areas the
    /// profession sees, and of time-limited areas only items since the look-back day. Infection
    /// markers and infectious diseases are shown to whoever sees infections, even without labs or
    /// problems.
    pub fn chart(
        &mut self,
        member: usize,
    ) -> Result<BTreeMap<Section, Vec<StoredItem>>, ViewError> {
        let hit = self.members[member].hit;
        let read = self.viewing.session.store(hit.layer).and_then(|store| {
            store
                .chart(hit.pk)
                .map_err(|e| self.viewing.session.failed(e))
        });
        let chart = read.map_err(|e| self.viewing.damaged("record", Some(&self.opened), e))?;
        let mut out = BTreeMap::new();
        for (section, items) in chart {
            let mut shown: Vec<StoredItem> = items
                .into_iter()
                .filter(|i| self.shows(section, i))
                .collect();
            for item in &mut shown {
                if let Item::Document(d) = &mut item.entry {
                    // Handed out under ids that name the file of the chain they are in.
                    for f in &mut d.files {
                        for id in [&mut f.blob, &mut f.thumbnail].into_iter().flatten() {
                            *id = Session::blob_id(hit, *id);
                            self.documents.insert(*id);
                        }
                    }
                    for check in &mut d.signatures {
                        check.recheck = signature::recheck(&self.viewing.session, &d.files, check);
                    }
                }
            }
            if !shown.is_empty() {
                out.insert(section, shown);
            }
        }
        Ok(out)
    }

    fn shows(&self, section: Section, item: &StoredItem) -> bool {
        let date = item
            .at
            .as_deref()
            .and_then(|a| a.get(..10))
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
        let by_area = area_of(section).is_some_and(|a| self.grant.shows(a, date));
        by_area || (self.grant.allows(Area::Infections) && is_infection(item))
    }

    /// Writes the view to the audit log (every identifier shown, the shown sections, the basis,
    /// withheld sections) and returns what the view must say about its own access. The basis
    /// written is the one needing the most justification among the members shown (break-glass,
    /// then vital interest, then verbal consent), so a review never reads a view as consented
    /// when part of it was not.
    pub fn finish(self, sections: Vec<String>) -> Result<AccessView, ViewError> {
        let basis = self
            .members
            .iter()
            .map(MemberAccess::basis)
            .max_by_key(|b| justification(*b))
            .unwrap_or(self.grant.basis);
        let legal = match basis {
            Basis::Consent => LegalBasis::Consent,
            Basis::VerbalConsent => LegalBasis::VerbalConsent,
            Basis::VitalInterest => LegalBasis::VitalInterest,
            Basis::BreakGlass => LegalBasis::BreakGlass,
        };
        let withheld: Vec<Area> = self.grant.withheld.iter().copied().collect();
        let mut shown = self.members.iter().map(|m| m.patient.clone());
        let patient = shown.next().expect("a record access has a member");
        self.viewing.write(
            Event::RecordView {
                patient,
                sections,
                basis: legal,
                withheld: withheld.iter().map(|a| a.as_str().to_string()).collect(),
                linked: shown.collect(),
            },
            true,
        )?;
        // Only now, with the view audited, may its documents be fetched.
        self.viewing.documents = self.documents;
        Ok(AccessView {
            consent: self.members[0].consent,
            basis,
            withheld,
            since: self.grant.since,
            break_glass: self.viewing.break_glass.clone(),
        })
    }
}

/// How much a basis must be justified: consent least, break-glass most.
fn justification(b: Basis) -> u8 {
    match b {
        Basis::Consent => 0,
        Basis::VerbalConsent => 1,
        Basis::VitalInterest => 2,
        Basis::BreakGlass => 3,
    }
}

/// The policy area a store section belongs to. Unmapped items belong to none and are never shown.
fn area_of(section: Section) -> Option<Area> {
    Some(match section {
        Section::Allergy => Area::Allergies,
        Section::Problem => Area::Problems,
        Section::Medication | Section::Administration => Area::Medications,
        Section::Lab | Section::LabOrder | Section::Vital | Section::Body => Area::Labs,
        Section::Study => Area::Reports,
        Section::Encounter | Section::Diet => Area::Encounters,
        Section::Document => Area::Documents,
        Section::Unmapped => return None,
    })
}

/// Whether an item is an infection marker or an infectious disease (what the infections area holds).
fn is_infection(item: &StoredItem) -> bool {
    match &item.entry {
        Item::Observation(o) => o.infection,
        Item::Problem(p) => codes::is_infectious_disease(p),
        _ => false,
    }
}

fn random_id() -> String {
    let mut bytes = [0u8; 8];
    // A session ID only groups entries for review; a failed RNG leaves it zero, not the session.
    let _ = getrandom::fill(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
