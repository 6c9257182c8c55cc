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

/// How the signatures a build checked came out: what the operator reads in the build summary
/// (none confirmed at all usually means `[hpki] anchors` is missing or wrong).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct SignatureCounts {
    pub valid: u64,
    /// Of the valid ones, signed by someone without a physician's role.
    pub valid_not_physician: u64,
    pub invalid: u64,
    pub untrusted_ca: u64,
}

impl SignatureCounts {
    pub fn add(&mut self, checks: &[SignatureCheck]) {
        for c in checks {
            match c.outcome {
                SignatureOutcome::Valid => {
                    self.valid += 1;
                    if c.signer.as_ref().is_some_and(|s| !s.physician) {
                        self.valid_not_physician += 1;
                    }
                }
                SignatureOutcome::Invalid => self.invalid += 1,
                SignatureOutcome::UntrustedCa => self.untrusted_ca += 1,
                SignatureOutcome::Unsigned => {}
            }
        }
    }

    pub fn merge(&mut self, other: SignatureCounts) {
        self.valid += other.valid;
        self.valid_not_physician += other.valid_not_physician;
        self.invalid += other.invalid;
        self.untrusted_ca += other.untrusted_ca;
    }

    pub fn total(&self) -> u64 {
        self.valid + self.invalid + self.untrusted_ca
    }
}

/// The XML Signature namespace (W3C XMLDSig), as a signed letter's bytes carry it.
const XMLDSIG: &[u8] = b"http://www.w3.org/2000/09/xmldsig#";

/// What the hub's chain state keeps of one patient's letter signatures (chain.rs), so a later
/// CRL or trust anchor can have the patient read again: the certificates (issuer, serial) of the
/// valid signatures, and whether any signature's issuer could not be confirmed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Signers {
    pub valid: Vec<(String, String)>,
    pub unconfirmed: bool,
}

impl Signers {
    pub fn add(&mut self, checks: &[SignatureCheck]) {
        for c in checks {
            match (c.outcome, &c.signer) {
                (SignatureOutcome::Valid, Some(s)) => {
                    self.valid.push((s.issuer.clone(), s.serial.clone()));
                }
                (SignatureOutcome::UntrustedCa, _) => self.unconfirmed = true,
                _ => {}
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.valid.is_empty() && !self.unconfirmed
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
        // Only a document that names the XML Signature namespace can hold a ds:Signature; any
        // other (even one that is not well-formed) is an unsigned document, not a bad signature.
        if matches!(file.kind, DocumentFileKind::Cda | DocumentFileKind::Xml)
            && let Some(xml) = read.get(i).and_then(ReadFile::bytes)
            && xml.windows(XMLDSIG.len()).any(|w| w == XMLDSIG)
        {
            let v = fieldchart_hpki::verify_enveloped_xml(xml, &verifier.trust, verifier.now);
            // As a PDF: an XML document without a ds:Signature adds nothing.
            if v.outcome != Outcome::Unsigned {
                out.push(stored(
                    v,
                    &file.name,
                    SignatureForm::XadesEnveloped,
                    None,
                    verifier,
                ));
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

    /// A CDA letter as a drill hospital writes one (default namespace, Japanese text).
    const LETTER: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ClinicalDocument xmlns=\"urn:hl7-org:v3\"><title>診療情報提供書</title><component><section><text>ワーファリン内服中。出血に注意。</text></section></component></ClinicalDocument>\n";

    /// 2026-11-20 13:05 JST, inside the drill certificates' validity.
    const SIGNED_AT: i64 = 1_795_147_500;

    fn xades(pharmacist: bool) -> Vec<u8> {
        let (cert, key) = fieldchart_synth::signing::drill_credentials(pharmacist);
        fieldchart_hpki::sign_enveloped_xml(LETTER.as_bytes(), &cert, &key, SIGNED_AT, &[])
            .expect("signs")
    }

    fn cades(content: &[u8]) -> Vec<u8> {
        let (cert, key) = fieldchart_synth::signing::drill_credentials(false);
        fieldchart_hpki::sign_detached(content, &cert, &key, SIGNED_AT, &[]).expect("signs")
    }

    /// The checks the build stores for one content folder holding `files`, read from disk as
    /// the build reads them, against the drill hub's trust (or none).
    fn checked(files: &[(&str, DocumentFileKind, Vec<u8>)], trusted: bool) -> Vec<SignatureCheck> {
        let dir = tempfile::tempdir().unwrap();
        let source: Vec<SourceFile> = files
            .iter()
            .map(|(name, kind, bytes)| {
                std::fs::write(dir.path().join(name), bytes).unwrap();
                SourceFile {
                    name: (*name).into(),
                    path: (*name).into(),
                    kind: *kind,
                    media_type: String::new(),
                    bytes: bytes.len() as u64,
                }
            })
            .collect();
        let read = crate::documents::read_files(dir.path(), &source);
        let trust = if trusted {
            fieldchart_synth::signing::drill_trust()
        } else {
            Trust::default()
        };
        let now = chrono::DateTime::from_timestamp(SIGNED_AT + 86_400, 0).unwrap();
        check(&source, &read, &Verifier::new(trust, now))
    }

    #[test]
    fn an_enveloped_xades_letter_is_checked_in_place_and_each_bad_case_says_why() {
        use DocumentFileKind as K;
        // Signed by the drill doctor: valid, with the signer's qualification and time.
        let ok = checked(&[("main_document.xml", K::Cda, xades(false))], true);
        assert_eq!(ok.len(), 1);
        assert_eq!(ok[0].form, SignatureForm::XadesEnveloped);
        assert_eq!(ok[0].outcome, SignatureOutcome::Valid, "{:?}", ok[0].reason);
        assert_eq!(ok[0].file, "main_document.xml");
        assert!(ok[0].signer.as_ref().unwrap().physician);
        assert_eq!(ok[0].time_basis, "signing-time");

        // One character of the body changed after signing.
        let tampered = String::from_utf8(xades(false))
            .unwrap()
            .replace("出血に注意", "出血に往意");
        let bad = checked(
            &[("main_document.xml", K::Cda, tampered.into_bytes())],
            true,
        );
        assert_eq!(bad[0].outcome, SignatureOutcome::Invalid);
        assert!(bad[0].reason.is_some());

        // The hub does not trust the drill root: the issuer cannot be confirmed.
        let unknown = checked(&[("main_document.xml", K::Cda, xades(false))], false);
        assert_eq!(unknown[0].outcome, SignatureOutcome::UntrustedCa);

        // The drill pharmacist signed it: valid, but not a physician's signature.
        let pharmacist = checked(&[("main_document.xml", K::Cda, xades(true))], true);
        assert_eq!(pharmacist[0].outcome, SignatureOutcome::Valid);
        assert!(!pharmacist[0].signer.as_ref().unwrap().physician);

        // An unsigned letter, and XML that does not even parse, carry no signature at all.
        let plain = checked(
            &[
                ("main_document.xml", K::Cda, LETTER.as_bytes().to_vec()),
                ("broken.xml", K::Xml, b"<a><b></a>".to_vec()),
            ],
            true,
        );
        assert!(plain.is_empty(), "{plain:?}");
    }

    #[test]
    fn a_detached_signature_over_other_bytes_or_naming_no_file_is_invalid_with_the_reason() {
        use DocumentFileKind as K;
        let letter = LETTER.as_bytes().to_vec();
        let valid = checked(
            &[
                ("main_document.xml", K::Cda, letter.clone()),
                ("main_document.xml.p7s", K::Signature, cades(&letter)),
            ],
            true,
        );
        assert_eq!(valid.len(), 1);
        assert_eq!(
            valid[0].outcome,
            SignatureOutcome::Valid,
            "{:?}",
            valid[0].reason
        );
        assert_eq!(
            valid[0].signature_file.as_deref(),
            Some("main_document.xml.p7s")
        );

        let other = checked(
            &[
                ("main_document.xml", K::Cda, letter.clone()),
                (
                    "main_document.xml.p7s",
                    K::Signature,
                    cades(b"another letter"),
                ),
            ],
            true,
        );
        assert_eq!(other[0].outcome, SignatureOutcome::Invalid);

        let nameless = checked(
            &[
                ("a.pdf", K::Pdf, b"%PDF-1.4\n%%EOF\n".to_vec()),
                ("b.pdf", K::Pdf, b"%PDF-1.4\n%%EOF\n".to_vec()),
                ("sig.p7s", K::Signature, cades(b"x")),
            ],
            true,
        );
        assert_eq!(nameless.len(), 1);
        assert_eq!(nameless[0].outcome, SignatureOutcome::Invalid);
        assert!(
            nameless[0]
                .reason
                .as_deref()
                .unwrap()
                .contains("does not say which file it signs")
        );
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
