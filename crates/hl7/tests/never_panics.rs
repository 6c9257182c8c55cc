//! Property tests: no input, however broken, makes decoding or parsing panic, and every input yields
//! either segments or an error issue.

use fieldchart_hl7::{Hl7Time, Message, Severity, decode};
use proptest::prelude::*;

/// Touches every accessor on every part of the message, the way the reader and `inspect` do.
fn exercise(bytes: &[u8]) {
    let decoded = decode(bytes);
    let (message, issues) = Message::parse(decoded.text);
    assert!(
        message.segment_count() > 0 || issues.iter().any(|i| i.severity == Severity::Error),
        "no segments and no error for {bytes:?}"
    );
    let _ = message.message_type();
    let _ = message.outline();
    for seg in message.segments() {
        let _ = (seg.id(), seg.raw(), seg.line());
        for n in 0..seg.field_count() + 2 {
            let field = seg.field(n);
            let _ = (field.text(), field.value(), field.is_null());
            for rep in field.reps().take(4) {
                for c in 0..rep.comp_count() + 1 {
                    let _ = rep.comp_joined(c, " ");
                    for s in 0..3 {
                        if let Some(v) = rep.sub(c, s) {
                            let _ = Hl7Time::parse(&v).iso();
                        }
                    }
                }
            }
        }
    }
}

const VALID: &str = "MSH|^~\\&|HIS123|SEND|GW|RCV|20111220224447.3399||ADT^A08^ADT_A01|20111220000001|P|2.5||||||~ISO IR87||ISO 2022-1994\rEVN||201112202100\rPID|0001||9999013^^^^PI||患者^太郎^^^^^L^I~カンジャ^タロウ^^^^^L^P||19480405|M|||^^^^422-8033^JPN^H^静岡県静岡市登呂１−３−５\rAL1|1|DA^薬剤アレルギー^HL70127|1^ペニシリン^99XYZ\rOBX|2|NM|3A010000002327101^総蛋白^JC10||7.2|g/dl^g/dl^99XYZ|6.70-8.3||||F|||201112191500";

fn valid_iso2022jp() -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::ISO_2022_JP.encode(VALID);
    assert!(!unmappable);
    bytes.into_owned()
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Insert(usize, u8),
    Delete(usize),
    Truncate(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let delimiter_or_any = prop_oneof![
        Just(b'|'),
        Just(b'^'),
        Just(b'~'),
        Just(b'&'),
        Just(b'\\'),
        Just(0x1B),
        Just(b'\r'),
        Just(b'"'),
        any::<u8>()
    ];
    prop_oneof![
        (any::<usize>(), delimiter_or_any.clone()).prop_map(|(i, b)| Mutation::Flip(i, b)),
        (any::<usize>(), delimiter_or_any).prop_map(|(i, b)| Mutation::Insert(i, b)),
        any::<usize>().prop_map(Mutation::Delete),
        any::<usize>().prop_map(Mutation::Truncate),
    ]
}

fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
    if bytes.is_empty() {
        return;
    }
    let len = bytes.len();
    match *m {
        Mutation::Flip(i, b) => bytes[i % len] = b,
        Mutation::Insert(i, b) => bytes.insert(i % (len + 1), b),
        Mutation::Delete(i) => {
            bytes.remove(i % len);
        }
        Mutation::Truncate(i) => bytes.truncate(i % len),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        exercise(&bytes);
    }

    #[test]
    fn random_text_with_hl7_shape_never_panics(text in "(MSH)?[|^~&\\\\\"a-zA-Z0-9.+\\- \r\n患者タロウ]{0,300}") {
        exercise(text.as_bytes());
    }

    #[test]
    fn mutated_valid_messages_never_panic(mutations in proptest::collection::vec(mutation(), 1..12)) {
        let mut bytes = valid_iso2022jp();
        for m in &mutations {
            apply(&mut bytes, m);
        }
        exercise(&bytes);
    }

    #[test]
    fn any_timestamp_text_keeps_its_raw_form(raw in "\\PC{0,24}") {
        let t = Hl7Time::parse(&raw);
        prop_assert_eq!(&t.raw, &raw);
        let _ = t.iso();
    }
}
