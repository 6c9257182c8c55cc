//! Key files: created owner-only, never overwritten, read back; trusted keys and recipients parsed
//! from what the commands print; passphrase files.

use std::path::Path;

use age::secrecy::ExposeSecret;
use fieldchart_vault::{
    TrustedKey, VaultError, generate_device_identity, generate_signing_key, load_identity,
    load_signing_key, parse_recipient, read_passphrase_file,
};

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).expect("meta").permissions().mode() & 0o777
}

#[test]
fn a_device_key_is_owner_only_and_loads_back_to_its_printed_recipient() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("laptop.key");
    let recipient = generate_device_identity(&path).expect("generates");
    assert!(recipient.starts_with("age1"), "{recipient}");
    #[cfg(unix)]
    assert_eq!(mode(&path), 0o600);
    let identity = load_identity(&path).expect("loads");
    assert_eq!(identity.to_public().to_string(), recipient);
    assert_eq!(
        parse_recipient(&format!(" {recipient}\n"))
            .expect("parses")
            .to_string(),
        recipient
    );
    let text = std::fs::read_to_string(&path).expect("read");
    assert!(text.contains(&format!("# public key: {recipient}")));
}

#[test]
fn a_signing_key_is_owner_only_and_loads_back_to_its_printed_public_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("hub.sign");
    let public = generate_signing_key(&path).expect("generates");
    assert!(
        public.starts_with("fcsig1") && !public.contains(char::is_whitespace),
        "{public}"
    );
    #[cfg(unix)]
    assert_eq!(mode(&path), 0o600);
    let key = load_signing_key(&path).expect("loads");
    assert_eq!(key.trusted_key().to_string(), public);
    assert_eq!(
        TrustedKey::parse(&public).expect("parses"),
        key.trusted_key()
    );
    // Debug output shows the public key only.
    let debug = format!("{key:?}");
    let text = std::fs::read_to_string(&path).expect("read");
    let secret_line = text.lines().last().expect("key line");
    assert!(
        debug.contains(&public) && !debug.contains(secret_line),
        "{debug}"
    );
}

#[test]
fn an_existing_key_file_is_never_overwritten() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("laptop.key");
    generate_device_identity(&path).expect("first");
    let before = std::fs::read(&path).expect("read");
    for err in [
        generate_device_identity(&path).expect_err("refused"),
        generate_signing_key(&path).expect_err("refused"),
    ] {
        assert!(matches!(err, VaultError::KeyExists { .. }), "{err}");
        assert_eq!(err.failure(), fieldchart_failure::Failure::Exists);
    }
    assert_eq!(std::fs::read(&path).expect("read"), before);
}

#[test]
fn a_trusted_key_is_read_from_a_file_holding_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let public = generate_signing_key(&dir.path().join("hub.sign")).expect("generates");
    let file = dir.path().join("hub.pub");
    std::fs::write(&file, format!("# Kanto regional hub, 2025\n\n{public}\n")).expect("write");
    let from_file = TrustedKey::parse(file.to_str().expect("utf-8 path")).expect("parses");
    assert_eq!(from_file, TrustedKey::parse(&public).expect("parses"));
}

#[test]
fn the_secret_signing_key_is_refused_where_a_trusted_key_is_wanted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("hub.sign");
    generate_signing_key(&path).expect("generates");
    let err = TrustedKey::parse(path.to_str().expect("utf-8 path")).expect_err("refused");
    assert!(matches!(err, VaultError::BadKey { .. }), "{err}");
    assert!(err.to_string().contains("secret signing key"), "{err}");
    assert_eq!(err.failure(), fieldchart_failure::Failure::BadKey);
}

#[test]
fn mistyped_keys_and_recipients_are_bad_keys() {
    let dir = tempfile::tempdir().expect("tempdir");
    let public = generate_signing_key(&dir.path().join("hub.sign")).expect("generates");
    let recipient = generate_device_identity(&dir.path().join("laptop.key")).expect("generates");
    let bad = [
        TrustedKey::parse(&public[..public.len() - 1]).map(|_| ()),
        TrustedKey::parse("fcsig1!!!!").map(|_| ()),
        TrustedKey::parse("no-such-file.pub").map(|_| ()),
        parse_recipient(&recipient[..recipient.len() - 1]).map(|_| ()),
        parse_recipient(&public).map(|_| ()),
        load_signing_key(&dir.path().join("laptop.key")).map(|_| ()),
        load_identity(&dir.path().join("hub.sign")).map(|_| ()),
    ];
    for (i, result) in bad.into_iter().enumerate() {
        let err = result.expect_err("refused");
        assert!(matches!(err, VaultError::BadKey { .. }), "case {i}: {err}");
        assert_eq!(err.failure(), fieldchart_failure::Failure::BadKey);
    }
}

#[test]
fn the_wrong_file_type_error_never_shows_the_secret() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("laptop.key");
    generate_device_identity(&path).expect("generates");
    let err = load_signing_key(&path).expect_err("refused");
    let text = std::fs::read_to_string(&path).expect("read");
    let secret = text.lines().last().expect("key line");
    assert!(!err.to_string().contains(secret));
}

#[test]
fn a_missing_key_file_is_an_io_error() {
    let err = load_identity(Path::new("/nonexistent/laptop.key"))
        .err()
        .expect("missing");
    assert!(matches!(err, VaultError::Io { .. }), "{err}");
    assert_eq!(err.failure(), fieldchart_failure::Failure::Io);
}

#[test]
fn a_passphrase_file_loses_exactly_one_trailing_newline() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("pass");
    for (content, expected) in [
        ("避難所 2025\n", "避難所 2025"),
        ("with crlf\r\n", "with crlf"),
        ("two newlines\n\n", "two newlines\n"),
        ("no newline", "no newline"),
        (" spaces kept ", " spaces kept "),
    ] {
        std::fs::write(&path, content).expect("write");
        let secret = read_passphrase_file(&path).expect("reads");
        assert_eq!(secret.expose_secret(), expected);
    }
    for empty in ["", "\n"] {
        std::fs::write(&path, empty).expect("write");
        let err = read_passphrase_file(&path).expect_err("empty");
        assert!(matches!(err, VaultError::BadKey { .. }), "{err}");
    }
}
