//! The MEDIS 医薬品HOTコードマスター (`MEDISyyyymmdd.TXT`, HOT13 per package, and
//! `MEDISyyyymmdd_HOT9.TXT`, HOT9 per product): one row ties a HOT code to the 薬価基準収載医薬品コード,
//! the 個別医薬品コード (YJ), the レセプト電算処理システムコード (receipt code) and the names.
//!
//! Both files are CP932 CSV with quoted fields and a header row of 24 columns (docs/masters.md §2);
//! the loader finds its columns by those header names, so a reordered or extended file still loads.

use std::collections::HashMap;
use std::path::Path;

use crate::source::{self, LoadReport, SourceText, TextEncoding};
use crate::{MasterError, MasterInfo, MasterKind};

/// One row of the HOT master.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drug {
    /// 基準番号（ＨＯＴコード）: 13 digits in the HOT13 file, 9 in the HOT9 file.
    pub hot: String,
    /// 薬価基準収載医薬品コード (12 characters; one code for all brands of a 統一名収載 product).
    pub yakka_code: Option<String>,
    /// 個別医薬品コード, the YJ code (12 characters; one per brand).
    pub yj: Option<String>,
    /// レセプト電算処理システムコード（１） and （２）: 9-digit receipt codes.
    pub receipt: Vec<String>,
    /// 販売名 (brand name), else 告示名称.
    pub name: String,
    /// 告示名称 (the name in the official price list).
    pub notice_name: Option<String>,
    /// 規格単位.
    pub unit: Option<String>,
}

impl Drug {
    /// HOT9: the first 9 digits of HOT13 (処方用 7 + 会社用 2, HELICS).
    pub fn hot9(&self) -> &str {
        self.hot.get(..9).unwrap_or(&self.hot)
    }
}

/// Which code of a drug a lookup uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DrugKey {
    Hot13,
    Hot9,
    /// HOT7, the 処方用番号: several products share one.
    Hot7,
    Yj,
    /// 薬価基準収載医薬品コード.
    YakkaCode,
    /// レセプト電算処理システムコード.
    Receipt,
}

/// The loaded HOT master (either file, or both loaded one after the other).
#[derive(Debug, Clone, Default)]
pub struct HotMaster {
    pub infos: Vec<MasterInfo>,
    entries: Vec<Drug>,
    index: HashMap<(DrugKey, String), usize>,
}

struct HotColumns {
    hot: usize,
    yakka: Option<usize>,
    yj: Option<usize>,
    receipt1: Option<usize>,
    receipt2: Option<usize>,
    notice: Option<usize>,
    brand: Option<usize>,
    unit: Option<usize>,
}

impl HotColumns {
    fn from_header(h: &[String]) -> Option<HotColumns> {
        Some(HotColumns {
            hot: source::column(h, &["基準番号(HOTコード)", "基準番号", "HOTコード"])?,
            yakka: source::column(h, &["薬価基準収載医薬品コード"]),
            yj: source::column(h, &["個別医薬品コード", "YJコード"]),
            receipt1: source::column(
                h,
                &[
                    "レセプト電算処理システムコード(1)",
                    "レセプト電算処理システムコード",
                ],
            ),
            receipt2: source::column(h, &["レセプト電算処理システムコード(2)"]),
            notice: source::column(h, &["告示名称"]),
            brand: source::column(h, &["販売名"]),
            unit: source::column(h, &["規格単位"]),
        })
    }
}

impl HotMaster {
    /// Loads one HOT file (CP932) and adds its rows; the HOT13 and HOT9 files may both be loaded.
    pub fn load(&mut self, path: &Path) -> Result<&MasterInfo, MasterError> {
        let src = source::read(path, TextEncoding::ShiftJis)?;
        self.add_source(src)
    }

    pub(crate) fn add_source(&mut self, src: SourceText) -> Result<&MasterInfo, MasterError> {
        let mut report = LoadReport::default();
        let mut cols: Option<HotColumns> = None;
        for (line, fields) in source::records(&src.text) {
            let Some(fields) = report.read(line, fields) else {
                continue;
            };
            let Some(c) = &cols else {
                // The published files open with the header; without it the columns are unknown
                // and nothing is guessed.
                match HotColumns::from_header(&fields) {
                    Some(c) => cols = Some(c),
                    None => {
                        return Err(MasterError::NoHeader {
                            path: src.path.clone(),
                            wanted: "基準番号（ＨＯＴコード）",
                        });
                    }
                }
                continue;
            };
            let get = |i: Option<usize>| {
                i.and_then(|i| fields.get(i))
                    .map(|s| s.trim())
                    .filter(|s| !s.is_empty())
                    .map(String::from)
            };
            let Some(hot) = get(Some(c.hot)) else {
                report.skip(line, "no 基準番号（ＨＯＴコード）");
                continue;
            };
            if !(hot.len() == 13 || hot.len() == 9) || !hot.bytes().all(|b| b.is_ascii_digit()) {
                report.skip(line, format!("基準番号 {hot:?} is not 13 or 9 digits"));
                continue;
            }
            let notice_name = get(c.notice);
            let Some(name) = get(c.brand).or_else(|| notice_name.clone()) else {
                report.skip(line, "no 販売名 or 告示名称");
                continue;
            };
            let drug = Drug {
                hot,
                yakka_code: get(c.yakka),
                yj: get(c.yj),
                receipt: [get(c.receipt1), get(c.receipt2)]
                    .into_iter()
                    .flatten()
                    .collect(),
                name,
                notice_name,
                unit: get(c.unit),
            };
            self.insert(drug);
            report.loaded += 1;
        }
        if cols.is_none() {
            return Err(MasterError::NoHeader {
                path: src.path.clone(),
                wanted: "基準番号（ＨＯＴコード）",
            });
        }
        self.infos
            .push(MasterInfo::new(MasterKind::Hot, &src, report));
        Ok(self.infos.last().expect("just pushed"))
    }

    fn insert(&mut self, drug: Drug) {
        let i = self.entries.len();
        let mut keys = vec![(DrugKey::Hot9, drug.hot9().to_string())];
        if drug.hot.len() == 13 {
            keys.push((DrugKey::Hot13, drug.hot.clone()));
        }
        keys.push((DrugKey::Hot7, drug.hot[..7].to_string()));
        keys.extend(drug.yj.iter().map(|c| (DrugKey::Yj, c.clone())));
        keys.extend(
            drug.yakka_code
                .iter()
                .map(|c| (DrugKey::YakkaCode, c.clone())),
        );
        keys.extend(drug.receipt.iter().map(|c| (DrugKey::Receipt, c.clone())));
        // The first row seen for a key stays: rows of one product differ only in packaging.
        for k in keys {
            self.index.entry(k).or_insert(i);
        }
        self.entries.push(drug);
    }

    /// The drug a code names.
    pub fn lookup(&self, key: DrugKey, code: &str) -> Option<&Drug> {
        self.index
            .get(&(key, code.trim().to_string()))
            .map(|&i| &self.entries[i])
    }

    /// The YJ code for a drug code of any kind: a YJ code is itself; others go through the master.
    pub fn yj_for(&self, key: DrugKey, code: &str) -> Option<&str> {
        self.lookup(key, code).and_then(|d| d.yj.as_deref())
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}
