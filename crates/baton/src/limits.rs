//! Resource limits an embedder sets on a store: how far memories and tables may grow and
//! how many instances, memories and tables a store may hold.

/// Decides whether memories and tables may grow, and how many entities a store may create.
/// A refused growth makes `memory.grow`/`table.grow` return -1 (a Wasm-level failure the
/// guest can handle); exceeding a count fails instantiation.
pub trait ResourceLimiter: Send + Sync {
    /// A memory wants to grow from `current` to `desired` bytes (`maximum` from its type).
    fn memory_growing(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> bool;
    /// A table wants to grow from `current` to `desired` elements.
    fn table_growing(&mut self, current: u64, desired: u64, maximum: Option<u64>) -> bool;
    /// The store's GC heap (structures and arrays) wants to grow from `current` to
    /// `desired` bytes. Refused, the allocation traps. (Without a limiter, and by
    /// default, the heap may grow until the host is out of memory.)
    fn gc_heap_growing(&mut self, current: usize, desired: usize) -> bool {
        let _ = (current, desired);
        true
    }
    /// The most instances the store may hold.
    fn instances(&self) -> usize {
        10_000
    }
    /// The most memories the store may hold.
    fn memories(&self) -> usize {
        10_000
    }
    /// The most tables the store may hold.
    fn tables(&self) -> usize {
        10_000
    }
}

/// A ready-made [`ResourceLimiter`] with fixed bounds (built by [`StoreLimitsBuilder`]).
#[derive(Clone, Debug)]
pub struct StoreLimits {
    memory_size: Option<usize>,
    table_elements: Option<u64>,
    gc_heap_size: Option<usize>,
    instances: usize,
    memories: usize,
    tables: usize,
}

impl Default for StoreLimits {
    fn default() -> Self {
        StoreLimits {
            memory_size: None,
            table_elements: None,
            gc_heap_size: None,
            instances: 10_000,
            memories: 10_000,
            tables: 10_000,
        }
    }
}

impl ResourceLimiter for StoreLimits {
    fn memory_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> bool {
        self.memory_size.is_none_or(|max| desired <= max)
    }
    fn table_growing(&mut self, _current: u64, desired: u64, _maximum: Option<u64>) -> bool {
        self.table_elements.is_none_or(|max| desired <= max)
    }
    fn gc_heap_growing(&mut self, _current: usize, desired: usize) -> bool {
        self.gc_heap_size.is_none_or(|max| desired <= max)
    }
    fn instances(&self) -> usize {
        self.instances
    }
    fn memories(&self) -> usize {
        self.memories
    }
    fn tables(&self) -> usize {
        self.tables
    }
}

/// Builds [`StoreLimits`].
#[derive(Default)]
pub struct StoreLimitsBuilder(StoreLimits);

impl StoreLimitsBuilder {
    /// No limits beyond the defaults (10,000 instances, memories and tables).
    pub fn new() -> Self {
        Self::default()
    }
    /// The largest size, in bytes, any one memory may grow to.
    pub fn memory_size(mut self, bytes: usize) -> Self {
        self.0.memory_size = Some(bytes);
        self
    }
    /// The most elements any one table may grow to.
    pub fn table_elements(mut self, elements: u64) -> Self {
        self.0.table_elements = Some(elements);
        self
    }
    /// The largest size, in bytes, the store's GC heap (its structures and arrays) may
    /// grow to.
    pub fn gc_heap_size(mut self, bytes: usize) -> Self {
        self.0.gc_heap_size = Some(bytes);
        self
    }
    /// The most instances.
    pub fn instances(mut self, n: usize) -> Self {
        self.0.instances = n;
        self
    }
    /// The most memories.
    pub fn memories(mut self, n: usize) -> Self {
        self.0.memories = n;
        self
    }
    /// The most tables.
    pub fn tables(mut self, n: usize) -> Self {
        self.0.tables = n;
        self
    }
    /// The limits.
    pub fn build(self) -> StoreLimits {
        self.0
    }
}
