//! End-to-end: the real `fieldchart check` and `inspect` over handwritten storage trees that break
//! the rules in ways the NHO samples do not: broken lines holding a patient's name, address and phone
//! (diagnostics must say where and what kind of fault, never quote the text).

use std::path::{Path, PathBuf};
use std::process::Command;

use encoding_rs::ISO_2022_JP;
use serde_json::Value;

mod common;
use common::fieldchart;

const FACILITY: &str = "0412345678";

fn jis(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = ISO_2022_JP.encode(text);
    assert!(!unmappable, "fixture text must be JIS X 0208");
    bytes.into_owned()
}

/// Writes `bytes` at `root/<id[0..3]>/<id[3..6]>/<id>/<date>/<type>/<name>`; returns the path.
fn put(root: &Path, id: &str, date: &str, data_type: &str, name: &str, bytes: &[u8]) -> PathBuf {
    let dir = root
        .join(&id[..3])
        .join(&id[3..6])
        .join(id)
        .join(date)
        .join(data_type);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// What must never appear in a diagnostic: the patient's name, kana, address and phone.
const CONTENT: &[&str] = &[
    "山田",
    "花子",
    "ヤマダ",
    "ハナコ",
    "石巻",
    "中央",
    "090-1234",
    "1234-5678",
    "0225",
];

fn assert_no_content(what: &str, shown: &str) {
    for content in CONTENT {
        assert!(
            !shown.contains(content),
            "{what} quotes patient content {content:?}:\n{shown}"
        );
    }
}

/// A standardized root whose ADT-00 has its PID broken by line breaks inside PID-5, PID-11 and
/// PID-13 (the name, the address and the phone each on a line of their own), a PID-3 that holds a
/// name instead of the ID, an allergy whose action is a name, and a CDA letter that is not
/// well-formed XML with the name as a tag.
fn broken_storage(root: &Path) -> PathBuf {
    let id = "0012345";
    let adt00 = [
        "MSH|^~\\&|HIS|SEND|GW|RCV|20240101120000||ADT^A08^ADT_A01|1|P|2.5||||||~ISO IR87||ISO 2022-1994",
        "EVN||20240101",
        "PID|0001||山田花子||山田^花子^^^^^L^I~ヤマダ",
        "ハナコ^^^^^L^P||19700312|F|||^^^^986-0000^JPN^H^宮城県石巻市",
        "中央一丁目2番3号||^PRN^PH^^^^^^^^^090-",
        "1234-5678",
        "AL1|1|DA^薬剤アレルギー^HL70127|1^ペニシリン^99XYZ",
    ]
    .join("\r");
    let file = put(
        root,
        id,
        "-",
        "ADT-00",
        &format!("{id}_-_ADT-00_999999999999999_20240101120000000_-_1"),
        &jis(&adt00),
    );
    let iam = [
        "MSH|^~\\&|HIS|SEND|GW|RCV|20240101120000||ADT^A60^ADT_A60|2|P|2.5||||||~ISO IR87||ISO 2022-1994",
        "EVN||20240101",
        "PID|0001||0012345",
        "IAM|1|FA^食物アレルギー^HL70127|1^ソバ^99X|SV^重度^HL70128||山田花子 0225-00-0000",
    ]
    .join("\r");
    put(
        root,
        id,
        "-",
        "ADT-61",
        &format!("{id}_-_ADT-61_999999999999999_20240101120000000_-_1"),
        &jis(&iam),
    );
    let letter = root.join(format!(
        "001/234/{id}/20240101/L01^紹介状^99ZZZ^57133-1^診療情報提供書^LN/{id}_20240101_L01_K1_20240101120000000_01_1"
    ));
    std::fs::create_dir_all(&letter).unwrap();
    std::fs::write(
        letter.join("main_document.xml"),
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ClinicalDocument xmlns=\"urn:hl7-org:v3\"><山田花子>宮城県石巻市中央</ClinicalDocument>",
    )
    .unwrap();
    file
}

#[test]
fn check_and_inspect_report_broken_lines_by_position_never_by_their_text() {
    let dir = tempfile::tempdir().unwrap();
    let adt00 = broken_storage(dir.path());
    let root = format!("{FACILITY}={}", dir.path().display());

    let (code, stdout, stderr) = fieldchart(&["check", &root, "--json"]);
    assert_eq!(code, 0, "{stderr}");
    let report: Value = serde_json::from_str(&stdout).unwrap();
    let problems: Vec<&Value> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .chain(report["warnings"].as_array().unwrap())
        .collect();
    // The faults are found, and named by where they are and what kind they are.
    let reasons: Vec<&str> = problems
        .iter()
        .map(|p| p["reason"].as_str().unwrap())
        .collect();
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("line 4") && r.contains("segment ID")),
        "{reasons:#?}"
    );
    assert!(
        reasons.iter().any(|r| r.contains("PID-3 is not an ID")),
        "{reasons:#?}"
    );
    assert!(reasons.iter().any(|r| r.contains("IAM-6")), "{reasons:#?}");
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("not well-formed XML (at line 1")),
        "{reasons:#?}"
    );
    assert_no_content("check --json", &serde_json::to_string(&problems).unwrap());

    let (code, text, stderr) = fieldchart(&["check", &root, "--examples", "100"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(text.contains("segment ID"), "{text}");
    assert_no_content("check", &text);
    assert_no_content("check's standard error", &stderr);

    let (code, stdout, stderr) = fieldchart(&["inspect", adt00.to_str().unwrap(), "--json"]);
    assert_eq!(code, 0, "{stderr}");
    let view: Value = serde_json::from_str(&stdout).unwrap();
    let diagnostics = serde_json::to_string(&view["diagnostics"]).unwrap();
    assert!(diagnostics.contains("segment ID"), "{diagnostics}");
    assert_no_content("inspect --json diagnostics", &diagnostics);
    let (code, text, _) = fieldchart(&["inspect", adt00.to_str().unwrap()]);
    assert_eq!(code, 0);
    let (_, diagnostics) = text
        .split_once("\ndiagnostics:")
        .expect("a diagnostics section");
    assert!(diagnostics.contains("segment ID"), "{diagnostics}");
    assert_no_content("inspect diagnostics", diagnostics);
}

/// `depth` nested folders `a/` below `folder`, with `deep.txt` at the bottom: made a hundred levels
/// at a time with relative paths, since no single path that long can be made or opened.
fn nest(folder: &Path, depth: usize) {
    let step = vec!["a"; 100].join("/");
    let mut script = format!(
        "cd \"$1\" && for i in $(seq {}); do mkdir -p {step} && cd -P {step} || exit 1; done",
        depth / 100
    );
    if !depth.is_multiple_of(100) {
        let tail = vec!["a"; depth % 100].join("/");
        script.push_str(&format!(" && mkdir -p {tail} && cd -P {tail}"));
    }
    script.push_str(" && echo x > deep.txt");
    let status = Command::new("sh")
        .args(["-c", &script, "sh"])
        .arg(folder)
        .status()
        .unwrap();
    assert!(status.success());
}

/// Regular files below `root` as `find` counts them (it walks deep trees one folder at a time).
fn files_on_disk(root: &Path) -> u64 {
    let out = Command::new("find")
        .arg(root)
        .args(["-type", "f"])
        .output()
        .unwrap();
    assert!(out.status.success());
    out.stdout.iter().filter(|b| **b == b'\n').count() as u64
}

/// Runs `fieldchart check --json` so that `unreadable` cannot be listed: as this user when the
/// folder's mode already stops it, else (as root, whom mode 000 does not stop) as `nobody`. None,
/// with the reason printed, when neither is possible here.
fn check_where_unreadable(root_arg: &str, unreadable: &Path) -> Option<Value> {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;
    std::fs::set_permissions(unreadable, std::fs::Permissions::from_mode(0o000)).unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_fieldchart"));
    command.args(["check", root_arg, "--json"]);
    if std::fs::read_dir(unreadable).is_ok() {
        // Mode 000 does not stop this user (root, or a capability): drop to nobody for the check.
        let me = Command::new("id").arg("-u").output().unwrap();
        if String::from_utf8_lossy(&me.stdout).trim() != "0" {
            println!(
                "SKIPPED the unreadable-folder part: mode 000 does not stop this user and it is \
                 not root, so it cannot run the check as another user"
            );
            return None;
        }
        command.uid(65534).gid(65534);
    }
    let out = command.output().expect("fieldchart runs");
    std::fs::set_permissions(unreadable, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(serde_json::from_slice(&out.stdout).unwrap())
}

#[test]
fn check_counts_exactly_the_files_it_saw_and_says_what_it_could_not_list() {
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("standard");
    let id = "0012345";
    let adt = |id: &str| {
        jis(&[
            "MSH|^~\\&|HIS|SEND|GW|RCV|20240101120000||ADT^A08^ADT_A01|1|P|2.5||||||~ISO IR87||ISO 2022-1994",
            "EVN||20240101",
            &format!("PID|0001||{id}||試験^太郎^^^^^L^I||19700312|M"),
        ]
        .join("\r"))
    };
    put(
        &root,
        id,
        "-",
        "ADT-00",
        &format!("{id}_-_ADT-00_999999999999999_20240101120000000_-_1"),
        &adt(id),
    );
    // A content folder whose document sits 2,100 folders deep, past the system's path limit.
    let letter = root.join(format!(
        "001/234/{id}/20240101/L01^紹介状^99ZZZ^57133-1^診療情報提供書^LN/{id}_20240101_L01_K1_20240101120000000_01_1"
    ));
    std::fs::create_dir_all(&letter).unwrap();
    std::fs::write(letter.join("main_document.xml"), "<a/>").unwrap();
    nest(&letter, 2100);
    // A care-date folder whose name is not UTF-8, holding a file.
    let odd = root
        .join(format!("001/234/{id}"))
        .join(std::ffi::OsStr::from_bytes(b"2024\xff"));
    std::fs::create_dir_all(odd.join("OMP-01")).unwrap();
    std::fs::write(odd.join("OMP-01/x"), b"x").unwrap();
    // A patient folder nobody may read, holding a file.
    let other = "0067890";
    let hidden = put(
        &root,
        other,
        "-",
        "ADT-00",
        &format!("{other}_-_ADT-00_999999999999999_20240101120000000_-_1"),
        &adt(other),
    );
    let unreadable = hidden.ancestors().nth(3).unwrap().to_path_buf();
    assert!(unreadable.ends_with(other));
    // Everyone may walk the rest (a test as root runs the check as nobody).
    for path in [dir.path(), root.as_path()] {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let on_disk = files_on_disk(&root);
    assert_eq!(
        on_disk, 5,
        "ADT-00 ×2, the letter, the deep file, the odd folder's file"
    );

    let root_arg = format!("{FACILITY}={}", root.display());
    let Some(report) = check_where_unreadable(&root_arg, &unreadable) else {
        return;
    };
    let errors = report["errors"].as_array().unwrap();
    let file_errors = errors.iter().filter(|e| e["subject"] == "file").count() as u64;
    let files = report["files"].as_u64().unwrap();
    assert_eq!(files, report["records"].as_u64().unwrap() + file_errors);
    // Seen: one ADT-00 and the letter; not seen: the deep file, the odd folder's file, the hidden
    // patient's ADT-00, each below a folder that is named as not listed.
    assert_eq!(files, 2, "{report:#}");
    assert_eq!(report["unlisted"], 3, "{errors:#?}");
    assert_eq!(on_disk - files, 3);
    let unlisted: Vec<&Value> = errors.iter().filter(|e| e["subject"] == "folder").collect();
    let reason = |code: &str| {
        unlisted
            .iter()
            .find(|e| e["code"] == code)
            .map(|e| e["reason"].as_str().unwrap().to_string())
    };
    assert!(
        reason("unreadable")
            .is_some_and(|r| r.contains("longer than the system can open")
                || r.contains("Permission denied")),
        "{unlisted:#?}"
    );
    assert!(reason("non_utf8_name").is_some(), "{unlisted:#?}");
    assert!(
        unlisted.iter().any(
            |e| e["path"].as_str().unwrap().ends_with(&format!("/{other}"))
                && e["reason"].as_str().unwrap().contains("Permission denied")
        ),
        "{unlisted:#?}"
    );
    assert!(
        unlisted.iter().any(|e| e["reason"]
            .as_str()
            .unwrap()
            .contains("longer than the system can open")),
        "{unlisted:#?}"
    );
}
