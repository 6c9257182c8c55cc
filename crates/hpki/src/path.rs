//! The certificate path of one signer's certificate, checked against the hub's trust anchors at a
//! given time, with the CRLs the hub configured (docs/hpki.md "Checks" 4 and 5; RFC 5280 §6
//! through OpenSSL's X509_verify_cert).
//!
//! It owns the chain check only: what the signature is over, and whose certificate it is, are
//! the callers' (`xades` today; `cades` holds its own copy of the same logic and could call this).

use openssl::ssl::SslFiletype;
use openssl::stack::Stack;
use openssl::x509::store::{X509Lookup, X509Store, X509StoreBuilder};
use openssl::x509::verify::{X509VerifyFlags, X509VerifyParam};
use openssl::x509::{X509, X509StoreContext, X509VerifyResult};

use crate::cades::{Outcome, Revocation, Trust};

/// Checks `leaf`'s path to one of `trust`'s anchors at `at` (Unix seconds), with `carried` (the
/// certificates the signature carries) and the hub's intermediates as untrusted helpers.
/// Ok says which revocation check was made; Err is the outcome and the reason for the row.
pub(crate) fn check_path(
    leaf: &X509,
    carried: &[X509],
    trust: &Trust,
    at: i64,
) -> Result<Revocation, (Outcome, String)> {
    let openssl_failed = |e: openssl::error::ErrorStack| (Outcome::Invalid, format!("OpenSSL: {e}"));
    let mut untrusted = Stack::new().map_err(openssl_failed)?;
    for c in carried.iter().chain(&trust.intermediates) {
        untrusted.push(c.clone()).map_err(openssl_failed)?;
    }
    let has_crl = !trust.crl_files.is_empty();
    let store = trust_store(trust, at, has_crl).map_err(|e| {
        (
            Outcome::Invalid,
            format!("the hub's trust anchors or CRLs do not load: {e}"),
        )
    })?;
    let (ok, error) = X509StoreContext::new()
        .and_then(|mut ctx| {
            ctx.init(&store, leaf, &untrusted, |c| {
                let ok = c.verify_cert()?;
                Ok((ok, c.error()))
            })
        })
        .map_err(openssl_failed)?;
    if !ok {
        return Err(path_failure(error));
    }
    Ok(if has_crl {
        Revocation::Checked
    } else {
        Revocation::NotChecked
    })
}

fn trust_store(trust: &Trust, at: i64, crl: bool) -> Result<X509Store, openssl::error::ErrorStack> {
    let mut builder = X509StoreBuilder::new()?;
    for a in &trust.anchors {
        builder.add_cert(a.clone())?;
    }
    if crl {
        let lookup = builder.add_lookup(X509Lookup::file())?;
        for f in &trust.crl_files {
            lookup.load_crl_file(f, SslFiletype::PEM)?;
        }
    }
    let mut param = X509VerifyParam::new()?;
    param.set_time(at);
    let mut flags = X509VerifyFlags::X509_STRICT;
    if crl {
        // Every certificate of the path, not only the signer's.
        flags |= X509VerifyFlags::CRL_CHECK | X509VerifyFlags::CRL_CHECK_ALL;
    }
    param.set_flags(flags)?;
    builder.set_param(&param)?;
    Ok(builder.build())
}

/// What a failed path means for the row: an anchor the hub does not have is "untrusted", a
/// certificate out of its validity or revoked is "invalid".
fn path_failure(error: X509VerifyResult) -> (Outcome, String) {
    // X509_V_ERR_* (openssl/x509_vfy.h).
    const UNABLE_TO_GET_ISSUER_CERT: i32 = 2;
    const UNABLE_TO_GET_CRL: i32 = 3;
    const CERT_NOT_YET_VALID: i32 = 9;
    const CERT_HAS_EXPIRED: i32 = 10;
    const DEPTH_ZERO_SELF_SIGNED_CERT: i32 = 18;
    const SELF_SIGNED_CERT_IN_CHAIN: i32 = 19;
    const UNABLE_TO_GET_ISSUER_CERT_LOCALLY: i32 = 20;
    const UNABLE_TO_VERIFY_LEAF_SIGNATURE: i32 = 21;
    const CERT_REVOKED: i32 = 23;
    match error.as_raw() {
        UNABLE_TO_GET_ISSUER_CERT
        | DEPTH_ZERO_SELF_SIGNED_CERT
        | SELF_SIGNED_CERT_IN_CHAIN
        | UNABLE_TO_GET_ISSUER_CERT_LOCALLY
        | UNABLE_TO_VERIFY_LEAF_SIGNATURE => (
            Outcome::UntrustedCa,
            format!(
                "no path to an HPKI trust anchor the hub configured ({})",
                error.error_string()
            ),
        ),
        CERT_HAS_EXPIRED => (
            Outcome::Invalid,
            "the certificate had expired at the signing time".into(),
        ),
        CERT_NOT_YET_VALID => (
            Outcome::Invalid,
            "the certificate was not yet valid at the signing time".into(),
        ),
        CERT_REVOKED => (
            Outcome::Invalid,
            "the certificate is revoked (the issuer's CRL lists it)".into(),
        ),
        UNABLE_TO_GET_CRL => (
            Outcome::Invalid,
            "the hub has CRLs but none from this certificate's issuer: add it, or the signature stays unchecked".into(),
        ),
        _ => (
            Outcome::Invalid,
            format!("the certificate path does not verify ({})", error.error_string()),
        ),
    }
}
