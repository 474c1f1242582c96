//! Object ids written as text.

use super::Oid;

/// The value of each byte as a hex digit; `0xff` for a byte that is not one.
const HEX_DIGITS: [u8; 256] = {
    let mut table = [0xff; 256];
    let mut i = 0;
    while i < 16 {
        table[b"0123456789abcdef"[i] as usize] = i as u8;
        table[b"0123456789ABCDEF"[i] as usize] = i as u8;
        i += 1;
    }
    table
};

/// An object id from its 40 hex digits, in either case, without libgit2's parser: the
/// commit walk reads a tree and parent ids from every commit, and a warm audit of a long
/// history reads 50,000 ids from its cache. `None` for anything else.
pub fn from_hex(bytes: &[u8]) -> Option<Oid> {
    if bytes.len() != 40 {
        return None;
    }
    let mut raw = [0u8; 20];
    // Every digit's value ORed together: a byte that is not a digit sets the high bits.
    let mut seen = 0u8;
    for (out, pair) in raw.iter_mut().zip(bytes.chunks_exact(2)) {
        if let [hi, lo] = pair {
            let (hi, lo) = (HEX_DIGITS[usize::from(*hi)], HEX_DIGITS[usize::from(*lo)]);
            seen |= hi | lo;
            *out = (hi << 4) | (lo & 0x0f);
        }
    }
    if seen > 0x0f {
        return None;
    }
    Oid::from_bytes(&raw).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_parse_as_libgit2_parses_them() {
        for text in [
            "0123456789abcdef0123456789abcdef01234567",
            "ffffffffffffffffffffffffffffffffffffffff",
            "0000000000000000000000000000000000000000",
            "ABCDEF0123456789ABCDEF0123456789abcdef01",
        ] {
            assert_eq!(
                from_hex(text.as_bytes()),
                Oid::from_str(text).ok(),
                "{text}"
            );
        }
        for bad in [
            "",
            "0123",
            "0123456789abcdef0123456789abcdef0123456g",
            "0123456789abcdef0123456789abcdef012345678",
            "é123456789abcdef0123456789abcdef0123456",
            "0123456789abcdef0123456789abcdef0123456:",
            "/123456789abcdef0123456789abcdef01234567",
            "0123456789abcdef0123456789abcdef0123456G",
            "0123456789abcdef0123456789abcdef0123456`",
            "0123456789abcdef0123456789abcdef0123456@",
            "0123456789abcdef 123456789abcdef01234567",
        ] {
            assert_eq!(from_hex(bad.as_bytes()), None, "{bad}");
        }
    }
}
