//! Power cut (requirements TEST-10, AUD-8): a writer is killed with SIGKILL at random points, again
//! and again; each time the log must open (repairing at most a torn last line), verify, and never
//! lose an entry that was finished.
//!
//! The writer is this same test binary, started again with [`WRITER_ENV`] set: it appends entries
//! until it is killed. That is why this test has its own `main` (`harness = false`). Every other
//! round waits for the writer to say it has opened the log before the random delay, so that kills
//! land inside appends as well as inside start-up, creation and repair.

mod common;

use std::env;
use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use age::x25519::Recipient;
use fieldchart_audit::{AuditLog, DeviceKey, VerifyError, read, verify};

/// Set (to the test directory) in the writer process.
const WRITER_ENV: &str = "FIELDCHART_AUDIT_POWER_CUT_WRITER";
const KILLS: usize = 120;

fn main() {
    if let Some(dir) = env::var_os(WRITER_ENV) {
        append_until_killed(Path::new(&dir));
    }
    let started = Instant::now();
    killing_the_writer_at_random_points_never_loses_a_finished_entry();
    println!(
        "test killing_the_writer_at_random_points_never_loses_a_finished_entry ... ok ({:.1} s)",
        started.elapsed().as_secs_f64()
    );
}

/// The writer: opens the shared log and appends until SIGKILL.
fn append_until_killed(dir: &Path) -> ! {
    let key = DeviceKey::load_or_create(&dir.join("device.key")).expect("device key loads");
    let recipient: Recipient = fs::read_to_string(dir.join("recipient"))
        .expect("recipient readable")
        .trim()
        .parse()
        .expect("recipient parses");
    let mut log = AuditLog::open(&dir.join("audit.log"), &key).expect("log opens in the writer");
    println!("ready");
    std::io::stdout().flush().expect("parent reads stdout");
    for entry in common::sample_entries().into_iter().cycle() {
        log.append(&recipient, &entry).expect("append succeeds");
    }
    unreachable!("an endless cycle ended")
}

/// A small fixed-seed generator (xorshift64*), so a failure can be replayed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % bound
    }
}

fn killing_the_writer_at_random_points_never_loses_a_finished_entry() {
    let fixture = common::Fixture::new();
    let dir = fixture.dir.path();
    let log = dir.join("audit.log");
    fs::write(dir.join("recipient"), fixture.recipient.to_string()).expect("recipient written");
    let mut rng = Rng(0x5eed_0fc0_ffee);
    let (mut entries, mut torn, mut lagging) = (0u64, 0usize, 0usize);

    for round in 0..KILLS {
        let mut writer = Command::new(env::current_exe().expect("own path"))
            .env(WRITER_ENV, dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("writer starts");
        if round % 2 == 1
            && let Some(stdout) = writer.stdout.as_mut()
        {
            // An empty read means the writer died first; its status says why, below.
            let _ = BufReader::new(stdout).read_line(&mut String::new());
        }
        thread::sleep(Duration::from_micros(rng.below(15_000)));
        writer.kill().expect("writer killed");
        let status = writer.wait().expect("writer reaped");
        if status.code().is_some() {
            let mut stderr = String::new();
            if let Some(mut pipe) = writer.stderr.take() {
                let _ = pipe.read_to_string(&mut stderr);
            }
            panic!("round {round}: the writer stopped by itself ({status}):\n{stderr}");
        }

        // What the kill left, before anything repairs it: intact, one unfinished line, or a new
        // header-only log whose head was not written yet.
        if log.exists() {
            match verify(&log) {
                Ok(report) => lagging += usize::from(report.head_lags_by_one),
                Err(VerifyError::TornTail { .. }) => torn += 1,
                Err(VerifyError::HeadMissing { .. }) if common::lines(&log).len() == 1 => {}
                Err(e) => panic!("round {round}: the killed writer left a broken log: {e}"),
            }
        }

        let opened = AuditLog::open(&log, &fixture.key)
            .unwrap_or_else(|e| panic!("round {round}: the log does not open after a kill: {e}"));
        drop(opened);
        let report =
            verify(&log).unwrap_or_else(|e| panic!("round {round}: not intact after open: {e}"));
        assert!(
            !report.head_lags_by_one,
            "round {round}: open updates the head"
        );
        assert!(
            report.entries >= entries,
            "round {round}: entries went from {entries} to {}",
            report.entries
        );
        entries = report.entries;
    }

    assert!(entries > 0, "the writer never finished an entry");
    let records = read(&log, &fixture.identity).expect("every finished entry decrypts");
    assert_eq!(records.len() as u64, entries);
    assert!(
        records
            .iter()
            .zip(1..)
            .all(|(record, seq)| record.seq == seq)
    );
    println!(
        "{KILLS} kills: {entries} entries, {torn} torn last lines repaired, head one behind {lagging} times"
    );
}
