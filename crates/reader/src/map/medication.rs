//! Prescriptions and injections: orders (OMP-01 / OMP-02, RDE^O11) and administrations (OMP-11 /
//! OMP-12, RAS^O17).

use fieldchart_hl7::Segment;

use super::fields::{
    clinician, coded, coded_field, coded_in_subs, comp_text, quantity, setting, value,
};
use super::{Ctx, MapIssueCode};
use crate::model::{Administration, Coded, Drug, Item, MedicationKind, MedicationOrder};

/// Code systems of the injection type in an injection's RXE-2 (guide §3.1, §5).
fn is_injection_type_system(system: Option<&str>) -> bool {
    matches!(system, Some("99I02" | "JHSI0002"))
}

/// One ORC group of RDE^O11: `ORC (TQ1)* RXE NTE* (TQ1)+ RXR+ RXC*` (guide §3).
#[derive(Default)]
struct Group<'a> {
    orc: Option<Segment<'a>>,
    rxe: Option<Segment<'a>>,
    tq1: Option<Segment<'a>>,
    rxr: Option<Segment<'a>>,
    rxc: Vec<Segment<'a>>,
}

/// OMP-01 / OMP-02: one medication order per ORC group. `kind` comes from the data type; without one,
/// an order with RXC components or an injection-type RXE-2 is an injection.
pub(super) fn orders(ctx: &mut Ctx<'_>, kind: Option<MedicationKind>) -> Vec<Item> {
    let mut groups: Vec<Group<'_>> = Vec::new();
    for seg in ctx.body() {
        match seg.id() {
            "ORC" => groups.push(Group {
                orc: Some(seg),
                ..Group::default()
            }),
            "RXE" => {
                match groups.last_mut() {
                    Some(g) if g.rxe.is_none() => g.rxe = Some(seg),
                    last => {
                        // A second RXE, or one with no ORC before it: a group of its own, under the same
                        // ORC if there is one, so no drug is lost.
                        let orc = last.and_then(|g| g.orc);
                        if orc.is_none() {
                            ctx.warn(
                            MapIssueCode::MissingSegment,
                            format!("line {}: RXE has no ORC before it; the order has no order number", seg.line()),
                        );
                        }
                        groups.push(Group {
                            orc,
                            rxe: Some(seg),
                            ..Group::default()
                        });
                    }
                }
            }
            "TQ1" | "RXR" | "RXC" => match groups.last_mut() {
                Some(g) => match seg.id() {
                    "TQ1" => {
                        g.tq1.get_or_insert(seg);
                    }
                    "RXR" => {
                        g.rxr.get_or_insert(seg);
                    }
                    _ => g.rxc.push(seg),
                },
                None => ctx.orphan(&seg, "comes before any ORC or RXE"),
            },
            _ => {}
        }
    }
    let pv1 = ctx.first("PV1");
    let mut items = Vec::new();
    for g in groups {
        let Some(rxe) = g.rxe else {
            if let Some(orc) = g.orc {
                ctx.orphan(&orc, "has no RXE (the drug) in its group");
            }
            continue;
        };
        let rxe2 = coded_field(rxe.field(2));
        let kind = kind.unwrap_or_else(|| {
            let typed = rxe2
                .as_ref()
                .is_some_and(|c| is_injection_type_system(c.system.as_deref()));
            if typed || !g.rxc.is_empty() {
                MedicationKind::Injection
            } else {
                MedicationKind::Prescription
            }
        });
        // An injection's RXE-2 is its type (`00^一般^99I02`) and its drugs are the RXC components; an
        // injection written with a drug in RXE-2 and no RXC keeps that drug (guide §3.1).
        let rxe2_is_type = kind == MedicationKind::Injection
            && (rxe2
                .as_ref()
                .is_some_and(|c| is_injection_type_system(c.system.as_deref()))
                || !g.rxc.is_empty());
        let mut drugs: Vec<Drug> = Vec::new();
        let mut injection_type = None;
        if rxe2_is_type {
            injection_type = rxe2;
        } else if let Some(code) = rxe2 {
            drugs.push(Drug {
                code,
                role: None,
                amount: None,
            });
        }
        for rxc in &g.rxc {
            match coded_field(rxc.field(2)) {
                Some(code) => drugs.push(Drug {
                    code,
                    role: value(rxc.field(1)),
                    amount: quantity(value(rxc.field(3)), coded_field(rxc.field(4))),
                }),
                None => ctx.orphan(rxc, "names no drug (RXC-2 is empty)"),
            }
        }
        if drugs.is_empty() {
            ctx.warn(
                MapIssueCode::MissingSegment,
                format!(
                    "line {}: the order names no drug (RXE-2 and RXC are empty)",
                    rxe.line()
                ),
            );
        }
        let (days, duration_text) = g.tq1.map(|t| duration(&t)).unwrap_or_default();
        let daily = rxe.field(19).first();
        let mut instructions: Vec<String> = Vec::new();
        for n in [7, 21] {
            instructions.extend(
                rxe.field(n)
                    .reps()
                    .filter_map(|r| coded(&r).and_then(|c| c.display().map(str::to_string))),
            );
        }
        items.push(Item::MedicationOrder(Box::new(MedicationOrder {
            kind: Some(kind),
            order_no: g.orc.and_then(|o| value(o.field(2))),
            group: g.orc.and_then(|o| value(o.field(4))),
            ordered_at: g.orc.and_then(|o| ctx.time(&o, 9)),
            doctor: g.orc.and_then(|o| clinician(o.field(12))),
            department: g.orc.and_then(|o| coded_field(o.field(17))),
            setting: setting(g.orc, pv1),
            drugs,
            injection_type,
            dose: quantity(value(rxe.field(3)), coded_field(rxe.field(5))),
            dosage_form: coded_field(rxe.field(6)),
            dispense: quantity(value(rxe.field(10)), coded_field(rxe.field(11))),
            daily_dose: quantity(comp_text(&daily, 1), coded_in_subs(&daily, 2)),
            usage: g.tq1.and_then(|t| coded_in_subs(&t.field(3).first(), 1)),
            instructions,
            days,
            duration_text,
            start: g.tq1.and_then(|t| ctx.time(&t, 7)),
            end: g.tq1.and_then(|t| ctx.time(&t, 8)),
            route: g.rxr.and_then(|r| coded_field(r.field(1))),
            device: g.rxr.and_then(|r| coded_field(r.field(3))),
            rate: quantity(value(rxe.field(23)), coded_field(rxe.field(24))),
            prescription_no: value(rxe.field(15)),
        })));
    }
    if items.is_empty() {
        ctx.warn(
            MapIssueCode::MissingSegment,
            "no ORC group with an RXE: the message holds no order",
        );
    }
    items
}

/// TQ1-6 service duration: `5^d` → 5 days (guide §3.1); any other unit, or a value that is not a whole
/// number, is kept as written in `duration_text`.
fn duration(tq1: &Segment<'_>) -> (Option<u32>, Option<String>) {
    let rep = tq1.field(6).first();
    let amount = comp_text(&rep, 1);
    let unit = rep.sub(2, 1).map(|u| u.trim().to_string());
    let is_days = matches!(unit.as_deref(), Some("d" | "D" | "日"));
    match (&amount, is_days) {
        (Some(a), true) if a.parse::<u32>().is_ok() => (a.parse().ok(), None),
        (None, _) if unit.is_none() => (None, None),
        _ => {
            let written = [amount, rep.comp_joined(2, " ")]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
            (None, (!written.is_empty()).then_some(written))
        }
    }
}

/// OMP-11 / OMP-12: one administration per RXA. The order number is the preceding ORC-2; the route is
/// the RXR that follows the RXA run (grammar `ORC … (RXA+ RXR (OBX NTE*)*)+`, guide §3).
pub(super) fn administrations(ctx: &mut Ctx<'_>, kind: Option<MedicationKind>) -> Vec<Item> {
    let pv1 = ctx.first("PV1");
    let mut orc: Option<Segment<'_>> = None;
    let mut done: Vec<Administration> = Vec::new();
    // Administrations of the current RXA run, waiting for their RXR.
    let mut pending: usize = 0;
    for seg in ctx.body() {
        match seg.id() {
            "ORC" => {
                orc = Some(seg);
                pending = 0;
            }
            "RXA" => {
                let drug = coded_field(seg.field(5));
                if drug.is_none() {
                    ctx.orphan(&seg, "names no drug (RXA-5 is empty)");
                    continue;
                }
                done.push(Administration {
                    kind,
                    order_no: orc.and_then(|o| value(o.field(2))),
                    start: ctx.time(&seg, 3),
                    end: ctx.time(&seg, 4),
                    drug: drug.unwrap_or_default(),
                    amount: quantity(value(seg.field(6)), coded_field(seg.field(7))),
                    comment: seg
                        .field(9)
                        .reps()
                        .filter_map(|r| coded(&r).and_then(|c| c.display().map(str::to_string)))
                        .reduce(|a, b| format!("{a}\n{b}")),
                    performer: clinician(seg.field(10)),
                    status: value(seg.field(20)),
                    route: None,
                    setting: setting(orc, pv1),
                });
                pending += 1;
            }
            "RXR" => {
                let route: Option<Coded> = coded_field(seg.field(1));
                let from = done.len().saturating_sub(pending);
                for a in done.iter_mut().skip(from) {
                    a.route = route.clone();
                }
                pending = 0;
            }
            _ => {}
        }
    }
    if done.is_empty() {
        ctx.warn(
            MapIssueCode::MissingSegment,
            "no RXA segment with a drug: the message records no administration",
        );
    }
    done.into_iter().map(Item::Administration).collect()
}

#[cfg(test)]
mod tests {
    use fieldchart_hl7::{Message, Text};

    use super::*;

    fn tq1_duration(tq1_6: &str) -> (Option<u32>, Option<String>) {
        let (m, _) = Message::parse(Text::from_unicode(format!(
            "MSH|^~\\&|A\rTQ1|1|||||{tq1_6}"
        )));
        duration(&m.first("TQ1").unwrap())
    }

    #[test]
    fn duration_in_days_is_a_number_and_other_units_stay_as_written() {
        assert_eq!(tq1_duration("5^d"), (Some(5), None));
        assert_eq!(tq1_duration("2^wk"), (None, Some("2 wk".to_string())));
        assert_eq!(tq1_duration("5"), (None, Some("5".to_string())));
        assert_eq!(tq1_duration(""), (None, None));
    }
}
