//! The standard code systems the masters know, by the IDs SS-MIX2 messages carry (guide §5).

use serde::{Deserialize, Serialize};

/// A standard code system a master can name codes of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum StandardSystem {
    /// MEDIS 標準病名マスター (`MDCDX2`): 8-digit 病名管理番号 or 4-character 病名交換用コード.
    Mdcdx2,
    /// ICD-10 (`I10`).
    Icd10,
    Hot13,
    Hot9,
    Hot7,
    /// 個別医薬品コード (`YJ`, also `MYAK`).
    Yj,
    /// 薬価基準収載医薬品コード. No SS-MIX2 ID exists; FieldChart's own `YAKKA`.
    Yakka,
    /// レセプト電算処理システム 医薬品コード. No SS-MIX2 ID exists; FieldChart's own `RECEIPT`.
    Receipt,
    /// JLAC10 (`JC10`).
    Jlac10,
}

impl StandardSystem {
    /// The ID FieldChart writes (the SS-MIX2 one where there is one).
    pub fn id(self) -> &'static str {
        match self {
            StandardSystem::Mdcdx2 => "MDCDX2",
            StandardSystem::Icd10 => "I10",
            StandardSystem::Hot13 => "HOT13",
            StandardSystem::Hot9 => "HOT9",
            StandardSystem::Hot7 => "HOT7",
            StandardSystem::Yj => "YJ",
            StandardSystem::Yakka => "YAKKA",
            StandardSystem::Receipt => "RECEIPT",
            StandardSystem::Jlac10 => "JC10",
        }
    }

    /// The system an ID names, for a given code. `HOT` and `HOT11` say only "a HOT code", so the
    /// code's length decides (13 → HOT13, 9 → HOT9, 7 → HOT7); HOT11 has no master column and is
    /// not resolved. Local systems (`99…`) are never standard.
    pub fn parse(id: &str, code: &str) -> Option<StandardSystem> {
        let id = id.trim().to_ascii_uppercase();
        Some(match id.as_str() {
            "MDCDX2" => StandardSystem::Mdcdx2,
            "I10" => StandardSystem::Icd10,
            "HOT13" => StandardSystem::Hot13,
            "HOT9" | "HOT09" => StandardSystem::Hot9,
            "HOT7" | "HOT07" => StandardSystem::Hot7,
            "HOT" => match code.trim().len() {
                13 => StandardSystem::Hot13,
                9 => StandardSystem::Hot9,
                7 => StandardSystem::Hot7,
                _ => return None,
            },
            "YJ" | "MYAK" => StandardSystem::Yj,
            "YAKKA" => StandardSystem::Yakka,
            "RECEIPT" => StandardSystem::Receipt,
            "JC10" => StandardSystem::Jlac10,
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_hot_is_decided_by_the_code_length() {
        assert_eq!(
            StandardSystem::parse("HOT", "1003031010101"),
            Some(StandardSystem::Hot13)
        );
        assert_eq!(
            StandardSystem::parse("hot", "100303101"),
            Some(StandardSystem::Hot9)
        );
        assert_eq!(StandardSystem::parse("HOT", "10030310101"), None);
    }

    #[test]
    fn local_systems_are_not_standard() {
        assert_eq!(StandardSystem::parse("99XYZ", "123"), None);
        assert_eq!(StandardSystem::parse("MYAK", "x"), Some(StandardSystem::Yj));
    }
}
