//! How the viewing commands open a snapshot (trust, unlock, clock) and begin a viewing session
//! (who is looking, the audit log, break-glass).

use std::path::PathBuf;

use anyhow::{Context, bail};
use chrono::Utc;
use fieldchart_audit::UnlockMethod;
use fieldchart_policy::{Declaration, Profession};
use fieldchart_session::{Session, SessionError, SessionOptions, Viewing, ViewingOptions};
use fieldchart_vault::{TrustedKey, Unlock, VaultError};

/// The arguments every command that opens a snapshot takes.
#[derive(clap::Args, Clone)]
pub struct OpenArgs {
    /// The snapshot file.
    pub file: PathBuf,
    /// This laptop's device key (from `fieldchart keys device`).
    #[arg(long, value_name = "KEY", conflicts_with = "passphrase_file")]
    pub identity: Option<PathBuf>,
    /// A file holding the PIN of a protected device key (without it, the PIN is asked on the
    /// terminal).
    #[arg(long, value_name = "F", requires = "identity")]
    pub key_pin_file: Option<PathBuf>,
    /// A file holding the snapshot's emergency passphrase.
    #[arg(long, value_name = "F")]
    pub passphrase_file: Option<PathBuf>,
    /// The hub's public signing key (as printed by `fieldchart keys signing`), or a file holding it.
    /// Repeat to trust several hubs.
    #[arg(long = "trust", value_name = "PUB", required = true)]
    pub trust: Vec<String>,
}

impl OpenArgs {
    pub fn unlock(&self) -> anyhow::Result<Unlock> {
        self.check_unlock_given()?;
        Ok(self.unlock_key()?)
    }

    /// As [`OpenArgs::unlock`], and a wrong PIN is written to `audit_log` as a failed unlock (of
    /// the file or repository named), as a viewing does: someone holding the laptop guessing.
    pub fn unlock_audited(&self, audit_log: &std::path::Path) -> anyhow::Result<Unlock> {
        self.check_unlock_given()?;
        self.unlock_key().map_err(|e| {
            if matches!(e, VaultError::WrongPin { .. }) {
                report_failed_unlock(fieldchart_session::viewing::record_wrong_pin(
                    &e,
                    audit_log,
                    None,
                    &self.file,
                    &self.trusted().unwrap_or_default(),
                    Utc::now(),
                ));
            }
            e.into()
        })
    }

    fn check_unlock_given(&self) -> anyhow::Result<()> {
        if self.identity.is_some() == self.passphrase_file.is_some() {
            bail!("give either --identity KEY or --passphrase-file F");
        }
        Ok(())
    }

    /// The device key (with its PIN when protected) or the passphrase: a wrong PIN is a failed
    /// unlock like a wrong key.
    fn unlock_key(&self) -> Result<Unlock, VaultError> {
        match (&self.identity, &self.passphrase_file) {
            (Some(key), _) => Ok(Unlock::Identity(crate::pin::load_device_key(
                key,
                self.key_pin_file.as_deref(),
            )?)),
            (None, Some(f)) => Ok(Unlock::Passphrase(fieldchart_vault::read_passphrase_file(
                f,
            )?)),
            (None, None) => Err(VaultError::WrongKey),
        }
    }

    pub fn trusted(&self) -> anyhow::Result<Vec<TrustedKey>> {
        Ok(self
            .trust
            .iter()
            .map(|t| TrustedKey::parse(t))
            .collect::<Result<_, _>>()?)
    }

    fn open_session(
        &self,
        unlock: Unlock,
        trusted: Vec<TrustedKey>,
        accept_expired: bool,
    ) -> Result<Session, SessionError> {
        Session::open(SessionOptions {
            path: self.file.clone(),
            unlock,
            trusted,
            now: Utc::now(),
            accept_expired,
        })
    }

    /// Opens the snapshot and begins a viewing session for the declared viewer. An expired snapshot
    /// is opened only with `--break-glass`, and then only if its signed policy allows it.
    pub fn viewing(&self, who: &ViewerArgs) -> anyhow::Result<Viewing> {
        crate::input::check_viewing_audit_log(&who.audit_log()?)?;
        self.check_unlock_given()?;
        let trusted = self.trusted()?;
        let opened = match self.unlock_key() {
            Err(e) => Err(SessionError::Vault(e)),
            Ok(unlock) => match self.open_session(unlock.clone(), trusted.clone(), false) {
                Err(SessionError::Vault(VaultError::Expired { .. }))
                    if who.break_glass.is_some() =>
                {
                    self.open_session(unlock, trusted, true)
                }
                other => other,
            },
        };
        let session = match opened {
            Ok(s) => s,
            Err(e) => {
                // A failed unlock is audited too, when this laptop's log knows its hub.
                let log = who.audit_log()?;
                let declaration = who.declaration().ok();
                report_failed_unlock(fieldchart_session::viewing::record_failed_unlock(
                    &log,
                    declaration.as_ref(),
                    &self.file,
                    &self.trusted().unwrap_or_default(),
                    Utc::now(),
                    &e.to_string(),
                ));
                return Err(e.into());
            }
        };
        let method = if self.identity.is_some() {
            UnlockMethod::DeviceKey
        } else {
            UnlockMethod::EmergencyPassphrase
        };
        Ok(Viewing::begin(
            session,
            ViewingOptions {
                declaration: who.declaration()?,
                audit_log: who.audit_log()?,
                break_glass: who.break_glass.clone(),
                method,
                clock: Box::new(Utc::now),
            },
        )?)
    }
}

/// Says on stderr when a failed unlock could not be written to the audit log (the command fails
/// with the unlock's own error either way).
fn report_failed_unlock(recorded: Result<bool, fieldchart_audit::AuditError>) {
    match recorded {
        Ok(true) => {}
        Ok(false) => eprintln!(
            "fieldchart: the failed unlock could not be audited: neither this laptop's audit log \
             nor the file names a hub to report to"
        ),
        Err(audit) => eprintln!("fieldchart: the failed unlock could not be audited: {audit}"),
    }
}

/// Who is looking (requirements POL-4), where the audit goes, and an emergency override.
#[derive(clap::Args, Clone)]
pub struct ViewerArgs {
    /// Your name, as it should appear in the audit trail.
    #[arg(long, value_name = "NAME")]
    pub user: String,
    /// Your profession: 医師, 歯科医師, 薬剤師, 看護師, 保健師, 助産師, 救急救命士, 診療放射線技師,
    /// 臨床検査技師 or 事務・その他 (or doctor, dentist, pharmacist, nurse, public-health-nurse,
    /// midwife, paramedic, radiographer, lab-technician, clerk).
    #[arg(long, value_name = "P")]
    pub profession: String,
    /// Your affiliation or team, e.g. a DMAT team code.
    #[arg(long, value_name = "TEAM")]
    pub team: String,
    /// The disaster or drill you are responding to (default: the event the snapshot's policy names).
    #[arg(long, value_name = "EVENT")]
    pub event: Option<String>,
    /// The authorisation code the hub issued (required for 事務・その他).
    #[arg(long, value_name = "CODE")]
    pub auth_code: Option<String>,
    /// Break-glass: an emergency override with a typed reason. It opens records of patients who
    /// refused consent, access outside the event window, and (if the policy allows) an expired
    /// snapshot. It is shown on every screen and audited for review.
    #[arg(long, value_name = "REASON")]
    pub break_glass: Option<String>,
    /// The audit log (default: $FIELDCHART_AUDIT_LOG, else $XDG_DATA_HOME/fieldchart/audit.log, else
    /// ~/.local/share/fieldchart/audit.log). The device's audit signing key is kept beside it.
    #[arg(long, value_name = "FILE")]
    pub audit_log: Option<PathBuf>,
}

impl ViewerArgs {
    pub fn declaration(&self) -> anyhow::Result<Declaration> {
        let profession: Profession = self
            .profession
            .parse()
            .map_err(|e: String| anyhow::anyhow!(e))?;
        Ok(Declaration {
            name: self.user.clone(),
            profession,
            team: self.team.clone(),
            event: self.event.clone().unwrap_or_default(),
            authorisation: self.auth_code.clone(),
        })
    }

    pub fn audit_log(&self) -> anyhow::Result<PathBuf> {
        if let Some(p) = &self.audit_log {
            return Ok(p.clone());
        }
        default_audit_log()
    }
}

/// The per-device default audit log location (documented in the README).
pub fn default_audit_log() -> anyhow::Result<PathBuf> {
    if let Some(p) = std::env::var_os("FIELDCHART_AUDIT_LOG").filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    let data = std::env::var_os("XDG_DATA_HOME")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .context(
            "no audit log location: give --audit-log FILE (neither XDG_DATA_HOME nor HOME is set)",
        )?;
    Ok(data.join("fieldchart").join("audit.log"))
}
