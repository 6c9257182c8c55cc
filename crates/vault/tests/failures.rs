//! Every way opening can fail (requirements SNAP-15), each with its own variant and exit code, and
//! the rule that a damaged snapshot never yields wrong data.

mod common;

use std::path::{Path, PathBuf};

use chrono::TimeDelta;
use common::{Hub, PASSPHRASE, noise};
use fieldchart_vault::{
    BLOCK, OpenOptions, TrustedKey, Unlock, VaultError, generate_device_identity,
    generate_signing_key, load_identity, open,
};

const MAGIC_LEN: usize = 20;
const ENVELOPE_LEN: usize = 8192;

/// A small snapshot of several blocks, with its parts.
fn small_snapshot(hub: &Hub, passphrase: bool) -> (PathBuf, Vec<(&'static str, Vec<u8>)>) {
    let parts = vec![
        ("store", noise(2 * BLOCK + 300, 11)),
        ("empty", Vec::new()),
        ("index", noise(BLOCK - 5, 12)),
    ];
    let path = hub.build("region.fcsnap", &parts, passphrase);
    (path, parts)
}

/// What the plaintext envelope says (it is documented plaintext JSON).
struct EnvelopeFacts {
    json_end: usize,
    file_len: u64,
    age_header_len: u64,
}

fn envelope_facts(path: &Path) -> EnvelopeFacts {
    let bytes = std::fs::read(path).expect("read");
    let len = u32::from_le_bytes(bytes[MAGIC_LEN..MAGIC_LEN + 4].try_into().expect("4")) as usize;
    let json: serde_json::Value =
        serde_json::from_slice(&bytes[MAGIC_LEN + 4..MAGIC_LEN + 4 + len]).expect("json");
    EnvelopeFacts {
        json_end: MAGIC_LEN + 4 + len,
        file_len: json["file_len"].as_u64().expect("file_len"),
        age_header_len: json["age_header_len"].as_u64().expect("age_header_len"),
    }
}

fn write_variant(hub: &Hub, name: &str, bytes: &[u8]) -> PathBuf {
    let path = hub.path(name);
    std::fs::write(&path, bytes).expect("write");
    path
}

fn expect_err(result: Result<fieldchart_vault::Snapshot, VaultError>) -> VaultError {
    match result {
        Ok(_) => panic!("opened, but should have failed"),
        Err(e) => e,
    }
}

#[test]
fn another_laptops_key_is_wrong_key() {
    let hub = Hub::new();
    let (path, _) = small_snapshot(&hub, false);
    generate_device_identity(&hub.path("other.key")).expect("key");
    let opts = OpenOptions {
        unlock: Unlock::Identity(load_identity(&hub.path("other.key")).expect("load")),
        ..hub.laptop()
    };
    let err = expect_err(open(&path, &opts));
    assert!(matches!(err, VaultError::WrongKey), "{err}");
    assert_eq!(err.failure(), fieldchart_failure::Failure::WrongKey);
}

#[test]
fn a_wrong_passphrase_is_wrong_key() {
    let hub = Hub::new();
    let (path, _) = small_snapshot(&hub, true);
    let opts = OpenOptions {
        unlock: Unlock::Passphrase(format!("{PASSPHRASE}!").into()),
        ..hub.laptop()
    };
    let err = expect_err(open(&path, &opts));
    assert!(matches!(err, VaultError::WrongKey), "{err}");
    assert_eq!(err.failure(), fieldchart_failure::Failure::WrongKey);
}

#[test]
fn a_passphrase_for_a_snapshot_built_without_one_says_so() {
    let hub = Hub::new();
    let (path, _) = small_snapshot(&hub, false);
    let opts = OpenOptions {
        unlock: Unlock::Passphrase(PASSPHRASE.to_owned().into()),
        ..hub.laptop()
    };
    let err = expect_err(open(&path, &opts));
    assert!(matches!(err, VaultError::NoEmergencyPassphrase), "{err}");
    assert_eq!(err.failure(), fieldchart_failure::Failure::WrongKey);
}

#[test]
fn a_snapshot_signed_by_an_untrusted_key_names_its_signer() {
    let hub = Hub::new();
    let (path, _) = small_snapshot(&hub, false);
    let other = generate_signing_key(&hub.path("other.sign")).expect("key");
    let opts = OpenOptions {
        trusted: vec![TrustedKey::parse(&other).expect("parse")],
        ..hub.laptop()
    };
    let err = expect_err(open(&path, &opts));
    assert!(
        matches!(err, VaultError::UntrustedSigner { ref signer } if *signer == hub.trusted.to_string()),
        "{err}"
    );
    assert_eq!(err.failure(), fieldchart_failure::Failure::Untrusted);
    assert!(err.to_string().contains(&hub.trusted.to_string()));

    let nobody = OpenOptions {
        trusted: Vec::new(),
        ..hub.laptop()
    };
    assert!(matches!(
        expect_err(open(&path, &nobody)),
        VaultError::UntrustedSigner { .. }
    ));
}

#[test]
fn a_snapshot_past_its_validity_window_is_expired() {
    let hub = Hub::new();
    let (path, _) = small_snapshot(&hub, false);
    let not_after = hub.created + TimeDelta::days(14);
    let late = OpenOptions {
        now: not_after + TimeDelta::seconds(1),
        ..hub.laptop()
    };
    let err = expect_err(open(&path, &late));
    assert!(
        matches!(err, VaultError::Expired { not_after: at, now } if at == not_after && now == late.now),
        "{err}"
    );
    assert_eq!(err.failure(), fieldchart_failure::Failure::Expired);
    let last_second = OpenOptions {
        now: not_after,
        ..hub.laptop()
    };
    assert!(open(&path, &last_second).is_ok());
}

#[test]
fn accepting_expiry_opens_an_expired_snapshot_but_never_one_from_the_future_or_tampered() {
    let hub = Hub::new();
    let (path, _) = small_snapshot(&hub, false);
    let late = OpenOptions {
        now: hub.created + TimeDelta::days(400),
        accept_expired: true,
        ..hub.laptop()
    };
    let snapshot = open(&path, &late).expect("a break-glass open of an expired snapshot");
    snapshot
        .verify_all(&mut |_, _| {})
        .expect("its parts still verify");
    let early = OpenOptions {
        now: hub.created - TimeDelta::days(2),
        accept_expired: true,
        ..hub.laptop()
    };
    assert!(matches!(
        expect_err(open(&path, &early)),
        VaultError::ClockWrong { .. }
    ));
}

#[test]
fn a_snapshot_dated_in_the_future_means_the_clock_is_wrong() {
    let hub = Hub::new();
    let (path, _) = small_snapshot(&hub, false);
    let early = OpenOptions {
        now: hub.created - TimeDelta::hours(1),
        ..hub.laptop()
    };
    let err = expect_err(open(&path, &early));
    assert!(
        matches!(err, VaultError::ClockWrong { not_before, .. } if not_before == hub.created),
        "{err}"
    );
    assert_eq!(err.failure(), fieldchart_failure::Failure::ClockWrong);
    // A laptop clock a few minutes behind the hub's is normal.
    let skewed = OpenOptions {
        now: hub.created - TimeDelta::minutes(9),
        ..hub.laptop()
    };
    assert!(open(&path, &skewed).is_ok());
    // A clock years behind (a laptop with a flat CMOS battery) is wrong, not "expired".
    let flat_battery = OpenOptions {
        now: hub.created - TimeDelta::days(3650),
        ..hub.laptop()
    };
    assert!(matches!(
        expect_err(open(&path, &flat_battery)),
        VaultError::ClockWrong { .. }
    ));
}

#[test]
fn files_that_are_not_snapshots_say_so() {
    let hub = Hub::new();
    for (name, bytes) in [
        ("empty", Vec::new()),
        ("zip", b"PK\x03\x04 not a snapshot at all".to_vec()),
        ("noise", noise(20_000, 5)),
    ] {
        let path = write_variant(&hub, name, &bytes);
        let err = expect_err(hub.open(&path));
        assert!(
            matches!(err, VaultError::NotASnapshot { .. }),
            "{name}: {err}"
        );
        assert_eq!(err.failure(), fieldchart_failure::Failure::NotASnapshot);
    }
}

/// Runs `f` on another thread and fails the test if it has not returned within ten seconds: a
/// read that blocks on a named pipe would otherwise hang the suite instead of failing it.
fn within_seconds<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(std::time::Duration::from_secs(10))
        .expect("returned at once, without blocking")
}

fn mkfifo(path: &Path) {
    let made = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap();
    assert!(made.success(), "mkfifo {}", path.display());
}

#[test]
fn a_named_pipe_a_device_or_a_folder_is_not_a_snapshot_and_never_blocks() {
    let hub = Hub::new();
    let fifo = hub.path("pipe.fcs");
    mkfifo(&fifo);
    for path in [fifo, PathBuf::from("/dev/zero"), hub.path("")] {
        let trusted = vec![hub.trusted];
        let hub_now = hub.created;
        let shown = path.clone();
        let err = within_seconds(move || {
            fieldchart_vault::check_outline(&path, &trusted, hub_now).unwrap_err()
        });
        assert!(
            matches!(err, VaultError::NotAFile { .. }),
            "{}: {err}",
            shown.display()
        );
        assert_eq!(err.failure(), fieldchart_failure::Failure::NotASnapshot);
        assert!(err.to_string().contains("not a snapshot file"), "{err}");
    }
}

#[test]
fn a_named_pipe_or_a_device_given_as_a_key_is_an_unreadable_key_and_never_blocks() {
    let hub = Hub::new();
    let fifo = hub.path("device.key");
    mkfifo(&fifo);
    for path in [fifo, PathBuf::from("/dev/zero")] {
        let shown = path.clone();
        let err = within_seconds(move || load_identity(&path).err().expect("refused"));
        assert!(
            matches!(err, VaultError::BadKey { .. }),
            "{}: {err}",
            shown.display()
        );
        assert_eq!(err.failure(), fieldchart_failure::Failure::BadKey);
        assert!(err.to_string().contains("not a key file"), "{err}");
        let shown2 = shown.clone();
        let err = within_seconds(move || {
            fieldchart_vault::read_passphrase_file(&shown2).expect_err("refused")
        });
        assert_eq!(err.failure(), fieldchart_failure::Failure::BadKey, "{err}");
        let trust = shown.to_str().unwrap().to_string();
        let err = within_seconds(move || TrustedKey::parse(&trust).unwrap_err());
        assert_eq!(err.failure(), fieldchart_failure::Failure::BadKey, "{err}");
        assert!(err.to_string().contains("not a key file"), "{err}");
    }
}

#[test]
fn a_missing_file_is_an_io_error_naming_it() {
    let hub = Hub::new();
    let err = expect_err(hub.open(&hub.path("nowhere.fcsnap")));
    assert!(matches!(err, VaultError::Io { .. }), "{err}");
    assert_eq!(err.failure(), fieldchart_failure::Failure::Io);
    assert!(err.to_string().contains("nowhere.fcsnap"));
}

#[test]
fn a_cut_file_is_truncated_wherever_it_is_cut() {
    let hub = Hub::new();
    let (path, _) = small_snapshot(&hub, true);
    let bytes = std::fs::read(&path).expect("read");
    let facts = envelope_facts(&path);
    assert_eq!(facts.file_len, bytes.len() as u64);
    let payload_start = ENVELOPE_LEN + facts.age_header_len as usize;
    let len = bytes.len();
    let cuts = [
        7,                                 // inside the marker
        MAGIC_LEN + 2,                     // inside the JSON length
        facts.json_end - 10,               // inside the envelope JSON
        facts.json_end + 5,                // inside the envelope padding
        ENVELOPE_LEN,                      // right after the envelope
        ENVELOPE_LEN + 40,                 // inside the age header
        payload_start,                     // right after the age header
        payload_start + BLOCK + 16,        // at a chunk boundary of the payload
        payload_start + 2 * BLOCK + 1_000, // inside a chunk
        len - 80,                          // at the trailer
        len - 40,                          // inside the trailer
        len - 1,
    ];
    for cut in cuts {
        let cut_path = write_variant(&hub, "cut.fcsnap", &bytes[..cut]);
        let err = expect_err(hub.open(&cut_path));
        let expected = if cut < facts.json_end {
            ENVELOPE_LEN as u64
        } else {
            len as u64
        };
        assert!(
            matches!(err, VaultError::Truncated { expected: e, actual } if e == expected && actual == cut as u64),
            "cut at {cut}: {err}"
        );
        assert_eq!(err.failure(), fieldchart_failure::Failure::Truncated);
    }
}

#[test]
fn bytes_appended_to_a_snapshot_are_tampering() {
    let hub = Hub::new();
    let (path, _) = small_snapshot(&hub, false);
    let mut bytes = std::fs::read(&path).expect("read");
    bytes.extend_from_slice(b"\n");
    let longer = write_variant(&hub, "longer.fcsnap", &bytes);
    let err = expect_err(hub.open(&longer));
    assert!(matches!(err, VaultError::Tampered { .. }), "{err}");
    assert_eq!(err.failure(), fieldchart_failure::Failure::Tampered);
}

#[test]
fn an_envelope_moved_onto_another_snapshots_payload_is_refused() {
    let hub = Hub::new();
    let (first, _) = small_snapshot(&hub, false);
    let first = std::fs::read(first).expect("read");
    std::fs::remove_file(hub.path("region.fcsnap")).expect("remove");
    let (second, _) = small_snapshot(&hub, false);
    let mut spliced = std::fs::read(second).expect("read");
    spliced[..ENVELOPE_LEN].copy_from_slice(&first[..ENVELOPE_LEN]);
    let path = write_variant(&hub, "spliced.fcsnap", &spliced);
    // age pads its header with a random "grease" stanza, so the two files usually differ in
    // length too; when they do not, the age header hash catches it.
    let err = expect_err(hub.open(&path));
    if spliced.len() == first.len() {
        assert!(matches!(err, VaultError::Tampered { .. }), "{err}");
    } else {
        assert!(
            matches!(
                err,
                VaultError::Tampered { .. } | VaultError::Truncated { .. }
            ),
            "{err}"
        );
    }
}

/// A flipped byte anywhere makes opening fail as Tampered (or NotASnapshot in the marker), or,
/// for a data block, makes every read touching that block and `verify_all` fail as Tampered.
/// Never does a read return bytes other than the original ones.
#[test]
fn a_flipped_byte_anywhere_never_yields_wrong_data() {
    let hub = Hub::new();
    let (path, parts) = small_snapshot(&hub, true);
    let original = std::fs::read(&path).expect("read");
    let facts = envelope_facts(&path);
    let payload_start = ENVELOPE_LEN + facts.age_header_len as usize;
    let len = original.len();

    let mut positions: Vec<usize> = (0..len).step_by(997).collect();
    positions.extend([
        0,
        MAGIC_LEN - 1,
        MAGIC_LEN,
        MAGIC_LEN + 3,
        facts.json_end - 1,
    ]);
    positions.extend([
        facts.json_end,
        ENVELOPE_LEN - 1,
        ENVELOPE_LEN,
        payload_start - 1,
    ]);
    for chunk in 0..=(len - payload_start) / (BLOCK + 16) {
        let at = payload_start + chunk * (BLOCK + 16);
        positions.extend([at.saturating_sub(1), at, at + 1, at + BLOCK + 15]);
    }
    positions.extend((1..=100).map(|back| len - back));
    positions.retain(|&p| p < len);
    positions.sort_unstable();
    positions.dedup();

    let (mut at_open, mut at_read) = (0, 0);
    for pos in positions {
        let mut bytes = original.clone();
        bytes[pos] ^= 0x01;
        let flipped = write_variant(&hub, "flipped.fcsnap", &bytes);
        match hub.open(&flipped) {
            Err(VaultError::NotASnapshot { .. }) => assert!(pos < MAGIC_LEN, "at {pos}"),
            Err(VaultError::Tampered { .. }) => {
                assert!(pos >= MAGIC_LEN, "at {pos}");
                at_open += 1;
            }
            Err(other) => panic!("flip at {pos} gave {other}"),
            Ok(snapshot) => {
                assert!(pos >= payload_start, "flip at {pos} opened");
                let verified = snapshot.verify_all(&mut |_, _| {});
                assert!(
                    matches!(verified, Err(VaultError::Tampered { .. })),
                    "flip at {pos}: verify_all gave {verified:?}"
                );
                let (mut failed_reads, mut failed_read_ats) = (0, 0);
                for (name, data) in &parts {
                    let part = snapshot.part(name).expect("part");
                    match part.read_all() {
                        Ok(read) => assert_eq!(&read, data, "flip at {pos}: wrong data in {name}"),
                        Err(VaultError::Tampered { .. }) => failed_reads += 1,
                        Err(other) => panic!("flip at {pos}: reading {name} gave {other}"),
                    }
                    // A 1-byte random-access read of every 4 KiB goes through the cache path.
                    for offset in (0..data.len()).step_by(4096) {
                        let mut byte = [0u8];
                        match part.read_at(offset as u64, &mut byte) {
                            Ok(()) => assert_eq!(byte[0], data[offset], "flip at {pos}"),
                            Err(VaultError::Tampered { .. }) => failed_read_ats += 1,
                            Err(other) => panic!("flip at {pos}: read_at gave {other}"),
                        }
                    }
                }
                // One flipped byte spoils one 64 KiB block: one part, at most 16 of the reads
                // at 4 KiB steps. Reads after a failure succeed again.
                assert_eq!(failed_reads, 1, "flip at {pos}");
                assert!(
                    (1..=BLOCK / 4096).contains(&failed_read_ats),
                    "flip at {pos}: {failed_read_ats} failed reads"
                );
                at_read += 1;
            }
        }
    }
    assert!(
        at_open > 50 && at_read > 50,
        "{at_open} at open, {at_read} at read"
    );
}
