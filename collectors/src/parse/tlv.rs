//! A tolerant tag-length-value reader for checking DER strictness.
//!
//! x509-parser reads certificates as they come; this reader walks the same
//! bytes and says where the encoding departs from DER (X.690 §10): long or
//! indefinite lengths, BOOLEANs other than 0x00 and 0xFF, INTEGERs with a
//! redundant leading octet. It never allocates per element and stops at a
//! fixed depth, so hostile input costs at most one pass.

/// One element: its identifier octet(s), content, and whether its length was
/// encoded in the shortest definite form.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tlv<'a> {
    /// The first identifier octet (class, constructed bit, low tag number).
    pub tag: u8,
    /// The content octets.
    pub content: &'a [u8],
    /// The length octets were not the shortest definite form.
    pub length_not_minimal: bool,
}

impl Tlv<'_> {
    /// Whether the element is constructed (contains elements).
    pub fn constructed(&self) -> bool {
        self.tag & 0x20 != 0
    }
}

/// Reads the element at the start of `input`, with the bytes after it.
/// `None` when the bytes are not a definite-length element (an indefinite
/// length counts as not minimal and is read as `None`: DER forbids it, and
/// the caller flags that).
pub(crate) fn read(input: &[u8]) -> Option<(Tlv<'_>, &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let mut rest = rest;
    if tag & 0x1f == 0x1f {
        // High tag number: base-128 octets until one without the top bit.
        let end = rest.iter().position(|b| b & 0x80 == 0)?;
        rest = &rest[end + 1..];
    }
    let (&first, mut rest) = rest.split_first()?;
    let (len, length_not_minimal) = if first < 0x80 {
        (usize::from(first), false)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 8 || rest.len() < count {
            return None;
        }
        let octets = &rest[..count];
        rest = &rest[count..];
        let len = octets.iter().fold(0u64, |n, b| n << 8 | u64::from(*b));
        let len = usize::try_from(len).ok()?;
        (len, octets[0] == 0 || len < 0x80)
    };
    if rest.len() < len {
        return None;
    }
    let (content, after) = rest.split_at(len);
    Some((
        Tlv {
            tag,
            content,
            length_not_minimal,
        },
        after,
    ))
}

/// The elements of a constructed element's content, in order; stops at the
/// first unreadable one.
pub(crate) fn children(content: &[u8]) -> impl Iterator<Item = Tlv<'_>> {
    let mut rest = content;
    std::iter::from_fn(move || {
        let (tlv, after) = read(rest)?;
        rest = after;
        Some(tlv)
    })
}

/// Whether `content`'s elements exactly fill it.
pub(crate) fn fills(content: &[u8]) -> bool {
    let mut rest = content;
    while !rest.is_empty() {
        match read(rest) {
            Some((_, after)) => rest = after,
            None => return false,
        }
    }
    true
}

/// DER departures found by [`walk`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Strictness {
    /// A length was long-form where short would do, had leading zeros, or was
    /// indefinite.
    pub length_not_minimal: bool,
    /// A BOOLEAN was not one octet of 0x00 or 0xFF.
    pub boolean_not_canonical: bool,
    /// An INTEGER began with a redundant 0x00 or 0xFF.
    pub integer_not_minimal: bool,
}

/// The deepest nesting [`walk`] follows; certificates nest about a dozen deep.
const MAX_DEPTH: usize = 32;

/// Walks every element of `input` (constructed ones recursively, primitive
/// contents not) and records DER departures into `found`.
pub(crate) fn walk(input: &[u8], found: &mut Strictness) {
    walk_at(input, found, 0);
}

fn walk_at(input: &[u8], found: &mut Strictness, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    let mut rest = input;
    while !rest.is_empty() {
        let Some((tlv, after)) = read(rest) else {
            // An indefinite length (0x80) or a truncated element.
            if rest.get(1) == Some(&0x80) {
                found.length_not_minimal = true;
            }
            return;
        };
        found.length_not_minimal |= tlv.length_not_minimal;
        match tlv.tag {
            0x01 => {
                found.boolean_not_canonical |= !matches!(tlv.content, [0x00] | [0xff]);
            }
            0x02 => {
                found.integer_not_minimal |= matches!(
                    tlv.content,
                    [0x00, next, ..] if next & 0x80 == 0
                ) || matches!(tlv.content, [0xff, next, ..] if next & 0x80 != 0);
            }
            _ if tlv.constructed() => walk_at(tlv.content, found, depth + 1),
            _ => {}
        }
        rest = after;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimal_der_has_no_departures() {
        let mut found = Strictness::default();
        walk(
            &[0x30, 0x06, 0x01, 0x01, 0xff, 0x02, 0x01, 0x05],
            &mut found,
        );
        assert_eq!(found, Strictness::default());
    }

    #[test]
    fn each_departure_is_found() {
        let mut found = Strictness::default();
        walk(&[0x30, 0x81, 0x03, 0x02, 0x01, 0x05], &mut found);
        assert!(found.length_not_minimal, "long form for 3");
        let mut found = Strictness::default();
        walk(&[0x30, 0x03, 0x01, 0x01, 0x01], &mut found);
        assert!(found.boolean_not_canonical);
        let mut found = Strictness::default();
        walk(&[0x30, 0x04, 0x02, 0x02, 0x00, 0x05], &mut found);
        assert!(found.integer_not_minimal);
        let mut found = Strictness::default();
        walk(&[0x30, 0x80, 0x02, 0x01, 0x05, 0x00, 0x00], &mut found);
        assert!(found.length_not_minimal, "indefinite");
    }

    #[test]
    fn hostile_nesting_and_truncation_end_quietly() {
        let mut deep = Vec::new();
        for _ in 0..10_000 {
            deep.extend([0x30, 0x80]);
        }
        let mut found = Strictness::default();
        walk(&deep, &mut found);
        walk(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff], &mut found);
        walk(&[0x1f, 0xff, 0xff], &mut found);
        assert!(read(&[0x30, 0x05, 0x01]).is_none());
        assert!(fills(&[0x02, 0x01, 0x05, 0x05, 0x00]));
        assert!(!fills(&[0x02, 0x01]));
    }
}
