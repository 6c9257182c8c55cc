//! A facility's own mapping of its local codes to standard ones. No ministry file exists for this:
//! a hospital's `99…` codes mean what its own system says. The layout is FieldChart's
//! (docs/masters.md §4): a CSV with the header
//!
//! ```text
//! facility,local_system,local_code,standard_system,standard_code
//! ```
//!
//! in UTF-8 (a BOM is fine) or CP932, one row per local code; more columns after these are ignored.

use std::collections::HashMap;
use std::path::Path;

use crate::source::{self, LoadReport, SourceText, TextEncoding};
use crate::system::StandardSystem;
use crate::{MasterError, MasterInfo, MasterKind};

/// The header names, in order.
pub const LOCAL_MAP_HEADER: [&str; 5] = [
    "facility",
    "local_system",
    "local_code",
    "standard_system",
    "standard_code",
];

/// Local codes mapped to standard ones, per facility.
#[derive(Debug, Clone, Default)]
pub struct LocalMap {
    pub infos: Vec<MasterInfo>,
    map: HashMap<(String, String, String), (StandardSystem, String)>,
}

impl LocalMap {
    pub fn load(
        &mut self,
        path: &Path,
        encoding: TextEncoding,
    ) -> Result<&MasterInfo, MasterError> {
        let src = source::read(path, encoding)?;
        self.add_source(src)
    }

    pub(crate) fn add_source(&mut self, src: SourceText) -> Result<&MasterInfo, MasterError> {
        let mut report = LoadReport::default();
        let mut cols: Option<[usize; 5]> = None;
        for (line, fields) in source::records(&src.text) {
            let Some(fields) = report.read(line, fields) else {
                continue;
            };
            let Some(c) = cols else {
                let found: Option<Vec<usize>> = LOCAL_MAP_HEADER
                    .iter()
                    .map(|h| fields.iter().position(|f| f.trim().eq_ignore_ascii_case(h)))
                    .collect();
                match found {
                    Some(v) => cols = Some([v[0], v[1], v[2], v[3], v[4]]),
                    None => {
                        return Err(MasterError::NoHeader {
                            path: src.path.clone(),
                            wanted: "facility,local_system,local_code,standard_system,standard_code",
                        });
                    }
                }
                continue;
            };
            let get = |i: usize| fields.get(i).map(|s| s.trim()).unwrap_or("");
            let (facility, system, code) = (get(c[0]), get(c[1]), get(c[2]));
            let (std_id, std_code) = (get(c[3]), get(c[4]));
            if facility.is_empty() || system.is_empty() || code.is_empty() {
                report.skip(line, "facility, local_system and local_code are all needed");
                continue;
            }
            let Some(std_system) = StandardSystem::parse(std_id, std_code) else {
                report.skip(
                    line,
                    format!("standard_system {std_id:?} is not one FieldChart knows"),
                );
                continue;
            };
            if std_code.is_empty() {
                report.skip(line, "no standard_code");
                continue;
            }
            let key = (facility.to_string(), norm(system), code.to_string());
            if let Some((s, c)) = self.map.get(&key)
                && (*s != std_system || c != std_code)
            {
                report.skip(
                    line,
                    format!(
                        "{facility} {system} {code} is already mapped to {} {c}",
                        s.id()
                    ),
                );
                continue;
            }
            self.map.insert(key, (std_system, std_code.to_string()));
            report.loaded += 1;
        }
        if cols.is_none() {
            return Err(MasterError::NoHeader {
                path: src.path.clone(),
                wanted: "facility,local_system,local_code,standard_system,standard_code",
            });
        }
        self.infos
            .push(MasterInfo::new(MasterKind::LocalMap, &src, report));
        Ok(self.infos.last().expect("just pushed"))
    }

    /// The standard code a facility's local code maps to.
    pub fn get(&self, facility: &str, system: &str, code: &str) -> Option<(StandardSystem, &str)> {
        self.map
            .get(&(facility.to_string(), norm(system), code.trim().to_string()))
            .map(|(s, c)| (*s, c.as_str()))
    }
}

/// System IDs compare case-insensitively (`99xyz` and `99XYZ` are one system).
fn norm(system: &str) -> String {
    system.trim().to_ascii_uppercase()
}
