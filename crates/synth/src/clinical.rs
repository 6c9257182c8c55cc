//! Clinical code tables: problems (MEDIS 病名管理番号 + ICD-10), medicines (HOT9), usages
//! (JAMISDP01), laboratory tests (JLAC10), allergens, diets, imaging and departments, and the
//! chronic conditions that tie problems, medicines and monitoring labs together.
//!
//! **All codes here are synthetic but shaped like the real ones** (guide §5): 8-digit MEDIS
//! numbers with a 4-character exchange code, 9-digit HOT9, 16-digit JAMISDP01, 17-character JLAC10
//! matching `\d[A-Z][0-9-]{15}`. ICD-10 codes and drug product names are real; the numeric codes
//! are not checked against the MEDIS, HOT, JAMI or JLAC10 masters and must not be used as such.

/// A problem (PRB-3 MEDIS code^name^MDCDX2, ZPR-5 exchange code, PRB-10 ICD-10; guide §3.1).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Problem {
    pub(crate) medis: &'static str,
    pub(crate) exchange: &'static str,
    pub(crate) name: &'static str,
    pub(crate) icd10: &'static str,
}

/// A department (SS-MIX2 table #0069 shape: 2 characters; the code/name pairs are synthetic).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Department {
    pub(crate) code: &'static str,
    pub(crate) name: &'static str,
}

pub(crate) const INTERNAL: Department = Department {
    code: "01",
    name: "内科",
};
pub(crate) const CARDIOLOGY: Department = Department {
    code: "04",
    name: "循環器内科",
};
pub(crate) const PEDIATRICS: Department = Department {
    code: "06",
    name: "小児科",
};
pub(crate) const NEPHROLOGY: Department = Department {
    code: "07",
    name: "腎臓内科",
};
pub(crate) const NEUROLOGY: Department = Department {
    code: "09",
    name: "脳神経内科",
};
pub(crate) const ORTHOPEDICS: Department = Department {
    code: "12",
    name: "整形外科",
};
pub(crate) const DERMATOLOGY: Department = Department {
    code: "15",
    name: "皮膚科",
};
pub(crate) const UROLOGY: Department = Department {
    code: "21",
    name: "泌尿器科",
};

/// Every department above, for finding one by the code a file name carries.
const DEPARTMENTS: &[&Department] = &[
    &INTERNAL,
    &CARDIOLOGY,
    &PEDIATRICS,
    &NEPHROLOGY,
    &NEUROLOGY,
    &ORTHOPEDICS,
    &DERMATOLOGY,
    &UROLOGY,
];

/// The department whose 診療科コード is `code`.
pub(crate) fn department(code: &str) -> Option<&'static Department> {
    DEPARTMENTS.iter().copied().find(|d| d.code == code)
}

/// A code^text^system triple from HL7 table or SS-MIX2 vocabulary.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Coded {
    pub(crate) code: &'static str,
    pub(crate) text: &'static str,
    pub(crate) system: &'static str,
}

macro_rules! coded {
    ($code:literal, $text:literal, $system:literal) => {
        Coded {
            code: $code,
            text: $text,
            system: $system,
        }
    };
}

/// MERIT-9 units (MR9P; guide §5).
pub(crate) mod unit {
    use super::Coded;
    pub(crate) const TAB: Coded = coded!("TAB", "錠", "MR9P");
    pub(crate) const CAP: Coded = coded!("CAP", "カプセル", "MR9P");
    pub(crate) const GRAM: Coded = coded!("G", "グラム", "MR9P");
    pub(crate) const PACK: Coded = coded!("HOU", "包", "MR9P");
    pub(crate) const KIT: Coded = coded!("KIT", "キット", "MR9P");
    pub(crate) const UNIT: Coded = coded!("UNT", "単位", "MR9P");
    pub(crate) const PUFF: Coded = coded!("PUF", "吸入", "MR9P");
    pub(crate) const BOTTLE: Coded = coded!("HON", "本", "MR9P");
    pub(crate) const VIAL: Coded = coded!("VIL", "瓶", "MR9P");
}

/// Routes (HL7 table 0162).
pub(crate) mod route {
    use super::Coded;
    pub(crate) const ORAL: Coded = coded!("PO", "口", "HL70162");
    pub(crate) const SUBCUTANEOUS: Coded = coded!("SC", "皮下", "HL70162");
    pub(crate) const INHALED: Coded = coded!("IH", "吸入", "HL70162");
    pub(crate) const TOPICAL: Coded = coded!("TP", "局所", "HL70162");
    pub(crate) const INTRAVENOUS: Coded = coded!("IV", "静脈内", "HL70162");
}

/// A JAMI standard usage (TQ1-3 `code&text&JAMISDP01`); `times_per_day` drives dispensed totals.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Usage {
    pub(crate) code: &'static str,
    pub(crate) text: &'static str,
    pub(crate) times_per_day: u32,
}

pub(crate) mod usage {
    use super::Usage;
    // The first two are the guide's sample codes; the others are synthetic in the same shape.
    pub(crate) const TID_AFTER_MEALS: Usage = Usage {
        code: "1013044400000000",
        text: "内服・経口・１日３回朝昼夕食後",
        times_per_day: 3,
    };
    pub(crate) const BID_AFTER_MEALS: Usage = Usage {
        code: "1012040400000000",
        text: "内服・経口・１日２回朝夕食後",
        times_per_day: 2,
    };
    pub(crate) const QD_AFTER_BREAKFAST: Usage = Usage {
        code: "1011000400000000",
        text: "内服・経口・１日１回朝食後",
        times_per_day: 1,
    };
    pub(crate) const QD_AFTER_SUPPER: Usage = Usage {
        code: "1011000004000000",
        text: "内服・経口・１日１回夕食後",
        times_per_day: 1,
    };
    pub(crate) const QD_BEDTIME: Usage = Usage {
        code: "1011000000100000",
        text: "内服・経口・１日１回就寝前",
        times_per_day: 1,
    };
    pub(crate) const TID_BEFORE_MEALS_SC: Usage = Usage {
        code: "5013011100000000",
        text: "注射・皮下・１日３回毎食直前",
        times_per_day: 3,
    };
    pub(crate) const QD_BEFORE_BREAKFAST_SC: Usage = Usage {
        code: "5011001000000000",
        text: "注射・皮下・１日１回朝食前",
        times_per_day: 1,
    };
    pub(crate) const BID_INHALED: Usage = Usage {
        code: "3012040000000000",
        text: "外用・吸入・１日２回朝夕",
        times_per_day: 2,
    };
    pub(crate) const QD_INHALED: Usage = Usage {
        code: "3011040000000000",
        text: "外用・吸入・１日１回朝",
        times_per_day: 1,
    };
    pub(crate) const BID_TOPICAL: Usage = Usage {
        code: "3012010000000000",
        text: "外用・塗布・１日２回",
        times_per_day: 2,
    };
}

/// How the dispensed amount (RXE-10) follows from the dose.
#[derive(Debug, PartialEq)]
pub(crate) enum Dispensing {
    /// dose × times per day × days, in the dose unit (tablets, powders).
    PerDose,
    /// A fixed number of packages (pens, inhalers, tubes) whatever the days.
    Packages(f64, &'static Coded),
}

/// A medicine as prescribed: HOT9, product name, per-dose amount and unit, usage and route.
#[derive(Debug, PartialEq)]
pub(crate) struct Drug {
    pub(crate) hot9: &'static str,
    pub(crate) name: &'static str,
    pub(crate) dose: f64,
    pub(crate) unit: &'static Coded,
    /// RXE-6 dosage form where the samples give one (powders).
    pub(crate) form: Option<&'static Coded>,
    pub(crate) usage: &'static Usage,
    pub(crate) route: &'static Coded,
    pub(crate) dispensing: Dispensing,
}

macro_rules! drug {
    ($hot:literal, $name:literal, $dose:literal $unit:ident, $usage:ident, $route:ident) => {
        Drug {
            hot9: $hot,
            name: $name,
            dose: $dose,
            unit: &unit::$unit,
            form: None,
            usage: &usage::$usage,
            route: &route::$route,
            dispensing: Dispensing::PerDose,
        }
    };
    ($hot:literal, $name:literal, $dose:literal $unit:ident, $usage:ident, $route:ident, packages $n:literal $pkg:ident) => {
        Drug {
            hot9: $hot,
            name: $name,
            dose: $dose,
            unit: &unit::$unit,
            form: None,
            usage: &usage::$usage,
            route: &route::$route,
            dispensing: Dispensing::Packages($n, &unit::$pkg),
        }
    };
}

pub(crate) mod drugs {
    use super::*;
    pub(crate) const AMLODIPINE_5: Drug =
        drug!("112345601", "アムロジピン錠5mg", 1.0 TAB, QD_AFTER_BREAKFAST, ORAL);
    pub(crate) const AMLODIPINE_2_5: Drug =
        drug!("112345501", "アムロジピン錠2.5mg", 1.0 TAB, QD_AFTER_BREAKFAST, ORAL);
    pub(crate) const OLMESARTAN_20: Drug =
        drug!("115678902", "オルメテックOD錠20mg", 1.0 TAB, QD_AFTER_BREAKFAST, ORAL);
    pub(crate) const CANDESARTAN_8: Drug =
        drug!("111234702", "カンデサルタン錠8mg", 1.0 TAB, QD_AFTER_BREAKFAST, ORAL);
    pub(crate) const METFORMIN_250: Drug =
        drug!("113456701", "メトホルミン塩酸塩錠250mg", 1.0 TAB, BID_AFTER_MEALS, ORAL);
    pub(crate) const SITAGLIPTIN_50: Drug =
        drug!("118765401", "ジャヌビア錠50mg", 1.0 TAB, QD_AFTER_BREAKFAST, ORAL);
    pub(crate) const GLARGINE: Drug = drug!("622345601", "ランタス注ソロスター", 10.0 UNIT, QD_BEFORE_BREAKFAST_SC, SUBCUTANEOUS, packages 2.0 KIT);
    pub(crate) const ASPART: Drug = drug!("622456701", "ノボラピッド注フレックスペン", 4.0 UNIT, TID_BEFORE_MEALS_SC, SUBCUTANEOUS, packages 3.0 KIT);
    pub(crate) const WARFARIN_1: Drug =
        drug!("105432101", "ワーファリン錠1mg", 3.0 TAB, QD_AFTER_BREAKFAST, ORAL);
    pub(crate) const APIXABAN_5: Drug =
        drug!("121987601", "エリキュース錠5mg", 1.0 TAB, BID_AFTER_MEALS, ORAL);
    pub(crate) const RIVAROXABAN_15: Drug =
        drug!("120876501", "イグザレルト錠15mg", 1.0 TAB, QD_AFTER_BREAKFAST, ORAL);
    pub(crate) const BISOPROLOL_2_5: Drug =
        drug!("116543201", "ビソプロロールフマル酸塩錠2.5mg", 1.0 TAB, QD_AFTER_BREAKFAST, ORAL);
    pub(crate) const ROSUVASTATIN_2_5: Drug =
        drug!("117654301", "ロスバスタチン錠2.5mg", 1.0 TAB, QD_AFTER_SUPPER, ORAL);
    pub(crate) const ATORVASTATIN_10: Drug =
        drug!("114567801", "アトルバスタチン錠10mg", 1.0 TAB, QD_AFTER_SUPPER, ORAL);
    pub(crate) const LANTHANUM_250: Drug =
        drug!("119876501", "ホスレノールOD錠250mg", 1.0 TAB, TID_AFTER_MEALS, ORAL);
    pub(crate) const CINACALCET_25: Drug =
        drug!("119345601", "レグパラ錠25mg", 1.0 TAB, QD_AFTER_SUPPER, ORAL);
    pub(crate) const LEVETIRACETAM_500: Drug =
        drug!("120123401", "イーケプラ錠500mg", 1.0 TAB, BID_AFTER_MEALS, ORAL);
    pub(crate) const VALPROATE_200: Drug =
        drug!("108234501", "デパケンR錠200mg", 2.0 TAB, BID_AFTER_MEALS, ORAL);
    pub(crate) const LEVETIRACETAM_SYRUP: Drug = Drug {
        hot9: "120234501",
        name: "イーケプラドライシロップ50%",
        dose: 0.6,
        unit: &unit::GRAM,
        form: Some(&Coded {
            code: "PWD",
            text: "散剤",
            system: "MR9P",
        }),
        usage: &usage::BID_AFTER_MEALS,
        route: &route::ORAL,
        dispensing: Dispensing::PerDose,
    };
    pub(crate) const MONTELUKAST_10: Drug =
        drug!("117890101", "シングレア錠10mg", 1.0 TAB, QD_BEDTIME, ORAL);
    pub(crate) const MONTELUKAST_GRANULES: Drug =
        drug!("117890301", "シングレア細粒4mg", 1.0 PACK, QD_BEDTIME, ORAL);
    pub(crate) const SYMBICORT: Drug = drug!("662345101", "シムビコートタービュヘイラー60吸入", 2.0 PUFF, BID_INHALED, INHALED, packages 1.0 BOTTLE);
    pub(crate) const PREDNISOLONE_5: Drug =
        drug!("104567101", "プレドニン錠5mg", 1.0 TAB, QD_AFTER_BREAKFAST, ORAL);
    pub(crate) const SALAZOSULFAPYRIDINE_500: Drug =
        drug!("106789201", "アザルフィジンEN錠500mg", 1.0 TAB, BID_AFTER_MEALS, ORAL);
    pub(crate) const FUROSEMIDE_20: Drug =
        drug!("107654301", "フロセミド錠20mg", 1.0 TAB, QD_AFTER_BREAKFAST, ORAL);
    pub(crate) const SPIRONOLACTONE_25: Drug =
        drug!("107765401", "スピロノラクトン錠25mg", 1.0 TAB, QD_AFTER_BREAKFAST, ORAL);
    pub(crate) const ASPIRIN_100: Drug =
        drug!("110987601", "バイアスピリン錠100mg", 1.0 TAB, QD_AFTER_BREAKFAST, ORAL);
    pub(crate) const CLOPIDOGREL_75: Drug =
        drug!("118987701", "クロピドグレル錠75mg", 1.0 TAB, QD_AFTER_BREAKFAST, ORAL);
    pub(crate) const DONEPEZIL_5: Drug =
        drug!("115432101", "ドネペジル塩酸塩OD錠5mg", 1.0 TAB, QD_AFTER_BREAKFAST, ORAL);
    pub(crate) const LANSOPRAZOLE_15: Drug =
        drug!("113987601", "ランソプラゾールOD錠15mg", 1.0 TAB, QD_AFTER_BREAKFAST, ORAL);
    pub(crate) const ELDECALCITOL: Drug =
        drug!("119567801", "エディロールカプセル0.75μg", 1.0 CAP, QD_AFTER_BREAKFAST, ORAL);
    pub(crate) const SPIRIVA: Drug = drug!("662456201", "スピリーバ2.5μgレスピマット60吸入", 2.0 PUFF, QD_INHALED, INHALED, packages 1.0 BOTTLE);
    pub(crate) const ZOLPIDEM_5: Drug =
        drug!("111876501", "ゾルピデム酒石酸塩錠5mg", 1.0 TAB, QD_BEDTIME, ORAL);
    pub(crate) const LEVOTHYROXINE_50: Drug =
        drug!("102345701", "チラーヂンS錠50μg", 1.0 TAB, QD_AFTER_BREAKFAST, ORAL);
    pub(crate) const HEPARINOID_CREAM: Drug = drug!("663456701", "ヒルドイドソフト軟膏0.3%", 1.0 GRAM, BID_TOPICAL, TOPICAL, packages 50.0 GRAM);
    pub(crate) const TAMSULOSIN_0_2: Drug =
        drug!("112765401", "タムスロシン塩酸塩OD錠0.2mg", 1.0 TAB, QD_AFTER_SUPPER, ORAL);
    pub(crate) const FEBUXOSTAT_20: Drug =
        drug!("121345601", "フェブリク錠20mg", 1.0 TAB, QD_AFTER_BREAKFAST, ORAL);
    pub(crate) const ACETAMINOPHEN_200: Drug =
        drug!("114876501", "カロナール錠200mg", 2.0 TAB, TID_AFTER_MEALS, ORAL);
    pub(crate) const CARBOCISTEINE_500: Drug =
        drug!("108876501", "カルボシステイン錠500mg", 1.0 TAB, TID_AFTER_MEALS, ORAL);
}

/// A chronic condition: its problem, how it is treated, what is monitored, who follows it.
pub(crate) struct Condition {
    pub(crate) kind: ConditionKind,
    pub(crate) problem: &'static Problem,
    /// Further problems that come with it (the dialysis state with end-stage renal disease).
    pub(crate) companions: &'static [&'static Problem],
    /// Alternative regimens; one is chosen per patient. An empty regimen means "watch only".
    pub(crate) regimens: &'static [&'static [&'static Drug]],
    pub(crate) labs: &'static [&'static LabTest],
    pub(crate) department: &'static Department,
    /// Per-mille prevalence for children (<15), adults (15–64) and the elderly (65+).
    pub(crate) prevalence: [u32; 3],
    pub(crate) sex: Option<crate::person::Sex>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ConditionKind {
    Hypertension,
    Diabetes,
    AtrialFibrillation,
    Dyslipidemia,
    ChronicKidneyDisease,
    EndStageRenalDisease,
    Epilepsy,
    Asthma,
    RheumatoidArthritis,
    HeartFailure,
    OldStroke,
    Dementia,
    Reflux,
    Osteoporosis,
    Copd,
    Insomnia,
    Hypothyroidism,
    AtopicDermatitis,
    ProstaticHyperplasia,
    Hyperuricemia,
}

pub(crate) mod problems {
    use super::Problem;
    macro_rules! problem {
        ($medis:literal, $ex:literal, $name:literal, $icd:literal) => {
            Problem {
                medis: $medis,
                exchange: $ex,
                name: $name,
                icd10: $icd,
            }
        };
    }
    pub(crate) const HYPERTENSION: Problem = problem!("20063412", "HK2N", "高血圧症", "I10");
    pub(crate) const DIABETES: Problem = problem!("20087312", "T2DM", "２型糖尿病", "E119");
    pub(crate) const ATRIAL_FIBRILLATION: Problem =
        problem!("20054321", "AFB1", "心房細動", "I489");
    pub(crate) const DYSLIPIDEMIA: Problem = problem!("20078865", "LPD3", "脂質異常症", "E785");
    pub(crate) const CKD: Problem = problem!("20091123", "CKD5", "慢性腎臓病", "N189");
    pub(crate) const ESRD: Problem = problem!("20091187", "ESR2", "末期腎不全", "N185");
    pub(crate) const DIALYSIS: Problem = problem!("20099015", "HDX1", "維持血液透析状態", "Z992");
    pub(crate) const EPILEPSY: Problem = problem!("20045678", "EPL4", "てんかん", "G409");
    pub(crate) const ASTHMA: Problem = problem!("20033456", "AST7", "気管支喘息", "J459");
    pub(crate) const RHEUMATOID_ARTHRITIS: Problem =
        problem!("20066789", "RA06", "関節リウマチ", "M069");
    pub(crate) const HEART_FAILURE: Problem = problem!("20054987", "CHF9", "慢性心不全", "I509");
    pub(crate) const OLD_STROKE: Problem = problem!("20047711", "CIS3", "脳梗塞後遺症", "I693");
    pub(crate) const DEMENTIA: Problem =
        problem!("20041234", "ADM2", "アルツハイマー型認知症", "G309");
    pub(crate) const REFLUX: Problem = problem!("20025566", "GRD1", "逆流性食道炎", "K210");
    pub(crate) const OSTEOPOROSIS: Problem = problem!("20072233", "OPS8", "骨粗鬆症", "M819");
    pub(crate) const COPD: Problem = problem!("20034567", "COP4", "慢性閉塞性肺疾患", "J449");
    pub(crate) const INSOMNIA: Problem = problem!("20043210", "INS2", "不眠症", "G470");
    pub(crate) const HYPOTHYROIDISM: Problem =
        problem!("20081234", "HPT3", "甲状腺機能低下症", "E039");
    pub(crate) const ATOPIC_DERMATITIS: Problem =
        problem!("20061111", "ATD5", "アトピー性皮膚炎", "L209");
    pub(crate) const PROSTATIC_HYPERPLASIA: Problem =
        problem!("20093456", "BPH1", "前立腺肥大症", "N40");
    pub(crate) const HYPERURICEMIA: Problem = problem!("20088765", "HUA2", "高尿酸血症", "E790");
    // Acute problems of visits and admissions.
    pub(crate) const URTI: Problem = problem!("20031122", "URI1", "急性上気道炎", "J069");
    pub(crate) const PNEUMONIA: Problem = problem!("20035566", "PNM3", "肺炎", "J189");
    pub(crate) const DEHYDRATION: Problem = problem!("20086655", "DHY2", "脱水症", "E86");
    pub(crate) const HIP_FRACTURE: Problem =
        problem!("20074455", "FXH1", "大腿骨頚部骨折", "S7200");
    pub(crate) const HEART_FAILURE_EXACERBATION: Problem =
        problem!("20054988", "CHF8", "うっ血性心不全", "I500");
    pub(crate) const GASTRIC_ULCER: Problem = problem!("20054174", "TSQF", "胃潰瘍", "K259");
}

/// A laboratory test (OBX-3 JLAC10^name^JC10, optionally local code^name^99X03 in components 4–6).
#[derive(Debug, PartialEq)]
pub(crate) struct LabTest {
    pub(crate) jlac10: &'static str,
    pub(crate) name: &'static str,
    pub(crate) local_code: &'static str,
    /// Short local name (ASCII here; written full-width like the samples' `ＴＰ`).
    pub(crate) local_name: &'static str,
    pub(crate) specimen: &'static Coded,
    pub(crate) unit: &'static str,
    pub(crate) kind: LabKind,
}

#[derive(Debug, PartialEq)]
pub(crate) enum LabKind {
    /// Numeric (OBX-2 NM) with reference range, decimals and a healthy mean/sd.
    Numeric {
        low: f64,
        high: f64,
        decimals: u8,
        mean: f64,
        sd: f64,
    },
    /// Qualitative (OBX-2 ST) `(+)` / `(-)` result, e.g. infection screening.
    Qualitative,
}

pub(crate) mod specimen {
    use super::Coded;
    pub(crate) const SERUM: Coded = coded!("023", "血清", "JC10");
    pub(crate) const WHOLE_BLOOD: Coded = coded!("019", "全血", "JC10");
    pub(crate) const PLASMA: Coded = coded!("022", "血漿", "JC10");
    pub(crate) const URINE: Coded = coded!("001", "尿", "JC10");
}

pub(crate) mod labs {
    use super::{LabKind, LabTest, specimen};
    macro_rules! numeric {
        ($jlac:literal, $name:literal, $local:literal, $short:literal, $spec:ident, $unit:literal,
         $low:literal - $high:literal, $dec:literal, mean $mean:literal sd $sd:literal) => {
            LabTest {
                jlac10: $jlac,
                name: $name,
                local_code: $local,
                local_name: $short,
                specimen: &specimen::$spec,
                unit: $unit,
                kind: LabKind::Numeric {
                    low: $low,
                    high: $high,
                    decimals: $dec,
                    mean: $mean,
                    sd: $sd,
                },
            }
        };
    }
    macro_rules! qualitative {
        ($jlac:literal, $name:literal, $local:literal, $short:literal, $spec:ident) => {
            LabTest {
                jlac10: $jlac,
                name: $name,
                local_code: $local,
                local_name: $short,
                specimen: &specimen::$spec,
                unit: "",
                kind: LabKind::Qualitative,
            }
        };
    }
    pub(crate) const HBA1C: LabTest = numeric!("3D046000001906202", "HbA1c(NGSP)", "20311", "HbA1c", WHOLE_BLOOD, "%", 4.6 - 6.2, 1, mean 5.6 sd 0.3);
    pub(crate) const GLUCOSE: LabTest = numeric!("3D010000002227101", "血糖", "20301", "BS", PLASMA, "mg/dL", 73.0 - 109.0, 0, mean 95.0 sd 10.0);
    pub(crate) const PT_INR: LabTest = numeric!("2B030000002232251", "PT-INR", "30047", "PT-INR", PLASMA, "", 0.85 - 1.15, 2, mean 1.0 sd 0.06);
    pub(crate) const CREATININE: LabTest = numeric!("3C015000002327101", "クレアチニン", "10231", "CRE", SERUM, "mg/dL", 0.46 - 1.07, 2, mean 0.75 sd 0.15);
    pub(crate) const BUN: LabTest = numeric!("3C025000002327101", "尿素窒素", "10232", "BUN", SERUM, "mg/dL", 8.0 - 20.0, 1, mean 14.0 sd 3.0);
    pub(crate) const POTASSIUM: LabTest = numeric!("3H015000002327101", "カリウム", "10242", "K", SERUM, "mmol/L", 3.6 - 4.8, 1, mean 4.2 sd 0.3);
    pub(crate) const SODIUM: LabTest = numeric!("3H010000002327101", "ナトリウム", "10241", "Na", SERUM, "mmol/L", 138.0 - 145.0, 0, mean 141.0 sd 2.0);
    pub(crate) const PHOSPHORUS: LabTest = numeric!("3H040000002327101", "無機リン", "10245", "IP", SERUM, "mg/dL", 2.7 - 4.6, 1, mean 3.5 sd 0.4);
    pub(crate) const EGFR: LabTest = numeric!("8A065000002391901", "eGFR", "10239", "eGFR", SERUM, "mL/min/1.73m2", 60.0 - 200.0, 1, mean 78.0 sd 14.0);
    pub(crate) const AST: LabTest = numeric!("3B035000002327201", "AST", "10207", "AST", SERUM, "U/L", 13.0 - 30.0, 0, mean 21.0 sd 5.0);
    pub(crate) const ALT: LabTest = numeric!("3B045000002327201", "ALT", "10208", "ALT", SERUM, "U/L", 7.0 - 23.0, 0, mean 17.0 sd 6.0);
    pub(crate) const LDL: LabTest = numeric!("3F077000002327101", "LDLコレステロール", "10262", "LDL-C", SERUM, "mg/dL", 65.0 - 163.0, 0, mean 115.0 sd 25.0);
    pub(crate) const HDL: LabTest = numeric!("3F070000002327101", "HDLコレステロール", "10261", "HDL-C", SERUM, "mg/dL", 40.0 - 90.0, 0, mean 58.0 sd 12.0);
    pub(crate) const TRIGLYCERIDE: LabTest = numeric!("3F015000002327101", "中性脂肪", "10263", "TG", SERUM, "mg/dL", 40.0 - 149.0, 0, mean 110.0 sd 40.0);
    pub(crate) const CRP: LabTest = numeric!("5C070000002329201", "CRP", "40101", "CRP", SERUM, "mg/dL", 0.0 - 0.14, 2, mean 0.08 sd 0.05);
    pub(crate) const BNP: LabTest = numeric!("4Q020000002227101", "BNP", "40311", "BNP", PLASMA, "pg/mL", 0.0 - 18.4, 1, mean 12.0 sd 5.0);
    pub(crate) const URIC_ACID: LabTest = numeric!("3C020000002327101", "尿酸", "10233", "UA", SERUM, "mg/dL", 2.6 - 7.0, 1, mean 5.2 sd 1.0);
    pub(crate) const TSH: LabTest = numeric!("4A055000002327101", "TSH", "40211", "TSH", SERUM, "μIU/mL", 0.5 - 5.0, 2, mean 1.8 sd 0.8);
    pub(crate) const WBC: LabTest = numeric!("2A990000001930952", "白血球数", "30011", "WBC", WHOLE_BLOOD, "10^3/μL", 3.3 - 8.6, 1, mean 5.8 sd 1.3);
    pub(crate) const HEMOGLOBIN: LabTest = numeric!("2A030000001930101", "ヘモグロビン", "30013", "Hb", WHOLE_BLOOD, "g/dL", 11.6 - 16.8, 1, mean 13.5 sd 1.2);
    pub(crate) const PLATELETS: LabTest = numeric!("2A050000001930952", "血小板数", "30016", "PLT", WHOLE_BLOOD, "10^4/μL", 15.8 - 34.8, 1, mean 24.0 sd 5.0);
    pub(crate) const HBS_AG: LabTest =
        qualitative!("5F016141002327151", "HBs抗原", "50101", "HBsAg", SERUM);
    pub(crate) const HCV_AB: LabTest =
        qualitative!("5F360148702327151", "HCV抗体", "50111", "HCVAb", SERUM);
    pub(crate) const TPHA: LabTest = qualitative!(
        "5E075135102327151",
        "梅毒TP抗体(TPHA)",
        "50121",
        "TPHA",
        SERUM
    );
    pub(crate) const RPR: LabTest =
        qualitative!("5E074135102327151", "梅毒RPR", "50122", "RPR", SERUM);
    pub(crate) const HIV_AB: LabTest =
        qualitative!("5F560143002327151", "HIV-1/2抗体", "50131", "HIV", SERUM);
    pub(crate) const URINE_PROTEIN: LabTest =
        qualitative!("1A010000000190111", "尿蛋白定性", "60101", "U-TP", URINE);
    pub(crate) const URINE_GLUCOSE: LabTest =
        qualitative!("1A020000000190111", "尿糖定性", "60102", "U-GLU", URINE);
}

use labs::*;

/// Tests done at most visits with blood work, whatever the conditions.
pub(crate) const BASIC_PANEL: &[&LabTest] = &[
    &AST,
    &ALT,
    &CREATININE,
    &EGFR,
    &SODIUM,
    &POTASSIUM,
    &WBC,
    &HEMOGLOBIN,
    &PLATELETS,
    &CRP,
];
/// The smaller panel of routine outpatient visits.
pub(crate) const ROUTINE_PANEL: &[&LabTest] =
    &[&AST, &ALT, &CREATININE, &EGFR, &POTASSIUM, &HEMOGLOBIN];
/// Screening done on admission (guide: qualitative results, some positive; see lib.rs on 未告知).
pub(crate) const INFECTION_PANEL: &[&LabTest] = &[&HBS_AG, &HCV_AB, &TPHA, &RPR, &HIV_AB];

use drugs::*;
use problems::*;

pub(crate) const CONDITIONS: &[Condition] = &[
    Condition {
        kind: ConditionKind::Hypertension,
        problem: &HYPERTENSION,
        companions: &[],
        regimens: &[
            &[&AMLODIPINE_5],
            &[&OLMESARTAN_20],
            &[&AMLODIPINE_5, &CANDESARTAN_8],
        ],
        labs: &[],
        department: &INTERNAL,
        prevalence: [0, 150, 450],
        sex: None,
    },
    Condition {
        kind: ConditionKind::Diabetes,
        problem: &DIABETES,
        companions: &[],
        regimens: &[
            &[&METFORMIN_250],
            &[&SITAGLIPTIN_50],
            &[&METFORMIN_250, &SITAGLIPTIN_50],
            &[&GLARGINE],
            &[&GLARGINE, &ASPART],
        ],
        labs: &[&HBA1C, &GLUCOSE, &URINE_GLUCOSE],
        department: &INTERNAL,
        prevalence: [1, 60, 180],
        sex: None,
    },
    Condition {
        kind: ConditionKind::AtrialFibrillation,
        problem: &ATRIAL_FIBRILLATION,
        companions: &[],
        regimens: &[
            &[&WARFARIN_1],
            &[&WARFARIN_1, &BISOPROLOL_2_5],
            &[&APIXABAN_5],
            &[&APIXABAN_5, &BISOPROLOL_2_5],
            &[&RIVAROXABAN_15],
        ],
        labs: &[&PT_INR],
        department: &CARDIOLOGY,
        prevalence: [0, 8, 80],
        sex: None,
    },
    Condition {
        kind: ConditionKind::Dyslipidemia,
        problem: &DYSLIPIDEMIA,
        companions: &[],
        regimens: &[&[&ROSUVASTATIN_2_5], &[&ATORVASTATIN_10]],
        labs: &[&LDL, &HDL, &TRIGLYCERIDE],
        department: &INTERNAL,
        prevalence: [0, 90, 250],
        sex: None,
    },
    Condition {
        kind: ConditionKind::ChronicKidneyDisease,
        problem: &CKD,
        companions: &[],
        regimens: &[&[], &[&FUROSEMIDE_20]],
        labs: &[&BUN, &URINE_PROTEIN],
        department: &NEPHROLOGY,
        prevalence: [0, 15, 80],
        sex: None,
    },
    Condition {
        kind: ConditionKind::EndStageRenalDisease,
        problem: &ESRD,
        companions: &[&DIALYSIS],
        regimens: &[&[&LANTHANUM_250], &[&LANTHANUM_250, &CINACALCET_25]],
        labs: &[&BUN, &PHOSPHORUS],
        department: &NEPHROLOGY,
        prevalence: [0, 4, 15],
        sex: None,
    },
    Condition {
        kind: ConditionKind::Epilepsy,
        problem: &EPILEPSY,
        companions: &[],
        regimens: &[&[&LEVETIRACETAM_500], &[&VALPROATE_200]],
        labs: &[],
        department: &NEUROLOGY,
        prevalence: [25, 10, 10],
        sex: None,
    },
    Condition {
        kind: ConditionKind::Asthma,
        problem: &ASTHMA,
        companions: &[],
        regimens: &[
            &[&MONTELUKAST_10],
            &[&SYMBICORT],
            &[&MONTELUKAST_10, &SYMBICORT],
        ],
        labs: &[],
        department: &INTERNAL,
        prevalence: [60, 50, 50],
        sex: None,
    },
    Condition {
        kind: ConditionKind::RheumatoidArthritis,
        problem: &RHEUMATOID_ARTHRITIS,
        companions: &[],
        regimens: &[
            &[&PREDNISOLONE_5],
            &[&PREDNISOLONE_5, &SALAZOSULFAPYRIDINE_500],
        ],
        labs: &[],
        department: &ORTHOPEDICS,
        prevalence: [0, 10, 20],
        sex: None,
    },
    Condition {
        kind: ConditionKind::HeartFailure,
        problem: &HEART_FAILURE,
        companions: &[],
        regimens: &[&[&FUROSEMIDE_20], &[&FUROSEMIDE_20, &SPIRONOLACTONE_25]],
        labs: &[&BNP],
        department: &CARDIOLOGY,
        prevalence: [0, 5, 60],
        sex: None,
    },
    Condition {
        kind: ConditionKind::OldStroke,
        problem: &OLD_STROKE,
        companions: &[],
        regimens: &[&[&ASPIRIN_100], &[&CLOPIDOGREL_75]],
        labs: &[],
        department: &NEUROLOGY,
        prevalence: [0, 5, 50],
        sex: None,
    },
    Condition {
        kind: ConditionKind::Dementia,
        problem: &DEMENTIA,
        companions: &[],
        regimens: &[&[&DONEPEZIL_5]],
        labs: &[],
        department: &NEUROLOGY,
        prevalence: [0, 0, 70],
        sex: None,
    },
    Condition {
        kind: ConditionKind::Reflux,
        problem: &REFLUX,
        companions: &[],
        regimens: &[&[&LANSOPRAZOLE_15]],
        labs: &[],
        department: &INTERNAL,
        prevalence: [0, 60, 100],
        sex: None,
    },
    Condition {
        kind: ConditionKind::Osteoporosis,
        problem: &OSTEOPOROSIS,
        companions: &[],
        regimens: &[&[&ELDECALCITOL]],
        labs: &[],
        department: &ORTHOPEDICS,
        prevalence: [0, 10, 150],
        sex: Some(crate::person::Sex::Female),
    },
    Condition {
        kind: ConditionKind::Copd,
        problem: &COPD,
        companions: &[],
        regimens: &[&[&SPIRIVA]],
        labs: &[],
        department: &INTERNAL,
        prevalence: [0, 5, 50],
        sex: Some(crate::person::Sex::Male),
    },
    Condition {
        kind: ConditionKind::Insomnia,
        problem: &INSOMNIA,
        companions: &[],
        regimens: &[&[&ZOLPIDEM_5]],
        labs: &[],
        department: &INTERNAL,
        prevalence: [0, 40, 80],
        sex: None,
    },
    Condition {
        kind: ConditionKind::Hypothyroidism,
        problem: &HYPOTHYROIDISM,
        companions: &[],
        regimens: &[&[&LEVOTHYROXINE_50]],
        labs: &[&TSH],
        department: &INTERNAL,
        prevalence: [0, 20, 25],
        sex: Some(crate::person::Sex::Female),
    },
    Condition {
        kind: ConditionKind::AtopicDermatitis,
        problem: &ATOPIC_DERMATITIS,
        companions: &[],
        regimens: &[&[&HEPARINOID_CREAM]],
        labs: &[],
        department: &DERMATOLOGY,
        prevalence: [80, 20, 5],
        sex: None,
    },
    Condition {
        kind: ConditionKind::ProstaticHyperplasia,
        problem: &PROSTATIC_HYPERPLASIA,
        companions: &[],
        regimens: &[&[&TAMSULOSIN_0_2]],
        labs: &[],
        department: &UROLOGY,
        prevalence: [0, 10, 200],
        sex: Some(crate::person::Sex::Male),
    },
    Condition {
        kind: ConditionKind::Hyperuricemia,
        problem: &HYPERURICEMIA,
        companions: &[],
        regimens: &[&[&FEBUXOSTAT_20]],
        labs: &[&URIC_ACID],
        department: &INTERNAL,
        prevalence: [0, 40, 60],
        sex: Some(crate::person::Sex::Male),
    },
];

pub(crate) fn condition(kind: ConditionKind) -> &'static Condition {
    CONDITIONS
        .iter()
        .find(|c| c.kind == kind)
        .unwrap_or(&CONDITIONS[0])
}

/// An allergen as recorded in AL1 (ADT-00, local code) and IAM (ADT-61, HOT9 or JLAC10 code).
pub(crate) struct Allergen {
    pub(crate) kind: &'static Coded,
    /// AL1-3 local code (99XYZ) and text.
    pub(crate) local_code: &'static str,
    pub(crate) name: &'static str,
    /// IAM-3 code^text^system: a representative drug (HOT9) or food/environment allergen (JC10).
    pub(crate) iam_code: &'static str,
    pub(crate) iam_text: &'static str,
    pub(crate) iam_system: &'static str,
    pub(crate) reactions: &'static [&'static str],
    pub(crate) weight: u32,
}

pub(crate) mod allergy_type {
    use super::Coded;
    pub(crate) const DRUG: Coded = coded!("DA", "薬剤アレルギー", "HL70127");
    pub(crate) const FOOD: Coded = coded!("FA", "食物アレルギー", "HL70127");
    pub(crate) const ENVIRONMENT: Coded = coded!("EA", "環境アレルギー", "HL70127");
}

pub(crate) mod severity {
    use super::Coded;
    pub(crate) const SEVERE: Coded = coded!("SV", "重度", "HL70128");
    pub(crate) const MODERATE: Coded = coded!("MO", "中等度", "HL70128");
    pub(crate) const MILD: Coded = coded!("MI", "軽度", "HL70128");
}

pub(crate) const PENICILLIN: Allergen = Allergen {
    kind: &allergy_type::DRUG,
    local_code: "1",
    name: "ペニシリン系",
    iam_code: "110456701",
    iam_text: "サワシリン錠250",
    iam_system: "HOT9",
    reactions: &["アナフィラキシー", "全身じんま疹", "呼吸困難"],
    weight: 30,
};

pub(crate) const ALLERGENS: &[Allergen] = &[
    PENICILLIN,
    Allergen {
        kind: &allergy_type::DRUG,
        local_code: "2",
        name: "セフェム系",
        iam_code: "110567801",
        iam_text: "ケフレックスカプセル250mg",
        iam_system: "HOT9",
        reactions: &["薬疹", "じんま疹"],
        weight: 15,
    },
    Allergen {
        kind: &allergy_type::DRUG,
        local_code: "3",
        name: "ヨード造影剤",
        iam_code: "640123401",
        iam_text: "イオパミロン注300",
        iam_system: "HOT9",
        reactions: &["嘔気", "じんま疹", "血圧低下"],
        weight: 20,
    },
    Allergen {
        kind: &allergy_type::DRUG,
        local_code: "4",
        name: "NSAIDs",
        iam_code: "114234501",
        iam_text: "ロキソニン錠60mg",
        iam_system: "HOT9",
        reactions: &["喘息発作", "顔面浮腫"],
        weight: 15,
    },
    Allergen {
        kind: &allergy_type::DRUG,
        local_code: "5",
        name: "アスピリン",
        iam_code: "110987601",
        iam_text: "バイアスピリン錠100mg",
        iam_system: "HOT9",
        reactions: &["喘息発作", "じんま疹"],
        weight: 8,
    },
    Allergen {
        kind: &allergy_type::FOOD,
        local_code: "21",
        name: "ソバ",
        iam_code: "5A1002411023006",
        iam_text: "ソバ",
        iam_system: "JC10",
        reactions: &["湿疹", "口腔内のかゆみ", "アナフィラキシー"],
        weight: 12,
    },
    Allergen {
        kind: &allergy_type::FOOD,
        local_code: "22",
        name: "卵",
        iam_code: "5A1002401023006",
        iam_text: "卵白",
        iam_system: "JC10",
        reactions: &["湿疹", "じんま疹"],
        weight: 10,
    },
    Allergen {
        kind: &allergy_type::FOOD,
        local_code: "23",
        name: "エビ",
        iam_code: "5A1002431023006",
        iam_text: "エビ",
        iam_system: "JC10",
        reactions: &["じんま疹", "腹痛"],
        weight: 8,
    },
    Allergen {
        kind: &allergy_type::ENVIRONMENT,
        local_code: "31",
        name: "ラテックス",
        iam_code: "5A1102900023023",
        iam_text: "ラテックス",
        iam_system: "JC10",
        reactions: &["接触皮膚炎", "じんま疹"],
        weight: 5,
    },
    Allergen {
        kind: &allergy_type::ENVIRONMENT,
        local_code: "32",
        name: "スギ花粉",
        iam_code: "5A1002216023023",
        iam_text: "スギ",
        iam_system: "JC10",
        reactions: &["目のかゆみ", "鼻汁"],
        weight: 15,
    },
];

/// A diet for inpatients (OMD: ODS-3 local code^name^99XY3, ODS-4 comment).
pub(crate) struct Diet {
    pub(crate) code: &'static str,
    pub(crate) name: &'static str,
    pub(crate) comment: &'static str,
}

pub(crate) const DIETS: &[Diet] = &[
    Diet {
        code: "001",
        name: "常食",
        comment: "",
    },
    Diet {
        code: "002",
        name: "全粥食",
        comment: "きざみ",
    },
    Diet {
        code: "101",
        name: "糖尿病食１６００ｋｃａｌ",
        comment: "間食なし",
    },
    Diet {
        code: "201",
        name: "腎臓病食（たんぱく４０ｇ）",
        comment: "カリウム制限",
    },
    Diet {
        code: "301",
        name: "減塩食（塩分６ｇ）",
        comment: "塩分控えめ",
    },
];

/// Injection medicines for inpatients (OMP-02 RXC-2, HOT9).
pub(crate) struct Injection {
    pub(crate) hot9: &'static str,
    pub(crate) name: &'static str,
    pub(crate) amount: &'static str,
    pub(crate) unit: &'static Coded,
    pub(crate) volume_ml: u32,
}

pub(crate) const FLUID_SOLITA_T3: Injection = Injection {
    hot9: "620007329",
    name: "ソリタ−Ｔ３号輸液５００ｍＬ",
    amount: "1",
    unit: &unit::BOTTLE,
    volume_ml: 500,
};
pub(crate) const CEFTRIAXONE: Injection = Injection {
    hot9: "620123401",
    name: "セフトリアキソンナトリウム静注用1g",
    amount: "1",
    unit: &unit::VIAL,
    volume_ml: 0,
};
pub(crate) const SALINE_100: Injection = Injection {
    hot9: "620234501",
    name: "生理食塩液１００ｍＬ",
    amount: "1",
    unit: &unit::BOTTLE,
    volume_ml: 100,
};

/// A radiology procedure (OBR-4 JJ1017 code^name^JJ1017) with its DICOM modality (IPC-5).
pub(crate) struct Imaging {
    pub(crate) jj1017: &'static str,
    pub(crate) name: &'static str,
    pub(crate) modality: &'static str,
}

pub(crate) const IMAGING: &[Imaging] = &[
    Imaging {
        jj1017: "10000002000102000000010000000000",
        name: "胸部.Ｘ線単純撮影.立位正面(A→P)",
        modality: "CR",
    },
    Imaging {
        jj1017: "10000002500102000000010000000000",
        name: "腹部.Ｘ線単純撮影.立位正面(A→P)",
        modality: "CR",
    },
    Imaging {
        jj1017: "16000001000000000000010000000000",
        name: "頭部.ＣＴ.単純",
        modality: "CT",
    },
];

/// Converts ASCII letters, digits and a few signs to their full-width forms (JIS X 0208 row 3),
/// as local lab names appear in the samples (`ＴＰ`, `Ｔ−Ｂｉｌ`).
pub(crate) fn full_width(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '0'..='9' | 'A'..='Z' | 'a'..='z' | '(' | ')' | '/' | '%' | '.' | '^' => {
                char::from_u32(u32::from(c) + 0xFEE0).unwrap_or(c)
            }
            '-' => '−',
            ' ' => '　',
            other => other,
        })
        .collect()
}

/// Every table string that ends up in a message, for the JIS X 0208 test.
#[cfg(test)]
pub(crate) fn all_strings() -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for c in CONDITIONS {
        for p in std::iter::once(c.problem).chain(c.companions.iter().copied()) {
            out.push(p.name.into());
        }
        for regimen in c.regimens {
            for d in *regimen {
                out.extend([
                    d.name.into(),
                    d.unit.text.into(),
                    d.usage.text.into(),
                    d.route.text.into(),
                ]);
            }
        }
        for l in c.labs {
            out.extend([
                l.name.into(),
                full_width(l.local_name),
                l.unit.into(),
                l.specimen.text.into(),
            ]);
        }
        out.extend([c.department.name.into()]);
    }
    for l in BASIC_PANEL.iter().chain(INFECTION_PANEL) {
        out.extend([l.name.into(), full_width(l.local_name), l.unit.into()]);
    }
    for a in ALLERGENS {
        out.extend([a.kind.text.into(), a.name.into(), a.iam_text.into()]);
        out.extend(a.reactions.iter().map(|r| (*r).into()));
    }
    for d in DIETS {
        out.extend([d.name.into(), d.comment.into()]);
    }
    for i in [&FLUID_SOLITA_T3, &CEFTRIAXONE, &SALINE_100] {
        out.push(i.name.into());
    }
    for i in IMAGING {
        out.push(i.name.into());
    }
    for p in [
        &URTI,
        &PNEUMONIA,
        &DEHYDRATION,
        &HIP_FRACTURE,
        &HEART_FAILURE_EXACERBATION,
        &GASTRIC_ULCER,
    ] {
        out.push(p.name.into());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_clinical_string_is_jis_x_0208() {
        for s in all_strings() {
            crate::hl7_writer::check_jis_x_0208(&s, "clinical table").unwrap();
        }
    }

    #[test]
    fn codes_have_the_shapes_of_their_systems() {
        let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
        for c in CONDITIONS {
            for p in std::iter::once(c.problem).chain(c.companions.iter().copied()) {
                assert!(digits(p.medis, 8), "{}", p.name);
                assert_eq!(p.exchange.len(), 4);
            }
            for d in c.regimens.iter().flat_map(|r| r.iter()) {
                assert!(digits(d.hot9, 9), "{}", d.name);
                assert!(digits(d.usage.code, 16), "{}", d.usage.text);
            }
            assert!(!c.regimens.is_empty());
        }
        let jlac10 = |s: &str| {
            let b = s.as_bytes();
            b.len() == 17
                && b[0].is_ascii_digit()
                && b[1].is_ascii_uppercase()
                && b[2..].iter().all(|c| c.is_ascii_digit() || *c == b'-')
        };
        for l in BASIC_PANEL
            .iter()
            .chain(INFECTION_PANEL)
            .chain(CONDITIONS.iter().flat_map(|c| c.labs.iter()))
        {
            assert!(jlac10(l.jlac10), "{}", l.name);
        }
    }

    #[test]
    fn hot9_codes_are_unique_per_product() {
        let mut seen = std::collections::BTreeMap::new();
        for d in CONDITIONS
            .iter()
            .flat_map(|c| c.regimens.iter().flat_map(|r| r.iter()))
        {
            if let Some(other) = seen.insert(d.hot9, d.name) {
                assert_eq!(other, d.name, "HOT9 {} reused", d.hot9);
            }
        }
    }

    #[test]
    fn full_width_matches_the_sample_style() {
        assert_eq!(full_width("T-Bil"), "Ｔ−Ｂｉｌ");
        assert_eq!(full_width("HbA1c"), "ＨｂＡ１ｃ");
    }
}
