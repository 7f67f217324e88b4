//! A small, fast hasher for the validator's maps of short ids.
//!
//! The default SipHash resists hash flooding, which costs about as much as the rest of
//! validation on a 100,000-line file. The keys here are model ids from the user's own file
//! or our catalog, and the server caps a body at 1 MiB, so flooding buys an attacker
//! nothing: the Fx mixing function (rustc's) is enough.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A `HashMap` using [`FxHasher`].
pub(crate) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// rustc's Fx hash: one rotate, xor and multiply per word.
#[derive(Default, Clone, Copy)]
pub(crate) struct FxHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, byte: u8) {
        self.add(u64::from(byte));
    }

    fn write_usize(&mut self, value: usize) {
        self.add(value as u64);
    }

    fn finish(&self) -> u64 {
        // The multiply leaves the entropy in the high bits, but hashbrown picks buckets
        // from the low ones; rotating them down is what rustc-hash 2 does too.
        self.hash.rotate_left(26)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn different_ids_land_in_different_slots_and_equal_ids_in_the_same() {
        let mut map: FastMap<&str, usize> = FastMap::default();
        map.insert("amazon.nova-pro-v1:0", 1);
        map.insert("amazon.nova-lite-v1:0", 2);
        map.insert("amazon.nova-pro-v1:0", 3);
        assert_eq!(map.len(), 2);
        assert_eq!(map.get("amazon.nova-pro-v1:0"), Some(&3));
    }
}
