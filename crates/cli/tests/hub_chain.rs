//! End-to-end: the hub's incremental builds (`hub build` night after night) and a laptop opening the
//! chain they make, through the real binary.

use std::fs;
use std::path::Path;

mod common;
use common::fieldchart;
use common::hub::{Hub, append_note, backdate, clinical_file, files_under, ids, key_of, set_mtime};

#[test]
fn nightly_builds_make_layers_of_exactly_what_changed_and_the_chain_opens_as_one_snapshot() {
    let hub = Hub::new("120");
    let base = hub.build(&[]);
    assert_eq!(base["hub"]["kind"], "base", "{base}");
    assert_eq!(base["hub"]["why_base"], "there is no base yet");

    // Nothing changed: a layer with nobody in it (it renews the chain's validity), no file read.
    let quiet = hub.build(&[]);
    assert_eq!(quiet["hub"]["kind"], "layer", "{quiet}");
    for field in ["new", "changed", "removed", "touched", "hashed_files"] {
        assert_eq!(quiet["hub"][field], 0, "{field}: {quiet}");
    }

    let folders = hub.patient_folders();
    // Touched (a copy that kept the content): hashed, found unchanged, not in the layer.
    let touched = files_under(&folders[1])[0].clone();
    set_mtime(
        &touched,
        std::time::SystemTime::now() + std::time::Duration::from_secs(60),
    );
    // Changed: one line added to a result file.
    let changed_folder = &folders[2];
    let changed = clinical_file(changed_folder);
    append_note(&changed);
    // Removed: a whole patient folder.
    let removed = &folders[3];
    let removed_key = key_of(removed, &hub);
    let removed_id = removed.file_name().unwrap().to_string_lossy().to_string();
    fs::remove_dir_all(removed).unwrap();

    let layer = hub.build(&[]);
    let h = &layer["hub"];
    assert_eq!(h["kind"], "layer", "{layer}");
    assert_eq!(h["changed"], 1, "{layer}");
    assert_eq!(h["removed"], 1, "{layer}");
    assert_eq!(h["new"], 0, "{layer}");
    assert_eq!(h["touched"], 1, "{layer}");
    assert_eq!(
        h["hashed_files"], 2,
        "only the two files whose time or size differ: {layer}"
    );
    assert_eq!(h["chain"].as_array().unwrap().len(), 3, "{layer}");
    assert_eq!(h["chain"][2]["patients"], 1);
    assert_eq!(h["chain"][2]["tombstones"], 1);
    assert!(
        layer["items"].as_u64().unwrap() * 20 < base["items"].as_u64().unwrap(),
        "a layer holds one patient's items: {} of {}",
        layer["items"],
        base["items"]
    );
    // The manifest still counts the whole region.
    assert_eq!(layer["patients"], 119, "{layer}");

    let chain = hub.chain_file(&layer);
    // The removed patient: not listed, no record, though the base still holds them.
    let (code, found, stderr) = hub.search(&chain, &removed_id);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        ids(&found).is_empty(),
        "a removed patient is never listed: {found}"
    );
    let base_file = hub
        .hub
        .join("builds")
        .join(base["hub"]["chain"][0]["file"].as_str().unwrap());
    let (_, in_base, _) = hub.search(&base_file, &removed_id);
    assert_eq!(
        ids(&in_base),
        vec![removed_key.clone()],
        "the base still holds them"
    );
    let (code, _, stderr) = hub.record(&chain, &removed_key);
    assert_ne!(code, 0, "no record of a removed patient");
    assert!(stderr.contains("no patient"), "{stderr}");

    // The changed patient: listed once, the record from the layer, with the layer's data age.
    let changed_key = key_of(changed_folder, &hub);
    let changed_id = changed_folder
        .file_name()
        .unwrap()
        .to_string_lossy()
        .to_string();
    let (_, found, _) = hub.search(&chain, &changed_id);
    assert_eq!(
        ids(&found),
        vec![changed_key.clone()],
        "listed once: {found}"
    );
    let (code, record, stderr) = hub.record(&chain, &changed_key);
    assert_eq!(code, 0, "{stderr}");
    let layer_id = layer["snapshot_id"].as_str().unwrap();
    assert_eq!(
        record["data_as_of"]["snapshot_id"], layer_id,
        "the record and its data age come from the layer: {}",
        record["data_as_of"]
    );
    // An unchanged patient's record still comes from the base.
    let unchanged_key = key_of(&folders[0], &hub);
    let (code, record, stderr) = hub.record(&chain, &unchanged_key);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(record["data_as_of"]["snapshot_id"], base["snapshot_id"]);

    // A common name: every match once, none removed, the same set the base lists but the removed.
    let name = found["results"][0]["name_kanji"]
        .as_str()
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .to_string();
    let (_, over_chain, _) = hub.search(&chain, &name);
    let (_, over_base, _) = hub.search(&base_file, &name);
    let mut expected = ids(&over_base);
    expected.retain(|k| *k != removed_key);
    assert_eq!(ids(&over_chain), expected, "{name}");
}

#[test]
fn a_nightly_build_reads_only_the_patients_whose_folder_or_file_times_changed() {
    let hub = Hub::new("60");
    // The storage as a copy made yesterday leaves it: every time well before the build.
    let yesterday = std::time::SystemTime::now() - std::time::Duration::from_secs(86_400);
    backdate(&hub.region, yesterday);
    let base = hub.build(&[]);
    let scanned = base["hub"]["scanned"].as_u64().unwrap();
    assert_eq!(scanned, 60, "{base}");
    assert_eq!(
        base["hub"]["walked"], scanned,
        "a first build walks everyone"
    );

    let quiet = hub.build(&[]);
    assert_eq!(
        quiet["hub"]["walked"], 0,
        "every folder has the time the state keeps, so none is read: {quiet}"
    );
    for field in ["new", "changed", "removed", "touched", "hashed_files"] {
        assert_eq!(quiet["hub"][field], 0, "{field}: {quiet}");
    }

    let folders = hub.patient_folders();
    // A file added to a data-type folder changes only that folder's time.
    let first = clinical_file(&folders[1]);
    fs::write(first.parent().unwrap().join("memo.txt"), "a stray file").unwrap();
    // A file rewritten in place (a longer result) leaves its folder's time alone.
    let rewritten = clinical_file(&folders[2]);
    append_note(&rewritten);
    // A new care-date folder changes the patient folder's time.
    let visit = clinical_file(&folders[3]);
    let type_folder = visit.parent().unwrap();
    let new_type = folders[3]
        .join("29991231")
        .join(type_folder.file_name().unwrap());
    fs::create_dir_all(&new_type).unwrap();
    fs::copy(&visit, new_type.join(visit.file_name().unwrap())).unwrap();

    // The stray file is a reader error: built, exit 3.
    let (code, layer) = hub.build_with_code(&[]);
    assert_eq!(code, 3, "{layer}");
    let h = &layer["hub"];
    assert_eq!(h["kind"], "layer", "{layer}");
    assert_eq!(
        h["walked"], 3,
        "only the three patients whose times moved: {layer}"
    );
    assert_eq!(h["changed"], 3, "{layer}");
    assert_eq!(
        h["hashed_files"], 2,
        "the rewritten and the copied file: {layer}"
    );

    // Two of them had folders changed a moment ago: those times are not trusted, so they are
    // read again. The rewritten file's folders kept their times.
    let next = hub.build(&[]);
    assert_eq!(next["hub"]["walked"], 2, "{next}");
    assert_eq!(next["hub"]["changed"], 0, "{next}");
    assert_eq!(next["hub"]["touched"], 0, "{next}");
    // Once the times are old they are kept, and nobody is walked.
    backdate(&hub.region, yesterday);
    let settled = hub.build(&[]);
    assert_eq!(
        settled["hub"]["walked"], 3,
        "the three again, now with old times: {settled}"
    );
    assert_eq!(settled["hub"]["changed"], 0, "{settled}");
    let quiet = hub.build(&[]);
    assert_eq!(quiet["hub"]["walked"], 0, "{quiet}");

    // The weekly full check reads every folder.
    let full = hub.build(&["--full"]);
    assert_eq!(full["hub"]["walked"], scanned, "{full}");
    assert_eq!(full["hub"]["changed"], 0, "{full}");
}

#[test]
fn a_file_changed_in_place_with_its_size_and_time_kept_is_found_by_the_full_check() {
    let hub = Hub::new("60");
    hub.build(&[]);
    let folder = &hub.patient_folders()[4];
    let file = files_under(folder)
        .into_iter()
        .find(|p| p.to_string_lossy().contains("ADT-00"))
        .unwrap();
    let mtime = fs::metadata(&file).unwrap().modified().unwrap();
    let mut bytes = fs::read(&file).unwrap();
    // Same length, one digit of the phone number changed, time put back.
    let at = bytes.iter().rposition(u8::is_ascii_digit).unwrap();
    bytes[at] = if bytes[at] == b'1' { b'2' } else { b'1' };
    fs::write(&file, &bytes).unwrap();
    set_mtime(&file, mtime);

    let nightly = hub.build(&[]);
    assert_eq!(
        nightly["hub"]["changed"], 0,
        "names, sizes and times agree: {nightly}"
    );
    let full = hub.build(&["--full"]);
    assert_eq!(full["hub"]["kind"], "base", "{full}");
    assert_eq!(
        full["hub"]["why_base"],
        "a full check (--full) writes a fresh base"
    );
    assert_eq!(full["hub"]["changed"], 1, "every file hashed: {full}");
    assert_eq!(full["hub"]["chain"].as_array().unwrap().len(), 1);
    // The old chain's files are gone from builds/; the new base alone is there.
    let left: Vec<_> = fs::read_dir(hub.hub.join("builds"))
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    assert_eq!(left.len(), 1, "{left:?}");
}

#[test]
fn layers_past_the_share_of_the_base_make_a_fresh_base() {
    let hub = Hub::new("40");
    let config = hub.hub.join("hub.toml");
    let text = fs::read_to_string(&config)
        .unwrap()
        .replace("layer_share = 1.0", "layer_share = 0.05");
    fs::write(&config, text).unwrap();
    hub.build(&[]);
    for folder in hub.patient_folders().iter().take(5) {
        fs::remove_dir_all(folder).unwrap();
    }
    let next = hub.build(&[]);
    assert_eq!(next["hub"]["kind"], "base", "{next}");
    assert!(
        next["hub"]["why_base"]
            .as_str()
            .unwrap()
            .contains("patients changed"),
        "{next}"
    );
}

#[test]
fn a_second_build_or_publish_while_one_works_in_the_hub_stops_at_once_with_exit_25() {
    let hub = Hub::new("20");
    hub.build(&[]);
    let last = fs::read_to_string(hub.hub.join("state").join("hub.lock")).unwrap();
    assert!(
        last.starts_with("hub build (process "),
        "the last holder: {last}"
    );
    // Another command holds the hub folder (as a running build does).
    let held = fieldchart_hub::lock(&hub.hub, "hub build").unwrap();
    let builds_before = fs::read_dir(hub.hub.join("builds")).unwrap().count();
    let repo = hub.dir.path().join("repo");
    for args in [
        vec!["hub", "build", hub.hub.to_str().unwrap()],
        vec![
            "hub",
            "publish",
            hub.hub.to_str().unwrap(),
            "--to",
            repo.to_str().unwrap(),
        ],
    ] {
        let (code, _, stderr) = fieldchart(&args);
        assert_eq!(code, 25, "{args:?}: {stderr}");
        assert!(
            stderr.contains("is busy: hub build (process ") && stderr.contains("try again"),
            "{args:?}: the message names who holds it: {stderr}"
        );
    }
    assert!(!repo.exists(), "nothing was published");
    assert_eq!(
        fs::read_dir(hub.hub.join("builds")).unwrap().count(),
        builds_before
    );
    // Let go (as when that command ends, however it ends): the next one runs.
    drop(held);
    assert_eq!(hub.build(&[])["hub"]["kind"], "layer");
}

#[test]
fn a_layer_of_another_chain_or_a_missing_layer_is_refused() {
    let hub = Hub::new("30");
    let base = hub.build(&[]);
    fs::remove_dir_all(&hub.patient_folders()[0]).unwrap();
    let first = hub.build(&[]);
    fs::remove_dir_all(&hub.patient_folders()[0]).unwrap();
    let second = hub.build(&[]);
    let file = |s: &serde_json::Value, i: usize| {
        s["hub"]["chain"][i]["file"].as_str().unwrap().to_string()
    };
    let builds = hub.hub.join("builds");
    let write_chain = |files: &[String]| {
        let path = builds.join("test.fcchain");
        let json = serde_json::json!({ "format": "fieldchart-chain-1", "files": files });
        fs::write(&path, json.to_string()).unwrap();
        path
    };
    // The whole chain opens.
    let ok = write_chain(&[file(&base, 0), file(&first, 1), file(&second, 2)]);
    assert_eq!(hub.search(&ok, "1").0, 0);
    // Layer 2 straight on the base: a layer between them is missing.
    let gap = write_chain(&[file(&base, 0), file(&second, 2)]);
    let (code, _, stderr) = hub.search(&gap, "1");
    assert_eq!(code, 12, "{stderr}");
    assert!(stderr.contains("do not make one chain"), "{stderr}");

    // A layer of an older chain of the same hub on the fresh base that replaced it.
    fs::copy(builds.join(file(&first, 1)), builds.join("kept-layer.fcs")).unwrap();
    let fresh = hub.build(&["--full"]);
    let mixed = write_chain(&[file(&fresh, 0), "kept-layer.fcs".into()]);
    let (code, _, stderr) = hub.search(&mixed, "1");
    assert_eq!(code, 12, "{stderr}");
    assert!(stderr.contains("another base"), "{stderr}");
}

fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap().filter_map(Result::ok) {
        let target = to.join(e.file_name());
        if e.path().is_dir() {
            copy_tree(&e.path(), &target);
        } else {
            fs::copy(e.path(), &target).unwrap();
        }
    }
}

#[test]
#[cfg_attr(
    not(heavy_tests),
    ignore = "kills 24 hub builds; run with FIELDCHART_HEAVY_TESTS=1"
)]
fn a_hub_build_killed_at_any_moment_changes_nothing_and_the_next_build_makes_the_right_layer() {
    let hub = Hub::new("150");
    hub.build(&[]);
    let folders = hub.patient_folders();
    let changed = clinical_file(&folders[5]);
    append_note(&changed);
    fs::remove_dir_all(&folders[6]).unwrap();
    fs::remove_dir_all(&folders[7]).unwrap();
    let after_base = hub.dir.path().join("after-base");
    copy_tree(&hub.hub, &after_base);

    // How long a whole build takes, so the kills fall all through it.
    let started = std::time::Instant::now();
    hub.build(&[]);
    let whole = started.elapsed();
    let (mut killed, mut finished_first) = (0, 0);
    for i in 0..24u32 {
        fs::remove_dir_all(&hub.hub).unwrap();
        copy_tree(&after_base, &hub.hub);
        let mut child = std::process::Command::new(common::BIN)
            .args(["hub", "build", hub.hub.to_str().unwrap(), "--json"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(whole.mul_f64(f64::from(i) / 20.0));
        let done_before = child.try_wait().unwrap().is_some();
        child.kill().ok();
        child.wait().unwrap();
        if done_before {
            finished_first += 1;
        } else {
            killed += 1;
        }

        let next = hub.build(&[]);
        let h = &next["hub"];
        let chain = h["chain"].as_array().unwrap();
        if done_before || chain.len() == 3 {
            // The killed build had finished and the state took it: this one finds nothing new.
            assert_eq!(chain.len(), 3, "kill {i}: {next}");
            assert_eq!(chain[1]["patients"], 1, "kill {i}: {next}");
            assert_eq!(chain[1]["tombstones"], 2, "kill {i}: {next}");
            assert_eq!(h["changed"], 0, "kill {i}: {next}");
        } else {
            assert_eq!(chain.len(), 2, "kill {i}: {next}");
            assert_eq!(h["changed"], 1, "kill {i}: the right layer: {next}");
            assert_eq!(h["removed"], 2, "kill {i}: {next}");
        }
        // Only the chain's files are left in builds/, and each one checks out.
        let mut left: Vec<String> = fs::read_dir(hub.hub.join("builds"))
            .unwrap()
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().to_string())
            .collect();
        left.sort();
        let mut expected: Vec<String> = chain
            .iter()
            .map(|e| e["file"].as_str().unwrap().to_string())
            .collect();
        expected.sort();
        assert_eq!(left, expected, "kill {i}: nothing half-built is left");
        let (code, stdout, stderr) = fieldchart(&["hub", "verify", hub.hub.to_str().unwrap()]);
        assert_eq!(code, 0, "kill {i}: {stdout} {stderr}");
    }
    assert!(
        killed >= 12,
        "most kills fell inside a build: {killed} of 24"
    );
    eprintln!("{killed} builds killed mid-way, {finished_first} had finished");
}
