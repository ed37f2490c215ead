//! A contextual novelty detector beside the prototypes (after CAD OSE's idea): the recent values,
//! quantised against the range seen so far, form contexts of orders 1 to `ORDERS`; the share of
//! those contexts never met before is how new the present situation is.

/// Context orders (the last 1, 2, … `ORDERS` quantised values).
const ORDERS: usize = 6;
/// Slots of the remembered-context table (direct mapped: a collision forgets the older one).
const SLOTS: usize = 1 << 15;

#[derive(Debug, Clone)]
pub struct Context {
    levels: f64,
    last: [i32; ORDERS],
    filled: usize,
    table: Vec<u32>,
}

impl Context {
    pub fn new(levels: f64) -> Self {
        Self {
            levels,
            last: [0; ORDERS],
            filled: 0,
            table: vec![0; SLOTS],
        }
    }

    pub fn bytes(&self) -> usize {
        std::mem::size_of::<Self>() + self.table.capacity() * 4
    }

    /// The share of this row's contexts never seen before (0 to 1), then remembers them.
    pub fn novelty_and_learn(&mut self, value: f64, lo: f64, range: f64) -> f64 {
        let q = ((value - lo) / range * self.levels).floor();
        let q = q.clamp(-4.0, self.levels + 4.0) as i32;
        self.last.copy_within(0..ORDERS - 1, 1);
        self.last[0] = q;
        self.filled = (self.filled + 1).min(ORDERS);
        let mut new = 0usize;
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for k in 0..self.filled {
            h = (h ^ (self.last[k] as u32 as u64)).wrapping_mul(0x0000_0100_0000_01b3);
            let key = (h ^ (h >> 29)).wrapping_mul(0xbf58_476d_1ce4_e5b9) | 1;
            let slot = (key >> 40) as usize & (SLOTS - 1);
            let key = key as u32 | 1;
            if self.table[slot] != key {
                new += 1;
                self.table[slot] = key;
            }
        }
        new as f64 / ORDERS as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_contexts_are_counted_per_order_and_remembered() {
        // Four levels over [0, 1): 0.1 is level 0, 0.9 is level 3.
        let mut c = Context::new(4.0);
        // Rows 1 to 6 of a constant 0.1: each adds one order, whose context (0, 0, …) is new;
        // the shorter ones were seen the row before. One new of six: 1/6 each.
        for row in 1..=6 {
            let n = c.novelty_and_learn(0.1, 0.0, 1.0);
            assert!((n - 1.0 / 6.0).abs() < 1e-12, "row {row}: {n}");
        }
        // Row 7: all six contexts of zeros are known.
        assert_eq!(c.novelty_and_learn(0.1, 0.0, 1.0), 0.0);
        // A jump to level 3: (3), (3, 0), … (3, 0, 0, 0, 0, 0) are all new: 6/6.
        assert_eq!(c.novelty_and_learn(0.9, 0.0, 1.0), 1.0);
        // Back to 0.1: (0) is known, (0, 3) and the four longer ones are new: 5/6.
        assert!((c.novelty_and_learn(0.1, 0.0, 1.0) - 5.0 / 6.0).abs() < 1e-12);
    }

    #[test]
    fn values_beyond_the_range_get_their_own_levels() {
        let mut c = Context::new(4.0);
        for _ in 0..7 {
            c.novelty_and_learn(0.5, 0.0, 1.0);
        }
        // 1.6 is level floor(1.6 × 4) = 6, beyond the range's 0..3: a new level, all new.
        assert_eq!(c.novelty_and_learn(1.6, 0.0, 1.0), 1.0);
    }
}
