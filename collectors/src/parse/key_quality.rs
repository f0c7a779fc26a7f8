//! Public-key quality: RSA moduli that factor easily and EC points that are
//! not on their curve.
//!
//! Every test is cheap enough to run on every certificate read: residues
//! modulo small primes come from one pass over the modulus per group of
//! primes, Fermat's method is 100 additions with a residue filter before any
//! square root, and the ROCA fingerprint reuses the same residues.

use std::sync::LazyLock;

use num_bigint::BigUint;

/// What was found in an RSA modulus.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct RsaModulusFindings {
    /// The modulus is even.
    pub even: bool,
    /// An odd prime below 752 divides it (the CA/B Forum BRs §6.1.6).
    pub small_factor: bool,
    /// Fermat's method factors it within [`FERMAT_ROUNDS`] steps.
    pub fermat_factorable: bool,
    /// It has the ROCA fingerprint (CVE-2017-15361).
    pub roca: bool,
}

/// Fermat steps tried, as zlint's `e_rsa_fermat_factorization` does.
pub(crate) const FERMAT_ROUNDS: u32 = 100;

/// The primes the ROCA fingerprint tests (Nemec et al., "The Return of
/// Coppersmith's Attack", CCS 2017, and its detection tool): a vulnerable
/// modulus is, modulo each, a power of 65537.
const ROCA_PRIMES: &[u32] = &[
    3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97,
    101, 103, 107, 109, 113, 127, 131, 137, 139, 149, 151, 157, 163, 167,
];

/// Odd primes below 752, grouped so that each group's product fits in 32 bits.
static PRIME_GROUPS: LazyLock<Vec<(u32, Vec<u32>)>> = LazyLock::new(|| {
    let mut groups: Vec<(u32, Vec<u32>)> = Vec::new();
    for p in (3..752u32).filter(|n| is_prime(*n)) {
        match groups.last_mut() {
            Some((product, primes))
                if u64::from(*product) * u64::from(p) <= u64::from(u32::MAX) =>
            {
                *product *= p;
                primes.push(p);
            }
            _ => groups.push((p, vec![p])),
        }
    }
    groups
});

/// The product of the odd primes below 752.
static PRIMORIAL: LazyLock<BigUint> = LazyLock::new(|| {
    PRIME_GROUPS
        .iter()
        .fold(BigUint::from(1u32), |product, (group, _)| product * *group)
});

/// For each ROCA prime, the order of 65537 modulo it.
static ROCA_ORDERS: LazyLock<Vec<(u32, u32)>> = LazyLock::new(|| {
    ROCA_PRIMES
        .iter()
        .map(|&p| {
            let g = 65_537 % p;
            let mut order = 1;
            let mut x = g;
            while x != 1 {
                x = x * g % p;
                order += 1;
            }
            (p, order)
        })
        .collect()
});

fn is_prime(n: u32) -> bool {
    n >= 2
        && (2..)
            .take_while(|d| d * d <= n)
            .all(|d| !n.is_multiple_of(d))
}

/// `value mod m` for a big integer.
fn mod_big(value: &BigUint, m: u32) -> u32 {
    let m = u64::from(m);
    value
        .iter_u32_digits()
        .rev()
        .fold(0u64, |r, d| (r << 32 | u64::from(d)) % m) as u32
}

fn pow_mod(base: u32, mut exponent: u32, p: u32) -> u32 {
    let (mut result, mut base, p) = (1u64, u64::from(base % p), u64::from(p));
    while exponent > 0 {
        if exponent & 1 == 1 {
            result = result * base % p;
        }
        base = base * base % p;
        exponent >>= 1;
    }
    result as u32
}

/// The length in bits of a big-endian unsigned integer, leading zero bits
/// not counted.
pub(crate) fn bit_length(value: &[u8]) -> u32 {
    let Some(start) = value.iter().position(|b| *b != 0) else {
        return 0;
    };
    let octets = u32::try_from(value.len() - start).unwrap_or(u32::MAX / 8);
    octets * 8 - value[start].leading_zeros()
}

/// Checks an RSA modulus (big-endian, leading zeros allowed).
pub(crate) fn rsa_modulus(modulus: &[u8]) -> RsaModulusFindings {
    let start = modulus
        .iter()
        .position(|b| *b != 0)
        .unwrap_or(modulus.len());
    let modulus = &modulus[start..];
    let Some(last) = modulus.last() else {
        return RsaModulusFindings::default();
    };
    let mut found = RsaModulusFindings {
        even: last & 1 == 0,
        ..RsaModulusFindings::default()
    };
    // One big-integer remainder by the product of all the primes, then the
    // residue per group from that (about 1,000 bits) rather than from the
    // whole modulus: a 4096-bit modulus costs one division, not forty passes.
    let n = BigUint::from_bytes_be(modulus);
    let reduced = &n % &*PRIMORIAL;
    let mut residues = [0u32; 752];
    for (product, primes) in PRIME_GROUPS.iter() {
        let r = mod_big(&reduced, *product);
        for &p in primes {
            residues[p as usize] = r % p;
        }
    }
    // A modulus equal to a small prime is not "divisible by a small factor",
    // but no such modulus is a key either.
    found.small_factor = PRIME_GROUPS
        .iter()
        .flat_map(|(_, primes)| primes)
        .any(|&p| residues[p as usize] == 0);
    found.roca = ROCA_ORDERS.iter().all(|&(p, order)| {
        let r = residues[p as usize];
        r != 0 && pow_mod(r, order, p) == 1
    });
    if !found.even {
        found.fermat_factorable = fermat_factorable(&n);
    }
    found
}

/// Whether `n = a² − b²` for some `a` within [`FERMAT_ROUNDS`] of ⌈√n⌉: its
/// two prime factors are then too close together.
fn fermat_factorable(n: &BigUint) -> bool {
    let mut a = n.sqrt();
    if &a * &a < *n {
        a += 1u32;
    }
    let b2 = &a * &a - n;
    // b²(k) = (a + k)² − n = b²(0) + 2ak + k². Its residues modulo 64 and
    // 45045 (63 · 65 · 11) follow from those of a and b²(0) in a few word
    // operations, so the big integer is built only for the rare k whose
    // residues are all squares.
    const M: u64 = 63 * 65 * 11;
    let (a_low, b2_low) = (low_word(&a), low_word(&b2));
    let (a_m, b2_m) = (
        u64::from(mod_big(&a, M as u32)),
        u64::from(mod_big(&b2, M as u32)),
    );
    let tables = &*SQUARE_RESIDUES;
    for k in 0..u64::from(FERMAT_ROUNDS) {
        let low = b2_low
            .wrapping_add(a_low.wrapping_mul(2 * k))
            .wrapping_add(k * k);
        if !tables[0][(low % 64) as usize] {
            continue;
        }
        let r = (b2_m + 2 * a_m * k % M + k * k % M) % M;
        if !tables[1][(r % 63) as usize]
            || !tables[2][(r % 65) as usize]
            || !tables[3][(r % 11) as usize]
        {
            continue;
        }
        let candidate = &b2 + (&a * (2 * k)) + k * k;
        let root = candidate.sqrt();
        if &root * &root == candidate {
            return true;
        }
    }
    false
}

/// The lowest 64 bits.
fn low_word(value: &BigUint) -> u64 {
    value.iter_u64_digits().next().unwrap_or(0)
}

/// Squares modulo 64, 63, 65 and 11: a number that is not a square modulo
/// one of them is not a square, which rejects all but about 1 in 100 before
/// the square root (`fermat_factorable`).
static SQUARE_RESIDUES: LazyLock<[Vec<bool>; 4]> = LazyLock::new(|| {
    [64u32, 63, 65, 11].map(|m| {
        let mut table = vec![false; m as usize];
        for x in 0..m {
            table[(x * x % m) as usize] = true;
        }
        table
    })
});

/// How an EC public point is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EcPoint {
    /// `04 ‖ X ‖ Y`, and the point satisfies the curve equation.
    OnCurve,
    /// `04 ‖ X ‖ Y`, but not on the curve (or a coordinate is not below p).
    NotOnCurve,
    /// `02 ‖ X` or `03 ‖ X`.
    Compressed,
    /// Neither form, or the wrong length for the curve.
    Malformed,
    /// A curve pkimm has no equation for; only the length was checked.
    Unchecked,
}

/// A short-Weierstrass curve y² = x³ + ax + b over the prime field p.
struct Curve {
    p: BigUint,
    a: BigUint,
    b: BigUint,
    field_bytes: usize,
}

fn hex(text: &str) -> BigUint {
    BigUint::parse_bytes(text.as_bytes(), 16).unwrap_or_default()
}

/// NIST curves (FIPS 186-5 / SP 800-186, a = p − 3) and secp256k1 (SEC 2).
static CURVES: LazyLock<Vec<(&'static str, Curve)>> = LazyLock::new(|| {
    let nist = |p: &str, b: &str, field_bytes| {
        let p = hex(p);
        Curve {
            a: &p - 3u32,
            p,
            b: hex(b),
            field_bytes,
        }
    };
    vec![
        (
            "P-256",
            nist(
                "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff",
                "5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b",
                32,
            ),
        ),
        (
            "P-384",
            nist(
                "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffff",
                "b3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aef",
                48,
            ),
        ),
        (
            "P-521",
            nist(
                "01ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
                "0051953eb9618e1c9a1f929a21a0b68540eea2da725b99b315f3b8b489918ef109e156193951ec7e937b1652c0bd3bb1bf073573df883d2c34f1ef451fd46b503f00",
                66,
            ),
        ),
        (
            "secp256k1",
            Curve {
                p: hex("fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f"),
                a: BigUint::default(),
                b: BigUint::from(7u32),
                field_bytes: 32,
            },
        ),
    ]
});

/// Checks the encoding of an EC public point on the named curve `curve`
/// whose field is `bits` wide (0 when unknown).
pub(crate) fn ec_point(curve: &str, bits: u32, point: &[u8]) -> EcPoint {
    let known = CURVES
        .iter()
        .find(|(name, _)| *name == curve)
        .map(|(_, c)| c);
    let field_bytes = known.map_or_else(|| (bits as usize).div_ceil(8), |c| c.field_bytes);
    match point {
        [0x04, coordinates @ ..] if field_bytes == 0 || coordinates.len() == 2 * field_bytes => {
            let Some(curve) = known else {
                return EcPoint::Unchecked;
            };
            let (x, y) = coordinates.split_at(field_bytes);
            let (x, y) = (BigUint::from_bytes_be(x), BigUint::from_bytes_be(y));
            if x >= curve.p || y >= curve.p {
                return EcPoint::NotOnCurve;
            }
            let left = &y * &y % &curve.p;
            let right = (&x * &x % &curve.p * &x + &curve.a * &x + &curve.b) % &curve.p;
            if left == right {
                EcPoint::OnCurve
            } else {
                EcPoint::NotOnCurve
            }
        }
        [0x02 | 0x03, rest @ ..] if field_bytes == 0 || rest.len() == field_bytes => {
            EcPoint::Compressed
        }
        _ => EcPoint::Malformed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 1000003 × 1000033: close primes, odd, no small factor.
    const CLOSE_PRIMES: u64 = 1_000_003 * 1_000_033;

    #[test]
    fn bit_lengths_ignore_leading_zeros() {
        assert_eq!(bit_length(&[0x00, 0x80, 0x00]), 16);
        assert_eq!(bit_length(&[0x7f, 0xff]), 15);
        assert_eq!(bit_length(&[0x00]), 0);
    }

    #[test]
    fn weak_moduli_are_found() {
        let even = rsa_modulus(&[0x01, 0x00]);
        assert!(even.even);
        let three = rsa_modulus(&(3u64 * 1_000_003).to_be_bytes());
        assert!(three.small_factor && !three.even);
        let close = rsa_modulus(&CLOSE_PRIMES.to_be_bytes());
        assert!(close.fermat_factorable && !close.small_factor);
        // 1000003 × 7000003: far apart, so Fermat needs more than 100 steps.
        let far = rsa_modulus(&(1_000_003u64 * 7_000_003).to_be_bytes());
        assert!(!far.fermat_factorable, "{far:?}");
        assert!(!far.roca);
    }

    #[test]
    fn a_modulus_that_is_a_power_of_65537_modulo_each_prime_has_the_roca_fingerprint() {
        // 65537^k mod p is in the subgroup for every prime: any power of
        // 65537 has the fingerprint.
        let fingerprinted = BigUint::from(65_537u32).pow(7).to_bytes_be();
        assert!(rsa_modulus(&fingerprinted).roca);
        let plain = rsa_modulus(&CLOSE_PRIMES.to_be_bytes());
        assert!(!plain.roca);
    }

    #[test]
    fn ec_points_are_checked_against_the_curve() {
        // The P-256 generator.
        let gx = hex("6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296");
        let gy = hex("4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5");
        let mut point = vec![0x04];
        point.extend(gx.to_bytes_be());
        point.extend(gy.to_bytes_be());
        assert_eq!(ec_point("P-256", 256, &point), EcPoint::OnCurve);
        let last = point.len() - 1;
        point[last] ^= 1;
        assert_eq!(ec_point("P-256", 256, &point), EcPoint::NotOnCurve);
        assert_eq!(ec_point("P-256", 256, &point[..40]), EcPoint::Malformed);
        let mut compressed = vec![0x03];
        compressed.extend(gx.to_bytes_be());
        assert_eq!(ec_point("P-256", 256, &compressed), EcPoint::Compressed);
        assert_eq!(ec_point("brainpoolP256r1", 256, &point), EcPoint::Unchecked);
    }
}
