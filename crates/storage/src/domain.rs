//! The words SS-MIX2 storage uses for what it stores: facility and patient identity, care date, data
//! type, order number, event time, department, condition flag and the logical record key.
//!
//! Every type here is a validated value: once built, it holds a well-formed part of a path or file
//! name (guide §1.2). They serialize as the plain strings that appear in the storage, so a snapshot
//! or a diagnostic shows `20110701`, not a nested structure; only [`ConditionFlag`] serializes by
//! meaning (`current`), not by digit.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::name::NameError;

/// 医療機関コード (medical institution code) of the facility a storage root belongs to.
///
/// A facility may be unnamed (a root given without its code); it is shown as `-`. The code is an
/// opaque string: SS-MIX2 does not define its syntax beyond the index DB's `CHAR(10)` (guide §1.4).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FacilityId(String);

impl FacilityId {
    const UNNAMED: &'static str = "-";

    /// A facility code as given; an empty or blank code means the facility is unnamed.
    pub fn new(code: impl Into<String>) -> Self {
        let code = code.into();
        if code.trim().is_empty() {
            Self::unnamed()
        } else {
            Self(code)
        }
    }

    /// The facility of a root whose institution code is not known.
    pub fn unnamed() -> Self {
        Self(Self::UNNAMED.to_owned())
    }

    pub fn is_unnamed(&self) -> bool {
        self.0 == Self::UNNAMED
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for FacilityId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Rejects values that cannot be one part of an SS-MIX2 path or `_`-separated name.
fn check_path_part(value: &str, part: &'static str) -> Result<(), NameError> {
    if value.is_empty() {
        return Err(NameError::EmptyPart { part });
    }
    if value.contains(['/', '\0']) {
        return Err(NameError::PathSeparator { part });
    }
    Ok(())
}

/// 患者ID (patient ID) as the storage spells it: the level-3 folder name (guide §1.1).
///
/// It may contain `_` (guide §1.2) and may be shorter than the 6 characters the hash folders
/// assume; [`PatientId::hash_folders`] never slices past its end.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PatientId(String);

impl PatientId {
    pub fn new(id: impl Into<String>) -> Result<Self, NameError> {
        let id = id.into();
        check_path_part(&id, "patient ID")?;
        Ok(Self(id))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The two hash folders the guide derives from the ID: characters 1–3 and 4–6 (guide §1.1).
    ///
    /// `None` for IDs shorter than 6 characters: no cited source says how they are hashed (the
    /// VB.NET writer rejects them, others may pad), so there is nothing to check them against.
    pub fn hash_folders(&self) -> Option<(&str, &str)> {
        let mut bounds = self
            .0
            .char_indices()
            .map(|(at, _)| at)
            .chain([self.0.len()]);
        let third = bounds.nth(3)?;
        let sixth = bounds.nth(2)?;
        Some((self.0.get(..third)?, self.0.get(third..sixth)?))
    }
}

impl TryFrom<String> for PatientId {
    type Error = NameError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<PatientId> for String {
    fn from(value: PatientId) -> Self {
        value.0
    }
}

impl fmt::Display for PatientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A patient within one facility. Two facilities' `0001` are different patients, so the facility
/// is part of the key and of every comparison.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PatientKey {
    pub facility: FacilityId,
    pub id: PatientId,
}

impl PatientKey {
    pub fn new(facility: FacilityId, id: PatientId) -> Self {
        Self { facility, id }
    }
}

impl fmt::Display for PatientKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.facility, self.id)
    }
}

/// 診療日 (care date): a valid `YYYYMMDD` date, or `-` for data without one (ADT-00, ADT-61,
/// PPR-01; guide §1.1, §1.2).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum CareDate {
    /// `-`: the data is not tied to a care date. Sorts before every date.
    None,
    /// A calendar-valid `YYYYMMDD`, kept as written.
    Date(String),
}

impl CareDate {
    pub fn parse(text: &str) -> Result<Self, NameError> {
        if text == "-" {
            Ok(Self::None)
        } else if is_calendar_date(text) {
            Ok(Self::Date(text.to_owned()))
        } else {
            Err(NameError::CareDate {
                found: text.to_owned(),
            })
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Self::None => "-",
            Self::Date(date) => date,
        }
    }
}

/// `YYYYMMDD` with a month 01–12 and a day that exists in that month (leap years included).
pub(crate) fn is_calendar_date(text: &str) -> bool {
    if text.len() != 8 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let number = |range: std::ops::Range<usize>| {
        text.get(range)
            .and_then(|digits| digits.parse::<u32>().ok())
            .unwrap_or(0)
    };
    let (year, month, day) = (number(0..4), number(4..6), number(6..8));
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days_in_month).contains(&day)
}

impl FromStr for CareDate {
    type Err = NameError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for CareDate {
    type Error = NameError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<CareDate> for String {
    fn from(value: CareDate) -> Self {
        match value {
            CareDate::None => "-".to_owned(),
            CareDate::Date(date) => date,
        }
    }
}

impl fmt::Display for CareDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// データ種別 (data type): the level-5 folder name, e.g. `ADT-00`, `OMD`, `OMP-01` (guide §3), or in
/// extended storage a document type such as `L-OBSERVATIONS^OBSERVATIONS^99ZL01` (guide §6).
///
/// Unknown types (`OML-12`, local document types) are allowed: [`DataType::is_known_standard`]
/// tells them apart without rejecting them.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DataType(String);

/// The standardized-storage data types of guide §3 (NHO table 1-1), with their meaning.
const STANDARD_DATA_TYPES: &[(&str, &str)] = &[
    ("ADT-00", "患者基本情報の更新／削除"),
    ("ADT-01", "担当医の変更／取消"),
    ("ADT-12", "外来診察の受付"),
    ("ADT-21", "入院予定／取消"),
    ("ADT-22", "入院実施／取消"),
    ("ADT-31", "外出泊実施／取消"),
    ("ADT-32", "外出泊帰院実施／取消"),
    ("ADT-41", "転科・転棟(転室・転床)予定／取消"),
    ("ADT-42", "転科・転棟 実施／取消"),
    ("ADT-51", "退院予定／取消"),
    ("ADT-52", "退院実施／取消"),
    ("ADT-61", "アレルギー情報の登録／更新"),
    ("PPR-01", "病名（歴）情報の登録／更新"),
    ("OMD", "食事オーダ"),
    ("OMP-01", "処方オーダ"),
    ("OMP-11", "処方実施通知"),
    ("OMP-02", "注射オーダ"),
    ("OMP-12", "注射実施通知"),
    ("OML-01", "検体検査オーダ"),
    ("OML-11", "検体検査結果通知"),
    ("OMG-01", "放射線検査オーダ"),
    ("OMG-11", "放射線検査の実施通知"),
    ("OMG-02", "内視鏡検査オーダ"),
    ("OMG-12", "内視鏡検査の実施通知"),
    ("OMG-03", "生理検査オーダ"),
    ("OMG-13", "生理検査結果通知"),
];

impl DataType {
    /// Demographics (患者基本情報).
    pub const ADT_00: &'static str = "ADT-00";
    /// The problem list (病名情報); since Ver.1.2 one file holds all of it (guide §2).
    pub const PPR_01: &'static str = "PPR-01";

    pub fn new(code: impl Into<String>) -> Result<Self, NameError> {
        let code = code.into();
        check_path_part(&code, "data type")?;
        Ok(Self(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the type is one of the standardized-storage types in guide §3's table.
    pub fn is_known_standard(&self) -> bool {
        self.standard_meaning().is_some()
    }

    /// The table's Japanese meaning (内容) of a known standard type, e.g. `処方オーダ` for `OMP-01`.
    pub fn standard_meaning(&self) -> Option<&'static str> {
        STANDARD_DATA_TYPES
            .iter()
            .find(|(code, _)| *code == self.0)
            .map(|(_, meaning)| *meaning)
    }

    /// Types where one file holds the patient's whole current state, so only the newest current
    /// file counts across care dates and roots: PPR-01 and ADT-00 (guide §2).
    pub fn is_singleton(&self) -> bool {
        self.0 == Self::PPR_01 || self.0 == Self::ADT_00
    }
}

impl TryFrom<String> for DataType {
    type Error = NameError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<DataType> for String {
    fn from(value: DataType) -> Self {
        value.0
    }
}

impl fmt::Display for DataType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// オーダNo (order number), or in extended storage 特定キー (specific key). Any width: 15 is
/// common, 13 is seen, the index DB allows 22 (guide §1.2).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct OrderNo(String);

impl OrderNo {
    /// The placeholder written when there is no order: fifteen nines (guide §1.2).
    pub const NONE_PLACEHOLDER: &'static str = "999999999999999";

    pub fn new(number: impl Into<String>) -> Result<Self, NameError> {
        let number = number.into();
        check_path_part(&number, "order number")?;
        Ok(Self(number))
    }

    /// The "no order" placeholder, also used as the key of an extended content folder whose name
    /// has no 特定キー.
    pub fn none_placeholder() -> Self {
        Self(Self::NONE_PLACEHOLDER.to_owned())
    }

    /// Whether this is the fifteen-nines "no order" placeholder.
    pub fn is_none_placeholder(&self) -> bool {
        self.0 == Self::NONE_PLACEHOLDER
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for OrderNo {
    type Error = NameError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<OrderNo> for String {
    fn from(value: OrderNo) -> Self {
        value.0
    }
}

impl fmt::Display for OrderNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// 発生日時 (event time) from a file name: 17 digits `YYYYMMDDHHMMSSFFF` (guide §1.2), 14 from the
/// VB.NET writer, and 15 (`YYYYMMDDHHMMSSF`) in the NHO support-documents samples guide §1.2 and
/// §6 quote (`…_200802031630123_01_1`, `…_201601011500321_1`). So 14 to 17 digits are accepted:
/// seconds plus 0–3 fraction digits, and the raw text is kept.
///
/// Parsing checks only the digit count, so that a file whose name holds an impossible time (minute
/// 80, 31 June) is still read and its versions still ordered. Whether the digits are a real time is
/// [`EventTime::iso`]: `None` for an impossible one, which the walk reports and which never becomes
/// a data age.
///
/// Ordering treats the fraction as if padded with zeros to milliseconds (a 14-digit time as if
/// followed by `000`); when two times are equal that way, the shorter sorts first so that the
/// order stays consistent with equality of the raw text.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EventTime(String);

impl EventTime {
    pub fn parse(text: &str) -> Result<Self, NameError> {
        if is_event_time(text) {
            Ok(Self(text.to_owned()))
        } else {
            Err(NameError::EventTime {
                found: text.to_owned(),
            })
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The time as ISO 8601 local time (`2011-12-20T22:44:47.339`, or to the second for 14 digits),
    /// or `None` when the digits are not a real time: a date that does not exist, an hour past 23,
    /// a minute or second past 59. A file name is written from a clock, so unlike HL7 content the
    /// night-shift hours 24–47 are not real here.
    pub fn iso(&self) -> Option<String> {
        let digits = &self.0;
        let date = digits.get(..8)?;
        if !is_calendar_date(date) {
            return None;
        }
        let number = |range: std::ops::Range<usize>| digits.get(range)?.parse::<u32>().ok();
        let (hour, minute, second) = (number(8..10)?, number(10..12)?, number(12..14)?);
        if hour > 23 || minute > 59 || second > 59 {
            return None;
        }
        let fraction = digits.get(14..).unwrap_or_default();
        let mut iso = format!(
            "{}-{}-{}T{hour:02}:{minute:02}:{second:02}",
            &date[..4],
            &date[4..6],
            &date[6..8]
        );
        if !fraction.is_empty() {
            iso.push('.');
            iso.push_str(&format!("{fraction:0<3}"));
        }
        Some(iso)
    }

    /// Whether the digits are a real time (see [`EventTime::iso`]).
    pub fn is_real_time(&self) -> bool {
        self.iso().is_some()
    }

    /// What is impossible about the time, for a diagnostic: `None` for a real time.
    pub fn fault(&self) -> Option<&'static str> {
        if self.is_real_time() {
            return None;
        }
        let digits = &self.0;
        let number = |range: std::ops::Range<usize>| {
            digits
                .get(range)
                .and_then(|d| d.parse::<u32>().ok())
                .unwrap_or(0)
        };
        Some(if !digits.get(..8).is_some_and(is_calendar_date) {
            "its date does not exist"
        } else if number(8..10) > 23 {
            "its hour is past 23"
        } else if number(10..12) > 59 {
            "its minute is past 59"
        } else {
            "its second is past 59"
        })
    }

    /// The time as 17 digits, the fraction padded with zeros to milliseconds.
    pub fn to_millis_precision(&self) -> String {
        format!("{:0<17}", self.0)
    }

    fn comparable(&self) -> ([u8; 17], usize) {
        let mut padded = [b'0'; 17];
        for (slot, digit) in padded.iter_mut().zip(self.0.bytes()) {
            *slot = digit;
        }
        (padded, self.0.len())
    }
}

pub(crate) fn is_event_time(text: &str) -> bool {
    (14..=17).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit())
}

impl PartialEq for EventTime {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

impl Eq for EventTime {}

impl Hash for EventTime {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

impl Ord for EventTime {
    fn cmp(&self, other: &Self) -> Ordering {
        self.comparable().cmp(&other.comparable())
    }
}

impl PartialOrd for EventTime {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl FromStr for EventTime {
    type Err = NameError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for EventTime {
    type Error = NameError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<EventTime> for String {
    fn from(value: EventTime) -> Self {
        value.0
    }
}

impl fmt::Display for EventTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// 診療科コード (department code) from user-defined table #0069: 2 or 3 letters or digits, or `-`
/// when not applicable (guide §1.2).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Department {
    /// `-`: no department applies (ADT-00, ADT-61, OMG-01 in the samples).
    None,
    Code(String),
}

impl Department {
    pub fn parse(text: &str) -> Result<Self, NameError> {
        if text == "-" {
            Ok(Self::None)
        } else if is_department_code(text) {
            Ok(Self::Code(text.to_owned()))
        } else {
            Err(NameError::Department {
                found: text.to_owned(),
            })
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Self::None => "-",
            Self::Code(code) => code,
        }
    }
}

pub(crate) fn is_department_code(text: &str) -> bool {
    matches!(text.len(), 2 | 3) && text.bytes().all(|b| b.is_ascii_alphanumeric())
}

impl TryFrom<String> for Department {
    type Error = NameError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Department> for String {
    fn from(value: Department) -> Self {
        match value {
            Department::None => "-".to_owned(),
            Department::Code(code) => code,
        }
    }
}

impl fmt::Display for Department {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// コンディションフラグ (condition flag), the last part of a file or content-folder name (guide §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConditionFlag {
    /// `0`: 無効 (invalid). Written on deletion; the VB.NET writer also writes it on update.
    Deleted = 0,
    /// `1`: 有効 (valid), the current version.
    Current = 1,
    /// `2`: 過去履歴 (past history), an earlier version.
    Superseded = 2,
}

impl ConditionFlag {
    pub fn parse(text: &str) -> Result<Self, NameError> {
        match text {
            "0" => Ok(Self::Deleted),
            "1" => Ok(Self::Current),
            "2" => Ok(Self::Superseded),
            _ => Err(NameError::ConditionFlag {
                found: text.to_owned(),
            }),
        }
    }

    /// The digit written in names.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Deleted => "0",
            Self::Current => "1",
            Self::Superseded => "2",
        }
    }
}

impl fmt::Display for ConditionFlag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The logical record key (患者ID, 診療日, データ種別, オーダNo): files sharing it are versions of
/// one record, told apart by condition flag and event time (guide §2).
///
/// The patient, care date and data type come from the folders, which win over the file name
/// (guide §1.2); the order number comes from the name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct LogicalKey {
    pub patient: PatientKey,
    pub care_date: CareDate,
    pub data_type: DataType,
    pub order_no: OrderNo,
}

impl fmt::Display for LogicalKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {} {}",
            self.patient, self.care_date, self.data_type, self.order_no
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_patient_id_in_two_facilities_is_two_patients() {
        let id = PatientId::new("0001").unwrap();
        let a = PatientKey::new(FacilityId::new("1311234567"), id.clone());
        let b = PatientKey::new(FacilityId::new("2711234567"), id);
        assert_ne!(a, b);
    }

    #[test]
    fn unnamed_facility_is_shown_as_a_dash() {
        assert_eq!(FacilityId::unnamed().to_string(), "-");
        assert!(FacilityId::new("").is_unnamed());
        assert!(!FacilityId::new("1311234567").is_unnamed());
    }

    #[test]
    fn hash_folders_are_the_first_and_second_three_characters() {
        let id = PatientId::new("9999013").unwrap();
        assert_eq!(id.hash_folders(), Some(("999", "901")));
        let exact = PatientId::new("123456").unwrap();
        assert_eq!(exact.hash_folders(), Some(("123", "456")));
    }

    #[test]
    fn short_patient_ids_have_no_hash_folders_and_do_not_panic() {
        for short in ["1", "12", "123", "12345", "患者ＩＤ"] {
            assert_eq!(PatientId::new(short).unwrap().hash_folders(), None);
        }
    }

    #[test]
    fn hash_folders_of_multibyte_ids_split_on_characters() {
        let id = PatientId::new("患者番号ＡＢ").unwrap();
        assert_eq!(id.hash_folders(), Some(("患者番", "号ＡＢ")));
    }

    #[test]
    fn empty_or_slashed_patient_ids_are_rejected() {
        assert_eq!(
            PatientId::new(""),
            Err(NameError::EmptyPart { part: "patient ID" })
        );
        assert!(PatientId::new("a/b").is_err());
    }

    #[test]
    fn care_date_accepts_dash_and_calendar_dates_only() {
        assert_eq!(CareDate::parse("-"), Ok(CareDate::None));
        assert_eq!(
            CareDate::parse("20000229"),
            Ok(CareDate::Date("20000229".into()))
        );
        for bad in [
            "",
            "2011063",
            "201106300",
            "20110631",
            "20110229",
            "19000229",
            "20111301",
            "2011-06-",
            "２０１１０６３０",
        ] {
            assert!(CareDate::parse(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn dated_care_dates_sort_after_the_dash() {
        let none = CareDate::None;
        let date = CareDate::parse("20110630").unwrap();
        assert!(none < date);
    }

    #[test]
    fn fourteen_digit_event_time_compares_as_if_followed_by_zero_millis() {
        let short = EventTime::parse("20110701113813").unwrap();
        let earlier = EventTime::parse("20110701113812999").unwrap();
        let later = EventTime::parse("20110701113813001").unwrap();
        let zero = EventTime::parse("20110701113813000").unwrap();
        assert!(earlier < short && short < later);
        assert!(short < zero, "ties sort the 14-digit form first");
        assert_ne!(short, zero);
        assert_eq!(short.to_millis_precision(), zero.as_str());
    }

    #[test]
    fn fifteen_digit_event_time_pads_its_fraction_to_milliseconds() {
        let tenths = EventTime::parse("201601011500321").unwrap();
        assert_eq!(tenths.to_millis_precision(), "20160101150032100");
        assert!(tenths > EventTime::parse("20160101150032099").unwrap());
        assert!(tenths < EventTime::parse("20160101150032101").unwrap());
    }

    #[test]
    fn an_event_time_is_a_real_time_or_says_what_is_impossible() {
        let real = EventTime::parse("20111220224447339").unwrap();
        assert_eq!(real.iso().as_deref(), Some("2011-12-20T22:44:47.339"));
        assert_eq!(real.fault(), None);
        assert_eq!(
            EventTime::parse("20111220224447").unwrap().iso().as_deref(),
            Some("2011-12-20T22:44:47")
        );
        assert_eq!(
            EventTime::parse("201601011500321")
                .unwrap()
                .iso()
                .as_deref(),
            Some("2016-01-01T15:00:32.100")
        );
        for (digits, fault) in [
            ("20111220228047339", "its minute is past 59"),
            ("20110631120000000", "its date does not exist"),
            ("20111220240000000", "its hour is past 23"),
            ("20111220225961", "its second is past 59"),
        ] {
            let time = EventTime::parse(digits).expect("the digit count is right");
            assert_eq!(time.iso(), None, "{digits}");
            assert!(!time.is_real_time());
            assert_eq!(time.fault(), Some(fault), "{digits}");
            assert_eq!(time.as_str(), digits, "the raw digits are kept");
        }
    }

    #[test]
    fn event_time_must_be_14_to_17_digits() {
        for bad in [
            "",
            "2011070111381",
            "201107011138132101",
            "2011070111381322a",
            "x",
        ] {
            assert!(EventTime::parse(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn department_is_dash_or_two_to_three_alphanumerics() {
        assert_eq!(Department::parse("-"), Ok(Department::None));
        assert_eq!(Department::parse("01"), Ok(Department::Code("01".into())));
        assert_eq!(Department::parse("7AB"), Ok(Department::Code("7AB".into())));
        for bad in ["", "1", "0001", "0-", "内科"] {
            assert!(Department::parse(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn known_standard_types_include_the_guide_table_but_not_oml_12() {
        for known in [
            "ADT-00", "ADT-61", "PPR-01", "OMD", "OMP-12", "OML-11", "OMG-13",
        ] {
            assert!(DataType::new(known).unwrap().is_known_standard(), "{known}");
        }
        let oml12 = DataType::new("OML-12").unwrap();
        assert!(!oml12.is_known_standard());
        assert_eq!(
            DataType::new("OMP-01").unwrap().standard_meaning(),
            Some("処方オーダ")
        );
    }

    #[test]
    fn only_problem_list_and_demographics_are_singletons() {
        assert!(DataType::new("PPR-01").unwrap().is_singleton());
        assert!(DataType::new("ADT-00").unwrap().is_singleton());
        assert!(!DataType::new("ADT-22").unwrap().is_singleton());
    }

    #[test]
    fn fifteen_nines_is_the_no_order_placeholder() {
        assert!(
            OrderNo::new("999999999999999")
                .unwrap()
                .is_none_placeholder()
        );
        assert!(
            !OrderNo::new("99999999999999")
                .unwrap()
                .is_none_placeholder()
        );
        assert!(OrderNo::none_placeholder().is_none_placeholder());
    }

    #[test]
    fn condition_flag_digits_map_to_meanings() {
        assert_eq!(ConditionFlag::parse("0"), Ok(ConditionFlag::Deleted));
        assert_eq!(ConditionFlag::parse("1"), Ok(ConditionFlag::Current));
        assert_eq!(ConditionFlag::parse("2"), Ok(ConditionFlag::Superseded));
        assert!(ConditionFlag::parse("3").is_err());
        assert_eq!(ConditionFlag::Superseded as u8, 2);
    }

    #[test]
    fn domain_values_serialize_as_the_strings_in_the_storage() {
        let key = LogicalKey {
            patient: PatientKey::new(FacilityId::unnamed(), PatientId::new("9999013").unwrap()),
            care_date: CareDate::None,
            data_type: DataType::new("ADT-00").unwrap(),
            order_no: OrderNo::none_placeholder(),
        };
        let json = serde_json::to_string(&key).unwrap();
        assert_eq!(
            json,
            r#"{"patient":{"facility":"-","id":"9999013"},"care_date":"-","data_type":"ADT-00","order_no":"999999999999999"}"#
        );
        let back: LogicalKey = serde_json::from_str(&json).unwrap();
        assert_eq!(back, key);
        assert!(serde_json::from_str::<CareDate>(r#""20111340""#).is_err());
    }
}
