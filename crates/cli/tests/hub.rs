//! End-to-end: `fieldchart hub init` and `hub check` as an operator runs them, with their exit codes.

use std::fs;

mod common;
use common::fieldchart;

#[test]
fn init_then_check_walks_an_operator_from_an_empty_folder_to_a_checked_hub() {
    let dir = tempfile::tempdir().unwrap();
    let hub = dir.path().join("hub");
    let hub_arg = hub.to_str().unwrap();

    let (code, stdout, stderr) = fieldchart(&["hub", "init", hub_arg, "--name", "石巻地域ハブ"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("signing key (every laptop trusts it): "),
        "{stdout}"
    );
    assert!(stdout.contains("fieldchart hub check"), "{stdout}");

    let (code, _, stderr) = fieldchart(&["hub", "init", hub_arg]);
    assert_eq!(code, 18, "a second init is refused: {stderr}");
    assert!(stderr.contains("exists already"), "{stderr}");

    let (code, _, stderr) = fieldchart(&["hub", "check", hub_arg]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("[[facility]]"), "{stderr}");

    let root = dir.path().join("standard");
    fs::create_dir(&root).unwrap();
    let config = hub.join("hub.toml");
    let mut text = fs::read_to_string(&config).unwrap();
    text.push_str(&format!(
        "\n[[facility]]\ncode = \"0410610011\"\nname = \"石巻みなと総合病院\"\nroots = [\"{}\"]\n",
        root.display()
    ));
    fs::write(&config, &text).unwrap();
    let (code, stdout, stderr) = fieldchart(&["hub", "check", hub_arg]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("facility 0410610011 石巻みなと総合病院"),
        "{stdout}"
    );
    assert!(stdout.contains("no laptop is listed yet"), "{stdout}");

    let (code, json, _) = fieldchart(&["hub", "check", hub_arg, "--json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["facilities"][0]["code"], "0410610011");
    assert_eq!(v["valid_days"], 30);

    fs::write(&config, text.replace("[snapshot]", "[snapshots]")).unwrap();
    let (code, _, stderr) = fieldchart(&["hub", "check", hub_arg]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("line "),
        "the fault names its line: {stderr}"
    );
}
