//! Classes derived from standard codes rather than from names: the 薬効分類 (therapeutic class) in
//! the first digits of a YJ code, the critical drug classes FieldChart flags, and the infection
//! markers among JLAC10 analytes. docs/masters.md §5 lists where these agree and disagree with the
//! hand-made name tables in `fieldchart-store` (`codes.rs`).

use serde::{Deserialize, Serialize};

/// A 薬効分類 (therapeutic category): the 3-digit number at the start of a YJ code or
/// 薬価基準収載医薬品コード (日本標準商品分類 87 医薬品, without the leading 87).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct YjClass {
    /// The 3-digit 薬効分類番号, e.g. `333`.
    pub number: &'static str,
    /// Its name, e.g. `血液凝固阻止剤`.
    pub name: &'static str,
}

/// The 3-digit classes FieldChart names. A subset: a YJ code outside it still has a number
/// ([`yj_class_number`]) but no name here.
const YJ_CLASSES: &[(&str, &str)] = &[
    ("112", "催眠鎮静剤，抗不安剤"),
    ("113", "抗てんかん剤"),
    ("114", "解熱鎮痛消炎剤"),
    ("214", "血圧降下剤"),
    ("218", "高脂血症用剤"),
    ("245", "副腎ホルモン剤"),
    ("249", "その他のホルモン剤（抗ホルモン剤を含む）"),
    ("333", "血液凝固阻止剤"),
    ("339", "その他の血液・体液用薬"),
    ("396", "糖尿病用剤"),
];

/// The 3-digit 薬効分類番号 of a YJ code (or 薬価基準収載医薬品コード): its first three characters,
/// when the code is 12 characters and they are digits.
pub fn yj_class_number(yj: &str) -> Option<&str> {
    let yj = yj.trim();
    (yj.len() == 12 && yj.is_ascii() && yj[..4].bytes().all(|b| b.is_ascii_digit()))
        .then(|| &yj[..3])
}

/// The named 薬効分類 of a YJ code: `3332001F1…` (warfarin) → `333 血液凝固阻止剤`.
pub fn yj_class(yj: &str) -> Option<YjClass> {
    let n = yj_class_number(yj)?;
    YJ_CLASSES
        .iter()
        .find(|(num, _)| *num == n)
        .map(|&(number, name)| YjClass { number, name })
}

/// The route a YJ code's digits 5–7 give: 001–399 internal, 400–699 injection, 700–999 external.
/// The HOT master's 区分 column (内/注/外) agrees with this on every sample row read; the rule's own
/// text was not found in a source (docs/masters.md §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum YjRoute {
    Internal,
    Injection,
    External,
}

pub fn yj_route(yj: &str) -> Option<YjRoute> {
    let yj = yj.trim();
    if yj.len() != 12 || !yj.is_ascii() {
        return None;
    }
    let n: u16 = yj[4..7].parse().ok()?;
    Some(match n {
        0..=399 => YjRoute::Internal,
        400..=699 => YjRoute::Injection,
        _ => YjRoute::External,
    })
}

/// The drug classes a clinician must not miss, as the masters derive them. The names match
/// `fieldchart_store::codes::CriticalClass` so the hub can map one to the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CriticalDrugClass {
    Anticoagulant,
    Insulin,
    Antiepileptic,
    SystemicSteroid,
}

/// The critical class of a YJ code, by its 薬効分類:
/// - `333` 血液凝固阻止剤 (warfarin 3332, heparins, the DOACs in 3339) → anticoagulant, unless
///   the route digits are external (a heparinoid cream, 3339950M…, thins no one's blood);
/// - `2492` (the insulin subclass of 249) → insulin;
/// - `113` 抗てんかん剤 → antiepileptic;
/// - `2454`, `2456` (corticosteroid subclasses of 245) when the route digits are not external →
///   systemic steroid.
///
/// Antiplatelets (aspirin 100 mg, clopidogrel: 339) are deliberately not anticoagulants.
pub fn critical_class(yj: &str) -> Option<CriticalDrugClass> {
    let n = yj_class_number(yj)?;
    let yj = yj.trim();
    if n == "333" && yj_route(yj) != Some(YjRoute::External) {
        Some(CriticalDrugClass::Anticoagulant)
    } else if yj.starts_with("2492") {
        Some(CriticalDrugClass::Insulin)
    } else if n == "113" {
        Some(CriticalDrugClass::Antiepileptic)
    } else if (yj.starts_with("2454") || yj.starts_with("2456"))
        && yj_route(yj) != Some(YjRoute::External)
    {
        Some(CriticalDrugClass::SystemicSteroid)
    } else {
        None
    }
}

/// Infections whose markers a clinician must see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Infection {
    HepatitisB,
    HepatitisC,
    Syphilis,
    Hiv,
    Htlv1,
}

impl Infection {
    pub fn label_ja(self) -> &'static str {
        match self {
            Infection::HepatitisB => "B型肝炎",
            Infection::HepatitisC => "C型肝炎",
            Infection::Syphilis => "梅毒",
            Infection::Hiv => "HIV",
            Infection::Htlv1 => "HTLV-1",
        }
    }
}

/// JLAC10 analyte codes (5 characters) of infection markers. Confirmed against a laboratory's
/// published catalogue: 5F016 (HBs), 5E074 (RPR), 5E075 (TP抗体), 5E079 (FTA-ABS). The others are
/// the hand table's and unconfirmed (docs/masters.md §5).
pub const INFECTION_ANALYTES: &[(&str, Infection)] = &[
    ("5F016", Infection::HepatitisB),
    ("5F017", Infection::HepatitisB),
    ("5F360", Infection::HepatitisC),
    ("5F361", Infection::HepatitisC),
    ("5E071", Infection::Syphilis),
    ("5E072", Infection::Syphilis),
    ("5E073", Infection::Syphilis),
    ("5E074", Infection::Syphilis),
    ("5E075", Infection::Syphilis),
    ("5E079", Infection::Syphilis),
    ("5F701", Infection::Hiv),
    ("5F702", Infection::Hiv),
    ("5F703", Infection::Hiv),
    ("5F720", Infection::Htlv1),
];

/// The infection a JLAC10 code (17 characters, or just its 5-character analyte) marks. The analyte
/// alone cannot tell HBs antigen from HBs antibody (both 5F016); [`crate::Masters::infection_marker`]
/// uses the 識別 table for that when it is loaded.
pub fn infection_for_analyte(jlac10: &str) -> Option<Infection> {
    let analyte = jlac10.trim().get(..5)?.to_ascii_uppercase();
    INFECTION_ANALYTES
        .iter()
        .find(|(a, _)| *a == analyte)
        .map(|&(_, i)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warfarin_is_class_333_and_an_anticoagulant() {
        let c = yj_class("3332001F1020").unwrap();
        assert_eq!((c.number, c.name), ("333", "血液凝固阻止剤"));
        assert_eq!(
            critical_class("3332001F1020"),
            Some(CriticalDrugClass::Anticoagulant)
        );
    }

    #[test]
    fn an_antiplatelet_in_339_is_not_an_anticoagulant() {
        assert_eq!(critical_class("3399007H1021"), None);
        assert_eq!(yj_class("3399007H1021").unwrap().number, "339");
    }

    #[test]
    fn insulin_antiepileptic_and_oral_steroid_by_yj() {
        assert_eq!(
            critical_class("2492413G1020"),
            Some(CriticalDrugClass::Insulin)
        );
        assert_eq!(
            critical_class("1139010F1021"),
            Some(CriticalDrugClass::Antiepileptic)
        );
        assert_eq!(
            critical_class("2456001F1310"),
            Some(CriticalDrugClass::SystemicSteroid)
        );
    }

    #[test]
    fn an_external_route_corticosteroid_is_not_systemic() {
        assert_eq!(yj_route("2454700J1020"), Some(YjRoute::External));
        assert_eq!(critical_class("2454700J1020"), None);
    }

    #[test]
    fn malformed_yj_codes_have_no_class() {
        assert_eq!(yj_class_number("333"), None);
        assert_eq!(yj_class_number("ABCD001F1020"), None);
        assert_eq!(critical_class("３３３２００１Ｆ１０２０"), None);
    }

    #[test]
    fn infection_markers_by_analyte() {
        assert_eq!(
            infection_for_analyte("5F016141002327151"),
            Some(Infection::HepatitisB)
        );
        assert_eq!(infection_for_analyte("5E075"), Some(Infection::Syphilis));
        assert_eq!(infection_for_analyte("3C015000002327101"), None);
        assert_eq!(infection_for_analyte("5F"), None);
    }
}
