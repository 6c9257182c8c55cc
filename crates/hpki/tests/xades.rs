//! Enveloped XAdES signatures in a CDA referral letter, checked against the test HPKI CA
//! (tests/common), signed by the crate's deterministic signer, and, as a second opinion, by and
//! against xmlsec1.
//!
//! Cases (issue 16 §1): a valid physician's letter; a tampered letter; a signature made over
//! another letter; an expired certificate; a revoked one with a CRL; an unknown CA; a
//! pharmacist-signed letter; a substituted KeyInfo certificate; SHA-1; an unsigned letter; bytes
//! that are not XML; arbitrary and mutated input never panics.

mod common;

use std::process::Command;

use common::{Ca, assert_signed_by_ono, now, recently, trust};
use fieldchart_hpki::{
    Outcome, Revocation, TimeBasis, Verification, sign_enveloped_xml, verify_enveloped_xml,
};
use openssl::pkey::{PKey, Private};
use openssl::x509::X509;
use proptest::prelude::*;
use time::{Duration, OffsetDateTime};

/// A CDA R2 referral letter as a hospital writes it: the default namespace urn:hl7-org:v3, an
/// xsi prefix, Japanese text, escaped characters and a section ID.
const CDA: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<ClinicalDocument xmlns="urn:hl7-org:v3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="urn:hl7-org:v3 CDA.xsd">
  <typeId root="2.16.840.1.113883.1.3" extension="POCD_HD000040"/>
  <id root="1.2.392.200119.6.102.11234567890" extension="2026-0001"/>
  <code code="57133-1" codeSystem="2.16.840.1.113883.6.1" displayName="診療情報提供書"/>
  <title>診療情報提供書</title>
  <effectiveTime value="20261207"/>
  <recordTarget><patientRole><patient><name use="IDE">石巻 太郎</name></patient></patientRole></recordTarget>
  <component><structuredBody><component><section ID="purpose">
    <title>紹介目的</title>
    <text>災害に伴う避難のため、継続加療をお願いします。収縮期血圧 &lt; 140 &amp; 服薬良好</text>
  </section></component></structuredBody></component>
</ClinicalDocument>
"#;

const CLAIMED: i64 = 1_796_675_700; // 2026-12-07T20:35:00Z

fn doctor(ca: &Ca, serial: u64) -> (X509, PKey<Private>) {
    ca.rsa_signer("ONO ERI", "Medical Doctor", serial, recently(), 700)
}

fn signed(cert: &X509, key: &PKey<Private>, at: i64) -> Vec<u8> {
    sign_enveloped_xml(CDA.as_bytes(), &cert.to_der().unwrap(), key, at, &[]).unwrap()
}

/// A signing time inside a certificate issued [`recently`].
fn lately() -> i64 {
    now() - 3600
}

fn reason(v: &Verification) -> &str {
    v.reason.as_deref().unwrap_or("")
}

#[test]
fn a_physicians_cda_letter_verifies_with_signer_role_facility_and_claimed_time() {
    let ca = Ca::new("Test HPKI Root");
    let (cert, key) = doctor(&ca, 2001);
    let at = lately();
    let v = verify_enveloped_xml(&signed(&cert, &key, at), &trust(&ca), now());
    assert_eq!(v.outcome, Outcome::Valid, "{v:?}");
    assert_signed_by_ono(&v);
    assert_eq!(v.time_basis, TimeBasis::SigningTime);
    let claimed = OffsetDateTime::from_unix_timestamp(at).unwrap();
    let shown = OffsetDateTime::parse(
        v.signing_time.as_deref().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    assert_eq!(shown, claimed);
    assert_eq!(v.revocation, Revocation::NotChecked);
    assert!(v.notes.is_empty(), "{v:?}");
}

#[test]
fn the_signer_writes_the_same_bytes_for_the_same_inputs_and_keeps_the_letter() {
    let ca = Ca::new("Test HPKI Root");
    let (cert, key) = doctor(&ca, 2002);
    let a = signed(&cert, &key, CLAIMED);
    assert_eq!(a, signed(&cert, &key, CLAIMED));
    let text = String::from_utf8(a).unwrap();
    let start = text.find("<ds:Signature").unwrap();
    let end = text.find("</ds:Signature>").unwrap() + "</ds:Signature>".len();
    assert_eq!(format!("{}{}", &text[..start], &text[end..]), CDA);
    assert!(text.contains("<xades:SigningTime>2026-12-07T20:35:00Z</xades:SigningTime>"));
}

#[test]
fn a_tampered_letter_is_invalid() {
    let ca = Ca::new("Test HPKI Root");
    let (cert, key) = doctor(&ca, 2003);
    let letter = String::from_utf8(signed(&cert, &key, lately())).unwrap();
    // One character of the body: 継続 → 断続.
    let tampered = letter.replacen("継続加療", "断続加療", 1);
    assert_ne!(tampered, letter);
    let v = verify_enveloped_xml(tampered.as_bytes(), &trust(&ca), now());
    assert_eq!(v.outcome, Outcome::Invalid);
    assert!(reason(&v).contains("altered after signing"), "{v:?}");
    assert!(v.signer.is_some(), "the signer is still named: {v:?}");
}

#[test]
fn a_signature_made_over_another_letter_is_invalid() {
    let ca = Ca::new("Test HPKI Root");
    let (cert, key) = doctor(&ca, 2004);
    let other = CDA.replace("2026-0001", "2026-0002");
    let other_signed = String::from_utf8(
        sign_enveloped_xml(
            other.as_bytes(),
            &cert.to_der().unwrap(),
            &key,
            lately(),
            &[],
        )
        .unwrap(),
    )
    .unwrap();
    // Its signature, moved into this letter: the reference digest is over the other's bytes.
    let start = other_signed.find("<ds:Signature").unwrap();
    let end = other_signed.find("</ds:Signature>").unwrap() + "</ds:Signature>".len();
    let at = CDA.find("</ClinicalDocument>").unwrap();
    let grafted = format!("{}{}{}", &CDA[..at], &other_signed[start..end], &CDA[at..]);
    let v = verify_enveloped_xml(grafted.as_bytes(), &trust(&ca), now());
    assert_eq!(v.outcome, Outcome::Invalid);
    assert!(
        reason(&v).contains("reference \"\" does not match"),
        "{v:?}"
    );
}

#[test]
fn an_expired_certificate_is_invalid_at_the_signing_time() {
    let ca = Ca::new("Test HPKI Root");
    let from = OffsetDateTime::now_utc() - Duration::days(25 * 30 + 365);
    let (cert, key) = ca.rsa_signer("ONO ERI", "Medical Doctor", 2005, from, 25 * 30);
    let v = verify_enveloped_xml(&signed(&cert, &key, lately()), &trust(&ca), now());
    assert_eq!(v.outcome, Outcome::Invalid);
    assert!(reason(&v).contains("expired"), "{v:?}");
    assert_eq!(v.time_basis, TimeBasis::SigningTime);
}

#[test]
fn a_revoked_certificate_is_invalid_when_the_hub_has_the_crl() {
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::new("Test HPKI Root");
    let (revoked, key) = doctor(&ca, 2006);
    let (good, good_key) = ca.rsa_signer("SOMA SHUNSUKE", "Medical Doctor", 2007, recently(), 700);
    let mut t = trust(&ca);
    t.add_crl_file(&ca.crl(&[2006], dir.path())).unwrap();
    let v = verify_enveloped_xml(&signed(&revoked, &key, lately()), &t, now());
    assert_eq!(v.outcome, Outcome::Invalid);
    assert!(reason(&v).contains("revoked"), "{v:?}");
    let v = verify_enveloped_xml(&signed(&good, &good_key, lately()), &t, now());
    assert_eq!(v.outcome, Outcome::Valid, "{v:?}");
    assert_eq!(v.revocation, Revocation::Checked);
}

#[test]
fn a_certificate_of_a_ca_the_hub_does_not_trust_is_untrusted() {
    let ca = Ca::new("Test HPKI Root");
    let stranger = Ca::new("Unknown Root");
    let (cert, key) = doctor(&stranger, 2008);
    let v = verify_enveloped_xml(&signed(&cert, &key, lately()), &trust(&ca), now());
    assert_eq!(v.outcome, Outcome::UntrustedCa, "{v:?}");
    assert!(v.signer.is_some());
}

#[test]
fn a_pharmacist_signed_letter_verifies_and_says_so() {
    let ca = Ca::new("Test HPKI Root");
    let (cert, key) = ca.rsa_signer("CHIBA KAZUKO", "Pharmacist", 2009, recently(), 700);
    let v = verify_enveloped_xml(&signed(&cert, &key, lately()), &trust(&ca), now());
    assert_eq!(v.outcome, Outcome::Valid, "{v:?}");
    let signer = v.signer.unwrap();
    assert!(!signer.is_physician(), "a pharmacist is not a physician");
    assert_eq!(signer.roles[0].japanese(), Some("薬剤師"));
}

#[test]
fn a_substituted_keyinfo_certificate_is_invalid_even_when_its_key_signed() {
    let ca = Ca::new("Test HPKI Root");
    let (victim, victim_key) = doctor(&ca, 2010);
    let (attacker, attacker_key) =
        ca.rsa_signer("MALLORY", "Medical Doctor", 2011, recently(), 700);
    let letter = String::from_utf8(signed(&victim, &victim_key, lately())).unwrap();
    // The attacker keeps the letter and the victim's signed properties, puts their own
    // certificate in KeyInfo and signs SignedInfo again. The signer writes SignedInfo in its
    // exclusive canonical form but for the ds declaration it inherits.
    let dsig = "http://www.w3.org/2000/09/xmldsig#";
    let si_start = letter.find("<ds:SignedInfo>").unwrap();
    let si_end = letter.find("</ds:SignedInfo>").unwrap() + "</ds:SignedInfo>".len();
    let canonical = letter[si_start..si_end].replacen(
        "<ds:SignedInfo>",
        &format!("<ds:SignedInfo xmlns:ds=\"{dsig}\">"),
        1,
    );
    let mut s =
        openssl::sign::Signer::new(openssl::hash::MessageDigest::sha256(), &attacker_key).unwrap();
    s.update(canonical.as_bytes()).unwrap();
    let value = openssl::base64::encode_block(&s.sign_to_vec().unwrap());
    let between = |text: &str, open: &str, close: &str, new: &str| {
        let a = text.find(open).unwrap() + open.len();
        let b = text.find(close).unwrap();
        format!("{}{new}{}", &text[..a], &text[b..])
    };
    let forged = between(
        &letter,
        "<ds:SignatureValue>",
        "</ds:SignatureValue>",
        &value,
    );
    let forged = between(
        &forged,
        "<ds:X509Certificate>",
        "</ds:X509Certificate>",
        &openssl::base64::encode_block(&attacker.to_der().unwrap()),
    );
    let v = verify_enveloped_xml(forged.as_bytes(), &trust(&ca), now());
    assert_eq!(v.outcome, Outcome::Invalid, "{v:?}");
    assert!(reason(&v).contains("substituted certificate"), "{v:?}");

    // Only the certificate swapped: the value no longer matches the key.
    let swapped = between(
        &letter,
        "<ds:X509Certificate>",
        "</ds:X509Certificate>",
        &openssl::base64::encode_block(&attacker.to_der().unwrap()),
    );
    let v = verify_enveloped_xml(swapped.as_bytes(), &trust(&ca), now());
    assert_eq!(v.outcome, Outcome::Invalid);
    assert!(
        reason(&v).contains("signature value does not match"),
        "{v:?}"
    );
}

#[test]
fn a_sha1_signature_method_is_refused_with_the_reason() {
    let ca = Ca::new("Test HPKI Root");
    let (cert, key) = doctor(&ca, 2012);
    let letter = String::from_utf8(signed(&cert, &key, lately())).unwrap();
    let sha1 = letter.replacen(
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
        "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
        1,
    );
    let v = verify_enveloped_xml(sha1.as_bytes(), &trust(&ca), now());
    assert_eq!(v.outcome, Outcome::Invalid);
    assert!(reason(&v).contains("SHA-1"), "{v:?}");
}

#[test]
fn an_unsigned_cda_letter_is_unsigned_and_bytes_that_are_no_xml_are_invalid() {
    let ca = Ca::new("Test HPKI Root");
    let v = verify_enveloped_xml(CDA.as_bytes(), &trust(&ca), now());
    assert_eq!(v.outcome, Outcome::Unsigned, "{v:?}");
    let v = verify_enveloped_xml(b"\x89PNG not a letter", &trust(&ca), now());
    assert_eq!(v.outcome, Outcome::Invalid);
    let dtd = "<!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>";
    let v = verify_enveloped_xml(dtd.as_bytes(), &trust(&ca), now());
    assert_eq!(v.outcome, Outcome::Invalid);
    assert!(reason(&v).contains("DTD"), "{v:?}");
}

/// One signed letter for the property test, made once.
fn sample() -> &'static (Vec<u8>, fieldchart_hpki::Trust) {
    static SAMPLE: std::sync::OnceLock<(Vec<u8>, fieldchart_hpki::Trust)> =
        std::sync::OnceLock::new();
    SAMPLE.get_or_init(|| {
        let ca = Ca::new("Test HPKI Root");
        let (cert, key) = doctor(&ca, 2013);
        (signed(&cert, &key, lately()), trust(&ca))
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let (_, t) = sample();
        let _ = verify_enveloped_xml(&bytes, t, now());
    }

    #[test]
    fn a_mutated_signed_letter_never_panics_and_a_changed_body_is_never_valid(
        at in any::<proptest::sample::Index>(),
        byte in any::<u8>(),
        kind in 0..3u8,
    ) {
        let (letter, t) = sample();
        let mut m = letter.clone();
        let i = at.index(m.len());
        match kind {
            0 => m[i] = byte,
            1 => { m.remove(i); }
            _ => m.insert(i, byte),
        }
        let v = verify_enveloped_xml(&m, t, now());
        // A change inside the letter's body, before the signature, is always caught.
        let body_end = CDA.find("<title>").unwrap();
        let body = CDA.find("<code ").unwrap()..body_end;
        if body.contains(&i) && m != *letter {
            prop_assert_ne!(v.outcome, Outcome::Valid, "{:?}", v);
        }
    }
}

/// Whether the xmlsec1 tests run: always with FIELDCHART_HEAVY_TESTS=1 (and then xmlsec1 must be
/// installed), else only when xmlsec1 is there.
fn xmlsec1() -> bool {
    let present = Command::new("xmlsec1").arg("--version").output().is_ok();
    if std::env::var_os("FIELDCHART_HEAVY_TESTS").is_some() {
        assert!(
            present,
            "FIELDCHART_HEAVY_TESTS is set but xmlsec1 is not installed (scripts/setup.sh installs it)"
        );
        return true;
    }
    if !present {
        eprintln!("skipped: xmlsec1 is not installed and FIELDCHART_HEAVY_TESTS is unset");
    }
    present
}

/// xmlsec1 knows SignedProperties' Id attribute only when told.
const ID_ATTR: &str = "--id-attr:Id";
const SIGNED_PROPERTIES: &str = "http://uri.etsi.org/01903/v1.3.2#:SignedProperties";

fn pem(x: &X509) -> Vec<u8> {
    x.to_pem().unwrap()
}

/// xmlsec1 --verify of `letter` against the anchor `root`: Ok, or its complaint.
fn xmlsec1_verify(letter: &[u8], root: &X509) -> Result<(), String> {
    let dir = tempfile::tempdir().unwrap();
    let root_pem = dir.path().join("root.pem");
    std::fs::write(&root_pem, pem(root)).unwrap();
    let file = dir.path().join("letter.xml");
    std::fs::write(&file, letter).unwrap();
    let out = Command::new("xmlsec1")
        .arg("--verify")
        .arg("--trusted-pem")
        .arg(&root_pem)
        .args([ID_ATTR, SIGNED_PROPERTIES])
        .arg(&file)
        .output()
        .unwrap();
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// A letter with what canonical XML must get right: CRLF line ends, a PI and comments outside
/// the document element, xml:lang on it (inherited by an inclusive subtree's apex), a CDATA
/// section, character references for tab, CR and LF in text and attributes, a literal tab in an
/// attribute (normalized to a space), single quotes and spaces in a tag, a redeclared prefix, a
/// default namespace undone with xmlns="", namespaced attributes out of order, a PI inside and an
/// empty element.
const TRICKY: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n\
<?xml-stylesheet type=\"text/xsl\" href=\"CDA.xsl\"?>\r\n\
<!-- 前のコメント -->\r\n\
<ClinicalDocument xmlns=\"urn:hl7-org:v3\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
xmlns:jp=\"urn:example:jp\" xml:lang=\"ja-JP\">\r\n\
  <title   jp:kind = 'x'   >紹介状&#x9;tab&#13;cr &gt; &amp;</title>\r\n\
  <text><![CDATA[a < b && c > d]]></text>\r\n\
  <observationMedia xmlns:jp=\"urn:example:jp\"><value b=\"x\ty\" a=\"&#10;nl&#9;tab &quot;q&quot; &apos;s&apos; &lt;\"/></observationMedia>\r\n\
  <ext xmlns=\"urn:other\"><inner xmlns=\"\"><leaf/></inner></ext>\r\n\
  <jp:note jp:b=\"2\" xsi:type=\"ST\" a=\"1\">注記</jp:note>\r\n\
  <?pi-inside data?>\r\n\
  <empty></empty>\r\n\
</ClinicalDocument>\r\n\
<!-- 後のコメント -->\r\n";

#[test]
fn xmlsec1_verifies_letters_this_crate_signed() {
    if !xmlsec1() {
        return;
    }
    let ca = Ca::new("Test HPKI Root");
    let (cert, key) = doctor(&ca, 2014);
    let letter = signed(&cert, &key, lately());
    xmlsec1_verify(&letter, &ca.cert).unwrap_or_else(|e| panic!("xmlsec1 --verify: {e}"));

    // And it is a verification: one character changed, xmlsec1 refuses it too.
    let text = String::from_utf8(letter).unwrap();
    let tampered = text.replacen("継続加療", "断続加療", 1);
    assert!(
        xmlsec1_verify(tampered.as_bytes(), &ca.cert).is_err(),
        "xmlsec1 accepted a tampered letter"
    );

    let tricky = sign_enveloped_xml(
        TRICKY.as_bytes(),
        &cert.to_der().unwrap(),
        &key,
        lately(),
        &[],
    )
    .unwrap();
    assert_eq!(
        verify_enveloped_xml(&tricky, &trust(&ca), now()).outcome,
        Outcome::Valid
    );
    xmlsec1_verify(&tricky, &ca.cert).unwrap_or_else(|e| panic!("xmlsec1 --verify: {e}"));
}

/// A template xmlsec1 fills: `c14n` for SignedInfo (inclusive renders the CDA's default
/// namespace into it; WithComments keeps the comment in it) and for SignedProperties, the letter
/// without an explicit C14N transform (the inclusive default), and `method` for the signature.
fn template(letter: &str, method: &str, c14n: &str, cert: &X509, signing_time: &str) -> String {
    let digest = openssl::base64::encode_block(
        &openssl::hash::hash(
            openssl::hash::MessageDigest::sha256(),
            &cert.to_der().unwrap(),
        )
        .unwrap(),
    );
    let signature = format!(
        r##"<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#" Id="sig">
  <ds:SignedInfo>
    <ds:CanonicalizationMethod Algorithm="{c14n}"/>
    <!-- 署名者: 小野 -->
    <ds:SignatureMethod Algorithm="{method}"/>
    <ds:Reference URI="">
      <ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/></ds:Transforms>
      <ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>
      <ds:DigestValue/>
    </ds:Reference>
    <ds:Reference URI="#sig-props" Type="http://uri.etsi.org/01903#SignedProperties">
      <ds:Transforms><ds:Transform Algorithm="{c14n}"/></ds:Transforms>
      <ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha512"/>
      <ds:DigestValue/>
    </ds:Reference>
  </ds:SignedInfo>
  <ds:SignatureValue/>
  <ds:KeyInfo><ds:X509Data><ds:X509Certificate/></ds:X509Data></ds:KeyInfo>
  <ds:Object>
    <xades:QualifyingProperties xmlns:xades="http://uri.etsi.org/01903/v1.3.2#" Target="#sig">
      <xades:SignedProperties Id="sig-props">
        <xades:SignedSignatureProperties>
          <xades:SigningTime>{signing_time}</xades:SigningTime>
          <xades:SigningCertificateV2><xades:Cert><xades:CertDigest>
            <ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>
            <ds:DigestValue>{digest}</ds:DigestValue>
          </xades:CertDigest></xades:Cert></xades:SigningCertificateV2>
        </xades:SignedSignatureProperties>
      </xades:SignedProperties>
    </xades:QualifyingProperties>
  </ds:Object>
</ds:Signature>
"##
    );
    let at = letter.rfind("</ClinicalDocument>").unwrap();
    format!("{}{signature}{}", &letter[..at], &letter[at..])
}

fn xmlsec1_signed(
    letter: &str,
    method: &str,
    c14n: &str,
    cert: &X509,
    key: &PKey<Private>,
    signing_time: &str,
) -> Vec<u8> {
    let tmpl = template(letter, method, c14n, cert, signing_time);
    xmlsec1_sign_template(&tmpl, cert, key, &[])
}

/// xmlsec1 --sign of a filled-in template, with `extra` arguments (more --id-attr).
fn xmlsec1_sign_template(
    template: &str,
    cert: &X509,
    key: &PKey<Private>,
    extra: &[&str],
) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let key_pem = dir.path().join("key.pem");
    std::fs::write(&key_pem, key.private_key_to_pem_pkcs8().unwrap()).unwrap();
    let cert_pem = dir.path().join("cert.pem");
    std::fs::write(&cert_pem, pem(cert)).unwrap();
    let tmpl = dir.path().join("template.xml");
    std::fs::write(&tmpl, template).unwrap();
    let out = dir.path().join("signed.xml");
    let run = Command::new("xmlsec1")
        .arg("--sign")
        .arg("--privkey-pem")
        .arg(format!("{},{}", key_pem.display(), cert_pem.display()))
        .args([ID_ATTR, SIGNED_PROPERTIES])
        .args(extra)
        .arg("--output")
        .arg(&out)
        .arg(&tmpl)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "xmlsec1 --sign: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    std::fs::read(&out).unwrap()
}

#[test]
fn a_letter_xmlsec1_signed_verifies_here_with_rsa_and_ecdsa() {
    if !xmlsec1() {
        return;
    }
    let ca = Ca::new("Test HPKI Root");
    let claimed = OffsetDateTime::now_utc() - Duration::hours(2);
    let claimed_text = claimed
        .replace_nanosecond(0)
        .unwrap()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let (rsa_cert, rsa_key) = doctor(&ca, 2015);
    let (ec_cert, ec_key) = ca.signer(
        "SOMA SHUNSUKE",
        "Medical Doctor",
        2016,
        recently(),
        700,
        true,
    );
    let rsa = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
    let ecdsa = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256";
    let inclusive = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315";
    let exclusive = "http://www.w3.org/2001/10/xml-exc-c14n#";
    let cases = [
        (rsa, inclusive.to_owned(), &rsa_cert, &rsa_key),
        (
            rsa,
            format!("{inclusive}#WithComments"),
            &rsa_cert,
            &rsa_key,
        ),
        (rsa, exclusive.to_owned(), &rsa_cert, &rsa_key),
        (ecdsa, format!("{exclusive}WithComments"), &ec_cert, &ec_key),
        (ecdsa, inclusive.to_owned(), &ec_cert, &ec_key),
    ];
    let commented = CDA.replacen("<title>紹介目的", "<!-- 本文 --><title>紹介目的", 1);
    for (method, c14n, cert, key) in cases {
        let letter = xmlsec1_signed(&commented, method, &c14n, cert, key, &claimed_text);
        let v = verify_enveloped_xml(&letter, &trust(&ca), now());
        assert_eq!(v.outcome, Outcome::Valid, "{method} {c14n}: {v:?}");
        assert_eq!(v.time_basis, TimeBasis::SigningTime);
        assert!(v.signer.unwrap().is_physician());

        let tricky = xmlsec1_signed(TRICKY, method, &c14n, cert, key, &claimed_text);
        let v = verify_enveloped_xml(&tricky, &trust(&ca), now());
        assert_eq!(
            v.outcome,
            Outcome::Valid,
            "the tricky letter, {method} {c14n}: {v:?}"
        );

        let text = String::from_utf8(letter).unwrap();
        let tampered = text.replacen("服薬良好", "服薬不良", 1);
        let v = verify_enveloped_xml(tampered.as_bytes(), &trust(&ca), now());
        assert_eq!(v.outcome, Outcome::Invalid, "{method} {c14n}: {v:?}");
    }
}

#[test]
fn a_reference_to_the_root_element_by_its_id_covers_the_letter_and_one_to_a_section_does_not() {
    if !xmlsec1() {
        return;
    }
    let ca = Ca::new("Test HPKI Root");
    let (cert, key) = doctor(&ca, 2017);
    let rsa = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
    let exclusive = "http://www.w3.org/2001/10/xml-exc-c14n#";
    let letter = CDA.replacen(
        "<ClinicalDocument ",
        "<ClinicalDocument ID=\"letter-1\" ",
        1,
    );
    let id_attr = ["--id-attr:ID", "urn:hl7-org:v3:ClinicalDocument"];
    let by_id = |uri: &str| {
        let tmpl = template(&letter, rsa, exclusive, &cert, "2026-12-07T20:35:00Z").replacen(
            "<ds:Reference URI=\"\">",
            &format!("<ds:Reference URI=\"{uri}\">"),
            1,
        );
        xmlsec1_sign_template(&tmpl, &cert, &key, &id_attr)
    };
    // A signer that names ClinicalDocument by its ID signs the whole letter.
    let signed = by_id("#letter-1");
    let v = verify_enveloped_xml(&signed, &trust(&ca), now());
    assert_eq!(v.outcome, Outcome::Valid, "{v:?}");
    let text = String::from_utf8(signed).unwrap();
    let tampered = text.replacen("服薬良好", "服薬不良", 1);
    let v = verify_enveloped_xml(tampered.as_bytes(), &trust(&ca), now());
    assert_eq!(v.outcome, Outcome::Invalid, "{v:?}");
    // One that names only the purpose section leaves the patient's name unsigned.
    let tmpl = template(&letter, rsa, exclusive, &cert, "2026-12-07T20:35:00Z").replacen(
        "<ds:Reference URI=\"\">",
        "<ds:Reference URI=\"#purpose\">",
        1,
    );
    let section = xmlsec1_sign_template(
        &tmpl,
        &cert,
        &key,
        &["--id-attr:ID", "urn:hl7-org:v3:section"],
    );
    let v = verify_enveloped_xml(&section, &trust(&ca), now());
    assert_eq!(v.outcome, Outcome::Invalid, "{v:?}");
    assert!(reason(&v).contains("whole letter"), "{v:?}");
}

#[test]
fn signed_properties_that_qualify_another_signature_are_refused() {
    // QualifyingProperties sits outside SignedProperties, so its Target is not under any digest:
    // only the check of Target against the signature's Id catches properties written for another.
    let ca = Ca::new("Test HPKI Root");
    let (cert, key) = doctor(&ca, 2018);
    let text = String::from_utf8(signed(&cert, &key, CLAIMED)).unwrap();
    let target = format!("Target=\"#{}\"", fieldchart_hpki::XADES_SIGNATURE_ID);
    assert!(text.contains(&target), "{text}");
    let moved = text.replacen(&target, "Target=\"#another-signature\"", 1);
    let v = verify_enveloped_xml(moved.as_bytes(), &trust(&ca), now());
    assert_eq!(v.outcome, Outcome::Invalid, "{v:?}");
    assert!(reason(&v).contains("another-signature"), "{v:?}");
}

#[test]
fn a_deeply_nested_letter_is_checked_without_overflowing_the_stack() {
    let ca = Ca::new("Test HPKI Root");
    let (cert, key) = doctor(&ca, 2017);
    let depth = 20_000;
    let deep = CDA.replacen(
        "<title>紹介目的</title>",
        &format!("{}{}", "<list>".repeat(depth), "</list>".repeat(depth)),
        1,
    );
    let letter = sign_enveloped_xml(
        deep.as_bytes(),
        &cert.to_der().unwrap(),
        &key,
        lately(),
        &[],
    );
    // roxmltree may refuse such a tree; either way nothing overflows.
    match letter {
        Ok(letter) => {
            let v = verify_enveloped_xml(&letter, &trust(&ca), now());
            assert_eq!(v.outcome, Outcome::Valid, "{v:?}");
        }
        Err(e) => eprintln!("the signer refused it: {e}"),
    }
    let v = verify_enveloped_xml(deep.as_bytes(), &trust(&ca), now());
    assert!(matches!(v.outcome, Outcome::Unsigned | Outcome::Invalid));
}

#[test]
fn an_enveloping_signature_is_not_taken_for_a_signed_letter() {
    let ca = Ca::new("Test HPKI Root");
    let (cert, key) = doctor(&ca, 2018);
    let letter = String::from_utf8(signed(&cert, &key, lately())).unwrap();
    let start = letter.find("<ds:Signature").unwrap();
    let end = letter.find("</ds:Signature>").unwrap() + "</ds:Signature>".len();
    let v = verify_enveloped_xml(&letter.as_bytes()[start..end], &trust(&ca), now());
    assert_eq!(v.outcome, Outcome::Invalid);
    assert!(reason(&v).contains("enveloping"), "{v:?}");
}

#[test]
fn the_signers_certificate_is_found_whatever_the_order_in_keyinfo() {
    let root = Ca::new("Test HPKI Root");
    let intermediate = root.intermediate("Test HPKI Signing CA");
    let (cert, key) = doctor(&intermediate, 2019);
    let letter = String::from_utf8(
        sign_enveloped_xml(
            CDA.as_bytes(),
            &cert.to_der().unwrap(),
            &key,
            lately(),
            std::slice::from_ref(&intermediate.cert),
        )
        .unwrap(),
    )
    .unwrap();
    let v = verify_enveloped_xml(letter.as_bytes(), &trust(&root), now());
    assert_eq!(v.outcome, Outcome::Valid, "{v:?}");
    // The CA's certificate first, as some signers write X509Data.
    let b64 = |x: &X509| openssl::base64::encode_block(&x.to_der().unwrap());
    let (leaf, ca) = (b64(&cert), b64(&intermediate.cert));
    let swapped = letter
        .replacen(&leaf, "LEAF", 1)
        .replacen(&ca, &leaf, 1)
        .replacen("LEAF", &ca, 1);
    assert_ne!(swapped, letter);
    let v = verify_enveloped_xml(swapped.as_bytes(), &trust(&root), now());
    assert_eq!(v.outcome, Outcome::Valid, "{v:?}");
    assert_eq!(v.signer.unwrap().name.as_deref(), Some("ONO ERI"));
}

#[test]
fn the_laptops_recheck_names_the_certificate_and_catches_a_changed_letter() {
    let ca = Ca::new("Test HPKI Root");
    let (cert, key) = doctor(&ca, 2020);
    let letter = signed(&cert, &key, lately());
    let hub = verify_enveloped_xml(&letter, &trust(&ca), now());
    let signer = hub.signer.unwrap();
    let r = fieldchart_hpki::recheck_enveloped_xml(&letter).unwrap();
    assert_eq!((r.issuer, r.serial), (signer.issuer, signer.serial));
    let text = String::from_utf8(letter).unwrap();
    let changed = text.replacen("継続加療", "断続加療", 1);
    let e = fieldchart_hpki::recheck_enveloped_xml(changed.as_bytes()).unwrap_err();
    assert!(e.contains("altered after signing"), "{e}");
    assert!(fieldchart_hpki::recheck_enveloped_xml(CDA.as_bytes()).is_err());
}
