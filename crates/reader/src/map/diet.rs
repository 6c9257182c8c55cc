//! Diet orders (OMD, OMD^O03): one order per ORC group of TQ1, ODS and ODT.

use super::fields::{coded, coded_in_subs, coded_reps, rep_text, value};
use super::{Ctx, MapIssueCode};
use crate::model::{DietOrder, Item};

/// One diet order per ORC (guide §3.1): TQ1-3 schedule (`TID&１日３回&HL70335`), TQ1-7 start, ODS-3 diet
/// codes, ODS-4 instructions (`塩分控えめ`); a tray order (ODT) adds its type and text as instructions.
pub(super) fn orders(ctx: &mut Ctx<'_>) -> Vec<Item> {
    let d = ctx.d();
    let mut orders: Vec<DietOrder> = Vec::new();
    for seg in ctx.body() {
        match seg.id() {
            "ORC" => orders.push(DietOrder {
                order_no: value(seg.field(2)),
                ordered_at: ctx.time(&seg, 9),
                ..DietOrder::default()
            }),
            "TQ1" | "ODS" | "ODT" => {
                let Some(order) = orders.last_mut() else {
                    ctx.orphan(&seg, "comes before any ORC");
                    continue;
                };
                match seg.id() {
                    "TQ1" => {
                        if order.schedule.is_none() {
                            order.schedule = coded_in_subs(&seg.field(3).first(), 1);
                        }
                        if order.start.is_none() {
                            order.start = ctx.time(&seg, 7);
                        }
                    }
                    "ODS" => {
                        order.diets.extend(coded_reps(seg.field(3)));
                        order
                            .instructions
                            .extend(seg.field(4).reps().filter_map(|r| rep_text(&r, d)));
                    }
                    _ => {
                        order
                            .instructions
                            .extend(seg.field(1).reps().filter_map(|r| {
                                coded(&r).and_then(|c| c.display().map(str::to_string))
                            }));
                        order
                            .instructions
                            .extend(seg.field(3).reps().filter_map(|r| rep_text(&r, d)));
                    }
                }
            }
            _ => {}
        }
    }
    if orders.is_empty() {
        ctx.warn(
            MapIssueCode::MissingSegment,
            "no ORC segment: the message holds no diet order",
        );
    }
    orders.into_iter().map(Item::DietOrder).collect()
}
