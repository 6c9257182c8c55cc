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
    assert!(stdout.contains("no laptop is registered yet"), "{stdout}");

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

#[test]
fn a_hub_build_opens_for_its_laptop_and_the_hub_verifies_it_with_its_own_key() {
    let dir = tempfile::tempdir().unwrap();
    let region = dir.path().join("region");
    let region_arg = region.to_str().unwrap();
    let (code, _, stderr) = fieldchart(&[
        "demo-data",
        "--patients",
        "20",
        "--facilities",
        "2",
        "--seed",
        "3",
        "--out",
        region_arg,
    ]);
    assert_eq!(code, 0, "{stderr}");
    let laptop_key = dir.path().join("laptop.key");
    let (code, laptop, _) = fieldchart(&["keys", "device", "--out", laptop_key.to_str().unwrap()]);
    assert_eq!(code, 0);

    let hub = dir.path().join("hub");
    let hub_arg = hub.to_str().unwrap();
    assert_eq!(fieldchart(&["hub", "init", hub_arg]).0, 0);
    let config = hub.join("hub.toml");
    let mut text = fs::read_to_string(&config)
        .unwrap()
        .replace("drill = false", "drill = true")
        .replace(
            "laptops = []",
            &format!("laptops = [\"{}\"]", laptop.trim()),
        );
    let mut facilities: Vec<_> = fs::read_dir(&region)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .collect();
    facilities.sort_by_key(|e| e.file_name());
    for f in &facilities {
        let roots: Vec<String> = ["standard", "extended"]
            .iter()
            .map(|r| f.path().join(r))
            .filter(|p| p.is_dir())
            .map(|p| format!("\"{}\"", p.display()))
            .collect();
        text.push_str(&format!(
            "\n[[facility]]\ncode = \"{}\"\nname = \"病院 {}\"\nroots = [{}]\n",
            f.file_name().to_string_lossy(),
            f.file_name().to_string_lossy(),
            roots.join(", ")
        ));
    }
    fs::write(&config, text).unwrap();

    let (code, json, stderr) = fieldchart(&["hub", "build", hub_arg, "--json"]);
    assert_eq!(code, 0, "{stderr}");
    let summary: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(summary["patients"].as_u64().unwrap() >= 20, "{summary}");
    let built = summary["path"].as_str().unwrap().to_string();
    assert!(
        built.starts_with(hub.join("builds").to_str().unwrap()),
        "{built}"
    );

    let trust = hub.join("keys").join("signing.pub");
    for identity in [laptop_key.clone(), hub.join("keys").join("hub.key")] {
        let (code, manifest, stderr) = fieldchart(&[
            "snapshot",
            "verify",
            &built,
            "--trust",
            trust.to_str().unwrap(),
            "--identity",
            identity.to_str().unwrap(),
            "--json",
        ]);
        assert_eq!(code, 0, "{}: {stderr}", identity.display());
        let manifest: serde_json::Value = serde_json::from_str(&manifest).unwrap();
        let text = manifest.to_string();
        assert!(
            text.contains("病院 "),
            "the facility names of hub.toml: {text}"
        );
        assert!(text.contains("\"drill\":true"), "{text}");
    }

    // The hub checks what it built with its own key alone.
    let (code, stdout, stderr) = fieldchart(&["hub", "verify", hub_arg]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("OK "), "{stdout}");
    let mut bytes = fs::read(&built).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x40;
    fs::write(&built, bytes).unwrap();
    let (code, stdout, stderr) = fieldchart(&["hub", "verify", hub_arg]);
    assert_eq!(code, 12, "a flipped byte is tampering: {stdout} {stderr}");
    assert!(stdout.starts_with("FAILED "), "{stdout}");
    assert!(stderr.contains("do not publish"), "{stderr}");
}
