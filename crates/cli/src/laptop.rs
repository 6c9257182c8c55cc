//! The laptop fleet: `fieldchart laptop enrol` on a laptop, and `fieldchart hub laptop
//! add|list|revoke|rotate` on the hub's register (docs/hub.md, "The laptop register").

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use fieldchart_hub::{Enrolment, HubConfig, Laptop, Register};

/// `fieldchart laptop …`: what a laptop does for its own enrolment.
#[derive(clap::Subcommand)]
pub enum LaptopCommand {
    /// Print this laptop's enrolment line: its device key's recipient and its audit-signing public
    /// key, for the hub operator's `fieldchart hub laptop add`.
    ///
    /// Makes either key where there is none yet, so the audit key is known to the hub before the
    /// laptop's first use. Keys that exist are used as they are, never replaced; `--new-keys`
    /// moves them (and the audit log signed with the old audit key) aside first, as a laptop
    /// imaged from another, or a revoked one coming back, needs.
    Enrol(EnrolArgs),
}

#[derive(clap::Args)]
pub struct EnrolArgs {
    /// The device key (default: $FIELDCHART_DEVICE_KEY, else $XDG_CONFIG_HOME/fieldchart/device.key,
    /// where the app looks first).
    #[arg(long, value_name = "KEY")]
    identity: Option<PathBuf>,
    /// The audit log; the audit key is `device-audit.key` beside it (default as for search and
    /// record).
    #[arg(long, value_name = "FILE")]
    audit_log: Option<PathBuf>,
    /// Move the existing keys and audit log aside (renamed, never deleted) and make new keys.
    #[arg(long)]
    new_keys: bool,
    /// Protect the device key with a PIN (age scrypt): opening a snapshot, a sync and resuming a
    /// locked viewing then ask for it. An existing key is wrapped as it is (the hub's register
    /// needs no change); on a key that is protected already, this changes its PIN.
    #[arg(long)]
    protect: bool,
    /// With --protect: a file holding the new PIN (default: typed twice on the terminal).
    #[arg(long, value_name = "F", requires = "protect")]
    pin_file: Option<PathBuf>,
    /// With --protect on a protected key: a file holding its current PIN (default: asked).
    #[arg(long, value_name = "F", requires = "protect")]
    current_pin_file: Option<PathBuf>,
    /// Also show the line as a QR code in the terminal.
    #[arg(long)]
    qr: bool,
    /// Also write the line as a QR code to this PNG file (must not exist).
    #[arg(long, value_name = "PNG")]
    qr_png: Option<PathBuf>,
    /// Print the line and the keys' files as JSON.
    #[arg(long)]
    json: bool,
}

/// `fieldchart hub laptop …`: the operator's register of laptops.
#[derive(clap::Subcommand)]
pub enum HubLaptopCommand {
    /// Register a laptop from the line `fieldchart laptop enrol` printed on it. The next build
    /// encrypts to it (a fresh base, since the recipients changed).
    Add(AddArgs),
    /// List the register: each laptop's name, holder, ID, when it was added, and whether and why
    /// it was revoked.
    List(ListArgs),
    /// Revoke a laptop (lost, stolen, retired): later builds leave it out, and the repository's
    /// signed metadata names it, so it locks itself at its next sync. Publish at once.
    Revoke(RevokeArgs),
    /// Give a laptop new keys from a new enrolment line (`laptop enrol --new-keys`); its old keys
    /// are retired and listed as revoked from then on. Brings a revoked laptop back into use.
    Rotate(RotateArgs),
}

#[derive(clap::Args)]
pub struct AddArgs {
    /// The hub folder.
    #[arg(value_name = "DIR")]
    dir: PathBuf,
    /// The laptop's name (letters, digits, '-', '_', '.'), unique for ever.
    #[arg(value_name = "NAME")]
    name: String,
    /// Who holds it: a person or a team.
    #[arg(long, value_name = "TEXT")]
    holder: String,
    /// The enrolment line, or a file holding it.
    #[arg(long, value_name = "LINE")]
    enrol: String,
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
pub struct ListArgs {
    /// The hub folder.
    #[arg(value_name = "DIR")]
    dir: PathBuf,
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
pub struct RevokeArgs {
    /// The hub folder.
    #[arg(value_name = "DIR")]
    dir: PathBuf,
    /// The laptop's name.
    #[arg(value_name = "NAME")]
    name: String,
    /// Why (kept in the register, never published): "stolen at shelter 3", "lost", "retired".
    #[arg(long, value_name = "TEXT")]
    reason: String,
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
pub struct RotateArgs {
    /// The hub folder.
    #[arg(value_name = "DIR")]
    dir: PathBuf,
    /// The laptop's name.
    #[arg(value_name = "NAME")]
    name: String,
    /// The new enrolment line, or a file holding it.
    #[arg(long, value_name = "LINE")]
    enrol: String,
    #[arg(long)]
    json: bool,
}

pub fn run_laptop(command: LaptopCommand) -> anyhow::Result<ExitCode> {
    match command {
        LaptopCommand::Enrol(a) => enrol(a),
    }
}

pub fn run_hub(command: HubLaptopCommand) -> anyhow::Result<ExitCode> {
    match command {
        HubLaptopCommand::Add(a) => add(a),
        HubLaptopCommand::List(a) => list(a),
        HubLaptopCommand::Revoke(a) => revoke(a),
        HubLaptopCommand::Rotate(a) => rotate(a),
    }
}

/// Where the app looks for the device key first (crates/desk `Config::from_env`).
fn default_device_key() -> anyhow::Result<PathBuf> {
    if let Some(p) = std::env::var_os("FIELDCHART_DEVICE_KEY").filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    let config = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
        .context(
            "no device key location: give --identity KEY (neither XDG_CONFIG_HOME nor HOME is set)",
        )?;
    Ok(config.join("fieldchart").join("device.key"))
}

fn enrol(a: EnrolArgs) -> anyhow::Result<ExitCode> {
    let device_key = match a.identity {
        Some(p) => p,
        None => default_device_key()?,
    };
    let audit_log = match a.audit_log {
        Some(p) => p,
        None => crate::open::default_audit_log()?,
    };
    crate::input::check_viewing_audit_log(&audit_log)?;
    let audit_key = fieldchart_session::viewing::device_key_path(&audit_log);
    if let Some(png) = &a.qr_png {
        crate::input::require_out_folder(png, "the QR code")?;
        if png.exists() {
            bail!(
                "{} exists already: give the QR code a new file name",
                png.display()
            );
        }
    }

    let mut moved = Vec::new();
    if a.new_keys {
        let stamp = Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
        let head = fieldchart_audit::log::head_path(&audit_log);
        for path in [&device_key, &audit_key, &audit_log, &head] {
            if path.exists() {
                let mut name = path.file_name().unwrap_or_default().to_os_string();
                name.push(format!(".before-{stamp}"));
                let aside = path.with_file_name(name);
                std::fs::rename(path, &aside).with_context(|| {
                    format!(
                        "cannot move {} aside to {}",
                        path.display(),
                        aside.display()
                    )
                })?;
                moved.push((path.clone(), aside));
            }
        }
    } else if let (Some(made), Some(here)) = (
        fieldchart_audit::log::key_made_on(&audit_key),
        fieldchart_audit::log::machine_fingerprint(),
    ) && made != here
    {
        bail!(
            "the audit key {} was made on another machine ({made}; this one is {here}): this \
             laptop's folder was copied from another laptop, and both would write one audit log. \
             Run `fieldchart laptop enrol --new-keys` here: it moves the copied keys and log aside \
             and makes this laptop its own",
            audit_key.display()
        );
    } else if let Some(r) = fieldchart_vault::laptop::read_revocation(&device_key) {
        return Err(fieldchart_vault::VaultError::Revoked {
            path: device_key.clone(),
            revocation: r,
        })
        .context(
            "`fieldchart laptop enrol --new-keys` makes this laptop new keys for the hub to add",
        );
    }

    use fieldchart_vault::pin;
    let mut pin_changed = false;
    let recipient = if device_key.exists() {
        let info = pin::device_key_info(&device_key)?;
        if a.protect {
            let current = match info.protected {
                true => Some(crate::pin::current_pin(
                    &device_key,
                    a.current_pin_file.as_deref(),
                )?),
                false => None,
            };
            let new = crate::pin::new_pin(a.pin_file.as_deref())?;
            pin::protect_device_key(&device_key, current.as_ref(), &new, pin::PIN_WORK_FACTOR)?;
            pin_changed = true;
        }
        info.recipient
    } else {
        let new = match a.protect {
            true => {
                let new = crate::pin::new_pin(a.pin_file.as_deref())?;
                pin::check_pin(&new)?;
                Some(new)
            }
            false => None,
        };
        if let Some(dir) = device_key.parent().filter(|d| !d.as_os_str().is_empty()) {
            make_private_dir(dir)?;
        }
        let line = match &new {
            Some(new) => pin::generate_protected_device_identity(&device_key, new)?,
            None => fieldchart_vault::generate_device_identity(&device_key)?,
        };
        pin_changed = new.is_some();
        fieldchart_vault::parse_recipient(&line)?
    };
    let protected = pin_changed || pin::device_key_info(&device_key)?.protected;
    // It makes its own folder, owner-only, where there is none.
    let audit = fieldchart_audit::log::DeviceKey::load_or_create(&audit_key)?;
    let enrolment = Enrolment {
        recipient: recipient.to_string(),
        audit_key: audit.public_b64(),
    };
    let line = enrolment.line();
    let code = qrcode::QrCode::new(line.as_bytes()).context("the line does not fit a QR code")?;
    if let Some(png) = &a.qr_png {
        let image = code
            .render::<image::Luma<u8>>()
            .min_dimensions(400, 400)
            .build();
        image
            .save_with_format(png, image::ImageFormat::Png)
            .with_context(|| format!("cannot write the QR code to {}", png.display()))?;
    }

    let mut out = crate::out::stdout();
    if a.json {
        crate::out::json(
            &mut out,
            &serde_json::json!({
                "line": line,
                "laptop_id": enrolment.laptop_id(),
                "recipient": enrolment.recipient,
                "audit_key": enrolment.audit_key,
                "device_key_file": device_key.display().to_string(),
                "device_key_protected": protected,
                "pin_set": pin_changed,
                "audit_key_file": audit_key.display().to_string(),
                "moved_aside": moved.iter().map(|(from, to)| serde_json::json!({
                    "from": from.display().to_string(), "to": to.display().to_string()
                })).collect::<Vec<_>>(),
                "qr_png": a.qr_png.as_ref().map(|p| p.display().to_string()),
            }),
        )?;
        out.flush()?;
        return Ok(ExitCode::SUCCESS);
    }
    writeln!(out, "{line}")?;
    out.flush()?;
    let mut err = std::io::stderr().lock();
    for (from, to) in &moved {
        writeln!(err, "moved {} aside to {}", from.display(), to.display())?;
    }
    match (protected, pin_changed) {
        (true, true) => writeln!(
            err,
            "the device key {} is protected by the PIN just set: opening, syncing and resuming \
             ask for it",
            device_key.display()
        )?,
        (true, false) => writeln!(
            err,
            "the device key {} is protected by a PIN",
            device_key.display()
        )?,
        (false, _) => writeln!(
            err,
            "the device key {} has no PIN: anyone holding this laptop can open its snapshots \
             (`fieldchart laptop enrol --protect` sets one)",
            device_key.display()
        )?,
    }
    if moved.iter().any(|(from, _)| *from == audit_log) {
        writeln!(
            err,
            "the old audit log is kept: send what the hub has not received with \
             `fieldchart audit forward --log <the .before- file>`"
        )?;
    }
    writeln!(
        err,
        "laptop ID {}; give the line above to the hub operator: fieldchart hub laptop add HUBDIR NAME --holder WHO --enrol LINE",
        enrolment.laptop_id()
    )?;
    if a.qr {
        let text = code
            .render::<qrcode::render::unicode::Dense1x2>()
            .dark_color(qrcode::render::unicode::Dense1x2::Light)
            .light_color(qrcode::render::unicode::Dense1x2::Dark)
            .build();
        writeln!(err, "{text}")?;
    }
    if let Some(png) = &a.qr_png {
        writeln!(err, "QR code written to {}", png.display())?;
    }
    Ok(ExitCode::SUCCESS)
}

fn make_private_dir(dir: &Path) -> anyhow::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder
        .create(dir)
        .with_context(|| format!("cannot make the folder {}", dir.display()))
}

/// The enrolment line given, or the one in the file it names.
fn read_enrolment(given: &str) -> anyhow::Result<Enrolment> {
    let text = if given
        .trim_start()
        .starts_with(fieldchart_hub::enrol::ENROL_PREFIX)
    {
        given.to_owned()
    } else {
        crate::input::read_text(Path::new(given), 4096, "the enrolment line's file")?
    };
    Enrolment::parse(&text).map_err(|reason| anyhow::anyhow!("the enrolment line: {reason}"))
}

/// Reads the register under its lock, lets `change` change it, and writes it back.
fn change_register<T>(
    dir: &Path,
    change: impl FnOnce(&mut Register) -> Result<T, String>,
) -> anyhow::Result<(Register, T)> {
    // The hub must be one: a typo in DIR must not make a register beside nothing.
    let r = HubConfig::read(dir)?;
    let _lock = fieldchart_hub::lock_register(&r.folder)?;
    let mut register = Register::read(&r.folder)?;
    let made = change(&mut register).map_err(|reason| usage(&reason))?;
    register.write(&r.folder)?;
    Ok((register, made))
}

/// A refusal of what the operator asked: exit 2 with the reason.
fn usage(reason: &str) -> anyhow::Error {
    anyhow::anyhow!("{reason}")
}

fn add(a: AddArgs) -> anyhow::Result<ExitCode> {
    let enrolment = read_enrolment(&a.enrol).map_err(|e| usage(&e.to_string()))?;
    let (_, laptop) = change_register(&a.dir, |r| {
        r.add(&a.name, &a.holder, &enrolment, Utc::now()).cloned()
    })?;
    let mut out = crate::out::stdout();
    if a.json {
        crate::out::json(&mut out, &laptop)?;
    } else {
        writeln!(
            out,
            "added laptop {} ({}), ID {}",
            laptop.name, laptop.holder, laptop.id
        )?;
        writeln!(
            out,
            "next: `fieldchart hub build {dir}` writes a fresh base it can open (the recipients \
             changed), then `fieldchart hub publish {dir} --to REPO`",
            dir = a.dir.display()
        )?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn rotate(a: RotateArgs) -> anyhow::Result<ExitCode> {
    let enrolment = read_enrolment(&a.enrol).map_err(|e| usage(&e.to_string()))?;
    let (_, laptop) = change_register(&a.dir, |r| {
        r.rotate(&a.name, &enrolment, Utc::now()).cloned()
    })?;
    let mut out = crate::out::stdout();
    if a.json {
        crate::out::json(&mut out, &laptop)?;
    } else {
        let old = laptop.retired.last().map(|k| k.id.as_str()).unwrap_or("");
        writeln!(
            out,
            "laptop {} has new keys, ID {}; its old key {old} is retired and listed as revoked \
             from the next publish",
            laptop.name, laptop.id
        )?;
        writeln!(
            out,
            "next: `fieldchart hub build {dir}` (a fresh base), then `fieldchart hub publish {dir} --to REPO`",
            dir = a.dir.display()
        )?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// How long a revoked laptop can still read what it holds: the newest file it can have is the
/// newest the hub built; that stays valid for `valid_days`, then opens by break-glass for the
/// policy's grace (when the policy allows break-glass on an expired snapshot).
#[derive(Debug, serde::Serialize)]
struct Exposure {
    /// When the newest file the laptop can hold was made (None: nothing built yet).
    newest_built: Option<String>,
    /// Until when it opens without break-glass.
    valid_until: Option<String>,
    /// Until when it opens at all (by break-glass, audited).
    readable_until: Option<String>,
    grace_days: u32,
    passphrase_opens_copies: bool,
}

fn exposure(r: &fieldchart_hub::Resolved) -> anyhow::Result<Exposure> {
    let policy = match &r.policy {
        Some(p) => crate::policy::read(p)?,
        None => fieldchart_policy::Policy::default_policy(),
    };
    let grace_days = if policy.break_glass.expired_snapshot {
        policy.break_glass.expired_grace_days
    } else {
        0
    };
    let chain = fieldchart_build::chain::read_chain(&r.folder.join(fieldchart_hub::STATE_DIR))
        .unwrap_or_default();
    let newest: Option<DateTime<Utc>> = chain
        .iter()
        .filter_map(|e| DateTime::parse_from_rfc3339(&e.created).ok())
        .map(|t| t.with_timezone(&Utc))
        .max();
    let fmt = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Secs, true);
    let valid_until = newest.map(|t| t + Duration::days(i64::from(r.valid_days)));
    Ok(Exposure {
        newest_built: newest.map(fmt),
        valid_until: valid_until.map(fmt),
        readable_until: valid_until.map(|t| fmt(t + Duration::days(i64::from(grace_days)))),
        grace_days,
        passphrase_opens_copies: r.passphrase.is_some(),
    })
}

fn revoke(a: RevokeArgs) -> anyhow::Result<ExitCode> {
    let (_, laptop) = change_register(&a.dir, |r| {
        r.revoke(&a.name, &a.reason, Utc::now()).cloned()
    })?;
    let r = HubConfig::read(&a.dir)?;
    let exposure = exposure(&r)?;
    let mut out = crate::out::stdout();
    if a.json {
        crate::out::json(
            &mut out,
            &serde_json::json!({ "laptop": laptop, "exposure": exposure }),
        )?;
        out.flush()?;
        return Ok(ExitCode::SUCCESS);
    }
    writeln!(
        out,
        "revoked laptop {} ({}), ID {}: {}",
        laptop.name,
        laptop.holder,
        laptop.id,
        laptop.revoked_reason.as_deref().unwrap_or("")
    )?;
    let dir = a.dir.display();
    writeln!(
        out,
        "now: `fieldchart hub publish {dir} --to REPO` (laptops that sync learn of it at once), \
         then `fieldchart hub build {dir}` and publish again (a fresh base it cannot open)"
    )?;
    match (&exposure.valid_until, &exposure.readable_until) {
        (Some(valid), Some(readable)) => {
            writeln!(
                out,
                "what it may hold stays readable without break-glass until {valid}{}",
                if exposure.grace_days > 0 {
                    format!(
                        ", and by break-glass (audited) until {readable} ({} days' grace)",
                        exposure.grace_days
                    )
                } else {
                    String::from("; the policy allows no break-glass past expiry")
                }
            )?;
        }
        _ => writeln!(
            out,
            "nothing was built yet, so it holds nothing of this hub"
        )?,
    }
    if exposure.passphrase_opens_copies {
        writeln!(
            out,
            "the emergency passphrase opens any copy of those files until the same date: if it \
             may be known with the laptop, change it ([keys] passphrase) before the build"
        )?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn list(a: ListArgs) -> anyhow::Result<ExitCode> {
    let r = HubConfig::read(&a.dir)?;
    let register = Register::read(&r.folder)?;
    let mut out = crate::out::stdout();
    if a.json {
        crate::out::json(
            &mut out,
            &serde_json::json!({
                "laptops": register.laptops,
                "recipients": register.recipients().len(),
                "revoked_ids": register.revoked_ids(),
                "unregistered_recipients": r.unregistered,
            }),
        )?;
        out.flush()?;
        return Ok(ExitCode::SUCCESS);
    }
    if register.laptops.is_empty() {
        writeln!(
            out,
            "no laptop registered: on each laptop run `fieldchart laptop enrol`, then `fieldchart hub laptop add {} NAME --holder WHO --enrol LINE`",
            a.dir.display()
        )?;
    }
    let day = |t: &DateTime<Utc>| t.format("%Y-%m-%d").to_string();
    for l in &register.laptops {
        writeln!(out, "{}", row(l, &day))?;
    }
    let active = register.laptops.iter().filter(|l| !l.is_revoked()).count();
    writeln!(
        out,
        "{} laptop(s): {active} in use, {} revoked",
        register.laptops.len(),
        register.laptops.len() - active
    )?;
    if r.unregistered > 0 {
        writeln!(
            out,
            "warning: hub.toml [recipients] laptops lists {} key(s) outside the register; they \
             cannot be revoked by name: add each laptop with `hub laptop add` and remove the list",
            r.unregistered
        )?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn row(l: &Laptop, day: &dyn Fn(&DateTime<Utc>) -> String) -> String {
    let state = match (&l.revoked, &l.revoked_reason) {
        (Some(at), reason) => format!("REVOKED {} ({})", day(at), reason.as_deref().unwrap_or("")),
        _ => "in use".to_owned(),
    };
    let retired = if l.retired.is_empty() {
        String::new()
    } else {
        format!(", {} retired key(s)", l.retired.len())
    };
    format!(
        "{:<16} {:<24} {}  added {}  {state}{retired}",
        l.name,
        l.holder,
        l.id,
        day(&l.added)
    )
}
