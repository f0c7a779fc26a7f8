//! Response bodies that never pass their cap.
//!
//! A body whose length is announced (a Content-Length within the cap) is one
//! exact allocation. A body without one is gathered in blocks of anonymous
//! memory mapped for it alone and joined once at the end: no doubling, no
//! reallocation of a growing buffer, no connection buffers kept alive. Each
//! block is unmapped as soon as it is copied or the body is dropped, so its
//! memory goes back to the system at once. Blocks from the allocator would
//! not: mimalloc keeps freed pages for a while before handing them back, and
//! a 90 MB body joined from heap blocks peaked at twice its size (a body cut
//! at its cap, likewise, left its memory held while the next one grew).

use std::io;

use memmap2::MmapMut;

/// The size of one body block.
pub(crate) const BLOCK: usize = 512 * 1024;

/// Why a chunk was not taken.
#[derive(Debug)]
pub(crate) enum Refused {
    /// It would pass the body's cap (or its announced length).
    Cap,
    /// The system refused the memory for another block.
    Memory(io::Error),
}

/// One mapped block and how much of it is filled.
struct Block {
    map: MmapMut,
    filled: usize,
}

impl Block {
    fn new(size: usize) -> io::Result<Self> {
        Ok(Self {
            map: MmapMut::map_anon(size)?,
            filled: 0,
        })
    }

    /// Copies what fits of `chunk`; returns the rest.
    fn fill<'c>(&mut self, chunk: &'c [u8]) -> &'c [u8] {
        let take = (self.map.len() - self.filled).min(chunk.len());
        self.map[self.filled..self.filled + take].copy_from_slice(&chunk[..take]);
        self.filled += take;
        &chunk[take..]
    }

    fn is_full(&self) -> bool {
        self.filled == self.map.len()
    }

    fn bytes(&self) -> &[u8] {
        &self.map[..self.filled]
    }
}

/// A response body that never holds more than its cap.
pub(crate) struct BoundedBody {
    /// The body of an announced length, allocated once.
    exact: Option<Vec<u8>>,
    /// The body of an unannounced length, block by block.
    blocks: Vec<Block>,
    len: usize,
    cap: usize,
}

impl BoundedBody {
    /// An empty body of at most `cap` bytes; with `announced` (a
    /// Content-Length within the cap) it is allocated at once and holds at
    /// most that much.
    pub(crate) fn new(cap: usize, announced: Option<usize>) -> Self {
        let (exact, cap) = match announced {
            Some(length) if length <= cap => (Some(Vec::with_capacity(length)), length),
            _ => (None, cap),
        };
        Self {
            exact,
            blocks: Vec::new(),
            len: 0,
            cap,
        }
    }

    /// Bytes held.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Appends `chunk`, or refuses it whole.
    pub(crate) fn extend(&mut self, mut chunk: &[u8]) -> Result<(), Refused> {
        if self.len + chunk.len() > self.cap {
            return Err(Refused::Cap);
        }
        if let Some(exact) = &mut self.exact {
            exact.extend_from_slice(chunk);
            self.len += chunk.len();
            return Ok(());
        }
        while !chunk.is_empty() {
            let block = match self.blocks.last_mut() {
                Some(block) if !block.is_full() => block,
                _ => {
                    let size = BLOCK.min(self.cap - self.len);
                    self.blocks.push(Block::new(size).map_err(Refused::Memory)?);
                    self.blocks.last_mut().unwrap_or_else(|| unreachable!())
                }
            };
            let rest = block.fill(chunk);
            self.len += chunk.len() - rest.len();
            chunk = rest;
        }
        Ok(())
    }

    /// The body as one buffer, each block unmapped as soon as it is copied.
    pub(crate) fn into_vec(mut self) -> Vec<u8> {
        if let Some(exact) = self.exact.take() {
            return exact;
        }
        let mut joined = Vec::with_capacity(self.len);
        for block in std::mem::take(&mut self.blocks) {
            joined.extend_from_slice(block.bytes());
        }
        joined
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_stop_at_the_cap() {
        let mut body = BoundedBody::new(5 * 1024 * 1024, None);
        let chunk = vec![7u8; 64 * 1000];
        let mut accepted = 0;
        while body.extend(&chunk).is_ok() {
            accepted += chunk.len();
        }
        assert!(matches!(body.extend(&chunk), Err(Refused::Cap)));
        assert_eq!(accepted, body.len());
        assert!(body.len() > 5 * 1024 * 1024 - chunk.len());
        assert!(body.blocks.iter().all(|b| b.map.len() <= BLOCK));
        let joined = body.into_vec();
        assert_eq!(joined.len(), accepted);
        assert!(joined.iter().all(|b| *b == 7));
    }

    #[test]
    fn blocks_join_in_order_across_chunk_boundaries() {
        let expected: Vec<u8> = (0..3 * BLOCK + 17).map(|i| (i % 251) as u8).collect();
        let mut body = BoundedBody::new(usize::MAX, None);
        for chunk in expected.chunks(BLOCK / 3 + 1) {
            body.extend(chunk).unwrap();
        }
        assert_eq!(body.blocks.len(), 4);
        assert_eq!(body.into_vec(), expected);
    }

    #[test]
    fn an_announced_length_is_one_exact_allocation() {
        let mut body = BoundedBody::new(10 * BLOCK, Some(3 * BLOCK + 5));
        let chunk = vec![1u8; 4096];
        while body.len() + chunk.len() <= 3 * BLOCK {
            body.extend(&chunk).unwrap();
        }
        body.extend(&vec![1u8; 3 * BLOCK + 5 - body.len()]).unwrap();
        assert!(
            matches!(body.extend(b"x"), Err(Refused::Cap)),
            "more than announced is refused"
        );
        assert!(body.blocks.is_empty());
        let joined = body.into_vec();
        assert_eq!(
            (joined.len(), joined.capacity()),
            (3 * BLOCK + 5, 3 * BLOCK + 5)
        );
    }

    #[test]
    fn an_announced_length_past_the_cap_is_gathered_in_blocks() {
        let mut body = BoundedBody::new(BLOCK, Some(2 * BLOCK));
        assert!(body.exact.is_none());
        body.extend(&vec![2u8; BLOCK]).unwrap();
        assert!(matches!(body.extend(b"x"), Err(Refused::Cap)));
    }
}
