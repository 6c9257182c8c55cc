//! Specimen tests: orders (OML-01, OML^O33) and results (OML-11, OUL^R22), and the vital signs of an
//! extended-storage ORU^R30, which share the result reading.

use fieldchart_hl7::{Hl7Time, Segment};

use super::fields::{clinician, coded_field, obx_value, rep_text, value};
use super::{Ctx, MapIssueCode};
use crate::model::{Coded, Item, LabOrder, Observation, ObservationKind};

/// OML-01: one lab order per OBR, with the specimen of the SPM and the order data of the ORC before it
/// (grammar `(SPM OBX* (ORC (OBR … (OBX …)*)…)…)+`, guide §3). Its OBX-3 are the ordered items; OBX-2
/// is empty there, which is normal (guide §7).
pub(super) fn orders(ctx: &mut Ctx<'_>) -> Vec<Item> {
    let mut specimen: Option<Coded> = None;
    let mut orc: Option<Segment<'_>> = None;
    let mut orders: Vec<LabOrder> = Vec::new();
    // Whether OBX now belong to the last order (after an OBR or an ORC) or to the specimen.
    let mut in_order = false;
    for seg in ctx.body() {
        match seg.id() {
            "SPM" => {
                specimen = coded_field(seg.field(4));
                orc = None;
                in_order = false;
            }
            "ORC" => {
                orc = Some(seg);
                in_order = false;
            }
            "OBR" => {
                orders.push(lab_order(ctx, orc, Some(seg), specimen.clone()));
                in_order = true;
            }
            "OBX" => {
                if !in_order {
                    if orc.is_none() {
                        // OBX right after SPM describe the specimen, not an ordered item.
                        continue;
                    }
                    // An ORC with OBX and no OBR: an order without a battery.
                    orders.push(lab_order(ctx, orc, None, specimen.clone()));
                    in_order = true;
                }
                match (coded_field(seg.field(3)), orders.last_mut()) {
                    (Some(item), Some(order)) => order.items.push(item),
                    _ => ctx.orphan(&seg, "names no test item (OBX-3 is empty)"),
                }
            }
            _ => {}
        }
    }
    if orders.is_empty() {
        ctx.warn(
            MapIssueCode::MissingSegment,
            "no OBR segment: the message orders nothing",
        );
    }
    orders.into_iter().map(Item::LabOrder).collect()
}

fn lab_order(
    ctx: &mut Ctx<'_>,
    orc: Option<Segment<'_>>,
    obr: Option<Segment<'_>>,
    specimen: Option<Coded>,
) -> LabOrder {
    LabOrder {
        order_no: orc
            .and_then(|o| value(o.field(2)))
            .or_else(|| obr.and_then(|o| value(o.field(2)))),
        ordered_at: orc.and_then(|o| ctx.time(&o, 9)),
        specimen,
        battery: obr.and_then(|o| coded_field(o.field(4))),
        items: Vec::new(),
        doctor: orc
            .and_then(|o| clinician(o.field(12)))
            .or_else(|| obr.and_then(|o| clinician(o.field(16)))),
        department: orc.and_then(|o| coded_field(o.field(17))),
    }
}

/// The context an OBX is read in: the SPM, OBR and ORC above it.
#[derive(Default, Clone, Copy)]
struct Context<'a> {
    spm: Option<Segment<'a>>,
    obr: Option<Segment<'a>>,
    orc: Option<Segment<'a>>,
}

/// OML-11 (and ORU^R30 vitals): one observation per OBX, with the specimen from SPM-4, the battery from
/// OBR-4, the order number from ORC-2 else OBR-2, and the NTE comments that follow the OBX (`未告知`).
/// The time is OBX-14, else SPM-17, else OBR-7 (guide §3.1).
///
/// An OBR group's ORC follows its OBR in OUL^R22 (`OBR ORC? …`) but precedes it in ORU^R30
/// (`ORC OBR …`), so an ORC right before an OBR carries over to it and any other ORC ends at the next
/// OBR.
pub(super) fn observations(ctx: &mut Ctx<'_>, kind: ObservationKind) -> Vec<Item> {
    let d = ctx.d();
    let mut at = Context::default();
    let mut done: Vec<Observation> = Vec::new();
    let mut previous = "";
    let mut last_was_obx = false;
    for seg in ctx.body() {
        let id = seg.id();
        match id {
            "SPM" => {
                at = Context {
                    spm: Some(seg),
                    ..Context::default()
                };
            }
            "OBR" => {
                at.obr = Some(seg);
                if previous != "ORC" {
                    at.orc = None;
                }
            }
            "ORC" => at.orc = Some(seg),
            "OBX" => match coded_field(seg.field(3)) {
                Some(item) => done.push(observation(ctx, &seg, at, item, kind)),
                None => ctx.orphan(&seg, "names no observation (OBX-3 is empty)"),
            },
            "NTE" => {
                let comment = rep_text(&seg.field(3).first(), d);
                match (last_was_obx, done.last_mut(), comment) {
                    (true, Some(o), Some(c)) => o.comments.push(c),
                    (_, _, None) => {}
                    _ => ctx.orphan(
                        &seg,
                        "does not follow a result, so its comment has no place",
                    ),
                }
            }
            _ => {}
        }
        // NTE may follow an OBX or its TCD/SID (grammar `(OBX TCD? SID* NTE)*`).
        last_was_obx = match id {
            "OBX" => true,
            "NTE" | "TCD" | "SID" => last_was_obx,
            _ => false,
        };
        previous = id;
    }
    if done.is_empty() {
        ctx.warn(
            MapIssueCode::MissingSegment,
            "no OBX segment with an observation: the message holds no result",
        );
    }
    done.into_iter().map(Item::Observation).collect()
}

/// OBX-8 abnormal flags, repetitions joined by a space (`H`, `L`, `HH` …).
fn flags(obx: &Segment<'_>) -> Option<String> {
    let flags: Vec<String> = obx
        .field(8)
        .reps()
        .filter_map(|r| r.comp(1).map(|c| c.trim().to_string()))
        .filter(|c| !c.is_empty())
        .collect();
    (!flags.is_empty()).then(|| flags.join(" "))
}

fn observation(
    ctx: &mut Ctx<'_>,
    obx: &Segment<'_>,
    at: Context<'_>,
    item: Coded,
    kind: ObservationKind,
) -> Observation {
    // OBX-14, else SPM-17, else OBR-7: the first that is a real time; an impossible OBX-14 (reported)
    // is kept as written only when neither other holds a time.
    let own = ctx.time(obx, 14);
    let observed_at = own
        .clone()
        .filter(Hl7Time::is_valid)
        .or_else(|| at.spm.and_then(|s| ctx.time(&s, 17)))
        .or_else(|| at.obr.and_then(|s| ctx.time(&s, 7)))
        .or(own);
    Observation {
        kind,
        order_no: at
            .orc
            .and_then(|o| value(o.field(2)))
            .or_else(|| at.obr.and_then(|o| value(o.field(2)))),
        specimen: at.spm.and_then(|s| coded_field(s.field(4))),
        battery: at.obr.and_then(|s| coded_field(s.field(4))),
        item,
        value_type: value(obx.field(2)),
        value: obx_value(obx, ctx.d()),
        unit: coded_field(obx.field(6)),
        range: rep_text(&obx.field(7).first(), ctx.d()),
        flag: flags(obx),
        status: value(obx.field(11)),
        observed_at,
        sub_id: value(obx.field(4)),
        comments: Vec::new(),
    }
}
