//! Decode + parse throughput on the shared NHO samples, against a plain byte copy of the same input as
//! the baseline measured in the same run.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use fieldchart_hl7::{Message, decode};

fn samples() -> Vec<Vec<u8>> {
    let dir = fieldchart_samples::nho();
    let mut files = Vec::new();
    let mut stack = vec![dir];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(bytes) = std::fs::read(&p) {
                files.push(bytes);
            }
        }
    }
    files.sort();
    files
}

fn bench(c: &mut Criterion) {
    let files = samples();
    let total: usize = files.iter().map(Vec::len).sum();
    let mut group = c.benchmark_group("nho_samples");
    group.throughput(Throughput::Bytes(total as u64));
    group.bench_function("copy_baseline", |b| {
        b.iter(|| {
            for f in &files {
                black_box(f.to_vec());
            }
        })
    });
    group.bench_function("decode", |b| {
        b.iter(|| {
            for f in &files {
                black_box(decode(f));
            }
        })
    });
    group.bench_function("decode_parse", |b| {
        b.iter(|| {
            for f in &files {
                black_box(Message::parse(decode(f).text));
            }
        })
    });
    group.bench_function("decode_parse_access", |b| {
        b.iter(|| {
            for f in &files {
                let (message, _) = Message::parse(decode(f).text);
                for seg in message.segments() {
                    for (_, field) in seg.fields() {
                        black_box(field.value());
                    }
                }
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
