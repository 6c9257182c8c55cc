//! Writing a snapshot and reading it back: parts, manifest, random access, passphrase, and the
//! writer's temporary file.

mod common;

use std::io::{self, Read};
use std::sync::OnceLock;

use common::{Hub, PASSPHRASE, noise, sample_parts};
use fieldchart_vault::{BLOCK, OpenOptions, Snapshot, SnapshotWriter, Unlock, VaultError, open};
use proptest::prelude::*;

fn file_names(hub: &Hub) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(hub.dir.path())
        .expect("list dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn every_part_reads_back_exactly_with_its_manifest() {
    let hub = Hub::new();
    let parts = sample_parts();
    let path = hub.build("region.fcsnap", &parts, false);
    let snapshot = hub.open(&path).expect("opens");

    let manifest = snapshot.manifest();
    assert_eq!(manifest.format_version, fieldchart_vault::FORMAT_VERSION);
    assert_eq!(manifest.created, hub.created);
    assert_eq!(manifest.not_before, hub.created);
    assert_eq!(
        manifest.not_after,
        hub.created + chrono::TimeDelta::days(14)
    );
    assert!(!manifest.drill);
    assert_eq!(
        manifest.app,
        serde_json::json!({ "facilities": ["1311234567"], "patients": 3 })
    );
    assert_eq!(manifest.snapshot_id.len(), 32);
    let names: Vec<&str> = manifest.parts.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "empty",
            "tiny",
            "one-block",
            "store.sqlite",
            "also-empty",
            "index/meta.json"
        ]
    );
    assert_eq!(snapshot.signer(), hub.trusted);

    for (name, bytes) in &parts {
        let part = snapshot.part(name).expect("part exists");
        assert_eq!(part.name(), *name);
        assert_eq!(part.len(), bytes.len() as u64);
        assert_eq!(part.is_empty(), bytes.is_empty());
        assert_eq!(&part.read_all().expect("reads"), bytes, "part {name}");
    }
    assert!(snapshot.part("missing").is_none());
}

#[test]
fn parts_start_on_block_boundaries_and_written_reports_the_file() {
    let hub = Hub::new();
    let out = hub.path("region.fcsnap");
    let mut writer = SnapshotWriter::create(&out, hub.options(false)).expect("create");
    let a = writer.add_part_bytes("a", &noise(100, 1)).expect("a");
    let b = writer.add_part_bytes("b", &noise(BLOCK + 1, 2)).expect("b");
    let c = writer.add_part_bytes("c", b"").expect("c");
    let d = writer.add_part_bytes("d", b"x").expect("d");
    assert_eq!(
        (a.offset, b.offset, c.offset, d.offset),
        (0, 65536, 196_608, 196_608)
    );
    assert_eq!(b.len, BLOCK as u64 + 1);
    assert_eq!(
        c.sha256,
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    let written = writer.finish(serde_json::Value::Null).expect("finish");
    assert_eq!(written.path, out);
    assert_eq!(written.bytes, std::fs::metadata(&out).expect("meta").len());
    let snapshot = hub.open(&out).expect("opens");
    assert_eq!(snapshot.manifest().snapshot_id, written.snapshot_id);
    assert_eq!(snapshot.manifest().parts, vec![a, b, c, d]);
}

#[test]
fn verify_all_checks_every_block_and_reports_progress_to_the_total() {
    let hub = Hub::new();
    let path = hub.build("region.fcsnap", &sample_parts(), false);
    let snapshot = hub.open(&path).expect("opens");
    let mut seen = Vec::new();
    snapshot
        .verify_all(&mut |done, total| seen.push((done, total)))
        .expect("an intact snapshot verifies");
    let total = seen.last().expect("progress reported").1;
    // Blocks: tiny, one-block, 4 for store.sqlite, 2 for index/meta.json.
    assert_eq!(total, 8 * BLOCK as u64);
    assert_eq!(seen.first(), Some(&(0, total)));
    assert_eq!(seen.last(), Some(&(total, total)));
    assert!(seen.windows(2).all(|w| w[0].0 < w[1].0));
}

#[test]
fn a_snapshot_without_parts_opens_and_verifies() {
    let hub = Hub::new();
    let path = hub.build("empty.fcsnap", &[], false);
    let snapshot = hub.open(&path).expect("opens");
    assert!(snapshot.manifest().parts.is_empty());
    snapshot.verify_all(&mut |_, _| {}).expect("verifies");
}

/// A part source that marks each block with its index, so a block read in the wrong place shows.
struct MarkedBlocks {
    len: u64,
    pos: u64,
}

impl Read for MarkedBlocks {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = (self.len - self.pos).min(buf.len() as u64) as usize;
        for (i, b) in buf[..n].iter_mut().enumerate() {
            let at = self.pos + i as u64;
            *b = if at.is_multiple_of(BLOCK as u64) {
                (at / BLOCK as u64) as u8 ^ 0x5a
            } else {
                0
            };
        }
        self.pos += n as u64;
        Ok(n)
    }
}

#[test]
fn a_part_larger_than_one_page_of_block_hashes_reads_back_in_every_page() {
    // 2048 hashes fill one 64 KiB page of the table; 2050 blocks need two pages.
    let hub = Hub::new();
    let out = hub.path("big.fcsnap");
    let len = 2049 * BLOCK as u64 + 17;
    let mut writer = SnapshotWriter::create(&out, hub.options(false)).expect("create");
    writer
        .add_part("big", &mut MarkedBlocks { len, pos: 0 })
        .expect("streams");
    writer.finish(serde_json::json!({})).expect("finish");
    let snapshot = hub.open(&out).expect("opens");
    let part = snapshot.part("big").expect("part");
    assert_eq!(part.len(), len);
    for block in [0u64, 1, 2047, 2048, 2049] {
        let mut byte = [0u8; 2];
        part.read_at(block * BLOCK as u64, &mut byte[..1])
            .expect("reads");
        assert_eq!(byte[0], block as u8 ^ 0x5a, "block {block}");
    }
    let mut tail = [0xffu8; 17];
    part.read_at(len - 17, &mut tail).expect("reads the tail");
    assert_eq!(tail[0], 2049u64 as u8 ^ 0x5a);
    assert!(tail[1..].iter().all(|&b| b == 0));
    snapshot.verify_all(&mut |_, _| {}).expect("verifies");
}

/// One snapshot shared by the random-read properties, opened with a cache of two blocks so that
/// eviction happens all the time.
fn shared_snapshot() -> &'static (Hub, Snapshot, Vec<u8>) {
    static SHARED: OnceLock<(Hub, Snapshot, Vec<u8>)> = OnceLock::new();
    SHARED.get_or_init(|| {
        let hub = Hub::new();
        let data = noise(5 * BLOCK + 999, 42);
        let path = hub.build(
            "random.fcsnap",
            &[("pad", noise(10, 7)), ("data", data.clone())],
            false,
        );
        let mut opts = hub.laptop();
        opts.cache_bytes = 2 * BLOCK;
        let snapshot = open(&path, &opts).expect("opens");
        (hub, snapshot, data)
    })
}

proptest! {
    #[test]
    fn random_reads_equal_the_source(offset in 0usize..(5 * BLOCK + 999), len in 0usize..(3 * BLOCK)) {
        let (_, snapshot, data) = shared_snapshot();
        let len = len.min(data.len() - offset);
        let part = snapshot.part("data").expect("part");
        let mut buf = vec![0u8; len];
        part.read_at(offset as u64, &mut buf).expect("reads");
        prop_assert_eq!(&buf[..], &data[offset..offset + len]);
    }
}

#[test]
fn reads_straddling_block_boundaries_equal_the_source() {
    let (_, snapshot, data) = shared_snapshot();
    let part = snapshot.part("data").expect("part");
    for (offset, len) in [
        (BLOCK - 1, 2),
        (BLOCK, 1),
        (BLOCK - 4096, 8192),
        (0, 5 * BLOCK + 999),
        (5 * BLOCK, 999),
        (5 * BLOCK + 999, 0),
        (3, 3 * BLOCK),
    ] {
        let mut buf = vec![0u8; len];
        part.read_at(offset as u64, &mut buf).expect("reads");
        assert_eq!(buf, data[offset..offset + len], "at {offset} for {len}");
    }
}

#[test]
fn a_read_past_the_end_of_a_part_is_refused_and_fills_nothing() {
    let (_, snapshot, data) = shared_snapshot();
    let part = snapshot.part("data").expect("part");
    let mut buf = [7u8; 2];
    let err = part
        .read_at(data.len() as u64 - 1, &mut buf)
        .expect_err("one byte too far");
    assert!(
        matches!(err, VaultError::ReadOutOfRange { part_len, .. } if part_len == data.len() as u64)
    );
    assert_eq!(err.failure(), fieldchart_failure::Failure::Internal);
    assert_eq!(buf, [7, 7]);
    assert!(part.read_at(u64::MAX, &mut buf).is_err());
}

#[test]
fn parts_are_read_concurrently_from_several_threads() {
    let (_, snapshot, data) = shared_snapshot();
    std::thread::scope(|scope| {
        for t in 0..4usize {
            let part = snapshot.part("data").expect("part");
            scope.spawn(move || {
                for i in 0..50usize {
                    let offset = (t * 7919 + i * 104_729) % (data.len() - 5000);
                    let mut buf = vec![0u8; 5000];
                    part.read_at(offset as u64, &mut buf).expect("reads");
                    assert_eq!(buf, data[offset..offset + 5000]);
                }
            });
        }
    });
}

#[test]
fn snapshots_and_parts_can_be_shared_between_threads() {
    fn shareable<T: Send + Sync + Clone>() {}
    shareable::<Snapshot>();
    shareable::<fieldchart_vault::Part>();
}

#[test]
fn the_emergency_passphrase_opens_the_snapshot_and_so_does_the_device_key() {
    let hub = Hub::new();
    let parts = sample_parts();
    let path = hub.build("region.fcsnap", &parts, true);
    let by_passphrase = OpenOptions {
        unlock: Unlock::Passphrase(PASSPHRASE.to_owned().into()),
        ..hub.laptop()
    };
    let snapshot = open(&path, &by_passphrase).expect("passphrase opens");
    let part = snapshot.part("store.sqlite").expect("part");
    assert_eq!(part.read_all().expect("reads"), parts[3].1);
    assert!(hub.open(&path).is_ok(), "the device key still opens it");
}

#[test]
fn dropping_an_unfinished_writer_removes_its_temporary_file() {
    let hub = Hub::new();
    let out = hub.path("region.fcsnap");
    let before = file_names(&hub);
    let mut writer = SnapshotWriter::create(&out, hub.options(false)).expect("create");
    writer.add_part_bytes("a", &noise(BLOCK * 2, 1)).expect("a");
    let during = file_names(&hub);
    assert_eq!(during.len(), before.len() + 1);
    assert!(
        during
            .iter()
            .any(|n| n.starts_with("region.fcsnap.partial-"))
    );
    drop(writer);
    assert_eq!(file_names(&hub), before);
}

#[test]
fn an_existing_output_is_never_overwritten() {
    let hub = Hub::new();
    let out = hub.path("region.fcsnap");
    std::fs::write(&out, b"yesterday's snapshot").expect("write");
    let err = SnapshotWriter::create(&out, hub.options(false))
        .err()
        .expect("refused");
    assert!(matches!(err, VaultError::OutputExists { .. }), "{err}");
    assert_eq!(err.failure(), fieldchart_failure::Failure::Exists);

    // The output appearing while the snapshot is being written is refused at the rename too.
    let later = hub.path("later.fcsnap");
    let mut writer = SnapshotWriter::create(&later, hub.options(false)).expect("create");
    writer.add_part_bytes("a", b"abc").expect("a");
    std::fs::write(&later, b"someone else's").expect("write");
    let err = writer.finish(serde_json::json!({})).expect_err("refused");
    assert!(matches!(err, VaultError::OutputExists { .. }), "{err}");
    assert_eq!(std::fs::read(&later).expect("read"), b"someone else's");
    assert!(!file_names(&hub).iter().any(|n| n.contains(".partial-")));
}

#[test]
fn a_duplicate_part_name_is_refused_and_the_writer_goes_on() {
    let hub = Hub::new();
    let out = hub.path("region.fcsnap");
    let mut writer = SnapshotWriter::create(&out, hub.options(false)).expect("create");
    writer.add_part_bytes("store", b"one").expect("first");
    let err = writer
        .add_part_bytes("store", b"two")
        .expect_err("duplicate");
    assert!(matches!(err, VaultError::DuplicatePart { ref name } if name == "store"));
    writer
        .add_part_bytes("index", b"three")
        .expect("another name");
    writer.finish(serde_json::json!({})).expect("finish");
    let snapshot = hub.open(&out).expect("opens");
    assert_eq!(
        snapshot
            .part("store")
            .expect("part")
            .read_all()
            .expect("read"),
        b"one"
    );
}

struct FailingSource;

impl Read for FailingSource {
    fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
        Err(io::Error::other("the source disk went away"))
    }
}

#[test]
fn a_failing_part_source_spends_the_writer_and_leaves_no_file() {
    let hub = Hub::new();
    let out = hub.path("region.fcsnap");
    let before = file_names(&hub);
    let mut writer = SnapshotWriter::create(&out, hub.options(false)).expect("create");
    let err = writer
        .add_part("store", &mut FailingSource)
        .expect_err("fails");
    assert!(
        matches!(err, VaultError::PartSource { ref name, .. } if name == "store"),
        "{err}"
    );
    assert_eq!(err.failure(), fieldchart_failure::Failure::Io);
    let err = writer.add_part_bytes("index", b"x").expect_err("spent");
    assert!(matches!(err, VaultError::WriterFailed), "{err}");
    let err = writer.finish(serde_json::json!({})).expect_err("spent");
    assert!(matches!(err, VaultError::WriterFailed), "{err}");
    assert_eq!(file_names(&hub), before);
}

#[test]
fn writer_options_that_nobody_could_open_are_refused() {
    let hub = Hub::new();
    let mut opts = hub.options(false);
    opts.recipients.clear();
    let err = SnapshotWriter::create(&hub.path("a"), opts)
        .err()
        .expect("refused");
    assert!(matches!(err, VaultError::InvalidOptions { .. }), "{err}");

    let mut opts = hub.options(false);
    opts.not_after = opts.created;
    let err = SnapshotWriter::create(&hub.path("b"), opts)
        .err()
        .expect("refused");
    assert!(matches!(err, VaultError::InvalidOptions { .. }), "{err}");

    let mut opts = hub.options(true);
    opts.scrypt_log_n = Some(0);
    let err = SnapshotWriter::create(&hub.path("c"), opts)
        .err()
        .expect("refused");
    assert!(matches!(err, VaultError::InvalidOptions { .. }), "{err}");
}

#[test]
fn reading_writes_nothing_to_disk() {
    let hub = Hub::new();
    let path = hub.build("region.fcsnap", &sample_parts(), true);
    let before = file_names(&hub);
    let snapshot = open(
        &path,
        &OpenOptions {
            unlock: Unlock::Passphrase(PASSPHRASE.to_owned().into()),
            ..hub.laptop()
        },
    )
    .expect("opens");
    snapshot.verify_all(&mut |_, _| {}).expect("verifies");
    for entry in &snapshot.manifest().parts {
        snapshot
            .part(&entry.name)
            .expect("part")
            .read_all()
            .expect("reads");
    }
    assert_eq!(file_names(&hub), before);
}
