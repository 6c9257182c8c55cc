//! HPKI signatures on medical documents (issue 16 §1; docs/hpki.md).
//!
//! - [`signer`]: who signed — the certificate's subject, facility and ISO 17090 hcRole
//!   (qualification), read as the MHLW HPKI certificate policy encodes it;
//! - [`cades`]: a detached CAdES (CMS SignedData) signature over a document's exact bytes, checked
//!   against the trust anchors and CRLs the hub configures, with one of the four results a
//!   document's row shows (valid, invalid with the reason, untrusted CA, unsigned);
//! - [`pades`]: the same check for a PAdES signature inside a PDF (its `/ByteRange`);
//! - [`sign`]: a deterministic detached CAdES-BES signature, for the drill region's letters;
//! - [`sign_xades`]: a deterministic enveloped XAdES-BES signature in a CDA letter, the same;
//! - [`recheck`]: the laptop's offline re-check that a signature the hub judged is over the bytes
//!   it shows, by the certificate the hub judged;
//! - [`xades`]: an enveloped XAdES signature (XML Signature) inside a CDA letter, with its own
//!   canonical XML, judged by the same path and revocation checks as CAdES, and its re-check;
//! - [`trust`]: the hub's anchors, intermediates and CRLs read from the files it configures.
//!
//! Architecture invariant: a leaf. It reads certificates and signatures handed to it and knows
//! nothing of SS-MIX2 folders, snapshots or the viewer. Nothing here panics on bad input: a
//! signature or certificate that does not read is an invalid result with its reason.

pub mod cades;
mod cms;
mod der;
pub mod pades;
pub mod recheck;
pub mod sign;
pub mod sign_xades;
pub mod signer;
mod timestamp;
pub mod trust;
pub mod xades;

pub use cades::{Outcome, Revocation, TimeBasis, Timestamp, Trust, Verification, verify_detached};
pub use pades::verify_pdf;
pub use recheck::{Rechecked, recheck_detached};
pub use sign::sign_detached;
pub use sign_xades::{SIGNATURE_ID as XADES_SIGNATURE_ID, sign_enveloped_xml};
pub use signer::{HcRole, Signer, hc_role_extension, signer_of};
pub use trust::{TrustFiles, load_trust};
pub use xades::{recheck_enveloped_xml, verify_enveloped_xml};

/// Why a certificate could not be read, or a signature not made.
#[derive(Debug, thiserror::Error)]
pub enum HpkiError {
    #[error("{0}")]
    Certificate(String),
    /// [`sign_detached`] could not sign: the message says which input is at fault.
    #[error("cannot sign: {0}")]
    Signing(String),
}
