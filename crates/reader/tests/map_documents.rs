//! Extended-storage documents (guide §6): CDA header and sections, J-SPEED, files recognised by their
//! bytes, an ORU^R30 main document, and broken or oddly encoded XML.

use encoding_rs::{ISO_2022_JP, SHIFT_JIS};
use fieldchart_hl7::Encoding;
use fieldchart_reader::map::{DocumentInput, MapIssueCode, MappedDocument, map_document};
use fieldchart_reader::model::{Document, DocumentFileKind, Item, ObservationKind};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/documents");

const REFERRAL: &str = "L57133^診療情報提供書^99ZZZ^57133-1^紹介状^LN";
const JSPEED: &str = "L-JSPEED^災害時JSPEED記録^99ZL01^74465-6^災害時JSPEED記録^LN";
const VITALS: &str = "L-OBSERVATIONS^OBSERVATIONS^99ZL01";

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{FIXTURES}/{name}")).expect("fixture")
}

fn input<'a>(name: &'a str, bytes: &'a [u8]) -> DocumentInput<'a> {
    DocumentInput::whole(name, "123/456/1234567/20240105/folder/content/file", bytes)
}

fn document(mapped: &MappedDocument) -> &Document {
    match mapped.items.first() {
        Some(Item::Document(d)) => d,
        other => panic!("a document first, not {other:?}"),
    }
}

#[test]
fn referral_letter_reads_title_date_author_and_sections() {
    let bytes = fixture("referral_letter.xml");
    let mapped = map_document(REFERRAL, &[input("main_document.xml", &bytes)]);
    assert!(mapped.issues.is_empty(), "{:?}", mapped.issues);
    assert_eq!(mapped.items.len(), 1);
    let doc = document(&mapped);
    assert_eq!(doc.document_type.code.as_deref(), Some("57133-1"));
    assert_eq!(
        doc.document_type.alt_text.as_deref(),
        Some("診療情報提供書")
    );
    assert_eq!(doc.title.as_deref(), Some("診療情報提供書"));
    assert_eq!(doc.created.as_ref().unwrap().raw, "20240105143000+0900");
    // The ideographic name is chosen over the phonetic one, and the patient's name is not the author.
    assert_eq!(doc.author.as_deref(), Some("医師 一郎 (登呂病院)"));
    let sections: Vec<(Option<&str>, Option<&str>, &str)> = doc
        .sections
        .iter()
        .map(|s| (s.code.as_deref(), s.title.as_deref(), s.text.as_str()))
        .collect();
    assert_eq!(
        sections,
        [
            (
                Some("42349-1"),
                Some("紹介目的"),
                "上部消化管内視鏡による 精査をお願いします。"
            ),
            (
                Some("10164-2"),
                Some("現病歴"),
                "1月2日より心窩部痛。\n内服加療するも改善せず。"
            ),
            (Some("11348-0"), Some("既往歴"), "胃炎（2011年）\n高血圧"),
            (
                Some("10160-0"),
                Some("処方"),
                "薬剤 | 用法\nダーゼン錠５mg | １日３回　毎食後\nアレビアチン散 | １日２回　朝夕食後"
            ),
            (Some("48765-2"), Some("アレルギー"), "ペニシリン\nスギ花粉"),
        ]
    );
    let file = &doc.files[0];
    assert_eq!(file.kind, DocumentFileKind::Cda);
    assert_eq!(file.media_type, "application/xml");
    assert_eq!(file.bytes, bytes.len() as u64);
    assert_eq!(mapped.encoding, None);
}

#[test]
fn jspeed_record_yields_its_csv_line_as_written() {
    let bytes = fixture("jspeed.xml");
    let mapped = map_document(JSPEED, &[input("main_document.xml", &bytes)]);
    assert!(mapped.issues.is_empty(), "{:?}", mapped.issues);
    let doc = document(&mapped);
    let line = doc.jspeed.as_deref().expect("J-SPEED line");
    assert!(
        line.starts_with("\"登呂病院\",\"DMAT1\",\"2024/01/02\""),
        "{line}"
    );
    assert!(line.ends_with(",\"JPN+1.00\""), "{line}");
    assert!(line.contains("\"34.96, 138.40\""), "{line}");
    assert_eq!(doc.author.as_deref(), Some("登呂病院 DMAT"));
    assert_eq!(doc.sections.len(), 2);
}

#[test]
fn jspeed_record_without_its_section_is_reported() {
    let bytes = fixture("referral_letter.xml");
    let mapped = map_document(JSPEED, &[input("main_document.xml", &bytes)]);
    assert_eq!(document(&mapped).jspeed, None);
    assert_eq!(mapped.issues.len(), 1);
    assert_eq!(mapped.issues[0].code, MapIssueCode::MissingSegment);
}

#[test]
fn other_documents_have_no_jspeed_line() {
    let bytes = fixture("jspeed.xml");
    let mapped = map_document(REFERRAL, &[input("main_document.xml", &bytes)]);
    // The CDA's own code says J-SPEED, so the line is still found.
    assert!(document(&mapped).jspeed.is_some());
    let bytes = fixture("referral_letter.xml");
    let mapped = map_document(REFERRAL, &[input("main_document.xml", &bytes)]);
    assert_eq!(document(&mapped).jspeed, None);
}

#[test]
fn shift_jis_cda_named_in_its_declaration_is_decoded() {
    let text = String::from_utf8(fixture("referral_letter.xml"))
        .unwrap()
        .replace("encoding=\"UTF-8\"", "encoding=\"Shift_JIS\"");
    let (bytes, _, unmappable) = SHIFT_JIS.encode(&text);
    assert!(!unmappable);
    let mapped = map_document(REFERRAL, &[input("main_document.xml", &bytes)]);
    assert!(mapped.issues.is_empty(), "{:?}", mapped.issues);
    assert_eq!(
        document(&mapped).author.as_deref(),
        Some("医師 一郎 (登呂病院)")
    );
}

#[test]
fn iso_2022_jp_cda_named_in_its_declaration_is_decoded() {
    let text = String::from_utf8(fixture("referral_letter.xml"))
        .unwrap()
        .replace("encoding=\"UTF-8\"", "encoding='ISO-2022-JP'");
    let (bytes, _, unmappable) = ISO_2022_JP.encode(&text);
    assert!(!unmappable);
    let mapped = map_document(REFERRAL, &[input("main_document.xml", &bytes)]);
    assert!(mapped.issues.is_empty(), "{:?}", mapped.issues);
    assert_eq!(document(&mapped).sections[4].text, "ペニシリン\nスギ花粉");
}

#[test]
fn pdf_and_jpeg_are_recognised_by_their_bytes_not_their_names() {
    let pdf = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n";
    let jpeg = [
        0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00,
    ];
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    let mapped = map_document(
        REFERRAL,
        &[
            input("scan.dat", pdf),
            input("photo.bin", &jpeg),
            input("chart.png", png),
            input("style.css", b"body { color: black }"),
        ],
    );
    assert!(mapped.issues.is_empty(), "{:?}", mapped.issues);
    let doc = document(&mapped);
    let kinds: Vec<(DocumentFileKind, &str)> = doc
        .files
        .iter()
        .map(|f| (f.kind, f.media_type.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            (DocumentFileKind::Pdf, "application/pdf"),
            (DocumentFileKind::Image, "image/jpeg"),
            (DocumentFileKind::Image, "image/png"),
            (DocumentFileKind::Other, "text/css"),
        ]
    );
    // No CDA: the title is the document type's name.
    assert_eq!(doc.title.as_deref(), Some("紹介状"));
    assert!(doc.sections.is_empty());
}

#[test]
fn a_detached_signature_beside_the_letter_is_recognised_by_its_bytes_or_name() {
    // DER ContentInfo: SEQUENCE, long length, then id-signedData (1.2.840.113549.1.7.2).
    let der = [
        0x30, 0x82, 0x05, 0x10, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02,
        0xA0,
    ];
    let mapped = map_document(
        REFERRAL,
        &[
            input("main_document.pdf", b"%PDF-1.7\n"),
            input("letter.sig", &der),
            input(
                "armoured",
                b"-----BEGIN PKCS7-----\nMIIB\n-----END PKCS7-----\n",
            ),
            input("main_document.pdf.p7s", b"\x30\x03\x02\x01\x01"),
            input("data.bin", &[0x30, 0x03, 0x02, 0x01, 0x01]),
        ],
    );
    let kinds: Vec<DocumentFileKind> = document(&mapped).files.iter().map(|f| f.kind).collect();
    assert_eq!(
        kinds,
        [
            DocumentFileKind::Pdf,
            DocumentFileKind::Signature,
            DocumentFileKind::Signature,
            DocumentFileKind::Signature,
            // A DER SEQUENCE that is not signedData, without the name, is not taken for one.
            DocumentFileKind::Other,
        ]
    );
    assert_eq!(
        document(&mapped).files[1].media_type,
        "application/pkcs7-signature"
    );
}

#[test]
fn oru_r30_main_document_yields_vital_signs() {
    let text = String::from_utf8(fixture("vitals_main_document.hl7.txt"))
        .unwrap()
        .trim_end()
        .replace('\n', "\r");
    let (bytes, _, unmappable) = ISO_2022_JP.encode(&text);
    assert!(!unmappable);
    let mapped = map_document(VITALS, &[input("main_document.hl7", &bytes)]);
    assert!(mapped.issues.is_empty(), "{:?}", mapped.issues);
    assert_eq!(mapped.encoding, Some(Encoding::Iso2022Jp));
    let doc = document(&mapped);
    assert_eq!(doc.files[0].kind, DocumentFileKind::Hl7);
    assert_eq!(
        doc.document_type.alt_code.as_deref(),
        Some("L-OBSERVATIONS")
    );
    assert_eq!(doc.title.as_deref(), Some("OBSERVATIONS"));
    let vitals: Vec<_> = mapped.items[1..]
        .iter()
        .map(|i| match i {
            Item::Observation(o) => o,
            other => panic!("vitals only, not {other:?}"),
        })
        .collect();
    assert_eq!(vitals.len(), 3);
    assert!(vitals.iter().all(|o| o.kind == ObservationKind::Vital));
    assert!(
        vitals.iter().all(|o| o.battery.is_none()),
        "OBR-4 is the HL7 null"
    );
    assert_eq!(vitals[0].item.text.as_deref(), Some("収縮期血圧"));
    assert_eq!(vitals[0].value.as_deref(), Some("128"));
    assert_eq!(vitals[1].flag.as_deref(), Some("H"));
    assert_eq!(vitals[1].comments, ["体動あり再検予定"]);
    // ORC-2 wins over OBR-2, although in ORU^R30 the ORC comes before the OBR.
    assert!(
        vitals
            .iter()
            .all(|o| o.order_no.as_deref() == Some("V20240102"))
    );
    // No OBX-14 on the last one: the time is OBR-7.
    assert_eq!(vitals[2].observed_at.as_ref().unwrap().raw, "202401021500");
}

#[test]
fn broken_xml_is_reported_and_the_document_still_lists_its_files() {
    let broken =
        "<?xml version=\"1.0\"?><ClinicalDocument xmlns=\"urn:hl7-org:v3\"><title>途中で切れた";
    let jpeg = [0xFF, 0xD8, 0xFF, 0xDB];
    let mapped = map_document(
        REFERRAL,
        &[
            input("main_document.xml", broken.as_bytes()),
            input("image01.jpg", &jpeg),
        ],
    );
    assert_eq!(mapped.issues.len(), 1);
    assert_eq!(mapped.issues[0].code, MapIssueCode::BadDocument);
    assert!(mapped.issues[0].message.starts_with("main_document.xml: "));
    let doc = document(&mapped);
    assert_eq!(doc.files.len(), 2);
    assert_eq!(doc.files[0].kind, DocumentFileKind::Xml);
    assert_eq!(doc.title.as_deref(), Some("紹介状"));
}

#[test]
fn xml_that_is_not_cda_is_listed_as_plain_xml() {
    let mapped = map_document(REFERRAL, &[input("extra.xml", b"<root><a>1</a></root>")]);
    assert!(mapped.issues.is_empty());
    assert_eq!(document(&mapped).files[0].kind, DocumentFileKind::Xml);
    assert!(document(&mapped).sections.is_empty());
}

#[test]
fn main_document_is_read_before_attachments_whatever_the_order() {
    let main = fixture("referral_letter.xml");
    let other = fixture("jspeed.xml");
    let mapped = map_document(
        REFERRAL,
        &[
            input("attachment.xml", &other),
            input("main_document.xml", &main),
        ],
    );
    let doc = document(&mapped);
    assert_eq!(doc.title.as_deref(), Some("診療情報提供書"));
    assert_eq!(doc.files[0].name, "main_document.xml");
    assert!(doc.files.iter().all(|f| f.kind == DocumentFileKind::Cda));
}
