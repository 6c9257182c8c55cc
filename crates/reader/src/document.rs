//! Extended-storage documents (拡張ストレージ, guide §6): one content folder → one [`Document`] item, plus
//! the vital signs of an HL7 main document.
//!
//! This module owns recognising each file by its content (CDA, other XML, HL7, PDF, images), reading a
//! CDA R2 document into title, date, author and readable sections without XSLT, and pulling the J-SPEED
//! CSV line out of disaster records. It keeps no file bytes: only the text it extracted.
//!
//! It does not walk folders or read files; the reading pipeline hands it the bytes of one content folder.

use encoding_rs::Encoding as TextEncoding;
use fieldchart_hl7::{DecodeIssue, Encoding, Hl7Time, Message, decode};
use roxmltree::{Node, ParsingOptions};
use serde::Serialize;

use crate::map::{MapIssue, MapIssueCode, map_by_message_type};
use crate::model::{Coded, Document, DocumentFile, DocumentFileKind, DocumentSection, Item};

/// One file of a content folder.
#[derive(Debug, Clone, Copy)]
pub struct DocumentInput<'a> {
    /// The file name inside the content folder.
    pub name: &'a str,
    /// Root-relative, `/`-separated path.
    pub path: &'a str,
    /// The whole file, or only its first bytes for a binary file (see [`needs_whole_file`]).
    pub bytes: &'a [u8],
    /// The size of the whole file.
    pub size: u64,
}

impl<'a> DocumentInput<'a> {
    /// A file read whole.
    pub fn whole(name: &'a str, path: &'a str, bytes: &'a [u8]) -> Self {
        DocumentInput {
            name,
            path,
            bytes,
            size: u64::try_from(bytes.len()).unwrap_or(u64::MAX),
        }
    }
}

/// How many leading bytes are enough to tell a file's kind ([`needs_whole_file`]).
pub const SNIFF_BYTES: usize = 4096;

/// Whether mapping needs the whole file: XML and HL7 are read for their text; for PDFs, images and
/// other binary files the first [`SNIFF_BYTES`] and the size are enough, so a scanned 30 MB referral
/// letter is not held in memory while storage is read.
pub fn needs_whole_file(name: &str, head: &[u8]) -> bool {
    let probe = DocumentInput::whole(name, "", head);
    matches!(
        sniff(&probe).kind,
        DocumentFileKind::Cda | DocumentFileKind::Xml | DocumentFileKind::Hl7
    )
}

/// Everything read from one content folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MappedDocument {
    /// The [`Document`] first, then any observations of an HL7 main document.
    pub items: Vec<Item>,
    pub issues: Vec<MapIssue>,
    /// The encoding the HL7 main document was decoded from; None when the folder has no HL7 file.
    pub encoding: Option<Encoding>,
}

/// The CDA R2 namespace.
const HL7_V3: &str = "urn:hl7-org:v3";
/// LOINC of the disaster J-SPEED record and of its "Additional Documentation" section (guide §6).
const JSPEED_DOCUMENT: &str = "74465-6";
const JSPEED_SECTION: &str = "77599-9";
/// An XML document with more nodes than this is not a clinical document; the limit bounds memory.
const XML_NODES_LIMIT: u32 = 1_000_000;

/// Maps one content folder. `document_type` is the data-type folder name,
/// `local code^local name^local system^standard code^standard name^standard system`
/// (e.g. `L12345^入院診療録^99ZZZ^11506-3^経過記録^LN`, guide §6).
///
/// Never fails: every file is listed with its kind, a file that cannot be read as what it looks like
/// gives a warning, and the document is listed whatever its files hold.
pub fn map_document(document_type: &str, files: &[DocumentInput<'_>]) -> MappedDocument {
    let mut issues = Vec::new();
    let mut items = Vec::new();
    let mut encoding = None;
    let mut doc = Document {
        document_type: document_type_code(document_type, &mut issues),
        ..Document::default()
    };
    if files.is_empty() {
        issues.push(MapIssue::warning(
            MapIssueCode::MissingSegment,
            "the content folder holds no file",
        ));
    }
    let mut cda_read = false;
    for file in main_first(files) {
        let kind = sniff(file);
        doc.files.push(DocumentFile {
            name: file.name.to_string(),
            path: file.path.to_string(),
            kind: kind.kind,
            media_type: kind.media_type.to_string(),
            bytes: file.size,
        });
        match kind.kind {
            DocumentFileKind::Cda | DocumentFileKind::Xml => {
                read_xml(file, &mut doc, &mut cda_read, &mut issues);
            }
            DocumentFileKind::Hl7 => {
                let (found, enc) = read_hl7(file, &mut issues);
                encoding = encoding.or(Some(enc));
                items.extend(found);
            }
            _ => {}
        }
    }
    let is_jspeed = doc.document_type.code.as_deref() == Some(JSPEED_DOCUMENT);
    if is_jspeed && cda_read && doc.jspeed.is_none() {
        issues.push(MapIssue::warning(
            MapIssueCode::MissingSegment,
            format!(
                "the J-SPEED record has no section coded {JSPEED_SECTION} (Additional Documentation) holding the J-SPEED CSV line"
            ),
        ));
    }
    if doc.title.is_none() {
        doc.title = doc.document_type.display().map(str::to_string);
    }
    items.insert(0, Item::Document(doc));
    MappedDocument {
        items,
        issues,
        encoding,
    }
}

/// The files with `main_document.*` first (the only main-document name known, guide §6), the rest in
/// the order given, so the main document's title and sections win over attachments'.
fn main_first<'a, 'b>(files: &'b [DocumentInput<'a>]) -> Vec<&'b DocumentInput<'a>> {
    let is_main = |f: &DocumentInput<'_>| {
        let name = f.name.rsplit('/').next().unwrap_or(f.name);
        name.starts_with("main_document.")
    };
    files
        .iter()
        .filter(|f| is_main(f))
        .chain(files.iter().filter(|f| !is_main(f)))
        .collect()
}

/// Splits the data-type folder name: parts 1–3 are the local code (kept as `alt_*`), 4–6 the standard
/// code (LOINC) as `code`/`text`/`system`. With three parts or fewer there is only the local code.
fn document_type_code(name: &str, issues: &mut Vec<MapIssue>) -> Coded {
    let parts: Vec<Option<String>> = name
        .split('^')
        .map(|p| Some(p.trim().to_string()).filter(|p| !p.is_empty()))
        .collect();
    if parts.len() > 6 {
        issues.push(MapIssue::warning(
            MapIssueCode::BadValue,
            format!(
                "the data-type folder name {name} has {} parts separated by ^ instead of at most 6 (guide §6); the extra parts were ignored",
                parts.len()
            ),
        ));
    }
    let part = |i: usize| parts.get(i).cloned().flatten();
    Coded {
        code: part(3),
        text: part(4),
        system: part(5),
        alt_code: part(0),
        alt_text: part(1),
        alt_system: part(2),
    }
}

struct Sniffed {
    kind: DocumentFileKind,
    media_type: &'static str,
}

const fn sniffed(kind: DocumentFileKind, media_type: &'static str) -> Sniffed {
    Sniffed { kind, media_type }
}

/// The kind of a file, by its first bytes (magic numbers); the name's extension only for `.hl7` and for
/// formats with no distinctive magic.
fn sniff(file: &DocumentInput<'_>) -> Sniffed {
    use DocumentFileKind as K;
    let b = file.bytes;
    let lower = file.name.to_ascii_lowercase();
    let extension = lower.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    let text = b.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(b);
    let text = trim_ascii_start(text);
    if b.starts_with(b"%PDF-") {
        return sniffed(K::Pdf, "application/pdf");
    }
    if b.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return sniffed(K::Image, "image/jpeg");
    }
    if b.starts_with(b"\x89PNG\r\n\x1a\n") {
        return sniffed(K::Image, "image/png");
    }
    if b.starts_with(b"GIF87a") || b.starts_with(b"GIF89a") {
        return sniffed(K::Image, "image/gif");
    }
    if b.starts_with(b"II*\0") || b.starts_with(b"MM\0*") {
        return sniffed(K::Image, "image/tiff");
    }
    if b.starts_with(b"BM") && extension == "bmp" {
        return sniffed(K::Image, "image/bmp");
    }
    if is_cms_signature(b, extension) {
        return sniffed(K::Signature, "application/pkcs7-signature");
    }
    if b.get(4..8) == Some(b"ftyp") {
        return sniffed(K::Other, "video/mp4");
    }
    if b.starts_with(b"PK\x03\x04") {
        let media = match extension {
            "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            _ => "application/zip",
        };
        return sniffed(K::Other, media);
    }
    if text.starts_with(b"MSH") || extension == "hl7" {
        return sniffed(K::Hl7, "x-application/hl7-v2+er7");
    }
    if text.starts_with(b"<") || extension == "xml" {
        // CDA or not is settled once the XML is parsed (read_xml).
        return sniffed(K::Xml, "application/xml");
    }
    match extension {
        "css" => sniffed(K::Other, "text/css"),
        "txt" => sniffed(K::Other, "text/plain"),
        "htm" | "html" => sniffed(K::Other, "text/html"),
        _ => sniffed(K::Other, "application/octet-stream"),
    }
}

/// A CMS signature (RFC 5652 ContentInfo of type signedData, what a CAdES signature file holds): DER
/// whose first bytes name id-signedData, or PEM armour, or a `.p7s` name (RFC 8551 §3.2.1 gives the
/// extension). Only the hub's build checks it (crates/hpki); the reader only says what it is.
fn is_cms_signature(b: &[u8], extension: &str) -> bool {
    // SEQUENCE (any length form) then OID 1.2.840.113549.1.7.2.
    const SIGNED_DATA: &[u8] = &[
        0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02,
    ];
    let der = b.first() == Some(&0x30)
        && b.get(..16)
            .is_some_and(|head| head.windows(SIGNED_DATA.len()).any(|w| w == SIGNED_DATA));
    let pem = b.starts_with(b"-----BEGIN PKCS7-----") || b.starts_with(b"-----BEGIN CMS-----");
    der || pem || matches!(extension, "p7s")
}

fn trim_ascii_start(b: &[u8]) -> &[u8] {
    let start = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    b.get(start..).unwrap_or_default()
}

/// Decodes XML bytes: the encoding named in the XML declaration when there is one (Shift_JIS,
/// ISO-2022-JP, EUC-JP are tolerated beside the UTF-8 the guideline expects), else UTF-8; a byte-order
/// mark wins over both.
fn decode_xml(bytes: &[u8]) -> (String, bool) {
    let head = bytes.get(..200).unwrap_or(bytes);
    let declared =
        declared_encoding(head).and_then(|label| TextEncoding::for_label(label.as_bytes()));
    let encoding = declared.unwrap_or(encoding_rs::UTF_8);
    let (text, _, malformed) = encoding.decode(bytes);
    (text.into_owned(), malformed)
}

/// The `encoding="…"` of an XML declaration, read from the ASCII head of the file.
fn declared_encoding(head: &[u8]) -> Option<String> {
    let head = String::from_utf8_lossy(head);
    let decl = head.trim_start_matches('\u{FEFF}').trim_start();
    let decl = decl.strip_prefix("<?xml")?;
    let decl = &decl[..decl.find("?>")?];
    let at = decl.find("encoding")?;
    let rest = decl[at + "encoding".len()..]
        .trim_start()
        .strip_prefix('=')?
        .trim_start();
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let rest = &rest[quote.len_utf8()..];
    Some(rest[..rest.find(quote)?].to_string())
}

/// Reads an XML file: a CDA (root `ClinicalDocument` in `urn:hl7-org:v3`) fills the document's title,
/// date, author and sections; other XML is listed as such; XML that does not parse is listed with a
/// warning.
fn read_xml(
    file: &DocumentInput<'_>,
    doc: &mut Document,
    cda_read: &mut bool,
    issues: &mut Vec<MapIssue>,
) {
    let (text, malformed) = decode_xml(file.bytes);
    if malformed {
        issues.push(MapIssue::warning(
            MapIssueCode::NonStandardEncoding,
            format!(
                "{}: some bytes are not valid in the XML's declared encoding and were replaced by U+FFFD",
                file.name
            ),
        ));
    }
    let options = ParsingOptions {
        allow_dtd: true,
        nodes_limit: XML_NODES_LIMIT,
        ..ParsingOptions::default()
    };
    let xml = match roxmltree::Document::parse_with_options(&text, options) {
        Ok(xml) => xml,
        Err(e) => {
            issues.push(MapIssue::warning(
                MapIssueCode::BadDocument,
                // roxmltree's message may quote names from the document; its position is enough.
                format!(
                    "{}: not well-formed XML (at line {}, column {}); the file is listed but its \
                     content cannot be shown",
                    file.name,
                    e.pos().row,
                    e.pos().col
                ),
            ));
            return;
        }
    };
    let root = xml.root_element();
    let is_cda =
        root.tag_name().name() == "ClinicalDocument" && root.tag_name().namespace() == Some(HL7_V3);
    if !is_cda {
        return;
    }
    if let Some(last) = doc.files.last_mut() {
        last.kind = DocumentFileKind::Cda;
    }
    if *cda_read {
        // Only the main document's header and sections are shown; a second CDA is an attachment.
        return;
    }
    *cda_read = true;
    read_cda(root, doc, issues, file.name);
}

/// A child element in the CDA namespace.
fn child<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    node.children().find(|n| is_v3(n, name))
}

fn is_v3(node: &Node<'_, '_>, name: &str) -> bool {
    node.is_element()
        && node.tag_name().name() == name
        && node.tag_name().namespace() == Some(HL7_V3)
}

/// The text of an element, whitespace runs collapsed; None when empty.
fn plain_text(node: Node<'_, '_>) -> Option<String> {
    let mut s = String::new();
    for t in node.descendants().filter(|n| n.is_text()) {
        s.push_str(t.text().unwrap_or_default());
    }
    let collapsed = collapse_spaces(&s);
    (!collapsed.is_empty()).then_some(collapsed)
}

/// Collapses runs of XML whitespace (space, tab, CR, LF) into one space and trims the ends. The
/// ideographic space U+3000 is content, not layout, and is kept.
fn collapse_spaces(s: &str) -> String {
    s.split([' ', '\t', '\r', '\n'])
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn read_cda(root: Node<'_, '_>, doc: &mut Document, issues: &mut Vec<MapIssue>, file: &str) {
    doc.title = child(root, "title").and_then(plain_text);
    doc.created = child(root, "effectiveTime")
        .and_then(|n| n.attribute("value"))
        .map(|v| Hl7Time::parse(v.trim()));
    if doc.created.as_ref().is_some_and(|t| !t.is_valid()) {
        issues.push(MapIssue::warning(
            MapIssueCode::InvalidTime,
            format!(
                "{file}: the CDA effectiveTime is not a readable date or time; it is not used as \
                 the document's date"
            ),
        ));
    }
    doc.author = child(root, "author")
        .and_then(|a| child(a, "assignedAuthor"))
        .and_then(author_text);
    let jspeed_document = doc.document_type.code.as_deref() == Some(JSPEED_DOCUMENT)
        || child(root, "code").and_then(|c| c.attribute("code")) == Some(JSPEED_DOCUMENT);
    let body = child(root, "component").and_then(|c| child(c, "structuredBody"));
    let Some(body) = body else {
        issues.push(MapIssue::warning(
            MapIssueCode::BadDocument,
            format!("{file}: the CDA has no structuredBody, so it has no sections to show"),
        ));
        return;
    };
    // Sections in document order, nested ones included, each with its own narrative only.
    for section in body.descendants().filter(|n| is_v3(n, "section")) {
        let code = child(section, "code")
            .and_then(|c| c.attribute("code"))
            .map(str::to_string);
        let text_node = child(section, "text");
        let text = text_node.map(narrative).unwrap_or_default();
        if jspeed_document && code.as_deref() == Some(JSPEED_SECTION) && doc.jspeed.is_none() {
            // The J-SPEED line is kept as written, only trimmed at its ends (guide §6).
            let raw: String = text_node
                .map(|t| {
                    t.descendants()
                        .filter(|n| n.is_text())
                        .filter_map(|n| n.text())
                        .collect()
                })
                .unwrap_or_default();
            let raw = raw.trim();
            if !raw.is_empty() {
                doc.jspeed = Some(raw.to_string());
            }
        }
        doc.sections.push(DocumentSection {
            code,
            title: child(section, "title").and_then(plain_text),
            text,
        });
    }
}

/// `assignedPerson/name` (the ideographic `use="IDE"` name when several are given) and
/// `representedOrganization/name`, as `医師 一郎 (登呂病院)`.
fn author_text(assigned: Node<'_, '_>) -> Option<String> {
    let person = child(assigned, "assignedPerson").and_then(|p| {
        let names: Vec<Node<'_, '_>> = p.children().filter(|n| is_v3(n, "name")).collect();
        let chosen = names
            .iter()
            .find(|n| {
                n.attribute("use")
                    .is_some_and(|u| u.split_whitespace().any(|u| u == "IDE"))
            })
            .or(names.first())
            .copied()?;
        person_name(chosen)
    });
    let org = child(assigned, "representedOrganization")
        .and_then(|o| child(o, "name"))
        .and_then(plain_text);
    match (person, org) {
        (Some(p), Some(o)) => Some(format!("{p} ({o})")),
        (p, o) => p.or(o),
    }
}

/// A CDA PN: `family` and `given` parts joined by one space (as [`crate::model::PersonName::full`]),
/// else the name's text.
fn person_name(name: Node<'_, '_>) -> Option<String> {
    let parts: Vec<String> = name
        .children()
        .filter(|n| is_v3(n, "family") || is_v3(n, "given"))
        .filter_map(plain_text)
        .collect();
    if parts.is_empty() {
        plain_text(name)
    } else {
        Some(parts.join(" "))
    }
}

/// Flattens a CDA narrative block (`<text>`) into readable lines: paragraphs, list items, table rows,
/// captions and `<br/>` start new lines; table cells are joined by ` | `; inline markup (content, sup,
/// sub, linkHtml) stays in its line. Whitespace runs from the XML layout collapse to one space.
fn narrative(text: Node<'_, '_>) -> String {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    walk(text, &mut lines, &mut line);
    flush(&mut lines, &mut line);
    lines.join("\n")
}

fn flush(lines: &mut Vec<String>, line: &mut String) {
    let l = collapse_spaces(line);
    if !l.is_empty() {
        lines.push(l);
    }
    line.clear();
}

fn walk(node: Node<'_, '_>, lines: &mut Vec<String>, line: &mut String) {
    for n in node.children() {
        if n.is_text() {
            line.push_str(n.text().unwrap_or_default());
            continue;
        }
        if !n.is_element() {
            continue;
        }
        match n.tag_name().name() {
            "br" => flush(lines, line),
            "paragraph" | "item" | "caption" | "tr" | "list" | "table" | "thead" | "tbody"
            | "tfoot" | "footnote" | "footnotes" => {
                flush(lines, line);
                walk(n, lines, line);
                flush(lines, line);
            }
            "td" | "th" => {
                if !collapse_spaces(line).is_empty() {
                    line.push_str(" | ");
                }
                walk(n, lines, line);
            }
            // Images have no text to show; their files are listed with the document.
            "renderMultiMedia" => {}
            _ => walk(n, lines, line),
        }
    }
}

/// Reads an HL7 main document (`main_document.hl7`, NHO vitals ORU^R30, guide §6): decoded, parsed and
/// mapped by its MSH-9, so an ORU^R30 yields vital-sign observations.
fn read_hl7(file: &DocumentInput<'_>, issues: &mut Vec<MapIssue>) -> (Vec<Item>, Encoding) {
    let decoded = decode(file.bytes);
    let encoding = decoded.text.encoding();
    for issue in &decoded.issues {
        let code = match issue {
            DecodeIssue::Malformed { .. } | DecodeIssue::Empty => MapIssueCode::BadDocument,
            _ => MapIssueCode::NonStandardEncoding,
        };
        issues.push(MapIssue::warning(code, format!("{}: {issue}", file.name)));
    }
    let (message, parse_issues) = Message::parse(decoded.text);
    for issue in parse_issues {
        issues.push(MapIssue::warning(
            MapIssueCode::Hl7Syntax,
            format!("{}: {issue}", file.name),
        ));
    }
    let mapped = map_by_message_type(&message);
    for issue in mapped.issues {
        // In a document every problem is a warning: the document itself is listed regardless.
        issues.push(MapIssue::warning(
            issue.code,
            format!("{}: {}", file.name, issue.message),
        ));
    }
    (mapped.items, encoding)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_declaration_encoding_is_read_with_either_quote() {
        assert_eq!(
            declared_encoding(br#"<?xml version="1.0" encoding="Shift_JIS"?><a/>"#).as_deref(),
            Some("Shift_JIS")
        );
        assert_eq!(
            declared_encoding(b"<?xml version='1.0' encoding='ISO-2022-JP' ?>").as_deref(),
            Some("ISO-2022-JP")
        );
        assert_eq!(declared_encoding(b"<?xml version='1.0'?>"), None);
        assert_eq!(declared_encoding(b"<a/>"), None);
    }

    #[test]
    fn data_type_folder_name_splits_into_local_and_standard_codes() {
        let mut issues = Vec::new();
        let c = document_type_code("L12345^入院診療録^99ZZZ^11506-3^経過記録^LN", &mut issues);
        assert_eq!(c.code.as_deref(), Some("11506-3"));
        assert_eq!(c.text.as_deref(), Some("経過記録"));
        assert_eq!(c.system.as_deref(), Some("LN"));
        assert_eq!(c.alt_code.as_deref(), Some("L12345"));
        assert_eq!(c.alt_text.as_deref(), Some("入院診療録"));
        let local = document_type_code("L-OBSERVATIONS^OBSERVATIONS^99ZL01", &mut issues);
        assert_eq!(local.code, None);
        assert_eq!(local.display(), Some("OBSERVATIONS"));
        assert!(issues.is_empty());
    }

    #[test]
    fn narrative_puts_paragraphs_items_and_rows_on_their_own_lines() {
        let xml = r#"<text xmlns="urn:hl7-org:v3"><paragraph>一行目
              続き</paragraph><list><item>項目A</item><item>項目<content>B</content></item></list><table><tr><th>検査</th><th>値</th></tr><tr><td>CRP</td><td>0.3</td></tr></table>末尾<br/>改行後</text>"#;
        let doc = roxmltree::Document::parse(xml).unwrap();
        assert_eq!(
            narrative(doc.root_element()),
            "一行目 続き\n項目A\n項目B\n検査 | 値\nCRP | 0.3\n末尾\n改行後"
        );
    }
}
