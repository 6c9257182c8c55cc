//! A bounds-checked DER reader: just enough to walk the few structures this crate reads that the
//! libraries do not parse for it (the hcRole attribute, a SignerInfo's signed attributes). Every
//! read returns `None` on bytes that do not form a value; nothing here panics.

/// One DER value: its identifier octet, its content, and the bytes after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Tlv<'a> {
    pub(crate) tag: u8,
    pub(crate) content: &'a [u8],
}

pub(crate) const SEQUENCE: u8 = 0x30;
pub(crate) const SET: u8 = 0x31;
pub(crate) const OID: u8 = 0x06;
pub(crate) const UTF8_STRING: u8 = 0x0c;
pub(crate) const PRINTABLE_STRING: u8 = 0x13;
pub(crate) const TELETEX_STRING: u8 = 0x14;
pub(crate) const BMP_STRING: u8 = 0x1e;
pub(crate) const UNIVERSAL_STRING: u8 = 0x1c;
pub(crate) const UTC_TIME: u8 = 0x17;
pub(crate) const INTEGER: u8 = 0x02;
pub(crate) const OCTET_STRING: u8 = 0x04;
pub(crate) const NULL: u8 = 0x05;
pub(crate) const GENERALIZED_TIME: u8 = 0x18;

/// A context-specific constructed tag `[n]` (explicit tagging).
pub(crate) fn context(n: u8) -> u8 {
    0xa0 | (n & 0x1f)
}

/// The first value of `input` and what follows it. Multi-byte tags (number ≥ 31) and indefinite
/// lengths (BER, not DER) are refused.
pub(crate) fn read(input: &[u8]) -> Option<(Tlv<'_>, &[u8])> {
    let (&tag, rest) = input.split_first()?;
    if tag & 0x1f == 0x1f {
        return None;
    }
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let (bytes, rest) = rest.split_at(n);
        let len = bytes
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (len, rest)
    };
    if rest.len() < len {
        return None;
    }
    let (content, rest) = rest.split_at(len);
    Some((Tlv { tag, content }, rest))
}

/// The first value of `input` as its whole encoding (identifier, length and content), the value
/// read, and what follows it: for copying a value out unchanged (a certificate's issuer name).
pub(crate) fn read_raw(input: &[u8]) -> Option<(&[u8], Tlv<'_>, &[u8])> {
    let (tlv, rest) = read(input)?;
    let whole = input.get(..input.len() - rest.len())?;
    Some((whole, tlv, rest))
}

/// Every value of `input` as its whole encoding, in order; `None` if any of it does not read.
pub(crate) fn all_raw(mut input: &[u8]) -> Option<Vec<&[u8]>> {
    let mut out = Vec::new();
    while !input.is_empty() {
        let (whole, _, rest) = read_raw(input)?;
        out.push(whole);
        input = rest;
    }
    Some(out)
}

/// Every value of `input`, in order; `None` if any of it does not read.
pub(crate) fn all(mut input: &[u8]) -> Option<Vec<Tlv<'_>>> {
    let mut out = Vec::new();
    while !input.is_empty() {
        let (tlv, rest) = read(input)?;
        out.push(tlv);
        input = rest;
    }
    Some(out)
}

/// The single value `input` holds, with the tag expected.
pub(crate) fn one(input: &[u8], tag: u8) -> Option<Tlv<'_>> {
    let (tlv, rest) = read(input)?;
    (tlv.tag == tag && rest.is_empty()).then_some(tlv)
}

/// An OBJECT IDENTIFIER's content in dotted form.
pub(crate) fn oid(content: &[u8]) -> Option<String> {
    if content.is_empty() {
        return None;
    }
    let mut arcs: Vec<u64> = Vec::new();
    let mut value: u64 = 0;
    for (i, &b) in content.iter().enumerate() {
        value = value.checked_mul(128)?.checked_add(u64::from(b & 0x7f))?;
        if b & 0x80 != 0 {
            if i + 1 == content.len() {
                return None; // a sub-identifier cut short
            }
            continue;
        }
        if arcs.is_empty() {
            // The first sub-identifier carries the first two arcs (the first is 0, 1 or 2).
            let (a, b) = match value {
                0..=39 => (0, value),
                40..=79 => (1, value - 40),
                _ => (2, value - 80),
            };
            arcs.push(a);
            arcs.push(b);
        } else {
            arcs.push(value);
        }
        value = 0;
    }
    Some(
        arcs.iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join("."),
    )
}

/// A value: `tag`, DER length, `content`.
pub(crate) fn write(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

/// A DER SET OF: the elements' encodings sorted as octet strings (X.690 §11.6), so the same
/// elements give the same bytes in whatever order they were made.
pub(crate) fn set_of(mut elements: Vec<Vec<u8>>) -> Vec<u8> {
    elements.sort();
    write(SET, &elements.concat())
}

/// An OBJECT IDENTIFIER value (tag and all) from its dotted form; empty for a malformed constant,
/// which the callers' own OIDs never are (a unit test reads each back).
pub(crate) fn write_oid(dotted: &str) -> Vec<u8> {
    oid_content(dotted)
        .map(|c| write(OID, &c))
        .unwrap_or_default()
}

/// An OBJECT IDENTIFIER's content from its dotted form (at least two arcs).
pub(crate) fn oid_content(dotted: &str) -> Option<Vec<u8>> {
    let arcs: Vec<u64> = dotted
        .split('.')
        .map(str::parse)
        .collect::<Result<_, _>>()
        .ok()?;
    let [a, b, rest @ ..] = arcs.as_slice() else {
        return None;
    };
    let mut out = Vec::new();
    for value in std::iter::once(a.checked_mul(40)?.checked_add(*b)?).chain(rest.iter().copied()) {
        let mut groups = vec![(value & 0x7f) as u8];
        let mut v = value >> 7;
        while v > 0 {
            groups.push(0x80 | (v & 0x7f) as u8);
            v >>= 7;
        }
        out.extend(groups.into_iter().rev());
    }
    Some(out)
}

/// A DirectoryString's text (UTF8String, PrintableString, TeletexString read as Latin-1,
/// BMPString, UniversalString).
pub(crate) fn text(tlv: Tlv<'_>) -> Option<String> {
    match tlv.tag {
        UTF8_STRING | PRINTABLE_STRING => String::from_utf8(tlv.content.to_vec()).ok(),
        TELETEX_STRING => Some(tlv.content.iter().map(|&b| char::from(b)).collect()),
        BMP_STRING => {
            if !tlv.content.len().is_multiple_of(2) {
                return None;
            }
            let units: Vec<u16> = tlv
                .content
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16(&units).ok()
        }
        UNIVERSAL_STRING => {
            if !tlv.content.len().is_multiple_of(4) {
                return None;
            }
            tlv.content
                .chunks_exact(4)
                .map(|c| char::from_u32(u32::from_be_bytes([c[0], c[1], c[2], c[3]])))
                .collect()
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reads_short_and_long_lengths() {
        let (t, rest) = read(&[0x04, 0x02, 0xaa, 0xbb, 0x05, 0x00]).unwrap();
        assert_eq!((t.tag, t.content), (0x04, &[0xaa, 0xbb][..]));
        assert_eq!(rest, &[0x05, 0x00]);
        let mut long = vec![0x04, 0x81, 0x80];
        long.extend(std::iter::repeat_n(7u8, 128));
        assert_eq!(read(&long).unwrap().0.content.len(), 128);
        assert!(read(&[0x04, 0x81]).is_none(), "a cut length");
        assert!(
            read(&[0x04, 0x05, 1, 2]).is_none(),
            "content shorter than its length"
        );
        assert!(read(&[0x30, 0x80]).is_none(), "indefinite length is BER");
    }

    #[test]
    fn decodes_object_identifiers() {
        // 1.0.17090.0.1 (id-hcpki-at-healthcareactor) and 1.2.392.100495.1.6.1.1 (id-jhpki-cdata).
        assert_eq!(
            oid(&[0x28, 0x81, 0x85, 0x42, 0x00, 0x01]).as_deref(),
            Some("1.0.17090.0.1")
        );
        assert_eq!(
            oid(&[0x2a, 0x83, 0x08, 0x86, 0x91, 0x0f, 0x01, 0x06, 0x01, 0x01]).as_deref(),
            Some("1.2.392.100495.1.6.1.1")
        );
        assert_eq!(oid(&[0x55, 0x1d, 0x09]).as_deref(), Some("2.5.29.9"));
        assert!(oid(&[]).is_none());
        for dotted in [
            "1.0.17090.0.1",
            "1.2.392.100495.1.6.1.1",
            "2.5.29.9",
            "2.999.3",
        ] {
            assert_eq!(oid(&oid_content(dotted).unwrap()).as_deref(), Some(dotted));
        }
        assert!(oid(&[0x2a, 0x83]).is_none(), "a cut sub-identifier");
    }

    proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = all(&bytes);
            let _ = oid(&bytes);
            if let Some((t, _)) = read(&bytes) {
                let _ = text(t);
            }
        }
    }
}
