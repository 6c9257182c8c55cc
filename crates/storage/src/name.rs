//! SS-MIX2 names: standardized-storage file names (guide §1.2), extended-storage content-folder
//! names and data-type folder names (guide §6), and the errors that say what is wrong with one.
//!
//! Parsing is tolerant of the real-world deviations in guide §7: an optional `.txt`/`.hl7`
//! extension, 14- or 17-digit event times, order numbers of any width, `-` for care date and
//! department, 2- or 3-character departments, and `_` inside patient IDs or order numbers. The
//! fixed-shape parts (flag, department, event time) are taken from the right; the care date is
//! then searched from the left, so the patient ID is everything before it and the order number
//! everything after the data type.

use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::domain::{
    CareDate, ConditionFlag, DataType, Department, EventTime, OrderNo, PatientId, is_calendar_date,
    is_event_time,
};

/// What is wrong with a name or one of its parts. Each message is a sentence a records clerk can
/// act on; the caller adds the path.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum NameError {
    #[error("the name is empty")]
    Empty,
    #[error(
        "the name has {found} '_'-separated part(s) but {form} needs at least {min}: \
         患者ID_診療日_データ種別_{key}_発生日時_診療科コード_コンディションフラグ"
    )]
    TooFewParts {
        found: usize,
        min: usize,
        form: &'static str,
        key: &'static str,
    },
    #[error("the {part} is empty")]
    EmptyPart { part: &'static str },
    #[error("the {part} contains a '/' or a NUL character, which no file or folder name can hold")]
    PathSeparator { part: &'static str },
    #[error("the care date (診療日) '{found}' is neither '-' nor a valid YYYYMMDD date")]
    CareDate { found: String },
    #[error(
        "no care date (診療日, '-' or YYYYMMDD) follows the patient ID, so the name cannot be split"
    )]
    NoCareDate,
    #[error(
        "the event time (発生日時) '{found}' is not 14 to 17 digits (YYYYMMDDHHMMSS plus up to 3 \
         fraction digits)"
    )]
    EventTime { found: String },
    #[error(
        "the department code (診療科コード) '{found}' is neither '-' nor 2–3 letters or digits"
    )]
    Department { found: String },
    #[error("the condition flag '{found}' is not 0, 1 or 2 (it must be the last part of the name)")]
    ConditionFlag { found: String },
    #[error(
        "'{found}' before the condition flag is neither an event time (14 to 17 digits) nor a \
         department code ('-' or 2–3 letters or digits)"
    )]
    ContentFolderTail { found: String },
}

/// A parsed standardized-storage file name (guide §1.2):
/// `患者ID_診療日_データ種別_オーダNo_発生日時_診療科コード_コンディションフラグ[.txt|.hl7]`.
///
/// Its patient ID, care date and data type are what the *name* says; the folders win when they
/// disagree (see `walk`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct StandardFileName {
    pub patient_id: PatientId,
    pub care_date: CareDate,
    pub data_type: DataType,
    pub order_no: OrderNo,
    pub event_time: EventTime,
    pub department: Department,
    pub flag: ConditionFlag,
    /// The extension as written (`txt`, `HL7`, …), without the dot; `None` in the standard form.
    pub extension: Option<String>,
}

impl fmt::Display for StandardFileName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}_{}_{}_{}_{}_{}_{}",
            self.patient_id,
            self.care_date,
            self.data_type,
            self.order_no,
            self.event_time,
            self.department,
            self.flag
        )?;
        match &self.extension {
            Some(extension) => write!(f, ".{extension}"),
            None => Ok(()),
        }
    }
}

/// A parsed extended-storage content-folder name (guide §6):
/// `患者ID_診療日_データ種別コード_特定キー_発生日時_診療科コード_コンディションフラグ` (7 parts, the
/// guideline form), the NHO form without department (6 parts), or without specific key either
/// (5 parts). The data-type part may contain `^`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ContentFolderName {
    pub patient_id: PatientId,
    pub care_date: CareDate,
    pub data_type: DataType,
    /// 特定キー (specific key); `None` when the name has no such part.
    pub specific_key: Option<OrderNo>,
    pub event_time: EventTime,
    /// `None` when the name has no department part (NHO samples); `Some(Department::None)` for `-`.
    pub department: Option<Department>,
    pub flag: ConditionFlag,
}

impl fmt::Display for ContentFolderName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}_{}_{}",
            self.patient_id, self.care_date, self.data_type
        )?;
        if let Some(key) = &self.specific_key {
            write!(f, "_{key}")?;
        }
        write!(f, "_{}", self.event_time)?;
        if let Some(department) = &self.department {
            write!(f, "_{department}")?;
        }
        write!(f, "_{}", self.flag)
    }
}

/// What the folders above a name say, used to settle names that split more than one way.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct NameHint<'a> {
    pub patient_id: Option<&'a str>,
    pub data_type: Option<&'a str>,
}

/// Parses a standardized-storage file name. See [`StandardFileName`].
pub fn parse_file_name(name: &str) -> Result<StandardFileName, NameError> {
    parse_file_name_with_hint(name, NameHint::default())
}

pub(crate) fn parse_file_name_with_hint(
    name: &str,
    hint: NameHint<'_>,
) -> Result<StandardFileName, NameError> {
    if name.is_empty() {
        return Err(NameError::Empty);
    }
    let (stem, extension) = split_extension(name);
    let parts: Vec<&str> = stem.split('_').collect();
    let [head @ .., event_time, department, flag] = parts.as_slice() else {
        return Err(too_few_file_parts(parts.len()));
    };
    if head.len() < 4 {
        return Err(too_few_file_parts(parts.len()));
    }
    let flag = ConditionFlag::parse(flag)?;
    let department = Department::parse(department)?;
    let event_time = EventTime::parse(event_time)?;
    let split = split_head(head, 1, hint)?;
    Ok(StandardFileName {
        patient_id: split.patient_id,
        care_date: split.care_date,
        data_type: split.data_type,
        order_no: OrderNo::new(split.key.join("_"))
            .map_err(|error| rename_part(error, "order number"))?,
        event_time,
        department,
        flag,
        extension: extension.map(str::to_owned),
    })
}

fn too_few_file_parts(found: usize) -> NameError {
    NameError::TooFewParts {
        found,
        min: 7,
        form: "a standardized-storage file name",
        key: "オーダNo",
    }
}

/// Parses an extended-storage content-folder name. See [`ContentFolderName`].
pub fn parse_content_folder_name(name: &str) -> Result<ContentFolderName, NameError> {
    parse_content_folder_name_with_hint(name, NameHint::default())
}

pub(crate) fn parse_content_folder_name_with_hint(
    name: &str,
    hint: NameHint<'_>,
) -> Result<ContentFolderName, NameError> {
    if name.is_empty() {
        return Err(NameError::Empty);
    }
    let parts: Vec<&str> = name.split('_').collect();
    let too_few = |min| NameError::TooFewParts {
        found: parts.len(),
        min,
        form: "a content-folder name",
        key: "特定キー",
    };
    let [rest @ .., before_flag, flag] = parts.as_slice() else {
        return Err(too_few(5));
    };
    if rest.len() < 3 {
        return Err(too_few(5));
    }
    let flag = ConditionFlag::parse(flag)?;
    // Guide §6: the NHO samples drop the department, so the part before the flag is either the
    // event time (6 parts) or the department (7 parts). A department is never 14–17 digits.
    let (head, event_time, department) = if is_event_time(before_flag) {
        (rest, EventTime::parse(before_flag)?, None)
    } else {
        let department =
            Department::parse(before_flag).map_err(|_| NameError::ContentFolderTail {
                found: (*before_flag).to_owned(),
            })?;
        let [head @ .., event_time] = rest else {
            return Err(too_few(6));
        };
        (head, EventTime::parse(event_time)?, Some(department))
    };
    if head.len() < 3 {
        return Err(too_few(if department.is_some() { 6 } else { 5 }));
    }
    let split = split_head(head, 0, hint)?;
    let specific_key = if split.key.is_empty() {
        None
    } else {
        Some(OrderNo::new(split.key.join("_")).map_err(|error| rename_part(error, "特定キー"))?)
    };
    Ok(ContentFolderName {
        patient_id: split.patient_id,
        care_date: split.care_date,
        data_type: split.data_type,
        specific_key,
        event_time,
        department,
        flag,
    })
}

fn rename_part(error: NameError, part: &'static str) -> NameError {
    match error {
        NameError::EmptyPart { .. } => NameError::EmptyPart { part },
        NameError::PathSeparator { .. } => NameError::PathSeparator { part },
        other => other,
    }
}

/// The left side of a name: patient ID, care date, data type and the parts of the key.
struct HeadSplit<'a> {
    patient_id: PatientId,
    care_date: CareDate,
    data_type: DataType,
    key: &'a [&'a str],
}

/// Splits `患者ID…_診療日_データ種別_key…` where the ID and the key may contain `_`.
///
/// The care date is the anchor: a `-` or calendar date with at least one part before it, the data
/// type after it, and `min_key_parts` after that. When several parts qualify (an ID such as
/// `A_20110101`), the split that agrees with the folders wins, then one whose data type is a known
/// standard type, then the leftmost.
fn split_head<'a>(
    head: &'a [&'a str],
    min_key_parts: usize,
    hint: NameHint<'_>,
) -> Result<HeadSplit<'a>, NameError> {
    let last_date_at = head.len().saturating_sub(2 + min_key_parts);
    let best = (1..=last_date_at)
        .filter(|&at| {
            head.get(at)
                .is_some_and(|part| *part == "-" || is_calendar_date(part))
        })
        .max_by_key(|&at| {
            let id_agrees = hint
                .patient_id
                .is_some_and(|id| head.get(..at).is_some_and(|parts| joined_equals(parts, id)));
            let data_type = head.get(at + 1).copied().unwrap_or_default();
            let type_agrees = hint.data_type == Some(data_type);
            let type_known = DataType::new(data_type).is_ok_and(|t| t.is_known_standard());
            (id_agrees, type_agrees, type_known, std::cmp::Reverse(at))
        });
    let Some(at) = best else {
        // In the plain form (no `_` inside the ID or key) the care date is the second part: say
        // what is wrong with it rather than only "no care date".
        return Err(match head {
            [_, date, _, ..] if head.len() <= 4 => {
                CareDate::parse(date).err().unwrap_or(NameError::NoCareDate)
            }
            _ => NameError::NoCareDate,
        });
    };
    let (id_parts, rest) = head.split_at(at);
    let [date, data_type, key @ ..] = rest else {
        return Err(NameError::NoCareDate);
    };
    Ok(HeadSplit {
        patient_id: PatientId::new(id_parts.join("_"))?,
        care_date: CareDate::parse(date)?,
        data_type: DataType::new(*data_type)?,
        key,
    })
}

fn joined_equals(parts: &[&str], expected: &str) -> bool {
    let mut rest = expected;
    for (index, part) in parts.iter().enumerate() {
        if index > 0 {
            let Some(after) = rest.strip_prefix('_') else {
                return false;
            };
            rest = after;
        }
        let Some(after) = rest.strip_prefix(part) else {
            return false;
        };
        rest = after;
    }
    rest.is_empty()
}

/// Strips a `.txt` or `.hl7` extension in any case (guide §1.2: ssmixtwins writes `.txt`, an old
/// NHO sample used `.hl7`). Other extensions stay, so the flag part then fails to parse.
fn split_extension(name: &str) -> (&str, Option<&str>) {
    let Some(dot) = name.len().checked_sub(4) else {
        return (name, None);
    };
    let stem = name.get(..dot);
    let extension = name.get(dot..).and_then(|tail| tail.strip_prefix('.'));
    match (stem, extension) {
        (Some(stem), Some(extension))
            if ["txt", "hl7"]
                .iter()
                .any(|known| extension.eq_ignore_ascii_case(known)) =>
        {
            (stem, Some(extension))
        }
        _ => (name, None),
    }
}

/// One `code^name^system` triple of an extended-storage data-type folder name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CodedName {
    pub code: Option<String>,
    pub name: Option<String>,
    pub system: Option<String>,
}

impl CodedName {
    fn is_empty(&self) -> bool {
        self.code.is_none() && self.name.is_none() && self.system.is_none()
    }
}

/// An extended-storage データ種別 folder name split into its parts (guide §6):
/// `[ローカル文書コード]^ローカル文書名称^[ローカルコード体系コード]^標準文書コード^標準文書名称^標準コード体系コード`,
/// e.g. `L12345^入院診療録^99ZZZ^11506-3^経過記録^LN` or `L-OBSERVATIONS^OBSERVATIONS^99ZL01`.
///
/// Every part is optional; empty parts are `None`. Components after the sixth are ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DocumentType {
    pub local: CodedName,
    /// All `None` when the folder names no standard document type.
    pub standard: CodedName,
}

impl DocumentType {
    /// LOINC 74465-6, 災害時JSPEED記録 (disaster J-SPEED record), which guide §6 singles out for a
    /// disaster-mode viewer.
    pub const JSPEED_CODE: &'static str = "74465-6";

    pub fn parse(folder_name: &str) -> Self {
        let mut components = folder_name
            .split('^')
            .map(|component| (!component.is_empty()).then(|| component.to_owned()));
        let mut next = || components.next().flatten();
        let local = CodedName {
            code: next(),
            name: next(),
            system: next(),
        };
        let standard = CodedName {
            code: next(),
            name: next(),
            system: next(),
        };
        Self { local, standard }
    }

    pub fn has_standard(&self) -> bool {
        !self.standard.is_empty()
    }

    /// Whether a name's data-type part denotes this folder: the whole folder name, or its local or
    /// standard code alone.
    pub fn matches(&self, folder_name: &str, data_type: &str) -> bool {
        data_type == folder_name
            || self.local.code.as_deref() == Some(data_type)
            || self.standard.code.as_deref() == Some(data_type)
    }

    pub fn is_jspeed(&self) -> bool {
        self.standard.code.as_deref() == Some(Self::JSPEED_CODE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse(name: &str) -> StandardFileName {
        parse_file_name(name).unwrap_or_else(|error| panic!("{name}: {error}"))
    }

    #[test]
    fn nho_name_without_extension_parses_into_its_seven_parts() {
        let name = parse("9999013_20110701_OMP-01_000000011000185_20110701224603984_01_1");
        assert_eq!(name.patient_id.as_str(), "9999013");
        assert_eq!(name.care_date, CareDate::Date("20110701".into()));
        assert_eq!(name.data_type.as_str(), "OMP-01");
        assert_eq!(name.order_no.as_str(), "000000011000185");
        assert_eq!(name.event_time.as_str(), "20110701224603984");
        assert_eq!(name.department, Department::Code("01".into()));
        assert_eq!(name.flag, ConditionFlag::Current);
        assert_eq!(name.extension, None);
    }

    #[test]
    fn txt_and_hl7_extensions_in_any_case_are_stripped() {
        for (file, extension) in [
            (
                "1230020001_20250710_OML-11_3210000001_20250710123012752_004_1.txt",
                "txt",
            ),
            (
                "0123456789_20080126_OML-11_081251234567800_200802031630123_01_1.hl7",
                "hl7",
            ),
            (
                "0123456789_20080126_OML-11_081251234567800_200802031630123_01_1.TXT",
                "TXT",
            ),
            (
                "0123456789_20080126_OML-11_081251234567800_200802031630123_01_1.Hl7",
                "Hl7",
            ),
        ] {
            let name = parse(file);
            assert_eq!(name.extension.as_deref(), Some(extension));
            assert_eq!(name.flag, ConditionFlag::Current);
            assert_eq!(name.to_string(), file);
        }
    }

    #[test]
    fn other_extensions_make_the_flag_invalid() {
        let error = parse_file_name("9999013_-_ADT-00_999999999999999_20111220224447339_-_1.bak")
            .unwrap_err();
        assert_eq!(
            error,
            NameError::ConditionFlag {
                found: "1.bak".into()
            }
        );
    }

    #[test]
    fn fourteen_digit_event_time_from_the_vbnet_writer_parses() {
        let name = parse("123456_-_ADT-00_999999999999999_20111220224447_-_0");
        assert_eq!(name.event_time.as_str(), "20111220224447");
        assert_eq!(name.flag, ConditionFlag::Deleted);
        assert!(name.order_no.is_none_placeholder());
    }

    #[test]
    fn order_numbers_of_13_15_and_22_characters_parse() {
        for order in ["2011122000300", "000000011000354", "ABCDEFGHIJ012345678901"] {
            let file = format!("9999013_20111220_OMG-11_{order}_20111220224447339_24_1");
            assert_eq!(parse(&file).order_no.as_str(), order);
        }
    }

    #[test]
    fn dash_care_date_and_dash_department_parse() {
        let name = parse("9999013_-_ADT-61_999999999999999_20111014232213000_-_1");
        assert_eq!(name.care_date, CareDate::None);
        assert_eq!(name.department, Department::None);
    }

    #[test]
    fn two_and_three_character_departments_parse() {
        assert_eq!(
            parse("9999013_20111220_OML-01_000000011000354_20111220103059123_15_1").department,
            Department::Code("15".into())
        );
        assert_eq!(
            parse("1230020001_20250710_OML-11_3210000001_20250710123012752_004_1").department,
            Department::Code("004".into())
        );
    }

    #[test]
    fn patient_id_containing_underscores_is_kept_whole() {
        let name = parse("AB_12_X_20110701_OMP-01_000000011000185_20110701224603984_01_1");
        assert_eq!(name.patient_id.as_str(), "AB_12_X");
        assert_eq!(name.care_date, CareDate::Date("20110701".into()));
        assert_eq!(name.order_no.as_str(), "000000011000185");
    }

    #[test]
    fn order_number_containing_underscores_is_kept_whole() {
        let name = parse("9999013_20110701_OMP-01_RX_2011_07_20110701224603984_01_1");
        assert_eq!(name.patient_id.as_str(), "9999013");
        assert_eq!(name.order_no.as_str(), "RX_2011_07");
    }

    #[test]
    fn ambiguous_split_follows_the_folder_hint() {
        let file = "A_20110101_20110701_X-1_1_20110701224603984_01_1";
        let leftmost = parse(file);
        assert_eq!(leftmost.patient_id.as_str(), "A");
        assert_eq!(leftmost.data_type.as_str(), "20110701");
        let hinted = parse_file_name_with_hint(
            file,
            NameHint {
                patient_id: Some("A_20110101"),
                data_type: Some("X-1"),
            },
        )
        .unwrap();
        assert_eq!(hinted.patient_id.as_str(), "A_20110101");
        assert_eq!(hinted.care_date, CareDate::Date("20110701".into()));
        assert_eq!(hinted.data_type.as_str(), "X-1");
    }

    #[test]
    fn ambiguous_split_without_hint_prefers_a_known_data_type() {
        let name = parse("A_20110101_20110701_OMP-01_1_20110701224603984_01_1");
        assert_eq!(name.patient_id.as_str(), "A_20110101");
        assert_eq!(name.data_type.as_str(), "OMP-01");
    }

    #[test]
    fn fifteen_digit_event_time_from_the_nho_support_sample_parses() {
        let name = parse("0123456789_20080126_OML-11_081251234567800_200802031630123_01_1");
        assert_eq!(name.event_time.as_str(), "200802031630123");
    }

    #[test]
    fn unknown_data_type_oml_12_is_accepted() {
        let name = parse("9999013_20111220_OML-12_000000011000354_20111220103059000_01_2");
        assert_eq!(name.data_type.as_str(), "OML-12");
        assert!(!name.data_type.is_known_standard());
        assert_eq!(name.flag, ConditionFlag::Superseded);
    }

    #[test]
    fn name_errors_say_which_part_is_wrong() {
        let cases = [
            ("", NameError::Empty),
            (
                "9999013_20110701_OMP-01_1_20110701224603984_1",
                too_few_file_parts(6),
            ),
            (
                "9999013_20110701_OMP-01_1_20110701224603984_01_3",
                NameError::ConditionFlag { found: "3".into() },
            ),
            (
                "9999013_20110701_OMP-01_1_20110701224603984_0001_1",
                NameError::Department {
                    found: "0001".into(),
                },
            ),
            (
                "9999013_20110701_OMP-01_1_2011070122460_01_1",
                NameError::EventTime {
                    found: "2011070122460".into(),
                },
            ),
            (
                "9999013_20110631_OMP-01_1_20110701224603984_01_1",
                NameError::CareDate {
                    found: "20110631".into(),
                },
            ),
            (
                "9999013_x_OMP-01_1_2_20110701224603984_01_1",
                NameError::NoCareDate,
            ),
            (
                "_20110701_OMP-01_1_20110701224603984_01_1",
                NameError::EmptyPart { part: "patient ID" },
            ),
            (
                "9999013_20110701__1_20110701224603984_01_1",
                NameError::EmptyPart { part: "data type" },
            ),
            (
                "9999013_20110701_OMP-01__20110701224603984_01_1",
                NameError::EmptyPart {
                    part: "order number",
                },
            ),
        ];
        for (name, expected) in cases {
            assert_eq!(parse_file_name(name), Err(expected), "{name}");
        }
    }

    #[test]
    fn name_error_messages_are_sentences_naming_the_part() {
        let error =
            parse_file_name("9999013_20110701_OMP-01_1_20110701224603984_01_3").unwrap_err();
        assert_eq!(
            error.to_string(),
            "the condition flag '3' is not 0, 1 or 2 (it must be the last part of the name)"
        );
        let error = parse_file_name("README.txt").unwrap_err();
        assert_eq!(
            error.to_string(),
            "the name has 1 '_'-separated part(s) but a standardized-storage file name needs at \
             least 7: 患者ID_診療日_データ種別_オーダNo_発生日時_診療科コード_コンディションフラグ"
        );
    }

    #[test]
    fn six_part_nho_content_folder_has_no_department() {
        let folder = parse_content_folder_name(
            "0123456789_20160101_L-OBSERVATIONS^OBSERVATIONS^99ZL01_000000020160101_201601011500321_1",
        )
        .unwrap();
        assert_eq!(folder.patient_id.as_str(), "0123456789");
        assert_eq!(folder.care_date, CareDate::Date("20160101".into()));
        assert_eq!(
            folder.data_type.as_str(),
            "L-OBSERVATIONS^OBSERVATIONS^99ZL01"
        );
        assert_eq!(
            folder.specific_key.as_ref().map(OrderNo::as_str),
            Some("000000020160101")
        );
        assert_eq!(folder.event_time.as_str(), "201601011500321");
        assert_eq!(folder.department, None);
        assert_eq!(folder.flag, ConditionFlag::Current);
    }

    #[test]
    fn seven_part_guideline_content_folder_has_a_department() {
        let text = "0123456789_20160101_L12345^入院診療録^99ZZZ^11506-3^経過記録^LN_20160101.0001.123.9_20160101150032100_01_2";
        let folder = parse_content_folder_name(text).unwrap();
        assert_eq!(
            folder.data_type.as_str(),
            "L12345^入院診療録^99ZZZ^11506-3^経過記録^LN"
        );
        assert_eq!(
            folder.specific_key.as_ref().map(OrderNo::as_str),
            Some("20160101.0001.123.9")
        );
        assert_eq!(folder.department, Some(Department::Code("01".into())));
        assert_eq!(folder.flag, ConditionFlag::Superseded);
        assert_eq!(folder.to_string(), text);
    }

    #[test]
    fn five_part_content_folder_has_neither_key_nor_department() {
        let folder =
            parse_content_folder_name("0123456789_-_LJCS-100D_20160101150032100_0").unwrap();
        assert_eq!(folder.care_date, CareDate::None);
        assert_eq!(folder.specific_key, None);
        assert_eq!(folder.department, None);
        assert_eq!(folder.flag, ConditionFlag::Deleted);
    }

    #[test]
    fn content_folder_with_department_but_no_key_parses() {
        let folder =
            parse_content_folder_name("0123456789_20160101_LJCS-100D_20160101150032100_-_1")
                .unwrap();
        assert_eq!(folder.specific_key, None);
        assert_eq!(folder.department, Some(Department::None));
    }

    #[test]
    fn content_folder_errors_say_what_is_wrong() {
        assert!(matches!(
            parse_content_folder_name("0123456789_20160101_1"),
            Err(NameError::TooFewParts { found: 3, .. })
        ));
        assert_eq!(
            parse_content_folder_name("0123456789_20160101_X_K_2016010115003_1"),
            Err(NameError::ContentFolderTail {
                found: "2016010115003".into()
            })
        );
        assert_eq!(
            parse_content_folder_name("main_document.hl7"),
            Err(NameError::TooFewParts {
                found: 2,
                min: 5,
                form: "a content-folder name",
                key: "特定キー",
            })
        );
    }

    #[test]
    fn document_type_folder_splits_into_local_and_standard_codes() {
        let doc =
            DocumentType::parse("L-JSPEED^災害時JSPEED記録^99ZL01^74465-6^災害時JSPEED記録^LN");
        assert_eq!(doc.local.code.as_deref(), Some("L-JSPEED"));
        assert_eq!(doc.local.system.as_deref(), Some("99ZL01"));
        assert_eq!(doc.standard.code.as_deref(), Some("74465-6"));
        assert_eq!(doc.standard.system.as_deref(), Some("LN"));
        assert!(doc.is_jspeed());

        let vitals = DocumentType::parse("L-OBSERVATIONS^OBSERVATIONS^99ZL01");
        assert_eq!(vitals.local.name.as_deref(), Some("OBSERVATIONS"));
        assert!(!vitals.has_standard());

        let no_local_code = DocumentType::parse("^経過記録^^11506-3^経過記録^LN");
        assert_eq!(no_local_code.local.code, None);
        assert_eq!(no_local_code.local.name.as_deref(), Some("経過記録"));
        assert!(no_local_code.matches("^経過記録^^11506-3^経過記録^LN", "11506-3"));
    }

    /// One line per guide §7 name deviation: what each part parsed as, or the error.
    #[test]
    fn deviation_names_parse_as_recorded() {
        let names = [
            "9999013_-_ADT-00_999999999999999_20111220224447339_-_1",
            "1230020001_20250710_OML-11_3210000001_20250710123012752_004_1.txt",
            "0123456789_20080126_OML-11_081251234567800_200802031630123_01_1.hl7",
            "123456_-_ADT-00_999999999999999_20111220224447_-_0",
            "9999013_20111220_OMG-11_2011122000300_20111220224447339_24_1",
            "9999013_20111220_OML-12_ABCDEFGHIJ012345678901_20111220103059000_7A_2",
            "AB_12_20110701_OMP-01_RX_07_20110701224603984_01_1",
            "9999013_20110701_OMP-01_1_20110701224603984_01_1.bak",
        ];
        let mut actual = String::new();
        for name in names {
            let line = match parse_file_name(name) {
                Ok(n) => format!(
                    "id={} date={} type={} order={} time={} dept={} flag={:?} ext={:?}",
                    n.patient_id,
                    n.care_date,
                    n.data_type,
                    n.order_no,
                    n.event_time,
                    n.department,
                    n.flag,
                    n.extension
                ),
                Err(error) => format!("error: {error}"),
            };
            actual.push_str(&line);
            actual.push('\n');
        }
        expect_test::expect![[r#"
            id=9999013 date=- type=ADT-00 order=999999999999999 time=20111220224447339 dept=- flag=Current ext=None
            id=1230020001 date=20250710 type=OML-11 order=3210000001 time=20250710123012752 dept=004 flag=Current ext=Some("txt")
            id=0123456789 date=20080126 type=OML-11 order=081251234567800 time=200802031630123 dept=01 flag=Current ext=Some("hl7")
            id=123456 date=- type=ADT-00 order=999999999999999 time=20111220224447 dept=- flag=Deleted ext=None
            id=9999013 date=20111220 type=OMG-11 order=2011122000300 time=20111220224447339 dept=24 flag=Current ext=None
            id=9999013 date=20111220 type=OML-12 order=ABCDEFGHIJ012345678901 time=20111220103059000 dept=7A flag=Superseded ext=None
            id=AB_12 date=20110701 type=OMP-01 order=RX_07 time=20110701224603984 dept=01 flag=Current ext=None
            error: the condition flag '1.bak' is not 0, 1 or 2 (it must be the last part of the name)
        "#]]
        .assert_eq(&actual);
    }

    fn id_strategy() -> impl Strategy<Value = String> {
        // Segments of at most 7 characters can never look like a YYYYMMDD care date, so the
        // leftmost care date is the real one and the round trip is exact.
        prop_oneof![
            "[0-9A-Za-z]{1,15}",
            proptest::collection::vec("[0-9A-Z]{1,7}", 2..4).prop_map(|parts| parts.join("_")),
        ]
    }

    fn key_strategy() -> impl Strategy<Value = String> {
        prop_oneof![
            "[0-9A-Z]{1,22}",
            proptest::collection::vec("[0-9A-Z.]{1,7}", 2..4).prop_map(|parts| parts.join("_")),
        ]
    }

    fn care_date_strategy() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("-".to_owned()),
            (1900u32..2100, 1u32..=12, 1u32..=28)
                .prop_map(|(y, m, d)| format!("{y:04}{m:02}{d:02}")),
        ]
    }

    fn department_strategy() -> impl Strategy<Value = String> {
        prop_oneof![Just("-".to_owned()), "[0-9A-Z]{2,3}"]
    }

    fn event_time_strategy() -> impl Strategy<Value = String> {
        "[0-9]{14,17}"
    }

    proptest! {
        #[test]
        fn file_name_parser_never_panics(name in "\\PC*") {
            let _ = parse_file_name(&name);
        }

        #[test]
        fn file_name_parser_never_panics_on_name_like_input(
            name in "[0-9_\\-A-Z.ｘ患]{0,80}(\\.(txt|HL7|hl))?"
        ) {
            let _ = parse_file_name(&name);
        }

        #[test]
        fn content_folder_parser_never_panics(name in "\\PC*") {
            let _ = parse_content_folder_name(&name);
            let _ = DocumentType::parse(&name);
        }

        #[test]
        fn generated_file_names_round_trip(
            id in id_strategy(),
            date in care_date_strategy(),
            data_type in prop_oneof![Just("ADT-00".to_owned()), Just("OMD".to_owned()), "[A-Z]{3}-[0-9]{2}"],
            order in key_strategy(),
            time in event_time_strategy(),
            department in department_strategy(),
            flag in 0u8..=2,
            extension in proptest::option::of(prop_oneof![Just("txt"), Just("hl7"), Just("TXT")]),
        ) {
            let mut text = format!("{id}_{date}_{data_type}_{order}_{time}_{department}_{flag}");
            if let Some(extension) = extension {
                text.push('.');
                text.push_str(extension);
            }
            let name = parse_file_name(&text).map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
            prop_assert_eq!(name.patient_id.as_str(), id.as_str());
            prop_assert_eq!(name.care_date.as_str(), date.as_str());
            prop_assert_eq!(name.data_type.as_str(), data_type.as_str());
            prop_assert_eq!(name.order_no.as_str(), order.as_str());
            prop_assert_eq!(name.event_time.as_str(), time.as_str());
            prop_assert_eq!(name.department.as_str(), department.as_str());
            prop_assert_eq!(name.flag as u8, flag);
            prop_assert_eq!(name.to_string(), text);
        }

        #[test]
        fn generated_content_folder_names_round_trip(
            id in id_strategy(),
            date in care_date_strategy(),
            data_type in prop_oneof![
                Just("L-OBSERVATIONS^OBSERVATIONS^99ZL01".to_owned()),
                Just("L12345^入院診療録^99ZZZ^11506-3^経過記録^LN".to_owned()),
                "[A-Z]{1,5}-[0-9]{1,3}[A-Z]?",
            ],
            key in proptest::option::of(key_strategy()),
            time in event_time_strategy(),
            department in proptest::option::of(department_strategy()),
            flag in 0u8..=2,
        ) {
            let mut text = format!("{id}_{date}_{data_type}");
            if let Some(key) = &key {
                text.push('_');
                text.push_str(key);
            }
            text.push('_');
            text.push_str(&time);
            if let Some(department) = &department {
                text.push('_');
                text.push_str(department);
            }
            text.push('_');
            text.push_str(&flag.to_string());
            let folder = parse_content_folder_name(&text).map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
            prop_assert_eq!(folder.patient_id.as_str(), id.as_str());
            prop_assert_eq!(folder.care_date.as_str(), date.as_str());
            prop_assert_eq!(folder.data_type.as_str(), data_type.as_str());
            prop_assert_eq!(folder.specific_key.as_ref().map(OrderNo::as_str), key.as_deref());
            prop_assert_eq!(folder.event_time.as_str(), time.as_str());
            prop_assert_eq!(folder.department.as_ref().map(Department::as_str), department.as_deref());
            prop_assert_eq!(folder.flag as u8, flag);
            prop_assert_eq!(folder.to_string(), text);
        }
    }
}
