//! Random bytes in any master's place never panic a loader: at worst lines are skipped or the file
//! is refused with an error.

use fieldchart_masters::*;
use proptest::prelude::*;

proptest! {
    #[test]
    fn random_lines_never_panic_the_loaders(lines in proptest::collection::vec(
        proptest::collection::vec(any::<u8>(), 0..80), 0..12)
    ) {
        let dir = tempfile::tempdir().unwrap();
        let mut bytes = Vec::new();
        for l in &lines { bytes.extend_from_slice(l); bytes.push(b'\n'); }
        let p = dir.path().join("MEDIS20260930.TXT");
        std::fs::write(&p, &bytes).unwrap();
        let mut m = Masters::new();
        let _ = m.load_hot(&p);
        let _ = m.load_disease(&p, None);
        let _ = m.load_jlac10(Jlac10Table::Analyte, &p, TextEncoding::ShiftJis);
        let _ = m.load_local_map(&p, TextEncoding::Utf8);
        let _ = m.standard_for("F", "JC10", "5F016141002327151");
        let _ = m.infection_marker("F", "99X", "1");
    }
}
