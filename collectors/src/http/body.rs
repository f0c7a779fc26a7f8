//! Response bodies that never pass their cap, built from fixed-size blocks
//! that one fetcher's bodies hand on to each other.
//!
//! A body cut at its cap (an endless or oversized response) frees hundreds
//! of megabytes at once. The allocator does not always hand that memory to
//! the next large body before the body has grown by another few dozen
//! megabytes, so the process would briefly hold more than its large-body
//! slots allow. The pool closes that gap: a finished body's blocks go to the
//! next body before anything new is allocated, and the pool is emptied as
//! soon as no large body of its fetcher is in flight or waiting for a slot
//! (small answers, such as OCSP, never keep it alive).

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// The size of one body block.
pub(crate) const BLOCK: usize = 512 * 1024;

/// Blocks of finished bodies, waiting for the next one.
#[derive(Debug, Default)]
pub(crate) struct BlockPool {
    state: Mutex<PoolState>,
}

#[derive(Debug, Default)]
struct PoolState {
    /// Large bodies in flight or waiting for a slot.
    large_bodies: usize,
    /// Empty blocks of [`BLOCK`] capacity.
    free: Vec<Vec<u8>>,
}

impl BlockPool {
    fn lock(&self) -> MutexGuard<'_, PoolState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Empty blocks held for the next body.
    #[cfg(test)]
    pub(crate) fn free_blocks(&self) -> usize {
        self.lock().free.len()
    }

    /// A block of `size` bytes' capacity: a pooled one when `size` is a
    /// whole block and one is free, else a new exact allocation.
    fn take(&self, size: usize) -> Vec<u8> {
        if size == BLOCK {
            if let Some(block) = self.lock().free.pop() {
                return block;
            }
        }
        Vec::with_capacity(size.max(1))
    }

    /// Takes back a finished body's blocks while a large body is in flight;
    /// frees every pooled block once none is.
    fn give_back(&self, blocks: Vec<Vec<u8>>, was_large: bool) {
        let mut state = self.lock();
        if was_large {
            state.large_bodies = state.large_bodies.saturating_sub(1);
        }
        if state.large_bodies == 0 {
            let pooled = std::mem::take(&mut state.free);
            drop(state);
            // Freed outside the lock.
            drop((pooled, blocks));
            return;
        }
        let whole = blocks.into_iter().filter(|b| b.capacity() == BLOCK);
        state.free.extend(whole.map(|mut b| {
            b.clear();
            b
        }));
    }
}

/// A response body that never holds more than its cap. What the connection
/// delivers is copied into blocks of [`BLOCK`] bytes (no doubling, no
/// reallocation of a growing buffer, no connection buffers kept alive) and
/// joined once at the end; a body whose length is announced is one exact
/// allocation instead.
pub(crate) struct BoundedBody {
    blocks: Vec<Vec<u8>>,
    len: usize,
    cap: usize,
    pool: Arc<BlockPool>,
    /// Whether it is counted among the pool's large bodies.
    large: bool,
}

impl BoundedBody {
    /// An empty body of at most `cap` bytes drawing blocks from `pool`; with
    /// `announced` (a Content-Length within the cap) it is allocated at once.
    pub(crate) fn new(cap: usize, announced: Option<usize>, pool: Arc<BlockPool>) -> Self {
        let mut blocks = Vec::new();
        let cap = match announced {
            Some(length) if length <= cap => {
                blocks.push(Vec::with_capacity(length.max(1)));
                length
            }
            _ => cap,
        };
        Self {
            blocks,
            len: 0,
            cap,
            pool,
            large: false,
        }
    }

    /// Counts the body as large (past the fetcher's threshold, in flight or
    /// waiting for a slot): the pool is kept for it until it is dropped.
    pub(crate) fn mark_large(&mut self) {
        if !self.large {
            self.large = true;
            self.pool.lock().large_bodies += 1;
        }
    }

    /// Bytes held.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Appends `chunk`; false when it would pass the cap.
    pub(crate) fn extend(&mut self, mut chunk: &[u8]) -> bool {
        if self.len + chunk.len() > self.cap {
            return false;
        }
        self.len += chunk.len();
        while !chunk.is_empty() {
            let block = match self.blocks.last_mut() {
                Some(block) if block.len() < block.capacity() => block,
                _ => {
                    let size = BLOCK.min(self.cap - (self.len - chunk.len()));
                    self.blocks.push(self.pool.take(size));
                    self.blocks.last_mut().unwrap_or_else(|| unreachable!())
                }
            };
            let take = (block.capacity() - block.len()).min(chunk.len());
            block.extend_from_slice(&chunk[..take]);
            chunk = &chunk[take..];
        }
        true
    }

    /// The body as one buffer. Each block is freed as soon as it is copied
    /// (not pooled), so the joined buffer's pages are touched as the
    /// blocks' are released rather than on top of them.
    pub(crate) fn into_vec(mut self) -> Vec<u8> {
        if self.blocks.len() == 1 {
            return self.blocks.pop().unwrap_or_default();
        }
        let mut joined = Vec::with_capacity(self.len);
        for block in std::mem::take(&mut self.blocks) {
            joined.extend_from_slice(&block);
        }
        joined
    }
}

impl Drop for BoundedBody {
    fn drop(&mut self) {
        self.pool
            .give_back(std::mem::take(&mut self.blocks), self.large);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_stop_at_the_cap() {
        let pool = Arc::new(BlockPool::default());
        let mut body = BoundedBody::new(5 * 1024 * 1024, None, pool);
        let chunk = vec![7u8; 64 * 1000];
        let mut accepted = 0;
        while body.extend(&chunk) {
            accepted += chunk.len();
        }
        assert_eq!(accepted, body.len());
        assert!(body.len() > 5 * 1024 * 1024 - chunk.len());
        assert!(body.blocks.iter().all(|b| b.capacity() <= BLOCK));
        let joined = body.into_vec();
        assert_eq!(joined.len(), accepted);
        assert!(joined.iter().all(|b| *b == 7));
    }

    #[test]
    fn an_announced_length_is_one_exact_allocation() {
        let pool = Arc::new(BlockPool::default());
        let mut body = BoundedBody::new(10 * BLOCK, Some(3 * BLOCK + 5), pool);
        let chunk = vec![1u8; 4096];
        while body.len() + chunk.len() <= 3 * BLOCK {
            assert!(body.extend(&chunk));
        }
        assert!(body.extend(&vec![1u8; 3 * BLOCK + 5 - body.len()]));
        assert!(!body.extend(b"x"), "more than announced is refused");
        assert_eq!(body.blocks.len(), 1);
        let joined = body.into_vec();
        assert_eq!(
            (joined.len(), joined.capacity()),
            (3 * BLOCK + 5, 3 * BLOCK + 5)
        );
    }

    #[test]
    fn a_cut_body_hands_its_blocks_to_the_next_and_the_last_frees_them() {
        let pool = Arc::new(BlockPool::default());
        let mut waiting = BoundedBody::new(BLOCK, None, pool.clone());
        waiting.mark_large();
        let mut first = BoundedBody::new(4 * BLOCK, None, pool.clone());
        first.mark_large();
        let block = vec![9u8; BLOCK];
        while first.extend(&block) {}
        let addresses: Vec<*const u8> = first.blocks.iter().map(|b| b.as_ptr()).collect();
        drop(first);
        assert_eq!(pool.free_blocks(), 4);

        let mut second = BoundedBody::new(4 * BLOCK, None, pool.clone());
        second.mark_large();
        assert!(second.extend(&block) && second.extend(&block));
        assert_eq!(pool.free_blocks(), 2, "two pooled blocks reused");
        assert!(second
            .blocks
            .iter()
            .all(|b| addresses.contains(&b.as_ptr())));
        assert_eq!(second.into_vec().len(), 2 * BLOCK);
        assert_eq!(
            pool.free_blocks(),
            2,
            "joined: its blocks are freed as copied"
        );

        let small = BoundedBody::new(BLOCK, None, pool.clone());
        drop(waiting);
        assert_eq!(pool.free_blocks(), 0, "no large body in flight: pool freed");
        drop(small);
        assert_eq!(pool.free_blocks(), 0, "a small body pools nothing");
    }
}
