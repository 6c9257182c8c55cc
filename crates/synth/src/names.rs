//! Japanese personal names: family names weighted by how common they are in Miyagi, given names
//! by sex and birth era, each with its katakana reading (PID-5 has a kanji and a kana repetition,
//! guide §3.2). Every character is in JIS X 0208 (tested below).
//!
//! Some family names carry several readings (菅野 カンノ/スガノ, 角田 カクタ/ツノダ …): the same kanji
//! with different kana is what makes name search and patient matching hard in real data.

use crate::calendar::{CivilDate, HEISEI_START, REIWA_START};
use crate::person::Sex;
use crate::rng::Draw;

/// A family or given name with its reading.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Name {
    pub(crate) kanji: &'static str,
    pub(crate) kana: &'static str,
}

/// A family name: kanji, readings (first = most common) and a relative frequency.
struct Family {
    kanji: &'static str,
    readings: &'static [&'static str],
    weight: u32,
}

/// Relative frequencies roughly follow Miyagi's rank order (佐藤 far ahead, then 高橋, 鈴木, 阿部,
/// 千葉 …); national top-20 names appear with their usual weight.
const FAMILIES: &[Family] = &[
    Family {
        kanji: "佐藤",
        readings: &["サトウ"],
        weight: 520,
    },
    Family {
        kanji: "高橋",
        readings: &["タカハシ"],
        weight: 250,
    },
    Family {
        kanji: "鈴木",
        readings: &["スズキ"],
        weight: 200,
    },
    Family {
        kanji: "阿部",
        readings: &["アベ"],
        weight: 190,
    },
    Family {
        kanji: "千葉",
        readings: &["チバ"],
        weight: 180,
    },
    Family {
        kanji: "佐々木",
        readings: &["ササキ"],
        weight: 170,
    },
    Family {
        kanji: "伊藤",
        readings: &["イトウ"],
        weight: 160,
    },
    Family {
        kanji: "菅原",
        readings: &["スガワラ"],
        weight: 140,
    },
    Family {
        kanji: "渡辺",
        readings: &["ワタナベ"],
        weight: 120,
    },
    Family {
        kanji: "渡邊",
        readings: &["ワタナベ"],
        weight: 15,
    },
    Family {
        kanji: "斎藤",
        readings: &["サイトウ"],
        weight: 90,
    },
    Family {
        kanji: "斉藤",
        readings: &["サイトウ"],
        weight: 40,
    },
    Family {
        kanji: "齋藤",
        readings: &["サイトウ"],
        weight: 20,
    },
    Family {
        kanji: "及川",
        readings: &["オイカワ"],
        weight: 80,
    },
    Family {
        kanji: "小野寺",
        readings: &["オノデラ"],
        weight: 80,
    },
    Family {
        kanji: "遠藤",
        readings: &["エンドウ"],
        weight: 75,
    },
    Family {
        kanji: "熊谷",
        readings: &["クマガイ", "クマガヤ"],
        weight: 70,
    },
    Family {
        kanji: "今野",
        readings: &["コンノ", "イマノ"],
        weight: 65,
    },
    Family {
        kanji: "菅野",
        readings: &["カンノ", "スガノ"],
        weight: 60,
    },
    Family {
        kanji: "三浦",
        readings: &["ミウラ"],
        weight: 55,
    },
    Family {
        kanji: "後藤",
        readings: &["ゴトウ"],
        weight: 50,
    },
    Family {
        kanji: "菊地",
        readings: &["キクチ"],
        weight: 45,
    },
    Family {
        kanji: "菊池",
        readings: &["キクチ"],
        weight: 25,
    },
    Family {
        kanji: "武田",
        readings: &["タケダ"],
        weight: 45,
    },
    Family {
        kanji: "畠山",
        readings: &["ハタケヤマ"],
        weight: 40,
    },
    Family {
        kanji: "庄司",
        readings: &["ショウジ"],
        weight: 35,
    },
    Family {
        kanji: "東海林",
        readings: &["ショウジ", "トウカイリン"],
        weight: 8,
    },
    Family {
        kanji: "星",
        readings: &["ホシ"],
        weight: 30,
    },
    Family {
        kanji: "紺野",
        readings: &["コンノ"],
        weight: 30,
    },
    Family {
        kanji: "田中",
        readings: &["タナカ"],
        weight: 40,
    },
    Family {
        kanji: "山本",
        readings: &["ヤマモト"],
        weight: 30,
    },
    Family {
        kanji: "中村",
        readings: &["ナカムラ"],
        weight: 30,
    },
    Family {
        kanji: "小林",
        readings: &["コバヤシ"],
        weight: 30,
    },
    Family {
        kanji: "加藤",
        readings: &["カトウ"],
        weight: 40,
    },
    Family {
        kanji: "吉田",
        readings: &["ヨシダ"],
        weight: 30,
    },
    Family {
        kanji: "山田",
        readings: &["ヤマダ"],
        weight: 25,
    },
    Family {
        kanji: "山口",
        readings: &["ヤマグチ"],
        weight: 20,
    },
    Family {
        kanji: "松本",
        readings: &["マツモト"],
        weight: 20,
    },
    Family {
        kanji: "井上",
        readings: &["イノウエ"],
        weight: 20,
    },
    Family {
        kanji: "木村",
        readings: &["キムラ"],
        weight: 30,
    },
    Family {
        kanji: "林",
        readings: &["ハヤシ"],
        weight: 15,
    },
    Family {
        kanji: "清水",
        readings: &["シミズ"],
        weight: 15,
    },
    Family {
        kanji: "中島",
        readings: &["ナカジマ", "ナカシマ"],
        weight: 15,
    },
    Family {
        kanji: "山崎",
        readings: &["ヤマザキ", "ヤマサキ"],
        weight: 20,
    },
    Family {
        kanji: "河野",
        readings: &["コウノ", "カワノ"],
        weight: 10,
    },
    Family {
        kanji: "角田",
        readings: &["カクタ", "ツノダ", "スミダ"],
        weight: 12,
    },
    Family {
        kanji: "高田",
        readings: &["タカダ", "タカタ"],
        weight: 15,
    },
    Family {
        kanji: "八木",
        readings: &["ヤギ"],
        weight: 10,
    },
    Family {
        kanji: "大友",
        readings: &["オオトモ"],
        weight: 25,
    },
    Family {
        kanji: "相沢",
        readings: &["アイザワ"],
        weight: 20,
    },
    Family {
        kanji: "相澤",
        readings: &["アイザワ"],
        weight: 6,
    },
    Family {
        kanji: "小松",
        readings: &["コマツ"],
        weight: 20,
    },
    Family {
        kanji: "尾形",
        readings: &["オガタ"],
        weight: 20,
    },
    Family {
        kanji: "狩野",
        readings: &["カノウ", "カリノ"],
        weight: 10,
    },
    Family {
        kanji: "芳賀",
        readings: &["ハガ"],
        weight: 15,
    },
];

/// Given names of one sex and era. Readings: first is the usual one, others are variants.
struct Given {
    kanji: &'static str,
    readings: &'static [&'static str],
}

macro_rules! given {
    ($($kanji:literal => [$($kana:literal),+]),+ $(,)?) => {
        &[$(Given { kanji: $kanji, readings: &[$($kana),+] }),+]
    };
}

const MALE_EARLY_SHOWA: &[Given] = given![
    "茂" => ["シゲル"], "清" => ["キヨシ"], "勇" => ["イサム"], "博" => ["ヒロシ"],
    "実" => ["ミノル"], "進" => ["ススム"], "弘" => ["ヒロシ"], "正" => ["タダシ"],
    "稔" => ["ミノル"], "勝" => ["マサル"], "昭二" => ["ショウジ"], "武" => ["タケシ"],
    "正男" => ["マサオ"], "義雄" => ["ヨシオ"], "和夫" => ["カズオ"], "三郎" => ["サブロウ"],
];
const FEMALE_EARLY_SHOWA: &[Given] = given![
    "和子" => ["カズコ"], "幸子" => ["サチコ", "ユキコ"], "節子" => ["セツコ"], "洋子" => ["ヨウコ"],
    "恵子" => ["ケイコ"], "京子" => ["キョウコ"], "美代子" => ["ミヨコ"], "久子" => ["ヒサコ"],
    "昭子" => ["アキコ"], "悦子" => ["エツコ"], "トシ子" => ["トシコ"], "キヨ" => ["キヨ"],
    "ハル" => ["ハル"], "信子" => ["ノブコ"], "文子" => ["フミコ"], "良子" => ["ヨシコ", "リョウコ"],
];
const MALE_LATE_SHOWA: &[Given] = given![
    "誠" => ["マコト"], "浩" => ["ヒロシ"], "隆" => ["タカシ"], "健一" => ["ケンイチ"],
    "大輔" => ["ダイスケ"], "哲也" => ["テツヤ"], "剛" => ["ツヨシ", "タケシ"], "直樹" => ["ナオキ"],
    "達也" => ["タツヤ"], "和也" => ["カズヤ"], "秀樹" => ["ヒデキ"], "修" => ["オサム"],
];
const FEMALE_LATE_SHOWA: &[Given] = given![
    "裕子" => ["ユウコ", "ヒロコ"], "真由美" => ["マユミ"], "明美" => ["アケミ"], "智子" => ["トモコ"],
    "久美子" => ["クミコ"], "陽子" => ["ヨウコ"], "直美" => ["ナオミ"], "由美子" => ["ユミコ"],
    "恵美" => ["エミ", "メグミ"], "美穂" => ["ミホ"], "純子" => ["ジュンコ"], "花子" => ["ハナコ"],
];
const MALE_HEISEI: &[Given] = given![
    "翔太" => ["ショウタ"], "拓也" => ["タクヤ"], "健太" => ["ケンタ"], "大輝" => ["ダイキ", "ヒロキ"],
    "翔" => ["ショウ", "カケル"], "蓮" => ["レン"], "颯太" => ["ソウタ"], "大翔" => ["ヒロト", "ハルト", "ヤマト"],
    "悠人" => ["ユウト", "ハルト"], "陸" => ["リク"], "優斗" => ["ユウト"], "拓海" => ["タクミ"],
];
const FEMALE_HEISEI: &[Given] = given![
    "美咲" => ["ミサキ"], "愛" => ["アイ", "メグミ"], "彩" => ["アヤ"], "陽菜" => ["ヒナ", "ハルナ"],
    "結衣" => ["ユイ"], "さくら" => ["サクラ"], "美羽" => ["ミウ"], "葵" => ["アオイ"],
    "七海" => ["ナナミ"], "優花" => ["ユウカ"], "萌" => ["モエ"], "千尋" => ["チヒロ"],
];
const MALE_REIWA: &[Given] = given![
    "蒼" => ["アオイ", "ソウ"], "陽翔" => ["ハルト", "ヒナト"], "湊" => ["ミナト"], "蓮" => ["レン"],
    "樹" => ["イツキ"], "碧" => ["アオイ"], "朝陽" => ["アサヒ"], "悠真" => ["ユウマ"],
];
const FEMALE_REIWA: &[Given] = given![
    "陽葵" => ["ヒマリ", "ヒナタ"], "凜" => ["リン"], "詩" => ["ウタ"], "結菜" => ["ユイナ", "ユナ"],
    "紬" => ["ツムギ"], "芽依" => ["メイ"], "翠" => ["スイ", "ミドリ"], "葵" => ["アオイ"],
];

fn given_table(sex: Sex, birth: CivilDate) -> &'static [Given] {
    // Naming fashions shift around the mid-1950s as well as at the era changes.
    let late_showa = CivilDate::known(1956, 1, 1);
    match (sex, birth) {
        (Sex::Male, b) if b >= REIWA_START => MALE_REIWA,
        (Sex::Female, b) if b >= REIWA_START => FEMALE_REIWA,
        (Sex::Male, b) if b >= HEISEI_START => MALE_HEISEI,
        (Sex::Female, b) if b >= HEISEI_START => FEMALE_HEISEI,
        (Sex::Male, b) if b >= late_showa => MALE_LATE_SHOWA,
        (Sex::Female, b) if b >= late_showa => FEMALE_LATE_SHOWA,
        (Sex::Male, _) => MALE_EARLY_SHOWA,
        (Sex::Female, _) => FEMALE_EARLY_SHOWA,
    }
}

/// A reading: the first most of the time, a variant otherwise.
fn reading(draw: &mut Draw, readings: &'static [&'static str]) -> &'static str {
    match readings {
        [only] => only,
        [usual, ..] if draw.chance(0.75) => usual,
        variants => draw.one_of(variants),
    }
}

pub(crate) fn family_name(draw: &mut Draw) -> Name {
    let family = draw.weighted(FAMILIES, |f| f.weight);
    Name {
        kanji: family.kanji,
        kana: reading(draw, family.readings),
    }
}

pub(crate) fn given_name(draw: &mut Draw, sex: Sex, birth: CivilDate) -> Name {
    let given = draw.pick(given_table(sex, birth));
    Name {
        kanji: given.kanji,
        kana: reading(draw, given.readings),
    }
}

/// Another given name of the same sex and era than `not`: another kanji and another reading (a
/// twin's name).
pub(crate) fn other_given_name(draw: &mut Draw, sex: Sex, birth: CivilDate, not: Name) -> Name {
    loop {
        let name = given_name(draw, sex, birth);
        if name.kanji != not.kanji && name.kana != not.kana {
            return name;
        }
    }
}

/// Another family name than `not`, sharing none of its readings (a married name: 佐藤 and 斉藤
/// are two names, サイトウ and サイトウ are one).
pub(crate) fn other_family_name(draw: &mut Draw, not: Name) -> Name {
    let old: Vec<&str> = FAMILIES
        .iter()
        .filter(|f| f.kanji == not.kanji)
        .flat_map(|f| f.readings.iter().copied())
        .chain([not.kana])
        .collect();
    loop {
        let name = family_name(draw);
        let readings = FAMILIES
            .iter()
            .filter(|f| f.kanji == name.kanji)
            .flat_map(|f| f.readings.iter());
        if name.kanji != not.kanji && readings.clone().all(|r| !old.contains(r)) {
            return name;
        }
    }
}

/// Boys' names whose readings differ only by voicing (コウタ and ゴウタ): a twin pair that the kana
/// reading alone cannot tell apart, only the kanji.
const CONFUSABLE_TWINS: &[(Name, Name)] = &[
    (
        Name {
            kanji: "康太",
            kana: "コウタ",
        },
        Name {
            kanji: "豪太",
            kana: "ゴウタ",
        },
    ),
    (
        Name {
            kanji: "大輔",
            kana: "ダイスケ",
        },
        Name {
            kanji: "泰介",
            kana: "タイスケ",
        },
    ),
    (
        Name {
            kanji: "浩二",
            kana: "コウジ",
        },
        Name {
            kanji: "豪士",
            kana: "ゴウシ",
        },
    ),
];

/// Two boys' names that only their kanji tell apart (see [`CONFUSABLE_TWINS`]).
pub(crate) fn confusable_twin_names(draw: &mut Draw) -> (Name, Name) {
    *draw.pick(CONFUSABLE_TWINS)
}

/// Every table string, for the JIS X 0208 test.
#[cfg(test)]
pub(crate) fn all_strings() -> Vec<&'static str> {
    let mut out = Vec::new();
    for f in FAMILIES {
        out.push(f.kanji);
        out.extend(f.readings);
    }
    for table in [
        MALE_EARLY_SHOWA,
        FEMALE_EARLY_SHOWA,
        MALE_LATE_SHOWA,
        FEMALE_LATE_SHOWA,
        MALE_HEISEI,
        FEMALE_HEISEI,
        MALE_REIWA,
        FEMALE_REIWA,
    ] {
        for g in table {
            out.push(g.kanji);
            out.extend(g.readings);
        }
    }
    for (a, b) in CONFUSABLE_TWINS {
        out.extend([a.kanji, a.kana, b.kanji, b.kana]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Stream;

    #[test]
    fn every_name_and_reading_is_jis_x_0208() {
        for s in all_strings() {
            crate::hl7_writer::check_jis_x_0208(s, "name table").unwrap();
        }
    }

    #[test]
    fn readings_are_katakana() {
        for f in FAMILIES {
            for r in f.readings {
                assert!(
                    r.chars().all(|c| ('ァ'..='ヶ').contains(&c) || c == 'ー'),
                    "{r}"
                );
            }
        }
    }

    #[test]
    fn sato_is_the_most_common_family_name() {
        let mut draw = Draw::new(1, Stream::Person, 0, 0);
        let mut sato = 0;
        let mut yamada = 0;
        for _ in 0..5000 {
            match family_name(&mut draw).kanji {
                "佐藤" => sato += 1,
                "山田" => yamada += 1,
                _ => {}
            }
        }
        assert!(sato > 5 * yamada.max(1), "佐藤 {sato} vs 山田 {yamada}");
    }

    #[test]
    fn reiwa_children_get_reiwa_names() {
        let mut draw = Draw::new(1, Stream::Person, 0, 0);
        let born = CivilDate::new(2021, 4, 1).unwrap();
        for _ in 0..50 {
            let name = given_name(&mut draw, Sex::Female, born);
            assert!(FEMALE_REIWA.iter().any(|g| g.kanji == name.kanji));
        }
    }
}
