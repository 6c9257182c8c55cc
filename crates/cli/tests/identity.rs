//! The hub's cross-references as an operator configures them: the regional index's export, then
//! HL7 link events; a wrong link undone by an unlink takes effect in the next layer; a bad line
//! stops the build with its number.

use std::fs;

mod common;
use common::fieldchart;
use common::hub::Hub;

/// Sets the `[identity]` keys of the hub's hub.toml (`hub init` writes the table, commented).
fn identity(hub: &Hub, settings: &str) {
    let config = hub.hub.join("hub.toml");
    let text = fs::read_to_string(&config).unwrap();
    let kept: Vec<&str> = text
        .lines()
        .filter(|l| !l.starts_with("xref =") && !l.starts_with("link_events ="))
        .collect();
    let text = kept
        .join("\n")
        .replacen("[identity]\n", &format!("[identity]\n{settings}\n"), 1);
    assert!(
        text.contains(settings),
        "hub init writes an [identity] table"
    );
    fs::write(&config, text + "\n").unwrap();
}

fn hl7(trigger: &str, control: &str, at: &str, a: (&str, &str), b: (&str, &str)) -> String {
    format!(
        "MSH|^~\\&|MPI|REGION|HUB|HUB|{at}||ADT^{trigger}^ADT_A24|{control}|P|2.5\r\
         EVN||{at}\rPID|1||{}^^^{}^PI\rPID|2||{}^^^{}^PI\r",
        a.1, a.0, b.1, b.0
    )
}

#[test]
fn the_index_links_people_an_unlink_undoes_a_wrong_link_and_a_bad_line_stops_the_build() {
    let hub = Hub::new("60");
    let xref = hub.region.join("pix-xref.tsv");
    let region: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(hub.region.join("region.json")).unwrap()).unwrap();
    let pairs = region["cross_references"].as_u64().unwrap();
    assert!(pairs >= 2, "the drill region links some people: {region}");
    let text = fs::read_to_string(&xref).unwrap();
    let first: Vec<&str> = text.lines().nth(1).unwrap().split('\t').collect();
    let second: Vec<&str> = text.lines().nth(2).unwrap().split('\t').collect();

    // The generator's export, as is: every pair is one person, all of them in the storage.
    identity(&hub, &format!("xref = \"{}\"", xref.display()));
    let (code, out, err) = fieldchart(&["hub", "check", hub.hub.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("cross-references: "), "{out}");
    let base = hub.build(&[]);
    assert_eq!(base["links"]["groups"], pairs, "{base}");
    assert_eq!(base["links"]["members"], 2 * pairs);
    assert_eq!(base["links"]["unmatched"], 0);
    // A search for one of them names the other facility's identifier on its row.
    let chain = hub.chain_file(&base);
    let linked_of = |chain: &std::path::Path, id: &str| -> Vec<(String, String, bool)> {
        let (code, found, err) = hub.search(chain, id);
        assert_eq!(code, 0, "{err}");
        let row = found["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["patient_id"] == id)
            .unwrap_or_else(|| panic!("{id} is found: {found}"))
            .clone();
        row["linked"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| {
                (
                    l["facility"].as_str().unwrap().to_owned(),
                    l["patient_id"].as_str().unwrap().to_owned(),
                    l["held"].as_bool().unwrap(),
                )
            })
            .collect()
    };
    assert_eq!(
        linked_of(&chain, first[1]),
        [(first[2].to_owned(), first[3].to_owned(), true)]
    );

    // The index linked two people by mistake, then took it back; and it links one patient with
    // somebody this hub does not hold.
    let events = hub.dir.path().join("link-events");
    fs::create_dir_all(&events).unwrap();
    let a = (first[0], first[1]);
    let b = (second[2], second[3]);
    fs::write(
        events.join("0001.hl7"),
        hl7("A24", "L1", "20261201090000", a, b),
    )
    .unwrap();
    fs::write(
        events.join("0002.hl7"),
        hl7("A37", "U1", "20261201100000", a, b),
    )
    .unwrap();
    fs::write(
        events.join("0003.hl7"),
        hl7("A24", "L2", "20261201110000", a, ("0499999999", "X-1")),
    )
    .unwrap();
    identity(
        &hub,
        &format!(
            "xref = \"{}\"\nlink_events = \"{}\"",
            xref.display(),
            events.display()
        ),
    );
    let layer = hub.build(&[]);
    assert_eq!(
        layer["hub"]["kind"], "layer",
        "links change no recipient: {layer}"
    );
    let outcomes: Vec<&str> = layer["link_events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes.len(), 3, "{layer}");
    assert!(outcomes[0].starts_with("linked"), "{outcomes:?}");
    assert!(outcomes[1].starts_with("unlinked"), "{outcomes:?}");
    // The wrong link left no residue: the two pairs are two persons again, and the outside
    // patient joined the first.
    assert_eq!(layer["links"]["groups"], pairs, "{layer}");
    assert_eq!(layer["links"]["members"], 2 * pairs + 1, "{layer}");
    assert_eq!(
        layer["links"]["unmatched"], 1,
        "the outside patient is counted"
    );
    // The layer's links are the ones the laptop reads: the outside patient is named, not held.
    let chain = hub.chain_file(&layer);
    let mut now = linked_of(&chain, first[1]);
    now.sort();
    let mut want = vec![
        (first[2].to_owned(), first[3].to_owned(), true),
        ("0499999999".to_owned(), "X-1".to_owned(), false),
    ];
    want.sort();
    assert_eq!(now, want);
    assert!(
        linked_of(&chain, second[3]).iter().all(|l| l.1 != first[1]),
        "the wrong link is gone from the laptop's view too"
    );
    let (code, text, _) = fieldchart(&["hub", "build", hub.hub.to_str().unwrap()]);
    assert!(code == 0 || code == 3);
    assert!(
        text.contains("1 identifiers are not in the storage"),
        "{text}"
    );

    // A pair the index did not link, but whose identity agrees, is counted in the next base as
    // possibly the same person, per facility pair; a layer does not count (it holds few).
    assert!(layer.get("probable_matches").is_none(), "{layer}");
    let fewer = hub.dir.path().join("fewer-xref.tsv");
    let export = fs::read_to_string(&xref).unwrap();
    let mut lines: Vec<&str> = export.lines().collect();
    lines.remove(1);
    fs::write(&fewer, lines.join("\n") + "\n").unwrap();
    identity(&hub, &format!("xref = \"{}\"", fewer.display()));
    let base = hub.build(&["--full"]);
    let pair = format!("{}|{}", first[0].min(first[2]), first[0].max(first[2]));
    assert!(
        base["probable_matches"][&pair]["probable"]
            .as_u64()
            .unwrap_or(0)
            >= 1,
        "the unlinked pair is offered: {}",
        base["probable_matches"]
    );

    assert_eq!(base["link_warnings"]["dob_differs"], 0, "{base}");
    // The index links two different people by mistake: the next base says their dates of birth
    // (or sexes) differ, as the search row warns the clinician.
    let wrong = hub.dir.path().join("wrong-xref.tsv");
    fs::write(
        &wrong,
        format!(
            "group_id\tfacility\tpatient_id\nW1\t{}\t{}\nW1\t{}\t{}\n",
            first[0], first[1], second[2], second[3]
        ),
    )
    .unwrap();
    identity(&hub, &format!("xref = \"{}\"", wrong.display()));
    let base = hub.build(&["--full"]);
    let w = &base["link_warnings"];
    assert!(
        w["dob_differs"].as_u64().unwrap() + w["sex_differs"].as_u64().unwrap() >= 1,
        "two people linked by mistake: {base}"
    );

    // A line that does not read stops the build with its number; nothing is built.
    let bad = hub.dir.path().join("bad-xref.tsv");
    fs::write(&bad, "group_id\tfacility\tpatient_id\nP1\t0410610011\n").unwrap();
    identity(&hub, &format!("xref = \"{}\"", bad.display()));
    let (code, _, err) = fieldchart(&["hub", "build", hub.hub.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("bad-xref.tsv, line 2"), "{err}");
}
