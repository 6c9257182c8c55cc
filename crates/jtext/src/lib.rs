//! Japanese text normalisation for patient search: one folding shared by the snapshot builder (which
//! indexes) and the query side (which searches), so that both turn 髙橋, 高橋, ﾀｶﾊｼ, タカハシ and
//! "takahashi" into keys that meet (requirements SRCH-1, SRCH-5).
//!
//! What goes in: strings — names, addresses, clinical words, and query words. What comes out: folded
//! strings ([`fold`]), tolerant name keys ([`kana_key`]), kana from romaji ([`romaji_to_kana`]),
//! index tokens ([`bigrams`]), and typed query terms ([`parse_query`]: dates of birth in Gregorian or
//! era form, sex, phone, patient ID, text). For display it also writes era dates ([`wareki_short`],
//! [`wareki_long`]) and ages ([`age_on`]).
//!
//! What it is not: no I/O, no index, no tantivy or SQLite, no knowledge of HL7 or SS-MIX2 files. It
//! never logs. Every function is total: any string gives a value (possibly empty or `None`), never a
//! panic.
//!
//! **Invariant:** the index side and the query side must call the same functions of the same
//! version. A change to any folding rule or table changes the keys, so it bumps [`FOLD_VERSION`],
//! which a snapshot records and a viewer compares before searching.
//!
//! ```
//! use fieldchart_jtext::{DobQuery, Sex, Term, fold, kana_key, parse_query, romaji_to_kana};
//!
//! assert_eq!(fold("髙橋　ﾊﾅｺ"), fold("高橋 はなこ"));
//! assert_eq!(kana_key("ユーコ"), kana_key("ゆうこ"));
//! let kana = romaji_to_kana("tyuuou").unwrap_or_default();
//! assert_eq!(kana_key(&kana), kana_key("チュウオウ"));
//!
//! let terms = parse_query("やまだ S45 女");
//! assert!(matches!(terms.as_slice(), [
//!     Term::Text { .. },
//!     Term::Dob(DobQuery::Year(1970)),
//!     Term::Sex(Sex::Female),
//! ]));
//! ```

mod dob;
mod fold;
mod kana;
mod ngram;
mod query;
mod romaji;
mod variants;

pub use dob::{DOB_YEARS, DobQuery, age_on, parse_dob, wareki_long, wareki_short};
pub use fold::fold;
pub use kana::kana_key;
pub use ngram::bigrams;
pub use query::{
    MAX_QUERY_CHARS, MAX_QUERY_WORDS, QueryTooLong, Sex, Term, check_query_size, parse_query,
    parse_sex, phone_digits,
};
pub use romaji::romaji_to_kana;
pub use variants::{canonical_kanji, variant_pairs};

/// The version of every folding rule and table in this crate. Keys made by one version only meet
/// keys made by the same version: store it with an index and refuse (or rebuild) on a mismatch.
pub const FOLD_VERSION: u32 = 1;
