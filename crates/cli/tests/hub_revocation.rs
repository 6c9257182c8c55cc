//! A CRL that revokes a signer after the hub judged the signer's letter valid: the next nightly
//! layer reads that patient again, although their files did not change, so the laptop shows the
//! letter as 署名が無効 from that layer on and not only at the weekly base (issue 16 §1).
//!
//! The hub trusts a test CA made here (rcgen), not the drill root; one patient's detached letter
//! signature is replaced by one of the test CA's signer, and a CRL of the test CA later lists it.

use std::fs;
use std::path::{Path, PathBuf};

use openssl::pkey::PKey;
use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, DnType, IsCa, Issuer,
    KeyIdMethod, KeyPair, KeyUsagePurpose, RevokedCertParams, SerialNumber,
};
use serde_json::Value;
use time::{Duration, OffsetDateTime};

mod common;
use common::hub::Hub;

const SIGNER: &str = "KAKUNIN ISHI";
const SERIAL: u64 = 4242;

/// The first detached letter signature (`main_document.xml.p7s`) under `dir`.
fn first_p7s(dir: &Path) -> Option<PathBuf> {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    entries.iter().find_map(|p| {
        if p.is_dir() {
            first_p7s(p)
        } else {
            (p.file_name()? == "main_document.xml.p7s").then(|| p.clone())
        }
    })
}

/// Every signature check anywhere in a record view.
fn signatures<'v>(v: &'v Value, out: &mut Vec<&'v Value>) {
    match v {
        Value::Object(o) => {
            for (k, x) in o {
                if k == "signatures"
                    && let Some(list) = x.as_array()
                {
                    out.extend(list.iter().filter(|s| s["outcome"].is_string()));
                }
                signatures(x, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| signatures(x, out)),
        _ => {}
    }
}

/// The test signer's signature on the patient's letter, as the record shows it.
fn ours(hub: &Hub, summary: &Value, patient: &str) -> Value {
    let (code, view, stderr) = hub.record(&hub.chain_file(summary), patient);
    assert_eq!(code, 0, "{stderr}");
    let mut found = Vec::new();
    signatures(&view, &mut found);
    found
        .into_iter()
        .find(|s| s["signer"]["name"] == SIGNER)
        .cloned()
        .unwrap_or_else(|| panic!("the letter signed by {SIGNER} in {view}"))
}

/// A test CA's parameters (valid a year either side of now, may sign certificates and CRLs) and
/// its key.
fn test_ca(name: &str) -> (CertificateParams, KeyPair) {
    let now = OffsetDateTime::now_utc();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.distinguished_name.push(DnType::CommonName, name);
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    ca.not_before = now - Duration::days(365);
    ca.not_after = now + Duration::days(365);
    (ca, KeyPair::generate().unwrap())
}

#[test]
fn a_crl_that_revokes_a_signer_has_the_next_layer_read_the_letter_again() {
    let hub = Hub::new("40");
    // A test CA and its signer (RSA, as HPKI signs).
    let now = OffsetDateTime::now_utc();
    let (ca, ca_key) = test_ca("Revocation Test CA (not real)");
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = Issuer::from_params(&ca, &ca_key);
    let rsa = PKey::from_rsa(openssl::rsa::Rsa::generate(2048).unwrap()).unwrap();
    let rsa_pem = String::from_utf8(rsa.private_key_to_pem_pkcs8().unwrap()).unwrap();
    let signer_key = KeyPair::from_pem(&rsa_pem).unwrap();
    let mut leaf = CertificateParams::new(Vec::<String>::new()).unwrap();
    leaf.distinguished_name.push(DnType::CommonName, SIGNER);
    leaf.serial_number = Some(SerialNumber::from(SERIAL));
    leaf.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::ContentCommitment,
    ];
    leaf.not_before = now - Duration::days(30);
    leaf.not_after = now + Duration::days(300);
    leaf.use_authority_key_identifier_extension = true;
    let leaf_cert = leaf.signed_by(&signer_key, &issuer).unwrap();

    // One patient's letter, signed again by the test signer.
    let p7s = first_p7s(&hub.region).expect("a detached letter signature in the region");
    let letter = fs::read(p7s.with_extension("")).unwrap();
    let signature = fieldchart_hpki::sign_detached(
        &letter,
        leaf_cert.der(),
        &rsa,
        (now - Duration::hours(2)).unix_timestamp(),
        &[],
    )
    .unwrap();
    fs::write(&p7s, signature).unwrap();
    // <facility>/extended/<3 digits>/<3 digits>/<patient ID>/<date>/<kind>/…
    let parts: Vec<String> = p7s
        .strip_prefix(&hub.region)
        .unwrap()
        .components()
        .map(|c| c.as_os_str().to_string_lossy().to_string())
        .collect();
    let (facility, patient_id) = (&parts[0], &parts[4]);
    let patient = format!("{facility}:{patient_id}");

    // The hub trusts the test CA and reads its CRLs from a folder, where today's CRL lists no one.
    let crl = |number: u64, serials: &[u64]| {
        CertificateRevocationListParams {
            this_update: now - Duration::minutes(30),
            next_update: now + Duration::days(7),
            crl_number: SerialNumber::from(number),
            issuing_distribution_point: None,
            revoked_certs: serials
                .iter()
                .map(|s| RevokedCertParams {
                    serial_number: SerialNumber::from(*s),
                    revocation_time: now - Duration::hours(1),
                    reason_code: None,
                    invalidity_date: None,
                })
                .collect(),
            key_identifier_method: KeyIdMethod::Sha256,
        }
        .signed_by(&issuer)
        .unwrap()
        .pem()
        .unwrap()
    };
    let crls = hub.hub.join("crl");
    fs::create_dir_all(&crls).unwrap();
    fs::write(crls.join("test-ca.crl.pem"), crl(1, &[])).unwrap();
    let anchor = hub.hub.join("test-ca.pem");
    fs::write(&anchor, ca_cert.pem()).unwrap();
    let config = hub.hub.join("hub.toml");
    let mut text = fs::read_to_string(&config).unwrap();
    text.push_str(&format!(
        "\n[hpki]\nanchors = [\"{}\"]\ncrls = [\"{}\"]\n",
        anchor.display(),
        crls.display()
    ));
    fs::write(&config, text).unwrap();

    let base = hub.build(&[]);
    assert_eq!(base["hub"]["kind"], "base");
    let before = ours(&hub, &base, &patient);
    assert_eq!(before["outcome"], "valid", "{before}");
    assert_eq!(before["revocation"], "checked", "{before}");

    // The CA revokes the signer; the operator puts its new CRL in the folder.
    fs::write(crls.join("test-ca.crl.pem"), crl(2, &[SERIAL])).unwrap();

    let layer = hub.build(&[]);
    assert_eq!(layer["hub"]["kind"], "layer", "{}", layer["hub"]);
    assert_eq!(layer["hub"]["changed"], 0, "no file changed");
    assert_eq!(layer["hub"]["revoked_signers"], 1, "{}", layer["hub"]);
    let after = ours(&hub, &layer, &patient);
    assert_eq!(after["outcome"], "invalid", "{after}");
    assert!(
        after["reason"].as_str().unwrap_or("").contains("revoked"),
        "{after}"
    );

    // Once shown invalid the letter is no longer a valid signer's: the next layer reads no one.
    let next = hub.build(&[]);
    assert_eq!(next["hub"]["revoked_signers"], 0, "{}", next["hub"]);
    assert_eq!(ours(&hub, &next, &patient)["outcome"], "invalid");
}

#[test]
fn an_anchor_added_to_hpki_has_the_next_layer_read_the_letters_it_now_confirms() {
    let hub = Hub::new("40");
    // The hub first trusts only a CA that signed none of the drill's letters.
    let (other, other_key) = test_ca("Another Test CA (not real)");
    let other_pem = hub.hub.join("other-ca.pem");
    fs::write(&other_pem, other.self_signed(&other_key).unwrap().pem()).unwrap();
    let config = hub.hub.join("hub.toml");
    let plain = fs::read_to_string(&config).unwrap();
    let with_anchors = |anchors: &[&Path]| {
        let list: Vec<String> = anchors
            .iter()
            .map(|a| format!("\"{}\"", a.display()))
            .collect();
        format!("{plain}\n[hpki]\nanchors = [{}]\n", list.join(", "))
    };
    fs::write(&config, with_anchors(&[&other_pem])).unwrap();
    let base = hub.build(&[]);
    let unconfirmed = base["signatures"]["untrusted_ca"].as_u64().unwrap();
    assert!(unconfirmed > 0, "{}", base["signatures"]);
    assert_eq!(base["signatures"]["valid"], 0);

    // The operator adds the drill root, which signed them.
    let drill_root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../synth/drill-hpki/root.pem");
    fs::write(&config, with_anchors(&[&other_pem, &drill_root])).unwrap();
    let layer = hub.build(&[]);
    assert_eq!(layer["hub"]["kind"], "layer", "{}", layer["hub"]);
    assert_eq!(layer["hub"]["changed"], 0);
    assert!(
        layer["hub"]["newly_trusted"].as_u64().unwrap() > 0,
        "{}",
        layer["hub"]
    );
    assert_eq!(
        layer["signatures"]["valid"], unconfirmed,
        "{}",
        layer["signatures"]
    );
    assert_eq!(layer["signatures"]["untrusted_ca"], 0);

    // The trust did not change again: the next layer reads no one for it.
    let next = hub.build(&[]);
    assert_eq!(next["hub"]["newly_trusted"], 0, "{}", next["hub"]);
}
