//! Addresses and phone numbers in coastal Miyagi (宮城県), the prefecture of the drill scenario.
//!
//! Postcodes have the right leading digits for each municipality and plausible trailing ones; they
//! are not guaranteed to be the exact postcode of the town. Street numbers are written with
//! full-width digits and `−` (U+2212, JIS 0x215D) as in the guide's samples (§3.1).

use crate::rng::Draw;

pub(crate) const PREFECTURE: &str = "宮城県";

/// A town (大字・町) with its postcode; `chome` is how many 丁目 it has (0 = numbered by 番地).
pub(crate) struct Town {
    pub(crate) name: &'static str,
    pub(crate) postcode: &'static str,
    pub(crate) chome: u8,
}

/// A municipality with its telephone area code and a 2-digit district number used in facility
/// codes (synthetic, see `facility.rs`).
pub(crate) struct Municipality {
    pub(crate) name: &'static str,
    pub(crate) area_code: &'static str,
    pub(crate) district: u8,
    pub(crate) towns: &'static [Town],
    weight: u32,
}

macro_rules! towns {
    ($(($name:literal, $post:literal, $chome:literal)),+ $(,)?) => {
        &[$(Town { name: $name, postcode: $post, chome: $chome }),+]
    };
}

pub(crate) const MUNICIPALITIES: &[Municipality] = &[
    Municipality {
        name: "石巻市",
        area_code: "0225",
        district: 6,
        weight: 30,
        towns: towns![
            ("中央", "986-0822", 3),
            ("穀町", "986-0824", 0),
            ("蛇田", "986-0861", 0),
            ("大街道北", "986-0853", 4),
            ("渡波", "986-2211", 0),
            ("門脇町", "986-0834", 5),
            ("湊町", "986-0012", 4),
            ("山下町", "986-0016", 2),
            ("鹿妻南", "986-2103", 6),
        ],
    },
    Municipality {
        name: "仙台市宮城野区",
        area_code: "022",
        district: 1,
        weight: 25,
        towns: towns![
            ("榴岡", "983-0852", 5),
            ("五輪", "983-0842", 2),
            ("福室", "983-0005", 7),
            ("岩切", "983-0821", 0),
            ("蒲生", "983-0001", 0),
            ("中野", "983-0013", 5),
            ("高砂", "983-0014", 2),
        ],
    },
    Municipality {
        name: "気仙沼市",
        area_code: "0226",
        district: 7,
        weight: 15,
        towns: towns![
            ("南町", "988-0017", 2),
            ("魚町", "988-0018", 3),
            ("田中前", "988-0044", 4),
            ("古町", "988-0036", 3),
            ("唐桑町", "988-0555", 0),
            ("本吉町", "988-0341", 0),
        ],
    },
    Municipality {
        name: "東松島市",
        area_code: "0225",
        district: 14,
        weight: 10,
        towns: towns![
            ("矢本", "981-0503", 0),
            ("赤井", "981-0501", 0),
            ("大曲", "981-0502", 0),
            ("野蒜", "981-0417", 0),
            ("小野", "981-0303", 0),
        ],
    },
    Municipality {
        name: "塩竈市",
        area_code: "022",
        district: 3,
        weight: 8,
        towns: towns![
            ("海岸通", "985-0002", 0),
            ("本町", "985-0052", 0),
            ("尾島町", "985-0051", 0),
            ("藤倉", "985-0084", 3),
        ],
    },
    Municipality {
        name: "多賀城市",
        area_code: "022",
        district: 13,
        weight: 8,
        towns: towns![
            ("中央", "985-0874", 3),
            ("高橋", "985-0853", 5),
            ("桜木", "985-0842", 3)
        ],
    },
    Municipality {
        name: "名取市",
        area_code: "022",
        district: 8,
        weight: 8,
        towns: towns![
            ("増田", "981-1224", 9),
            ("下増田", "981-1225", 0),
            ("愛島", "981-1238", 0)
        ],
    },
    Municipality {
        name: "岩沼市",
        area_code: "0223",
        district: 11,
        weight: 5,
        towns: towns![
            ("桜", "989-2432", 4),
            ("館下", "989-2428", 0),
            ("二木", "989-2423", 2)
        ],
    },
    Municipality {
        name: "亘理郡亘理町",
        area_code: "0223",
        district: 21,
        weight: 5,
        towns: towns![("荒浜", "989-2351", 0), ("逢隈", "989-2383", 0)],
    },
    Municipality {
        name: "本吉郡南三陸町",
        area_code: "0226",
        district: 30,
        weight: 4,
        towns: towns![
            ("志津川", "986-0725", 0),
            ("歌津", "986-0781", 0),
            ("戸倉", "986-0761", 0)
        ],
    },
    Municipality {
        name: "牡鹿郡女川町",
        area_code: "0225",
        district: 31,
        weight: 3,
        towns: towns![
            ("女川浜", "986-2261", 0),
            ("鷲神浜", "986-2265", 0),
            ("清水町", "986-2253", 0)
        ],
    },
    Municipality {
        name: "亘理郡山元町",
        area_code: "0223",
        district: 22,
        weight: 3,
        towns: towns![("山寺", "989-2202", 0), ("坂元", "989-2111", 0)],
    },
];

/// A postal address (PID-11: postcode in XAD.5, whole text in XAD.8).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Address {
    pub(crate) postcode: String,
    pub(crate) municipality: &'static str,
    /// Everything after the municipality: town and numbers.
    pub(crate) street: String,
}

impl Address {
    /// The whole address as one line, e.g. `宮城県石巻市中央２丁目３−１０`.
    pub(crate) fn full(&self) -> String {
        format!("{PREFECTURE}{}{}", self.municipality, self.street)
    }
}

/// Full-width digits, as addresses are written in the guide's samples.
pub(crate) fn zenkaku(n: u64) -> String {
    n.to_string()
        .chars()
        .map(|c| char::from_u32(u32::from(c) - u32::from('0') + 0xFF10).unwrap_or(c))
        .collect()
}

pub(crate) fn municipality_named(name: &str) -> Option<&'static Municipality> {
    MUNICIPALITIES.iter().find(|m| m.name == name)
}

pub(crate) fn random_municipality(draw: &mut Draw) -> &'static Municipality {
    draw.weighted(MUNICIPALITIES, |m| m.weight)
}

/// A random address in `municipality`.
pub(crate) fn address_in(draw: &mut Draw, municipality: &'static Municipality) -> Address {
    let town = draw.pick(municipality.towns);
    let street = if town.chome > 0 {
        format!(
            "{}{}丁目{}−{}",
            town.name,
            zenkaku(draw.range(1, i64::from(town.chome)) as u64),
            zenkaku(draw.range(1, 30) as u64),
            zenkaku(draw.range(1, 25) as u64)
        )
    } else {
        format!("{}{}番地", town.name, zenkaku(draw.range(1, 450) as u64))
    };
    Address {
        postcode: town.postcode.to_owned(),
        municipality: municipality.name,
        street,
    }
}

/// A home or mobile number with the municipality's area code.
pub(crate) fn phone(draw: &mut Draw, municipality: &Municipality) -> String {
    if draw.chance(0.4) {
        let prefix = draw.one_of(&["090", "080", "070"]);
        return format!(
            "{prefix}-{:04}-{:04}",
            draw.range(1000, 9999),
            draw.below(10_000)
        );
    }
    // Japanese numbers have 10 digits: a 3-digit area code takes a 3-digit exchange.
    let exchange_digits = 6 - municipality.area_code.len();
    let exchange = draw.range(
        2 * 10i64.pow(exchange_digits as u32 - 1),
        10i64.pow(exchange_digits as u32) - 1,
    );
    format!(
        "{}-{exchange:0width$}-{:04}",
        municipality.area_code,
        draw.below(10_000),
        width = exchange_digits
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Stream;

    #[test]
    fn every_address_string_is_jis_x_0208() {
        crate::hl7_writer::check_jis_x_0208(PREFECTURE, "address table").unwrap();
        for m in MUNICIPALITIES {
            crate::hl7_writer::check_jis_x_0208(m.name, "address table").unwrap();
            assert!(!m.towns.is_empty());
            for t in m.towns {
                crate::hl7_writer::check_jis_x_0208(t.name, "address table").unwrap();
                assert!(t.postcode.len() == 8 && t.postcode.as_bytes()[3] == b'-');
            }
        }
    }

    #[test]
    fn phone_numbers_have_ten_or_eleven_digits() {
        let mut draw = Draw::new(3, Stream::Person, 0, 0);
        for m in MUNICIPALITIES {
            for _ in 0..20 {
                let p = phone(&mut draw, m);
                let digits = p.chars().filter(char::is_ascii_digit).count();
                assert!(digits == 10 || digits == 11, "{p}");
            }
        }
    }

    #[test]
    fn full_address_reads_prefecture_city_town() {
        let mut draw = Draw::new(3, Stream::Person, 0, 0);
        let ishinomaki = municipality_named("石巻市").unwrap();
        let a = address_in(&mut draw, ishinomaki);
        assert!(a.full().starts_with("宮城県石巻市"));
        assert!(a.postcode.starts_with("986"));
        assert_eq!(zenkaku(120), "１２０");
    }
}
