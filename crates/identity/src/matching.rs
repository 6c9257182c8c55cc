//! Probable matches (PDQ-like): two patients at different facilities whom the hub did **not**
//! link, but whose identity agrees so far that a clinician should be told "possibly the same
//! person (not confirmed by the hub)". A suggestion is never a merge: each record stays its own,
//! and the other opens only after its own two-identifier confirmation (docs/identity.md).
//!
//! Rules, in order:
//! 1. Date of birth and sex must both be known and agree. Otherwise nothing is suggested, however
//!    alike the names are.
//! 2. **Probable**: the full name agrees: its kana reading folded with
//!    [`fieldchart_jtext::kana_key`] (voicing, small kana, long vowels and the space between
//!    family and given name do not count: ワタナベ ユウコ = ワタナベユーコ) and its kanji folded with
//!    [`fieldchart_jtext::fold`] (variant kanji: 髙橋 = 高橋), spaces removed, where each side has
//!    them. Neither may disagree, so kanji that differ outvote the lossy reading.
//! 3. **Weaker** (a married or maiden name): the given names agree (the reading, and the kanji
//!    where both sides write them: 実 and 稔 are both ミノル), the family names do not, and
//!    the addresses are close (the same municipality). Needs both names split into family and
//!    given name.
//! 4. Twins (same family name, date of birth and address, another given name) are never
//!    suggested: neither rule 2 nor rule 3 holds for them.
//!
//! Each suggestion says why: the fields that agree and those that differ.

use std::collections::{BTreeMap, HashSet};

use serde::Serialize;

use crate::{Links, Member};

/// What the matcher knows of one patient: the identity fields of the storage's PID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Demographics {
    pub member: Member,
    pub name_kanji: Option<String>,
    /// The reading, katakana or hiragana, family and given name separated by a space when known.
    pub name_kana: Option<String>,
    /// `YYYY-MM-DD`.
    pub dob: Option<String>,
    /// `M`, `F`, `O`, or anything else for unknown.
    pub sex: Option<String>,
    pub address: Option<String>,
}

/// How strong a suggestion is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Strength {
    /// Name, date of birth and sex agree.
    Probable,
    /// Given name, date of birth, sex and municipality agree; the family name differs (marriage).
    Weaker,
}

impl Strength {
    /// The name the snapshot and the record use: `probable`, `weaker`.
    pub fn as_str(self) -> &'static str {
        match self {
            Strength::Probable => "probable",
            Strength::Weaker => "weaker",
        }
    }
}

/// "Possibly the same person (not confirmed by the hub)", and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suggestion {
    pub a: Member,
    pub b: Member,
    pub strength: Strength,
    /// Fields that agree: `name`, `given-name`, `dob`, `sex`, `address`, `municipality`.
    pub agree: Vec<&'static str>,
    /// Fields that differ: `name-spelling` (agrees only once folded), `family-name`, `address`.
    pub differ: Vec<&'static str>,
}

/// Every suggestion among `people`: pairs at different facilities that `links` does not already
/// make one person. Sorted by the pair; each pair once (`a` < `b`).
pub fn probable_matches(people: &[Demographics], links: &Links) -> Vec<Suggestion> {
    probable_matches_unless(
        people,
        |x, y| matches!((links.group_of(x), links.group_of(y)), (Some(a), Some(b)) if a == b),
    )
}

/// As [`probable_matches`], with `linked` saying which two identifiers the hub made one person.
pub fn probable_matches_unless(
    people: &[Demographics],
    linked: impl Fn(&Member, &Member) -> bool,
) -> Vec<Suggestion> {
    // Only people with a date of birth and a known sex can be suggested; block on both.
    let mut blocks: BTreeMap<(String, char), Vec<&Demographics>> = BTreeMap::new();
    for p in people {
        if let (Some(dob), Some(sex)) = (known_dob(p), known_sex(p)) {
            blocks.entry((dob, sex)).or_default().push(p);
        }
    }
    let mut out = Vec::new();
    let mut seen: HashSet<(Member, Member)> = HashSet::new();
    for block in blocks.values() {
        for (i, x) in block.iter().enumerate() {
            for y in &block[i + 1..] {
                if x.member.facility == y.member.facility {
                    continue;
                }
                if linked(&x.member, &y.member) {
                    continue;
                }
                let (a, b) = if x.member <= y.member { (x, y) } else { (y, x) };
                if !seen.insert((a.member.clone(), b.member.clone())) {
                    continue;
                }
                if let Some(s) = judge(a, b) {
                    out.push(s);
                }
            }
        }
    }
    out.sort_by(|p, q| (&p.a, &p.b).cmp(&(&q.a, &q.b)));
    out
}

/// Suggestions counted per facility pair (`"A|B"`, A < B) and strength: what the hub feeds back to
/// the network's index.
pub fn count_by_facility_pair(
    suggestions: &[Suggestion],
) -> BTreeMap<String, BTreeMap<Strength, u64>> {
    let mut out: BTreeMap<String, BTreeMap<Strength, u64>> = BTreeMap::new();
    for s in suggestions {
        let (x, y) = (&s.a.facility, &s.b.facility);
        let key = if x <= y {
            format!("{x}|{y}")
        } else {
            format!("{y}|{x}")
        };
        *out.entry(key).or_default().entry(s.strength).or_default() += 1;
    }
    out
}

/// One pair of the same date of birth and sex, at two facilities.
fn judge(a: &Demographics, b: &Demographics) -> Option<Suggestion> {
    let mut agree = vec!["dob", "sex"];
    let mut differ = Vec::new();
    let (ka, kb) = (reading(a), reading(b));
    let full_kana = match (&ka, &kb) {
        (Some(x), Some(y)) => Some(x.full == y.full),
        _ => None,
    };
    let full_kanji = match (kanji_key(a), kanji_key(b)) {
        (Some(x), Some(y)) => Some(x == y),
        _ => None,
    };
    let address_same = match (address_key(a), address_key(b)) {
        (Some(x), Some(y)) => Some(x == y),
        _ => None,
    };
    let municipality_same = match (municipality(a), municipality(b)) {
        (Some(x), Some(y)) => Some(x == y),
        _ => None,
    };
    // The full name: the reading and the kanji must not disagree, and one of them must agree.
    // The reading's key is lossy (voicing, long vowels), so kanji that differ outvote it: twins
    // named コウタ and ゴウタ share a key but not 康太 and 豪太.
    let name_agrees = match (full_kana, full_kanji) {
        (Some(false), _) | (_, Some(false)) => false,
        (Some(true), _) | (_, Some(true)) => true,
        (None, None) => false,
    };
    if name_agrees {
        agree.insert(0, "name");
        if spelled_differently(a, b) {
            differ.push("name-spelling");
        }
        match address_same {
            Some(true) => agree.push("address"),
            Some(false) => differ.push("address"),
            None => {}
        }
        return Some(Suggestion {
            a: a.member.clone(),
            b: b.member.clone(),
            strength: Strength::Probable,
            agree,
            differ,
        });
    }
    // A married name: the given name agrees, the family name does not, and they live close.
    let (Some(x), Some(y)) = (&ka, &kb) else {
        return None;
    };
    let (Some(gx), Some(gy), Some(fx), Some(fy)) = (&x.given, &y.given, &x.family, &y.family)
    else {
        return None;
    };
    // As for the full name, given names written in kanji that differ outvote the reading: 実 and
    // 稔 are both ミノル, and two people.
    let given_kanji_differ = matches!(
        (given_kanji(a), given_kanji(b)),
        (Some(x), Some(y)) if x != y
    );
    if gx == gy && fx != fy && municipality_same == Some(true) && !given_kanji_differ {
        agree.insert(0, "given-name");
        agree.push("municipality");
        differ.push("family-name");
        if address_same == Some(false) {
            differ.push("address");
        }
        return Some(Suggestion {
            a: a.member.clone(),
            b: b.member.clone(),
            strength: Strength::Weaker,
            agree,
            differ,
        });
    }
    None
}

struct Reading {
    full: String,
    family: Option<String>,
    given: Option<String>,
}

/// The kana reading as keys: the whole name, and its family and given parts when a space splits
/// it into two.
fn reading(p: &Demographics) -> Option<Reading> {
    let text = p.name_kana.as_deref()?;
    let full = fieldchart_jtext::kana_key(text);
    if full.is_empty() {
        return None;
    }
    let folded = fieldchart_jtext::fold(text);
    let parts: Vec<&str> = folded.split(' ').filter(|s| !s.is_empty()).collect();
    let (family, given) = match parts.as_slice() {
        [f, g] => (
            Some(fieldchart_jtext::kana_key(f)),
            Some(fieldchart_jtext::kana_key(g)),
        ),
        _ => (None, None),
    };
    Some(Reading {
        full,
        family,
        given,
    })
}

/// The given name in kanji, folded, when a space splits the kanji name into two.
fn given_kanji(p: &Demographics) -> Option<String> {
    let folded = fieldchart_jtext::fold(p.name_kanji.as_deref()?);
    let parts: Vec<&str> = folded.split_whitespace().collect();
    match parts.as_slice() {
        [_, g] => Some((*g).to_owned()),
        _ => None,
    }
}

fn kanji_key(p: &Demographics) -> Option<String> {
    let key: String = fieldchart_jtext::fold(p.name_kanji.as_deref()?)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    (!key.is_empty()).then_some(key)
}

/// Whether the names agree only once folded (a variant kanji, another kana spelling, a space).
fn spelled_differently(a: &Demographics, b: &Demographics) -> bool {
    a.name_kanji != b.name_kanji || a.name_kana != b.name_kana
}

fn address_key(p: &Demographics) -> Option<String> {
    let key: String = fieldchart_jtext::fold(p.address.as_deref()?)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    (!key.is_empty()).then_some(key)
}

/// The address up to its municipality: the prefecture, then the first 市, 区, 町 or 村 after it
/// (a 郡 is passed over: 本吉郡南三陸町 ends at 町).
fn municipality(p: &Demographics) -> Option<String> {
    let key = address_key(p)?;
    let chars: Vec<char> = key.chars().collect();
    let after_prefecture = chars
        .iter()
        .position(|c| matches!(c, '都' | '道' | '府' | '県'))
        .map_or(0, |i| i + 1);
    let end = chars[after_prefecture..]
        .iter()
        .position(|c| matches!(c, '市' | '区' | '町' | '村'))
        .map(|i| after_prefecture + i + 1)?;
    Some(chars[..end].iter().collect())
}

fn known_dob(p: &Demographics) -> Option<String> {
    let d = p.dob.as_deref()?.get(..10)?;
    (d.len() == 10).then(|| d.to_owned())
}

fn known_sex(p: &Demographics) -> Option<char> {
    match p.sex.as_deref()? {
        "M" | "male" => Some('M'),
        "F" | "female" => Some('F'),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(
        facility: &str,
        id: &str,
        kanji: &str,
        kana: &str,
        dob: &str,
        sex: &str,
        address: &str,
    ) -> Demographics {
        let some = |s: &str| (!s.is_empty()).then(|| s.to_owned());
        Demographics {
            member: Member::new(facility, id),
            name_kanji: some(kanji),
            name_kana: some(kana),
            dob: some(dob),
            sex: some(sex),
            address: some(address),
        }
    }

    const HOME: &str = "宮城県石巻市中央2-1-3";

    fn one(a: Demographics, b: Demographics) -> Option<Suggestion> {
        probable_matches(&[a, b], &Links::default())
            .into_iter()
            .next()
    }

    #[test]
    fn the_same_name_dob_and_sex_is_probable_even_spelled_another_way() {
        let a = person(
            "A",
            "1",
            "高橋 優子",
            "タカハシ ユウコ",
            "1970-03-12",
            "F",
            HOME,
        );
        // 異体字, no space, a long-vowel mark and voicing differences: still the same name.
        let b = person(
            "B",
            "7",
            "髙橋優子",
            "タカハシユーコ",
            "1970-03-12",
            "F",
            HOME,
        );
        let s = one(a, b).expect("suggested");
        assert_eq!(s.strength, Strength::Probable);
        assert_eq!(s.agree, ["name", "dob", "sex", "address"]);
        assert_eq!(s.differ, ["name-spelling"]);
    }

    #[test]
    fn nothing_is_suggested_when_the_dob_or_sex_disagrees() {
        let a = person(
            "A",
            "1",
            "高橋 優子",
            "タカハシ ユウコ",
            "1970-03-12",
            "F",
            HOME,
        );
        let b = person(
            "B",
            "7",
            "高橋 優子",
            "タカハシ ユウコ",
            "1970-03-13",
            "F",
            HOME,
        );
        assert_eq!(one(a.clone(), b), None);
        let c = person(
            "B",
            "7",
            "高橋 優子",
            "タカハシ ユウコ",
            "1970-03-12",
            "M",
            HOME,
        );
        assert_eq!(one(a.clone(), c), None);
        let unknown = person(
            "B",
            "7",
            "高橋 優子",
            "タカハシ ユウコ",
            "1970-03-12",
            "U",
            HOME,
        );
        assert_eq!(one(a, unknown), None);
    }

    #[test]
    fn twins_are_never_one_person_and_a_married_name_is_weaker() {
        let sister = person(
            "A",
            "1",
            "佐藤 美咲",
            "サトウ ミサキ",
            "1990-06-01",
            "F",
            HOME,
        );
        let twin = person(
            "B",
            "7",
            "佐藤 美優",
            "サトウ ミユ",
            "1990-06-01",
            "F",
            HOME,
        );
        assert_eq!(one(sister.clone(), twin), None, "twins");
        let married = person(
            "B",
            "8",
            "鈴木 美咲",
            "スズキ ミサキ",
            "1990-06-01",
            "F",
            "宮城県石巻市湊町1-2",
        );
        let s = one(sister.clone(), married).expect("a maiden name is offered");
        let namesake = person(
            "B",
            "10",
            "鈴木 美沙",
            "スズキ ミサキ",
            "1990-06-01",
            "F",
            "宮城県石巻市湊町1-2",
        );
        assert_eq!(
            one(sister.clone(), namesake),
            None,
            "another given name in kanji (美咲, 美沙) with the same reading is another person"
        );
        assert_eq!(s.strength, Strength::Weaker);
        assert_eq!(s.agree, ["given-name", "dob", "sex", "municipality"]);
        assert_eq!(s.differ, ["family-name", "address"]);
        let far = person(
            "B",
            "9",
            "鈴木 美咲",
            "スズキ ミサキ",
            "1990-06-01",
            "F",
            "東京都新宿区西新宿2-8-1",
        );
        assert_eq!(
            one(sister, far),
            None,
            "a married name far away is not offered"
        );
    }

    #[test]
    fn the_same_facility_and_people_the_hub_linked_are_left_alone() {
        let a = person(
            "A",
            "1",
            "高橋 優子",
            "タカハシ ユウコ",
            "1970-03-12",
            "F",
            HOME,
        );
        let same = person(
            "A",
            "2",
            "高橋 優子",
            "タカハシ ユウコ",
            "1970-03-12",
            "F",
            HOME,
        );
        assert_eq!(one(a.clone(), same), None);
        let b = person(
            "B",
            "7",
            "高橋 優子",
            "タカハシ ユウコ",
            "1970-03-12",
            "F",
            HOME,
        );
        let rows = crate::parse_xref("facility_a,id_a,facility_b,id_b\nA,1,B,7\n").unwrap();
        let linked = Links::from_rows(&rows).unwrap();
        assert!(probable_matches(&[a, b], &linked).is_empty());
    }

    #[test]
    fn counts_per_facility_pair_name_both_facilities_once() {
        let people = [
            person(
                "B",
                "7",
                "高橋 優子",
                "タカハシ ユウコ",
                "1970-03-12",
                "F",
                HOME,
            ),
            person(
                "A",
                "1",
                "高橋 優子",
                "タカハシ ユウコ",
                "1970-03-12",
                "F",
                HOME,
            ),
            person(
                "A",
                "2",
                "佐藤 美咲",
                "サトウ ミサキ",
                "1990-06-01",
                "F",
                HOME,
            ),
            person(
                "B",
                "8",
                "鈴木 美咲",
                "スズキ ミサキ",
                "1990-06-01",
                "F",
                HOME,
            ),
        ];
        let s = probable_matches(&people, &Links::default());
        assert_eq!(s.len(), 2);
        let counts = count_by_facility_pair(&s);
        assert_eq!(counts.len(), 1);
        assert_eq!(counts["A|B"][&Strength::Probable], 1);
        assert_eq!(counts["A|B"][&Strength::Weaker], 1);
    }

    #[test]
    fn twins_whose_readings_differ_only_by_voicing_are_told_apart_by_their_kanji() {
        let a = person(
            "A",
            "1",
            "佐藤 康太",
            "サトウ コウタ",
            "2001-04-02",
            "M",
            HOME,
        );
        let b = person(
            "B",
            "7",
            "佐藤 豪太",
            "サトウ ゴウタ",
            "2001-04-02",
            "M",
            HOME,
        );
        assert_eq!(one(a, b), None);
    }

    #[test]
    fn a_municipality_passes_over_a_county() {
        let p = person("A", "1", "", "", "", "", "宮城県本吉郡南三陸町志津川1");
        assert_eq!(municipality(&p).as_deref(), Some("宮城県本吉郡南三陸町"));
    }

    proptest::proptest! {
        #[test]
        fn matching_never_panics_and_never_pairs_across_dob_or_sex(
            names in proptest::collection::vec(("\\PC{0,8}", "\\PC{0,8}", "[0-9-]{0,12}", "[MFU]", "\\PC{0,12}"), 0..12)
        ) {
            let people: Vec<Demographics> = names
                .iter()
                .enumerate()
                .map(|(i, (k, r, d, s, a))| person(if i % 2 == 0 { "A" } else { "B" }, &i.to_string(), k, r, d, s, a))
                .collect();
            for s in probable_matches(&people, &Links::default()) {
                let find = |m: &Member| people.iter().find(|p| p.member == *m).unwrap();
                let (a, b) = (find(&s.a), find(&s.b));
                proptest::prop_assert_eq!(known_dob(a), known_dob(b));
                proptest::prop_assert_eq!(known_sex(a), known_sex(b));
                proptest::prop_assert!(known_sex(a).is_some());
            }
        }
    }
}
