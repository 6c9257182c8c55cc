//! Signed referral letters for the drill region (issue 16 §1): a detached CAdES signature
//! (`main_document.xml.p7s`) beside each letter, made with the drill HPKI's certificates
//! (crates/synth/drill-hpki, NOT a real CA) at the letter's own time, so a drill hub that trusts
//! the drill root shows 署名あり・検証済み, and one letter in seven is signed by a pharmacist so
//! the viewer's "not signed by a physician" is met too. The signature is deterministic (RSA
//! PKCS#1 v1.5 over a fixed signing time): a seed still gives the same region byte for byte.

use fieldchart_hpki::sign_detached;
use openssl::pkey::PKey;
use openssl::x509::X509;

use crate::calendar::Moment;
use crate::error::SynthError;

/// The drill root certificate (PEM), which a drill hub names as its HPKI anchor.
pub const DRILL_ROOT_PEM: &[u8] = include_bytes!("../drill-hpki/root.pem");
const DOCTOR_PEM: &[u8] = include_bytes!("../drill-hpki/doctor.pem");
const DOCTOR_KEY: &[u8] = include_bytes!("../drill-hpki/doctor.key");
const PHARMACIST_PEM: &[u8] = include_bytes!("../drill-hpki/pharmacist.pem");
const PHARMACIST_KEY: &[u8] = include_bytes!("../drill-hpki/pharmacist.key");

/// The trust a drill hub configures: the drill root alone (what `[hpki] anchors` naming
/// crates/synth/drill-hpki/root.pem gives).
pub fn drill_trust() -> fieldchart_hpki::Trust {
    fieldchart_hpki::Trust {
        anchors: X509::from_pem(DRILL_ROOT_PEM).into_iter().collect(),
        ..Default::default()
    }
}

/// A drill signer's certificate (DER) and key, for tests that sign letters other ways (XAdES)
/// with the certificates a drill hub trusts: the drill doctor's, or the drill pharmacist's.
pub fn drill_credentials(pharmacist: bool) -> (Vec<u8>, PKey<openssl::pkey::Private>) {
    let (cert, key) = if pharmacist {
        (PHARMACIST_PEM, PHARMACIST_KEY)
    } else {
        (DOCTOR_PEM, DOCTOR_KEY)
    };
    (
        X509::from_pem(cert)
            .and_then(|c| c.to_der())
            .expect("the drill certificate reads"),
        PKey::private_key_from_pem(key).expect("the drill key reads"),
    )
}

/// Who signs a drill letter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DrillSigner {
    Doctor,
    Pharmacist,
}

/// The detached signature over `letter`, made at `at` (Japan time).
pub(crate) fn sign_letter(
    letter: &[u8],
    at: Moment,
    who: DrillSigner,
) -> Result<Vec<u8>, SynthError> {
    let (cert, key) = match who {
        DrillSigner::Doctor => (DOCTOR_PEM, DOCTOR_KEY),
        DrillSigner::Pharmacist => (PHARMACIST_PEM, PHARMACIST_KEY),
    };
    let fail = |e: String| SynthError::Signing(e);
    let cert = X509::from_pem(cert)
        .and_then(|c| c.to_der())
        .map_err(|e| fail(e.to_string()))?;
    let key = PKey::private_key_from_pem(key).map_err(|e| fail(e.to_string()))?;
    sign_detached(letter, &cert, &key, at.unix_seconds(), &[]).map_err(|e| fail(e.to_string()))
}

/// The letter with an enveloped XAdES signature inside it (the CDA form, HL7J-CDA-002), made at
/// `at` by `who`.
pub(crate) fn sign_letter_enveloped(
    letter: &[u8],
    at: Moment,
    who: DrillSigner,
) -> Result<Vec<u8>, SynthError> {
    let pharmacist = who == DrillSigner::Pharmacist;
    let (cert, key) = drill_credentials(pharmacist);
    fieldchart_hpki::sign_enveloped_xml(letter, &cert, &key, at.unix_seconds(), &[])
        .map_err(|e| SynthError::Signing(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::CivilDate;

    #[test]
    fn a_drill_letter_verifies_against_the_drill_root_and_names_its_signer() {
        let at = Moment::at(CivilDate::new(2026, 11, 20).unwrap(), 13, 5);
        let letter = "診療情報提供書（訓練）".as_bytes();
        let sig = sign_letter(letter, at, DrillSigner::Doctor).unwrap();
        assert_eq!(
            sig,
            sign_letter(letter, at, DrillSigner::Doctor).unwrap(),
            "deterministic"
        );
        let trust = fieldchart_hpki::Trust {
            anchors: vec![X509::from_pem(DRILL_ROOT_PEM).unwrap()],
            ..Default::default()
        };
        let v = fieldchart_hpki::verify_detached(&sig, letter, &trust, 0);
        assert_eq!(v.outcome, fieldchart_hpki::Outcome::Valid, "{v:?}");
        assert_eq!(
            v.signing_time.as_deref(),
            Some("2026-11-20T04:05:00Z"),
            "13:05 JST"
        );
        assert!(v.signer.as_ref().unwrap().is_physician());
        let sig = sign_letter(letter, at, DrillSigner::Pharmacist).unwrap();
        let v = fieldchart_hpki::verify_detached(&sig, letter, &trust, 0);
        assert_eq!(v.outcome, fieldchart_hpki::Outcome::Valid, "{v:?}");
        assert!(!v.signer.as_ref().unwrap().is_physician());
    }
}
