//! Property tests: mapping never panics, whatever the message or document looks like.
//!
//! Inputs are the NHO samples and the document fixtures mutated at random (characters inserted,
//! removed, replaced, segments shuffled), plus messages assembled from random segments, mapped under
//! every data type, so each mapping meets segments in orders and shapes it was not written for.

use std::sync::OnceLock;

use fieldchart_hl7::{Message, Text, decode};
use fieldchart_reader::map::{DocumentInput, MapSeverity, map_document, map_message};
use fieldchart_reader::model::Item;
use proptest::prelude::*;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/documents");

const DATA_TYPES: &[&str] = &[
    "ADT-00", "ADT-01", "ADT-12", "ADT-21", "ADT-22", "ADT-31", "ADT-32", "ADT-41", "ADT-42",
    "ADT-51", "ADT-52", "ADT-61", "PPR-01", "OMD", "OMP-01", "OMP-02", "OMP-11", "OMP-12",
    "OML-01", "OML-11", "OMG-01", "OMG-02", "OMG-03", "OMG-11", "OMG-12", "OMG-13", "OML-12", "",
];

/// The decoded text of every NHO sample file, read once.
fn sample_texts() -> &'static [String] {
    static TEXTS: OnceLock<Vec<String>> = OnceLock::new();
    TEXTS.get_or_init(read_samples)
}

fn read_samples() -> Vec<String> {
    let mut texts = Vec::new();
    let mut stack = vec![fieldchart_samples::nho()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("samples") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let bytes = std::fs::read(&path).expect("sample");
                texts.push(decode(&bytes).text.into_string());
            }
        }
    }
    texts.sort();
    texts
}

/// Characters that matter to HL7 and XML, plus some Japanese text.
fn tricky_char() -> impl Strategy<Value = char> {
    prop::sample::select(vec![
        '|', '^', '~', '\\', '&', '\r', '\n', '"', '<', '>', '/', '=', ' ', '0', '1', '9', 'A',
        'M', 'S', 'H', 'X', '.', '+', '-', '患', 'ア', '\u{3000}', '\u{FFFD}', '\u{0B}', '\u{1C}',
    ])
}

#[derive(Debug, Clone)]
enum Edit {
    Insert(usize, char),
    Remove(usize, usize),
    Replace(usize, char),
    SwapLines(usize, usize),
    Truncate(usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), tricky_char()).prop_map(|(i, c)| Edit::Insert(i, c)),
        (any::<usize>(), 1usize..40).prop_map(|(i, n)| Edit::Remove(i, n)),
        (any::<usize>(), tricky_char()).prop_map(|(i, c)| Edit::Replace(i, c)),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Edit::SwapLines(a, b)),
        any::<usize>().prop_map(Edit::Truncate),
    ]
}

fn apply(text: &str, edits: &[Edit]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for e in edits {
        let len = chars.len().max(1);
        match *e {
            Edit::Insert(i, c) => chars.insert(i % (chars.len() + 1), c),
            Edit::Remove(i, n) => {
                let start = i % len;
                let end = (start + n).min(chars.len());
                if start < end {
                    chars.drain(start..end);
                }
            }
            Edit::Replace(i, c) => {
                if !chars.is_empty() {
                    chars[i % len] = c;
                }
            }
            Edit::SwapLines(a, b) => {
                let s: String = chars.iter().collect();
                let mut lines: Vec<&str> = s.split('\r').collect();
                let n = lines.len();
                lines.swap(a % n, b % n);
                chars = lines.join("\r").chars().collect();
            }
            Edit::Truncate(i) => chars.truncate(i % len),
        }
    }
    chars.into_iter().collect()
}

/// Maps a text under every data type and checks the one rule a caller relies on: an error means no
/// items, and a message with MSH always yields something or says why not.
fn map_everywhere(text: &str) {
    let (message, _) = Message::parse(Text::from_unicode(text));
    for data_type in DATA_TYPES {
        let mapped = map_message(data_type, &message);
        let errors = mapped
            .issues
            .iter()
            .filter(|i| i.severity == MapSeverity::Error)
            .count();
        if errors > 0 {
            assert!(mapped.items.is_empty());
        }
        for item in &mapped.items {
            if let Item::Unmapped(u) = item {
                assert_eq!(u.segments.len(), message.segment_count());
            }
        }
    }
}

const SEGMENT_IDS: &[&str] = &[
    "MSH", "EVN", "PID", "PV1", "PV2", "NK1", "OBX", "AL1", "IAM", "PRB", "ZPR", "ORC", "TQ1",
    "RXE", "RXR", "RXC", "RXA", "SPM", "OBR", "NTE", "IPC", "ZE1", "ODS", "ODT", "ROL", "ZZZ",
];

fn random_segment() -> impl Strategy<Value = String> {
    (
        prop::sample::select(SEGMENT_IDS),
        prop::collection::vec(prop::collection::vec(tricky_char(), 0..12), 0..50),
    )
        .prop_map(|(id, fields)| {
            let fields: Vec<String> = fields
                .into_iter()
                .map(|f| f.into_iter().collect())
                .collect();
            format!("{id}|{}", fields.join("|"))
        })
}

fn message_type() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "ADT^A08", "ADT^A01", "ADT^A11", "ADT^A02", "ADT^A03", "ADT^A54", "ADT^A60", "PPR^ZD1",
        "RDE^O11", "RAS^O17", "OML^O33", "OUL^R22", "OMG^O19", "OMI^Z23", "ORU^R01", "ORU^R30",
        "OMD^O03", "ZZZ^Z01", "", "^",
    ])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn mutated_nho_samples_never_panic(
        pick in any::<prop::sample::Index>(),
        edits in prop::collection::vec(edit(), 0..12),
    ) {
        let sample: &String = pick.get(sample_texts());
        let text = apply(sample, &edits);
        map_everywhere(&text);
    }

    #[test]
    fn random_segments_under_any_message_type_never_panic(
        message_type in message_type(),
        segments in prop::collection::vec(random_segment(), 0..25),
    ) {
        let text = format!(
            "MSH|^~\\&|A||||20240101||{message_type}|1|P|2.5\r{}",
            segments.join("\r")
        );
        map_everywhere(&text);
    }

    #[test]
    fn mutated_documents_never_panic(
        pick in 0usize..3,
        edits in prop::collection::vec(edit(), 0..12),
        name in prop::sample::select(vec!["main_document.xml", "main_document.hl7", "a.pdf", "x"]),
        document_type in prop::sample::select(vec![
            "L12345^入院診療録^99ZZZ^11506-3^経過記録^LN",
            "L-JSPEED^災害時JSPEED記録^99ZL01^74465-6^災害時JSPEED記録^LN",
            "L-OBSERVATIONS^OBSERVATIONS^99ZL01",
            "",
            "a^b^c^d^e^f^g^h",
        ]),
    ) {
        let file = ["referral_letter.xml", "jspeed.xml", "vitals_main_document.hl7.txt"][pick];
        let text = std::fs::read_to_string(format!("{FIXTURES}/{file}")).expect("fixture");
        let text = apply(&text, &edits);
        let mapped = map_document(document_type, &[DocumentInput::whole(name, "p", text.as_bytes())]);
        prop_assert!(matches!(mapped.items.first(), Some(Item::Document(d)) if d.files.len() == 1));
        prop_assert!(mapped.issues.iter().all(|i| i.severity == MapSeverity::Warning));
    }

    /// A broken line is usually a name, an address or a phone number spilled out of its field: no
    /// parse or mapping issue may quote it, whatever field or line it lands in.
    #[test]
    fn issues_never_quote_content_however_a_line_breaks(
        pick in any::<prop::sample::Index>(),
        at in prop::collection::vec(any::<usize>(), 1..6),
        breaks in prop::collection::vec(any::<usize>(), 0..6),
    ) {
        const SECRET: &str = "秘密太郎";
        let sample: &String = pick.get(sample_texts());
        let mut chars: Vec<char> = sample.chars().collect();
        for i in breaks {
            chars.insert(i % (chars.len() + 1), '\r');
        }
        for i in at {
            let i = i % (chars.len() + 1);
            chars.splice(i..i, SECRET.chars());
        }
        let text: String = chars.into_iter().collect();
        let (message, parse_issues) = Message::parse(Text::from_unicode(text.clone()));
        for issue in &parse_issues {
            prop_assert!(!issue.to_string().contains('秘'), "{}", issue);
        }
        for data_type in DATA_TYPES {
            for issue in map_message(data_type, &message).issues {
                prop_assert!(!issue.message.contains('秘'), "{data_type}: {}", issue.message);
            }
        }
        let xml = format!("<ClinicalDocument xmlns=\"urn:hl7-org:v3\"><{SECRET}>{text}");
        let mapped = map_document(
            "L12345^入院診療録^99ZZZ^11506-3^経過記録^LN",
            &[
                DocumentInput::whole("main_document.hl7", "p", text.as_bytes()),
                DocumentInput::whole("letter.xml", "q", xml.as_bytes()),
            ],
        );
        for issue in mapped.issues {
            prop_assert!(!issue.message.contains('秘'), "{}", issue.message);
        }
    }

    #[test]
    fn random_bytes_as_a_document_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let mapped = map_document("L1^x^99X", &[DocumentInput::whole("f", "p", &bytes)]);
        prop_assert!(matches!(mapped.items.first(), Some(Item::Document(_))));
    }
}
