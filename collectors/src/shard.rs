//! Sharding: N agents (or the N pods of a Kubernetes Indexed Job) share one
//! large estate. `--shard I/N` keeps the targets whose stable hash falls in
//! share I (0-based, as `JOB_COMPLETION_INDEX` counts); every target belongs
//! to exactly one share, whatever machine computes it.

use std::fmt;
use std::str::FromStr;

use sha2::{Digest, Sha256};

/// One share of the targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Shard {
    /// This share, `0..count`.
    pub index: u32,
    /// How many shares.
    pub count: u32,
}

impl Shard {
    /// Everything: one share of one.
    pub const ALL: Self = Self { index: 0, count: 1 };

    /// Whether this is the whole estate.
    pub fn is_all(self) -> bool {
        self.count <= 1
    }

    /// Whether the target with this key (`host:port`, a URL) is in this share.
    pub fn owns(self, key: &str) -> bool {
        if self.is_all() {
            return true;
        }
        let digest = Sha256::digest(key.as_bytes());
        let mut prefix = [0u8; 8];
        prefix.copy_from_slice(&digest[..8]);
        u64::from_be_bytes(prefix) % u64::from(self.count) == u64::from(self.index)
    }

    /// Whether this share runs the collectors that have no target list (files,
    /// directories, tokens, inventories): the first one does, so that the
    /// shares together collect them once.
    pub fn runs_unsharded(self) -> bool {
        self.index == 0
    }
}

impl Default for Shard {
    fn default() -> Self {
        Self::ALL
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// A `--shard` value that is not `I/N` with `0 <= I < N`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("shard {0:?}: expected I/N with 0 <= I < N, such as 0/3")]
pub struct ShardError(pub String);

impl FromStr for Shard {
    type Err = ShardError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let error = || ShardError(text.to_string());
        let (index, count) = text.split_once('/').ok_or_else(error)?;
        let index: u32 = index.trim().parse().map_err(|_| error())?;
        let count: u32 = count.trim().parse().map_err(|_| error())?;
        if count == 0 || index >= count {
            return Err(error());
        }
        Ok(Self { index, count })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_target_is_in_exactly_one_share() {
        let shards: Vec<Shard> = (0..3).map(|i| Shard { index: i, count: 3 }).collect();
        let mut sizes = [0usize; 3];
        for n in 0..3000 {
            let key = format!("10.0.{}.{}:443", n / 256, n % 256);
            let owners: Vec<usize> = (0..3).filter(|&i| shards[i].owns(&key)).collect();
            assert_eq!(owners.len(), 1, "{key}");
            sizes[owners[0]] += 1;
        }
        assert!(sizes.iter().all(|&s| s > 850), "balanced: {sizes:?}");
        assert!(Shard::ALL.owns("anything"));
    }

    #[test]
    fn shard_values_are_checked() {
        assert_eq!("1/3".parse(), Ok(Shard { index: 1, count: 3 }));
        for bad in ["3/3", "1", "a/b", "0/0", "-1/2"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
        assert_eq!(Shard { index: 2, count: 5 }.to_string(), "2/5");
    }
}
