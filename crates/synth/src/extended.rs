//! Extended-storage (拡張ストレージ) documents, guide §6: CDA R2 referral letters (57133-1),
//! discharge summaries (18842-5) and J-SPEED disaster records (74465-6) as UTF-8
//! `main_document.xml`; ORU^R30 vitals as ISO-2022-JP `main_document.hl7` (built in
//! `messages::results`); a scanned referral as a small hand-written PDF 1.4; a wound photo as JPEG.
//!
//! Data-type folders use the guide's form `local code^name^99ZL01^LOINC^standard name^LN`. Two
//! local types map to the same standard code on purpose (scanned and written referral letters),
//! as the guide says real storages do.

use std::fmt::Write as _;

use crate::calendar::{CivilDate, Moment};
use crate::error::SynthError;
use crate::facility::Staff;
use crate::messages::Subject;
use crate::rng::Draw;

/// An extended-storage data type: its folder name (guide §6).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct DocumentType {
    pub(crate) folder: &'static str,
    /// LOINC document code, if the type maps to one.
    pub(crate) loinc: Option<&'static str>,
}

pub(crate) const REFERRAL: DocumentType = DocumentType {
    folder: "L-REFERRAL^診療情報提供書^99ZL01^57133-1^診療情報提供書^LN",
    loinc: Some("57133-1"),
};
pub(crate) const SCANNED_REFERRAL: DocumentType = DocumentType {
    folder: "L-SCAN^紹介状（スキャン）^99ZL01^57133-1^診療情報提供書^LN",
    loinc: Some("57133-1"),
};
pub(crate) const DISCHARGE_SUMMARY: DocumentType = DocumentType {
    folder: "L-DISCHARGE^退院時サマリー^99ZL01^18842-5^退院時サマリー^LN",
    loinc: Some("18842-5"),
};
pub(crate) const JSPEED: DocumentType = DocumentType {
    folder: "L-JSPEED^災害時JSPEED記録^99ZL01^74465-6^災害時JSPEED記録^LN",
    loinc: Some("74465-6"),
};
pub(crate) const PHOTO: DocumentType = DocumentType {
    folder: "L-PHOTO^創部写真^99ZL01^11506-3^経過記録^LN",
    loinc: Some("11506-3"),
};
pub(crate) const OBSERVATIONS: DocumentType = DocumentType {
    folder: "L-OBSERVATIONS^OBSERVATIONS^99ZL01",
    loinc: None,
};

/// Escapes text for XML attribute values (and content).
fn xml(s: &str) -> String {
    xml_text(s).replace('"', "&quot;").replace('\'', "&apos;")
}

/// Escapes element content; quotes stay readable (the J-SPEED CSV line is full of them).
fn xml_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            other => out.push(other),
        }
    }
    out
}

/// A narrative section of a CDA body.
pub(crate) struct Section {
    pub(crate) loinc: &'static str,
    pub(crate) title: &'static str,
    pub(crate) body: SectionText,
}

pub(crate) enum SectionText {
    Paragraph(String),
    List(Vec<String>),
}

/// What every CDA document of ours states in its header.
pub(crate) struct CdaHeader<'a> {
    pub(crate) subject: &'a Subject<'a>,
    pub(crate) author: &'a Staff,
    pub(crate) department: &'static str,
    pub(crate) time: Moment,
    pub(crate) document_id: &'a str,
    pub(crate) loinc: &'static str,
    pub(crate) title: &'static str,
    /// Referral letters name the receiving organisation.
    pub(crate) recipient: Option<&'a str>,
}

/// A CDA R2 document (HL7 v3 namespace, `POCD_HD000040`) with a structured body of narrative
/// sections: enough for a viewer that shows title, author and each section's `<text>`.
pub(crate) fn cda(header: &CdaHeader<'_>, sections: &[Section]) -> Vec<u8> {
    let s = header.subject;
    let p = s.person;
    let mut x = String::with_capacity(4096);
    x.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    x.push_str("<ClinicalDocument xmlns=\"urn:hl7-org:v3\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n");
    x.push_str("  <realmCode code=\"JP\"/>\n");
    x.push_str("  <typeId root=\"2.16.840.1.113883.1.3\" extension=\"POCD_HD000040\"/>\n");
    let _ = writeln!(
        x,
        "  <id root=\"1.2.392.100495.20.3.11.{}\" extension=\"{}\"/>",
        s.facility.id,
        xml(header.document_id)
    );
    let _ = writeln!(
        x,
        "  <code code=\"{}\" codeSystem=\"2.16.840.1.113883.6.1\" codeSystemName=\"LOINC\" displayName=\"{}\"/>",
        header.loinc,
        xml(header.title)
    );
    let _ = writeln!(x, "  <title>{}</title>", xml(header.title));
    let _ = writeln!(x, "  <effectiveTime value=\"{}\"/>", header.time.cda());
    x.push_str("  <confidentialityCode code=\"N\" codeSystem=\"2.16.840.1.113883.5.25\"/>\n");
    x.push_str("  <languageCode code=\"ja-JP\"/>\n");
    x.push_str("  <recordTarget>\n    <patientRole>\n");
    let _ = writeln!(
        x,
        "      <id root=\"1.2.392.100495.20.3.51.1{}\" extension=\"{}\"/>",
        s.facility.id,
        xml(s.id)
    );
    let _ = writeln!(
        x,
        "      <addr><postalCode>{}</postalCode><streetAddressLine>{}</streetAddressLine></addr>",
        xml(&p.address.postcode),
        xml(&p.address.full())
    );
    let _ = writeln!(x, "      <telecom value=\"tel:{}\"/>", xml(&p.phone));
    x.push_str("      <patient>\n");
    // As this registration writes the name (PID-5); a name written whole keeps an empty given.
    let [(family, given), (family_kana, given_kana)] = p.written_name();
    let _ = writeln!(
        x,
        "        <name use=\"IDE\"><family>{}</family><given>{}</given></name>",
        xml(&family),
        xml(&given)
    );
    let _ = writeln!(
        x,
        "        <name use=\"SYL\"><family>{}</family><given>{}</given></name>",
        xml(&family_kana),
        xml(&given_kana)
    );
    let _ = writeln!(
        x,
        "        <administrativeGenderCode code=\"{}\" codeSystem=\"2.16.840.1.113883.5.1\"/>",
        p.sex.code()
    );
    let _ = writeln!(x, "        <birthTime value=\"{}\"/>", p.birth.compact());
    x.push_str("      </patient>\n    </patientRole>\n  </recordTarget>\n");
    x.push_str("  <author>\n");
    let _ = writeln!(x, "    <time value=\"{}\"/>", header.time.cda());
    x.push_str("    <assignedAuthor>\n");
    let _ = writeln!(
        x,
        "      <id root=\"1.2.392.100495.20.3.41.1{}\" extension=\"{}\"/>",
        s.facility.id,
        xml(&header.author.id)
    );
    let _ = writeln!(
        x,
        "      <assignedPerson><name><family>{}</family><given>{}</given></name></assignedPerson>",
        xml(header.author.family),
        xml(header.author.given)
    );
    let _ = writeln!(
        x,
        "      <representedOrganization><id root=\"1.2.392.100495.20.3.23\" extension=\"{}\"/><name>{} {}</name></representedOrganization>",
        s.facility.id,
        xml(&s.facility.name),
        xml(header.department)
    );
    x.push_str("    </assignedAuthor>\n  </author>\n");
    x.push_str("  <custodian><assignedCustodian><representedCustodianOrganization>\n");
    let _ = writeln!(
        x,
        "    <id root=\"1.2.392.100495.20.3.23\" extension=\"{}\"/><name>{}</name>",
        s.facility.id,
        xml(&s.facility.name)
    );
    x.push_str("  </representedCustodianOrganization></assignedCustodian></custodian>\n");
    if let Some(recipient) = header.recipient {
        let _ = writeln!(
            x,
            "  <informationRecipient><intendedRecipient><receivedOrganization><name>{}</name></receivedOrganization></intendedRecipient></informationRecipient>",
            xml(recipient)
        );
    }
    x.push_str("  <component>\n    <structuredBody>\n");
    for section in sections {
        x.push_str("      <component>\n        <section>\n");
        let _ = writeln!(
            x,
            "          <code code=\"{}\" codeSystem=\"2.16.840.1.113883.6.1\" codeSystemName=\"LOINC\"/>",
            section.loinc
        );
        let _ = writeln!(x, "          <title>{}</title>", xml(section.title));
        match &section.body {
            SectionText::Paragraph(text) => {
                let _ = writeln!(x, "          <text>{}</text>", xml_text(text));
            }
            SectionText::List(items) if items.is_empty() => {
                x.push_str("          <text>特記事項なし</text>\n");
            }
            SectionText::List(items) => {
                x.push_str("          <text><list>");
                for item in items {
                    let _ = write!(x, "<item>{}</item>", xml_text(item));
                }
                x.push_str("</list></text>\n");
            }
        }
        x.push_str("        </section>\n      </component>\n");
    }
    x.push_str("    </structuredBody>\n  </component>\n</ClinicalDocument>\n");
    x.into_bytes()
}

/// One J-SPEED report line: report date, reporting facility, municipality, age band, sex, then
/// 0/1 item flags, ending `"JPN+1.00"` (guide §6). The item list approximates the J-SPEED form's
/// medical items; it is not the official item order.
pub(crate) fn jspeed_line(
    date: CivilDate,
    facility_id: &str,
    municipality: &str,
    age: i32,
    sex: &str,
    items: &[bool],
) -> String {
    let band = match age {
        ..1 => "0",
        1..15 => "1-14",
        15..65 => "15-64",
        _ => "65-",
    };
    let mut fields = vec![
        date.compact(),
        facility_id.to_owned(),
        municipality.to_owned(),
        band.to_owned(),
        sex.to_owned(),
    ];
    fields.extend(items.iter().map(|b| if *b { "1" } else { "0" }.to_owned()));
    fields.push("JPN+1.00".to_owned());
    fields
        .iter()
        .map(|f| format!("\"{}\"", f.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(",")
}

/// J-SPEED item labels, in the order of `jspeed_line`'s flags.
pub(crate) const JSPEED_ITEMS: &[&str] = &[
    "中等症",
    "重症",
    "外傷",
    "骨折",
    "熱傷",
    "発熱",
    "感冒様症状",
    "下痢",
    "嘔吐",
    "皮膚疾患",
    "深部静脈血栓症疑い",
    "高血圧状態",
    "喘息発作",
    "慢性疾患の悪化",
    "透析の必要",
    "服薬中断",
    "災害ストレス",
    "不眠",
];

/// A small valid PDF 1.4 page of ASCII text with an exact cross-reference table.
pub(crate) fn pdf(lines: &[String]) -> Vec<u8> {
    let mut content = String::from("BT\n/F1 11 Tf\n14 TL\n72 770 Td\n");
    for line in lines {
        let safe: String = line
            .chars()
            .map(|c| {
                if c.is_ascii() && !c.is_ascii_control() {
                    c
                } else {
                    '?'
                }
            })
            .collect();
        let escaped = safe
            .replace('\\', "\\\\")
            .replace('(', "\\(")
            .replace(')', "\\)");
        let _ = writeln!(content, "({escaped}) Tj T*");
    }
    content.push_str("ET\n");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_owned(),
        format!("<< /Length {} >>\nstream\n{content}endstream", content.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_owned(),
    ];
    let mut out = String::from("%PDF-1.4\n");
    let mut offsets = Vec::with_capacity(objects.len());
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        let _ = write!(out, "{} 0 obj\n{body}\nendobj\n", i + 1);
    }
    let xref_at = out.len();
    let _ = write!(out, "xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1);
    for offset in offsets {
        // Each entry is exactly 20 bytes: 10-digit offset, space, 5-digit generation, space, n, space, LF.
        let _ = writeln!(out, "{offset:010} 00000 n ");
    }
    let _ = write!(
        out,
        "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref_at}\n%%EOF\n",
        objects.len() + 1
    );
    out.into_bytes()
}

/// A 160×120 synthetic wound photo: skin-coloured gradient, a reddish ellipse and a ruler. Pixels
/// depend only on the draw, and the pure-Rust encoder is deterministic, so bytes are reproducible.
pub(crate) fn jpeg(draw: &mut Draw) -> Result<Vec<u8>, SynthError> {
    const W: u32 = 160;
    const H: u32 = 120;
    let cx = draw.range(50, 110);
    let cy = draw.range(40, 80);
    let rx = draw.range(12, 30);
    let ry = draw.range(6, 16);
    let tone = draw.range(0, 30) as u8;
    let mut pixels = Vec::with_capacity((W * H * 3) as usize);
    for y in 0..i64::from(H) {
        for x in 0..i64::from(W) {
            let dx = (x - cx) * ry;
            let dy = (y - cy) * rx;
            let inside = dx * dx + dy * dy <= (rx * ry) * (rx * ry);
            let ruler = y >= 108 && (x % 10 == 0 || y >= 116);
            let (r, g, b) = if ruler {
                (30, 30, 30)
            } else if inside {
                (170, 40 + ((x + y) % 20) as u8, 50)
            } else {
                let shade = (x / 8 + y / 12) as u8;
                (
                    200u8.saturating_add(shade / 2),
                    160 - tone / 2 + shade / 3,
                    140 - tone,
                )
            };
            pixels.extend_from_slice(&[r, g, b]);
        }
    }
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80)
        .encode(&pixels, W, H, image::ExtendedColorType::Rgb8)
        .map_err(|e| SynthError::Image(e.to_string()))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Stream;

    #[test]
    fn pdf_xref_offsets_point_at_their_objects() {
        let bytes = pdf(&[
            "FieldChart synthetic document".into(),
            "Patient (ID) 123\\x".into(),
        ]);
        let text = String::from_utf8(bytes).unwrap();
        let startxref: usize = text
            .rsplit("startxref\n")
            .next()
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(text[startxref..].starts_with("xref\n"));
        let entries: Vec<&str> = text[startxref..].lines().skip(3).take(5).collect();
        for (i, entry) in entries.iter().enumerate() {
            assert_eq!(entry.len() + 1, 20);
            let offset: usize = entry[..10].parse().unwrap();
            assert!(
                text[offset..].starts_with(&format!("{} 0 obj", i + 1)),
                "object {}",
                i + 1
            );
        }
        assert!(text.ends_with("%%EOF\n"));
        assert!(text.contains("(Patient \\(ID\\) 123\\\\x) Tj"));
    }

    #[test]
    fn stream_length_matches_the_stream() {
        let text = String::from_utf8(pdf(&["a".into()])).unwrap();
        let len: usize = text
            .split("/Length ")
            .nth(1)
            .unwrap()
            .split(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let start = text.find(">>\nstream\n").unwrap() + ">>\nstream\n".len();
        assert_eq!(&text[start + len..start + len + 9], "endstream");
    }

    #[test]
    fn jpeg_is_deterministic_and_decodable_shape() {
        let a = jpeg(&mut Draw::new(1, Stream::Chart, 0, 0)).unwrap();
        let b = jpeg(&mut Draw::new(1, Stream::Chart, 0, 0)).unwrap();
        assert_eq!(a, b);
        assert_eq!(&a[..2], &[0xFF, 0xD8]);
        assert_eq!(&a[a.len() - 2..], &[0xFF, 0xD9]);
        assert!(a.len() < 20_000);
    }

    #[test]
    fn jspeed_line_ends_with_the_version_marker() {
        let line = jspeed_line(
            CivilDate::new(2026, 10, 30).unwrap(),
            "0410000000",
            "石巻市",
            70,
            "F",
            &[true, false],
        );
        assert_eq!(
            line,
            "\"20261030\",\"0410000000\",\"石巻市\",\"65-\",\"F\",\"1\",\"0\",\"JPN+1.00\""
        );
    }

    #[test]
    fn xml_text_is_escaped() {
        assert_eq!(xml("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
        assert_eq!(xml_text("\"a\" & <b>"), "\"a\" &amp; &lt;b&gt;");
    }
}
