//! Issue 16 §2 as a hub operator runs it: hub.toml `[masters]` naming the generator's drill
//! masters (written beside the region, crates/synth/src/masters.rs), `hub check` listing them, a
//! base writing each facility's codes no master knew to `reports/`, a layer leaving those files as
//! the base wrote them, and a changed master making the next build a fresh base.

use std::fs;

mod common;
use common::fieldchart;
use common::hub::Hub;

#[test]
fn a_hub_with_masters_reports_unknown_codes_per_facility_and_rebuilds_the_base_when_a_master_changes()
 {
    let hub = Hub::new("80");
    let m = fieldchart_synth::drill_masters(&hub.region).expect("the region's drill masters");
    let config = hub.hub.join("hub.toml");
    let mut text = fs::read_to_string(&config).unwrap();
    text.push_str(&format!(
        "\n[masters]\ndisease = \"{}\"\nhot = [\"{}\"]\njlac10_analyte = \"{}\"\n\
         jlac10_specimen = \"{}\"\nlocal_maps = [\"{}\"]\n",
        m.disease.display(),
        m.hot.display(),
        m.jlac10_analyte.display(),
        m.jlac10_specimen.display(),
        m.local_map.display(),
    ));
    // And the drill HPKI root, as a drill hub names it: the summary counts the letters' results.
    let root =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../synth/drill-hpki/root.pem");
    text.push_str(&format!("\n[hpki]\nanchors = [\"{}\"]\n", root.display()));
    fs::write(&config, text).unwrap();

    let (code, out, stderr) = fieldchart(&["hub", "check", hub.hub.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    let hot_name = m.hot.file_name().unwrap().to_string_lossy().to_string();
    assert!(
        out.lines()
            .any(|l| l.starts_with("master MEDIS 医薬品HOTコードマスター: ")
                && l.contains(&hot_name)
                && l.contains("41 entries")),
        "{out}"
    );

    let base = hub.build(&[]);
    assert_eq!(base["hub"]["kind"], "base");
    let signatures = &base["signatures"];
    assert!(signatures["valid"].as_u64().unwrap() > 0, "{signatures}");
    assert_eq!(signatures["invalid"], 0, "{signatures}");
    assert_eq!(signatures["untrusted_ca"], 0, "{signatures}");
    assert_eq!(base["masters"].as_array().unwrap().len(), 5, "{base}");
    let unknown = base["unknown_codes"].as_array().unwrap();
    assert!(
        !unknown.is_empty(),
        "80 patients hold a code the drill masters leave out"
    );
    for facility in unknown {
        let code = facility["facility"].as_str().unwrap();
        let codes = facility["codes"].as_array().unwrap();
        // Only what the drill masters leave out on purpose: カルボシステイン錠's HOT9 and 尿蛋白's
        // JLAC10 analyte (masters.rs).
        for c in codes {
            let known_gap = (c["system"] == "HOT9" && c["code"] == "108876501")
                || (c["system"] == "JC10" && c["code"].as_str().unwrap().starts_with("1A010"));
            assert!(known_gap, "{c}");
        }
        let csv = fs::read_to_string(
            hub.hub
                .join("reports")
                .join(format!("unknown-codes-{code}.csv")),
        )
        .expect("a base writes each facility's report");
        let mut lines = csv.trim_start_matches('\u{feff}').lines();
        assert_eq!(lines.next(), Some("system,code,text,count"));
        let rows: Vec<&str> = lines.collect();
        assert_eq!(rows.len(), codes.len());
        assert!(
            rows.iter().any(|r| r.starts_with(&format!(
                "{},{},",
                codes[0]["system"].as_str().unwrap(),
                codes[0]["code"].as_str().unwrap()
            ))),
            "{csv}"
        );
    }
    let status = fs::read_to_string(hub.hub.join("state").join("last-build.json")).unwrap();
    let status: serde_json::Value = serde_json::from_str(&status).unwrap();
    let counted: u64 = status["facilities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["unknown_codes"].as_u64().unwrap())
        .sum();
    let listed: usize = unknown
        .iter()
        .map(|f| f["codes"].as_array().unwrap().len())
        .sum();
    assert_eq!(counted, listed as u64);

    // A layer (nothing changed) leaves the base's reports as they were.
    let reports = hub.hub.join("reports");
    let before: Vec<_> = fs::read_dir(&reports)
        .unwrap()
        .map(|e| fs::read(e.unwrap().path()).unwrap())
        .collect();
    let layer = hub.build(&[]);
    assert_eq!(layer["hub"]["kind"], "layer", "{layer}");
    let after: Vec<_> = fs::read_dir(&reports)
        .unwrap()
        .map(|e| fs::read(e.unwrap().path()).unwrap())
        .collect();
    assert_eq!(before, after);

    // A new month's master (one more mapping line): every patient's codes are read again.
    let mut map = fs::read_to_string(&m.local_map).unwrap();
    map.push_str("0000000000,99XYZ,9,HOT9,105432101\r\n");
    fs::write(&m.local_map, map).unwrap();
    let next = hub.build(&[]);
    assert_eq!(next["hub"]["kind"], "base", "{next}");
    assert!(
        next["hub"]["why_base"]
            .as_str()
            .unwrap()
            .contains("the standard masters"),
        "{next}"
    );
}

#[test]
fn a_master_file_that_is_not_its_layout_stops_check_and_build_at_its_line_but_not_status() {
    let hub = Hub::new("10");
    let config = hub.hub.join("hub.toml");
    let wrong = hub.hub.join("MEDIS20261031.TXT");
    fs::write(&wrong, "this is not a HOT master\r\n").unwrap();
    let mut text = fs::read_to_string(&config).unwrap();
    let line = text.lines().count() + 3;
    text.push_str(&format!("\n[masters]\nhot = [\"{}\"]\n", wrong.display()));
    fs::write(&config, &text).unwrap();

    let dir = hub.hub.to_str().unwrap();
    for command in ["check", "build"] {
        let (code, _, stderr) = fieldchart(&["hub", command, dir]);
        assert_eq!(code, 2, "hub {command}: {stderr}");
        assert!(
            stderr.contains(&format!("hub.toml (line {line}"))
                && stderr.contains("[masters] hot:")
                && stderr.contains("no header row"),
            "hub {command}: {stderr}"
        );
    }
    assert!(
        !hub.hub.join("builds").exists()
            || fs::read_dir(hub.hub.join("builds"))
                .unwrap()
                .next()
                .is_none(),
        "a build stopped by its configuration writes nothing"
    );
    // Only check and build read the masters: status does not even parse them.
    let (_, out, stderr) = fieldchart(&["hub", "status", dir]);
    assert!(
        !stderr.contains("[masters]") && !out.contains("[masters]"),
        "{stderr}"
    );

    // A file that is not there at all is refused by every command, at its line.
    fs::remove_file(&wrong).unwrap();
    let (code, _, stderr) = fieldchart(&["hub", "status", dir]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains(&format!("hub.toml (line {line}")) && stderr.contains("cannot read"),
        "{stderr}"
    );
}
