//! The JSLM's JLAC10 code tables: 分析物 (analyte, 5 characters), 識別 (identification, 4),
//! 材料 (specimen, 3), 測定法 (method, 3) and 結果識別 (result identification, 2) — the five parts of
//! a 17-character JLAC10 code.
//!
//! The JSLM publishes the tables as one Excel workbook (`136jlac10_1.xlsx`, version 136 of 2026/03),
//! one sheet per table, each with three title rows, a blank row and its header on row 5
//! (docs/masters.md §3 lists the sheets and their header words). This loader reads one sheet saved
//! as CSV. The header is the first row with a code column and a name column of this table:
//!
//! - code: a header `コード` or `<table>コード` (分析物コード), else any header containing `コード`;
//! - name: the first header starting `<table>名` (分析物名(1), 識別名, 材料名, 測定法名, 結果識別名),
//!   else one containing `名称`. The analyte sheet's 大分類名称 (the category) is never the name.
//!
//! Rows above the header (titles, notes) are counted as the file's preamble, not as skipped lines;
//! codes the table marks deleted (更新区分 `S`) are skipped with that reason.

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::source::{self, LoadReport, SourceText, TextEncoding};
use crate::{MasterError, MasterInfo, MasterKind};

/// The (code, name) columns of `table`'s header row, if `fields` is it (the module's rules).
fn header_columns(table: Jlac10Table, fields: &[String]) -> Option<(usize, usize)> {
    let label = table.label_ja();
    let folded: Vec<String> = fields.iter().map(|f| source::fold_header(f)).collect();
    let own_code = format!("{label}コード");
    let code = folded
        .iter()
        .position(|h| h == "コード" || *h == own_code)
        .or_else(|| folded.iter().position(|h| h.contains("コード")))?;
    let own_name = format!("{label}名");
    let name = folded
        .iter()
        .position(|h| h.starts_with(&own_name))
        .or_else(|| {
            folded
                .iter()
                .position(|h| h.contains("名称") && !h.starts_with("大分類"))
        })?;
    (code != name).then_some((code, name))
}

/// The five JLAC10 tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Jlac10Table {
    Analyte,
    Identification,
    Specimen,
    Method,
    Result,
}

impl Jlac10Table {
    /// The length of this part's code, and where it sits in the 17 characters.
    pub fn span(self) -> std::ops::Range<usize> {
        match self {
            Jlac10Table::Analyte => 0..5,
            Jlac10Table::Identification => 5..9,
            Jlac10Table::Specimen => 9..12,
            Jlac10Table::Method => 12..15,
            Jlac10Table::Result => 15..17,
        }
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            Jlac10Table::Analyte => "分析物",
            Jlac10Table::Identification => "識別",
            Jlac10Table::Specimen => "材料",
            Jlac10Table::Method => "測定法",
            Jlac10Table::Result => "結果識別",
        }
    }

    pub const ALL: [Jlac10Table; 5] = [
        Jlac10Table::Analyte,
        Jlac10Table::Identification,
        Jlac10Table::Specimen,
        Jlac10Table::Method,
        Jlac10Table::Result,
    ];
}

/// The names of a JLAC10 code's parts, where the loaded tables know them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Jlac10Names {
    pub analyte: Option<String>,
    pub identification: Option<String>,
    pub specimen: Option<String>,
    pub method: Option<String>,
    pub result: Option<String>,
}

impl Jlac10Names {
    fn slot(&mut self, t: Jlac10Table) -> &mut Option<String> {
        match t {
            Jlac10Table::Analyte => &mut self.analyte,
            Jlac10Table::Identification => &mut self.identification,
            Jlac10Table::Specimen => &mut self.specimen,
            Jlac10Table::Method => &mut self.method,
            Jlac10Table::Result => &mut self.result,
        }
    }
}

/// The JLAC10 tables loaded so far (any subset).
#[derive(Debug, Clone, Default)]
pub struct Jlac10Tables {
    pub infos: Vec<(Jlac10Table, MasterInfo)>,
    names: HashMap<(Jlac10Table, String), String>,
}

impl Jlac10Tables {
    /// Loads one table saved as CSV. `encoding` is how it was saved (Excel's "CSV" in Japanese
    /// Windows writes CP932; "CSV UTF-8" writes a BOM, which is detected whatever is passed).
    pub fn load(
        &mut self,
        table: Jlac10Table,
        path: &Path,
        encoding: TextEncoding,
    ) -> Result<&MasterInfo, MasterError> {
        let src = source::read(path, encoding)?;
        self.add_source(table, src)
    }

    pub(crate) fn add_source(
        &mut self,
        table: Jlac10Table,
        src: SourceText,
    ) -> Result<&MasterInfo, MasterError> {
        let mut report = LoadReport::default();
        let mut cols: Option<(usize, usize)> = None;
        let mut update_col: Option<usize> = None;
        let width = table.span().len();
        for (line, fields) in source::records(&src.text) {
            let Some(fields) = report.read(line, fields) else {
                continue;
            };
            let Some((code_col, name_col)) = cols else {
                match header_columns(table, &fields) {
                    Some(c) => {
                        cols = Some(c);
                        update_col = fields
                            .iter()
                            .position(|h| source::fold_header(h).starts_with("更新区分"));
                    }
                    // The JSLM sheets have title and note rows above the header.
                    _ => report.preamble += 1,
                }
                continue;
            };
            let code = fields.get(code_col).map(|s| s.trim()).unwrap_or("");
            let name = fields.get(name_col).map(|s| s.trim()).unwrap_or("");
            if code.chars().count() != width || !code.is_ascii() {
                report.skip(
                    line,
                    format!(
                        "{}コード {code:?} is not {width} characters",
                        table.label_ja()
                    ),
                );
                continue;
            }
            if name.is_empty() {
                report.skip(line, format!("no {}名", table.label_ja()));
                continue;
            }
            // The sheets keep deleted codes, marked 更新区分 S and named （削除）…: not a name to show.
            if update_col
                .and_then(|i| fields.get(i))
                .is_some_and(|u| u.trim().eq_ignore_ascii_case("S"))
            {
                report.skip(
                    line,
                    format!("{code} is deleted from the table (更新区分 S)"),
                );
                continue;
            }
            self.names
                .insert((table, code.to_ascii_uppercase()), name.to_string());
            report.loaded += 1;
        }
        if cols.is_none() {
            return Err(MasterError::NoHeader {
                path: src.path.clone(),
                wanted: "a code column (コード) and a name column (…名 or 名称)",
            });
        }
        let info = MasterInfo::new(MasterKind::Jlac10(table), &src, report);
        self.infos.push((table, info));
        Ok(&self.infos.last().expect("just pushed").1)
    }

    /// The name of one part's code (`Analyte`, `"5F016"`).
    pub fn name(&self, table: Jlac10Table, code: &str) -> Option<&str> {
        self.names
            .get(&(table, code.trim().to_ascii_uppercase()))
            .map(String::as_str)
    }

    /// The names of a 17-character JLAC10 code's parts. `None` when the code is not 17 ASCII
    /// characters; parts whose table is not loaded, or whose code it lacks, stay `None`.
    pub fn lookup(&self, code: &str) -> Option<Jlac10Names> {
        let code = code.trim();
        if code.len() != 17 || !code.is_ascii() {
            return None;
        }
        let mut out = Jlac10Names::default();
        for t in Jlac10Table::ALL {
            *out.slot(t) = self.name(t, &code[t.span()]).map(String::from);
        }
        Some(out)
    }

    pub fn has(&self, table: Jlac10Table) -> bool {
        self.infos.iter().any(|(t, _)| *t == table)
    }
}
