//! The standard code masters, loaded from the files their publishers distribute, in the published
//! layouts: the MEDIS 標準病名マスター (disease names), the MEDIS 医薬品HOTコードマスター (HOT ↔ YJ ↔
//! receipt code ↔ drug name), the JSLM JLAC10 tables (analyte, identification, specimen, method,
//! result), and a facility's own local-code mapping (a FieldChart layout; no ministry file exists).
//!
//! With them, this crate answers: what is this standard code called ([`Masters::standard_for`]),
//! which critical drug class a drug is in by its YJ 薬効分類 ([`Masters::drug_class`]), and whether a
//! lab code is an infection marker ([`Masters::infection_marker`]). It collects the codes no master
//! knew ([`UnknownCodes`]) for the build report. Every loaded file is recorded with its name,
//! version and SHA-256 ([`MasterInfo`]) so a snapshot can say what it was built with.
//!
//! Architecture invariant: this is a leaf. It knows nothing of SS-MIX2 files, HL7, snapshots or the
//! viewer; it takes system IDs and codes as strings. A bad line in a master is a [`Skipped`] entry in
//! that file's [`LoadReport`], never a panic and never the end of the file.
//!
//! docs/masters.md documents every layout, its sources, and what is not confirmed.

mod classes;
mod disease;
mod drug;
mod jlac10;
mod local;
mod source;
mod system;
mod unknown;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use classes::{
    CriticalDrugClass, INFECTION_ANALYTES, Infection, YjClass, YjRoute, critical_class,
    infection_for_analyte, yj_class, yj_class_number, yj_route,
};
pub use disease::{Disease, DiseaseColumns, DiseaseMaster};
pub use drug::{Drug, DrugKey, HotMaster};
pub use jlac10::{Jlac10Names, Jlac10Table, Jlac10Tables};
pub use local::{LOCAL_MAP_HEADER, LocalMap};
pub use source::{LoadReport, Skipped, TextEncoding};
pub use system::StandardSystem;
pub use unknown::{FacilityUnknowns, UnknownCode, UnknownCodes};

/// Why a master file could not be loaded at all. A bad line is not an error: see [`LoadReport`].
#[derive(Debug, thiserror::Error)]
pub enum MasterError {
    #[error("cannot read the master file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{path} has no header row naming {wanted}; is it the right file? (docs/masters.md lists the layouts)"
    )]
    NoHeader { path: PathBuf, wanted: &'static str },
}

impl MasterError {
    /// The master file the error is about.
    pub fn path(&self) -> &std::path::Path {
        match self {
            MasterError::Read { path, .. } | MasterError::NoHeader { path, .. } => path,
        }
    }
}

/// Which master a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MasterKind {
    /// MEDIS 標準病名マスター, 病名基本テーブル.
    Disease,
    /// MEDIS 医薬品HOTコードマスター.
    Hot,
    /// One JSLM JLAC10 table.
    Jlac10(Jlac10Table),
    /// A facility's local-code mapping.
    LocalMap,
}

impl MasterKind {
    pub fn name(self) -> &'static str {
        match self {
            MasterKind::Disease => "MEDIS 標準病名マスター",
            MasterKind::Hot => "MEDIS 医薬品HOTコードマスター",
            MasterKind::Jlac10(Jlac10Table::Analyte) => "JLAC10 分析物コード表",
            MasterKind::Jlac10(Jlac10Table::Identification) => "JLAC10 識別コード表",
            MasterKind::Jlac10(Jlac10Table::Specimen) => "JLAC10 材料コード表",
            MasterKind::Jlac10(Jlac10Table::Method) => "JLAC10 測定法コード表",
            MasterKind::Jlac10(Jlac10Table::Result) => "JLAC10 結果識別コード表",
            MasterKind::LocalMap => "施設コード対応表",
        }
    }
}

/// What a snapshot records about one loaded file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MasterInfo {
    pub kind: MasterKind,
    /// The file's name (no directory: a snapshot must not leak the hub's paths).
    pub file_name: String,
    /// The version in the file's name (`MEDIS20240930.TXT` → `20240930`), if it has one.
    pub version: Option<String>,
    /// Lower-case hex SHA-256 of the file's bytes.
    pub sha256: String,
    pub encoding: TextEncoding,
    pub report: LoadReport,
}

impl MasterInfo {
    /// What `src` gave as `kind`. Bytes that were not valid in the file's encoding (replaced
    /// while decoding) are a skip of line 0, the whole file, whichever master it is.
    pub(crate) fn new(kind: MasterKind, src: &source::SourceText, mut report: LoadReport) -> Self {
        if src.had_errors {
            let encoding = match src.encoding {
                TextEncoding::ShiftJis => "Shift_JIS",
                TextEncoding::Utf8 => "UTF-8",
            };
            report.skip(
                0,
                format!("some bytes were not valid {encoding} and were replaced"),
            );
        }
        MasterInfo {
            kind,
            file_name: src
                .path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            version: source::version_from_name(&src.path),
            sha256: src.sha256.clone(),
            encoding: src.encoding,
            report,
        }
    }
}

/// A standard code found for a facility's code, to show beside (never instead of) its own text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StandardCode {
    pub system: StandardSystem,
    pub code: String,
    /// The master's name for it, when the master that names it is loaded and knows the code.
    pub name: Option<String>,
    /// The master that gave the name.
    pub master: Option<MasterKind>,
    /// True when the facility's mapping table turned a local code into this one.
    pub via_local_map: bool,
}

/// Which master files to load (hub.toml `[masters]`, `snapshot build --master-…`): any subset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MasterFiles {
    /// The MEDIS 病名基本テーブル (`nmain*.txt`).
    pub disease: Option<PathBuf>,
    /// HOT master files (`MEDIS*.TXT`, `MEDIS*_HOT9.TXT`).
    pub hot: Vec<PathBuf>,
    /// JLAC10 tables saved as CSV, each with the table it is.
    pub jlac10: Vec<(Jlac10Table, PathBuf)>,
    /// How the JLAC10 CSVs were saved (a UTF-8 byte-order mark is detected whatever this says).
    pub jlac10_encoding: TextEncoding,
    /// Facility mapping tables (docs/masters.md "Facility mapping").
    pub local_maps: Vec<PathBuf>,
    pub local_map_encoding: TextEncoding,
}

impl Default for MasterFiles {
    /// Nothing named; JLAC10 CSVs as Excel saves them in Japanese Windows (CP932), mapping tables
    /// in UTF-8 (a FieldChart layout, written by the hub's staff).
    fn default() -> Self {
        MasterFiles {
            disease: None,
            hot: Vec::new(),
            jlac10: Vec::new(),
            jlac10_encoding: TextEncoding::ShiftJis,
            local_maps: Vec::new(),
            local_map_encoding: TextEncoding::Utf8,
        }
    }
}

impl MasterFiles {
    pub fn is_empty(&self) -> bool {
        self.disease.is_none()
            && self.hot.is_empty()
            && self.jlac10.is_empty()
            && self.local_maps.is_empty()
    }

    /// Loads every file named. A file that cannot be read at all, or is not the master it is
    /// named as, is an error; a bad line is a skipped line in that file's report.
    pub fn load(&self) -> Result<Masters, MasterError> {
        let mut m = Masters::new();
        if let Some(d) = &self.disease {
            m.load_disease(d, None)?;
        }
        for h in &self.hot {
            m.load_hot(h)?;
        }
        for (table, path) in &self.jlac10 {
            m.load_jlac10(*table, path, self.jlac10_encoding)?;
        }
        for l in &self.local_maps {
            m.load_local_map(l, self.local_map_encoding)?;
        }
        Ok(m)
    }
}

/// The masters loaded for a build: any subset, including none.
#[derive(Debug, Clone, Default)]
pub struct Masters {
    pub disease: Option<DiseaseMaster>,
    pub hot: Option<HotMaster>,
    pub jlac10: Option<Jlac10Tables>,
    pub local: Option<LocalMap>,
}

impl Masters {
    pub fn new() -> Self {
        Self::default()
    }

    /// Loads the disease master (`nmain*.txt`), replacing one loaded before.
    pub fn load_disease(
        &mut self,
        path: &Path,
        columns: Option<DiseaseColumns>,
    ) -> Result<&MasterInfo, MasterError> {
        let m = DiseaseMaster::load(path, columns)?;
        Ok(&self.disease.insert(m).info)
    }

    /// Adds a HOT master file (`MEDIS*.TXT` or `MEDIS*_HOT9.TXT`).
    pub fn load_hot(&mut self, path: &Path) -> Result<&MasterInfo, MasterError> {
        self.hot.get_or_insert_with(HotMaster::default).load(path)
    }

    /// Adds one JLAC10 table saved as CSV.
    pub fn load_jlac10(
        &mut self,
        table: Jlac10Table,
        path: &Path,
        encoding: TextEncoding,
    ) -> Result<&MasterInfo, MasterError> {
        self.jlac10
            .get_or_insert_with(Jlac10Tables::default)
            .load(table, path, encoding)
    }

    /// Adds a facility mapping table.
    pub fn load_local_map(
        &mut self,
        path: &Path,
        encoding: TextEncoding,
    ) -> Result<&MasterInfo, MasterError> {
        self.local
            .get_or_insert_with(LocalMap::default)
            .load(path, encoding)
    }

    /// Every loaded file, for the snapshot's record of what it was built with.
    pub fn infos(&self) -> Vec<&MasterInfo> {
        let mut out: Vec<&MasterInfo> = Vec::new();
        out.extend(self.disease.iter().map(|d| &d.info));
        out.extend(self.hot.iter().flat_map(|h| &h.infos));
        out.extend(
            self.jlac10
                .iter()
                .flat_map(|j| j.infos.iter().map(|(_, i)| i)),
        );
        out.extend(self.local.iter().flat_map(|l| &l.infos));
        out
    }

    pub fn is_empty(&self) -> bool {
        self.infos().is_empty()
    }

    /// A disease by 病名管理番号 or 病名交換用コード.
    pub fn disease(&self, code: &str) -> Option<&Disease> {
        self.disease.as_ref()?.lookup(code)
    }

    /// A drug by one of its codes.
    pub fn drug(&self, key: DrugKey, code: &str) -> Option<&Drug> {
        self.hot.as_ref()?.lookup(key, code)
    }

    /// The names of a JLAC10 code's parts.
    pub fn jlac10(&self, code: &str) -> Option<Jlac10Names> {
        self.jlac10.as_ref()?.lookup(code)
    }

    /// The standard code a facility's coded value stands for, with its master name:
    /// - a standard system's code is looked up in its master as it is;
    /// - any other system (a `99…` local one) goes through the facility's mapping table first.
    ///
    /// `None` when neither the masters nor the mapping know the code: the caller then notes it with
    /// [`UnknownCodes::note_unknown`]. A mapped code whose master is not loaded comes back without a
    /// name.
    pub fn standard_for(&self, facility: &str, system: &str, code: &str) -> Option<StandardCode> {
        let code = code.trim();
        if let Some(std) = StandardSystem::parse(system, code) {
            let (name, master) = self.name_of(std, code)?;
            return Some(StandardCode {
                system: std,
                code: code.to_string(),
                name: Some(name),
                master: Some(master),
                via_local_map: false,
            });
        }
        let (std, std_code) = self.local.as_ref()?.get(facility, system, code)?;
        let named = self.name_of(std, std_code);
        Some(StandardCode {
            system: std,
            code: std_code.to_string(),
            name: named.as_ref().map(|(n, _)| n.clone()),
            master: named.map(|(_, m)| m),
            via_local_map: true,
        })
    }

    fn name_of(&self, system: StandardSystem, code: &str) -> Option<(String, MasterKind)> {
        let drug = |key| {
            self.drug(key, code)
                .map(|d| (d.name.clone(), MasterKind::Hot))
        };
        match system {
            StandardSystem::Mdcdx2 => self
                .disease(code)
                .map(|d| (d.name.clone(), MasterKind::Disease)),
            StandardSystem::Icd10 => None,
            StandardSystem::Hot13 => drug(DrugKey::Hot13),
            StandardSystem::Hot9 => drug(DrugKey::Hot9),
            StandardSystem::Hot7 => drug(DrugKey::Hot7),
            StandardSystem::Yj => drug(DrugKey::Yj),
            StandardSystem::Yakka => drug(DrugKey::YakkaCode),
            StandardSystem::Receipt => drug(DrugKey::Receipt),
            StandardSystem::Jlac10 => {
                let names = self.jlac10(code)?;
                let analyte = names.analyte?;
                let name = match names.specimen {
                    Some(s) => format!("{analyte}（{s}）"),
                    None => analyte,
                };
                Some((name, MasterKind::Jlac10(Jlac10Table::Analyte)))
            }
        }
    }

    /// The YJ code a drug code resolves to: a YJ code is itself; a HOT, 薬価基準 or receipt code
    /// goes through the HOT master; a local code goes through the facility's mapping first.
    pub fn yj_for(&self, facility: &str, system: &str, code: &str) -> Option<String> {
        let code = code.trim();
        let (std, std_code) = match StandardSystem::parse(system, code) {
            Some(s) => (s, code.to_string()),
            None => {
                let (s, c) = self.local.as_ref()?.get(facility, system, code)?;
                (s, c.to_string())
            }
        };
        let key = match std {
            StandardSystem::Yj => return Some(std_code),
            StandardSystem::Hot13 => DrugKey::Hot13,
            StandardSystem::Hot9 => DrugKey::Hot9,
            StandardSystem::Hot7 => DrugKey::Hot7,
            StandardSystem::Yakka => {
                // A 銘柄別収載 product's 薬価基準 code is its YJ code too; a 統一名収載 one has the
                // same 薬効分類 digits either way, so the class is right even without the master.
                return Some(
                    self.drug(DrugKey::YakkaCode, &std_code)
                        .and_then(|d| d.yj.clone())
                        .unwrap_or(std_code),
                );
            }
            StandardSystem::Receipt => DrugKey::Receipt,
            _ => return None,
        };
        self.drug(key, &std_code)?.yj.clone()
    }

    /// The critical class of a drug code, from its YJ 薬効分類 (resolved through the HOT master and
    /// the facility's mapping as [`Masters::yj_for`] does).
    pub fn drug_class(
        &self,
        facility: &str,
        system: &str,
        code: &str,
    ) -> Option<CriticalDrugClass> {
        critical_class(&self.yj_for(facility, system, code)?)
    }

    /// The infection a lab code marks, from its JLAC10 analyte (a local code goes through the
    /// facility's mapping). HBs (5F016) counts only when it is not an antibody: with the 識別 table
    /// loaded, an identification whose name contains 抗体 rules it out; without it, it counts.
    pub fn infection_marker(&self, facility: &str, system: &str, code: &str) -> Option<Infection> {
        let code = code.trim();
        let jlac = match StandardSystem::parse(system, code) {
            Some(StandardSystem::Jlac10) => code.to_string(),
            Some(_) => return None,
            None => match self.local.as_ref()?.get(facility, system, code)? {
                (StandardSystem::Jlac10, c) => c.to_string(),
                _ => return None,
            },
        };
        let infection = infection_for_analyte(&jlac)?;
        if infection == Infection::HepatitisB
            && let Some(id) = jlac
                .get(5..9)
                .and_then(|id| self.jlac10.as_ref()?.name(Jlac10Table::Identification, id))
            && id.contains("抗体")
        {
            return None;
        }
        Some(infection)
    }
}
