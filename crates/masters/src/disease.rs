//! The MEDIS ICD10対応標準病名マスター, 病名基本テーブル (`nmain*.txt`): disease names by 病名管理番号
//! (8 digits, SS-MIX2 `MDCDX2` in PRB-3) and by 病名交換用コード (4 characters), with their ICD-10.
//!
//! docs/masters.md §1 gives the columns and their sources. The published file is Shift_JIS CSV with
//! no header row, 20 columns in the order of [`DiseaseColumns::PUBLISHED`]; a converted copy with a
//! header row is read by its header names instead.

use std::collections::HashMap;
use std::path::Path;

use crate::source::{self, LoadReport, SourceText, TextEncoding};
use crate::{MasterError, MasterInfo, MasterKind};

/// One disease name of the master.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disease {
    /// 病名管理番号, 8 digits.
    pub management_number: String,
    /// 病名交換用コード, 4 characters.
    pub exchange_code: String,
    /// 病名表記.
    pub name: String,
    /// ICD-10 as the master writes it (`I10`, `E119`), if any.
    pub icd10: Option<String>,
    /// 移行先病名管理番号: the name that replaces this one, when the master retired it.
    pub successor: Option<String>,
}

/// Which column (0-based) holds each field the loader keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiseaseColumns {
    pub management_number: usize,
    pub name: usize,
    pub exchange_code: usize,
    pub icd10: usize,
    pub successor: Option<usize>,
}

impl DiseaseColumns {
    /// 変更区分, 病名管理番号, 病名表記, 病名表記カナ, 採択区分, 病名交換用コード, ICD10-2013 (1), …,
    /// 移行先病名管理番号 (16th of the 20): the published file's order (docs/masters.md §1).
    pub const PUBLISHED: DiseaseColumns = DiseaseColumns {
        management_number: 1,
        name: 2,
        exchange_code: 5,
        icd10: 6,
        successor: Some(15),
    };

    fn from_header(header: &[String]) -> Option<DiseaseColumns> {
        Some(DiseaseColumns {
            management_number: source::column(header, &["病名管理番号"])?,
            name: source::column(header, &["病名表記"])?,
            exchange_code: source::column(header, &["病名交換用コード"])?,
            icd10: source::column(
                header,
                &[
                    "ICD10",
                    "ICD-10",
                    "ICD10-2013",
                    "ICD10(2013)",
                    "ICD10-2013-1",
                    "ICD10-2013(1)",
                ],
            )?,
            successor: source::column(header, &["移行先病名管理番号"]),
        })
    }
}

/// The loaded disease master.
#[derive(Debug, Clone)]
pub struct DiseaseMaster {
    pub info: MasterInfo,
    entries: Vec<Disease>,
    by_management: HashMap<String, usize>,
    by_exchange: HashMap<String, usize>,
}

impl DiseaseMaster {
    /// Loads `nmain*.txt` (Shift_JIS). `columns` overrides the column order when the file has no
    /// header and its order is not [`DiseaseColumns::PUBLISHED`].
    pub fn load(
        path: &Path,
        columns: Option<DiseaseColumns>,
    ) -> Result<DiseaseMaster, MasterError> {
        let src = source::read(path, TextEncoding::ShiftJis)?;
        Ok(Self::from_source(src, columns))
    }

    pub(crate) fn from_source(src: SourceText, columns: Option<DiseaseColumns>) -> DiseaseMaster {
        let mut report = LoadReport::default();
        let mut entries = Vec::new();
        let mut by_management = HashMap::new();
        let mut by_exchange = HashMap::new();
        let mut cols = columns;
        let mut first = true;
        for (line, fields) in source::records(&src.text) {
            let Some(fields) = report.read(line, fields) else {
                continue;
            };
            if std::mem::take(&mut first) && columns.is_none() {
                if let Some(c) = DiseaseColumns::from_header(&fields) {
                    cols = Some(c);
                    continue;
                }
                if fields
                    .iter()
                    .any(|f| source::fold_header(f) == "病名管理番号")
                {
                    report.skip(line, "a header without 病名交換用コード, 病名表記 or ICD10; using the published order");
                    continue;
                }
            }
            let c = cols.unwrap_or(DiseaseColumns::PUBLISHED);
            let get = |i: usize| fields.get(i).map(|s| s.trim()).filter(|s| !s.is_empty());
            let Some(management) = get(c.management_number) else {
                report.skip(line, "no 病名管理番号");
                continue;
            };
            if management.len() != 8 || !management.bytes().all(|b| b.is_ascii_digit()) {
                report.skip(line, format!("病名管理番号 {management:?} is not 8 digits"));
                continue;
            }
            let Some(name) = get(c.name) else {
                report.skip(line, "no 病名表記");
                continue;
            };
            let exchange = get(c.exchange_code).unwrap_or("");
            if exchange.chars().count() != 4 {
                report.skip(
                    line,
                    format!("病名交換用コード {exchange:?} is not 4 characters"),
                );
                continue;
            }
            let entry = Disease {
                management_number: management.to_string(),
                exchange_code: exchange.to_string(),
                name: name.to_string(),
                icd10: get(c.icd10).map(String::from),
                successor: c.successor.and_then(get).map(String::from),
            };
            let i = entries.len();
            by_management.insert(entry.management_number.clone(), i);
            by_exchange.insert(entry.exchange_code.clone(), i);
            entries.push(entry);
            report.loaded += 1;
        }
        DiseaseMaster {
            info: MasterInfo::new(MasterKind::Disease, &src, report),
            entries,
            by_management,
            by_exchange,
        }
    }

    /// By 病名管理番号 (8 digits).
    pub fn by_management_number(&self, code: &str) -> Option<&Disease> {
        self.by_management
            .get(code.trim())
            .map(|&i| &self.entries[i])
    }

    /// By 病名交換用コード (4 characters).
    pub fn by_exchange_code(&self, code: &str) -> Option<&Disease> {
        self.by_exchange.get(code.trim()).map(|&i| &self.entries[i])
    }

    /// By either code: an 8-digit code is a 病名管理番号, a 4-character one a 病名交換用コード. The
    /// two never have the same length, so `MDCDX2` codes of either kind resolve.
    pub fn lookup(&self, code: &str) -> Option<&Disease> {
        let code = code.trim();
        match code.chars().count() {
            8 => self.by_management_number(code),
            4 => self.by_exchange_code(code),
            _ => None,
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}
