//! Facilities of the region and who is registered where: facility codes and names, how many
//! patients each holds, patient ID numbering, and which patients are people already registered at
//! another facility ("visitors", cross-referenced in `pix-xref.tsv`).
//!
//! Facility IDs are 10-digit 医療機関コード (medical institution codes) as the SS-MIX2 index DB
//! expects (`FacilityID CHAR(10)`, guide §1.4): prefecture `04` (Miyagi), score-table digit `1`
//! (医科, medical), a 2-digit district, a 4-digit institution number and a modulus-10 check digit
//! (weights 2-1). The codes and names are synthetic: no real institution is meant. They depend
//! only on the facility's position, never on the seed.

use crate::address::{self, Municipality};
use crate::clinical::Department;
use crate::personas::PERSONA_COUNT;
use crate::rng::{self, Stream};
use crate::traps::Layout;

/// One facility of the region.
pub(crate) struct Facility {
    pub(crate) index: u32,
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) municipality: &'static Municipality,
    /// Whether lab results carry local codes in OBX-3 components 4–6 (guide §5).
    pub(crate) local_lab_codes: bool,
    pub(crate) patients: u64,
    id_width: usize,
    id_start: u64,
    id_step: u64,
}

/// A member of staff as written in XCN fields (guide §3.1: id^family^given^…^L^…^I).
pub(crate) struct Staff {
    pub(crate) id: String,
    pub(crate) family: &'static str,
    pub(crate) given: &'static str,
    pub(crate) family_kana: &'static str,
    pub(crate) given_kana: &'static str,
}

/// Family name, its kana, given name, its kana.
type StaffName = (&'static str, &'static str, &'static str, &'static str);

impl Staff {
    fn named(id: String, (family, family_kana, given, given_kana): StaffName) -> Staff {
        Staff {
            id,
            family,
            given,
            family_kana,
            given_kana,
        }
    }
}

const DOCTORS: &[StaffName] = &[
    ("相馬", "ソウマ", "俊介", "シュンスケ"),
    ("小野", "オノ", "恵理", "エリ"),
    ("大槻", "オオツキ", "浩二", "コウジ"),
    ("村上", "ムラカミ", "明子", "アキコ"),
    ("伊達", "ダテ", "政宗", "マサムネ"),
    ("片倉", "カタクラ", "景子", "ケイコ"),
    ("白石", "シライシ", "誠", "マコト"),
    ("支倉", "ハセクラ", "常長", "ツネナガ"),
    ("松島", "マツシマ", "由紀", "ユキ"),
    ("岩出山", "イワデヤマ", "健", "ケン"),
    ("鳴瀬", "ナルセ", "隆之", "タカユキ"),
];

const NURSES: &[StaffName] = &[
    ("看護", "カンゴ", "花子", "ハナコ"),
    ("中川", "ナカガワ", "美紀", "ミキ"),
    ("石森", "イシノモリ", "舞", "マイ"),
];

const CLERKS: &[StaffName] = &[
    ("入力者", "ニュウリョクシャ", "花子", "ハナコ"),
    ("受付", "ウケツケ", "一郎", "イチロウ"),
];

/// Fixed names of the first facilities; later ones are numbered per municipality.
const NAMED: &[(&str, &str)] = &[
    ("石巻市", "石巻みなと総合病院"),
    ("気仙沼市", "気仙沼港町病院"),
    ("本吉郡南三陸町", "南三陸志津川診療所"),
    ("牡鹿郡女川町", "女川浜通りクリニック"),
    ("東松島市", "東松島矢本病院"),
    ("仙台市宮城野区", "仙台宮城野中央病院"),
    ("塩竈市", "塩竈浦戸記念病院"),
    ("名取市", "名取増田病院"),
    ("多賀城市", "多賀城史跡通り病院"),
    ("亘理郡亘理町", "亘理荒浜クリニック"),
    ("岩沼市", "岩沼臨空病院"),
    ("亘理郡山元町", "山元坂元診療所"),
];

/// Modulus-10, weights 2-1 from the left, digit sums of products: the check digit shape of
/// 医療機関コード.
fn check_digit(digits: &str) -> u32 {
    let sum: u32 = digits
        .bytes()
        .map(|b| u32::from(b - b'0'))
        .enumerate()
        .map(|(i, d)| {
            let p = if i % 2 == 0 { d * 2 } else { d };
            p / 10 + p % 10
        })
        .sum();
    (10 - sum % 10) % 10
}

impl Facility {
    /// Facility `index` with `patients` ordinary patients and `extra` IDs after them (matching
    /// traps), which only the ID width takes into account.
    fn new(index: u32, patients: u64, extra: u64) -> Facility {
        let (municipality, name) = match NAMED.get(index as usize) {
            Some((m, n)) => (
                address::municipality_named(m).unwrap_or(&address::MUNICIPALITIES[0]),
                (*n).to_owned(),
            ),
            None => {
                let m = &address::MUNICIPALITIES[index as usize % address::MUNICIPALITIES.len()];
                let round = index as usize / address::MUNICIPALITIES.len();
                let short = m.name.rsplit('郡').next().unwrap_or(m.name);
                (
                    m,
                    format!("{short}第{}診療所", address::zenkaku(round as u64 + 1)),
                )
            }
        };
        let body = format!(
            "{:02}{:04}",
            municipality.district,
            1001 + 37 * u64::from(index) % 9000
        );
        let id = format!("041{body}{}", check_digit(&body));
        // Patient ID formats differ between hospitals; the reader must not assume one width.
        let mut id_width = [10usize, 8, 9, 7][index as usize % 4];
        let id_step = 1 + u64::from(index % 3);
        let mut id_start = 10u64.pow(id_width as u32 - 3) * (1 + u64::from(index % 7));
        let ids = patients.saturating_add(extra);
        if id_start + ids.saturating_mul(id_step) >= 10u64.pow(id_width as u32) {
            id_width = 10;
            id_start = 10u64.pow(7) * (1 + u64::from(index % 7));
        }
        Facility {
            index,
            id,
            name,
            municipality,
            local_lab_codes: index % 2 == 1,
            patients,
            id_width,
            id_start,
            id_step,
        }
    }

    /// The facility's own address: postcode and full text (ORC-22 of orders).
    pub(crate) fn address(&self) -> (&'static str, String) {
        let town = self.municipality.towns.first();
        let postcode = town.map_or("980-0000", |t| t.postcode);
        let street = town.map_or("", |t| t.name);
        let number = address::zenkaku(u64::from(self.index % 9) + 1);
        (
            postcode,
            format!(
                "{}{}{street}{number}−１",
                address::PREFECTURE,
                self.municipality.name
            ),
        )
    }

    /// The facility's main phone number (ORC-23).
    pub(crate) fn phone(&self) -> String {
        let exchange_digits = 6 - self.municipality.area_code.len();
        let unit = 10u64.pow(exchange_digits as u32 - 1);
        let exchange = 2 * unit + u64::from(self.index) * 7 % (8 * unit);
        format!(
            "{}-{exchange:0w$}-{:04}",
            self.municipality.area_code,
            1111 * (1 + self.index % 8),
            w = exchange_digits
        )
    }

    /// The doctor who sees patients of `department` here (one per department and facility).
    pub(crate) fn doctor(&self, department: &Department) -> Staff {
        let salt: usize = department.code.bytes().map(usize::from).sum();
        Staff::named(
            format!("D{}{:02}", department.code, self.index % 100),
            DOCTORS[(self.index as usize * 7 + salt) % DOCTORS.len()],
        )
    }

    /// The nurse who records administrations on the wards.
    pub(crate) fn nurse(&self) -> Staff {
        Staff::named(
            format!("N{:04}", 200 + self.index % 100),
            NURSES[self.index as usize % NURSES.len()],
        )
    }

    /// The clerk who enters orders (ORC-10).
    pub(crate) fn clerk(&self) -> Staff {
        Staff::named(
            format!("C{:03}", 58 + self.index % 100),
            CLERKS[self.index as usize % CLERKS.len()],
        )
    }

    /// The patient ID of the `n`-th patient registered here (always longer than 6 characters, so
    /// the hash folders `id[0..3]/id[3..6]` of guide §1.1 are well defined).
    pub(crate) fn patient_id(&self, n: u64) -> String {
        format!(
            "{:0width$}",
            self.id_start + n * self.id_step,
            width = self.id_width
        )
    }

    /// The `n` whose [`Facility::patient_id`] is `id`, if any: how a later day finds who a
    /// folder belongs to.
    pub(crate) fn patient_index(&self, id: &str) -> Option<u64> {
        if !id.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let offset = id.parse::<u64>().ok()?.checked_sub(self.id_start)?;
        let n = (offset % self.id_step == 0).then_some(offset / self.id_step)?;
        (self.patient_id(n) == id).then_some(n)
    }
}

/// All facilities and the rules linking their patients.
pub(crate) struct Region {
    pub(crate) seed: u64,
    /// `patients` of each is its ordinary patients; matching traps' registrations come after.
    pub(crate) facilities: Vec<Facility>,
    pub(crate) personas: bool,
    /// The matching traps' registrations (none unless asked for).
    pub(crate) traps: Layout,
}

impl Region {
    pub(crate) fn new(seed: u64, patients: u64, facilities: u32) -> Region {
        Region::with_traps(seed, patients, facilities, 0)
    }

    /// A region with `traps` matching-trap cases (`traps.rs`) after the ordinary patients.
    pub(crate) fn with_traps(seed: u64, patients: u64, facilities: u32, traps: u64) -> Region {
        let personas = patients >= 10;
        let sizes = facility_sizes(patients, facilities, personas);
        let traps = Layout::new(traps, &sizes);
        Region {
            seed,
            facilities: sizes
                .iter()
                .enumerate()
                .map(|(i, n)| Facility::new(i as u32, *n, traps.at_facility(i as u32)))
                .collect(),
            personas,
            traps,
        }
    }

    /// If patient `n` of facility `f` is a person first registered at facility `f - 1`, the
    /// index of that earlier registration there.
    ///
    /// About 5% of patients at facilities after the first are such visitors. Parity keeps this
    /// O(1) and chain-free: a visitor slot has `n + f` even, its origin `(f - 1, n)` has it odd,
    /// so an origin is never itself a visitor and each person has at most two registrations.
    /// Persona slots are excluded, except that 山田 花子 (persona 0) is always also patient 0 of
    /// the second facility.
    pub(crate) fn visitor_origin(&self, f: u32, n: u64) -> Option<u64> {
        if f == 0 {
            return None;
        }
        let previous = self.facilities.get(f as usize - 1)?;
        if self.personas && n < PERSONA_COUNT {
            return (f == 1 && n == 0 && previous.patients > 0).then_some(0);
        }
        let eligible = n < previous.patients && (n + u64::from(f)).is_multiple_of(2);
        let chosen = rng::hash_key(self.seed, Stream::Visitor, u64::from(f), n).is_multiple_of(10);
        (eligible && chosen).then_some(n)
    }
}

/// Patients per facility: an even split, except that with 10 or more patients the first
/// facility holds at least the personas and the second at least one patient (山田 花子's second
/// registration).
pub(crate) fn facility_sizes(patients: u64, facilities: u32, personas: bool) -> Vec<u64> {
    let f = u64::from(facilities.max(1));
    let mut sizes: Vec<u64> = (0..f)
        .map(|i| patients / f + u64::from(i < patients % f))
        .collect();
    if personas {
        let minimum = |i: usize| match i {
            0 => PERSONA_COUNT,
            1 => 1,
            _ => 0,
        };
        for needy in 0..sizes.len().min(2) {
            while sizes[needy] < minimum(needy) {
                let donor = (0..sizes.len())
                    .rev()
                    .find(|&j| j != needy && sizes[j] > minimum(j));
                match donor {
                    Some(j) => {
                        sizes[j] -= 1;
                        sizes[needy] += 1;
                    }
                    None => break,
                }
            }
        }
    }
    sizes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staff_names_are_jis_x_0208() {
        for (a, b, c, d) in DOCTORS.iter().chain(NURSES).chain(CLERKS) {
            for s in [a, b, c, d] {
                crate::hl7_writer::check_jis_x_0208(s, "staff table").unwrap();
            }
        }
    }

    #[test]
    fn facility_ids_are_ten_digit_miyagi_codes_with_valid_check_digit() {
        let region = Region::new(1, 1000, 30);
        let mut ids = std::collections::BTreeSet::new();
        for f in &region.facilities {
            assert_eq!(f.id.len(), 10);
            assert!(f.id.starts_with("041"));
            assert!(f.id.bytes().all(|b| b.is_ascii_digit()));
            assert_eq!(
                check_digit(&f.id[3..9]),
                u32::from(f.id.as_bytes()[9] - b'0')
            );
            crate::hl7_writer::check_jis_x_0208(&f.name, "facility name").unwrap();
            crate::hl7_writer::check_jis_x_0208(&f.address().1, "facility address").unwrap();
            assert_eq!(f.phone().chars().filter(char::is_ascii_digit).count(), 10);
            assert!(ids.insert(f.id.clone()), "duplicate {}", f.id);
        }
    }

    #[test]
    fn facility_ids_do_not_depend_on_the_seed() {
        let a = Region::new(1, 100, 3);
        let b = Region::new(2, 100, 3);
        let ids = |r: &Region| {
            r.facilities
                .iter()
                .map(|f| f.id.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(&a), ids(&b));
    }

    #[test]
    fn sizes_add_up_and_leave_room_for_personas() {
        for (n, f) in [(10, 8), (10, 1), (11, 3), (1000, 7), (3, 5), (0, 2)] {
            let sizes = facility_sizes(n, f, n >= 10);
            assert_eq!(sizes.iter().sum::<u64>(), n);
            assert_eq!(sizes.len(), f as usize);
            if n >= 10 {
                assert!(sizes[0] >= PERSONA_COUNT);
                if f >= 2 {
                    assert!(sizes[1] >= 1);
                }
            }
        }
    }

    #[test]
    fn patient_ids_are_unique_and_long_enough_for_hash_folders() {
        let region = Region::new(1, 2_000_000, 4);
        for f in &region.facilities {
            let first = f.patient_id(0);
            let last = f.patient_id(f.patients - 1);
            assert!(first.len() > 6);
            assert_eq!(first.len(), last.len(), "width overflow at {}", f.index);
            assert!(last > first);
        }
    }

    #[test]
    fn patient_index_inverts_patient_id() {
        let region = Region::new(1, 1000, 4);
        for f in &region.facilities {
            for n in [0, 1, 17, f.patients - 1, f.patients + 5000] {
                assert_eq!(f.patient_index(&f.patient_id(n)), Some(n));
            }
            let first = f.patient_id(0);
            assert_eq!(f.patient_index(&format!("0{first}")), None, "width counts");
            assert_eq!(f.patient_index("12a4567"), None);
            assert_eq!(f.patient_index(""), None);
        }
        // Facility 1 numbers every second ID.
        let odd = region.facilities[1].patient_id(3);
        let between = format!("{:0w$}", odd.parse::<u64>().unwrap() + 1, w = odd.len());
        assert_eq!(region.facilities[1].patient_index(&between), None);
    }

    #[test]
    fn about_five_percent_are_visitors_and_no_origin_is_a_visitor() {
        let region = Region::new(42, 40_000, 4);
        let mut visitors = 0u64;
        for f in 1..4u32 {
            for n in 0..region.facilities[f as usize].patients {
                if let Some(origin) = region.visitor_origin(f, n) {
                    visitors += 1;
                    assert!(region.visitor_origin(f - 1, origin).is_none());
                }
            }
        }
        let share = visitors as f64 / 30_000.0;
        assert!((0.03..0.07).contains(&share), "share {share}");
        assert_eq!(region.visitor_origin(1, 0), Some(0));
    }
}
