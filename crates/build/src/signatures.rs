//! HPKI signatures on a document's files, checked at the hub against the trust anchors and CRLs it
//! configures (issue 16 §1, docs/hpki.md); each result is stored with the document, so it is
//! signed into the snapshot with it.
//!
//! A detached signature file (`*.p7s`, what the reader calls [`DocumentFileKind::Signature`]) is
//! over the file of the same folder whose name it extends (`main_document.pdf.p7s` signs
//! `main_document.pdf`); one whose name extends none signs the folder's main document (the only
//! other file, or the one named `main_document.*`). A signature that names no file of the folder
//! is kept as an invalid result saying so: nothing found on a letter is dropped. A PDF that carries
//! its own signature (PAdES) is checked over its `/ByteRange`.

use fieldchart_hpki::{Outcome, Revocation, TimeBasis, Trust, Verification};
use fieldchart_reader::model::{DocumentFile as SourceFile, DocumentFileKind};
use fieldchart_store::rows::{
    RoleEntry, SignatureCheck, SignatureForm, SignatureOutcome, SignerEntry, TimestampEntry,
};

use crate::documents::ReadFile;

/// What a build checks signatures against: the hub's trust, at the build's time.
#[derive(Debug, Clone, Default)]
pub struct Verifier {
    pub trust: Trust,
    /// The build's time, seconds since the Unix epoch: what a signature without a signing time is
    /// judged at.
    pub now: i64,
    /// The same time, RFC 3339: stored as when the hub checked.
    pub checked_at: String,
}

impl Verifier {
    pub fn new(trust: Trust, now: chrono::DateTime<chrono::Utc>) -> Verifier {
        Verifier {
            trust,
            now: now.timestamp(),
            checked_at: now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        }
    }
}

/// The checks of every signature among one document's files (`source` as the reader listed
/// them, `read` their bytes, in the same order).
pub fn check(source: &[SourceFile], read: &[ReadFile], verifier: &Verifier) -> Vec<SignatureCheck> {
    let mut out = Vec::new();
    for (i, file) in source.iter().enumerate() {
        if file.kind == DocumentFileKind::Pdf
            && let Some(pdf) = read.get(i).and_then(ReadFile::bytes)
        {
            let v = fieldchart_hpki::verify_pdf(pdf, &verifier.trust, verifier.now);
            // A PDF with no signature dictionary is simply a PDF: a referral letter's row says
            // 署名なし from the absence of any check.
            if v.outcome != Outcome::Unsigned {
                out.push(stored(v, &file.name, SignatureForm::Pades, None, verifier));
            }
            continue;
        }
        if file.kind != DocumentFileKind::Signature {
            continue;
        }
        let target = signed_file(source, i);
        let result = match (target, read.get(i).and_then(ReadFile::bytes)) {
            (_, None) => failed("the signature file could not be read at the hub"),
            (None, Some(_)) => failed(
                "the signature does not say which file it signs: name it after the file with .p7s added",
            ),
            (Some(t), Some(signature)) => match read.get(t).and_then(ReadFile::bytes) {
                None => failed("the signed file could not be read at the hub"),
                Some(content) => fieldchart_hpki::verify_detached(
                    signature,
                    content,
                    &verifier.trust,
                    verifier.now,
                ),
            },
        };
        out.push(stored(
            result,
            target.map_or("", |t| source[t].name.as_str()),
            SignatureForm::CadesDetached,
            Some(file.name.clone()),
            verifier,
        ));
    }
    out
}

/// The file a detached signature `source[i]` signs: the one whose name it extends, else the main
/// document.
fn signed_file(source: &[SourceFile], i: usize) -> Option<usize> {
    let name = source[i].name.as_str();
    let lower = name.to_ascii_lowercase();
    let stem = [".p7s", ".p7m", ".sig"]
        .iter()
        .find_map(|ext| lower.strip_suffix(ext).map(|s| &name[..s.len()]));
    let others = || {
        source
            .iter()
            .enumerate()
            .filter(|(_, f)| f.kind != DocumentFileKind::Signature)
    };
    if let Some(stem) = stem
        && let Some((t, _)) = others().find(|(_, f)| f.name == stem)
    {
        return Some(t);
    }
    let mut main = others().filter(|(_, f)| f.name.starts_with("main_document."));
    if let (Some((t, _)), None) = (main.next(), main.next()) {
        return Some(t);
    }
    let mut rest = others();
    match (rest.next(), rest.next()) {
        (Some((t, _)), None) => Some(t),
        _ => None,
    }
}

fn failed(reason: &str) -> Verification {
    let mut v = Verification::unsigned();
    v.outcome = Outcome::Invalid;
    v.reason = Some(reason.to_string());
    v
}

/// The hpki result as the store keeps it.
fn stored(
    v: Verification,
    file: &str,
    form: SignatureForm,
    signature_file: Option<String>,
    verifier: &Verifier,
) -> SignatureCheck {
    let outcome = match v.outcome {
        Outcome::Valid => SignatureOutcome::Valid,
        Outcome::Invalid => SignatureOutcome::Invalid,
        Outcome::UntrustedCa => SignatureOutcome::UntrustedCa,
        Outcome::Unsigned => SignatureOutcome::Unsigned,
    };
    let reason = if outcome == SignatureOutcome::UntrustedCa && verifier.trust.anchors.is_empty() {
        Some(
            "the hub has no HPKI trust anchors configured ([hpki] anchors in hub.toml), so no signer can be confirmed"
                .to_string(),
        )
    } else {
        v.reason
    };
    SignatureCheck {
        file: file.to_string(),
        form,
        signature_file,
        outcome,
        reason,
        signer: v.signer.map(|s| SignerEntry {
            physician: s.is_physician(),
            roles: s
                .roles
                .iter()
                .map(|r| RoleEntry {
                    name: r.name.clone(),
                    japanese: r.japanese().map(str::to_string),
                })
                .collect(),
            name: s.name,
            organization: s.organization,
            issuer: s.issuer,
            serial: s.serial,
        }),
        signing_time: v.signing_time,
        time_basis: match v.time_basis {
            TimeBasis::SigningTime => "signing-time",
            TimeBasis::Verification => "verification",
            TimeBasis::Timestamp => "timestamp",
        }
        .to_string(),
        revocation: match v.revocation {
            Revocation::Checked => "checked",
            Revocation::NotChecked => "not-checked",
        }
        .to_string(),
        timestamp: v.timestamp.map(|t| TimestampEntry {
            time: t.time,
            authority: t.authority,
        }),
        notes: v.notes,
        checked_at: verifier.checked_at.clone(),
        recheck: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str, kind: DocumentFileKind) -> SourceFile {
        SourceFile {
            name: name.into(),
            path: format!("x/{name}"),
            kind,
            media_type: String::new(),
            bytes: 1,
        }
    }

    #[test]
    fn a_signature_signs_the_file_it_is_named_after_else_the_main_document() {
        use DocumentFileKind as K;
        let folder = [
            file("main_document.xml", K::Cda),
            file("scan.pdf", K::Pdf),
            file("scan.pdf.p7s", K::Signature),
            file("letter.sig", K::Signature),
        ];
        assert_eq!(signed_file(&folder, 2), Some(1));
        assert_eq!(signed_file(&folder, 3), Some(0), "the main document");
        let alone = [file("a.pdf", K::Pdf), file("sig.p7s", K::Signature)];
        assert_eq!(signed_file(&alone, 1), Some(0), "the only other file");
        let unclear = [
            file("a.pdf", K::Pdf),
            file("b.pdf", K::Pdf),
            file("sig.p7s", K::Signature),
        ];
        assert_eq!(signed_file(&unclear, 2), None);
    }
}
