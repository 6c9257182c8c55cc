//! `fieldchart hub`: the hub operator's commands on a hub folder (`hub.toml` and `keys/`,
//! docs/hub.md).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use chrono::{Duration, Utc};
use fieldchart_build::BuildOptions;
use fieldchart_hub::HubConfig;
use fieldchart_policy::Policy;
use fieldchart_storage::{FacilityId, StorageRoot};
use fieldchart_vault::WriteOptions;
use std::collections::BTreeMap;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Make DIR a hub: its keys (keys/, mode 0700) and a hub.toml to fill in.
    ///
    /// Prints the public keys to hand out: the signing key every laptop trusts, and the audit
    /// recipient. Never overwrites: a folder that has a hub.toml is refused (18).
    Init(InitArgs),
    /// Check DIR's hub.toml, keys, policy and storage roots, and print the configuration as the
    /// hub reads it; or the line of the first fault, and exit 2.
    Check(CheckArgs),
    /// Build the next file of DIR's chain into DIR/builds/: a small layer of the patients who are
    /// new, changed or gone since the last build, or a fresh base. Encrypted to every laptop and
    /// to the hub's own key, signed with the hub's signing key.
    ///
    /// Looks at every patient folder, but reads only those whose files' names, sizes, times (and
    /// then content hashes) changed, as DIR/state/ remembers them. A fresh base is written on
    /// --full, on the first build, when the recipients or signer changed, and when the layers
    /// pass [snapshot] layer_share or max_layers. The file appears only when complete, and the
    /// state takes it only then: a build killed at any moment changes nothing.
    Build(BuildArgs),
    /// Publish DIR's current chain (the state's, never a half-built file) into the repository
    /// folder REPO: the files under their SHA-256, the signed targets metadata, and a fresh
    /// signed timestamp (re-signed on every publish, even when nothing changed).
    ///
    /// Serve REPO with any static web server (deploy/nginx/fieldchart-repo.conf), a file share or
    /// a USB stick; laptops run `fieldchart snapshot sync URL-or-folder`.
    Publish(PublishArgs),
    /// Open every snapshot in DIR/builds/ with the hub's own key and check each whole (signature,
    /// version, manifest, every part's hash), expired ones too: no laptop's key is needed.
    ///
    /// Exits 0 when every file passes; otherwise with the first failing file's code (12 for
    /// tampering, 13 for a truncated file …), after listing every file.
    Verify(VerifyArgs),
    /// The laptop register (DIR/laptops.toml): add a laptop from its enrolment line, list,
    /// revoke a lost or stolen one, rotate a laptop's keys (docs/hub.md).
    #[command(subcommand)]
    Laptop(crate::laptop::HubLaptopCommand),
    /// At a glance: each facility's data-as-of and reader errors at the last build, the last
    /// build and publish, and each laptop of the register. What is stale is marked (red on a
    /// terminal).
    Status(crate::hub_status::StatusArgs),
    /// The laptops' audit trails at the hub: `ingest` what the syslog-TLS collector received,
    /// `review` them all together (docs/audit.md, "At the hub").
    #[command(subcommand)]
    Audit(crate::hub_audit::HubAuditCommand),
}

#[derive(clap::Args)]
pub struct PublishArgs {
    /// The hub folder.
    #[arg(value_name = "DIR")]
    dir: PathBuf,
    /// The repository folder (made if missing).
    #[arg(long, value_name = "REPO")]
    to: PathBuf,
    /// Hours the timestamp stays valid: a laptop that sees nothing newer for longer says it may
    /// be cut off from fresh data.
    #[arg(long, value_name = "HOURS", default_value_t = 24)]
    timestamp_hours: u32,
    /// The timestamp's validity in seconds instead (tests of an expired repository).
    #[arg(long, hide = true)]
    timestamp_seconds: Option<u32>,
    /// Print what was published as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
pub struct VerifyArgs {
    /// The hub folder.
    #[arg(value_name = "DIR")]
    dir: PathBuf,
    /// Print each file's result as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
pub struct BuildArgs {
    /// The hub folder.
    #[arg(value_name = "DIR")]
    dir: PathBuf,
    /// Print the summary as JSON.
    #[arg(long)]
    json: bool,
    /// The weekly full check: hash every file (a file changed in place with the same size and
    /// time is found too) and write a fresh base.
    #[arg(long)]
    full: bool,
    /// Publish the chain into this repository folder once the build is done (as `hub publish`
    /// does), even when some files could not be read: the nightly unit's one command.
    #[arg(long, value_name = "REPO")]
    publish_to: Option<PathBuf>,
    /// With --publish-to: hours the timestamp stays valid.
    #[arg(
        long,
        value_name = "HOURS",
        default_value_t = 24,
        requires = "publish_to"
    )]
    timestamp_hours: u32,
    /// scrypt work factor (log2 N) of the emergency passphrase. Tests use a low one.
    #[arg(long, hide = true)]
    scrypt_log_n: Option<u8>,
}

#[derive(clap::Args)]
pub struct InitArgs {
    /// The hub folder (made if missing).
    #[arg(value_name = "DIR")]
    dir: PathBuf,
    /// The hub's name, shown in reports.
    #[arg(long, default_value = "FieldChart hub")]
    name: String,
}

#[derive(clap::Args)]
pub struct CheckArgs {
    /// The hub folder.
    #[arg(value_name = "DIR")]
    dir: PathBuf,
    /// Print the resolved configuration as JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Init(a) => init(a),
        Command::Check(a) => check(a),
        Command::Build(a) => build(a),
        Command::Verify(a) => verify(a),
        Command::Publish(a) => publish(a),
        Command::Laptop(c) => crate::laptop::run_hub(c),
        Command::Status(a) => crate::hub_status::run(a),
        Command::Audit(c) => crate::hub_audit::run(c),
    }
}

fn publish(a: PublishArgs) -> anyhow::Result<ExitCode> {
    let r = HubConfig::read(&a.dir)?;
    let _lock = fieldchart_hub::lock(&r.folder, "hub publish")?;
    let expiry = match a.timestamp_seconds {
        Some(s) => Duration::seconds(i64::from(s.max(1))),
        None => Duration::hours(i64::from(a.timestamp_hours.max(1))),
    };
    let (published, chain) = publish_chain(&r, &a.dir, &a.to, expiry)?;
    let mut out = crate::out::stdout();
    report_published(&mut out, &a.to, &chain, &published, a.json)?;
    Ok(ExitCode::SUCCESS)
}

/// Publishes the state's current chain into `to` (the caller holds the hub folder's lock).
fn publish_chain(
    r: &fieldchart_hub::Resolved,
    dir: &Path,
    to: &Path,
    timestamp_expiry: Duration,
) -> anyhow::Result<(
    fieldchart_repo::Published,
    Vec<fieldchart_build::chain::ChainEntry>,
)> {
    let state_dir = r.folder.join(fieldchart_hub::STATE_DIR);
    let builds = r.folder.join(fieldchart_hub::BUILDS_DIR);
    let chain = fieldchart_build::chain::read_chain(&state_dir)?;
    if chain.is_empty() {
        anyhow::bail!(
            "nothing to publish: {} has no build yet; run `fieldchart hub build {}` first",
            r.folder.display(),
            dir.display()
        );
    }
    let files = chain
        .iter()
        .map(|e| fieldchart_repo::ChainFile {
            path: builds.join(&e.file),
            role: if e.sequence == 0 {
                fieldchart_repo::FileRole::Base
            } else {
                fieldchart_repo::FileRole::Layer
            },
            sequence: u64::from(e.sequence),
            digest: e.digest.clone(),
        })
        .collect();
    let key = fieldchart_vault::load_signing_key(&r.signing_key)?;
    let mut input = fieldchart_repo::PublishInput::new(files, &key, Utc::now());
    input.timestamp_expiry = timestamp_expiry;
    input.version_floor = fieldchart_build::chain::published_version(&state_dir)?;
    input.revoked = r.revoked.clone();
    let published = fieldchart_repo::publish(to, &input)?;
    fieldchart_build::chain::set_published_version(&state_dir, published.highest_version())?;
    let now = Utc::now();
    fieldchart_hub::status::record_publish(
        &r.folder,
        &fieldchart_hub::status::PublishRecord {
            finished: now,
            repository: std::path::absolute(to).unwrap_or_else(|_| to.to_owned()),
            timestamp_version: published.timestamp_version,
            targets_version: published.targets.version,
            timestamp_expires: now + timestamp_expiry,
            revoked: r.revoked.len(),
        },
    )?;
    Ok((published, chain))
}

fn report_published(
    out: &mut dyn Write,
    to: &Path,
    chain: &[fieldchart_build::chain::ChainEntry],
    published: &fieldchart_repo::Published,
    json: bool,
) -> anyhow::Result<()> {
    if json {
        let text = serde_json::to_string_pretty(&serde_json::json!({
            "repository": to.display().to_string(),
            "timestamp_version": published.timestamp_version,
            "targets": published.targets,
            "targets_written": published.targets_written,
            "copied": published.copied,
            "removed": published.removed,
            "warnings": published.warnings,
            "chain": chain,
        }))?;
        writeln!(out, "{text}")?;
    } else {
        writeln!(
            out,
            "published {} file(s) of the chain to {}: timestamp version {}, targets version {}{}",
            chain.len(),
            to.display(),
            published.timestamp_version,
            published.targets.version,
            if published.targets_written {
                ""
            } else {
                " (unchanged, re-signed)"
            }
        )?;
        for f in &published.copied {
            writeln!(out, "  copied {f}")?;
        }
        for f in &published.removed {
            writeln!(
                out,
                "  removed {f} (no longer named by the newest two publications)"
            )?;
        }
    }
    for w in &published.warnings {
        eprintln!("warning: {w}");
    }
    Ok(())
}

fn verify(a: VerifyArgs) -> anyhow::Result<ExitCode> {
    let r = HubConfig::read(&a.dir)?;
    let checked = fieldchart_hub::verify_builds(&r, Utc::now())?;
    let mut out = crate::out::stdout();
    if a.json {
        crate::out::json(&mut out, &checked)?;
    } else {
        if checked.is_empty() {
            writeln!(
                out,
                "no builds yet in {}",
                r.folder.join(fieldchart_hub::BUILDS_DIR).display()
            )?;
        }
        for c in &checked {
            match &c.fault {
                None => writeln!(
                    out,
                    "OK {}  snapshot {}  made {}  valid until {}{}",
                    c.path.display(),
                    c.snapshot_id.as_deref().unwrap_or("-"),
                    c.created.as_deref().unwrap_or("-"),
                    c.not_after.as_deref().unwrap_or("-"),
                    if c.expired { " (expired)" } else { "" }
                )?,
                Some(fault) => writeln!(out, "FAILED {}: {fault}", c.path.display())?,
            }
        }
    }
    match checked.iter().find_map(|c| c.failure) {
        Some(failure) => {
            let failed = checked.iter().filter(|c| c.fault.is_some()).count();
            eprintln!(
                "fieldchart: {failed} of {} builds failed their check; do not publish them",
                checked.len()
            );
            Ok(ExitCode::from(failure.code()))
        }
        None => Ok(ExitCode::SUCCESS),
    }
}

fn build(a: BuildArgs) -> anyhow::Result<ExitCode> {
    let r = HubConfig::read(&a.dir)?;
    let _lock = fieldchart_hub::lock(
        &r.folder,
        if a.full {
            "hub build --full"
        } else {
            "hub build"
        },
    )?;
    let mut storage = Vec::new();
    let mut facility_names = BTreeMap::new();
    for f in &r.facilities {
        for root in &f.roots {
            storage.push(StorageRoot::new(FacilityId::new(&f.code), root.clone()));
        }
        facility_names.insert(f.code.clone(), f.name.clone());
    }
    let mut recipients = r
        .laptops
        .iter()
        .map(|k| fieldchart_vault::parse_recipient(k))
        .collect::<Result<Vec<_>, _>>()?;
    recipients.push(fieldchart_vault::parse_recipient(&r.own_recipient)?);
    let passphrase = r
        .passphrase
        .as_deref()
        .map(fieldchart_vault::read_passphrase_file)
        .transpose()?;
    let policy = match &r.policy {
        Some(path) => crate::policy::read(path)?,
        None => Policy::default_policy(),
    };
    let consent = match &r.consent {
        Some(path) => crate::snapshot::read_consent_list(path)?,
        None => Vec::new(),
    };
    let links = crate::links::read(r.xref.as_deref(), r.link_events.as_deref())?;
    let builds = r.folder.join(fieldchart_hub::BUILDS_DIR);
    std::fs::create_dir_all(&builds)
        .with_context(|| format!("cannot make the builds folder {}", builds.display()))?;
    let created = Utc::now();
    // What a layer cannot change: who can open the chain, who signed it, and its scope.
    let mut who: Vec<String> = r.laptops.clone();
    who.sort();
    let masters = r.masters.load()?;
    let with_masters = !masters.infos().is_empty();
    // A new master changes the standard codes of every patient, not only the changed ones.
    let master_digests: Vec<&str> = masters.infos().iter().map(|i| i.sha256.as_str()).collect();
    let settings = format!(
        "recipients={};own={};signer={};history_years={};drill={};content={};masters={}",
        who.join(","),
        r.own_recipient,
        r.signing_public,
        r.history_years,
        r.drill,
        fieldchart_store::CONTENT_VERSION,
        master_digests.join(",")
    );
    let opts = BuildOptions {
        storage,
        out: builds.clone(),
        vault: WriteOptions {
            recipients,
            passphrase,
            scrypt_log_n: a.scrypt_log_n,
            signing_key: fieldchart_vault::load_signing_key(&r.signing_key)?,
            created,
            not_after: created + Duration::days(i64::from(r.valid_days)),
            drill: r.drill,
        },
        window_years: r.history_years,
        policy,
        consent,
        links: links.rows,
        audit_recipient: r.audit_recipient.clone(),
        facility_names,
        chain: None,
        hpki: r
            .hpki
            .load(created.timestamp())
            .context("[hpki] in hub.toml changed since it was checked")?,
        masters: std::sync::Arc::new(masters),
    };
    let json = a.json;
    let built = crate::progress::chain_with_bars(
        fieldchart_build::chain::ChainOptions {
            build: opts,
            state_dir: r.folder.join(fieldchart_hub::STATE_DIR),
            builds_dir: builds,
            full: a.full,
            layer_share: r.layer_share,
            max_layers: r.max_layers,
            settings,
        },
        || {
            if !json {
                eprintln!("finishing the store and the index …");
            }
        },
    )?;
    let mut lines = Vec::new();
    for path in &built.cleaned {
        lines.push(format!(
            "removed {} (left by an interrupted build; never published)",
            path.display()
        ));
    }
    lines.push(match (&built.kind, &built.why_base) {
        (fieldchart_build::chain::Kind::Base, why) => format!(
            "a fresh base: {}",
            why.as_deref().unwrap_or("a base was due")
        ),
        (fieldchart_build::chain::Kind::Layer, _) => format!(
            "layer {} of the chain: {} new, {} changed, {} removed patients (of {} looked at, {} of them walked again; {} touched but unchanged; {} files hashed)",
            built.chain.last().map_or(0, |e| e.sequence),
            built.new,
            built.changed,
            built.removed,
            built.scanned,
            built.walked,
            built.touched,
            built.hashed_files
        ),
    });
    if built.revoked_signers > 0 {
        lines.push(format!(
            "{} patient(s) read again: a CRL in [hpki] now revokes the signer of a letter an \
             earlier build judged valid",
            built.revoked_signers
        ));
    }
    if built.newly_trusted > 0 {
        lines.push(format!(
            "{} patient(s) read again: [hpki] anchors or intermediates changed, and their \
             letters' issuer was not confirmed before",
            built.newly_trusted
        ));
    }
    lines.push(format!(
        "the chain now: {} file(s), {} bytes in all",
        built.chain.len(),
        built.chain.iter().map(|e| e.bytes).sum::<u64>()
    ));
    // A base read everyone, so its lists are whole: they replace the facilities' report files.
    // A layer's (the changed patients only) are printed but leave the files as the base wrote them.
    if built.kind == fieldchart_build::chain::Kind::Base && with_masters {
        let codes: Vec<String> = r.facilities.iter().map(|f| f.code.clone()).collect();
        for path in
            fieldchart_hub::unknown::write_reports(&r.folder, &codes, &built.summary.unknown_codes)?
        {
            lines.push(format!(
                "codes no master knew written to {} (send it to the facility)",
                path.display()
            ));
        }
    }
    crate::snapshot::report_build(&built.summary, &links.applied, json, Some((&built, lines)))?;
    fieldchart_hub::status::record_build(
        &r.folder,
        &fieldchart_hub::status::BuildRecord {
            finished: Utc::now(),
            kind: match built.kind {
                fieldchart_build::chain::Kind::Base => "base".into(),
                fieldchart_build::chain::Kind::Layer => "layer".into(),
            },
            file: built
                .chain
                .last()
                .map(|e| e.file.display().to_string())
                .unwrap_or_default(),
            sequence: built.chain.last().map_or(0, |e| e.sequence),
            patients: built.scanned,
            storage_errors: built.summary.storage_errors(),
            seconds: built.summary.seconds,
            facilities: built
                .summary
                .facilities
                .iter()
                .map(|f| fieldchart_hub::status::FacilityRecord {
                    code: f.code.clone(),
                    name: f.name.clone(),
                    data_as_of: f.data_as_of.clone(),
                    patients: f.patients,
                    errors: f.errors,
                    warnings: f.warnings,
                    unknown_codes: built
                        .summary
                        .unknown_codes
                        .iter()
                        .find(|u| u.facility == f.code)
                        .map_or(0, |u| u.codes.len() as u64),
                })
                .collect(),
        },
    )?;
    if let Some(to) = &a.publish_to {
        // Published even with reader errors: the rest of the region is fresh, and exit 3 makes the
        // alert hook tell the operator which files to look at.
        let expiry = Duration::hours(i64::from(a.timestamp_hours.max(1)));
        let (published, chain) = publish_chain(&r, &a.dir, to, expiry)?;
        // The build's report is standard output (JSON with --json); the publish is logged beside it.
        let mut err = std::io::stderr().lock();
        report_published(&mut err, to, &chain, &published, false)?;
    }
    let errors = built.summary.storage_errors();
    if errors > 0 {
        let facilities: Vec<String> = built
            .summary
            .facilities
            .iter()
            .filter(|f| f.errors > 0)
            .map(|f| format!("{} ({})", f.code, f.errors))
            .collect();
        eprintln!(
            "fieldchart: built{}, but {errors} storage file(s) could not be read, at {}: `fieldchart check` on those roots names them (exit 3)",
            if a.publish_to.is_some() {
                " and published"
            } else {
                ""
            },
            facilities.join(", ")
        );
        return Ok(ExitCode::from(
            fieldchart_failure::Failure::BuiltWithErrors.code(),
        ));
    }
    Ok(ExitCode::SUCCESS)
}

fn init(a: InitArgs) -> anyhow::Result<ExitCode> {
    let made = fieldchart_hub::init(&a.dir, &a.name)?;
    let mut out = crate::out::stdout();
    writeln!(out, "hub folder: {}", made.folder.display())?;
    writeln!(
        out,
        "signing key (every laptop trusts it): {}",
        made.signing_public
    )?;
    writeln!(out, "audit recipient: {}", made.audit_recipient)?;
    writeln!(out, "the hub's own recipient: {}", made.own_recipient)?;
    writeln!(
        out,
        "next: add the facilities to {}, then `fieldchart hub check {dir}`; register each laptop \
         with `fieldchart laptop enrol` on it and `fieldchart hub laptop add {dir} NAME --holder \
         WHO --enrol LINE` here",
        made.config.display(),
        dir = a.dir.display()
    )?;
    Ok(ExitCode::SUCCESS)
}

/// What `hub check` says of the standard masters: each file with its version and the lines it
/// did not read (the first few, with why).
fn masters_lines(
    out: &mut impl Write,
    loaded: &[&fieldchart_masters::MasterInfo],
) -> anyhow::Result<()> {
    if loaded.is_empty() {
        writeln!(
            out,
            "masters: none, so codes are shown as the facilities wrote them (add [masters]: \
             docs/masters.md)"
        )?;
    }
    for m in loaded {
        writeln!(
            out,
            "master {}: {} (version {}): {} entries from {} lines{}",
            m.kind.name(),
            m.file_name,
            m.version.as_deref().unwrap_or("not in its name"),
            m.report.loaded,
            m.report.lines,
            match m.report.preamble {
                0 => String::new(),
                n => format!(" ({n} title lines above the header)"),
            }
        )?;
        for s in m.report.skipped.iter().take(3) {
            writeln!(
                out,
                "warning: {} line {}: {}",
                m.file_name, s.line, s.reason
            )?;
        }
        if m.report.skipped.len() > 3 {
            writeln!(
                out,
                "warning: {}: {} more lines not read (`hub check --json` lists them)",
                m.file_name,
                m.report.skipped.len() - 3
            )?;
        }
    }
    Ok(())
}

/// What `hub check` says of the HPKI trust: each anchor, intermediate and CRL, and what needs the
/// operator (an expired CA certificate, a CRL past its next update).
fn hpki_lines(out: &mut impl Write, f: &fieldchart_hpki::TrustFiles) -> anyhow::Result<()> {
    if f.anchors.is_empty() {
        writeln!(
            out,
            "hpki: no trust anchors, so referral letters' signatures are shown as 発行元を確認できない \
             (add [hpki] anchors: docs/hpki.md)"
        )?;
        return Ok(());
    }
    for (what, certs) in [("anchor", &f.anchors), ("intermediate", &f.intermediates)] {
        for c in certs {
            writeln!(
                out,
                "hpki {what}: {} (until {}) from {}",
                c.subject,
                c.not_after,
                c.path.display()
            )?;
            if c.expired {
                writeln!(
                    out,
                    "warning: the HPKI certificate {} has expired: letters signed since cannot \
                     be confirmed; get the CA's current certificate",
                    c.subject
                )?;
            }
        }
    }
    if f.crls.is_empty() {
        writeln!(
            out,
            "hpki: no CRLs, so revocation is not checked (results say so)"
        )?;
    }
    for c in &f.crls {
        writeln!(
            out,
            "hpki crl: {} (next update {}) from {}",
            c.issuer,
            c.next_update.as_deref().unwrap_or("not given"),
            c.path.display()
        )?;
        if c.stale {
            writeln!(
                out,
                "warning: the CRL of {} is past its next update: fetch the current one from \
                 the CA before the next build",
                c.issuer
            )?;
        }
    }
    Ok(())
}

fn check(a: CheckArgs) -> anyhow::Result<ExitCode> {
    let r = HubConfig::read(&a.dir)?;
    let masters = r.masters.load()?;
    let mut out = crate::out::stdout();
    if a.json {
        /// The configuration as resolved, with what each master file held.
        #[derive(serde::Serialize)]
        struct Checked<'a> {
            #[serde(flatten)]
            config: &'a fieldchart_hub::Resolved,
            masters_loaded: Vec<&'a fieldchart_masters::MasterInfo>,
        }
        let checked = Checked {
            config: &r,
            masters_loaded: masters.infos(),
        };
        crate::out::json(&mut out, &checked)?;
        return Ok(ExitCode::SUCCESS);
    }
    writeln!(
        out,
        "hub {:?} at {}{}",
        r.name,
        r.folder.display(),
        if r.drill { " (drill data)" } else { "" }
    )?;
    writeln!(
        out,
        "snapshots valid {} days, {} years of history",
        r.valid_days, r.history_years
    )?;
    writeln!(out, "signing key: {}", r.signing_public)?;
    writeln!(out, "audit recipient: {}", r.audit_recipient)?;
    writeln!(
        out,
        "policy: {}",
        r.policy
            .as_ref()
            .map_or("the shipped policy".to_string(), |p| p
                .display()
                .to_string())
    )?;
    writeln!(
        out,
        "consent: {}",
        r.consent.as_ref().map_or(
            "none (every patient takes the policy's default)".to_string(),
            |p| p.display().to_string()
        )
    )?;
    writeln!(
        out,
        "cross-references: {}{}",
        r.xref
            .as_ref()
            .map_or("none (no two IDs are one person)".to_string(), |p| p
                .display()
                .to_string()),
        r.link_events
            .as_ref()
            .map(|d| format!("; link events from {}", d.display()))
            .unwrap_or_default()
    )?;
    hpki_lines(&mut out, &r.hpki.files)?;
    masters_lines(&mut out, &masters.infos())?;
    for f in &r.facilities {
        writeln!(out, "facility {} {}", f.code, f.name)?;
        for root in &f.roots {
            writeln!(out, "  root {}", root.display())?;
        }
    }
    writeln!(
        out,
        "recipients: {} laptop(s) of the register, {} key(s) of [recipients], and the hub's own key; {} revoked ID(s) published",
        r.registered,
        r.unregistered,
        r.revoked.len()
    )?;
    if r.laptops.is_empty() {
        writeln!(
            out,
            "note: no laptop is registered yet, so no laptop can open what this hub publishes \
             (`fieldchart laptop enrol` on each, then `fieldchart hub laptop add`)"
        )?;
    }
    if r.unregistered > 0 {
        writeln!(
            out,
            "warning: [recipients] laptops lists {} key(s) outside the laptop register: they \
             cannot be revoked by name; add each laptop with `hub laptop add` and remove the list",
            r.unregistered
        )?;
    }
    Ok(ExitCode::SUCCESS)
}
