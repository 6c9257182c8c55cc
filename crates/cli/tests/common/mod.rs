//! A drill region plus handwritten patients, built once into a snapshot for the snapshot tests.
//!
//! The handwritten facility (`9999999999`) holds people the generator does not make: names in variant
//! kanji (髙, 齋, 邉, 濵, 櫻, 﨑 are outside JIS X 0208, so those files are UTF-8, as some vendors write
//! them), names whose romaji differs between Hepburn and kunrei, and births in every era.

#![allow(dead_code)]

pub mod hub;
pub mod nho;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

pub const BIN: &str = env!("CARGO_BIN_EXE_fieldchart");
pub const FIXTURE_FACILITY: &str = "9999999999";

pub struct Fixture {
    pub dir: PathBuf,
    pub snapshot: PathBuf,
    pub device_key: PathBuf,
    pub hub_pub: String,
    pub region: PathBuf,
    /// The hub's audit identity (reads the laptops' audit logs) and its public recipient.
    pub audit_key: PathBuf,
    pub audit_pub: String,
    /// The audit log every viewing command of the tests writes.
    pub audit_log: PathBuf,
}

/// The persona's registration at the second facility: the consent list says she refused there.
pub const REFUSED: &str = "0410710387:00200000";

impl Fixture {
    /// `--user … --profession 医師 --team … --audit-log …`: a doctor on a DMAT team.
    pub fn doctor(&self) -> Vec<String> {
        self.viewer("医師")
    }

    /// A doctor writing to the audit log `log` instead of the shared one.
    pub fn doctor_logging_to(&self, log: &Path) -> Vec<String> {
        let mut who = self.doctor();
        let at = who.iter().position(|a| a == "--audit-log").unwrap();
        who[at + 1] = log.to_str().unwrap().to_string();
        who
    }

    /// The laptop's public recipient, as its key file names it.
    pub fn device_pub(&self) -> String {
        std::fs::read_to_string(&self.device_key)
            .unwrap()
            .lines()
            .find_map(|l| l.strip_prefix("# public key: ").map(str::to_string))
            .expect("the device key file names its public key")
    }

    /// `snapshot build` of the fixture's region into `out` (removed first) for this laptop, with
    /// the hub's keys and `extra` options; panics with fieldchart's message if it fails.
    pub fn build(&self, out: &Path, extra: &[&str]) {
        let _ = std::fs::remove_file(out);
        let device_pub = self.device_pub();
        let hub_key = self.dir.join("hub.key");
        let mut args = vec![
            "snapshot",
            "build",
            "--region",
            self.region.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--recipient",
            &device_pub,
            "--signing-key",
            hub_key.to_str().unwrap(),
            "--audit-recipient",
            &self.audit_pub,
        ];
        args.extend_from_slice(extra);
        ok(&run(&args));
    }

    /// `COMMAND SNAPSHOT --identity … --trust … WHO… REST…`: a viewing command on `snapshot`.
    pub fn view(&self, snapshot: &Path, who: &[String], command: &str, rest: &[&str]) -> Output {
        let mut args = vec![
            command,
            snapshot.to_str().unwrap(),
            "--identity",
            self.device_key.to_str().unwrap(),
            "--trust",
            &self.hub_pub,
        ];
        args.extend(who.iter().map(String::as_str));
        args.extend_from_slice(rest);
        run(&args)
    }

    /// `audit review LOG --json` with the hub's audit key.
    pub fn review(&self, log: &Path) -> serde_json::Value {
        self.read_audit(&["review", log.to_str().unwrap(), "--json"])
    }

    /// `audit export LOG --format fhir` with the hub's audit key.
    pub fn fhir(&self, log: &Path) -> serde_json::Value {
        self.read_audit(&["export", log.to_str().unwrap(), "--format", "fhir"])
    }

    /// An `audit` command that decrypts with the hub's audit key and prints JSON.
    fn read_audit(&self, args: &[&str]) -> serde_json::Value {
        let mut all = vec!["audit"];
        all.extend_from_slice(args);
        all.extend(["--identity", self.audit_key.to_str().unwrap()]);
        serde_json::from_str(&ok(&run(&all))).unwrap()
    }

    /// The declaration options for a viewer of `profession`.
    pub fn viewer(&self, profession: &str) -> Vec<String> {
        [
            "--user",
            "試験 太郎",
            "--profession",
            profession,
            "--team",
            "DMAT-TEST-01",
            "--event",
            "drill",
            "--audit-log",
            self.audit_log.to_str().unwrap(),
        ]
        .map(String::from)
        .to_vec()
    }
}

/// One handwritten patient: ID, kanji name, kana name, birth date (YYYYMMDD), sex, address, phone.
pub struct Person {
    pub id: &'static str,
    pub kanji: (&'static str, &'static str),
    pub kana: (&'static str, &'static str),
    pub dob: &'static str,
    pub sex: &'static str,
    pub address: &'static str,
    pub phone: &'static str,
}

pub const PEOPLE: &[Person] = &[
    Person {
        id: "9000000001",
        kanji: ("髙橋", "一郎"),
        kana: ("タカハシ", "イチロウ"),
        dob: "19120501",
        sex: "M",
        address: "東京都千代田区丸の内１丁目９－１",
        phone: "090-1234-5678",
    },
    Person {
        id: "9000000002",
        kanji: ("齋藤", "茂"),
        kana: ("サイトウ", "シゲル"),
        dob: "19210203",
        sex: "M",
        address: "宮城県女川町鷲神浜１",
        phone: "0225-50-0001",
    },
    Person {
        id: "9000000003",
        kanji: ("渡邉", "秀樹"),
        kana: ("ワタナベ", "ヒデキ"),
        dob: "19900405",
        sex: "M",
        address: "宮城県南三陸町志津川２",
        phone: "0226-46-0002",
    },
    Person {
        id: "9000000004",
        kanji: ("濵田", "まさ子"),
        kana: ("ハマダ", "マサコ"),
        dob: "20200607",
        sex: "F",
        address: "岩手県陸前高田市高田町３",
        phone: "0192-54-0003",
    },
    Person {
        id: "9000000005",
        kanji: ("大野", "翔太"),
        kana: ("オオノ", "ショウタ"),
        dob: "19850101",
        sex: "M",
        address: "福島県相馬市中村４",
        phone: "0244-36-0004",
    },
    Person {
        id: "9000000006",
        kanji: ("中島", "千鶴"),
        kana: ("ナカジマ", "チヅル"),
        dob: "19770707",
        sex: "F",
        address: "宮城県塩竈市本町５",
        phone: "022-364-0005",
    },
    Person {
        id: "9000000007",
        kanji: ("櫻井", "﨑子"),
        kana: ("サクライ", "サキコ"),
        dob: "19600303",
        sex: "F",
        address: "宮城県多賀城市中央６",
        phone: "022-368-0006",
    },
    Person {
        id: "9000000008",
        kanji: ("高橋", "花"),
        kana: ("タカハシ", "ハナ"),
        dob: "19990909",
        sex: "F",
        address: "宮城県岩沼市桜７",
        phone: "0223-22-0007",
    },
];

fn adt00(p: &Person) -> String {
    let (kf, kg) = p.kanji;
    let (nf, ng) = p.kana;
    [
        format!(
            "MSH|^~\\&|HIS|{FIXTURE_FACILITY}|GW|RCV|20260101090000||ADT^A08^ADT_A01|{}|P|2.5||||||~ISO IR87||ISO 2022-1994",
            p.id
        ),
        "EVN||202601010900".to_string(),
        format!(
            "PID|0001||{}^^^^PI||{kf}^{kg}^^^^^L^I~{nf}^{ng}^^^^^L^P||{}|{}|||^^^^000-0000^JPN^H^{}||^PRN^PH^^^^^^^^^{}",
            p.id, p.dob, p.sex, p.address, p.phone
        ),
        "PV1|0001|O|01^^^^^C".to_string(),
        String::new(),
    ]
    .join("\r")
}

/// Writes the handwritten facility's standardized storage under `root`.
pub fn write_people(root: &Path) {
    for p in PEOPLE {
        let dir = root
            .join(&p.id[..3])
            .join(&p.id[3..6])
            .join(p.id)
            .join("-")
            .join("ADT-00");
        std::fs::create_dir_all(&dir).unwrap();
        let name = format!("{}_-_ADT-00_999999999999999_20260101090000000_-_1", p.id);
        std::fs::write(dir.join(name), adt00(p)).unwrap();
    }
}

pub fn run(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().unwrap()
}

/// Runs the binary: its exit code (-1 when a signal ended it), stdout and stderr, both UTF-8.
pub fn fieldchart(args: &[&str]) -> (i32, String, String) {
    let out = run(args);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).expect("UTF-8 output"),
        String::from_utf8(out.stderr).expect("UTF-8 errors"),
    )
}

pub fn run_in(dir: &Path, tmp: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .env("TMPDIR", tmp)
        .output()
        .unwrap()
}

pub fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "fieldchart failed ({:?}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

pub fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        // One directory per test binary, so binaries run side by side never share files.
        let binary = std::env::current_exe()
            .ok()
            .and_then(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
            .unwrap_or_default();
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("snapshot-fixture-{binary}"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let region = dir.join("region");
        ok(&run(&[
            "demo-data",
            "--patients",
            "200",
            "--facilities",
            "2",
            "--seed",
            "7",
            "--out",
            region.to_str().unwrap(),
        ]));
        let people = dir.join("people");
        write_people(&people);
        let device_key = dir.join("device.key");
        let device_pub = ok(&run(&[
            "keys",
            "device",
            "--out",
            device_key.to_str().unwrap(),
        ]))
        .trim()
        .to_string();
        let hub_key = dir.join("hub.key");
        let hub_pub = ok(&run(&[
            "keys",
            "signing",
            "--out",
            hub_key.to_str().unwrap(),
        ]))
        .trim()
        .to_string();
        let audit_key = dir.join("hub-audit.key");
        let audit_pub = ok(&run(&[
            "keys",
            "device",
            "--out",
            audit_key.to_str().unwrap(),
        ]))
        .trim()
        .to_string();
        // The persona consented at her first facility and refused at the second; everyone else is
        // unknown (the policy default).
        let consent = dir.join("consent.csv");
        let (refused_fac, refused_id) = REFUSED.split_once(':').unwrap();
        std::fs::write(
            &consent,
            format!(
                "facility,patient_id,state\n0410610011,0010000000,consented\n{refused_fac},{refused_id},refused\n"
            ),
        )
        .unwrap();
        let passphrase = dir.join("pass.txt");
        std::fs::write(&passphrase, "correct horse battery staple\n").unwrap();
        let snapshot = dir.join("drill.fcs");
        ok(&run(&[
            "snapshot",
            "build",
            "--region",
            region.to_str().unwrap(),
            "--storage",
            &format!("{FIXTURE_FACILITY}={}", people.display()),
            "--out",
            snapshot.to_str().unwrap(),
            "--recipient",
            device_pub.trim(),
            "--passphrase-file",
            passphrase.to_str().unwrap(),
            "--scrypt-log-n",
            "10",
            "--signing-key",
            hub_key.to_str().unwrap(),
            "--audit-recipient",
            &audit_pub,
            "--consent",
            consent.to_str().unwrap(),
            "--drill",
        ]));
        Fixture {
            audit_log: dir.join("laptop").join("audit.log"),
            dir,
            snapshot,
            device_key,
            hub_pub,
            region,
            audit_key,
            audit_pub,
        }
    })
}
