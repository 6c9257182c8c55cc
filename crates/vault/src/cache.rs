//! The reader's cache of decrypted, hash-checked 64 KiB blocks: least recently used first out,
//! within a byte budget. Blocks are wiped when the last reference to them goes (evicted and no
//! reader still holding one), since they hold patient data in plaintext.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use zeroize::Zeroizing;

use crate::BLOCK;

/// One decrypted block; zeroed on drop.
pub(crate) type Block = Arc<Zeroizing<Vec<u8>>>;

pub(crate) struct BlockCache {
    capacity: usize,
    clock: u64,
    blocks: HashMap<u64, (Block, u64)>,
    /// Last-use time → block index, oldest first.
    by_age: BTreeMap<u64, u64>,
}

impl BlockCache {
    /// A cache holding at most `budget_bytes` of blocks (none if the budget is under one block).
    pub fn new(budget_bytes: usize) -> Self {
        BlockCache {
            capacity: budget_bytes / BLOCK,
            clock: 0,
            blocks: HashMap::new(),
            by_age: BTreeMap::new(),
        }
    }

    pub fn get(&mut self, index: u64) -> Option<Block> {
        self.clock += 1;
        let (block, used) = self.blocks.get_mut(&index)?;
        self.by_age.remove(used);
        *used = self.clock;
        self.by_age.insert(self.clock, index);
        Some(Arc::clone(block))
    }

    pub fn insert(&mut self, index: u64, block: Block) {
        if self.capacity == 0 {
            return;
        }
        self.clock += 1;
        if let Some((_, used)) = self.blocks.insert(index, (block, self.clock)) {
            self.by_age.remove(&used);
        }
        self.by_age.insert(self.clock, index);
        while self.blocks.len() > self.capacity {
            let Some((_, oldest)) = self.by_age.pop_first() else {
                break;
            };
            self.blocks.remove(&oldest);
        }
    }

    #[cfg(test)]
    fn indices(&self) -> Vec<u64> {
        let mut v: Vec<u64> = self.blocks.keys().copied().collect();
        v.sort_unstable();
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(fill: u8) -> Block {
        Arc::new(Zeroizing::new(vec![fill; 4]))
    }

    #[test]
    fn the_least_recently_used_block_is_evicted_first() {
        let mut cache = BlockCache::new(2 * BLOCK);
        cache.insert(1, block(1));
        cache.insert(2, block(2));
        assert!(cache.get(1).is_some());
        cache.insert(3, block(3));
        assert_eq!(cache.indices(), [1, 3]);
        assert_eq!(cache.get(3).map(|b| b[0]), Some(3));
        assert!(cache.get(2).is_none());
    }

    #[test]
    fn a_budget_under_one_block_caches_nothing() {
        let mut cache = BlockCache::new(BLOCK - 1);
        cache.insert(1, block(1));
        assert!(cache.get(1).is_none());
    }

    #[test]
    fn reinserting_a_block_does_not_grow_the_cache() {
        let mut cache = BlockCache::new(2 * BLOCK);
        for _ in 0..5 {
            cache.insert(7, block(7));
        }
        cache.insert(8, block(8));
        assert_eq!(cache.indices(), [7, 8]);
        assert_eq!(cache.by_age.len(), 2);
    }
}
