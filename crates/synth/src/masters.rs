//! Drill masters: the generator's own codes written as the standard masters are published
//! (docs/masters.md), beside the region, so a drill hub can build with `[masters]` and a drill
//! shows standard codes, critical classes from YJ codes and a build report of unknown codes.
//!
//! **They describe the synthetic codes of `clinical.rs` and nothing else.** The HOT, YJ, MEDIS and
//! JLAC10 numbers are made up in the real shapes; the 薬効分類 (the first four YJ digits) and the
//! route digits are the real ones for each drug, so the classes derived from them are what a
//! clinician expects (warfarin 333, insulin 2492, prednisolone 2456, a heparinoid cream 333 but
//! external). Two codes are left out on purpose, so the drill's build report has something to
//! send back: カルボシステイン錠 (HOT) and 尿蛋白 (JLAC10).
//!
//! Files (in the region folder, beside `region.json`):
//! - `MEDIS<as-of>.TXT`: HOT master layout, Shift_JIS;
//! - `nmain<as-of>.txt`: MEDIS 病名基本テーブル layout, Shift_JIS;
//! - `jlac10-analyte.csv`, `jlac10-specimen.csv`: JLAC10 tables as CSV, Shift_JIS;
//! - `facility-code-map.csv`: each facility's AL1 allergen codes (99XYZ) → HOT9, UTF-8.

use std::fs;
use std::path::{Path, PathBuf};

use crate::SynthError;
use crate::calendar::CivilDate;
use crate::clinical::{
    ALLERGENS, CEFTRIAXONE, Drug, FLUID_SOLITA_T3, Injection, LabTest, Problem, SALINE_100,
    drugs::*, labs::*, problems::*,
};

/// The JLAC10 analyte table's file name.
pub const JLAC10_ANALYTE_FILE: &str = "jlac10-analyte.csv";
/// The JLAC10 specimen table's file name.
pub const JLAC10_SPECIMEN_FILE: &str = "jlac10-specimen.csv";
/// The facility mapping table's file name.
pub const LOCAL_MAP_FILE: &str = "facility-code-map.csv";

/// The drill master files of a region folder, as [`write`] named them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DrillMasters {
    pub hot: PathBuf,
    pub disease: PathBuf,
    pub jlac10_analyte: PathBuf,
    pub jlac10_specimen: PathBuf,
    pub local_map: PathBuf,
}

impl DrillMasters {
    /// The files as a drill hub's `[masters]` names them (JLAC10 CSVs in Shift_JIS, the mapping
    /// table in UTF-8: the defaults).
    pub fn files(&self) -> fieldchart_masters::MasterFiles {
        use fieldchart_masters::{Jlac10Table, MasterFiles};
        MasterFiles {
            disease: Some(self.disease.clone()),
            hot: vec![self.hot.clone()],
            jlac10: vec![
                (Jlac10Table::Analyte, self.jlac10_analyte.clone()),
                (Jlac10Table::Specimen, self.jlac10_specimen.clone()),
            ],
            local_maps: vec![self.local_map.clone()],
            ..MasterFiles::default()
        }
    }
}

/// Whether a file in a region folder is one of the drill masters (a regenerated region replaces
/// them).
pub(crate) fn is_drill_master(name: &str) -> bool {
    (name.starts_with("MEDIS") && name.ends_with(".TXT"))
        || (name.starts_with("nmain") && name.ends_with(".txt"))
        || [JLAC10_ANALYTE_FILE, JLAC10_SPECIMEN_FILE, LOCAL_MAP_FILE].contains(&name)
}

/// The drill masters in `region` (a region this generator wrote), None when it has none.
pub fn drill_masters(region: &Path) -> Option<DrillMasters> {
    let find = |prefix: &str, suffix: &str| {
        let mut found: Vec<PathBuf> = fs::read_dir(region)
            .ok()?
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with(prefix) && n.ends_with(suffix))
            })
            .collect();
        found.sort();
        found.pop()
    };
    let fixed = |name: &str| Some(region.join(name)).filter(|p| p.is_file());
    Some(DrillMasters {
        hot: find("MEDIS", ".TXT")?,
        disease: find("nmain", ".txt")?,
        jlac10_analyte: fixed(JLAC10_ANALYTE_FILE)?,
        jlac10_specimen: fixed(JLAC10_SPECIMEN_FILE)?,
        local_map: fixed(LOCAL_MAP_FILE)?,
    })
}

/// Each drug with its real 薬効分類 (4 digits) and its route digits (001–399 internal, 400–699
/// injection, 700–999 external); a drug not listed is left out of the HOT file.
const DRUG_CLASSES: &[(&Drug, &str, &str)] = &[
    (&AMLODIPINE_5, "2171", "022"),
    (&AMLODIPINE_2_5, "2171", "022"),
    (&OLMESARTAN_20, "2149", "044"),
    (&CANDESARTAN_8, "2149", "040"),
    (&METFORMIN_250, "3962", "002"),
    (&SITAGLIPTIN_50, "3969", "010"),
    (&GLARGINE, "2492", "413"),
    (&ASPART, "2492", "416"),
    (&WARFARIN_1, "3332", "001"),
    (&APIXABAN_5, "3339", "004"),
    (&RIVAROXABAN_15, "3339", "003"),
    (&BISOPROLOL_2_5, "2123", "016"),
    (&ROSUVASTATIN_2_5, "2189", "017"),
    (&ATORVASTATIN_10, "2189", "015"),
    (&LANTHANUM_250, "2190", "028"),
    (&CINACALCET_25, "3999", "034"),
    (&LEVETIRACETAM_500, "1139", "010"),
    (&VALPROATE_200, "1139", "004"),
    (&LEVETIRACETAM_SYRUP, "1139", "010"),
    (&MONTELUKAST_10, "4490", "017"),
    (&MONTELUKAST_GRANULES, "4490", "017"),
    // Budesonide/formoterol is inhaled (229): not a systemic steroid.
    (&SYMBICORT, "2290", "800"),
    (&PREDNISOLONE_5, "2456", "001"),
    (&SALAZOSULFAPYRIDINE_500, "6219", "002"),
    (&FUROSEMIDE_20, "2139", "005"),
    (&SPIRONOLACTONE_25, "2133", "001"),
    // Antiplatelets (339): deliberately not anticoagulants.
    (&ASPIRIN_100, "3399", "007"),
    (&CLOPIDOGREL_75, "3399", "008"),
    (&DONEPEZIL_5, "1190", "012"),
    (&LANSOPRAZOLE_15, "2329", "023"),
    (&ELDECALCITOL, "3112", "006"),
    (&SPIRIVA, "2259", "711"),
    (&ZOLPIDEM_5, "1129", "009"),
    (&LEVOTHYROXINE_50, "2431", "004"),
    // A heparinoid cream is 333 by its class but external: not an anticoagulant.
    (&HEPARINOID_CREAM, "3339", "950"),
    (&TAMSULOSIN_0_2, "2590", "008"),
    (&FEBUXOSTAT_20, "3949", "003"),
    (&ACETAMINOPHEN_200, "1141", "007"),
    // CARBOCISTEINE_500 is left out: the drill's unknown HOT code.
];

/// The inpatients' injections (OMP-02), with their 薬効分類 and route digits.
const INJECTIONS: &[(&Injection, &str, &str)] = &[
    (&FLUID_SOLITA_T3, "3319", "512"),
    (&CEFTRIAXONE, "6132", "419"),
    (&SALINE_100, "3311", "401"),
];

/// Every HOT row: (HOT9, name, 薬効分類, route digits).
fn hot_rows() -> impl Iterator<Item = (&'static str, &'static str, &'static str, &'static str)> {
    DRUG_CLASSES
        .iter()
        .map(|(d, c, r)| (d.hot9, d.name, *c, *r))
        .chain(INJECTIONS.iter().map(|(i, c, r)| (i.hot9, i.name, *c, *r)))
}

const PROBLEMS: &[&Problem] = &[
    &HYPERTENSION,
    &DIABETES,
    &ATRIAL_FIBRILLATION,
    &DYSLIPIDEMIA,
    &CKD,
    &ESRD,
    &DIALYSIS,
    &EPILEPSY,
    &ASTHMA,
    &RHEUMATOID_ARTHRITIS,
    &HEART_FAILURE,
    &OLD_STROKE,
    &DEMENTIA,
    &REFLUX,
    &OSTEOPOROSIS,
    &COPD,
    &INSOMNIA,
    &HYPOTHYROIDISM,
    &ATOPIC_DERMATITIS,
    &PROSTATIC_HYPERPLASIA,
    &HYPERURICEMIA,
    &URTI,
    &PNEUMONIA,
    &DEHYDRATION,
    &HIP_FRACTURE,
    &HEART_FAILURE_EXACERBATION,
    &GASTRIC_ULCER,
];

const LABS: &[&LabTest] = &[
    &HBA1C,
    &GLUCOSE,
    &PT_INR,
    &CREATININE,
    &BUN,
    &POTASSIUM,
    &SODIUM,
    &PHOSPHORUS,
    &EGFR,
    &AST,
    &ALT,
    &LDL,
    &HDL,
    &TRIGLYCERIDE,
    &CRP,
    &BNP,
    &URIC_ACID,
    &TSH,
    &WBC,
    &HEMOGLOBIN,
    &PLATELETS,
    &HBS_AG,
    &HCV_AB,
    &TPHA,
    &RPR,
    &HIV_AB,
    &URINE_GLUCOSE,
    // URINE_PROTEIN is left out: the drill's unknown JLAC10 analyte.
];

/// The JLAC10-shaped codes the messages carry besides the lab tests: body measurements and the
/// blood group (ADT-00), vital signs (ORU^R30 in extended storage).
const OTHER_ANALYTES: &[(&str, &str)] = &[
    ("9N001", "身長"),
    ("9N006", "体重"),
    ("5H010", "血液型-ABO式"),
    ("9A751", "体温"),
    ("9A611", "収縮期血圧"),
    ("9A616", "拡張期血圧"),
    ("9A621", "脈拍"),
    ("9A763", "SpO2"),
    ("9A631", "呼吸数"),
];

const HOT_HEADER: &str = "\"基準番号（ＨＯＴコード）\",\"処方用番号（ＨＯＴ７）\",\"会社識別用番号\",\"調剤用番号\",\"物流用番号\",\"ＪＡＮコード\",\"薬価基準収載医薬品コード\",\"個別医薬品コード\",\"レセプト電算処理システムコード（１）\",\"レセプト電算処理システムコード（２）\",\"告示名称\",\"販売名\",\"レセプト電算処理システム医薬品名\",\"規格単位\",\"包装形態\",\"包装単位数\",\"包装単位単位\",\"包装総量数\",\"包装総量単位\",\"区分\",\"製造会社\",\"販売会社\",\"更新区分\",\"更新年月日\"";

/// The synthetic YJ code of a drug: its 薬効分類, route digits, a dosage-form letter, and four
/// digits from its HOT9 (12 characters, the YJ shape).
fn yj_of(hot9: &str, class: &str, route: &str) -> String {
    let form = match route.parse::<u16>().unwrap_or(0) {
        0..=399 => 'F',
        400..=699 => 'A',
        _ => 'M',
    };
    format!("{class}{route}{form}{}", &hot9[3..7])
}

fn hot_file(as_of: &str) -> String {
    let mut out = String::from(HOT_HEADER);
    out.push_str("\r\n");
    for (i, (hot9, name, class, route)) in hot_rows().enumerate() {
        let hot13 = format!("{hot9}0101");
        let yj = yj_of(hot9, class, route);
        let kind = match route.parse::<u16>().unwrap_or(0) {
            0..=399 => "内",
            400..=699 => "注",
            _ => "外",
        };
        let receipt = format!("69{:07}", i + 1);
        out.push_str(&format!(
            "\"{hot13}\",\"{}\",\"{}\",\"01\",\"01\",,\"{yj}\",\"{yj}\",\"{receipt}\",,\"{name}\",\"{name}\",\"{name}\",\"１\",\"ＰＴＰ\",\"10\",\"錠\",\"100\",\"錠\",\"{kind}\",\"訓練製薬\",\"訓練製薬\",\"1\",\"{as_of}\"\r\n",
            &hot13[..7],
            &hot13[7..9],
        ));
    }
    out
}

fn disease_file(as_of: &str) -> String {
    let mut out = String::new();
    for (i, p) in PROBLEMS.iter().enumerate() {
        let kana = "";
        out.push_str(&format!(
            "0,{},\"{}\",\"{kana}\",1,\"{}\",\"{}\",\"\",\"\",,88{:05},\"{}\",1,001,{as_of},,\"00\",0,\"\",\"\"\r\n",
            p.medis,
            p.name,
            p.exchange,
            p.icd10,
            i + 1,
            p.name
        ));
    }
    out
}

/// A JSLM sheet's rows above its header: a title, the two notes and a blank row, so the header is
/// on row 5 as in the published workbook (docs/masters.md §3).
fn jslm_title(title: &str, columns: usize) -> String {
    let commas = ",".repeat(columns - 1);
    format!(
        "{title}（訓練用）{commas}\r\n※ 訓練用の合成コード表です。実際の表ではありません。{commas}\r\n\
         ※ 名称等は合成データのものです。{commas}\r\n{commas}\r\n"
    )
}

fn analyte_file() -> String {
    let mut out = jslm_title("分析物コード一覧(Analyte Code List)", 9);
    out.push_str(
        "大分類,大分類名称,分析物コード,分析物名(1),分析物名(2),分析物名(英名),備考,\
         更新区分（T：登録、S：削除、H：変更）,更新日\r\n",
    );
    let mut seen = Vec::new();
    for lab in LABS {
        let analyte = &lab.jlac10[..5];
        if !seen.contains(&analyte) {
            seen.push(analyte);
            out.push_str(&format!(",,{analyte},{},,,,,\r\n", lab.name));
        }
    }
    for (analyte, name) in OTHER_ANALYTES {
        out.push_str(&format!(",,{analyte},{name},,,,,\r\n"));
    }
    out
}

fn specimen_file() -> String {
    let mut out = jslm_title("材料コードⅠ一覧[Specimen Code I List]", 11);
    out.push_str(
        "List,大分類,Catergory,中分類,Subcatergory,コード,材料名,Materials,備考,\
         更新区分（T：登録、S：削除、H：変更）,更新日\r\n",
    );
    let mut seen = Vec::new();
    for lab in LABS {
        if !seen.contains(&lab.specimen.code) {
            seen.push(lab.specimen.code);
            out.push_str(&format!(
                "材料コードⅠ,,,,,{},{},,,,\r\n",
                lab.specimen.code, lab.specimen.text
            ));
        }
    }
    out
}

fn local_map_file(facilities: &[String]) -> String {
    let mut out =
        String::from("facility,local_system,local_code,standard_system,standard_code\r\n");
    for f in facilities {
        for a in ALLERGENS.iter().filter(|a| a.iam_system == "HOT9") {
            out.push_str(&format!(
                "{f},99XYZ,{},HOT9,{}\r\n",
                a.local_code, a.iam_code
            ));
        }
    }
    out
}

fn shift_jis(text: &str) -> Vec<u8> {
    let (bytes, _, _) = encoding_rs::SHIFT_JIS.encode(text);
    bytes.into_owned()
}

/// Writes the drill masters into `region` for `facilities`, versioned by the region's as-of date.
pub(crate) fn write(
    region: &Path,
    facilities: &[String],
    as_of: CivilDate,
) -> Result<DrillMasters, SynthError> {
    let date = format!("{:04}{:02}{:02}", as_of.year(), as_of.month(), as_of.day());
    let files = DrillMasters {
        hot: region.join(format!("MEDIS{date}.TXT")),
        disease: region.join(format!("nmain{date}.txt")),
        jlac10_analyte: region.join(JLAC10_ANALYTE_FILE),
        jlac10_specimen: region.join(JLAC10_SPECIMEN_FILE),
        local_map: region.join(LOCAL_MAP_FILE),
    };
    let write = |path: &Path, bytes: Vec<u8>| {
        fs::write(path, bytes).map_err(|e| SynthError::io("write", path, e))
    };
    write(&files.hot, shift_jis(&hot_file(&date)))?;
    write(&files.disease, shift_jis(&disease_file(&date)))?;
    write(&files.jlac10_analyte, shift_jis(&analyte_file()))?;
    write(&files.jlac10_specimen, shift_jis(&specimen_file()))?;
    write(&files.local_map, local_map_file(facilities).into_bytes())?;
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_drill_drug_but_the_one_left_out_has_a_row_with_its_class_and_route() {
        assert_eq!(DRUG_CLASSES.len(), 38);
        let hot = hot_file("20261201");
        assert!(!hot.contains(CARBOCISTEINE_500.hot9));
        let warfarin = hot.lines().find(|l| l.contains("ワーファリン")).unwrap();
        assert!(warfarin.contains("\"3332001F"), "{warfarin}");
        let cream = hot.lines().find(|l| l.contains("ヒルドイド")).unwrap();
        assert!(
            cream.contains("\"3339950M") && cream.contains("\"外\""),
            "{cream}"
        );
        // Every name is written in Shift_JIS without loss.
        let (_, _, unmappable) = encoding_rs::SHIFT_JIS.encode(&hot);
        assert!(!unmappable);
    }

    #[test]
    fn the_analyte_table_lists_each_analyte_once_and_not_urine_protein() {
        let table = analyte_file();
        assert!(
            !table
                .lines()
                .any(|l| l.starts_with(&URINE_PROTEIN.jlac10[..5])),
            "{table}"
        );
        assert!(table.contains(",,5F016,HBs抗原,"));
    }
}
