//! Open time and random 4 KiB reads on a 64 MiB snapshot (two parts, as the builder writes a
//! store and an index). Open must not grow with size; a cached 4 KiB read should cost well under
//! a microsecond, an uncached one about one 64 KiB chunk decryption.

use std::hint::black_box;
use std::path::Path;

use chrono::{DateTime, TimeDelta, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use fieldchart_vault::{
    OpenOptions, SnapshotWriter, TrustedKey, Unlock, WriteOptions, generate_device_identity,
    generate_signing_key, load_identity, load_signing_key, open, parse_recipient,
};

const PART_BYTES: usize = 32 * 1024 * 1024;

fn build(dir: &Path, now: DateTime<Utc>) -> (std::path::PathBuf, OpenOptions) {
    let recipient = generate_device_identity(&dir.join("device.key")).expect("device key");
    let public = generate_signing_key(&dir.join("hub.sign")).expect("signing key");
    let path = dir.join("bench.fcsnap");
    let mut writer = SnapshotWriter::create(
        &path,
        WriteOptions {
            recipients: vec![parse_recipient(&recipient).expect("recipient")],
            passphrase: None,
            scrypt_log_n: None,
            signing_key: load_signing_key(&dir.join("hub.sign")).expect("load"),
            created: now,
            not_after: now + TimeDelta::days(1),
            drill: true,
        },
    )
    .expect("create");
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let data: Vec<u8> = (0..PART_BYTES)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect();
    writer.add_part_bytes("store", &data).expect("store");
    writer.add_part_bytes("index", &data).expect("index");
    writer.finish(serde_json::json!({})).expect("finish");
    let opts = OpenOptions::new(
        vec![TrustedKey::parse(&public).expect("trust")],
        Unlock::Identity(load_identity(&dir.join("device.key")).expect("identity")),
        now,
    );
    (path, opts)
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let now = DateTime::<Utc>::from(std::time::SystemTime::now());
    let (path, opts) = build(dir.path(), now);

    c.bench_function("open 64 MiB snapshot", |b| {
        b.iter(|| black_box(open(&path, &opts).expect("open")))
    });

    let snapshot = open(&path, &opts).expect("open");
    let part = snapshot.part("store").expect("store part");
    let mut buf = [0u8; 4096];
    let mut state = 1u64;
    let mut next_offset = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1);
        (state >> 33) % (PART_BYTES as u64 - 4096)
    };
    c.bench_function("random 4 KiB read_at over 32 MiB (cache 32 MiB)", |b| {
        b.iter(|| part.read_at(next_offset(), &mut buf).expect("read"))
    });

    let mut small = opts.clone();
    small.cache_bytes = 0;
    let uncached = open(&path, &small).expect("open");
    let part = uncached.part("store").expect("store part");
    c.bench_function("random 4 KiB read_at, no cache", |b| {
        b.iter(|| part.read_at(next_offset(), &mut buf).expect("read"))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
