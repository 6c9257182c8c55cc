//! Handwritten messages for the deviations of guide §7 that the NHO samples don't show. Each message is
//! encoded to ISO-2022-JP and decoded again, as storage files are, so kanji whose JIS bytes are HL7
//! delimiters go through the real path.

use encoding_rs::ISO_2022_JP;
use fieldchart_hl7::{Message, decode};
use fieldchart_reader::map::{MapIssueCode, MapSeverity, MappedMessage, map_message};
use fieldchart_reader::model::{
    EncounterKind, Item, MedicationKind, Observation, ObservationKind, Patient, Setting,
};

const MSH: &str = "MSH|^~\\&|HIS|SEND|GW|RCV|20240101120000||";

/// Encodes segments (joined by CR) to ISO-2022-JP, decodes and parses them, and maps them.
fn map(data_type: &str, message_type: &str, segments: &[&str]) -> MappedMessage {
    let text = format!(
        "{MSH}{message_type}|1|P|2.5||||||~ISO IR87||ISO 2022-1994\r{}",
        segments.join("\r")
    );
    let (bytes, _, unmappable) = ISO_2022_JP.encode(&text);
    assert!(!unmappable, "fixture text must be JIS X 0208");
    let decoded = decode(&bytes);
    assert!(decoded.issues.is_empty(), "{:?}", decoded.issues);
    let (message, _) = Message::parse(decoded.text);
    map_message(data_type, &message)
}

/// A segment with the given fields set and the others empty: `segment("PV1", &[(2, "I"), (44, "…")])`.
fn segment(id: &str, fields: &[(usize, &str)]) -> String {
    let last = fields.iter().map(|(n, _)| *n).max().unwrap_or(0);
    let mut parts = vec![id.to_string()];
    parts.extend((1..=last).map(|n| {
        fields
            .iter()
            .find(|(m, _)| *m == n)
            .map_or(String::new(), |(_, v)| v.to_string())
    }));
    parts.join("|")
}

fn codes(mapped: &MappedMessage) -> Vec<MapIssueCode> {
    mapped.issues.iter().map(|i| i.code).collect()
}

fn patient(mapped: &MappedMessage) -> &Patient {
    match mapped.items.first() {
        Some(Item::Patient(p)) => p,
        other => panic!("a patient first, not {other:?}"),
    }
}

fn observations(mapped: &MappedMessage) -> Vec<&Observation> {
    mapped
        .items
        .iter()
        .map(|i| match i {
            Item::Observation(o) => o,
            other => panic!("only observations, not {other:?}"),
        })
        .collect()
}

const EVN: &str = "EVN||20240101120000";

#[test]
fn kana_name_written_first_is_still_the_kana_name() {
    let m = map(
        "ADT-00",
        "ADT^A08^ADT_A01",
        &[
            EVN,
            "PID|1||0012345||ヤマダ^ハナコ^^^^^L^P~山田^花子^^^^^L^I||19900101|F",
        ],
    );
    let p = patient(&m);
    assert_eq!(p.name_kanji.as_ref().unwrap().full, "山田 花子");
    assert_eq!(p.name_kana.as_ref().unwrap().full, "ヤマダ ハナコ");
    assert!(m.issues.is_empty(), "{:?}", m.issues);
}

#[test]
fn whole_name_in_one_component_is_kept_whole() {
    let m = map(
        "ADT-00",
        "ADT^A08^ADT_A01",
        &[
            EVN,
            "PID|1||0012345||山田　花子^^^^^^L^I~ヤマダ　ハナコ^^^^^^L^P",
        ],
    );
    let p = patient(&m);
    let kanji = p.name_kanji.as_ref().unwrap();
    assert_eq!(kanji.full, "山田　花子");
    assert_eq!(kanji.given, None);
    assert_eq!(p.name_kana.as_ref().unwrap().full, "ヤマダ　ハナコ");
}

#[test]
fn death_indicator_without_date_marks_the_patient_deceased() {
    let pid = segment(
        "PID",
        &[
            (3, "0012345"),
            (5, "山田^花子^^^^^L^I"),
            (7, "19300101"),
            (8, "F"),
            (30, "Y"),
        ],
    );
    let m = map("ADT-00", "ADT^A08^ADT_A01", &[EVN, &pid]);
    let p = patient(&m);
    assert!(p.deceased);
    assert_eq!(p.death, None);
}

#[test]
fn unknown_sex_code_is_reported_without_quoting_it() {
    let m = map(
        "ADT-00",
        "ADT^A08^ADT_A01",
        &[EVN, "PID|1||0012345||||19300101|Q"],
    );
    assert_eq!(codes(&m), [MapIssueCode::BadValue]);
    assert!(!m.issues[0].message.contains("Q "), "{}", m.issues[0]);
}

const OUL_HEAD: [&str; 3] = [
    "PID|1||0012345^^^^PI||山田^花子^^^^^L^I",
    "SPM|1|0001||023^血清^JC10|||||||||||||202401011000",
    "OBR|1|ORD1||E001^生化学^99O03|||20240101",
];

fn oul(obx: &[&str]) -> MappedMessage {
    let mut segments = OUL_HEAD.to_vec();
    segments.push("ORC|SC|ORD1||||||||||||||01^内科^99XY1");
    segments.extend_from_slice(obx);
    map("OML-11", "OUL^R22^OUL_R22", &segments)
}

#[test]
fn structured_numeric_below_detection_reads_with_a_space() {
    let m = oul(&["OBX|1|SN|5C070000002306201^CRP^JC10||<^0.5|mg/dl^mg/dl^ISO+|0.0-0.3||||F"]);
    let [o] = &observations(&m)[..] else {
        panic!("one observation");
    };
    assert_eq!(o.value.as_deref(), Some("< 0.5"));
    assert_eq!(o.value_type.as_deref(), Some("SN"));
}

#[test]
fn qualitative_result_and_organism_sub_id_stay_as_written() {
    let m = oul(&[
        "OBX|1|CWE|6B010000000000000^培養同定^JC10|1|2001^E.Coli^JANIS||||||F",
        "OBX|2|ST|6B020000000000000^菌量^JC10|1|(+)||||||F",
    ]);
    let obs = observations(&m);
    assert_eq!(obs[0].value.as_deref(), Some("E.Coli"));
    assert_eq!(obs[1].value.as_deref(), Some("(+)"));
    assert_eq!(obs[1].sub_id.as_deref(), Some("1"));
}

#[test]
fn comment_after_a_result_belongs_to_that_result() {
    let m = oul(&[
        "OBX|1|ST|5F016000002399901^HBs抗原^JC10||(-)||||||F",
        "OBX|2|ST|5F360000002399901^HIV抗体^JC10||(-)||||||F",
        "NTE|1||未告知",
    ]);
    let obs = observations(&m);
    assert!(obs[0].comments.is_empty());
    assert_eq!(obs[1].comments, ["未告知"]);
    assert!(m.issues.is_empty(), "{:?}", m.issues);
}

#[test]
fn order_number_comes_from_the_orc_that_follows_the_obr() {
    let m = oul(&["OBX|1|NM|3A010000002327101^総蛋白^JC10||7.2|g/dl|6.7-8.3||||F"]);
    let obs = observations(&m);
    assert_eq!(obs[0].order_no.as_deref(), Some("ORD1"));
    // No OBX-14: the time is SPM-17.
    assert_eq!(obs[0].observed_at.as_ref().unwrap().raw, "202401011000");
    assert_eq!(m.care_date.as_ref().unwrap().raw, "202401011000");
}

#[test]
fn each_obr_group_keeps_its_own_order_number() {
    let m = map(
        "OML-11",
        "OUL^R22^OUL_R22",
        &[
            OUL_HEAD[0],
            OUL_HEAD[1],
            "OBR|1|ORD1||E001^生化学^99O03",
            "ORC|SC|ORD1",
            "OBX|1|NM|3A010000002327101^総蛋白^JC10||7.2",
            "OBR|2|ORD2||E002^血液学^99O03",
            "OBX|1|NM|2A990000001930952^白血球数^JC10||5.4",
            "OBR|3|ORD3||E003^免疫^99O03",
            "ORC|SC|ORD3-ORC",
            "OBX|1|ST|5F016000002399901^HBs抗原^JC10||(-)",
        ],
    );
    let orders: Vec<_> = observations(&m)
        .iter()
        .map(|o| {
            (
                o.order_no.clone(),
                o.battery.as_ref().and_then(|b| b.code.clone()),
            )
        })
        .collect();
    assert_eq!(
        orders,
        [
            (Some("ORD1".to_string()), Some("E001".to_string())),
            (Some("ORD2".to_string()), Some("E002".to_string())),
            (Some("ORD3-ORC".to_string()), Some("E003".to_string())),
        ]
    );
}

#[test]
fn hl7_null_battery_is_no_battery() {
    let m = map(
        "OML-11",
        "OUL^R22^OUL_R22",
        &[
            OUL_HEAD[0],
            OUL_HEAD[1],
            "OBR|1|ORD1||\"\"|||20240101",
            "OBX|1|NM|3A010000002327101^総蛋白^JC10||7.2|g/dl|6.7-8.3||||F",
        ],
    );
    assert_eq!(observations(&m)[0].battery, None);
}

#[test]
fn hl7_null_dose_keeps_its_unit_and_the_drug() {
    let m = map(
        "OMP-01",
        "RDE^O11^RDE_O11",
        &[
            "PID|1||0012345",
            "PV1|1|O",
            "ORC|NW|ORD2||1|||||20240101100000",
            "RXE||222249^(後)バイアスピリン錠 １００ｍｇ^99zzz|\"\"||TAB^錠^MR9P",
            "TQ1|1||1013044400000000&内服・経口・１日３回朝昼夕食後&JAMISDP01|||2^wk|20240101",
            "RXR|PO^口^HL70162",
        ],
    );
    let [Item::MedicationOrder(o)] = &m.items[..] else {
        panic!("one order: {:?}", m.items);
    };
    assert_eq!(o.kind, Some(MedicationKind::Prescription));
    assert_eq!(o.drugs[0].code.system.as_deref(), Some("99zzz"));
    let dose = o.dose.as_ref().unwrap();
    assert_eq!(dose.value, None);
    assert_eq!(dose.unit.as_ref().unwrap().code.as_deref(), Some("TAB"));
    assert_eq!(o.days, None);
    assert_eq!(o.duration_text.as_deref(), Some("2 wk"));
    // No ORC-29: the setting comes from PV1-2.
    assert_eq!(o.setting, Setting::Outpatient);
}

#[test]
fn admission_cancel_is_a_cancel_with_no_encounter() {
    let pv1 = segment(
        "PV1",
        &[(2, "I"), (3, "32^302^1^^^N"), (44, "202401011000")],
    );
    let m = map("ADT-22", "ADT^A11^ADT_A09", &[EVN, "PID|1||0012345", &pv1]);
    assert!(m.is_cancel);
    assert!(m.items.is_empty());
    assert!(m.issues.is_empty(), "A11 belongs in ADT-22: {:?}", m.issues);
    assert_eq!(m.care_date.as_ref().unwrap().raw, "202401011000");
}

#[test]
fn admission_reads_its_care_date_field_as_the_event_time() {
    let pv1 = segment(
        "PV1",
        &[
            (2, "I"),
            (3, "32^302^1^^^N"),
            (7, "110^医師^一郎^^^^^^^L^^^^^I"),
            (10, "01"),
            (44, "202401011000"),
        ],
    );
    let m = map("ADT-22", "ADT^A01^ADT_A01", &[EVN, "PID|1||0012345", &pv1]);
    let [Item::Encounter(e)] = &m.items[..] else {
        panic!("one encounter: {:?}", m.items);
    };
    assert_eq!(e.kind, EncounterKind::Admission);
    assert_eq!(e.at.as_ref().unwrap().raw, "202401011000");
    assert_eq!(e.location.as_deref(), Some("32 / 302 / 1"));
    assert_eq!(
        e.attending.as_ref().unwrap().name.as_ref().unwrap().full,
        "医師 一郎"
    );
    assert!(!m.is_cancel);
}

#[test]
fn administration_in_an_admission_folder_is_a_mismatch_read_by_its_message_type() {
    let m = map(
        "ADT-22",
        "RAS^O17^RAS_O17",
        &[
            "PID|1||0012345",
            "PV1|1|I",
            "ORC|NW|ORD3",
            "RXA|0|1|20240101083000|20240101083000|108665201^ダーゼン錠（５mg)^HOT9|1|TAB^錠^MR9P",
            "RXR|PO^口^HL70162",
        ],
    );
    assert_eq!(codes(&m), [MapIssueCode::MessageTypeMismatch]);
    assert_eq!(m.issues[0].severity, MapSeverity::Warning);
    assert!(m.issues[0].message.contains("RAS^O17"), "{}", m.issues[0]);
    let [Item::Administration(a)] = &m.items[..] else {
        panic!("read as an administration: {:?}", m.items);
    };
    assert_eq!(a.order_no.as_deref(), Some("ORD3"));
    assert_eq!(a.route.as_ref().unwrap().code.as_deref(), Some("PO"));
    // Kind unknown: the folder does not say whether it is a prescription or an injection.
    assert_eq!(a.kind, None);
}

#[test]
fn mismatched_message_whose_segments_fit_the_folder_is_read_as_the_folder_says() {
    let m = map(
        "ADT-22",
        "ADT^A04^ADT_A01",
        &[EVN, "PID|1||0012345", "PV1|1|I|32^302^1"],
    );
    assert_eq!(codes(&m), [MapIssueCode::MessageTypeMismatch]);
    let [Item::Encounter(e)] = &m.items[..] else {
        panic!("one encounter: {:?}", m.items);
    };
    assert_eq!(e.kind, EncounterKind::Admission);
    assert_eq!(e.trigger, "A04");
}

#[test]
fn unknown_data_type_is_read_by_its_message_type() {
    let m = map(
        "OML-12",
        "OUL^R22^OUL_R22",
        &[
            OUL_HEAD[0],
            OUL_HEAD[1],
            OUL_HEAD[2],
            "OBX|1|NM|3A010000002327101^総蛋白^JC10||7.2|g/dl|6.7-8.3||||F",
        ],
    );
    assert_eq!(codes(&m), [MapIssueCode::UnknownDataType]);
    assert!(m.issues[0].message.contains("OML-12"));
    let obs = observations(&m);
    assert_eq!(obs.len(), 1);
    assert_eq!(obs[0].kind, ObservationKind::Lab);
}

#[test]
fn deleted_allergy_is_not_active() {
    let m = map(
        "ADT-61",
        "ADT^A60^ADT_A60",
        &[
            EVN,
            "PID|1||0012345",
            "IAM|1|DA^薬剤アレルギー^HL70127|106824501^アリナミン^HOT9|MO^中等度^HL70128|発疹|D^削除^HL70323",
            "IAM|2|FA^食物アレルギー^HL70127|5A1002411023006^ソバ^JC10|SV^重度^HL70128|呼吸困難|A^追加^HL70323",
        ],
    );
    let active: Vec<bool> = m
        .items
        .iter()
        .map(|i| match i {
            Item::Allergy(a) => a.is_active(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(active, [false, true]);
}

#[test]
fn suspected_diagnosis_from_a_jhsd0005_flag_is_suspected() {
    let m = map(
        "PPR-01",
        "PPR^ZD1^PPR_ZD1",
        &[
            "PID|1||0012345",
            "PRB|AD|20240101|20054174^胃炎^MDCDX2|1|||20240101||||||1^疑い^JHSD0005",
            "ZPR||20054174^胃炎^MDCDX2|||TSQF^胃炎^MDCDX2",
        ],
    );
    let [Item::Problem(p)] = &m.items[..] else {
        panic!("one problem: {:?}", m.items);
    };
    assert!(p.suspected);
    assert!(!p.main);
    assert!(!p.is_deleted());
    assert_eq!((&p.outcome, &p.resolved), (&None, &None));
    assert_eq!(p.exchange_code.as_deref(), Some("TSQF"));
}

#[test]
fn orphan_segments_are_reported_with_their_line() {
    let m = map(
        "OMP-02",
        "RDE^O11^RDE_O11",
        &[
            "PID|1||0012345",
            "RXC|B|620007329^ソリタ－Ｔ３号輸液５００ｍＬ^HOT9|1|HON^本^MR9P",
            "ORC|NW|ORD4",
            "RXE||00^一般^99I02|500||ML^ミリリットル^MR9P",
            "RXC|B|620007329^ソリタ－Ｔ３号輸液５００ｍＬ^HOT9|1|HON^本^MR9P",
        ],
    );
    assert_eq!(codes(&m), [MapIssueCode::Unmapped]);
    assert!(
        m.issues[0].message.starts_with("line 3: RXC"),
        "{}",
        m.issues[0]
    );
    let [Item::MedicationOrder(o)] = &m.items[..] else {
        panic!("one order: {:?}", m.items);
    };
    assert_eq!(o.kind, Some(MedicationKind::Injection));
    assert_eq!(o.drugs.len(), 1);
}

#[test]
fn an_impossible_timestamp_is_reported_by_position_and_kept_only_as_written() {
    let m = map(
        "PPR-01",
        "PPR^ZD1^PPR_ZD1",
        &[
            "PID|1||0012345",
            "PRB|AD|20240101|20054174^胃炎^MDCDX2|1|||202401018075",
        ],
    );
    assert_eq!(codes(&m), [MapIssueCode::InvalidTime]);
    assert_eq!(
        m.issues[0].message,
        "line 3: PRB-7 is not a readable date or time; it is not used as a date"
    );
    let [Item::Problem(p)] = &m.items[..] else {
        panic!("one problem: {:?}", m.items);
    };
    let diagnosed = p.diagnosed.as_ref().unwrap();
    assert_eq!(diagnosed.raw, "202401018075");
    assert!(!diagnosed.is_valid());
}
