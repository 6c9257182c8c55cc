//! Condition-flag resolution (guide §2): which version of each logical record is current, and
//! where every other version goes. A [`Current`] value exists only as the output of [`resolve`].
//!
//! Rules, per logical key (患者ID, 診療日, データ種別, オーダNo):
//! - Copies with the same name in several roots (overlapping volumes) count once; the others are
//!   superseded with a `DuplicateFile` warning, so counts still add up.
//! - Flag `1` is current. Several `1`: the greatest 発生日時 wins, the others are superseded and a
//!   `SeveralCurrentFiles` warning names them. With a current item, `0` and `2` items are history
//!   (superseded): the VB.NET writer renames `_1` to `_0` on update instead of `_2`.
//! - No `1`: `2` items are superseded and `0` items deleted; the key has no current record.
//! - If the winning current item is a cancel (an ADT cancel event stored under the data type of
//!   the event it cancels), the key has no current record: the cancel and everything it cancels go
//!   to `cancelled`. A cancel alone in its key is cancelled too, with a `CancelWithoutTarget`
//!   warning.
//!
//! Then across keys: PPR-01 holds the whole problem list (since Ver.1.2) and ADT-00 the whole
//! demographics, so per patient only the newest current one of each stays current; older current
//! ones, whatever their care date or root, become superseded without a warning, as that is the
//! normal history of these types.
//!
//! Ties (equal event times) are broken by location (root, then path), so the outcome does not
//! depend on the order of the input.

use std::collections::{BTreeMap, HashMap};
use std::ops::Deref;
use std::path::Path;

use serde::Serialize;

use crate::diagnostic::{Diagnostic, DiagnosticCode};
use crate::domain::{ConditionFlag, DataType, EventTime, LogicalKey, PatientKey};
use crate::walk::{ContentFolder, StandardFile};

/// One version of a logical record: a file, a content folder, or whatever the reader made of one.
pub trait Versioned {
    fn key(&self) -> &LogicalKey;
    fn flag(&self) -> ConditionFlag;
    fn event_time(&self) -> &EventTime;
    /// Whether this is a cancel event (the reader checks MSH-9.2 for ADT A11 A12 A13 A23 A25 A26
    /// A27 A52 A53 A55, guide §2). A cancel is never an event itself.
    fn is_cancel(&self) -> bool;
    /// The storage root and the root-relative path, for diagnostics. The last path segment is the
    /// file (or content-folder) name used to spot the same file in two roots.
    fn location(&self) -> (&Path, &str);
}

/// The current version of a logical record. Only [`resolve`] makes one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Current<T>(T);

impl<T> Current<T> {
    pub fn get(&self) -> &T {
        &self.0
    }

    pub fn into_inner(self) -> T {
        self.0
    }

    /// Turns a current file into the record read from it; the result is still current.
    pub fn map<U>(self, convert: impl FnOnce(T) -> U) -> Current<U> {
        Current(convert(self.0))
    }
}

impl<T> Deref for Current<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// Every input item, in exactly one of `current`, `superseded`, `deleted` or `cancelled` (each in
/// input order), plus the warnings resolution raised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Resolution<T> {
    pub current: Vec<Current<T>>,
    pub superseded: Vec<T>,
    pub deleted: Vec<T>,
    pub cancelled: Vec<T>,
    pub diagnostics: Vec<Diagnostic>,
}

impl<T> Resolution<T> {
    /// The number of items resolved: the sum of the four lists.
    pub fn item_count(&self) -> usize {
        self.current.len() + self.superseded.len() + self.deleted.len() + self.cancelled.len()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    Current,
    Superseded,
    Deleted,
    Cancelled,
}

/// Resolves condition flags over any set of versions: one patient's, or a whole facility's.
pub fn resolve<T: Versioned>(items: Vec<T>) -> Resolution<T> {
    let mut fates = vec![Fate::Deleted; items.len()];
    let mut diagnostics = Vec::new();

    let mut by_key: BTreeMap<&LogicalKey, Vec<usize>> = BTreeMap::new();
    for (index, item) in items.iter().enumerate() {
        by_key.entry(item.key()).or_default().push(index);
    }
    for (key, mut versions) in by_key {
        versions.sort_by(|&a, &b| items[a].location().cmp(&items[b].location()));
        let kept = drop_duplicates(&items, key, &versions, &mut fates, &mut diagnostics);
        resolve_key(&items, key, &kept, &mut fates, &mut diagnostics);
    }
    keep_newest_singletons(&items, &mut fates);

    let mut resolution = Resolution {
        current: Vec::new(),
        superseded: Vec::new(),
        deleted: Vec::new(),
        cancelled: Vec::new(),
        diagnostics,
    };
    for (item, fate) in items.into_iter().zip(fates) {
        match fate {
            Fate::Current => resolution.current.push(Current(item)),
            Fate::Superseded => resolution.superseded.push(item),
            Fate::Deleted => resolution.deleted.push(item),
            Fate::Cancelled => resolution.cancelled.push(item),
        }
    }
    resolution
}

fn file_name(rel_path: &str) -> &str {
    rel_path.rsplit('/').next().unwrap_or(rel_path)
}

fn describe(root: &Path, rel_path: &str, relative_to: &Path) -> String {
    if root == relative_to {
        rel_path.to_owned()
    } else {
        format!("{rel_path} in root {}", root.display())
    }
}

/// Keeps the first copy (by location) of each file name in the key; later copies are superseded.
fn drop_duplicates<T: Versioned>(
    items: &[T],
    key: &LogicalKey,
    versions: &[usize],
    fates: &mut [Fate],
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<usize> {
    let mut first_by_name: HashMap<&str, usize> = HashMap::new();
    let mut kept = Vec::with_capacity(versions.len());
    for &index in versions {
        let (root, rel_path) = items[index].location();
        match first_by_name.get(file_name(rel_path)) {
            Some(&first) => {
                fates[index] = Fate::Superseded;
                let (first_root, first_rel) = items[first].location();
                diagnostics.push(Diagnostic::warning(
                    DiagnosticCode::DuplicateFile,
                    &key.patient.facility,
                    root,
                    rel_path,
                    format!(
                        "the same file is also at {}; that copy is used and this one counts as \
                         superseded (do two roots overlap?)",
                        describe(first_root, first_rel, root)
                    ),
                ));
            }
            None => {
                first_by_name.insert(file_name(rel_path), index);
                kept.push(index);
            }
        }
    }
    kept
}

fn newest<T: Versioned>(items: &[T], candidates: impl Iterator<Item = usize>) -> Option<usize> {
    candidates.max_by(|&a, &b| {
        let (a, b) = (&items[a], &items[b]);
        a.event_time()
            .cmp(b.event_time())
            .then_with(|| a.location().cmp(&b.location()))
    })
}

fn resolve_key<T: Versioned>(
    items: &[T],
    key: &LogicalKey,
    versions: &[usize],
    fates: &mut [Fate],
    diagnostics: &mut Vec<Diagnostic>,
) {
    let is_current = |index: &usize| items[*index].flag() == ConditionFlag::Current;
    let Some(winner) = newest(items, versions.iter().copied().filter(is_current)) else {
        for &index in versions {
            fates[index] = match items[index].flag() {
                ConditionFlag::Deleted => Fate::Deleted,
                ConditionFlag::Current | ConditionFlag::Superseded => Fate::Superseded,
            };
        }
        return;
    };
    let (winner_root, winner_rel) = items[winner].location();
    let others: Vec<String> = versions
        .iter()
        .filter(|&&index| index != winner && is_current(&index))
        .map(|&index| {
            let (root, rel_path) = items[index].location();
            describe(root, rel_path, winner_root)
        })
        .collect();
    if !others.is_empty() {
        diagnostics.push(Diagnostic::warning(
            DiagnosticCode::SeveralCurrentFiles,
            &key.patient.facility,
            winner_root,
            winner_rel,
            format!(
                "{} files are current (condition flag 1) for one record (same patient, care \
                 date, data type and order number); this one has the newest event time (発生日時) \
                 and is used, the others count as superseded: {}",
                others.len() + 1,
                others.join(", ")
            ),
        ));
    }
    if items[winner].is_cancel() {
        for &index in versions {
            fates[index] = Fate::Cancelled;
        }
        if versions.len() == 1 {
            diagnostics.push(Diagnostic::warning(
                DiagnosticCode::CancelWithoutTarget,
                &key.patient.facility,
                winner_root,
                winner_rel,
                "this cancel event has no earlier file with the same patient, care date, data \
                 type and order number, so there is nothing to cancel; it is not shown as an \
                 event",
            ));
        }
    } else {
        for &index in versions {
            fates[index] = if index == winner {
                Fate::Current
            } else {
                Fate::Superseded
            };
        }
    }
}

/// PPR-01 and ADT-00: only the newest current item per patient stays current.
fn keep_newest_singletons<T: Versioned>(items: &[T], fates: &mut [Fate]) {
    let mut groups: BTreeMap<(&PatientKey, &DataType), Vec<usize>> = BTreeMap::new();
    for (index, item) in items.iter().enumerate() {
        let key = item.key();
        if fates[index] == Fate::Current && key.data_type.is_singleton() {
            groups
                .entry((&key.patient, &key.data_type))
                .or_default()
                .push(index);
        }
    }
    for versions in groups.into_values() {
        let winner = newest(items, versions.iter().copied());
        for index in versions {
            if Some(index) != winner {
                fates[index] = Fate::Superseded;
            }
        }
    }
}

/// Files are never cancels by themselves: only the reader, after reading MSH-9.2, knows.
impl Versioned for StandardFile {
    fn key(&self) -> &LogicalKey {
        &self.key
    }
    fn flag(&self) -> ConditionFlag {
        self.name.flag
    }
    fn event_time(&self) -> &EventTime {
        &self.name.event_time
    }
    fn is_cancel(&self) -> bool {
        false
    }
    fn location(&self) -> (&Path, &str) {
        (&self.root, &self.rel_path)
    }
}

/// Extended storage uses the same flags (guide §6); a content folder is one version.
impl Versioned for ContentFolder {
    fn key(&self) -> &LogicalKey {
        &self.key
    }
    fn flag(&self) -> ConditionFlag {
        self.name.flag
    }
    fn event_time(&self) -> &EventTime {
        &self.name.event_time
    }
    fn is_cancel(&self) -> bool {
        false
    }
    fn location(&self) -> (&Path, &str) {
        (&self.root, &self.rel_path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{CareDate, FacilityId, OrderNo, PatientId};
    use std::collections::BTreeSet;
    use std::path::PathBuf;

    use proptest::prelude::*;

    #[derive(Debug, Clone, PartialEq, Eq)]
    struct Item {
        label: String,
        key: LogicalKey,
        flag: ConditionFlag,
        time: EventTime,
        cancel: bool,
        root: PathBuf,
        rel: String,
    }

    impl Versioned for Item {
        fn key(&self) -> &LogicalKey {
            &self.key
        }
        fn flag(&self) -> ConditionFlag {
            self.flag
        }
        fn event_time(&self) -> &EventTime {
            &self.time
        }
        fn is_cancel(&self) -> bool {
            self.cancel
        }
        fn location(&self) -> (&Path, &str) {
            (&self.root, &self.rel)
        }
    }

    fn key(patient: &str, date: &str, data_type: &str, order: &str) -> LogicalKey {
        LogicalKey {
            patient: PatientKey::new(
                FacilityId::new("1311234567"),
                PatientId::new(patient).unwrap(),
            ),
            care_date: CareDate::parse(date).unwrap(),
            data_type: DataType::new(data_type).unwrap(),
            order_no: OrderNo::new(order).unwrap(),
        }
    }

    /// An item whose rel path is the standard file name built from its parts.
    fn item(key: &LogicalKey, time: &str, flag: u8, root: &str) -> Item {
        let flag = ConditionFlag::parse(&flag.to_string()).unwrap();
        let name = format!(
            "{}_{}_{}_{}_{time}_01_{flag}",
            key.patient.id, key.care_date, key.data_type, key.order_no
        );
        Item {
            label: format!("{root}:{name}"),
            key: key.clone(),
            flag,
            time: EventTime::parse(time).unwrap(),
            cancel: false,
            root: PathBuf::from(root),
            rel: format!(
                "999/901/{}/{}/{}/{name}",
                key.patient.id, key.care_date, key.data_type
            ),
        }
    }

    fn cancel(mut item: Item) -> Item {
        item.cancel = true;
        item.label.push_str(" (cancel)");
        item
    }

    fn labels<'a>(items: impl IntoIterator<Item = &'a Item>) -> Vec<&'a str> {
        items.into_iter().map(|i| i.label.as_str()).collect()
    }

    fn current_labels(resolution: &Resolution<Item>) -> Vec<&str> {
        labels(resolution.current.iter().map(Current::get))
    }

    fn diagnostic_codes(resolution: &Resolution<Item>) -> Vec<DiagnosticCode> {
        resolution.diagnostics.iter().map(|d| d.code).collect()
    }

    #[test]
    fn deleted_prescription_is_not_current() {
        let rx = key("9999013", "20110701", "OMP-01", "000000011000185");
        let original = item(&rx, "20110701224603984", 0, "/r1");
        let deletion = item(&rx, "20110702090000000", 0, "/r1");
        let resolution = resolve(vec![original.clone(), deletion.clone()]);
        assert!(resolution.current.is_empty());
        assert_eq!(resolution.deleted, [original, deletion]);
        assert!(resolution.diagnostics.is_empty());
    }

    #[test]
    fn update_leaves_the_new_file_current_and_the_old_one_superseded() {
        let rx = key("9999013", "20110701", "OMP-01", "1");
        let old = item(&rx, "20110701100000000", 2, "/r1");
        let new = item(&rx, "20110701110000000", 1, "/r1");
        let resolution = resolve(vec![new.clone(), old.clone()]);
        assert_eq!(current_labels(&resolution), [new.label.as_str()]);
        assert_eq!(resolution.superseded, [old]);
        assert!(resolution.diagnostics.is_empty());
    }

    #[test]
    fn history_without_a_current_file_has_no_current_record() {
        let rx = key("9999013", "20110701", "OMP-01", "1");
        let history = item(&rx, "20110701100000000", 2, "/r1");
        let resolution = resolve(vec![history.clone()]);
        assert!(resolution.current.is_empty());
        assert_eq!(resolution.superseded, [history]);
    }

    #[test]
    fn several_current_files_keep_the_newest_and_warn_naming_the_others() {
        let lab = key("9999013", "20111220", "OML-11", "000000011000354");
        let older = item(&lab, "20111220103059000", 1, "/r1");
        let newest = item(&lab, "20111220103059001", 1, "/r2");
        let oldest = item(&lab, "20111220103058", 1, "/r1");
        let resolution = resolve(vec![older.clone(), newest.clone(), oldest.clone()]);
        assert_eq!(current_labels(&resolution), [newest.label.as_str()]);
        assert_eq!(resolution.superseded, [older.clone(), oldest.clone()]);
        assert_eq!(
            diagnostic_codes(&resolution),
            [DiagnosticCode::SeveralCurrentFiles]
        );
        let warning = &resolution.diagnostics[0];
        assert_eq!(warning.path, newest.rel);
        assert_eq!(warning.root, newest.root);
        assert!(
            warning.reason.starts_with("3 files are current"),
            "{}",
            warning.reason
        );
        assert!(
            warning
                .reason
                .contains(&format!("{} in root /r1", older.rel))
        );
        assert!(warning.reason.contains(&oldest.rel));
    }

    #[test]
    fn fourteen_digit_time_loses_to_a_later_millisecond_time() {
        let adt = key("9999013", "20111120", "ADT-22", "999999999999999");
        let vbnet = item(&adt, "20111220224447", 1, "/r1");
        let later = item(&adt, "20111220224447001", 1, "/r1");
        let resolution = resolve(vec![later.clone(), vbnet]);
        assert_eq!(current_labels(&resolution), [later.label.as_str()]);
    }

    #[test]
    fn cancel_cancels_the_event_stored_under_its_key() {
        let admission = key("9999013", "20111120", "ADT-22", "999999999999999");
        let admitted = item(&admission, "20111120100000000", 2, "/r1");
        let cancelled = cancel(item(&admission, "20111120110000000", 1, "/r1"));
        let discharge = key("9999013", "20111220", "ADT-52", "999999999999999");
        let discharged = item(&discharge, "20111220224447339", 1, "/r1");
        let resolution = resolve(vec![
            admitted.clone(),
            cancelled.clone(),
            discharged.clone(),
        ]);
        assert_eq!(current_labels(&resolution), [discharged.label.as_str()]);
        assert_eq!(resolution.cancelled, [admitted, cancelled]);
        assert!(resolution.diagnostics.is_empty());
    }

    #[test]
    fn readmission_after_a_cancel_is_current() {
        let admission = key("9999013", "20111120", "ADT-22", "999999999999999");
        let admitted = item(&admission, "20111120100000000", 2, "/r1");
        let cancelled = cancel(item(&admission, "20111120110000000", 2, "/r1"));
        let readmitted = item(&admission, "20111120120000000", 1, "/r1");
        let resolution = resolve(vec![admitted, cancelled, readmitted.clone()]);
        assert_eq!(current_labels(&resolution), [readmitted.label.as_str()]);
        assert_eq!(resolution.superseded.len(), 2);
        assert!(resolution.cancelled.is_empty());
    }

    #[test]
    fn cancel_without_target_is_cancelled_with_a_warning() {
        let transfer = key("9999013", "20111220", "ADT-42", "999999999999999");
        let lone = cancel(item(&transfer, "20111220224447339", 1, "/r1"));
        let resolution = resolve(vec![lone.clone()]);
        assert!(resolution.current.is_empty());
        assert_eq!(resolution.cancelled, std::slice::from_ref(&lone));
        assert_eq!(
            diagnostic_codes(&resolution),
            [DiagnosticCode::CancelWithoutTarget]
        );
        assert_eq!(resolution.diagnostics[0].path, lone.rel);
    }

    #[test]
    fn vbnet_update_renaming_one_to_zero_keeps_the_one_current() {
        let demographics = key("123456", "-", "ADT-00", "999999999999999");
        let previous = item(&demographics, "20111219080000", 0, "/r1");
        let latest = item(&demographics, "20111220224447", 1, "/r1");
        let resolution = resolve(vec![previous.clone(), latest.clone()]);
        assert_eq!(current_labels(&resolution), [latest.label.as_str()]);
        assert_eq!(resolution.superseded, [previous]);
        assert!(resolution.deleted.is_empty());
    }

    #[test]
    fn only_the_newest_problem_list_is_current_across_care_dates_and_roots() {
        let undated = key("9999013", "-", "PPR-01", "999999999999999");
        let dated = key("9999013", "20111209", "PPR-01", "999999999999999");
        let old = item(&undated, "20110101000000000", 1, "/r1");
        let new = item(&dated, "20111209163030000", 1, "/r2");
        let other_patient = item(
            &key("0000001", "-", "PPR-01", "999999999999999"),
            "20100101000000000",
            1,
            "/r1",
        );
        let resolution = resolve(vec![old.clone(), new.clone(), other_patient.clone()]);
        let mut current = current_labels(&resolution);
        current.sort_unstable();
        let mut expected = vec![new.label.as_str(), other_patient.label.as_str()];
        expected.sort_unstable();
        assert_eq!(current, expected);
        assert_eq!(resolution.superseded, [old]);
        assert!(
            resolution.diagnostics.is_empty(),
            "no warning for normal history"
        );
    }

    #[test]
    fn only_the_newest_demographics_are_current_but_other_types_keep_one_per_key() {
        let demographics_a = key("9999013", "-", "ADT-00", "999999999999999");
        let demographics_b = key("9999013", "20111220", "ADT-00", "999999999999999");
        let old = item(&demographics_a, "20111220224447339", 1, "/r1");
        let new = item(&demographics_b, "20111221000000000", 1, "/r1");
        let lab_a = item(
            &key("9999013", "20111220", "OML-11", "1"),
            "20111220000000000",
            1,
            "/r1",
        );
        let lab_b = item(
            &key("9999013", "20111221", "OML-11", "1"),
            "20111221000000000",
            1,
            "/r1",
        );
        let resolution = resolve(vec![old.clone(), new.clone(), lab_a.clone(), lab_b.clone()]);
        assert_eq!(
            current_labels(&resolution),
            [
                new.label.as_str(),
                lab_a.label.as_str(),
                lab_b.label.as_str()
            ]
        );
        assert_eq!(resolution.superseded, [old]);
    }

    #[test]
    fn the_same_file_in_two_roots_counts_once_and_the_copy_is_a_duplicate() {
        let rx = key("9999013", "20110701", "OMP-01", "000000011000185");
        let first = item(&rx, "20110701224603984", 1, "/vol1");
        let copy = item(&rx, "20110701224603984", 1, "/vol2");
        let resolution = resolve(vec![copy.clone(), first.clone()]);
        assert_eq!(current_labels(&resolution), [first.label.as_str()]);
        assert_eq!(resolution.superseded, std::slice::from_ref(&copy));
        assert_eq!(
            diagnostic_codes(&resolution),
            [DiagnosticCode::DuplicateFile]
        );
        let warning = &resolution.diagnostics[0];
        assert_eq!(warning.root, copy.root);
        assert!(
            warning.reason.contains("in root /vol1"),
            "{}",
            warning.reason
        );
        assert_eq!(resolution.item_count(), 2);
    }

    #[test]
    fn current_can_be_mapped_to_what_was_read_from_it() {
        let rx = key("9999013", "20110701", "OMP-01", "1");
        let resolution = resolve(vec![item(&rx, "20110701224603984", 1, "/r1")]);
        let current = resolution.current.into_iter().next().unwrap();
        let mapped = current.map(|file| file.key.order_no.clone());
        assert_eq!(mapped.get().as_str(), "1");
        assert_eq!(mapped.into_inner().as_str(), "1");
    }

    fn arbitrary_item() -> impl Strategy<Value = Item> {
        (
            prop_oneof![Just("0001"), Just("0002")],
            prop_oneof![Just("-"), Just("20110701")],
            prop_oneof![
                Just("OMP-01"),
                Just("PPR-01"),
                Just("ADT-00"),
                Just("ADT-22")
            ],
            prop_oneof![Just("1"), Just("2")],
            prop_oneof!["2011070100000[0-2]", "2011070100000[0-2]00[0-1]"],
            0u8..=2,
            any::<bool>(),
            prop_oneof![Just("/r1"), Just("/r2")],
        )
            .prop_map(
                |(patient, date, data_type, order, time, flag, is_cancel, root)| {
                    let mut made = item(&key(patient, date, data_type, order), &time, flag, root);
                    made.cancel = is_cancel;
                    made
                },
            )
    }

    /// Items with unique labels: the same label twice would be the same file in the same root.
    fn arbitrary_items() -> impl Strategy<Value = Vec<Item>> {
        proptest::collection::vec(arbitrary_item(), 0..24).prop_map(|items| {
            let mut seen = BTreeSet::new();
            items
                .into_iter()
                .filter(|i| seen.insert(i.label.clone()))
                .collect()
        })
    }

    fn bucket_sets(resolution: &Resolution<Item>) -> [BTreeSet<String>; 4] {
        let set = |items: Vec<&Item>| items.iter().map(|i| i.label.clone()).collect();
        [
            set(resolution.current.iter().map(Current::get).collect()),
            set(resolution.superseded.iter().collect()),
            set(resolution.deleted.iter().collect()),
            set(resolution.cancelled.iter().collect()),
        ]
    }

    proptest! {
        #[test]
        fn every_item_ends_in_exactly_one_bucket(items in arbitrary_items()) {
            let input: BTreeSet<String> = items.iter().map(|i| i.label.clone()).collect();
            let resolution = resolve(items.clone());
            prop_assert_eq!(resolution.item_count(), items.len());
            let buckets = bucket_sets(&resolution);
            let mut union = BTreeSet::new();
            for bucket in &buckets {
                for label in bucket {
                    prop_assert!(union.insert(label.clone()), "{} is in two buckets", label);
                }
            }
            prop_assert_eq!(union, input);
        }

        #[test]
        fn at_most_one_current_per_key_and_per_singleton_patient_and_never_a_cancel(
            items in arbitrary_items()
        ) {
            let resolution = resolve(items);
            let mut keys = BTreeSet::new();
            let mut singletons = BTreeSet::new();
            for current in &resolution.current {
                prop_assert!(!current.cancel);
                prop_assert_eq!(current.flag, ConditionFlag::Current);
                prop_assert!(keys.insert(current.key.clone()));
                if current.key.data_type.is_singleton() {
                    prop_assert!(singletons.insert((current.key.patient.clone(), current.key.data_type.clone())));
                }
            }
        }

        #[test]
        fn resolution_does_not_depend_on_input_order(
            (items, shuffled) in arbitrary_items().prop_flat_map(|items| {
                let shuffled = Just(items.clone()).prop_shuffle();
                (Just(items), shuffled)
            })
        ) {
            let a = resolve(items);
            let b = resolve(shuffled);
            prop_assert_eq!(bucket_sets(&a), bucket_sets(&b));
            let diagnostics = |r: &Resolution<Item>| {
                r.diagnostics.iter().map(|d| (d.code, d.path.clone(), d.root.clone())).collect::<BTreeSet<_>>()
            };
            prop_assert_eq!(diagnostics(&a), diagnostics(&b));
        }
    }
}
