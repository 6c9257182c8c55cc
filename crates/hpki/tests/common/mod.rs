//! The test HPKI CA the integration tests share: an HPKI-shaped root, signing certificates
//! carrying the CP's hcRole, OpenSSL's CMS signer (what a hospital's signing module produces), and
//! a CRL. Each test binary uses part of it.
#![allow(dead_code)]

use fieldchart_hpki::Trust;
use openssl::pkcs7::{Pkcs7, Pkcs7Flags};
use openssl::pkey::PKey;
use openssl::stack::Stack;
use openssl::x509::X509;
use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, CustomExtension, DnType,
    IsCa, Issuer, KeyIdMethod, KeyPair, KeyUsagePurpose, RevokedCertParams, SerialNumber,
};
use time::{Duration, OffsetDateTime};

pub const LETTER: &[u8] = "診療情報提供書\n紹介目的: 災害に伴う避難のため…\n".as_bytes();

pub struct Ca {
    pub params: CertificateParams,
    pub key: KeyPair,
    pub cert: X509,
}

/// A CA certificate's parameters: `name` under the test organisation, ten years either side of now.
fn ca_params(name: &str) -> CertificateParams {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.distinguished_name.push(DnType::CommonName, name);
    params
        .distinguished_name
        .push(DnType::OrganizationName, "Test HPKI CA (not real)");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    params.not_before = OffsetDateTime::now_utc() - Duration::days(3650);
    params.not_after = OffsetDateTime::now_utc() + Duration::days(3650);
    params
}

impl Ca {
    pub fn new(name: &str) -> Ca {
        let key = KeyPair::generate().unwrap();
        let params = ca_params(name);
        let cert = params.self_signed(&key).unwrap();
        let cert = X509::from_der(cert.der()).unwrap();
        Ca { params, key, cert }
    }

    /// An intermediate CA under this one, as HPKI's signing CAs sit under its root.
    pub fn intermediate(&self, name: &str) -> Ca {
        let key = KeyPair::generate().unwrap();
        let mut params = ca_params(name);
        params.use_authority_key_identifier_extension = true;
        let cert = params.signed_by(&key, &self.issuer()).unwrap();
        let cert = X509::from_der(cert.der()).unwrap();
        Ca { params, key, cert }
    }

    pub fn issuer(&self) -> Issuer<'_, &KeyPair> {
        Issuer::from_params(&self.params, &self.key)
    }

    /// A signing certificate for `name` with the hcRole `role`, valid from `from` for `days`
    /// (an ECDSA P-256 key).
    pub fn signer(
        &self,
        name: &str,
        role: &str,
        serial: u64,
        from: OffsetDateTime,
        days: i64,
        non_repudiation: bool,
    ) -> (X509, PKey<openssl::pkey::Private>) {
        let key = KeyPair::generate().unwrap();
        self.signer_with(key, name, role, serial, from, days, non_repudiation)
    }

    /// As [`Ca::signer`], with an RSA 2048 key (HPKI's; what `sign_detached` signs with).
    pub fn rsa_signer(
        &self,
        name: &str,
        role: &str,
        serial: u64,
        from: OffsetDateTime,
        days: i64,
    ) -> (X509, PKey<openssl::pkey::Private>) {
        let key = KeyPair::from_pem(&rsa_key_pem()).unwrap();
        self.signer_with(key, name, role, serial, from, days, true)
    }

    /// A signing certificate for `key`.
    #[allow(clippy::too_many_arguments)]
    pub fn signer_with(
        &self,
        key: KeyPair,
        name: &str,
        role: &str,
        serial: u64,
        from: OffsetDateTime,
        days: i64,
        non_repudiation: bool,
    ) -> (X509, PKey<openssl::pkey::Private>) {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name.push(DnType::CommonName, name);
        params.distinguished_name.push(
            DnType::OrganizationName,
            "Ishinomaki Minato General Hospital",
        );
        params.serial_number = Some(SerialNumber::from(serial));
        params.key_usages = if non_repudiation {
            vec![
                KeyUsagePurpose::DigitalSignature,
                KeyUsagePurpose::ContentCommitment,
            ]
        } else {
            vec![KeyUsagePurpose::DigitalSignature]
        };
        params.custom_extensions = vec![CustomExtension::from_oid_content(
            &[2, 5, 29, 9],
            fieldchart_hpki::hc_role_extension(&[role]),
        )];
        params.not_before = from;
        params.not_after = from + Duration::days(days);
        // As a real CA writes it (RFC 5280 4.2.1.1; OpenSSL's strict mode requires it).
        params.use_authority_key_identifier_extension = true;
        let cert = params.signed_by(&key, &self.issuer()).unwrap();
        let cert = X509::from_der(cert.der()).unwrap();
        let pkey = PKey::private_key_from_pem(key.serialize_pem().as_bytes()).unwrap();
        (cert, pkey)
    }

    /// A CRL listing `serials`, written to a file in `dir`.
    pub fn crl(&self, serials: &[u64], dir: &std::path::Path) -> std::path::PathBuf {
        let now = OffsetDateTime::now_utc();
        let params = CertificateRevocationListParams {
            this_update: now - Duration::days(1),
            next_update: now + Duration::days(30),
            crl_number: SerialNumber::from(1u64),
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
        };
        let crl = params.signed_by(&self.issuer()).unwrap();
        let path = dir.join("test-ca.crl.pem");
        std::fs::write(&path, crl.pem().unwrap()).unwrap();
        path
    }
}

/// A detached CMS signature (DER) over `content`, with the signer's certificate and a signed
/// signing-time attribute, as a signing module makes it.
pub fn sign(content: &[u8], cert: &X509, key: &PKey<openssl::pkey::Private>) -> Vec<u8> {
    let certs = Stack::new().unwrap();
    let flags = Pkcs7Flags::DETACHED | Pkcs7Flags::BINARY;
    Pkcs7::sign(cert, key, &certs, content, flags)
        .unwrap()
        .to_der()
        .unwrap()
}

/// A new RSA 2048 private key, PKCS#8 PEM.
pub fn rsa_key_pem() -> String {
    let rsa = PKey::from_rsa(openssl::rsa::Rsa::generate(2048).unwrap()).unwrap();
    String::from_utf8(rsa.private_key_to_pem_pkcs8().unwrap()).unwrap()
}

pub fn trust(ca: &Ca) -> Trust {
    Trust {
        anchors: vec![ca.cert.clone()],
        ..Trust::default()
    }
}

pub fn now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

pub fn recently() -> OffsetDateTime {
    OffsetDateTime::now_utc() - Duration::days(30)
}

/// Asserts that `v` names the test physician every CA here issues for: ONO ERI, 医師, of the
/// hospital in her certificate's O.
pub fn assert_signed_by_ono(v: &fieldchart_hpki::Verification) {
    let signer = v
        .signer
        .as_ref()
        .expect("a verified signature names its signer");
    assert_eq!(signer.name.as_deref(), Some("ONO ERI"));
    assert_eq!(
        signer.organization.as_deref(),
        Some("Ishinomaki Minato General Hospital")
    );
    assert!(signer.is_physician());
    assert_eq!(signer.roles[0].japanese(), Some("医師"));
}
