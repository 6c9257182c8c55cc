//! The hub folder as an operator makes and edits it: `init`, then `hub.toml` filled in, read back
//! with every fault named by its line.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use fieldchart_failure::Failure;
use fieldchart_hub::{HubConfig, HubError, init};

/// A new hub in `dir/hub` with one facility whose root exists, and `extra` appended to hub.toml.
fn hub_with(dir: &Path, facility: &str, extra: &str) -> std::path::PathBuf {
    let hub = dir.join("hub");
    init(&hub, "石巻地域ハブ").unwrap();
    let root = dir.join("ssmix2").join("standard");
    fs::create_dir_all(&root).unwrap();
    let config = hub.join("hub.toml");
    let mut text = fs::read_to_string(&config).unwrap();
    text = text.replace("laptops = []\n", "");
    text.push_str(&format!(
        "laptops = [\"{}\"]\n\n[[facility]]\ncode = \"{facility}\"\nname = \"石巻みなと総合病院\"\nroots = [\"{}\"]\n{extra}",
        laptop(dir),
        root.display()
    ));
    fs::write(&config, text).unwrap();
    hub
}

fn laptop(dir: &Path) -> String {
    let key = dir.join("laptop.key");
    if key.exists() {
        let identity = fieldchart_vault::load_identity(&key).unwrap();
        return identity.to_public().to_string();
    }
    fieldchart_vault::generate_device_identity(&key).unwrap()
}

fn fault(hub: &Path) -> (Option<usize>, String) {
    match HubConfig::read(hub) {
        Err(e @ HubError::Config { .. }) => {
            assert_eq!(e.failure(), Failure::Usage);
            let HubError::Config { at, reason, .. } = e else {
                unreachable!()
            };
            (at.map(|p| p.line), reason)
        }
        other => panic!("expected a configuration fault, got {other:?}"),
    }
}

fn line_of(hub: &Path, needle: &str) -> usize {
    let text = fs::read_to_string(hub.join("hub.toml")).unwrap();
    text.lines()
        .position(|l| l.contains(needle))
        .map(|i| i + 1)
        .unwrap_or_else(|| panic!("{needle} is not in hub.toml"))
}

#[test]
fn init_makes_secret_keys_and_a_config_and_never_overwrites_them() {
    let dir = tempfile::tempdir().unwrap();
    let hub = dir.path().join("hub");
    let made = init(&hub, "石巻地域ハブ").unwrap();
    assert!(
        made.signing_public
            .starts_with(fieldchart_vault::PUBLIC_KEY_PREFIX),
        "{}",
        made.signing_public
    );
    let published = fs::read_to_string(hub.join("keys/signing.pub")).unwrap();
    fieldchart_vault::TrustedKey::parse(published.trim()).unwrap();
    assert!(made.audit_recipient.starts_with("age1"));
    assert!(made.own_recipient.starts_with("age1"));
    assert_ne!(made.audit_recipient, made.own_recipient);
    let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&hub.join("keys")), 0o700);
    for key in ["signing.key", "audit.key", "hub.key"] {
        assert_eq!(mode(&hub.join("keys").join(key)), 0o600, "{key}");
    }
    let before = fs::read(hub.join("keys/signing.key")).unwrap();
    let again = init(&hub, "other").unwrap_err();
    assert_eq!(again.failure(), Failure::Exists, "{again}");
    assert_eq!(fs::read(hub.join("keys/signing.key")).unwrap(), before);
}

#[test]
fn a_new_hub_asks_for_its_facilities() {
    let dir = tempfile::tempdir().unwrap();
    let hub = dir.path().join("hub");
    init(&hub, "h").unwrap();
    let (_, reason) = fault(&hub);
    assert!(reason.contains("[[facility]]"), "{reason}");
}

#[test]
fn a_filled_in_hub_resolves_with_its_own_recipient_and_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let hub = hub_with(dir.path(), "0410610011", "");
    let r = HubConfig::read(&hub).unwrap();
    assert_eq!(r.name, "石巻地域ハブ");
    assert_eq!((r.valid_days, r.history_years), (30, 5));
    assert_eq!(r.facilities.len(), 1);
    assert_eq!(r.facilities[0].code, "0410610011");
    assert_eq!(r.laptops, [laptop(dir.path())]);
    assert!(r.own_recipient.starts_with("age1"));
    assert!(!r.laptops.contains(&r.own_recipient));
    assert!(r.signing_key.is_absolute());
    assert_eq!(r.policy, None);
}

#[test]
fn an_unknown_key_is_an_error_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let hub = hub_with(dir.path(), "0410610011", "\n[snapshot2]\nvalid_days = 3\n");
    let (line, reason) = fault(&hub);
    assert_eq!(line, Some(line_of(&hub, "[snapshot2]")), "{reason}");
    assert!(reason.contains("snapshot2"), "{reason}");

    let dir = tempfile::tempdir().unwrap();
    let hub = hub_with(dir.path(), "0410610011", "");
    let config = hub.join("hub.toml");
    let text = fs::read_to_string(&config)
        .unwrap()
        .replace("valid_days = 30", "valid_day = 30");
    fs::write(&config, text).unwrap();
    let (line, reason) = fault(&hub);
    assert_eq!(line, Some(line_of(&hub, "valid_day = 30")), "{reason}");
}

#[test]
fn each_bad_value_names_its_line() {
    let cases: [(&str, &str, &str); 4] = [
        ("041061001", "", "10-digit"),
        (
            "0410610011",
            "\n[[facility]]\ncode = \"0410610011\"\nname = \"again\"\nroots = [\"/\"]\n",
            "twice",
        ),
        (
            "0410610011",
            "\n[[facility]]\ncode = \"0420000000\"\nname = \"x\"\nroots = [\"/no/such/root\"]\n",
            "is the share mounted",
        ),
        (
            "0410610011",
            "\n[[facility]]\ncode = \"0420000000\"\nname = \" \"\nroots = [\"/\"]\n",
            "empty name",
        ),
    ];
    for (code, extra, says) in cases {
        let dir = tempfile::tempdir().unwrap();
        let hub = hub_with(dir.path(), code, extra);
        let (line, reason) = fault(&hub);
        assert!(reason.contains(says), "{code} {extra:?}: {reason}");
        assert!(line.is_some(), "{reason}");
    }
}

#[test]
fn a_bad_laptop_key_and_an_out_of_range_validity_name_their_lines() {
    let dir = tempfile::tempdir().unwrap();
    let hub = hub_with(dir.path(), "0410610011", "");
    let config = hub.join("hub.toml");
    let good = laptop(dir.path());
    let text = fs::read_to_string(&config).unwrap().replace(
        &format!("laptops = [\"{good}\"]"),
        "laptops = [\n  \"age1notakey\",\n]",
    );
    fs::write(&config, text).unwrap();
    let (line, reason) = fault(&hub);
    assert_eq!(line, Some(line_of(&hub, "age1notakey")), "{reason}");

    let dir = tempfile::tempdir().unwrap();
    let hub = hub_with(dir.path(), "0410610011", "");
    let config = hub.join("hub.toml");
    let text = fs::read_to_string(&config)
        .unwrap()
        .replace("valid_days = 30", "valid_days = 0");
    fs::write(&config, text).unwrap();
    let (line, reason) = fault(&hub);
    assert_eq!(line, Some(line_of(&hub, "valid_days = 0")), "{reason}");
}

#[test]
fn a_missing_key_and_a_broken_policy_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let hub = hub_with(dir.path(), "0410610011", "");
    fs::remove_file(hub.join("keys/audit.key")).unwrap();
    let (_, reason) = fault(&hub);
    assert!(reason.starts_with("[keys] audit"), "{reason}");

    let dir = tempfile::tempdir().unwrap();
    let hub = hub_with(dir.path(), "0410610011", "");
    fs::write(
        hub.join("policy.toml"),
        "version = 1\nnot_a_policy_key = true\n",
    )
    .unwrap();
    let config = hub.join("hub.toml");
    let text = fs::read_to_string(&config)
        .unwrap()
        .replace("# file = \"policy.toml\"", "file = \"policy.toml\"");
    fs::write(&config, text).unwrap();
    let (line, reason) = fault(&hub);
    assert_eq!(
        line,
        Some(line_of(&hub, "file = \"policy.toml\"")),
        "{reason}"
    );
    assert!(reason.contains("policy.toml"), "{reason}");
}

/// Every table and key the new hub.toml writes (commented-out ones included) is documented in
/// docs/hub.md, in its table's section.
#[test]
fn every_key_of_the_written_config_is_in_docs_hub_md() {
    let dir = tempfile::tempdir().unwrap();
    let hub = dir.path().join("hub");
    init(&hub, "h").unwrap();
    let written = fs::read_to_string(hub.join("hub.toml")).unwrap();
    let docs = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/hub.md"))
        .unwrap();
    let mut table = String::new();
    let mut checked = 0;
    for line in written.lines() {
        let line = line.trim_start_matches('#').trim();
        if line.starts_with('[') && line.ends_with(']') && !line.contains('"') {
            table = line.to_string();
            let heading = format!("### `{table}`");
            assert!(docs.contains(&heading), "docs/hub.md has no {heading}");
            continue;
        }
        let Some((key, _)) = line.split_once(" = ") else {
            continue;
        };
        if key.is_empty() || !key.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
            continue;
        }
        let section = docs
            .split(&format!("### `{table}`"))
            .nth(1)
            .and_then(|rest| rest.split("\n### ").next())
            .unwrap_or_else(|| panic!("docs/hub.md has no section for {table}"));
        assert!(
            section.contains(&format!("| `{key}` |")),
            "docs/hub.md's {table} section does not document `{key}`"
        );
        checked += 1;
    }
    assert!(
        checked >= 12,
        "only {checked} keys found in the written hub.toml"
    );
}
