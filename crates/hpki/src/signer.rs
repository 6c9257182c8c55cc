//! Who signed: the certificate's subject, its facility, and its ISO 17090 hcRole, as the MHLW HPKI
//! certificate policy encodes it (docs/hpki.md "The signer"):
//!
//! ```text
//! subjectDirectoryAttributes (2.5.29.9) ::= SEQUENCE OF Attribute
//! Attribute ::= SEQUENCE { type id-hcpki-at-healthcareactor (1.0.17090.0.1), values SET OF HCActor }
//! HCActor   ::= SEQUENCE { codedData [0] CodedData, regionalHCActorData [1] … OPTIONAL }
//! CodedData ::= SET { codingSchemeReference [0] OBJECT IDENTIFIER,
//!                     codeDataValue [1] NumericString OPTIONAL, codeDataFreeText [2] DirectoryString }
//! ```
//!
//! The tags are explicit. The Japanese coding scheme is id-jhpki-cdata 1.2.392.100495.1.6.1.1 and
//! the free text the qualification's English name ("Medical Doctor", "Pharmacist", …).

use serde::Serialize;
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::HpkiError;
use crate::der::{self, Tlv};

/// subjectDirectoryAttributes.
pub const SUBJECT_DIRECTORY_ATTRIBUTES: &str = "2.5.29.9";
/// id-hcpki-at-healthcareactor: the attribute holding hcRole.
pub const HEALTHCARE_ACTOR: &str = "1.0.17090.0.1";
/// id-jhpki-cdata: the Japanese HPKI's coding scheme for the qualification.
pub const JHPKI_CODING_SCHEME: &str = "1.2.392.100495.1.6.1.1";

/// One qualification the certificate asserts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HcRole {
    /// The coding scheme's OID (the Japanese HPKI's is [`JHPKI_CODING_SCHEME`]).
    pub scheme: String,
    /// The qualification's name as written in the certificate.
    pub name: String,
}

impl HcRole {
    /// A physician's qualification (医師). Only the name the CP writes for it counts: a name this
    /// code does not know is never taken for one.
    pub fn is_physician(&self) -> bool {
        self.scheme == JHPKI_CODING_SCHEME && self.name == "Medical Doctor"
    }

    /// The qualification in Japanese, for the names the sources confirm (docs/hpki.md); None for
    /// any other, which is then shown as written.
    pub fn japanese(&self) -> Option<&'static str> {
        if self.scheme != JHPKI_CODING_SCHEME {
            return None;
        }
        Some(match self.name.as_str() {
            "Medical Doctor" => "医師",
            "Pharmacist" => "薬剤師",
            "Director of Hospital" => "病院長",
            "Director of Clinic" => "診療所院長",
            _ => return None,
        })
    }
}

/// The signer, as the certificate names them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Signer {
    /// The subject's commonName (CN), as written.
    pub name: Option<String>,
    /// The subject's organizationName (O): the facility, when the certificate has one.
    pub organization: Option<String>,
    pub roles: Vec<HcRole>,
    /// The issuer's distinguished name, as OpenSSL prints it (RFC 4514).
    pub issuer: String,
    /// The certificate's serial number, hexadecimal.
    pub serial: String,
    /// Whether key usage includes nonRepudiation (contentCommitment): a signing certificate's.
    pub non_repudiation: bool,
    /// The certificate's validity, RFC 3339.
    pub not_before: String,
    pub not_after: String,
}

impl Signer {
    /// Whether any asserted qualification is a physician's.
    pub fn is_physician(&self) -> bool {
        self.roles.iter().any(HcRole::is_physician)
    }
}

/// Reads the signer from a certificate (DER).
pub fn signer_of(cert_der: &[u8]) -> Result<Signer, HpkiError> {
    let (_, cert) = X509Certificate::from_der(cert_der)
        .map_err(|e| HpkiError::Certificate(format!("the certificate does not read: {e}")))?;
    let first = |it: &mut dyn Iterator<Item = &x509_parser::x509::AttributeTypeAndValue<'_>>| {
        it.next().and_then(|a| a.as_str().ok()).map(str::to_owned)
    };
    let name = first(&mut cert.subject().iter_common_name());
    let organization = first(&mut cert.subject().iter_organization());
    let non_repudiation = match cert.key_usage() {
        Ok(Some(ku)) => ku.value.non_repudiation(),
        Ok(None) => false,
        Err(e) => {
            return Err(HpkiError::Certificate(format!(
                "its key usage does not read: {e}"
            )));
        }
    };
    let mut roles = Vec::new();
    for ext in cert.extensions() {
        if ext.oid.to_id_string() == SUBJECT_DIRECTORY_ATTRIBUTES {
            roles.extend(hc_roles(ext.value).ok_or_else(|| {
                HpkiError::Certificate(
                    "its subjectDirectoryAttributes (hcRole) does not read as the HPKI CP encodes it"
                        .into(),
                )
            })?);
        }
    }
    let time = |t: &x509_parser::time::ASN1Time| {
        t.to_datetime()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_else(|_| t.to_string())
    };
    Ok(Signer {
        name,
        organization,
        roles,
        issuer: cert.issuer().to_string(),
        serial: cert.raw_serial_as_string().replace(':', ""),
        non_repudiation,
        not_before: time(&cert.validity().not_before),
        not_after: time(&cert.validity().not_after),
    })
}

/// The hcRoles of a subjectDirectoryAttributes extension's value; None when it does not read.
/// Attributes of other types are passed over.
pub(crate) fn hc_roles(value: &[u8]) -> Option<Vec<HcRole>> {
    let attributes = der::one(value, der::SEQUENCE)?;
    let mut roles = Vec::new();
    for attribute in der::all(attributes.content)? {
        if attribute.tag != der::SEQUENCE {
            return None;
        }
        let [kind, values] = der::all(attribute.content)?[..] else {
            return None;
        };
        if kind.tag != der::OID || values.tag != der::SET {
            return None;
        }
        if der::oid(kind.content)? != HEALTHCARE_ACTOR {
            continue;
        }
        for actor in der::all(values.content)? {
            roles.push(hc_actor(actor)?);
        }
    }
    Some(roles)
}

fn hc_actor(actor: Tlv<'_>) -> Option<HcRole> {
    if actor.tag != der::SEQUENCE {
        return None;
    }
    let parts = der::all(actor.content)?;
    let coded = parts.iter().find(|p| p.tag == der::context(0))?;
    let coded = der::one(coded.content, der::SET)?;
    let mut scheme = None;
    let mut name = None;
    for field in der::all(coded.content)? {
        if field.tag == der::context(0) {
            let inner = der::one(field.content, der::OID)?;
            scheme = Some(der::oid(inner.content)?);
        } else if field.tag == der::context(2) {
            let (inner, rest) = der::read(field.content)?;
            if !rest.is_empty() {
                return None;
            }
            name = Some(der::text(inner)?);
        }
    }
    Some(HcRole {
        scheme: scheme?,
        name: name?,
    })
}

/// The subjectDirectoryAttributes extension value an HPKI CA writes for these qualifications (the
/// CP's encoding above, in the Japanese coding scheme): for a test or drill CA, which must write
/// what a real one writes. Never for a real certificate: FieldChart issues none.
pub fn hc_role_extension(names: &[&str]) -> Vec<u8> {
    let scheme = der::oid_content(JHPKI_CODING_SCHEME).unwrap_or_default();
    let actors: Vec<u8> = names
        .iter()
        .flat_map(|name| {
            let coded = der::write(
                der::SET,
                &[
                    der::write(der::context(0), &der::write(der::OID, &scheme)),
                    der::write(
                        der::context(2),
                        &der::write(der::UTF8_STRING, name.as_bytes()),
                    ),
                ]
                .concat(),
            );
            der::write(der::SEQUENCE, &der::write(der::context(0), &coded))
        })
        .collect();
    let attribute = der::write(
        der::SEQUENCE,
        &[
            der::write(
                der::OID,
                &der::oid_content(HEALTHCARE_ACTOR).unwrap_or_default(),
            ),
            der::write(der::SET, &actors),
        ]
        .concat(),
    );
    der::write(der::SEQUENCE, &attribute)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The extension value an HPKI CA writes for one qualification (built by hand from the CP's
    /// ASN.1, so the reader is checked against the encoding, not against its own writer).
    fn value(name: &str) -> Vec<u8> {
        hc_role_extension(&[name])
    }

    #[test]
    fn the_encoding_is_the_cps_byte_for_byte() {
        // SEQUENCE { SEQUENCE { OID 1.0.17090.0.1, SET { SEQUENCE { [0] { SET {
        //   [0] { OID 1.2.392.100495.1.6.1.1 }, [2] { UTF8String "Pharmacist" } } } } } } }
        let v = value("Pharmacist");
        assert_eq!(&v[..4], &[0x30, 0x2e, 0x30, 0x2c]);
        assert_eq!(&v[4..12], &[0x06, 0x06, 0x28, 0x81, 0x85, 0x42, 0x00, 0x01]);
        assert!(v.windows(10).any(|w| w == b"Pharmacist"));
    }

    #[test]
    fn reads_the_qualification_as_the_cp_encodes_it() {
        let roles = hc_roles(&value("Medical Doctor")).unwrap();
        assert_eq!(
            roles,
            [HcRole {
                scheme: JHPKI_CODING_SCHEME.into(),
                name: "Medical Doctor".into()
            }]
        );
        assert!(roles[0].is_physician());
        assert_eq!(roles[0].japanese(), Some("医師"));
        let pharmacist = hc_roles(&value("Pharmacist")).unwrap();
        assert!(!pharmacist[0].is_physician());
        assert_eq!(pharmacist[0].japanese(), Some("薬剤師"));
        let unknown = hc_roles(&value("Radiographer")).unwrap();
        assert_eq!(
            unknown[0].japanese(),
            None,
            "shown as written, never guessed"
        );
    }

    #[test]
    fn a_damaged_extension_reads_as_nothing() {
        let mut v = value("Medical Doctor");
        v.truncate(v.len() - 3);
        assert_eq!(hc_roles(&v), None);
        assert_eq!(hc_roles(&[]), None);
    }

    proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..96)) {
            let _ = hc_roles(&bytes);
        }
    }
}
