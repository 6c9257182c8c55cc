//! Fuzzes decode + parse + every accessor of the HL7 message parser: any bytes a hospital produces must
//! come back as segments or issues, never as a panic.
#![no_main]

use fieldchart_hl7::{Hl7Time, Message, decode};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let decoded = decode(bytes);
    let (message, _issues) = Message::parse(decoded.text);
    let _ = message.message_type();
    let _ = message.outline();
    for seg in message.segments() {
        for n in 0..seg.field_count() + 2 {
            let field = seg.field(n);
            let _ = field.text();
            for rep in field.reps().take(8) {
                for c in 0..rep.comp_count() + 1 {
                    let _ = rep.comp_joined(c, " ");
                    for s in 0..3 {
                        if let Some(v) = rep.sub(c, s) {
                            let _ = Hl7Time::parse(&v).iso();
                        }
                    }
                }
            }
        }
    }
});
