//! PPR-01 (PPR^ZD1): the patient's problem list, one problem per PRB group (PRB, ZPR, …, ORC).

use fieldchart_hl7::Segment;

use super::fields::{clinician, coded_field, rep_text, value};
use super::{Ctx, MapIssueCode};
use crate::model::{Coded, Item, Problem};

/// One problem per PRB; the ZPR and ORC that follow a PRB (before the next PRB) belong to it
/// (grammar in guide §3: `(PRB ZPR? ZPD* … (ORC …)*)+`).
pub(super) fn problems(ctx: &mut Ctx<'_>) -> Vec<Item> {
    let mut problems: Vec<Problem> = Vec::new();
    for seg in ctx.body() {
        match seg.id() {
            "PRB" => {
                let problem = prb(ctx, &seg);
                problems.push(problem);
            }
            "ZPR" => match problems.last_mut() {
                // ZPR-5: the 4-character 病名交換用コード (guide §3.1).
                Some(p) => p.exchange_code = coded_field(seg.field(5)).and_then(|c| c.code),
                None => ctx.orphan(&seg, "comes before any PRB"),
            },
            "ORC" => match problems.last_mut() {
                Some(p) => {
                    p.doctor = clinician(seg.field(12)).or(p.doctor.take());
                    p.department = coded_field(seg.field(17)).or(p.department.take());
                }
                None => ctx.orphan(&seg, "comes before any PRB"),
            },
            _ => {}
        }
    }
    if problems.is_empty() {
        ctx.warn(
            MapIssueCode::MissingSegment,
            "no PRB segment: the problem list is empty",
        );
    }
    problems
        .into_iter()
        .map(|p| Item::Problem(Box::new(p)))
        .collect()
}

/// PRB (guide §3.1): `PRB|AD|20110915|20054174^胃炎^MDCDX2|…|K297^^I10^O^外来時^JHSD0004|…`.
fn prb(ctx: &mut Ctx<'_>, prb: &Segment<'_>) -> Problem {
    let diagnosis = coded_field(prb.field(3)).unwrap_or_default();
    if diagnosis.is_empty() {
        ctx.warn(
            MapIssueCode::MissingSegment,
            format!("line {}: PRB-3 (diagnosis) is empty", prb.line()),
        );
    }
    let (icd10, diagnosis_type) = classification(coded_field(prb.field(10)));
    Problem {
        action: value(prb.field(1)),
        diagnosis,
        icd10,
        diagnosis_type,
        exchange_code: None,
        instance_id: value(prb.field(4)),
        recorded: ctx.time(prb, 2),
        diagnosed: ctx.time(prb, 7),
        resolved: ctx.time(prb, 9),
        onset: ctx.time(prb, 16),
        suspected: suspected(ctx, prb),
        main: value(prb.field(18)).as_deref() == Some("1"),
        outcome: coded_field(prb.field(14)),
        text: rep_text(&prb.field(17).first(), ctx.d()),
        department: None,
        doctor: None,
    }
}

/// PRB-10 holds the ICD-10 code in components 1–3 (system `I10`) and the diagnosis type in 4–6
/// (JHSD0004). A producer that writes only the type, in 1–3, is read too; a code in 1–3 with no system
/// is taken as ICD-10, the only code that slot holds.
fn classification(c: Option<Coded>) -> (Option<String>, Option<Coded>) {
    let Some(c) = c else {
        return (None, None);
    };
    let first_is_type = c.system.as_deref() == Some("JHSD0004");
    let icd10 = match c.system.as_deref() {
        Some("I10") | None => c.code.clone(),
        _ => None,
    };
    let diagnosis_type = if c.alt_code.is_some() || c.alt_text.is_some() {
        Some(Coded {
            code: c.alt_code,
            text: c.alt_text,
            system: c.alt_system,
            ..Coded::default()
        })
    } else if first_is_type {
        Some(Coded {
            code: c.code,
            text: c.text,
            system: c.system,
            ..Coded::default()
        })
    } else {
        None
    };
    (icd10, diagnosis_type)
}

/// PRB-13 疑い病名フラグ. ssmixtwins writes a bare `1`; ssmixtools reads a CWE whose system is JHSD0005
/// and whose code `1` means suspected (guide §3.1). `1` or `Y`, bare or as the JHSD0005 code, is
/// suspected; `0`, `N` or nothing is confirmed; anything else is reported and read as confirmed.
fn suspected(ctx: &mut Ctx<'_>, prb: &Segment<'_>) -> bool {
    let Some(c) = coded_field(prb.field(13)) else {
        return false;
    };
    let code = c
        .code_in(|s| s == "JHSD0005")
        .or(c.code.as_deref())
        .unwrap_or_default();
    match code {
        "1" | "Y" => true,
        "0" | "N" | "" => false,
        _ => {
            ctx.warn(
                MapIssueCode::BadValue,
                format!(
                    "line {}: PRB-13 (suspected-diagnosis flag, JHSD0005) is neither 1/Y nor 0/N; the diagnosis is shown as confirmed",
                    prb.line()
                ),
            );
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use fieldchart_hl7::{Message, Text};

    use super::*;

    fn problem(prb: &str) -> (Problem, Vec<super::super::MapIssue>) {
        let text = format!("MSH|^~\\&|A||||1||PPR^ZD1|1|P|2.5\rPID|1||7\r{prb}");
        let (m, _) = Message::parse(Text::from_unicode(text));
        let mut ctx = Ctx {
            message: &m,
            issues: Vec::new(),
        };
        let seg = m.first("PRB").unwrap();
        let p = super::prb(&mut ctx, &seg);
        (p, ctx.issues)
    }

    #[test]
    fn suspected_flag_is_read_bare_or_as_a_jhsd0005_code() {
        for flag in ["1", "Y", "1^疑い^JHSD0005", "^^^1^疑い^JHSD0005"] {
            let (p, issues) = problem(&format!("PRB|AD|20110915|1^胃炎^MDCDX2||||||||||{flag}"));
            assert!(p.suspected, "{flag}");
            assert!(issues.is_empty());
        }
        for flag in ["", "0", "N", "0^確定^JHSD0005"] {
            let (p, _) = problem(&format!("PRB|AD|20110915|1^胃炎^MDCDX2||||||||||{flag}"));
            assert!(!p.suspected, "{flag}");
        }
    }

    #[test]
    fn an_unknown_suspected_flag_is_reported_and_read_as_confirmed() {
        let (p, issues) = problem("PRB|AD|20110915|1^胃炎^MDCDX2||||||||||2");
        assert!(!p.suspected);
        assert_eq!(issues[0].code, MapIssueCode::BadValue);
    }

    #[test]
    fn icd10_and_diagnosis_type_come_from_prb_10() {
        let (p, _) = problem("PRB|AD||1^胃炎^MDCDX2|||||||K297^^I10^O^外来時^JHSD0004");
        assert_eq!(p.icd10.as_deref(), Some("K297"));
        let t = p.diagnosis_type.unwrap();
        assert_eq!(
            (t.code.as_deref(), t.text.as_deref()),
            (Some("O"), Some("外来時"))
        );

        let (p, _) = problem("PRB|AD||1^胃炎^MDCDX2|||||||H^入院時^JHSD0004");
        assert_eq!(p.icd10, None);
        assert_eq!(p.diagnosis_type.unwrap().code.as_deref(), Some("H"));
    }
}
