//! Matching traps (issue 15 §4), only when [`crate::RegionSpec::match_traps`] asks for them: pairs
//! of registrations at two facilities that the hub did **not** link (no `pix-xref.tsv` row), each
//! made with one trap a probable-match finder has to get right, and `match-truth.tsv`, the answer
//! the hub never reads (a benchmark compares the finder with it).
//!
//! Case `k` (of `match_traps`) is of kind `TrapKind::ALL[k % 7]`. Its registration `a` is at
//! facility `(k / 7) % F`, `b` at another one, chosen in turn; both are new patient IDs numbered
//! after the facility's ordinary patients, with charts of their own like any patient's. A case
//! starts from a person drawn from its own stream (drawn again until the trap applies: a married
//! name needs an adult woman, a variant kanji a name with a character that has one):
//!
//! | kind | `b` is | expected |
//! |---|---|---|
//! | `kana-spelling` | the same person, one kana of the reading spelled another way: a long vowel as ー (ユウコ → ユーコ, サトウ → サトー, オオトモ → オートモ, ケイコ → ケーコ), a small kana written large (キョウコ → キヨウコ), a voicing mark dropped after the first kana (ヤマザキ → ヤマサキ), ズ/ジ as ヅ/ヂ (スズキ → スヅキ) | probable |
//! | `variant-kanji` | the same person, one kanji as a variant (異体字) of JIS X 0208: 渡辺 → 渡邊, 今野 → 今埜, 斎藤 → 齋藤, 恵子 → 惠子 … ([`KANJI_VARIANTS`]) | probable |
//! | `name-spacing` | the same person, the whole name in PID-5's family component (XPN.1), with no space or an ideographic one (高橋優子, 高橋　優子), kanji and kana alike | probable |
//! | `married-name` | the same woman (20 or older) under another family name (one sharing no reading with the first), moved within the same municipality, another phone | weaker |
//! | `twins` | a same-sex twin: same family name, birth date, address and phone, another given name (for half the boys born from 1956, names only the kanji tell apart: 康太 コウタ / 豪太 ゴウタ) and a history of their own | never |
//! | `dob-differs` | a look-alike: the same name, sex and address, born a day, a month, a year or ten years earlier | never |
//! | `sex-differs` | a look-alike: the same name, birth date and address, the other sex | never |
//!
//! Variant kanji outside JIS X 0208 (髙, 﨑) cannot be written: SS-MIX2 files are ISO-2022-JP
//! (guide §4.1), so a hospital sends those as a substitute or not at all. Era dates of birth are
//! not a storage trap either: PID-7 is an HL7 DTM, always Western (`19700312`, guide §3.1), so no
//! registration can hold `S45.3.12`; the era form is a trap of the search side, which reads both.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::address;
use crate::calendar::CivilDate;
use crate::names;
use crate::person::{self, Person, Sex, WrittenName};
use crate::rng::{Draw, Stream};

/// Name of the ground-truth file beside `pix-xref.tsv`, written only with traps.
pub const TRUTH_FILE: &str = "match-truth.tsv";

/// The header line of [`TRUTH_FILE`].
pub const TRUTH_HEADER: &str = "facility_a\tid_a\tfacility_b\tid_b\ttrap\texpected";

/// One trap a pair of registrations is made with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TrapKind {
    /// One kana of the reading spelled another way (long vowel, small kana, voicing).
    KanaSpelling,
    /// One kanji written as a variant (異体字).
    VariantKanji,
    /// The whole name in one component, with no space or an ideographic one.
    NameSpacing,
    /// Another family name (marriage), the same municipality.
    MarriedName,
    /// Same-sex twins: two people.
    Twins,
    /// A look-alike born on another day.
    DobDiffers,
    /// A look-alike of the other sex.
    SexDiffers,
}

/// What a finder of probable matches should say about a pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Expected {
    /// The same person; the full name agrees once folded.
    Probable,
    /// The same person under a married name: a weaker suggestion.
    Weaker,
    /// Two people, or a date of birth or sex that disagrees: never suggested.
    Never,
}

impl TrapKind {
    pub const ALL: [TrapKind; 7] = [
        TrapKind::KanaSpelling,
        TrapKind::VariantKanji,
        TrapKind::NameSpacing,
        TrapKind::MarriedName,
        TrapKind::Twins,
        TrapKind::DobDiffers,
        TrapKind::SexDiffers,
    ];

    /// The name in [`TRUTH_FILE`] and `region.json`.
    pub fn as_str(self) -> &'static str {
        match self {
            TrapKind::KanaSpelling => "kana-spelling",
            TrapKind::VariantKanji => "variant-kanji",
            TrapKind::NameSpacing => "name-spacing",
            TrapKind::MarriedName => "married-name",
            TrapKind::Twins => "twins",
            TrapKind::DobDiffers => "dob-differs",
            TrapKind::SexDiffers => "sex-differs",
        }
    }

    pub fn parse(text: &str) -> Option<TrapKind> {
        TrapKind::ALL.into_iter().find(|k| k.as_str() == text)
    }

    pub fn expected(self) -> Expected {
        match self {
            TrapKind::KanaSpelling | TrapKind::VariantKanji | TrapKind::NameSpacing => {
                Expected::Probable
            }
            TrapKind::MarriedName => Expected::Weaker,
            TrapKind::Twins | TrapKind::DobDiffers | TrapKind::SexDiffers => Expected::Never,
        }
    }
}

impl fmt::Display for TrapKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Expected {
    pub fn as_str(self) -> &'static str {
        match self {
            Expected::Probable => "probable",
            Expected::Weaker => "weaker",
            Expected::Never => "never",
        }
    }

    pub fn parse(text: &str) -> Option<Expected> {
        [Expected::Probable, Expected::Weaker, Expected::Never]
            .into_iter()
            .find(|e| e.as_str() == text)
    }

    /// Whether the two registrations are one person.
    pub fn same_person(self) -> bool {
        self != Expected::Never
    }
}

impl fmt::Display for Expected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which registration of a case a patient slot holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Side {
    A,
    B,
}

/// One case: its kind and its two registrations as (facility, patient slot).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Case {
    pub(crate) kind: TrapKind,
    pub(crate) a: (u32, u64),
    pub(crate) b: (u32, u64),
}

/// Where every case's registrations are: slot `ordinary + j` of facility `f` is `slots[f][j]`.
#[derive(Default)]
pub(crate) struct Layout {
    pub(crate) cases: Vec<Case>,
    slots: Vec<Vec<(u64, Side)>>,
}

impl Layout {
    /// `cases` cases over facilities holding `ordinary[f]` ordinary patients each (two or more
    /// facilities; with fewer there is nothing to lay out).
    pub(crate) fn new(cases: u64, ordinary: &[u64]) -> Layout {
        let count = ordinary.len() as u64;
        let mut layout = Layout {
            cases: Vec::new(),
            slots: vec![Vec::new(); ordinary.len()],
        };
        if count < 2 {
            return layout;
        }
        let kinds = TrapKind::ALL.len() as u64;
        for k in 0..cases {
            let round = k / kinds;
            let fa = round % count;
            let fb = (fa + 1 + (round / count) % (count - 1)) % count;
            let mut place = |f: u64, side: Side| {
                let list = &mut layout.slots[f as usize];
                list.push((k, side));
                (f as u32, ordinary[f as usize] + list.len() as u64 - 1)
            };
            let a = place(fa, Side::A);
            let b = place(fb, Side::B);
            layout.cases.push(Case {
                kind: TrapKind::ALL[(k % kinds) as usize],
                a,
                b,
            });
        }
        layout
    }

    /// Trap registrations at facility `f`.
    pub(crate) fn at_facility(&self, f: u32) -> u64 {
        self.slots.get(f as usize).map_or(0, |s| s.len() as u64)
    }

    /// The case (its number and itself) and side of the `j`-th trap registration at facility `f`.
    pub(crate) fn slot(&self, f: u32, j: u64) -> Option<(u64, &Case, Side)> {
        let (k, side) = *self.slots.get(f as usize)?.get(j as usize)?;
        Some((k, self.cases.get(k as usize)?, side))
    }
}

/// The two people of case `k`: registration `a` and registration `b`.
pub(crate) fn people(seed: u64, k: u64, kind: TrapKind, as_of: CivilDate) -> (Person, Person) {
    let mut base_draw = Draw::new(seed, Stream::Trap, k, 0);
    let mut draw = Draw::new(seed, Stream::Trap, k, 1);
    loop {
        let base = person::generate(&mut base_draw, as_of);
        if let Some(pair) = make(kind, base, &mut draw, as_of) {
            return pair;
        }
    }
}

/// The pair of `kind` made from `base`, or `None` when the trap does not apply to this person.
fn make(
    kind: TrapKind,
    mut base: Person,
    draw: &mut Draw,
    as_of: CivilDate,
) -> Option<(Person, Person)> {
    let mut b = base.clone();
    match kind {
        TrapKind::KanaSpelling => {
            let (family, given) = (base.family.kana, base.given.kana);
            let choices: Vec<(String, String)> = kana_variants(family)
                .into_iter()
                .map(|f| (f, given.to_owned()))
                .chain(
                    kana_variants(given)
                        .into_iter()
                        .map(|g| (family.to_owned(), g)),
                )
                .collect();
            if choices.is_empty() {
                return None;
            }
            b.written = Some(WrittenName {
                kanji: (base.family.kanji.to_owned(), base.given.kanji.to_owned()),
                kana: draw.pick(&choices).clone(),
                whole: None,
            });
        }
        TrapKind::VariantKanji => {
            let (family, given) = (base.family.kanji, base.given.kanji);
            let choices: Vec<(String, String)> = kanji_variants(family)
                .into_iter()
                .map(|f| (f, given.to_owned()))
                .chain(
                    kanji_variants(given)
                        .into_iter()
                        .map(|g| (family.to_owned(), g)),
                )
                .collect();
            if choices.is_empty() {
                return None;
            }
            b.written = Some(WrittenName {
                kanji: draw.pick(&choices).clone(),
                kana: (base.family.kana.to_owned(), base.given.kana.to_owned()),
                whole: None,
            });
        }
        TrapKind::NameSpacing => {
            b.written = Some(WrittenName {
                kanji: (base.family.kanji.to_owned(), base.given.kanji.to_owned()),
                kana: (base.family.kana.to_owned(), base.given.kana.to_owned()),
                whole: Some(draw.one_of(&["", "\u{3000}"])),
            });
        }
        TrapKind::MarriedName => {
            if base.sex != Sex::Female || base.age_on(as_of) < 20 {
                return None;
            }
            b.family = names::other_family_name(draw, base.family);
            b.address = address::address_in(draw, base.municipality);
            b.phone = address::phone(draw, base.municipality);
        }
        TrapKind::Twins => {
            let confusable = base.sex == Sex::Male
                && base.birth >= CivilDate::known(1956, 1, 1)
                && draw.chance(0.5);
            b = person::twin(draw, &base, as_of);
            if confusable {
                let (one, other) = names::confusable_twin_names(draw);
                base.given = one;
                b.given = other;
            }
        }
        TrapKind::DobDiffers => {
            let birth = base.birth;
            b.birth = match draw.below(4) {
                0 => birth.add_days(-1),
                1 => CivilDate::new(
                    birth.year() - i32::from(birth.month() == 1),
                    if birth.month() == 1 {
                        12
                    } else {
                        birth.month() - 1
                    },
                    birth.day(),
                )
                .unwrap_or_else(|_| birth.add_days(-31)),
                2 => birth.years_before(1),
                _ => birth.years_before(10),
            };
        }
        TrapKind::SexDiffers => {
            b.sex = match base.sex {
                Sex::Male => Sex::Female,
                Sex::Female => Sex::Male,
            };
        }
    }
    Some((base, b))
}

/// Variant kanji (異体字) of JIS X 0208 that name search folds to one form
/// (`fieldchart_jtext::fold`; a test of this crate checks it): each group is one character.
pub(crate) const KANJI_VARIANTS: &[&[char]] = &[
    &['野', '埜'],
    &['辺', '邊', '邉'],
    &['斎', '斉', '齋', '齊'],
    &['沢', '澤'],
    &['島', '嶋', '嶌'],
    &['崎', '嵜', '碕'],
    &['恵', '惠'],
    &['実', '實'],
    &['真', '眞'],
    &['凛', '凜'],
    &['広', '廣'],
    &['浜', '濱'],
    &['栄', '榮'],
    &['国', '國'],
    &['桜', '櫻'],
    &['竜', '龍'],
    &['滝', '瀧'],
    &['豊', '豐'],
    &['蔵', '藏'],
    &['寿', '壽'],
    &['富', '冨'],
    &['峰', '峯'],
    &['曽', '曾'],
    &['条', '條'],
    &['穂', '穗'],
    &['弥', '彌'],
    &['聡', '聰'],
    &['館', '舘'],
    &['園', '薗'],
];

/// Every spelling of `name` with one kanji replaced by a variant of it.
pub(crate) fn kanji_variants(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut out = Vec::new();
    for (i, c) in chars.iter().enumerate() {
        for group in KANJI_VARIANTS.iter().filter(|g| g.contains(c)) {
            for other in group.iter().filter(|o| *o != c) {
                let mut v = chars.clone();
                v[i] = *other;
                out.push(v.into_iter().collect());
            }
        }
    }
    out
}

/// Voiced katakana and the kana without the mark, in the same order.
const VOICED: &str = "ガギグゲゴザジズゼゾダヂヅデドバビブベボパピプペポ";
const UNVOICED: &str = "カキクケコサシスセソタチツテトハヒフヘホハヒフヘホ";

/// Every spelling of the reading `kana` a registration clerk might type instead, one change each:
/// a long vowel as ー, a small kana large, a voicing mark dropped after the first kana, ズ/ジ as
/// ヅ/ヂ. Readings name search takes as one (`fieldchart_jtext::kana_key`; a test checks it).
pub(crate) fn kana_variants(kana: &str) -> Vec<String> {
    let chars: Vec<char> = kana.chars().collect();
    let voiced: Vec<char> = VOICED.chars().collect();
    let unvoiced: Vec<char> = UNVOICED.chars().collect();
    let mut out = Vec::new();
    let mut with = |i: usize, c: char| {
        let mut v = chars.clone();
        v[i] = c;
        out.push(v.into_iter().collect::<String>());
    };
    for (i, &c) in chars.iter().enumerate() {
        let before = i.checked_sub(1).and_then(|p| vowel(chars[p]));
        let long = matches!(
            (c, before),
            ('ウ', Some('o' | 'u')) | ('オ', Some('o')) | ('イ', Some('e'))
        );
        if long {
            with(i, 'ー');
        }
        let large = match c {
            'ャ' => Some('ヤ'),
            'ュ' => Some('ユ'),
            'ョ' => Some('ヨ'),
            'ッ' => Some('ツ'),
            'ァ' => Some('ア'),
            'ィ' => Some('イ'),
            'ゥ' => Some('ウ'),
            'ェ' => Some('エ'),
            'ォ' => Some('オ'),
            _ => None,
        };
        if let Some(large) = large {
            with(i, large);
        }
        if i > 0 {
            if let Some(at) = voiced.iter().position(|v| *v == c) {
                with(i, unvoiced[at]);
            }
            match c {
                'ズ' => with(i, 'ヅ'),
                'ジ' => with(i, 'ヂ'),
                _ => {}
            }
        }
    }
    out
}

/// The vowel a katakana ends in (`a i u e o`), small ャュョ included; `None` for ン, ッ, ー.
fn vowel(c: char) -> Option<char> {
    const ROWS: [(&str, char); 5] = [
        ("アカガサザタダナハバパマヤャラワァ", 'a'),
        ("イキギシジチヂニヒビピミリィ", 'i'),
        ("ウクグスズツヅヌフブプムユュルゥ", 'u'),
        ("エケゲセゼテデネヘベペメレェ", 'e'),
        ("オコゴソゾトドノホボポモヨョロヲォ", 'o'),
    ];
    ROWS.iter()
        .find(|(row, _)| row.contains(c))
        .map(|(_, v)| *v)
}

/// The lines of [`TRUTH_FILE`]: one per case, `a` then `b` as facility and patient ID.
pub(crate) fn truth_lines<'a>(
    layout: &'a Layout,
    id: impl Fn((u32, u64)) -> (String, String) + 'a,
) -> impl Iterator<Item = String> + 'a {
    layout.cases.iter().map(move |case| {
        let (fa, ia) = id(case.a);
        let (fb, ib) = id(case.b);
        format!(
            "{fa}\t{ia}\t{fb}\t{ib}\t{}\t{}\n",
            case.kind,
            case.kind.expected()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const AS_OF: CivilDate = CivilDate::known(2026, 11, 1);

    #[test]
    fn kana_variants_are_the_spellings_clerks_type() {
        assert_eq!(kana_variants("ユウコ"), ["ユーコ"]);
        assert_eq!(kana_variants("サトウ"), ["サトー"]);
        assert_eq!(kana_variants("オオトモ"), ["オートモ"]);
        assert_eq!(kana_variants("ケイコ"), ["ケーコ"]);
        assert_eq!(kana_variants("キョウコ"), ["キヨウコ", "キョーコ"]);
        assert_eq!(kana_variants("ヤマザキ"), ["ヤマサキ"]);
        assert_eq!(kana_variants("スズキ"), ["ススキ", "スヅキ"]);
        assert!(kana_variants("ホシ").is_empty());
        // The first kana keeps its voicing: ゴトウ is not written コトウ.
        assert_eq!(kana_variants("ゴトウ"), ["ゴトー"]);
    }

    #[test]
    fn kanji_variants_replace_one_character_of_a_group() {
        assert_eq!(kanji_variants("渡辺"), ["渡邊", "渡邉"]);
        assert_eq!(kanji_variants("今野"), ["今埜"]);
        assert!(kanji_variants("佐藤").is_empty());
    }

    #[test]
    fn every_variant_kanji_is_jis_x_0208() {
        for group in KANJI_VARIANTS {
            let text: String = group.iter().collect();
            crate::hl7_writer::check_jis_x_0208(&text, "variant kanji table").unwrap();
        }
    }

    #[test]
    fn cases_take_turns_over_kinds_and_facility_pairs() {
        let layout = Layout::new(70, &[100, 50, 80]);
        assert_eq!(layout.cases.len(), 70);
        for (k, case) in layout.cases.iter().enumerate() {
            assert_eq!(case.kind, TrapKind::ALL[k % 7]);
            assert_ne!(case.a.0, case.b.0, "case {k} is at one facility");
        }
        let total: u64 = (0..3).map(|f| layout.at_facility(f)).sum();
        assert_eq!(total, 140);
        // Slots follow the ordinary patients, each once.
        for f in 0..3u32 {
            let first = [100, 50, 80][f as usize];
            for j in 0..layout.at_facility(f) {
                let (_, case, side) = layout.slot(f, j).unwrap();
                let at = if side == Side::A { case.a } else { case.b };
                assert_eq!(at, (f, first + j));
            }
        }
        assert!(Layout::new(10, &[100]).cases.is_empty());
    }

    #[test]
    fn each_trap_is_made_as_its_kind_says() {
        for k in 0..700u64 {
            let kind = TrapKind::ALL[(k % 7) as usize];
            let (a, b) = people(9, k, kind, AS_OF);
            let [a_kanji, a_kana] = a.written_name();
            let [b_kanji, b_kana] = b.written_name();
            let same_home = a.address == b.address;
            match kind {
                TrapKind::KanaSpelling => {
                    assert_eq!(a_kanji, b_kanji);
                    assert_ne!(a_kana, b_kana);
                    assert_eq!((a.birth, a.sex, same_home), (b.birth, b.sex, true));
                }
                TrapKind::VariantKanji => {
                    assert_ne!(a_kanji, b_kanji);
                    assert_eq!(a_kana, b_kana);
                    assert_eq!((a.birth, a.sex, same_home), (b.birth, b.sex, true));
                }
                TrapKind::NameSpacing => {
                    assert!(b_kanji.1.is_empty() && b_kana.1.is_empty());
                    assert_eq!(
                        b_kanji.0.replace('\u{3000}', ""),
                        format!("{}{}", a_kanji.0, a_kanji.1)
                    );
                    assert_eq!(
                        b_kana.0.replace('\u{3000}', ""),
                        format!("{}{}", a_kana.0, a_kana.1)
                    );
                    assert_eq!((a.birth, a.sex, same_home), (b.birth, b.sex, true));
                }
                TrapKind::MarriedName => {
                    assert_eq!(a.sex, Sex::Female);
                    assert!(a.age_on(AS_OF) >= 20);
                    assert_eq!(a.given, b.given);
                    assert_ne!(a.family.kanji, b.family.kanji);
                    assert_ne!(a.family.kana, b.family.kana);
                    assert_eq!(a.municipality.name, b.municipality.name);
                    assert_eq!(a.address.municipality, b.address.municipality);
                    assert_eq!((a.birth, a.sex), (b.birth, b.sex));
                }
                TrapKind::Twins => {
                    assert_eq!(a.family, b.family);
                    assert_ne!(a.given.kanji, b.given.kanji);
                    assert_ne!(a.given.kana, b.given.kana);
                    assert_eq!((a.birth, a.sex, same_home), (b.birth, b.sex, true));
                    assert_eq!(a.phone, b.phone);
                }
                TrapKind::DobDiffers => {
                    assert_eq!((a_kanji, a_kana), (b_kanji, b_kana));
                    assert!(b.birth < a.birth);
                    assert_eq!((a.sex, same_home), (b.sex, true));
                }
                TrapKind::SexDiffers => {
                    assert_eq!((a_kanji, a_kana), (b_kanji, b_kana));
                    assert_ne!(a.sex, b.sex);
                    assert_eq!((a.birth, same_home), (b.birth, true));
                }
            }
        }
    }

    #[test]
    fn some_twins_are_told_apart_only_by_their_kanji() {
        let confusable = (0..700u64)
            .filter(|k| k % 7 == 4)
            .map(|k| people(9, k, TrapKind::Twins, AS_OF))
            .filter(|(a, _)| {
                a.given.kanji == "康太" || a.given.kanji == "大輔" || a.given.kanji == "浩二"
            })
            .count();
        assert!(confusable >= 5, "{confusable} confusable twin pairs");
    }

    #[test]
    fn name_search_folds_every_variant_kanji_to_one_form() {
        for group in KANJI_VARIANTS {
            let forms: Vec<String> = group
                .iter()
                .map(|c| fieldchart_jtext::fold(&c.to_string()))
                .collect();
            assert!(
                forms.windows(2).all(|w| w[0] == w[1]),
                "{group:?} folds to {forms:?}"
            );
        }
    }

    #[test]
    fn every_kana_variant_of_the_name_tables_has_the_kana_key_of_the_reading() {
        let mut checked = 0;
        for reading in crate::names::all_strings()
            .into_iter()
            .filter(|s| s.chars().all(|c| ('ァ'..='ヶ').contains(&c) || c == 'ー'))
        {
            for variant in kana_variants(reading) {
                assert_eq!(
                    fieldchart_jtext::kana_key(&variant),
                    fieldchart_jtext::kana_key(reading),
                    "{reading} / {variant}"
                );
                checked += 1;
            }
        }
        assert!(checked > 80, "{checked} variants");
    }

    #[test]
    fn kinds_and_outcomes_read_back_from_their_names() {
        for kind in TrapKind::ALL {
            assert_eq!(TrapKind::parse(kind.as_str()), Some(kind));
            assert_eq!(
                Expected::parse(kind.expected().as_str()),
                Some(kind.expected())
            );
        }
    }
}
