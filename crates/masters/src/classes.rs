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

/// The route a YJ code's digits 5–7 give: 001–399 internal, 400–699 injection, 700–999 external
/// (薬価基準収載医薬品コード: 「成分別の番号です。(内服薬:001-399、注射薬:400-699、外用薬:700-999)」, as
/// secondary pages quote the code's description; docs/masters.md §5). The HOT master's 区分
/// column (内/注/外) agrees on every sample row read.
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

/// Ingredient codes (the first 7 characters of a YJ code) that are critical outside their class's
/// 薬効分類, as the MHLW 薬価基準 list (2025-07) codes them (docs/masters.md §5):
/// insulin combined with a GLP-1 agonist (ソリクア 3969501, ゾルトファイ 3969500) is 396, not 2492;
/// phenobarbital (散 1125003, 錠 and エリキシル 1125004, 注 1125402, 坐剤 1125700) is 112, not 113.
const CRITICAL_INGREDIENTS: &[(&str, CriticalDrugClass)] = &[
    ("3969500", CriticalDrugClass::Insulin),
    ("3969501", CriticalDrugClass::Insulin),
    ("1125003", CriticalDrugClass::Antiepileptic),
    ("1125004", CriticalDrugClass::Antiepileptic),
    ("1125402", CriticalDrugClass::Antiepileptic),
    ("1125700", CriticalDrugClass::Antiepileptic),
];

/// The critical class of a YJ code, by its 薬効分類 and the ingredients of [`CRITICAL_INGREDIENTS`]:
/// - `3332` warfarin, `3334` heparins, `3339` the DOACs and others → anticoagulant, unless the
///   route digits are external (a heparinoid cream, 3339950M…). `3331` is sodium citrate for
///   transfusion (輸血用クエン酸ナトリウム), no patient's anticoagulant;
/// - `2492` (the insulins) → insulin, unless external (nasal glucagon, バクスミー 2492700R…);
/// - `113` 抗てんかん剤 → antiepileptic, whatever the route (buccal midazolam, ブコラム 1139700,
///   stops a seizure);
/// - `2452` (hydrocortisone, fludrocortisone, cortisone), `2454` (dexamethasone, betamethasone,
///   triamcinolone), `2456` (prednisolone, methylprednisolone), `2459` (セレスタミン,
///   betamethasone with chlorpheniramine) → systemic steroid, unless external. Stopping one can
///   be an adrenal crisis.
///
/// Antiplatelets (aspirin 100 mg, clopidogrel: 339) are deliberately not anticoagulants.
pub fn critical_class(yj: &str) -> Option<CriticalDrugClass> {
    let n = yj_class_number(yj)?;
    let yj = yj.trim();
    let external = yj_route(yj) == Some(YjRoute::External);
    let starts = |prefixes: &[&str]| prefixes.iter().any(|p| yj.starts_with(p));
    if let Some(&(_, class)) = CRITICAL_INGREDIENTS.iter().find(|(p, _)| yj.starts_with(p)) {
        Some(class)
    } else if n == "113" {
        Some(CriticalDrugClass::Antiepileptic)
    } else if external {
        None
    } else if n == "333" && !yj.starts_with("3331") {
        Some(CriticalDrugClass::Anticoagulant)
    } else if yj.starts_with("2492") {
        Some(CriticalDrugClass::Insulin)
    } else if starts(&["2452", "2454", "2456", "2459"]) {
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

/// JLAC10 analyte codes (5 characters) of infection markers, as ranges, from the JSLM 分析物コード
/// table (version 136, 2026/03) and laboratories' catalogues (docs/masters.md §5):
/// 5F016 HBs, 5F017 HBsサブタイプ; 5F360 HCウイルス (HCV antibody, core antigen and RNA alike) to
/// 5F364 (HCV regions); 5F450–5F455 HTLV-1 (antibody, provirus), 5F460 HTLV-1+2; 5F500–5F530
/// HIV-1, 5F550 HIV-2, 5F560 HIV-1+2 (the antigen/antibody screen); 5E071–5E074 syphilis lipid
/// tests (ガラス板法, VDRL, 凝集法, RPR), 5E075–5E078 treponemal antibodies (TP, TPHA), 5E079
/// FTA-ABS.
pub const INFECTION_ANALYTES: &[(&str, &str, Infection)] = &[
    ("5F016", "5F017", Infection::HepatitisB),
    ("5F360", "5F364", Infection::HepatitisC),
    ("5F450", "5F455", Infection::Htlv1),
    ("5F460", "5F460", Infection::Htlv1),
    ("5F500", "5F530", Infection::Hiv),
    ("5F550", "5F550", Infection::Hiv),
    ("5F560", "5F560", Infection::Hiv),
    ("5E071", "5E079", Infection::Syphilis),
];

/// The JLAC10 識別 codes of a virus antibody (1430 ウイルス抗体, 1431 -IgG, 1432 -IgM): with analyte
/// 5F016 the code is HBs antibody (SRL: 「HBs抗体 5F016-1430-023-052」), which means immunity or
/// vaccination, not infection; HBs antigen is 1410 (「HBs抗原 5F016-1410-023-052」).
pub const ANTIBODY_IDENTIFICATIONS: &[&str] = &["1430", "1431", "1432"];

/// The infection a JLAC10 code (17 characters, or just its 5-character analyte) marks. HBs antigen
/// and HBs antibody share the analyte 5F016: a code whose 識別 is an antibody's
/// ([`ANTIBODY_IDENTIFICATIONS`]) marks none. [`crate::Masters::infection_marker`] also reads the
/// 識別 table's name, when it is loaded, for identifications this list does not hold.
pub fn infection_for_analyte(jlac10: &str) -> Option<Infection> {
    let code = jlac10.trim().to_ascii_uppercase();
    let analyte = code.get(..5)?;
    let infection = INFECTION_ANALYTES
        .iter()
        .find(|(from, to, _)| (*from..=*to).contains(&analyte))
        .map(|&(_, _, i)| i)?;
    let antibody = code
        .get(5..9)
        .is_some_and(|id| ANTIBODY_IDENTIFICATIONS.contains(&id));
    (!(infection == Infection::HepatitisB && antibody)).then_some(infection)
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
    fn codes_of_the_price_list_that_a_bare_class_rule_gets_wrong() {
        use CriticalDrugClass::*;
        // The MHLW 薬価基準 list's own codes (docs/masters.md §5).
        let cases = [
            ("3331400A1010", None),                  // 輸血用クエン酸ナトリウム注射液
            ("3339950M1137", None),                  // ヒルドイドソフト軟膏 (external)
            ("3339004F1029", Some(Anticoagulant)),   // アピキサバン (エリキュース錠)
            ("3969501G1023", Some(Insulin)),         // ソリクア配合注
            ("3969500G1029", Some(Insulin)),         // ゾルトファイ配合注
            ("2492700R1022", None),                  // バクスミー点鼻粉末剤 (glucagon, external)
            ("2492500G1025", Some(Insulin)),         // ライゾデグ
            ("1125004F1023", Some(Antiepileptic)),   // フェノバール錠
            ("1124701J1022", None),                  // ジアゼパム坐剤 (112, external)
            ("2452002F1030", Some(SystemicSteroid)), // コートリル錠
            ("2452003F1035", Some(SystemicSteroid)), // フロリネフ錠
            ("2459100F1162", Some(SystemicSteroid)), // セレスタミン配合錠
            ("1139700Q1029", Some(Antiepileptic)),   // ブコラム口腔用液 (113, external)
        ];
        for (yj, class) in cases {
            assert_eq!(critical_class(yj), class, "{yj}");
        }
    }

    #[test]
    fn infection_markers_by_analyte_as_laboratories_code_them() {
        let cases = [
            ("5F016141002305211", Some(Infection::HepatitisB)), // HBs抗原 5F016-1410
            ("5F016143002305211", None),                        // HBs抗体 5F016-1430: immunity
            ("5F360148802305111", Some(Infection::HepatitisC)), // HCV抗体 5F360-1488
            ("5F360145302387511", Some(Infection::HepatitisC)), // HCV RNA定量 5F360-1453
            ("5F560155002305211", Some(Infection::Hiv)),        // HIV抗原・抗体 5F560-1550
            ("5F500145302287511", Some(Infection::Hiv)),        // HIV-1RNA定量 5F500-1453
            ("5F450143002305111", Some(Infection::Htlv1)),      // HTLV-1抗体 5F450-1430
            ("5F460143002383311", Some(Infection::Htlv1)),      // HTLV-Ⅰ抗体 確認 5F460
            ("5E074135102306211", Some(Infection::Syphilis)),   // RPR 5E074-1351
            ("5E075135102306211", Some(Infection::Syphilis)),   // TP抗体 5E075-1351
            ("5E079", Some(Infection::Syphilis)),               // FTA-ABS
            ("5F701", None),                                    // not in the JSLM table
            ("5F720", None),                                    // not in the JSLM table
            ("3C015000002327101", None),                        // creatinine
            ("5F", None),
        ];
        for (code, infection) in cases {
            assert_eq!(infection_for_analyte(code), infection, "{code}");
        }
    }
}
