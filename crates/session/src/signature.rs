//! The laptop's offline re-check of a referral letter's signature (issue 16 §1, docs/hpki.md
//! "Where it runs"): the hub judged the signer, the path to an HPKI anchor and revocation, and
//! signed that result into the snapshot; the laptop, with no network, checks that the signature is
//! over the very bytes it is about to show, by the certificate the hub judged. A failure is shown
//! beside the hub's result, never instead of it.

use fieldchart_hpki::{Outcome, Trust};
use fieldchart_store::rows::{DocumentFile, Recheck, SignatureCheck, SignatureForm};

use crate::Session;

/// The re-check of one signature the hub found; None when there is nothing to re-check (the hub
/// found the signature invalid before it knew its signer, or found none).
pub(crate) fn recheck(
    session: &Session,
    files: &[DocumentFile],
    check: &SignatureCheck,
) -> Option<Recheck> {
    let signer = check.signer.as_ref()?;
    let bytes = |name: &str| -> Result<Vec<u8>, String> {
        let blob = files
            .iter()
            .find(|f| f.name == name)
            .and_then(|f| f.blob)
            .ok_or_else(|| format!("{name} is not in this snapshot"))?;
        match session.blob(blob) {
            Ok(Some((_, b))) => Ok(b),
            Ok(None) => Err(format!("{name} is missing from this snapshot")),
            Err(e) => Err(format!("{name} does not read: {e}")),
        }
    };
    let found = match check.form {
        SignatureForm::CadesDetached => (|| {
            let sig = bytes(check.signature_file.as_deref().unwrap_or_default())?;
            let content = bytes(&check.file)?;
            fieldchart_hpki::recheck_detached(&sig, &content).map(|r| (r.issuer, r.serial))
        })(),
        SignatureForm::Pades => bytes(&check.file).and_then(|pdf| {
            // No anchors: only the bytes and the certificate are judged here.
            let v = fieldchart_hpki::verify_pdf(&pdf, &Trust::default(), 0);
            match (v.outcome, v.signer) {
                (Outcome::Invalid, _) | (_, None) => Err(v
                    .reason
                    .unwrap_or_else(|| "the PDF's signature does not verify".into())),
                (_, Some(s)) => Ok((s.issuer, s.serial)),
            }
        }),
        SignatureForm::XadesEnveloped => bytes(&check.file).and_then(|xml| {
            fieldchart_hpki::recheck_enveloped_xml(&xml).map(|r| (r.issuer, r.serial))
        }),
    };
    Some(match found {
        Ok((issuer, serial)) if issuer == signer.issuer && serial == signer.serial => Recheck {
            ok: true,
            reason: None,
        },
        Ok(_) => Recheck {
            ok: false,
            reason: Some(
                "the signature in this snapshot is by another certificate than the one the hub checked"
                    .into(),
            ),
        },
        Err(reason) => Recheck {
            ok: false,
            reason: Some(reason),
        },
    })
}
