//! A detached CAdES (CMS SignedData) signature over a document's exact bytes, checked against the
//! hub's HPKI trust anchors (docs/hpki.md "Checks"):
//!
//! 1. the signature reads and names its signer's certificate;
//! 2. it is over these bytes (the message-digest attribute and the signature: OpenSSL's
//!    PKCS7_verify, without a chain), and the ESS signing-certificate(-v2) attribute, when there is
//!    one, names the certificate that verified it (OpenSSL 3.0 does not check it);
//! 3. the certificate is a signing one (nonRepudiation);
//! 4. the path to a configured anchor is valid at the signing time: a trusted signature
//!    timestamp's genTime (CAdES-T, [`crate::timestamp`]), else the signed signing-time attribute
//!    (the signer's own claim), else the verification time;
//! 5. revocation, against a configured CRL of the issuer; "not checked" when the hub has none.
//!    The CRL is today's and the path is judged at the signing time, so revocation is checked on
//!    its own ([`revocation`]), not by OpenSSL's path check, which would call a CRL issued after the
//!    signing "not yet valid".

use openssl::asn1::Asn1Time;
use openssl::pkcs7::{Pkcs7, Pkcs7Flags};
use openssl::stack::{Stack, StackRef};
use openssl::x509::store::X509StoreBuilder;
use openssl::x509::verify::{X509VerifyFlags, X509VerifyParam};
use openssl::x509::{CrlStatus, X509, X509Crl, X509StoreContext, X509VerifyResult};
use serde::Serialize;
use x509_parser::prelude::{CertificateRevocationList, FromDer};

use crate::cms::{self, SignerInfo};
use crate::der;
use crate::signer::{Signer, signer_of};
use crate::timestamp::{self, Problem};

/// What the hub trusts: HPKI root certificates (anchors), intermediate CA certificates, and the
/// CAs' CRLs, each read once when the trust is loaded (a build checks thousands of letters
/// against the same CRLs; they are shared, not copied, between the build's threads).
#[derive(Clone, Default)]
pub struct Trust {
    pub anchors: Vec<X509>,
    pub intermediates: Vec<X509>,
    pub crls: Vec<std::sync::Arc<X509Crl>>,
}

impl std::fmt::Debug for Trust {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let subjects = |certs: &[X509]| -> Vec<String> {
            certs.iter().map(|c| name_of(c.subject_name())).collect()
        };
        f.debug_struct("Trust")
            .field("anchors", &subjects(&self.anchors))
            .field("intermediates", &subjects(&self.intermediates))
            .field(
                "crls",
                &self
                    .crls
                    .iter()
                    .map(|c| name_of(c.issuer_name()))
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl Trust {
    /// Every certificate the hub's CRLs list as revoked, as (issuer, serial) in the form
    /// [`Signer::issuer`] and [`Signer::serial`] write them: what a hub's layer compares with the
    /// signers of letters it judged valid before, to read those letters again when a new CRL
    /// revokes one. A CRL that does not parse here lists nothing (it was read by OpenSSL at load).
    pub fn revoked_certificates(&self) -> std::collections::HashSet<(String, String)> {
        let mut out = std::collections::HashSet::new();
        for crl in &self.crls {
            let Ok(der) = crl.to_der() else { continue };
            let Ok((_, parsed)) = CertificateRevocationList::from_der(&der) else {
                continue;
            };
            let issuer = parsed.issuer().to_string();
            for revoked in parsed.iter_revoked_certificates() {
                out.insert((
                    issuer.clone(),
                    revoked.raw_serial_as_string().replace(':', ""),
                ));
            }
        }
        out
    }

    /// A digest of the anchors and intermediates (not the CRLs), whatever their order: it changes
    /// when the hub trusts another CA, so a layer can read again the letters whose issuer it
    /// could not confirm before.
    pub fn certificates_digest(&self) -> String {
        let mut ders: Vec<Vec<u8>> =
            self.anchors
                .iter()
                .map(|c| [b"anchor:".as_slice(), &c.to_der().unwrap_or_default()].concat())
                .chain(self.intermediates.iter().map(|c| {
                    [b"intermediate:".as_slice(), &c.to_der().unwrap_or_default()].concat()
                }))
                .collect();
        ders.sort();
        let mut hasher = openssl::sha::Sha256::new();
        for der in &ders {
            hasher.update(&(der.len() as u64).to_be_bytes());
            hasher.update(der);
        }
        hasher.finish().iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Adds the PEM CRL in `file` (as `load_trust` reads one; tests add theirs so).
    pub fn add_crl_file(&mut self, file: &std::path::Path) -> Result<(), crate::HpkiError> {
        let bytes = std::fs::read(file).map_err(|e| {
            crate::HpkiError::Certificate(format!("the CRL {} does not read: {e}", file.display()))
        })?;
        let crl = X509Crl::from_pem(&bytes).map_err(|_| {
            crate::HpkiError::Certificate(format!("{} is not a PEM CRL", file.display()))
        })?;
        self.crls.push(std::sync::Arc::new(crl));
        Ok(())
    }
}

/// The four results a document's row can show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// 署名あり・検証済み.
    Valid,
    /// 署名が無効: the reason says why.
    Invalid,
    /// 発行元を確認できない: no path to an anchor the hub configured.
    UntrustedCa,
    /// 署名なし.
    Unsigned,
}

/// Which time the certificate's validity was judged at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TimeBasis {
    /// The signed signing-time attribute: the signer's claim, not a timestamp authority's.
    SigningTime,
    /// No signing time in the signature: the time of verification.
    Verification,
    /// A signature timestamp (CAdES-T) from a TSA the hub trusts: its genTime.
    Timestamp,
}

/// Whether revocation was checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Revocation {
    /// Against the issuer's CRL the hub configured: not revoked.
    Checked,
    /// The hub has no CRL for the issuer.
    NotChecked,
}

/// A trusted signature timestamp: when a timestamp authority saw the signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Timestamp {
    /// genTime, RFC 3339 (UTC).
    pub time: String,
    /// The TSA certificate's subject.
    pub authority: String,
}

/// The result of checking one signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verification {
    pub outcome: Outcome,
    /// Why it is invalid or untrusted, in words for the hub report and the viewer.
    pub reason: Option<String>,
    pub signer: Option<Signer>,
    /// The signing time the signature claims, RFC 3339 (UTC), when it has one.
    pub signing_time: Option<String>,
    pub time_basis: TimeBasis,
    pub revocation: Revocation,
    /// What a reader of a valid result should still know (a CAdES attribute the signature lacks),
    /// in words; empty when there is nothing to add.
    pub notes: Vec<String>,
    /// The signature timestamp whose genTime the certificate was judged at, when there is a
    /// trusted one ([`TimeBasis::Timestamp`]).
    pub timestamp: Option<Timestamp>,
}

impl Verification {
    pub(crate) fn failed(
        outcome: Outcome,
        reason: impl Into<String>,
        signer: Option<Signer>,
    ) -> Self {
        Verification {
            outcome,
            reason: Some(reason.into()),
            signer,
            signing_time: None,
            time_basis: TimeBasis::Verification,
            revocation: Revocation::NotChecked,
            notes: Vec::new(),
            timestamp: None,
        }
    }

    /// A document that carries no signature.
    pub fn unsigned() -> Self {
        Verification {
            outcome: Outcome::Unsigned,
            reason: None,
            signer: None,
            signing_time: None,
            time_basis: TimeBasis::Verification,
            revocation: Revocation::NotChecked,
            notes: Vec::new(),
            timestamp: None,
        }
    }
}

/// Checks the detached signature `signature` (DER or PEM) over `content` against `trust`, at a
/// trusted signature timestamp's genTime, else the signature's signing time, else `now` (seconds
/// since the Unix epoch).
pub fn verify_detached(signature: &[u8], content: &[u8], trust: &Trust, now: i64) -> Verification {
    let p7 = match Pkcs7::from_der(signature).or_else(|_| Pkcs7::from_pem(signature)) {
        Ok(p7) => p7,
        Err(_) => {
            return Verification::failed(
                Outcome::Invalid,
                "the signature file is not a CMS signature (CAdES)",
                None,
            );
        }
    };
    let mut untrusted = match Stack::new() {
        Ok(s) => s,
        Err(e) => return Verification::failed(Outcome::Invalid, format!("OpenSSL: {e}"), None),
    };
    let carried: Vec<X509> = p7
        .signed()
        .and_then(|s| s.certificates())
        .map(|certs| certs.iter().map(|c| c.to_owned()).collect())
        .unwrap_or_default();
    for c in carried.iter().chain(&trust.intermediates) {
        if untrusted.push(c.clone()).is_err() {
            return Verification::failed(
                Outcome::Invalid,
                "OpenSSL: cannot hold the certificates",
                None,
            );
        }
    }
    let leaf = match p7.signers(&untrusted, Pkcs7Flags::empty()) {
        Ok(signers) if signers.len() > 1 => {
            return Verification::failed(
                Outcome::Invalid,
                format!(
                    "the signature has {} signers; a referral letter has one",
                    signers.len()
                ),
                None,
            );
        }
        Ok(signers) => signers.get(0).map(|c| c.to_owned()),
        Err(_) => None,
    };
    let Some(leaf) = leaf else {
        return Verification::failed(
            Outcome::Invalid,
            "the signer's certificate is neither in the signature nor among the hub's certificates",
            None,
        );
    };
    let signer = leaf.to_der().ok().and_then(|d| signer_of(&d).ok());
    let Some(signer) = signer else {
        return Verification::failed(
            Outcome::Invalid,
            "the signer's certificate does not read",
            None,
        );
    };

    // The SignerInfo's attributes, which OpenSSL checks but does not hand back: from the DER as
    // given (the first value; a BER signature, as a streaming signer writes, re-encoded by OpenSSL).
    let der_bytes = match der::read_raw(signature) {
        Some((whole, tlv, _)) if tlv.tag == der::SEQUENCE => whole.to_vec(),
        _ => match p7.to_der() {
            Ok(d) => d,
            Err(e) => return Verification::failed(Outcome::Invalid, format!("OpenSSL: {e}"), None),
        },
    };
    let Some(info) = cms::signed_data(&der_bytes).and_then(|s| s.signer_infos.into_iter().next())
    else {
        return Verification::failed(
            Outcome::Invalid,
            "the signature's SignerInfo does not read (RFC 5652 §5.3)",
            Some(signer),
        );
    };
    let leaf_der = match leaf.to_der() {
        Ok(d) => d,
        Err(e) => return Verification::failed(Outcome::Invalid, format!("OpenSSL: {e}"), None),
    };
    let mut notes = Vec::new();

    // 2. Over these bytes: the digest attribute and the signature, no chain yet.
    let empty = match X509StoreBuilder::new() {
        Ok(b) => b.build(),
        Err(e) => return Verification::failed(Outcome::Invalid, format!("OpenSSL: {e}"), None),
    };
    let flags = Pkcs7Flags::NOVERIFY | Pkcs7Flags::BINARY | Pkcs7Flags::DETACHED;
    if p7
        .verify(&untrusted, &empty, Some(content), None, flags)
        .is_err()
    {
        return Verification::failed(
            Outcome::Invalid,
            "the signature does not match the document's bytes: altered after signing, or signed over something else",
            Some(signer),
        );
    }

    // 2'. The certificate the signer signed for is the one that verified: the signed ESS
    // attribute binds it by hash, where the sid binds it only by issuer and serial.
    match signing_certificate_matches(&info, &leaf_der) {
        Ok(true) => {}
        Ok(false) => notes.push(
            "the signature has no ESS signing-certificate attribute (CAdES-BES requires one): \
             the signer's certificate is named only by issuer and serial"
                .to_owned(),
        ),
        Err(reason) => return Verification::failed(Outcome::Invalid, reason, Some(signer)),
    }

    // 3. A signing certificate.
    if let Err(reason) = require_non_repudiation(&signer) {
        return Verification::failed(Outcome::Invalid, reason, Some(signer));
    }

    // 4. The time: a trusted timestamp's, else the signer's claim, else now.
    let stamp = match info
        .unsigned(cms::SIGNATURE_TIME_STAMP_TOKEN)
        .and_then(|a| a.values.first())
    {
        None => None,
        Some(token) => match timestamp::check(*token, info.signature, trust) {
            Ok(stamp) => Some(stamp),
            Err(Problem::Broken(reason)) => {
                return Verification::failed(Outcome::Invalid, reason, Some(signer));
            }
            Err(Problem::Untrusted(note)) => {
                notes.push(note);
                None
            }
        },
    };
    let signing_time = signing_time_of(&info);
    let (at, basis) = match (&stamp, signing_time) {
        (Some(s), _) => (s.time, TimeBasis::Timestamp),
        (None, Some(t)) => (t, TimeBasis::SigningTime),
        (None, None) => (now, TimeBasis::Verification),
    };
    let timestamp = stamp.map(|s| Timestamp {
        time: rfc3339(s.time),
        authority: s.authority,
    });

    // 4 and 5. The path at that time, and revocation.
    let trusted_time = (basis == TimeBasis::Timestamp).then_some(at);
    let signing_time_text = signing_time.map(rfc3339);
    let revocation = match judge_path(&leaf, &untrusted, trust, at, trusted_time, &mut notes) {
        Ok(r) => r,
        Err((outcome, reason)) => {
            return Verification {
                signing_time: signing_time_text,
                time_basis: basis,
                notes,
                timestamp,
                ..Verification::failed(outcome, reason, Some(signer))
            };
        }
    };
    Verification {
        outcome: Outcome::Valid,
        reason: None,
        signer: Some(signer),
        signing_time: signing_time_text,
        time_basis: basis,
        revocation,
        notes,
        timestamp,
    }
}

/// Step 3, the same for every signature form: the certificate is a signing one.
pub(crate) fn require_non_repudiation(signer: &Signer) -> Result<(), String> {
    if signer.non_repudiation {
        Ok(())
    } else {
        Err("the certificate is not a signing one (its key usage lacks nonRepudiation)".to_owned())
    }
}

/// Steps 4 and 5, the same for every signature form (CAdES, PAdES through it, XAdES): `leaf`'s
/// path to one of the hub's anchors at `at` (Unix seconds), with `untrusted` (the certificates the
/// signature carries and the hub's intermediates) as helpers, then [`revocation`] against the
/// hub's CRLs when it has any. `trusted_time` is `at` when a timestamp authority vouches for it.
/// Ok says whether revocation was checked; Err is the outcome and the reason for the row.
pub(crate) fn judge_path(
    leaf: &X509,
    untrusted: &StackRef<X509>,
    trust: &Trust,
    at: i64,
    trusted_time: Option<i64>,
    notes: &mut Vec<String>,
) -> Result<Revocation, (Outcome, String)> {
    let store = trust_store(trust, at).map_err(|e| {
        (
            Outcome::Invalid,
            format!("the hub's trust anchors do not load: {e}"),
        )
    })?;
    let checked = X509StoreContext::new().and_then(|mut ctx| {
        ctx.init(&store, leaf, untrusted, |c| {
            let ok = c.verify_cert()?;
            let chain: Vec<X509> = c
                .chain()
                .map(|s| s.iter().map(|x| x.to_owned()).collect())
                .unwrap_or_default();
            Ok((ok, c.error(), chain))
        })
    });
    let (ok, error, chain) = checked.map_err(|e| (Outcome::Invalid, format!("OpenSSL: {e}")))?;
    if !ok {
        return Err(path_failure(error));
    }
    // 5. Revocation, against the CRLs as the hub has them now.
    if trust.crls.is_empty() {
        return Ok(Revocation::NotChecked);
    }
    revocation(&chain, trust, trusted_time, notes).map_err(|r| (Outcome::Invalid, r))?;
    Ok(Revocation::Checked)
}

/// Checks every certificate of `chain` (leaf first, as OpenSSL built it) but its anchor against the
/// hub's CRLs: each needs a CRL its issuer signed (a hub with CRLs but not this issuer's cannot say
/// the certificate is good), and must not be on it. A revocation after a timestamp authority's
/// `trusted_time` leaves the signature good (it was made before, CAdES-T), with a note; with only
/// the signer's own claim of time, any revocation makes it invalid, since a stolen key can
/// backdate.
fn revocation(
    chain: &[X509],
    trust: &Trust,
    trusted_time: Option<i64>,
    notes: &mut Vec<String>,
) -> Result<(), String> {
    for pair in chain.windows(2) {
        let [cert, issuer] = pair else { continue };
        let issuer_name = issuer.subject_name().to_der().ok();
        let key = issuer.public_key().ok();
        let crl = trust.crls.iter().find(|c| {
            c.issuer_name().to_der().ok() == issuer_name
                && key.as_ref().is_some_and(|k| c.verify(k).unwrap_or(false))
        });
        let Some(crl) = crl else {
            return Err(format!(
                "the hub has CRLs but none signed by {}: add the issuer's CRL, or the signature stays unchecked",
                name_of(issuer.subject_name())
            ));
        };
        if let CrlStatus::Revoked(entry) = crl.get_by_serial(cert.serial_number()) {
            let date = entry.revocation_date();
            let after_stamp = trusted_time
                .and_then(|t| Asn1Time::from_unix(t).ok())
                .and_then(|t| t.compare(date).ok())
                .is_some_and(|o| o == std::cmp::Ordering::Less);
            if after_stamp {
                notes.push(format!(
                    "the certificate was revoked on {date}, after the timestamp authority's time of signing: the signature stands"
                ));
            } else {
                return Err(format!(
                    "the certificate is revoked (the issuer's CRL lists it since {date})"
                ));
            }
        }
    }
    Ok(())
}

/// A distinguished name as FieldChart writes it in reasons and `hub check` (`CN=…, O=…`).
pub(crate) fn name_of(n: &openssl::x509::X509NameRef) -> String {
    n.entries()
        .map(|e| {
            let key = e.object().nid().short_name().unwrap_or("?");
            format!("{key}={}", e.data().to_string().unwrap_or_default())
        })
        .collect::<Vec<_>>()
        .join(", ")
}

pub(crate) fn trust_store(
    trust: &Trust,
    at: i64,
) -> Result<openssl::x509::store::X509Store, openssl::error::ErrorStack> {
    let mut builder = X509StoreBuilder::new()?;
    for a in &trust.anchors {
        builder.add_cert(a.clone())?;
    }
    let mut param = X509VerifyParam::new()?;
    param.set_time(at);
    param.set_flags(X509VerifyFlags::X509_STRICT)?;
    builder.set_param(&param)?;
    Ok(builder.build())
}

/// What a failed path means for the row: an anchor the hub does not have is "untrusted", a
/// certificate out of its validity or revoked is "invalid".
pub(crate) fn path_failure(error: X509VerifyResult) -> (Outcome, String) {
    let code = error.as_raw();
    // X509_V_ERR_* (openssl/x509_vfy.h).
    const UNABLE_TO_GET_ISSUER_CERT: i32 = 2;
    const CERT_NOT_YET_VALID: i32 = 9;
    const CERT_HAS_EXPIRED: i32 = 10;
    const DEPTH_ZERO_SELF_SIGNED_CERT: i32 = 18;
    const SELF_SIGNED_CERT_IN_CHAIN: i32 = 19;
    const UNABLE_TO_GET_ISSUER_CERT_LOCALLY: i32 = 20;
    const UNABLE_TO_VERIFY_LEAF_SIGNATURE: i32 = 21;
    const CERT_REVOKED: i32 = 23;
    const UNABLE_TO_GET_CRL: i32 = 3;
    match code {
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

/// The signed signing-time attribute (1.2.840.113549.1.9.5), in seconds since the Unix epoch;
/// None when there is none or it does not read.
fn signing_time_of(info: &SignerInfo<'_>) -> Option<i64> {
    parse_time(*info.signed(cms::SIGNING_TIME)?.values.first()?)
}

/// Whether the signed ESS signing-certificate-v2 (RFC 5035) or signing-certificate (RFC 2634)
/// attribute names `leaf_der`: `Ok(true)` when its first ESSCertID's hash is the certificate's,
/// `Ok(false)` when the signature has neither attribute, `Err` with the reason otherwise.
///
/// ```text
/// SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2, policies … OPTIONAL }
/// ESSCertIDv2 ::= SEQUENCE { hashAlgorithm AlgorithmIdentifier DEFAULT sha256,
///                            certHash OCTET STRING, issuerSerial IssuerSerial OPTIONAL }
/// SigningCertificate ::= SEQUENCE { certs SEQUENCE OF ESSCertID, policies … OPTIONAL }
/// ESSCertID ::= SEQUENCE { certHash OCTET STRING (SHA-1), issuerSerial IssuerSerial OPTIONAL }
/// ```
pub(crate) fn signing_certificate_matches(
    info: &SignerInfo<'_>,
    leaf_der: &[u8],
) -> Result<bool, String> {
    let unreadable =
        || "the signature's ESS signing-certificate attribute does not read".to_owned();
    let (attr, v2) = match (
        info.signed(cms::SIGNING_CERTIFICATE_V2),
        info.signed(cms::SIGNING_CERTIFICATE),
    ) {
        (Some(a), _) => (a, true),
        (None, Some(a)) => (a, false),
        (None, None) => return Ok(false),
    };
    let value = attr
        .values
        .first()
        .filter(|v| v.tag == der::SEQUENCE)
        .ok_or_else(unreadable)?;
    let certs = der::all(value.content)
        .and_then(|f| f.into_iter().next())
        .filter(|c| c.tag == der::SEQUENCE)
        .ok_or_else(unreadable)?;
    // RFC 5035 §3: the first ESSCertID is the signer's.
    let first = der::all(certs.content)
        .and_then(|c| c.into_iter().next())
        .filter(|c| c.tag == der::SEQUENCE)
        .ok_or_else(unreadable)?;
    let fields = der::all(first.content).ok_or_else(unreadable)?;
    let (digest_oid, hash_field) = match fields.as_slice() {
        [alg, h, ..] if v2 && alg.tag == der::SEQUENCE => {
            let oid = der::all(alg.content)
                .and_then(|a| a.into_iter().next())
                .filter(|o| o.tag == der::OID)
                .and_then(|o| der::oid(o.content))
                .ok_or_else(unreadable)?;
            (oid, *h)
        }
        [h, ..] => ((if v2 { cms::SHA256 } else { cms::SHA1 }).to_owned(), *h),
        [] => return Err(unreadable()),
    };
    if hash_field.tag != der::OCTET_STRING {
        return Err(unreadable());
    }
    let digest = cms::digest_of_oid(&digest_oid).ok_or_else(|| {
        format!("the ESS signing-certificate attribute uses a hash this verifier does not know ({digest_oid})")
    })?;
    let actual = openssl::hash::hash(digest, leaf_der).map_err(|e| format!("OpenSSL: {e}"))?;
    if *actual != *hash_field.content {
        return Err(
            "the ESS signing-certificate attribute names another certificate than the one that \
             verified the signature (a substituted certificate)"
                .to_owned(),
        );
    }
    Ok(true)
}

/// UTCTime (YYMMDDHHMMSSZ) or GeneralizedTime (YYYYMMDDHHMMSS[.fff]Z; a timestamp's genTime may
/// carry a fraction, RFC 3161 §2.4.2, which is dropped) to Unix seconds.
pub(crate) fn parse_time(t: der::Tlv<'_>) -> Option<i64> {
    let s = std::str::from_utf8(t.content).ok()?;
    let s = s.strip_suffix('Z')?;
    let s = match s.split_once('.') {
        Some((whole, fraction))
            if t.tag == der::GENERALIZED_TIME
                && !fraction.is_empty()
                && fraction.bytes().all(|b| b.is_ascii_digit()) =>
        {
            whole
        }
        Some(_) => return None,
        None => s,
    };
    let (year, rest) = match t.tag {
        der::UTC_TIME if s.len() == 12 => {
            let yy: i64 = s.get(..2)?.parse().ok()?;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, s.get(2..)?)
        }
        der::GENERALIZED_TIME if s.len() == 14 => (s.get(..4)?.parse().ok()?, s.get(4..)?),
        _ => return None,
    };
    let num = |r: std::ops::Range<usize>| -> Option<i64> { rest.get(r)?.parse().ok() };
    let (month, day, hour, minute, second) =
        (num(0..2)?, num(2..4)?, num(4..6)?, num(6..8)?, num(8..10)?);
    let month = time::Month::try_from(u8::try_from(month).ok()?).ok()?;
    let date =
        time::Date::from_calendar_date(i32::try_from(year).ok()?, month, u8::try_from(day).ok()?)
            .ok()?;
    let clock = time::Time::from_hms(
        u8::try_from(hour).ok()?,
        u8::try_from(minute).ok()?,
        u8::try_from(second).ok()?,
    )
    .ok()?;
    Some(
        time::PrimitiveDateTime::new(date, clock)
            .assume_utc()
            .unix_timestamp(),
    )
}

pub(crate) fn rfc3339(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| unix.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cms::{Attribute, attribute};

    /// A SignerInfo with one signed attribute (`oid`, `value`), and the bytes it borrows from.
    fn with_attribute(oid: &str, value: Vec<u8>) -> Vec<u8> {
        attribute(oid, value)
    }

    fn info(attr: &[u8]) -> SignerInfo<'_> {
        let seq = der::one(attr, der::SEQUENCE).unwrap();
        let [kind, values] = der::all(seq.content).unwrap()[..] else {
            panic!()
        };
        SignerInfo {
            signed_attrs: vec![Attribute {
                oid: der::oid(kind.content).unwrap(),
                values: der::all(values.content).unwrap(),
            }],
            signature: &[],
            unsigned_attrs: Vec::new(),
        }
    }

    fn ess_v1(hash: &[u8]) -> Vec<u8> {
        let id = der::write(der::SEQUENCE, &der::write(der::OCTET_STRING, hash));
        der::write(der::SEQUENCE, &der::write(der::SEQUENCE, &id))
    }

    #[test]
    fn the_v1_attribute_is_checked_with_sha1() {
        let cert = b"a certificate's DER stands in here";
        let sha1 = openssl::hash::hash(openssl::hash::MessageDigest::sha1(), cert).unwrap();
        let good = with_attribute(cms::SIGNING_CERTIFICATE, ess_v1(&sha1));
        assert_eq!(signing_certificate_matches(&info(&good), cert), Ok(true));
        let bad = with_attribute(cms::SIGNING_CERTIFICATE, ess_v1(&[0; 20]));
        assert!(signing_certificate_matches(&info(&bad), cert).is_err());
    }

    #[test]
    fn a_v2_attribute_with_an_explicit_hash_algorithm_uses_it() {
        let cert = b"a certificate's DER stands in here";
        let sha512 = openssl::hash::hash(openssl::hash::MessageDigest::sha512(), cert).unwrap();
        let id = der::write(
            der::SEQUENCE,
            &[
                cms::algorithm(cms::SHA512),
                der::write(der::OCTET_STRING, &sha512),
            ]
            .concat(),
        );
        let value = der::write(der::SEQUENCE, &der::write(der::SEQUENCE, &id));
        let a = with_attribute(cms::SIGNING_CERTIFICATE_V2, value);
        assert_eq!(signing_certificate_matches(&info(&a), cert), Ok(true));
    }

    #[test]
    fn an_unreadable_attribute_is_a_reason_not_a_panic() {
        let a = with_attribute(cms::SIGNING_CERTIFICATE_V2, der::write(der::NULL, &[]));
        let e = signing_certificate_matches(&info(&a), b"x").unwrap_err();
        assert!(e.contains("does not read"), "{e}");
    }
}
