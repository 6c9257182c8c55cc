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

/// The facility names a region's `region.json` gives (code → name); empty when the region has no
/// such file. A region laid out by hand has none, and its facilities are then shown by code only.
pub fn region_names(dir: &Path) -> anyhow::Result<std::collections::BTreeMap<String, String>> {
    #[derive(serde::Deserialize)]
    struct Region {
        #[serde(default)]
        facilities: Vec<Facility>,
    }
    #[derive(serde::Deserialize)]
    struct Facility {
        id: String,
        name: Option<String>,
    }
    let path = dir.join("region.json");
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Default::default()),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    let region: Region = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a region summary", path.display()))?;
    Ok(region
        .facilities
        .into_iter()
        .filter_map(|f| Some((f.id, f.name?)))
        .collect())
}
