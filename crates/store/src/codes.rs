//! Clinical code tables: which drugs, diagnoses and tests a clinician must not miss.
//!
//! One table per question, matched by code first (YJ therapeutic-class prefix, ICD-10, JLAC10 analyte)
//! and then by name (generic and brand names, folded with `fieldchart_jtext::fold` so katakana,
//! hiragana and half-width forms all match). Real SS-MIX2 data carries HOT9, YJ or only local codes
//! (guide §5), so names are a necessary second key. Nothing outside this module decides what is
//! "critical": the summary asks these functions.

use fieldchart_jtext as jtext;
use serde::{Deserialize, Serialize};

use crate::rows::{AllergyEntry, Code, MedicationEntry, ObservationEntry, ProblemEntry};

/// The kinds of critical flag a summary raises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CriticalClass {
    Anticoagulant,
    Insulin,
    Antiepileptic,
    SystemicSteroid,
    Dialysis,
    SevereDrugAllergy,
}

impl CriticalClass {
    /// Words a Japanese clinician reads at a glance.
    pub fn label_ja(self) -> &'static str {
        match self {
            CriticalClass::Anticoagulant => "抗凝固薬",
            CriticalClass::Insulin => "インスリン",
            CriticalClass::Antiepileptic => "抗てんかん薬",
            CriticalClass::SystemicSteroid => "全身ステロイド",
            CriticalClass::Dialysis => "透析",
            CriticalClass::SevereDrugAllergy => "重篤な薬剤アレルギー",
        }
    }
}

/// The names of each critical class. A YJ code is classed by its 薬効分類 instead
/// ([`yj_class`]: `fieldchart_masters::critical_class`, which needs no master file).
struct DrugClass {
    class: CriticalClass,
    /// Generic and brand names (substrings), as a pharmacist would write them.
    names: &'static [&'static str],
    /// Routes or forms that make the drug not count (topical or inhaled steroids are not systemic).
    excluded_forms: &'static [&'static str],
}

const DRUG_CLASSES: &[DrugClass] = &[
    DrugClass {
        class: CriticalClass::Anticoagulant,
        names: &[
            "ワルファリン",
            "ワーファリン",
            "アピキサバン",
            "エリキュース",
            "リバーロキサバン",
            "イグザレルト",
            "エドキサバン",
            "リクシアナ",
            "ダビガトラン",
            "プラザキサ",
            "ヘパリン",
            "ダルテパリン",
            "フラグミン",
            "エノキサパリン",
            "クレキサン",
            "フォンダパリヌクス",
            "アリクストラ",
            "アルガトロバン",
        ],
        excluded_forms: &[
            "ヘパリンロック",
            "ロック用",
            "外用",
            "軟膏",
            "クリーム",
            "ローション",
            "ゲル",
        ],
    },
    DrugClass {
        class: CriticalClass::Insulin,
        names: &[
            "インスリン",
            "インシュリン",
            "ランタス",
            "レベミル",
            "トレシーバ",
            "ノボラピッド",
            "ヒューマログ",
            "アピドラ",
            "ヒューマリン",
            "ノボリン",
            "ライゾデグ",
            "フィアスプ",
            "ルムジェブ",
            "グラルギン",
            "デグルデク",
            "アスパルト",
            "リスプロ",
            "デテミル",
            "グルリジン",
            "バサグルコース",
            "ソリクア",
            "ゾルトファイ",
        ],
        excluded_forms: &[],
    },
    DrugClass {
        class: CriticalClass::Antiepileptic,
        names: &[
            "バルプロ",
            "デパケン",
            "セレニカ",
            "カルバマゼピン",
            "テグレトール",
            "フェニトイン",
            "アレビアチン",
            "ヒダントール",
            "フェノバルビタール",
            "フェノバール",
            "レベチラセタム",
            "イーケプラ",
            "ラモトリギン",
            "ラミクタール",
            "ラコサミド",
            "ビムパット",
            "ゾニサミド",
            "エクセグラン",
            "トピラマート",
            "トピナ",
            "ペランパネル",
            "フィコンパ",
            "クロバザム",
            "マイスタン",
            "ガバペンチン",
            "ガバペン",
            "エトスクシミド",
            "ザロンチン",
            "クロナゼパム",
            "リボトリール",
            "ランドセン",
            "スルチアム",
            "オスポロット",
            "ルフィナミド",
            "イノベロン",
            "スチリペントール",
            "ディアコミット",
            "ホスフェニトイン",
            "ホストイン",
        ],
        excluded_forms: &[],
    },
    DrugClass {
        class: CriticalClass::SystemicSteroid,
        names: &[
            "プレドニゾロン",
            "プレドニン",
            "メチルプレドニゾロン",
            "メドロール",
            "ソル・メドロール",
            "ソルメドロール",
            "デキサメタゾン",
            "デカドロン",
            "ベタメタゾン",
            "リンデロン",
            "ヒドロコルチゾン",
            "コートリル",
            "ソル・コーテフ",
            "ソルコーテフ",
            "トリアムシノロン",
            "ケナコルト",
            "フルドロコルチゾン",
            "フロリネフ",
            "コルチゾン",
        ],
        excluded_forms: &[
            "外用",
            "軟膏",
            "クリーム",
            "ローション",
            "点眼",
            "眼軟膏",
            "点鼻",
            "点耳",
            "吸入",
            "噴霧",
            "貼付",
            "テープ",
            "ゲル",
            "口腔",
            "注腸",
        ],
    },
];

/// The critical class of a medication order, if any of its drugs falls in one. Returns the class and
/// the drug's name.
pub fn medication_class(m: &MedicationEntry) -> Vec<(CriticalClass, String)> {
    let form_text = jtext::fold(&format!(
        "{} {} {} {}",
        m.route.as_deref().unwrap_or(""),
        m.usage.as_deref().unwrap_or(""),
        m.dosage_form.as_deref().unwrap_or(""),
        m.drugs
            .iter()
            .map(|d| d.code.text.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    ));
    let mut out = Vec::new();
    for drug in &m.drugs {
        for class in drug_classes(&drug.code) {
            let excluded = DRUG_CLASSES
                .iter()
                .filter(|c| c.class == class)
                .flat_map(|c| c.excluded_forms)
                .any(|f| form_text.contains(&jtext::fold(f)));
            if !excluded {
                out.push((class, drug.code.text.clone()));
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The classes a single drug code belongs to. When the hub's masters resolved the drug to a YJ
/// code, its 薬効分類 decided at the build (`StandardRef::drug_class`) and names are not read; else
/// by the YJ code the message carries ([`yj_critical_class`]) or by name.
pub fn drug_classes(drug: &Code) -> Vec<CriticalClass> {
    if let Some(standard) = drug.standard.as_ref().filter(|s| s.yj.is_some()) {
        return standard.drug_class.into_iter().collect();
    }
    let name = jtext::fold(&drug.text);
    let by_code = yj_code(drug).and_then(yj_critical_class);
    DRUG_CLASSES
        .iter()
        .filter(|c| {
            by_code == Some(c.class) || c.names.iter().any(|n| name.contains(&jtext::fold(n)))
        })
        .map(|c| c.class)
        .collect()
}

/// The critical class of a YJ code by its 薬効分類 and route digits (docs/masters.md §5): the same
/// rule whether the code came in the message or through a master.
pub fn yj_critical_class(yj: &str) -> Option<CriticalClass> {
    use fieldchart_masters::CriticalDrugClass as M;
    fieldchart_masters::critical_class(yj).map(|c| match c {
        M::Anticoagulant => CriticalClass::Anticoagulant,
        M::Insulin => CriticalClass::Insulin,
        M::Antiepileptic => CriticalClass::Antiepileptic,
        M::SystemicSteroid => CriticalClass::SystemicSteroid,
    })
}

/// A YJ code (12 characters, system `YJ`), from either component set.
fn yj_code(drug: &Code) -> Option<&str> {
    let is_yj = |s: &Option<String>| s.as_deref().is_some_and(|s| s.eq_ignore_ascii_case("YJ"));
    if is_yj(&drug.system) {
        drug.code.as_deref()
    } else if is_yj(&drug.local_system) {
        drug.local_code.as_deref()
    } else {
        None
    }
}

/// ICD-10 codes and names of maintenance dialysis (Z49 dialysis care, Z99.2 dependence on dialysis).
const DIALYSIS_ICD10: &[&str] = &["Z49", "Z992", "Z99.2"];
const DIALYSIS_NAMES: &[&str] = &["透析"];

/// True when an active problem says the patient is on dialysis.
pub fn is_dialysis(p: &ProblemEntry) -> bool {
    let icd = p.icd10.as_deref().unwrap_or("").to_ascii_uppercase();
    DIALYSIS_ICD10.iter().any(|c| icd.starts_with(c))
        || DIALYSIS_NAMES
            .iter()
            .any(|n| jtext::fold(&p.diagnosis.text).contains(&jtext::fold(n)))
}

/// True for a drug allergy recorded as severe (AL1-4 / IAM-4 `SV`).
pub fn is_severe_drug_allergy(a: &AllergyEntry) -> bool {
    a.active && a.is_drug() && a.is_severe()
}

/// Infection markers by name, for codes that are not JLAC10 (JLAC10 codes are read by
/// `fieldchart_masters::infection_for_analyte`, which needs no master file).
const INFECTION_NAMES: &[&str] = &[
    "HBs抗原",
    "HBsAg",
    "HCV",
    "梅毒",
    "TPHA",
    "RPR",
    "STS",
    "HIV",
    "HTLV",
    "ワッセルマン",
];

/// True when a lab item is an infection marker (hepatitis B/C, syphilis, HIV, HTLV-1).
/// An HBs antibody (JLAC10 5F016 with a virus antibody's 識別, 1430) is immunity, not infection.
pub fn infection_marker(item: &Code) -> bool {
    let jlac = [item.code.as_deref(), item.local_code.as_deref()]
        .into_iter()
        .flatten()
        .any(|c| fieldchart_masters::infection_for_analyte(c).is_some());
    let name = jtext::fold(&item.text);
    jlac || INFECTION_NAMES
        .iter()
        .any(|n| name.contains(&jtext::fold(n)))
}

/// True when a qualitative result reads positive: `(+)`, `(2+)`, `陽性`, `positive`, or an abnormal
/// flag. `(±)` counts: a clinician wants to see an equivocal infection marker.
pub fn is_positive(o: &ObservationEntry) -> bool {
    let value = jtext::fold(o.value.as_deref().unwrap_or(""));
    let negative = value.contains("陰性") || value.contains("negative") || value.contains("(-)");
    let positive = value.contains('+')
        || value.contains('±')
        || value.contains("陽性")
        || value.contains("positive")
        || value.contains("pos");
    let flagged = o
        .flag
        .as_deref()
        .is_some_and(|f| matches!(f.trim(), "A" | "AA" | "H" | "HH"));
    !negative && (positive || flagged)
}

/// True when a diagnosis is an infectious disease (ICD-10 chapter I, A00–B99).
pub fn is_infectious_disease(p: &ProblemEntry) -> bool {
    p.icd10
        .as_deref()
        .and_then(|c| c.chars().next())
        .is_some_and(|c| matches!(c.to_ascii_uppercase(), 'A' | 'B'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rows::Drug;

    fn code(text: &str) -> Code {
        Code {
            text: text.into(),
            ..Code::default()
        }
    }

    fn order(drug: &str, route: Option<&str>) -> MedicationEntry {
        MedicationEntry {
            drugs: vec![Drug {
                code: code(drug),
                ..Drug::default()
            }],
            route: route.map(String::from),
            ..MedicationEntry::default()
        }
    }

    #[test]
    fn warfarin_by_brand_name_is_an_anticoagulant() {
        let classes = medication_class(&order("ワーファリン錠1mg", None));
        assert_eq!(
            classes,
            vec![(CriticalClass::Anticoagulant, "ワーファリン錠1mg".into())]
        );
    }

    #[test]
    fn half_width_katakana_names_match_too() {
        let classes = medication_class(&order("ﾗﾝﾀｽ注ｿﾛｽﾀｰ", None));
        assert_eq!(classes.len(), 1);
        assert_eq!(classes[0].0, CriticalClass::Insulin);
    }

    #[test]
    fn a_yj_code_classifies_a_drug_with_an_unknown_name() {
        let drug = Code {
            text: "院内薬A".into(),
            code: Some("1139010F1021".into()),
            system: Some("YJ".into()),
            ..Code::default()
        };
        assert_eq!(drug_classes(&drug), vec![CriticalClass::Antiepileptic]);
    }

    #[test]
    fn a_drug_the_masters_resolved_is_classed_by_its_yj_code_not_its_name() {
        let resolved = |class| Code {
            // A name that the table would call an anticoagulant.
            text: "ヘパリン類似物質クリーム".into(),
            code: Some("9912345".into()),
            system: Some("99ZZZ".into()),
            standard: Some(crate::rows::StandardRef {
                system: "YJ".into(),
                code: "3339950N1020".into(),
                yj: Some("3339950N1020".into()),
                drug_class: class,
                ..crate::rows::StandardRef::default()
            }),
            ..Code::default()
        };
        assert_eq!(drug_classes(&resolved(None)), vec![]);
        assert_eq!(
            drug_classes(&resolved(Some(CriticalClass::Anticoagulant))),
            vec![CriticalClass::Anticoagulant]
        );
        // A standard code without a resolved YJ (a lab or a disease) leaves the old rule.
        let mut named = resolved(None);
        named.standard.as_mut().unwrap().yj = None;
        assert_eq!(drug_classes(&named), vec![CriticalClass::Anticoagulant]);
    }

    #[test]
    fn oral_prednisolone_is_systemic_but_an_ointment_is_not() {
        assert_eq!(
            medication_class(&order("プレドニン錠5mg", Some("経口")))[0].0,
            CriticalClass::SystemicSteroid
        );
        assert!(medication_class(&order("リンデロン-VG軟膏0.12%", Some("外用"))).is_empty());
    }

    #[test]
    fn an_inhaled_steroid_combination_is_not_flagged() {
        assert!(
            medication_class(&order("シムビコートタービュヘイラー60吸入", Some("吸入"))).is_empty()
        );
    }

    #[test]
    fn amlodipine_raises_no_flag() {
        assert!(medication_class(&order("アムロジピン錠5mg", None)).is_empty());
    }

    #[test]
    fn maintenance_haemodialysis_is_dialysis_by_name_or_icd10() {
        let by_name = ProblemEntry {
            diagnosis: code("維持血液透析状態"),
            ..ProblemEntry::default()
        };
        let by_icd = ProblemEntry {
            diagnosis: code("other"),
            icd10: Some("Z992".into()),
            ..ProblemEntry::default()
        };
        assert!(is_dialysis(&by_name) && is_dialysis(&by_icd));
        assert!(!is_dialysis(&ProblemEntry {
            diagnosis: code("高血圧症"),
            icd10: Some("I10".into()),
            ..ProblemEntry::default()
        }));
    }

    #[test]
    fn hbs_antigen_is_an_infection_marker_by_jlac10_and_by_name() {
        let by_code = Code {
            text: "x".into(),
            code: Some("5F016141002327151".into()),
            ..Code::default()
        };
        assert!(infection_marker(&by_code));
        assert!(infection_marker(&code("HBs抗原")));
        assert!(!infection_marker(&code("クレアチニン")));
    }

    #[test]
    fn an_hbs_antibody_is_immunity_and_hiv_and_htlv_are_read_by_their_real_analytes() {
        let jlac = |c: &str, text: &str| Code {
            text: text.into(),
            code: Some(c.into()),
            system: Some("JC10".into()),
            ..Code::default()
        };
        // SRL's HBs抗体 (5F016-1430): a vaccinated nurse is no infection risk.
        assert!(!infection_marker(&jlac("5F016143002305211", "HBs抗体")));
        // A facility's own name that no name table knows, under the real analytes.
        assert!(infection_marker(&jlac(
            "5F560155002305211",
            "抗原抗体スクリーニング"
        )));
        assert!(infection_marker(&jlac("5F450143002305111", "ATLA")));
    }

    #[test]
    fn a_yj_code_in_the_message_is_classed_by_the_masters_rule_without_a_master() {
        let with_yj = |yj: &str, text: &str| Code {
            text: text.into(),
            code: Some(yj.into()),
            system: Some("YJ".into()),
            ..Code::default()
        };
        // Phenobarbital is 112, not 113; an insulin + GLP-1 combination is 396; nasal glucagon is
        // 2492 but external (the MHLW price list's codes).
        assert_eq!(
            drug_classes(&with_yj("1125004F1023", "錠剤Ａ")),
            vec![CriticalClass::Antiepileptic]
        );
        assert_eq!(
            drug_classes(&with_yj("3969501G1023", "配合注Ｂ")),
            vec![CriticalClass::Insulin]
        );
        assert!(drug_classes(&with_yj("2492700R1022", "点鼻粉末剤")).is_empty());
        // Without a YJ code the names still decide.
        assert_eq!(
            drug_classes(&code("ワーファリン錠1mg")),
            vec![CriticalClass::Anticoagulant]
        );
    }

    #[test]
    fn plus_and_yousei_are_positive_and_minus_is_not() {
        let obs = |v: &str| ObservationEntry {
            value: Some(v.into()),
            ..ObservationEntry::default()
        };
        assert!(is_positive(&obs("(+)")));
        assert!(is_positive(&obs("陽性")));
        assert!(is_positive(&obs("(±)")));
        assert!(!is_positive(&obs("(-)")));
        assert!(!is_positive(&obs("陰性")));
    }

    #[test]
    fn severe_drug_allergy_needs_drug_category_and_sv() {
        let allergy = |cat: &str, sev: &str| AllergyEntry {
            category: Some(Code {
                text: cat.into(),
                code: Some(cat.into()),
                ..Code::default()
            }),
            allergen: code("ペニシリン"),
            severity: Some(Code {
                text: sev.into(),
                code: Some(sev.into()),
                ..Code::default()
            }),
            active: true,
            ..AllergyEntry::default()
        };
        assert!(is_severe_drug_allergy(&allergy("DA", "SV")));
        assert!(!is_severe_drug_allergy(&allergy("FA", "SV")));
        assert!(!is_severe_drug_allergy(&allergy("DA", "MI")));
    }
}
