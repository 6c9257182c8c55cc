//! The CLI's own inputs (policy, consent list, inspect's FILE, audit logs, the CA file): each must
//! be a regular file of a bounded size, read without ever blocking on a named pipe
//! (`fieldchart_vault::input`), and each output's folder must exist or be made, as the command
//! decides.

use std::path::Path;

use anyhow::{Context, bail};
use fieldchart_session::viewing::not_a_log;
use fieldchart_vault::input::{open_regular, read_bounded};

/// A policy file is a page of TOML.
pub const MAX_POLICY_BYTES: u64 = 1 << 20;
/// A consent list: one short line per patient of a region (a million patients fit).
pub const MAX_CONSENT_BYTES: u64 = 256 << 20;
/// `inspect` reads one SS-MIX2 message or document file; none is near this size.
pub const MAX_INSPECT_BYTES: u64 = 64 << 20;

/// Reads a text input of at most `max` bytes; `what` names it in the error ("the policy").
pub fn read_text(path: &Path, max: u64, what: &str) -> anyhow::Result<String> {
    let bytes = read_bounded(path, max).with_context(|| format!("cannot use {what}"))?;
    String::from_utf8(bytes).with_context(|| format!("{what} {} is not UTF-8 text", path.display()))
}

/// An audit log named on the command line, and the files kept beside it (its head and, for a
/// laptop's log, the device's audit key): each, where it exists, must be a regular file. A log
/// that is a named pipe is "not an audit log" (17).
pub fn check_audit_log(log: &Path) -> anyhow::Result<()> {
    let head = fieldchart_audit::log::head_path(log);
    for path in [log, &head] {
        if path.exists()
            && let Err(e) = open_regular(path)
        {
            return Err(not_a_log(e).into());
        }
    }
    Ok(())
}

/// The viewing commands' `--audit-log` (and the device's audit key beside it): a log that cannot
/// be written means nothing is shown (31). The session checks the same when a viewing begins; the
/// CLI checks first so that sync, which writes to the log too, refuses before it copies.
pub fn check_viewing_audit_log(log: &Path) -> anyhow::Result<()> {
    fieldchart_session::viewing::check_device_log(log)?;
    Ok(())
}

/// Any other input file a library reads by path (the CA file): refuse what is not a regular file.
pub fn check_regular(path: &Path, what: &str) -> anyhow::Result<()> {
    open_regular(path).with_context(|| format!("cannot use {what}"))?;
    Ok(())
}

/// An output file must go into a folder that exists: a secret key, a snapshot or a decrypted
/// audit export written into a folder made by a typo (or onto the laptop's disk because a USB
/// stick is not mounted) is worse than a clear refusal.
pub fn require_out_folder(out: &Path, what: &str) -> anyhow::Result<()> {
    let folder = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => return Ok(()),
    };
    if !folder.is_dir() {
        bail!(
            "the folder {} for {what} {} does not exist: create it first (mkdir -p {}), or check that \
             the disk or USB stick is mounted",
            folder.display(),
            out.display(),
            folder.display()
        );
    }
    Ok(())
}
