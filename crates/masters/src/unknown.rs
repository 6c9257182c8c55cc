//! The codes no master knew, collected while the hub builds and reported per facility, most frequent
//! first, so a facility can see which of its codes still need a mapping.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

/// One code no master or mapping knew, with how often it was seen and the first text shown with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnknownCode {
    pub system: String,
    pub code: String,
    pub text: String,
    pub count: u64,
}

/// A facility's unknown codes, most frequent first (then by system and code).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FacilityUnknowns {
    pub facility: String,
    pub codes: Vec<UnknownCode>,
}

/// (system, code) → (first text, count), per facility.
type Seen = HashMap<(String, String), (String, u64)>;

/// Collects unknown codes as the build meets them.
#[derive(Debug, Clone, Default)]
pub struct UnknownCodes {
    seen: BTreeMap<String, Seen>,
}

impl UnknownCodes {
    pub fn new() -> Self {
        Self::default()
    }

    /// Notes one occurrence. The text kept is the first non-empty one seen for the code.
    pub fn note_unknown(&mut self, facility: &str, system: &str, code: &str, text: &str) {
        let entry = self
            .seen
            .entry(facility.to_string())
            .or_default()
            .entry((system.trim().to_string(), code.trim().to_string()))
            .or_insert_with(|| (String::new(), 0));
        if entry.0.is_empty() {
            entry.0 = text.trim().to_string();
        }
        entry.1 += 1;
    }

    /// Merges another collector (one per worker thread, say).
    pub fn merge(&mut self, other: UnknownCodes) {
        for (facility, codes) in other.seen {
            let mine = self.seen.entry(facility).or_default();
            for (key, (text, count)) in codes {
                let e = mine.entry(key).or_insert_with(|| (String::new(), 0));
                if e.0.is_empty() {
                    e.0 = text;
                }
                e.1 += count;
            }
        }
    }

    /// The report: facilities in name order, each facility's codes most frequent first.
    pub fn report(&self) -> Vec<FacilityUnknowns> {
        self.seen
            .iter()
            .map(|(facility, codes)| {
                let mut codes: Vec<UnknownCode> = codes
                    .iter()
                    .map(|((system, code), (text, count))| UnknownCode {
                        system: system.clone(),
                        code: code.clone(),
                        text: text.clone(),
                        count: *count,
                    })
                    .collect();
                codes.sort_by(|a, b| {
                    b.count
                        .cmp(&a.count)
                        .then_with(|| a.system.cmp(&b.system))
                        .then_with(|| a.code.cmp(&b.code))
                });
                FacilityUnknowns {
                    facility: facility.clone(),
                    codes,
                }
            })
            .collect()
    }

    pub fn is_empty(&self) -> bool {
        self.seen.is_empty()
    }
}
