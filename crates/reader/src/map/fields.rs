//! Readers for the HL7 data types every mapping shares: coded values (CWE/CE), names (XPN/XCN),
//! timestamps, quantities, locations (PL) and OBX values.
//!
//! Each reader returns `None` for an empty or HL7-null (`""`) value, so the model never holds an empty
//! string where the message said nothing.

use fieldchart_hl7::escape::unescape;
use fieldchart_hl7::{Delimiters, Field, Hl7Time, Rep, Segment};

use crate::model::{Clinician, Coded, PersonName, Quantity, Setting};

/// Component `c` of a repetition, owned; subcomponents joined by a space (a producer that put `&` in a
/// CWE text, as the OMG-13 sample does with `R 振幅&V5`, keeps both parts).
pub(crate) fn comp_text(rep: &Rep<'_>, c: usize) -> Option<String> {
    rep.comp_joined(c, " ")
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// Component `c` of a repetition as an identifier: subcomponents joined by `&`, as written
/// (`9A100&IMP` in the OMG-03 sample is one code).
fn comp_code(rep: &Rep<'_>, c: usize) -> Option<String> {
    rep.comp_joined(c, "&")
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// Component 1 of the first repetition: the value of a simple field (ID, IS, ST, NM).
pub(crate) fn value(field: Field<'_>) -> Option<String> {
    comp_text(&field.first(), 1)
}

/// The whole first repetition unescaped without splitting into components: for text fields (ST, TX)
/// whose producers forget to escape `^`.
pub(crate) fn rep_text(rep: &Rep<'_>, d: &Delimiters) -> Option<String> {
    let raw = rep.raw();
    if raw.is_empty() || raw == "\"\"" {
        return None;
    }
    let text = unescape(raw, d).trim().to_string();
    (!text.is_empty()).then_some(text)
}

/// A coded value from one repetition: components 1–3 standard, 4–6 alternate (guide §5).
pub(crate) fn coded(rep: &Rep<'_>) -> Option<Coded> {
    let c = Coded {
        code: comp_code(rep, 1),
        text: comp_text(rep, 2),
        system: comp_code(rep, 3),
        alt_code: comp_code(rep, 4),
        alt_text: comp_text(rep, 5),
        alt_system: comp_code(rep, 6),
    };
    (!c.is_empty()).then_some(c)
}

/// The coded value of a field's first repetition.
pub(crate) fn coded_field(field: Field<'_>) -> Option<Coded> {
    coded(&field.first())
}

/// Every non-empty coded repetition of a field.
pub(crate) fn coded_reps(field: Field<'_>) -> Vec<Coded> {
    field.reps().filter_map(|r| coded(&r)).collect()
}

/// A coded value written in the subcomponents of component `c`, as in TQ1-3
/// (`1013044400000000&内服・経口・１日３回朝昼夕食後&JAMISDP01`, guide §3.1) and RXE-19's unit.
pub(crate) fn coded_in_subs(rep: &Rep<'_>, c: usize) -> Option<Coded> {
    let s = |n| {
        rep.sub(c, n)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let coded = Coded {
        code: s(1),
        text: s(2),
        system: s(3),
        alt_code: s(4),
        alt_text: s(5),
        alt_system: s(6),
    };
    (!coded.is_empty()).then_some(coded)
}

/// A timestamp (TS/DTM/DT): component 1 read leniently, the raw text kept (guide §4.3 step 5).
pub(crate) fn time(field: Field<'_>) -> Option<Hl7Time> {
    value(field).map(|raw| Hl7Time::parse(&raw))
}

/// Joins the present parts with one ASCII space: a name's family and given (`患者 太郎`,
/// `カンジャ タロウ`), an SN value's components (`< 0.5`).
///
/// For names, one ASCII space and never the ideographic space U+3000: search folds both alike (NFKC maps
/// U+3000 to a space), and one fixed separator keeps names comparable across producers. A name whose
/// producer put it whole in one component (`医師一郎`, guide §3.2) stays as written.
fn join_spaced(parts: &[Option<String>]) -> String {
    parts
        .iter()
        .flatten()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(" ")
}

fn name(family: Option<String>, given: Option<String>, repr: Option<String>) -> Option<PersonName> {
    let full = join_spaced(&[family.clone(), given.clone()]);
    if full.is_empty() {
        return None;
    }
    Some(PersonName {
        family,
        given,
        full,
        representation: repr,
    })
}

/// A person name (XPN): XPN.1 family, XPN.2 given, XPN.8 representation (`I` kanji, `P` kana).
pub(crate) fn xpn(rep: &Rep<'_>) -> Option<PersonName> {
    name(comp_text(rep, 1), comp_text(rep, 2), comp_text(rep, 8))
}

/// A clinician's name (XCN): XCN.2 family, XCN.3 given, XCN.15 representation.
pub(crate) fn xcn_name(rep: &Rep<'_>) -> Option<PersonName> {
    name(comp_text(rep, 2), comp_text(rep, 3), comp_text(rep, 15))
}

/// A clinician (XCN), whose repetitions may give the name in kanji and kana (PPR-01 ORC-12, guide §3.2):
/// the ID from the first repetition that has one, the name whose XCN.15 is `I`, else the first name.
pub(crate) fn clinician(field: Field<'_>) -> Option<Clinician> {
    let reps: Vec<Rep<'_>> = field.reps().collect();
    let id = reps.iter().find_map(|r| comp_text(r, 1));
    let names: Vec<PersonName> = reps.iter().filter_map(xcn_name).collect();
    let chosen = names
        .iter()
        .position(|n| n.representation.as_deref() == Some("I"))
        .unwrap_or(0);
    let name = names.into_iter().nth(chosen);
    (id.is_some() || name.is_some()).then_some(Clinician { id, name })
}

/// A value with its unit; None when both are missing.
pub(crate) fn quantity(value: Option<String>, unit: Option<Coded>) -> Option<Quantity> {
    (value.is_some() || unit.is_some()).then_some(Quantity { value, unit })
}

/// A location (PL) made readable: PL.9 description when given, else point of care, room and bed joined
/// by ` / ` (`32^302^1^^^N` → `32 / 302 / 1`; a clinic `01^^^^^C` → `01`). The parts are codes whose
/// meaning (ward, room, bed) the producer defines, so they are shown as written, not labelled.
pub(crate) fn location(field: Field<'_>) -> Option<String> {
    let rep = field.first();
    if let Some(description) = comp_text(&rep, 9) {
        return Some(description);
    }
    let parts: Vec<String> = (1..=3).filter_map(|c| comp_text(&rep, c)).collect();
    (!parts.is_empty()).then(|| parts.join(" / "))
}

/// In- or outpatient from ORC-29 (`I^入院患者オーダ^HL70482`), else PV1-2 (guide §3.1).
pub(crate) fn setting(orc: Option<Segment<'_>>, pv1: Option<Segment<'_>>) -> Setting {
    let from = |code: Option<String>| match code.as_deref() {
        Some("I") => Some(Setting::Inpatient),
        Some("O") => Some(Setting::Outpatient),
        _ => None,
    };
    orc.and_then(|s| from(value(s.field(29))))
        .or_else(|| pv1.and_then(|s| from(value(s.field(2)))))
        .unwrap_or(Setting::Unknown)
}

/// OBX-5 rendered by OBX-2, exactly as meant (guide §3.1, §5, §7):
/// - `SN` components joined by spaces (`<^0.5` → `< 0.5`, NHO's rule of `^` read as a space);
/// - coded values (`CWE`, `CE`, `CNE`, `CF`) → their text (component 2, else 5, else the code);
/// - `XCN` → the person's name, else the ID;
/// - `ZRD` (JAHIS drug in a report, OMG-12 sample `100555401^セルシン5mg^HOT9^1^AMP&管&MR9P`) → drug
///   name, amount and unit text;
/// - everything else (`NM`, `ST`, `TX`, `FT`, `TS`, empty) as written, escapes undone, `(+)` kept.
///
/// Repetitions are joined by a line break for text and by `, ` for coded values.
pub(crate) fn obx_value(obx: &Segment<'_>, d: &Delimiters) -> Option<String> {
    let value_type = value(obx.field(2)).unwrap_or_default();
    let field = obx.field(5);
    if field.is_empty() || field.is_null() {
        return None;
    }
    let (parts, sep): (Vec<String>, &str) = match value_type.as_str() {
        "SN" => (
            field
                .reps()
                .filter_map(|r| {
                    let joined =
                        join_spaced(&(1..=4).map(|c| comp_text(&r, c)).collect::<Vec<_>>());
                    (!joined.is_empty()).then_some(joined)
                })
                .collect(),
            ", ",
        ),
        "CWE" | "CE" | "CNE" | "CF" | "CV" => (
            field
                .reps()
                .filter_map(|r| coded(&r).and_then(|c| c.display().map(str::to_string)))
                .collect(),
            ", ",
        ),
        "XCN" => (
            field
                .reps()
                .filter_map(|r| xcn_name(&r).map(|n| n.full).or_else(|| comp_text(&r, 1)))
                .collect(),
            ", ",
        ),
        "ZRD" => (
            field
                .reps()
                .filter_map(|r| {
                    let drug = comp_text(&r, 2).or_else(|| comp_text(&r, 1));
                    let unit = r.sub(5, 2).or_else(|| r.sub(5, 1)).map(|u| u.into_owned());
                    let joined = join_spaced(&[drug, comp_text(&r, 4), unit]);
                    (!joined.is_empty()).then_some(joined)
                })
                .collect(),
            ", ",
        ),
        _ => (field.reps().filter_map(|r| rep_text(&r, d)).collect(), "\n"),
    };
    (!parts.is_empty()).then(|| parts.join(sep))
}

#[cfg(test)]
mod tests {
    use fieldchart_hl7::{Message, Text};

    use super::*;

    fn message(text: &str) -> Message {
        Message::parse(Text::from_unicode(text)).0
    }

    fn obx(line: &str) -> Option<String> {
        let m = message(&format!("MSH|^~\\&|A\r{line}"));
        let seg = m.first("OBX").expect("OBX");
        obx_value(&seg, m.delimiters())
    }

    #[test]
    fn structured_numeric_joins_components_with_spaces() {
        assert_eq!(obx("OBX|1|SN|x||<^0.5").as_deref(), Some("< 0.5"));
        assert_eq!(obx("OBX|1|SN|x||^100^:^200").as_deref(), Some("100 : 200"));
    }

    #[test]
    fn qualitative_plus_stays_as_written() {
        assert_eq!(obx("OBX|1|ST|x||(+)").as_deref(), Some("(+)"));
    }

    #[test]
    fn coded_value_shows_its_text_else_the_local_text_else_the_code() {
        assert_eq!(obx("OBX|1|CWE|x||A^A^JSHR002").as_deref(), Some("A"));
        assert_eq!(
            obx("OBX|1|CWE|x||1^^^L1^ローカル^99X").as_deref(),
            Some("ローカル")
        );
        assert_eq!(obx("OBX|1|CWE|x||SV").as_deref(), Some("SV"));
    }

    #[test]
    fn text_value_keeps_an_unescaped_caret() {
        assert_eq!(obx("OBX|1|TX|x||a^b").as_deref(), Some("a^b"));
        assert_eq!(obx("OBX|1|TX|x||a\\S\\b").as_deref(), Some("a^b"));
    }

    #[test]
    fn null_or_empty_value_is_none() {
        assert_eq!(obx("OBX|1|NM|x||\"\""), None);
        assert_eq!(obx("OBX|1||x"), None);
    }

    #[test]
    fn jahis_drug_value_reads_as_name_amount_and_unit() {
        assert_eq!(
            obx("OBX|8|ZRD|x||100555401^セルシン5mg^HOT9^1^AMP&管&MR9P").as_deref(),
            Some("セルシン5mg 1 管")
        );
    }

    #[test]
    fn person_value_reads_as_the_name() {
        assert_eq!(
            obx("OBX|1|XCN|x||123456^大江戸^信吉^^^^^^^L^^^^^I").as_deref(),
            Some("大江戸 信吉")
        );
    }

    #[test]
    fn coded_text_keeps_subcomponents_and_code_keeps_ampersand() {
        let m = message("MSH|^~\\&|A\rOBX|12|NM|58368&7^R 振幅&V5^99MFR");
        let c = coded_field(m.first("OBX").unwrap().field(3)).unwrap();
        assert_eq!(c.code.as_deref(), Some("58368&7"));
        assert_eq!(c.text.as_deref(), Some("R 振幅 V5"));
    }

    #[test]
    fn location_is_ward_room_bed_or_clinic() {
        let m = message("MSH|^~\\&|A\rPV1|1|I|32^302^1^^^N|||01^^^^^C");
        let pv1 = m.first("PV1").unwrap();
        assert_eq!(location(pv1.field(3)).as_deref(), Some("32 / 302 / 1"));
        assert_eq!(location(pv1.field(6)).as_deref(), Some("01"));
        assert_eq!(location(pv1.field(7)), None);
    }

    #[test]
    fn clinician_prefers_the_kanji_repetition_whatever_its_position() {
        let m = message(
            "MSH|^~\\&|A\rORC|NW|1||||||||||^イシ^イチロウ^^^^^^^L^^^^^P~110^医師^一郎^^^^^^^L^^^^^I",
        );
        let c = clinician(m.first("ORC").unwrap().field(12)).unwrap();
        assert_eq!(c.id.as_deref(), Some("110"));
        assert_eq!(c.name.unwrap().full, "医師 一郎");
    }

    #[test]
    fn whole_name_in_one_component_stays_whole() {
        let m = message("MSH|^~\\&|A\rPV1|1|I|||||ishi01^医師一郎^^^^^^^^L^^^^^I");
        let c = clinician(m.first("PV1").unwrap().field(7)).unwrap();
        let name = c.name.unwrap();
        assert_eq!(name.full, "医師一郎");
        assert_eq!(name.given, None);
    }
}
