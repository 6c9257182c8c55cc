//! Where the shared public SS-MIX2 samples are, for tests.
//!
//! The samples (the NHO tree of `nhoHQ/SSMIX2DataTestingTool`, guide Appendix A) are read in place
//! from `../shared/ssmix2-samples/` beside the project root, never copied into the repository. Every
//! test that reads them asks this crate, which either returns the folder or panics with a setup hint:
//! what is missing, where it was looked for, and how to get it. A test never skips silently because
//! the samples are absent.
//!
//! `FIELDCHART_SAMPLES` names another folder holding `nho/` (a CI machine with the samples elsewhere).
//!
//! This crate has no dependencies, so any crate can take it as a dev-dependency without pulling in
//! the pipeline (a reader test that depended on a crate depending on the reader would compile two
//! readers).

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};

/// The environment variable that names the samples folder (the one holding `nho/`) instead.
pub const ENV: &str = "FIELDCHART_SAMPLES";

/// The files the NHO tree holds (its README: 22 files).
pub const NHO_FILES: usize = 22;

/// The shared samples are not where they were looked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missing {
    /// The folder that should hold the NHO tree.
    pub looked_at: PathBuf,
    /// Where that folder came from: the environment variable or the project layout.
    pub from_env: bool,
}

impl fmt::Display for Missing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let source = if self.from_env {
            format!("{ENV} names it")
        } else {
            "../shared/ssmix2-samples/nho beside the project root".to_string()
        };
        write!(
            f,
            "the shared SS-MIX2 samples are missing: no NHO sample tree at {} ({source}). \
             To get them, put the `sampleData/` folder of the public repository \
             nhoHQ/SSMIX2DataTestingTool (commit 550fdcd, Apache-2.0) there as `nho/` \
             (22 files; see ../shared/ssmix2-samples/README.md), or set {ENV} to a folder that \
             holds `nho/`. Tests read the samples in place; do not copy them into the repository.",
            self.looked_at.display()
        )
    }
}

impl std::error::Error for Missing {}

/// The project root: two levels above this crate.
fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Where the NHO tree should be, given `FIELDCHART_SAMPLES` (if set) and the project root, and
/// whether it is there: a folder whose hash folders (`999/`, `000/`) are present.
pub fn locate(env: Option<OsString>, project_root: &Path) -> Result<PathBuf, Missing> {
    let (base, from_env) = match env.filter(|v| !v.is_empty()) {
        Some(dir) => (PathBuf::from(dir), true),
        None => (project_root.join("../shared/ssmix2-samples"), false),
    };
    let nho = base.join("nho");
    if nho.join("999").is_dir() && nho.join("000").is_dir() {
        Ok(nho)
    } else {
        Err(Missing {
            looked_at: nho,
            from_env,
        })
    }
}

/// The NHO sample tree (`…/ssmix2-samples/nho`). Panics with a setup hint when it is missing: a test
/// that needs the samples fails, it does not skip.
pub fn nho() -> PathBuf {
    match locate(std::env::var_os(ENV), &project_root()) {
        Ok(path) => path,
        Err(missing) => panic!("{missing}"),
    }
}

/// A file of the NHO tree by its path relative to `nho/`, e.g.
/// `999/901/9999013/-/PPR-01/9999013_-_PPR-01_…_1`. Panics with a hint when it is absent.
pub fn nho_file(relative: &str) -> PathBuf {
    let path = nho().join(relative);
    assert!(
        path.is_file(),
        "the NHO sample tree has no file {relative} (looked at {}); the shared samples may be \
         incomplete: see ../shared/ssmix2-samples/README.md",
        path.display()
    );
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_samples_beside_the_project_are_found() {
        let nho = nho();
        assert!(nho.ends_with("nho"), "{}", nho.display());
        assert!(nho.join("999/901/9999013").is_dir());
    }

    #[test]
    fn a_missing_tree_says_what_is_missing_where_and_how_to_get_it() {
        let empty = tempfile::tempdir().unwrap();
        let missing =
            locate(Some(empty.path().as_os_str().to_owned()), Path::new("/x")).unwrap_err();
        assert!(missing.from_env);
        assert_eq!(missing.looked_at, empty.path().join("nho"));
        let hint = missing.to_string();
        assert!(
            hint.contains(&empty.path().join("nho").display().to_string()),
            "{hint}"
        );
        assert!(hint.contains("FIELDCHART_SAMPLES names it"), "{hint}");
        assert!(hint.contains("nhoHQ/SSMIX2DataTestingTool"), "{hint}");

        let root = tempfile::tempdir().unwrap();
        let missing = locate(None, &root.path().join("project")).unwrap_err();
        assert!(!missing.from_env);
        assert_eq!(
            missing.looked_at,
            root.path().join("project/../shared/ssmix2-samples/nho")
        );
        assert!(missing.to_string().contains("beside the project root"));
    }

    #[test]
    fn an_empty_variable_falls_back_to_the_project_layout() {
        let root = tempfile::tempdir().unwrap();
        let missing = locate(Some(OsString::new()), root.path()).unwrap_err();
        assert!(!missing.from_env);
    }
}
