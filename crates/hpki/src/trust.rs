//! The hub's HPKI trust, read from the files its operator configures (hub.toml `[hpki]`,
//! docs/hub.md): root certificates (anchors), intermediate CA certificates and CRLs. Each path is a
//! file or a folder of files; every file must read, so a mistyped path or a half-copied CRL is an
//! error at `hub check`, not a letter quietly shown as unconfirmed.

use std::path::{Path, PathBuf};

use openssl::x509::{X509, X509Crl};
use serde::Serialize;

use crate::HpkiError;
use crate::cades::{Trust, name_of};

/// A certificate file as `hub check` describes it.
#[derive(Debug, Clone, Serialize)]
pub struct CertificateFile {
    pub path: PathBuf,
    /// The subject, RFC 4514-like (`CN=…, O=…`).
    pub subject: String,
    pub not_after: String,
    /// Expired at the time given to [`load_trust`]: still used (a letter signed before stays
    /// verifiable), but the operator should hear it.
    pub expired: bool,
}

/// A CRL file as `hub check` describes it.
#[derive(Debug, Clone, Serialize)]
pub struct CrlFile {
    pub path: PathBuf,
    pub issuer: String,
    pub next_update: Option<String>,
    /// Past its next update: the issuer has published a newer one the hub should fetch.
    pub stale: bool,
}

/// What the trust was read from.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TrustFiles {
    pub anchors: Vec<CertificateFile>,
    pub intermediates: Vec<CertificateFile>,
    pub crls: Vec<CrlFile>,
}

/// Reads the trust from its files. `now` (Unix seconds) only judges what is expired or stale.
pub fn load_trust(
    anchors: &[PathBuf],
    intermediates: &[PathBuf],
    crls: &[PathBuf],
    now: i64,
) -> Result<(Trust, TrustFiles), HpkiError> {
    let mut trust = Trust::default();
    let mut files = TrustFiles::default();
    for (paths, certs, described) in [
        (anchors, &mut trust.anchors, &mut files.anchors),
        (
            intermediates,
            &mut trust.intermediates,
            &mut files.intermediates,
        ),
    ] {
        for file in expand(paths)? {
            let bytes = read(&file)?;
            let found = X509::stack_from_pem(&bytes)
                .ok()
                .filter(|s| !s.is_empty())
                .or_else(|| X509::from_der(&bytes).ok().map(|c| vec![c]))
                .ok_or_else(|| {
                    HpkiError::Certificate(format!(
                        "{} is not a certificate (PEM or DER)",
                        file.display()
                    ))
                })?;
            for cert in found {
                described.push(CertificateFile {
                    path: file.clone(),
                    subject: name_of(cert.subject_name()),
                    not_after: cert.not_after().to_string(),
                    expired: passed(cert.not_after(), now),
                });
                certs.push(cert);
            }
        }
    }
    for file in expand(crls)? {
        let bytes = read(&file)?;
        let crl = X509Crl::from_pem(&bytes).map_err(|_| {
            let hint = if X509Crl::from_der(&bytes).is_ok() {
                format!(
                    "; it is DER: convert it with `openssl crl -inform DER -in {0} -out {0}.pem` and name the .pem",
                    file.display()
                )
            } else {
                String::new()
            };
            HpkiError::Certificate(format!("{} is not a PEM CRL{hint}", file.display()))
        })?;
        files.crls.push(CrlFile {
            path: file.clone(),
            issuer: name_of(crl.issuer_name()),
            next_update: crl.next_update().map(|t| t.to_string()),
            stale: crl.next_update().is_some_and(|t| passed(t, now)),
        });
        trust.crls.push(std::sync::Arc::new(crl));
    }
    Ok((trust, files))
}

/// Files as given, and a folder's regular files in name order.
fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>, HpkiError> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut inside: Vec<PathBuf> = std::fs::read_dir(p)
                .map_err(|e| io(p, &e))?
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|f| f.is_file())
                .collect();
            inside.sort();
            if inside.is_empty() {
                return Err(HpkiError::Certificate(format!(
                    "the folder {} holds no file",
                    p.display()
                )));
            }
            out.extend(inside);
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

fn read(file: &Path) -> Result<Vec<u8>, HpkiError> {
    // A certificate or CRL is kilobytes; a CA's full CRL a few megabytes.
    const LIMIT: u64 = 64 << 20;
    let meta = std::fs::metadata(file).map_err(|e| io(file, &e))?;
    if meta.len() > LIMIT {
        return Err(HpkiError::Certificate(format!(
            "{} is {} bytes: too large for a certificate or CRL",
            file.display(),
            meta.len()
        )));
    }
    std::fs::read(file).map_err(|e| io(file, &e))
}

fn io(file: &Path, e: &std::io::Error) -> HpkiError {
    HpkiError::Certificate(format!("cannot read {}: {e}", file.display()))
}

fn passed(t: &openssl::asn1::Asn1TimeRef, now: i64) -> bool {
    openssl::asn1::Asn1Time::from_unix(now)
        .ok()
        .and_then(|n| n.compare(t).ok())
        .is_some_and(|o| o == std::cmp::Ordering::Greater)
}
