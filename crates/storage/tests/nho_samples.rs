//! Walks the public NHO sample tree (guide Appendix A) in place and checks that every one of its
//! 22 files is accounted for, that the misplaced ADT-31 file is flagged, and that the `_0` OMP-11
//! file resolves as deleted.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use fieldchart_storage::{
    CareDate, DiagnosticCode, FacilityId, PatientId, StorageKind, StorageRoot, resolve,
    scan_facility,
};

/// The NHO tree; a missing tree fails the test with a setup hint rather than skipping it.
fn samples() -> PathBuf {
    fieldchart_samples::nho()
}

fn regular_files(folder: &Path, found: &mut BTreeSet<PathBuf>) {
    for entry in fs::read_dir(folder).unwrap() {
        let entry = entry.unwrap();
        let kind = entry.file_type().unwrap();
        if kind.is_dir() {
            regular_files(&entry.path(), found);
        } else if kind.is_file() {
            found.insert(entry.path());
        }
    }
}

#[test]
fn all_22_nho_sample_files_are_listed_or_diagnosed() {
    let root = samples();
    let storage = StorageRoot::new(FacilityId::unnamed(), &root);
    assert_eq!(storage.detect_kind(), StorageKind::Standard);
    let scan = scan_facility(&[storage]);
    assert!(scan.diagnostics.is_empty(), "{:?}", scan.diagnostics);
    assert_eq!(
        scan.patients
            .keys()
            .map(PatientId::as_str)
            .collect::<Vec<_>>(),
        ["0000001", "9999013"]
    );

    let mut accounted = BTreeSet::new();
    for id in scan.patients.keys() {
        let files = scan.walk_patient(id);
        for file in &files.standard {
            assert!(accounted.insert(file.path.clone()), "listed twice");
        }
        for diagnostic in &files.diagnostics {
            assert!(accounted.insert(diagnostic.full_path()), "listed twice");
        }
        assert!(files.extended.is_empty());
    }
    let mut on_disk = BTreeSet::new();
    regular_files(&root, &mut on_disk);
    assert_eq!(on_disk.len(), 22);
    assert_eq!(accounted, on_disk);
}

#[test]
fn misplaced_adt_31_file_reports_name_versus_folder_mismatch() {
    let root = samples();
    let scan = scan_facility(&[StorageRoot::new(FacilityId::unnamed(), root)]);
    let files = scan.walk_patient(&PatientId::new("0000001").unwrap());
    let misplaced = files
        .standard
        .iter()
        .find(|file| file.key.data_type.as_str() == "ADT-31")
        .expect("the ADT-31 folder file is listed");
    assert_eq!(misplaced.name.patient_id.as_str(), "9999013");
    assert_eq!(misplaced.name.data_type.as_str(), "OMP-11");
    assert_eq!(misplaced.key.patient.id.as_str(), "0000001");
    assert_eq!(misplaced.key.care_date, CareDate::Date("20000401".into()));
    let codes: Vec<_> = misplaced.warnings.iter().map(|w| w.code).collect();
    assert_eq!(codes, [DiagnosticCode::NameMismatch; 3]);
    let others_warned = files
        .standard
        .iter()
        .filter(|file| file.key.data_type.as_str() != "ADT-31")
        .any(|file| !file.warnings.is_empty());
    assert!(
        !others_warned,
        "only the misplaced file disagrees with its folders"
    );
}

#[test]
fn nho_omp_11_file_flagged_zero_resolves_as_deleted() {
    let root = samples();
    let scan = scan_facility(&[StorageRoot::new(FacilityId::unnamed(), root)]);
    let files = scan.walk_patient(&PatientId::new("0000001").unwrap());
    assert_eq!(files.standard.len(), 3);
    let resolution = resolve(files.standard);
    assert!(
        resolution.diagnostics.is_empty(),
        "{:?}",
        resolution.diagnostics
    );
    let deleted: Vec<_> = resolution
        .deleted
        .iter()
        .map(|file| file.rel_path.as_str())
        .collect();
    assert_eq!(
        deleted,
        [
            "000/000/0000001/20000401/OMP-11/0000001_20000401_OMP-11_123456789012346_20110701113813226_01_0"
        ]
    );
    assert_eq!(resolution.current.len(), 2);
    assert_eq!(resolution.item_count(), 3);
}

#[test]
fn nho_sample_patient_has_one_current_file_per_data_type() {
    let root = samples();
    let scan = scan_facility(&[StorageRoot::new(FacilityId::unnamed(), root)]);
    let files = scan.walk_patient(&PatientId::new("9999013").unwrap());
    assert!(files.diagnostics.is_empty(), "{:?}", files.diagnostics);
    assert_eq!(files.standard.len(), 19);
    let resolution = resolve(files.standard);
    assert_eq!(resolution.current.len(), 19);
    let types: BTreeSet<_> = resolution
        .current
        .iter()
        .map(|file| file.key.data_type.as_str())
        .collect();
    assert_eq!(types.len(), 19);
    assert!(
        resolution
            .current
            .iter()
            .all(|file| file.key.data_type.is_known_standard())
    );
}
