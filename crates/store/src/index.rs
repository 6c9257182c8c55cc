//! The patient search index (tantivy): one document per patient, its fields, and how text becomes
//! index terms.
//!
//! Japanese has no spaces between words and lindera's dictionary cannot be built offline, so text is
//! indexed as character n-grams of normalised text (`fieldchart_jtext`): kanji folded to one variant,
//! kana to hiragana. Names and addresses get unigrams and bigrams (so a one-character query such as
//! `林` still finds 林 一郎); names also get a tolerant kana key (voicing, small kana and long vowels
//! folded) so `やまた`, `ヤマダ`, `ﾔﾏﾀﾞ` and `yamada` meet. Clinical text (drug names, diagnoses, lab
//! items, document narrative) gets bigrams. Grams are joined by spaces and indexed with tantivy's
//! `whitespace` tokenizer, so the query side builds terms with the same functions and needs no custom
//! tokenizer.

use fieldchart_jtext as jtext;
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};

/// The fields of a patient document.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    /// `patient.pk` in the clinical store.
    pub pk: Field,
    pub facility: Field,
    /// The facility's patient ID, as written and without leading zeros.
    pub patient_id: Field,
    /// Kanji (and other) names: unigrams + bigrams of the folded text.
    pub name: Field,
    /// Kana names: unigrams + bigrams of the tolerant kana key.
    pub kana: Field,
    /// Whole name parts (family, given, full without space), folded: an exact name ranks first.
    pub name_exact: Field,
    /// Whole name parts as tolerant kana keys.
    pub kana_exact: Field,
    pub address: Field,
    /// Clinical text: bigrams of folded drug, diagnosis, lab and document text.
    pub clinical: Field,
    /// Date of birth as `YYYYMMDD`, `YYYYMM` and `YYYY`.
    pub dob: Field,
    pub dob_month: Field,
    pub dob_year: Field,
    /// `M`, `F`, `O`, `U`.
    pub sex: Field,
    /// Phone numbers, digits only.
    pub phone: Field,
}

/// The tokenizer every text field uses; it is one of tantivy's built-ins.
pub const TOKENIZER: &str = "whitespace";

impl Fields {
    /// The schema and its fields. The builder and the reader both call this, so they agree.
    pub fn schema() -> (Schema, Fields) {
        let mut b = Schema::builder();
        let grams = |record| {
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(TOKENIZER)
                    .set_index_option(record),
            )
        };
        let fields = Fields {
            pk: b.add_u64_field("pk", INDEXED | STORED | FAST),
            facility: b.add_text_field("facility", STRING),
            patient_id: b.add_text_field("patient_id", STRING),
            name: b.add_text_field("name", grams(IndexRecordOption::WithFreqs)),
            kana: b.add_text_field("kana", grams(IndexRecordOption::WithFreqs)),
            name_exact: b.add_text_field("name_exact", STRING),
            kana_exact: b.add_text_field("kana_exact", STRING),
            address: b.add_text_field("address", grams(IndexRecordOption::WithFreqs)),
            // Clinical text only needs to say whether a patient has the term at all.
            clinical: b.add_text_field("clinical", grams(IndexRecordOption::Basic)),
            dob: b.add_text_field("dob", STRING),
            dob_month: b.add_text_field("dob_month", STRING),
            dob_year: b.add_text_field("dob_year", STRING),
            sex: b.add_text_field("sex", STRING),
            phone: b.add_text_field("phone", STRING),
        };
        (b.build(), fields)
    }
}

/// Index terms of a name or address: every unigram and bigram of each word of the folded text.
pub fn name_grams(text: &str) -> Vec<String> {
    let folded = jtext::fold(text);
    let mut out = unigrams(&folded);
    out.extend(jtext::bigrams(&folded));
    out
}

/// Index terms of a kana name: unigrams and bigrams of the tolerant kana key of each word, and of the
/// whole name run together (so `やまだはなこ` typed without a space still meets `ヤマダ ハナコ`).
pub fn kana_grams(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut words: Vec<String> = jtext::fold(text)
        .split(' ')
        .map(jtext::kana_key)
        .filter(|k| !k.is_empty())
        .collect();
    if words.len() > 1 {
        words.push(words.concat());
    }
    for w in &words {
        out.extend(unigrams(w));
        out.extend(jtext::bigrams(w));
    }
    out
}

/// Whole name parts through `key` (`fieldchart_jtext::fold` or `kana_key`): family, given, and the
/// full name run together. The index holds them as exact terms; the query looks a word up as is.
pub fn name_parts(name: &str, key: fn(&str) -> String) -> Vec<String> {
    let folded = jtext::fold(name);
    let mut parts: Vec<String> = folded.split(' ').map(key).collect();
    parts.push(key(&folded.replace(' ', "")));
    parts.retain(|p| !p.is_empty());
    parts.sort_unstable();
    parts.dedup();
    parts
}

/// Index terms of clinical text: bigrams of the folded text.
pub fn clinical_grams(text: &str) -> Vec<String> {
    jtext::bigrams(&jtext::fold(text))
}

/// A patient ID as the index holds it: as written, and without leading zeros when that differs.
pub fn patient_id_terms(id: &str) -> Vec<String> {
    let mut out = vec![id.to_string()];
    let trimmed = id.trim_start_matches('0');
    if !trimmed.is_empty() && trimmed != id {
        out.push(trimmed.to_string());
    }
    out
}

fn unigrams(folded: &str) -> Vec<String> {
    folded
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(String::from)
        .collect()
}

/// Grams joined for the `whitespace` tokenizer, duplicates removed (they only inflate term frequency).
pub fn join(mut grams: Vec<String>) -> String {
    grams.sort_unstable();
    grams.dedup();
    grams.join(" ")
}
