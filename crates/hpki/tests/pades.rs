//! PAdES signatures in a PDF: a small valid PDF written here with a signature dictionary whose
//! `/Contents` is a placeholder, its `/ByteRange` computed, signed with `sign_detached` and the hex
//! spliced in, as a PDF signer does it.

mod common;

use common::{Ca, now, recently, trust};
use fieldchart_hpki::{Outcome, sign_detached, verify_pdf};
use openssl::pkey::{PKey, Private};
use openssl::x509::X509;
use proptest::prelude::*;

/// Room for the signature: 8192 hex digits, 4096 bytes of DER.
const PLACEHOLDER: usize = 8192;
/// The width each /ByteRange offset is written in, so filling it in moves nothing.
const WIDTH: usize = 10;

/// A one-page PDF with an AcroForm signature field; `signature` adds the signature dictionary.
fn pdf(signature: bool) -> Vec<u8> {
    let mut objects = vec![
        "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [4 0 R] /SigFlags 3 >> >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Annots [4 0 R] >>".to_owned(),
    ];
    if signature {
        objects.push(
            "<< /Type /Annot /Subtype /Widget /FT /Sig /Rect [0 0 0 0] /V 5 0 R /T (Signature1) /F 132 /P 3 0 R >>"
                .to_owned(),
        );
        objects.push(signature_dictionary("ETSI.CAdES.detached"));
    } else {
        objects.push("<< /Type /Annot /Subtype /Widget /FT /Sig /Rect [0 0 0 0] /T (Signature1) /F 132 /P 3 0 R >>".to_owned());
    }
    let mut out = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for o in offsets {
        out.extend(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

fn position(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .position(|w| w == needle)
        .unwrap()
}

fn last_position(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .rposition(|w| w == needle)
        .unwrap()
}

/// The signature dictionary's object as a signer writes it, with a placeholder /Contents.
fn signature_dictionary(sub_filter: &str) -> String {
    let blank = " ".repeat(WIDTH);
    format!(
        "<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /{sub_filter} \
         /ByteRange [0 {blank} {blank} {blank}] /Contents <{}> /M (D:20261207093000Z) >>",
        "0".repeat(PLACEHOLDER)
    )
}

/// `pdf(true)` signed by `cert`: the byte range filled in, the signature spliced into /Contents.
fn signed_pdf(cert: &X509, key: &PKey<Private>) -> Vec<u8> {
    sign_last(pdf(true), cert, key)
}

/// `doc` with its last signature dictionary's byte range and signature filled in.
fn sign_last(mut out: Vec<u8>, cert: &X509, key: &PKey<Private>) -> Vec<u8> {
    let open = last_position(&out, b"/Contents <") + b"/Contents ".len();
    let close = open + 1 + PLACEHOLDER; // the '>'
    let range = [open, close + 1, out.len() - (close + 1)];
    let array_at = last_position(&out, b"/ByteRange [0 ") + b"/ByteRange [0 ".len();
    let text = range
        .iter()
        .map(|n| format!("{n:<WIDTH$}"))
        .collect::<Vec<_>>()
        .join(" ");
    out[array_at..array_at + text.len()].copy_from_slice(text.as_bytes());
    let signed = [&out[..open], &out[close + 1..]].concat();
    let signature = sign_detached(&signed, &cert.to_der().unwrap(), key, now(), &[]).unwrap();
    let hex: String = signature.iter().map(|b| format!("{b:02x}")).collect();
    assert!(hex.len() <= PLACEHOLDER);
    out[open + 1..open + 1 + hex.len()].copy_from_slice(hex.as_bytes());
    out
}

fn signer(ca: &Ca, serial: u64) -> (X509, PKey<Private>) {
    ca.rsa_signer("ONO ERI", "Medical Doctor", serial, recently(), 700)
}

#[test]
fn a_signed_pdf_verifies_with_its_signer() {
    let ca = Ca::new("Test HPKI Root");
    let (cert, key) = signer(&ca, 3001);
    let v = verify_pdf(&signed_pdf(&cert, &key), &trust(&ca), now());
    assert_eq!(v.outcome, Outcome::Valid, "{v:?}");
    assert_eq!(v.signer.unwrap().name.as_deref(), Some("ONO ERI"));
    assert!(v.notes.is_empty(), "{:?}", v.notes);
}

#[test]
fn a_byte_changed_in_the_signed_range_is_invalid() {
    let ca = Ca::new("Test HPKI Root");
    let (cert, key) = signer(&ca, 3002);
    let mut doc = signed_pdf(&cert, &key);
    let at = position(&doc, b"595");
    doc[at + 2] = b'6';
    let v = verify_pdf(&doc, &trust(&ca), now());
    assert_eq!(v.outcome, Outcome::Invalid, "{v:?}");
    assert!(v.reason.unwrap().contains("does not match"));
}

#[test]
fn bytes_appended_after_signing_are_not_covered_and_invalid() {
    let ca = Ca::new("Test HPKI Root");
    let (cert, key) = signer(&ca, 3003);
    let mut doc = signed_pdf(&cert, &key);
    // An incremental update that changes the page, as an editor appends it.
    doc.extend_from_slice(
        b"3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 842 595] >>\nendobj\n%%EOF\n",
    );
    let v = verify_pdf(&doc, &trust(&ca), now());
    assert_eq!(v.outcome, Outcome::Invalid, "{v:?}");
    let reason = v.reason.unwrap();
    assert!(
        reason.contains("does not cover the whole file (the PDF was changed after signing"),
        "{reason}"
    );
    assert!(v.signer.is_some(), "the signer is still named");
}

#[test]
fn a_pdf_without_a_signature_dictionary_is_unsigned() {
    let ca = Ca::new("Test HPKI Root");
    let v = verify_pdf(&pdf(false), &trust(&ca), now());
    assert_eq!(v.outcome, Outcome::Unsigned, "{v:?}");
}

#[test]
fn garbage_is_invalid_and_says_why() {
    let ca = Ca::new("Test HPKI Root");
    let v = verify_pdf(b"not a pdf at all", &trust(&ca), now());
    assert_eq!(v.outcome, Outcome::Invalid);
    assert!(v.reason.unwrap().contains("not a PDF"));
    let v = verify_pdf(
        b"%PDF-1.7\n/ByteRange [0 99999 100000 5] /Contents <3082>",
        &trust(&ca),
        now(),
    );
    assert_eq!(v.outcome, Outcome::Invalid);
    assert!(v.reason.unwrap().contains("/ByteRange"));
    // The range leaves out more than the hex string: a signature over part of the file.
    let doc = b"%PDF-1.7\n/ByteRange [0 10 30 10] /Contents <3082> padding..%%EOF";
    let doc = &doc[..40];
    let v = verify_pdf(doc, &trust(&ca), now());
    assert_eq!(v.outcome, Outcome::Invalid, "{v:?}");
}

proptest! {
    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let t = fieldchart_hpki::Trust::default();
        let _ = verify_pdf(&bytes, &t, 0);
        // And behind a header and a /ByteRange, where the scanner goes further.
        let mut doc = b"%PDF-1.7\n/ByteRange [0 12 ".to_vec();
        doc.extend(&bytes);
        let _ = verify_pdf(&doc, &t, 0);
    }

    #[test]
    fn any_byte_range_over_a_signed_pdf_never_panics(a in 0usize..20000, b in 0usize..20000, c in 0usize..20000, d in 0usize..20000) {
        let t = fieldchart_hpki::Trust::default();
        let doc = format!("%PDF-1.7\n/ByteRange [{a} {b} {c} {d}] /Contents <308203> trailing bytes");
        let _ = verify_pdf(doc.as_bytes(), &t, 0);
    }
}

#[test]
fn a_second_signature_in_an_incremental_update_verifies_with_the_first() {
    let ca = Ca::new("Test HPKI Root");
    let (first, first_key) = signer(&ca, 3004);
    let (second, second_key) =
        ca.rsa_signer("SOMA SHUNSUKE", "Medical Doctor", 3005, recently(), 700);
    let mut doc = signed_pdf(&first, &first_key);
    let xref = doc.len();
    doc.extend(
        format!(
            "6 0 obj\n{}\nendobj\nxref\n6 1\n{xref:010} 00000 n \ntrailer\n<< /Size 7 /Root 1 0 R >>\n%%EOF\n",
            signature_dictionary("adbe.pkcs7.detached")
        )
        .as_bytes(),
    );
    let doc = sign_last(doc, &second, &second_key);
    let v = verify_pdf(&doc, &trust(&ca), now());
    assert_eq!(v.outcome, Outcome::Valid, "{v:?}");
    assert_eq!(
        v.signer.unwrap().name.as_deref(),
        Some("SOMA SHUNSUKE"),
        "the last"
    );
    assert!(v.notes[0].contains("2 signatures"), "{:?}", v.notes);
    // The first signer's revision altered: the whole document is invalid, and says which.
    let mut altered = doc.clone();
    let at = position(&altered, b"595");
    altered[at + 2] = b'6';
    let v = verify_pdf(&altered, &trust(&ca), now());
    assert_eq!(v.outcome, Outcome::Invalid, "{v:?}");
    assert!(v.reason.unwrap().starts_with("signature 1 of 2"));
}

#[test]
fn a_signature_that_is_not_detached_cms_is_not_checked_and_says_so() {
    let ca = Ca::new("Test HPKI Root");
    let (cert, key) = signer(&ca, 3007);
    let mut doc = signed_pdf(&cert, &key);
    // Same length, so the byte range still reads: only the format differs.
    let at = position(&doc, b"ETSI.CAdES.detached");
    doc[at..at + 19].copy_from_slice(b"adbe.pkcs7.sha1    ");
    let v = verify_pdf(&doc, &trust(&ca), now());
    assert_eq!(v.outcome, Outcome::Invalid);
    assert!(v.reason.unwrap().contains("adbe.pkcs7.sha1"));
}

#[test]
fn a_document_timestamp_appended_after_signing_is_named_in_the_reason() {
    let ca = Ca::new("Test HPKI Root");
    let (cert, key) = signer(&ca, 3006);
    let mut doc = signed_pdf(&cert, &key);
    doc.extend_from_slice(
        b"7 0 obj\n<< /Type /DocTimeStamp /SubFilter /ETSI.RFC3161 >>\nendobj\n%%EOF\n",
    );
    let v = verify_pdf(&doc, &trust(&ca), now());
    assert_eq!(v.outcome, Outcome::Invalid);
    let reason = v.reason.unwrap();
    assert!(
        reason.contains("document timestamp (PAdES-LTA)"),
        "{reason}"
    );
}

/// The cases for a signed PDF, as for CAdES and XAdES: the path, the validity at the
/// signing time, revocation and the signer's qualification are judged by the same code.
#[test]
fn an_expired_revoked_unknown_or_pharmacists_pdf_signature_is_judged_as_a_detached_one() {
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::new("Test HPKI Root");

    // Valid for 25 months, ended a year ago.
    let from = time::OffsetDateTime::now_utc() - time::Duration::days(25 * 30 + 365);
    let (old, old_key) = ca.rsa_signer("ONO ERI", "Medical Doctor", 3101, from, 25 * 30);
    let v = verify_pdf(&signed_pdf(&old, &old_key), &trust(&ca), now());
    assert_eq!(v.outcome, Outcome::Invalid, "{v:?}");
    assert!(v.reason.as_deref().unwrap().contains("expired"), "{v:?}");

    let (revoked, revoked_key) = signer(&ca, 3102);
    let mut t = trust(&ca);
    t.add_crl_file(&ca.crl(&[3102], dir.path())).unwrap();
    let v = verify_pdf(&signed_pdf(&revoked, &revoked_key), &t, now());
    assert_eq!(v.outcome, Outcome::Invalid, "{v:?}");
    assert!(v.reason.as_deref().unwrap().contains("revoked"), "{v:?}");

    let stranger = Ca::new("Unknown Root");
    let (cert, key) = signer(&stranger, 3103);
    let v = verify_pdf(&signed_pdf(&cert, &key), &trust(&ca), now());
    assert_eq!(v.outcome, Outcome::UntrustedCa, "{v:?}");

    let (pharmacist, pharmacist_key) =
        ca.rsa_signer("SOMA SHUNSUKE", "Pharmacist", 3104, recently(), 700);
    let v = verify_pdf(
        &signed_pdf(&pharmacist, &pharmacist_key),
        &trust(&ca),
        now(),
    );
    assert_eq!(v.outcome, Outcome::Valid, "{v:?}");
    assert!(!v.signer.unwrap().is_physician());
}
