//! Invariants of benchmarking (operations.md) on random peer values: quartiles in order and
//! inside the range, rank 1 exists and is the best value, ties share ranks, the top quartile holds
//! exactly the values at or beyond its boundary, and the order of the peers does not matter.

use proptest::prelude::*;
use zx_domain::Decimal;
use zx_domain::benchmark::{quartile_of, ranks, stats};
use zx_domain::catalogue::Better;

/// Values with up to four places, with many ties (a small range) or few (a large one).
fn values() -> impl Strategy<Value = Vec<Decimal>> {
    prop_oneof![
        proptest::collection::vec(-5i64..5, 1..40),
        proptest::collection::vec(-10_000_000i64..10_000_000, 1..40),
    ]
    .prop_map(|raw| raw.into_iter().map(|v| Decimal::new(v, 2)).collect())
}

fn better() -> impl Strategy<Value = Better> {
    prop_oneof![Just(Better::Higher), Just(Better::Lower)]
}

/// `a` is strictly better than `b`.
fn beats(better: Better, a: Decimal, b: Decimal) -> bool {
    match better {
        Better::Higher | Better::Neither => a > b,
        Better::Lower => a < b,
    }
}

proptest! {
    #[test]
    fn quartiles_are_ordered_and_within_the_range(values in values()) {
        let s = stats(&values).unwrap();
        prop_assert_eq!(s.n, values.len());
        prop_assert!(s.min <= s.q1 && s.q1 <= s.median && s.median <= s.q3 && s.q3 <= s.max);
        prop_assert_eq!(Some(&s.min), values.iter().min());
        prop_assert_eq!(Some(&s.max), values.iter().max());
    }

    #[test]
    fn ranks_count_the_strictly_better_values(values in values(), better in better()) {
        let r = ranks(&values, better);
        prop_assert!(r.contains(&1));
        for (i, &value) in values.iter().enumerate() {
            let ahead = values.iter().filter(|&&other| beats(better, other, value)).count();
            prop_assert_eq!(r[i], ahead + 1);
            // Equal values share a rank; a better value has a smaller one.
            for (j, &other) in values.iter().enumerate() {
                if other == value {
                    prop_assert_eq!(r[i], r[j]);
                } else if beats(better, other, value) {
                    prop_assert!(r[j] < r[i]);
                }
            }
        }
        // The best value has rank 1.
        let best = match better {
            Better::Higher | Better::Neither => values.iter().max(),
            Better::Lower => values.iter().min(),
        };
        let best_at = values.iter().position(|v| Some(v) == best).unwrap();
        prop_assert_eq!(r[best_at], 1);
    }

    #[test]
    fn quartile_one_holds_the_best_values(values in values(), better in better()) {
        let s = stats(&values).unwrap();
        let quartiles: Vec<u8> = values.iter().map(|&v| quartile_of(v, &s, better)).collect();
        // The best value is always in the top quarter, the worst in the top quarter only when
        // everything is equal to the boundary.
        let r = ranks(&values, better);
        for (i, &q) in quartiles.iter().enumerate() {
            prop_assert!((1..=4).contains(&q));
            if r[i] == 1 {
                prop_assert_eq!(q, 1);
            }
        }
        // Quartiles never invert ranks: a better value never lands in a worse quarter.
        for i in 0..values.len() {
            for j in 0..values.len() {
                if beats(better, values[i], values[j]) {
                    prop_assert!(quartiles[i] <= quartiles[j]);
                }
            }
        }
        // Quartile 1 is exactly the values at or beyond the boundary.
        let boundary = match better {
            Better::Higher | Better::Neither => s.q3,
            Better::Lower => s.q1,
        };
        for (i, &v) in values.iter().enumerate() {
            let in_top = match better {
                Better::Higher | Better::Neither => v >= boundary,
                Better::Lower => v <= boundary,
            };
            prop_assert_eq!(quartiles[i] == 1, in_top);
        }
        // At least a quarter of the peers is in the top quarter (QUARTILE.INC interpolates
        // between order statistics, so the boundary is reached by ⌈(n − 1)/4⌉ + 1 values or more).
        let top = quartiles.iter().filter(|&&q| q == 1).count();
        prop_assert!(4 * top >= values.len());
    }

    #[test]
    fn the_order_of_the_peers_does_not_matter(values in values(), better in better()) {
        let mut reversed = values.clone();
        reversed.reverse();
        prop_assert_eq!(stats(&values), stats(&reversed));
        let mut forward = ranks(&values, better);
        forward.reverse();
        prop_assert_eq!(forward, ranks(&reversed, better));
    }
}
