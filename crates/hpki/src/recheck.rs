//! The laptop's offline re-check of a signature the hub verified (docs/hpki.md "Where it runs").
//!
//! The hub decided the path to an HPKI anchor and revocation, with its CRLs, and signed that result
//! into the snapshot. The laptop has neither the anchors' freshness nor a network, so it checks what
//! it can check alone and what matters if the snapshot's bytes were swapped after the hub looked:
//! that the signature is over the letter's bytes it is about to show, and that it is the same
//! signer's certificate the hub judged.

use openssl::pkcs7::{Pkcs7, Pkcs7Flags};
use openssl::stack::Stack;
use openssl::x509::X509;
use openssl::x509::store::X509StoreBuilder;

/// The certificate a re-checked signature was made with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rechecked {
    /// The issuer's distinguished name, as [`crate::Signer::issuer`] writes it.
    pub issuer: String,
    /// The serial number, hexadecimal, as [`crate::Signer::serial`] writes it.
    pub serial: String,
}

/// Checks that the detached CMS signature `signature` (DER or PEM) is over `content` with the
/// certificate it carries; no path, no time, no revocation (those are the hub's). The error says
/// why in words for the viewer.
pub fn recheck_detached(signature: &[u8], content: &[u8]) -> Result<Rechecked, String> {
    let p7 = Pkcs7::from_der(signature)
        .or_else(|_| Pkcs7::from_pem(signature))
        .map_err(|_| "the signature file is not a CMS signature".to_string())?;
    let openssl = |e: openssl::error::ErrorStack| format!("OpenSSL: {e}");
    let mut carried = Stack::<X509>::new().map_err(openssl)?;
    for c in p7
        .signed()
        .and_then(|s| s.certificates())
        .into_iter()
        .flatten()
    {
        carried.push(c.to_owned()).map_err(openssl)?;
    }
    let signers = p7
        .signers(&carried, Pkcs7Flags::empty())
        .map_err(|_| "the signer's certificate is not in the signature".to_string())?;
    let [leaf] = signers.iter().collect::<Vec<_>>()[..] else {
        return Err(format!(
            "the signature has {} signers; a referral letter has one",
            signers.len()
        ));
    };
    let empty = X509StoreBuilder::new().map_err(openssl)?.build();
    let flags = Pkcs7Flags::NOVERIFY | Pkcs7Flags::BINARY | Pkcs7Flags::DETACHED;
    p7.verify(&carried, &empty, Some(content), None, flags)
        .map_err(|_| {
            "the signature does not match the letter's bytes in this snapshot".to_string()
        })?;
    let der = leaf.to_der().map_err(openssl)?;
    let signer = crate::signer_of(&der).map_err(|e| e.to_string())?;
    Ok(Rechecked {
        issuer: signer.issuer,
        serial: signer.serial,
    })
}
