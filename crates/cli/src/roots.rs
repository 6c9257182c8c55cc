//! Storage roots from the command line: `FACILITY=PATH`, a bare `PATH`, or a whole region directory.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use fieldchart_storage::{FacilityId, StorageRoot};

/// Parses `FACILITY=PATH` or a bare `PATH` (an unnamed facility).
pub fn parse_root(arg: &str) -> anyhow::Result<StorageRoot> {
    let (facility, path) = match arg.split_once('=') {
        Some((facility, path)) if !facility.is_empty() && !facility.contains('/') => {
            (FacilityId::new(facility), PathBuf::from(path))
        }
        _ => (FacilityId::unnamed(), PathBuf::from(arg)),
    };
    if !path.is_dir() {
        bail!(
            "storage root {} is not a readable directory; give FACILITY=PATH with an existing path",
            path.display()
        );
    }
    Ok(StorageRoot::new(facility, path))
}

/// Every `DIR/<facility>/<root>` of a region written by `fieldchart demo-data` (or laid out alike):
/// each subdirectory of `DIR` is a facility, each of its subdirectories a storage root.
pub fn region_roots(dir: &Path) -> anyhow::Result<Vec<StorageRoot>> {
    let mut roots = Vec::new();
    let mut facilities: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot list region directory {}", dir.display()))?
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .collect();
    facilities.sort_by_key(|e| e.file_name());
    for facility in facilities {
        let id = facility.file_name().to_string_lossy().into_owned();
        let mut parts: Vec<_> = std::fs::read_dir(facility.path())
            .with_context(|| format!("cannot list {}", facility.path().display()))?
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
            .collect();
        parts.sort_by_key(|e| e.file_name());
        for part in parts {
            roots.push(StorageRoot::new(FacilityId::new(id.clone()), part.path()));
        }
    }
    if roots.is_empty() {
        bail!(
            "{} holds no facility folders with storage roots; expected DIR/<facility ID>/standard",
            dir.display()
        );
    }
    Ok(roots)
}
