//! Work spread over threads: the one helper the engines use to judge stacks or days on several
//! cores. Pure apart from the threads it starts: results come back in the order of the inputs,
//! whatever thread computed them, so the output never depends on scheduling.

use std::sync::atomic::{AtomicUsize, Ordering};

/// `f` of each item on up to `threads` threads (at least one), results in the order of
/// `items`. Items are handed out one at a time so that a large one does not leave a core idle.
pub fn map_in_parallel<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let threads = threads.clamp(1, items.len().max(1));
    if threads == 1 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let mut done: Vec<(usize, R)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let index = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(index) else {
                            break;
                        };
                        mine.push((index, f(item)));
                    }
                    mine
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|worker| {
                worker
                    .join()
                    .unwrap_or_else(|p| std::panic::resume_unwind(p))
            })
            .collect()
    });
    done.sort_unstable_by_key(|(index, _)| *index);
    done.into_iter().map(|(_, result)| result).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_keep_the_order_of_the_items_on_any_number_of_threads() {
        let items: Vec<u64> = (0..100).collect();
        for threads in [0, 1, 2, 3, 200] {
            let squares = map_in_parallel(&items, threads, |n| n * n);
            assert_eq!(squares.len(), 100);
            assert_eq!(squares[7], 49);
            assert_eq!(squares[99], 9801);
        }
        assert!(map_in_parallel(&[] as &[u64], 2, |n| *n).is_empty());
    }
}
