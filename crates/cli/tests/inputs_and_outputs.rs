//! What a hub operator and a field user hit first, through the real binary: a closed output pipe
//! ends any command quietly; a named pipe or a device given as an input is refused at once (never
//! read, never waited on); `policy check` shows a policy or its first fault's line; a decrypted audit
//! export is owner-only; and `--out` into a missing folder is refused or made, by command.

mod common;

use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{BIN, fixture, ok, run};

fn scratch(name: &str) -> PathBuf {
    let dir = fixture().dir.join("io").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Waits for `child` at most 30 seconds: a command blocked on a named pipe fails the test instead
/// of hanging it.
fn finish(mut child: std::process::Child, what: &str) -> Output {
    let started = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if started.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            panic!("{what}: still running after 30 s (blocked on its input?)");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Runs fieldchart with its standard output a pipe whose reader is already gone.
fn with_stdout_closed(args: &[&str]) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    finish(child, &args.join(" "))
}

fn run_bounded(args: &[&str]) -> Output {
    let child = Command::new(BIN)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    finish(child, &args.join(" "))
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn mkfifo(path: &Path) {
    assert!(Command::new("mkfifo").arg(path).status().unwrap().success());
}

/// A laptop audit log with one viewing session in it.
fn session_log(name: &str) -> PathBuf {
    let f = fixture();
    let log = scratch(name).join("audit.log");
    ok(&f.view(
        &f.snapshot,
        &f.doctor_logging_to(&log),
        "search",
        &["やまだ"],
    ));
    log
}

#[test]
fn every_command_ends_quietly_with_0_when_its_output_pipe_is_closed() {
    let f = fixture();
    let log = session_log("pipe");
    let audit_key = f.audit_key.to_str().unwrap();
    let log_arg = log.to_str().unwrap();
    let keys = scratch("pipe-keys");
    let device = keys.join("d.key");
    let region = f.region.to_str().unwrap();
    let one_file = walk_first_file(&f.dir.join("people"));
    let snapshot = f.snapshot.to_str().unwrap();
    let identity = f.device_key.to_str().unwrap();
    let policy = Path::new(env!("CARGO_MANIFEST_DIR")).join("../policy/default-policy.toml");
    let mut doctor = vec![
        "search",
        snapshot,
        "--identity",
        identity,
        "--trust",
        &f.hub_pub,
    ];
    let who = f.doctor_logging_to(&log);
    doctor.extend(who.iter().map(String::as_str));
    let mut search = doctor.clone();
    search.extend(["--json", "やまだ"]);
    let mut record = doctor.clone();
    record[0] = "record";
    record.extend(["--patient", "0410610011:0010000000", "--json"]);
    let commands: Vec<Vec<&str>> = vec![
        vec!["check", "--region", region, "--json"],
        vec!["check", "--region", region],
        vec!["inspect", one_file.to_str().unwrap(), "--json"],
        vec!["keys", "device", "--out", device.to_str().unwrap()],
        vec![
            "snapshot",
            "verify",
            snapshot,
            "--trust",
            &f.hub_pub,
            "--identity",
            identity,
        ],
        vec!["snapshot", "verify", snapshot, "--trust", &f.hub_pub],
        search,
        record,
        vec!["audit", "verify", log_arg],
        vec!["audit", "review", log_arg, "--identity", audit_key],
        vec![
            "audit",
            "export",
            log_arg,
            "--identity",
            audit_key,
            "--format",
            "fhir",
        ],
        vec!["policy", "check", policy.to_str().unwrap()],
    ];
    for args in commands {
        let out = with_stdout_closed(&args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}: {}",
            args.join(" "),
            stderr(&out)
        );
        assert_eq!(stderr(&out), "", "{}: nothing on stderr", args.join(" "));
    }
}

#[test]
fn a_reader_that_stops_after_ten_bytes_ends_check_quietly() {
    let f = fixture();
    let mut child = Command::new(BIN)
        .args(["check", "--region", f.region.to_str().unwrap(), "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 10];
    child
        .stdout
        .as_mut()
        .unwrap()
        .read_exact(&mut first)
        .unwrap();
    assert_eq!(&first[..1], b"{");
    drop(child.stdout.take());
    let out = finish(child, "check | head -c 10");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
}

fn walk_first_file(dir: &Path) -> PathBuf {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let mut entries: Vec<_> = std::fs::read_dir(&d).unwrap().flatten().collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            if e.file_type().unwrap().is_dir() {
                stack.push(e.path());
            } else {
                return e.path();
            }
        }
    }
    panic!("no file under {}", dir.display())
}

#[test]
fn a_named_pipe_or_a_device_is_refused_at_once_as_every_kind_of_input() {
    let f = fixture();
    let dir = scratch("fifo");
    let fifo = dir.join("pipe");
    mkfifo(&fifo);
    let p = fifo.to_str().unwrap();
    let snapshot = f.snapshot.to_str().unwrap();
    let identity = f.device_key.to_str().unwrap();
    let log = dir.join("audit.log");
    let who = f.doctor_logging_to(&log);
    let view = |file: &str, key_args: [&str; 2], trust: &str| {
        let mut args = vec!["search", file, key_args[0], key_args[1], "--trust", trust];
        args.extend(who.iter().map(String::as_str));
        args.push("やまだ");
        run_bounded(&args)
    };
    let mut fifo_log_who = f.doctor_logging_to(&fifo);
    fifo_log_who.push("やまだ".to_string());
    let mut fifo_log = vec![
        "search",
        snapshot,
        "--identity",
        identity,
        "--trust",
        &f.hub_pub,
    ];
    fifo_log.extend(fifo_log_who.iter().map(String::as_str));
    let hub_key = f.dir.join("hub.key");
    let build = |extra: [&str; 2]| {
        let device_pub = f.device_pub();
        let out = dir.join("never.fcs");
        let mut args = vec![
            "snapshot",
            "build",
            "--region",
            f.region.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--recipient",
            &device_pub,
            "--signing-key",
            hub_key.to_str().unwrap(),
            "--audit-recipient",
            &f.audit_pub,
        ];
        args.extend(extra);
        let result = run_bounded(&args);
        assert!(!out.exists());
        result
    };
    let cases: Vec<(&str, Output, i32)> = vec![
        (
            "snapshot",
            view(p, ["--identity", identity], &f.hub_pub),
            17,
        ),
        (
            "snapshot (verify)",
            run_bounded(&["snapshot", "verify", p, "--trust", &f.hub_pub]),
            17,
        ),
        (
            "/dev/zero as a snapshot",
            run_bounded(&["snapshot", "verify", "/dev/zero", "--trust", &f.hub_pub]),
            17,
        ),
        (
            "device key",
            view(snapshot, ["--identity", p], &f.hub_pub),
            19,
        ),
        (
            "passphrase file",
            view(snapshot, ["--passphrase-file", p], &f.hub_pub),
            19,
        ),
        (
            "trust file",
            view(snapshot, ["--identity", identity], p),
            19,
        ),
        ("audit log of a viewing", run_bounded(&fifo_log), 31),
        ("audit log", run_bounded(&["audit", "verify", p]), 17),
        (
            "hub audit key",
            run_bounded(&["audit", "review", &log_with_entries(&dir), "--identity", p]),
            19,
        ),
        ("inspect", run_bounded(&["inspect", p]), 2),
        (
            "inspect /dev/zero",
            run_bounded(&["inspect", "/dev/zero"]),
            2,
        ),
        ("policy check", run_bounded(&["policy", "check", p]), 2),
        ("policy", build(["--policy", p]), 2),
        ("consent list", build(["--consent", p]), 2),
        (
            "signing key",
            {
                let device_pub = f.device_pub();
                run_bounded(&[
                    "snapshot",
                    "build",
                    "--region",
                    f.region.to_str().unwrap(),
                    "--out",
                    dir.join("never2.fcs").to_str().unwrap(),
                    "--recipient",
                    &device_pub,
                    "--signing-key",
                    p,
                    "--audit-recipient",
                    &f.audit_pub,
                ])
            },
            19,
        ),
    ];
    for (what, out, code) in cases {
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(code), "{what}: {err}");
        assert!(
            err.contains("pipe") || err.contains("device"),
            "{what}: the message says what the path is: {err}"
        );
        assert!(out.stdout.is_empty(), "{what}");
    }
}

/// A copy of a laptop log with entries, for commands that need one beside the input under test.
fn log_with_entries(dir: &Path) -> String {
    let log = session_log("fifo-log");
    let copy = dir.join("copy.log");
    std::fs::copy(&log, &copy).unwrap();
    std::fs::copy(
        fieldchart_audit::log::head_path(&log),
        fieldchart_audit::log::head_path(&copy),
    )
    .unwrap();
    copy.to_str().unwrap().to_string()
}

#[test]
fn policy_check_prints_the_policy_with_every_default_or_the_line_of_the_first_fault() {
    let dir = scratch("policy");
    let shipped = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../policy/default-policy.toml"),
    )
    .unwrap();
    // A policy that leaves the whole [session] table out: its defaults are written out.
    let start = shipped.find("[session]").unwrap();
    let end = shipped.find("[clerk]").unwrap();
    let short = dir.join("short.toml");
    std::fs::write(&short, format!("{}{}", &shipped[..start], &shipped[end..])).unwrap();
    let printed = ok(&run(&["policy", "check", short.to_str().unwrap()]));
    assert!(printed.contains("a valid FieldChart policy"), "{printed}");
    for default in [
        "idle_lock_minutes = 5",
        "stale_data_days = 7",
        "max_results = 100",
    ] {
        assert!(printed.contains(default), "{default}: {printed}");
    }
    let resolved = dir.join("resolved.toml");
    std::fs::write(&resolved, &printed).unwrap();
    assert_eq!(
        fieldchart_policy::Policy::parse(&printed).unwrap(),
        fieldchart_policy::Policy::parse(&shipped).unwrap(),
        "what it prints reads back as the same policy"
    );
    let json: serde_json::Value = serde_json::from_str(&ok(&run(&[
        "policy",
        "check",
        short.to_str().unwrap(),
        "--json",
    ])))
    .unwrap();
    assert_eq!(json["session"]["max_results"], 100);

    let typo_line = shipped
        .lines()
        .position(|l| l.starts_with("lookback_days = 180"))
        .unwrap()
        + 1;
    let typo = dir.join("typo.toml");
    std::fs::write(
        &typo,
        shipped.replace("lookback_days = 180", "lookback_dayz = 180"),
    )
    .unwrap();
    let out = run(&["policy", "check", typo.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains(&format!("line {typo_line}, column 1")) && err.contains("lookback_dayz"),
        "{err}"
    );
    assert!(out.stdout.is_empty());

    let zero = dir.join("zero.toml");
    std::fs::write(
        &zero,
        shipped.replace("max_results = 100", "max_results = 0"),
    )
    .unwrap();
    let out = run(&["policy", "check", zero.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("session.max_results is 0"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_decrypted_audit_export_is_readable_by_its_owner_only() {
    let f = fixture();
    let log = session_log("export");
    let dir = log.parent().unwrap().to_path_buf();
    for format in ["fhir", "atna"] {
        let out = dir.join(format!("export.{format}"));
        ok(&run(&[
            "audit",
            "export",
            log.to_str().unwrap(),
            "--identity",
            f.audit_key.to_str().unwrap(),
            "--format",
            format,
            "--out",
            out.to_str().unwrap(),
        ]));
        let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{format}: {mode:o}");
        assert!(std::fs::metadata(&out).unwrap().len() > 100);
    }
}

#[test]
fn out_into_a_missing_folder_is_refused_for_secrets_and_snapshots_and_made_for_a_region() {
    let f = fixture();
    let dir = scratch("out");
    let missing = dir.join("not-mounted");
    let key = missing.join("device.key");
    for kind in ["device", "signing"] {
        let out = run(&["keys", kind, "--out", key.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2), "{kind}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("does not exist: create it first"),
            "{}",
            stderr(&out)
        );
    }
    let device_pub = f.device_pub();
    let hub_key = f.dir.join("hub.key");
    let out = run(&[
        "snapshot",
        "build",
        "--region",
        f.region.to_str().unwrap(),
        "--out",
        missing.join("drill.fcs").to_str().unwrap(),
        "--recipient",
        &device_pub,
        "--signing-key",
        hub_key.to_str().unwrap(),
        "--audit-recipient",
        &f.audit_pub,
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("mounted"), "{}", stderr(&out));
    let log = session_log("out-log");
    let out = run(&[
        "audit",
        "export",
        log.to_str().unwrap(),
        "--identity",
        f.audit_key.to_str().unwrap(),
        "--format",
        "fhir",
        "--out",
        missing.join("export.json").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        !missing.exists(),
        "no folder was made for a secret or a snapshot"
    );

    let region = dir.join("drills").join("2026").join("region");
    ok(&run(&[
        "demo-data",
        "--patients",
        "3",
        "--out",
        region.to_str().unwrap(),
    ]));
    assert!(
        region.join("region.json").is_file(),
        "a region's folders are made"
    );
}
