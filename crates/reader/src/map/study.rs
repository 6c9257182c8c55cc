//! Imaging, endoscopy and physiology: orders (OMG-01/02/03, OMG^O19), performed reports (OMG-11/12,
//! OMI^Z23) and physiology results (OMG-13, ORU^R01).

use fieldchart_hl7::Segment;

use super::fields::{clinician, coded_field, obx_value, value};
use super::{Ctx, MapIssueCode};
use crate::model::{Finding, Item, Study, StudyCategory, StudyPhase};

/// One study per message. SS-MIX2 stores one order per file (the order number is part of the file key,
/// guide §1.2), and a message holds that order's ORC/OBR groups: the whole order (`NW`), its acceptance
/// (`PA`) and its child orders (`CH`, ORC-8 naming the parent), as the OMG samples show. Their OBR-4
/// become the procedures (without repeats), every OBX a finding, the first IPC the image references.
///
/// The category comes from the data type; without one, from OBR-4's code system (JJ1017 radiology,
/// LENDO endoscopy, anything else physiology).
pub(super) fn study(
    ctx: &mut Ctx<'_>,
    category: Option<StudyCategory>,
    phase: StudyPhase,
) -> Vec<Item> {
    let d = ctx.d();
    let orcs: Vec<Segment<'_>> = ctx.body().filter(|s| s.id() == "ORC").collect();
    let obrs: Vec<Segment<'_>> = ctx.body().filter(|s| s.id() == "OBR").collect();
    if obrs.is_empty() {
        ctx.warn(
            MapIssueCode::MissingSegment,
            "no OBR segment: the study names no procedure",
        );
    }
    let mut procedures = Vec::new();
    for obr in &obrs {
        if let Some(p) = coded_field(obr.field(4))
            && !procedures.contains(&p)
        {
            procedures.push(p);
        }
    }
    let findings: Vec<Finding> = ctx
        .body()
        .filter(|s| s.id() == "OBX")
        .filter_map(|obx| {
            Some(Finding {
                item: coded_field(obx.field(3))?,
                value_type: value(obx.field(2)),
                value: obx_value(&obx, d),
                unit: coded_field(obx.field(6)),
            })
        })
        .collect();
    let ipc = ctx
        .body()
        .find(|s| s.id() == "IPC" && (value(s.field(1)).is_some() || value(s.field(3)).is_some()));
    let category = category.unwrap_or_else(|| {
        let system = procedures.first().and_then(|p| p.system.as_deref());
        match system {
            Some("JJ1017") => StudyCategory::Radiology,
            Some("LENDO") => StudyCategory::Endoscopy,
            _ => StudyCategory::Physiology,
        }
    });
    let first_orc = orcs.first().copied();
    let first_obr = obrs.first().copied();
    vec![Item::Study(Study {
        category,
        phase,
        order_no: first_orc
            .and_then(|o| value(o.field(2)))
            .or_else(|| first_obr.and_then(|o| value(o.field(2)))),
        ordered_at: orcs.iter().find_map(|o| ctx.time(o, 9)),
        performed_at: obrs.iter().find_map(|o| ctx.time(o, 7)),
        procedures,
        findings,
        modality: ipc.and_then(|s| value(s.field(5))),
        accession: ipc.and_then(|s| value(s.field(1))),
        study_uid: ipc.and_then(|s| value(s.field(3))),
        doctor: orcs
            .iter()
            .find_map(|o| clinician(o.field(12)))
            .or_else(|| obrs.iter().find_map(|o| clinician(o.field(16)))),
        department: orcs.iter().find_map(|o| coded_field(o.field(17))),
    })]
}
