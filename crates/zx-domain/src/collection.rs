//! Who is expected to submit a month's figures, by when, and when a month is complete.
//!
//! A unit is asked for figures only where it has figures of its own: every leaf (a plant), and a
//! parent only where it books rows of its own (HQ figures, intra-group eliminations). Which
//! months a parent books is read from the year before (the same calendar month had own rows), so
//! a parent that settles quarterly is asked each quarter, not every month; the group can name
//! units that must or need not submit whatever the data says ([`Policy`]).
//!
//! The figures of month M are due by day D of month M + 1 ([`Policy::deadline`]). Until the month
//! is over nothing is asked for; until its deadline it is "due"; only after its deadline is a
//! month without a submission missing. A month is complete for a subtree when every unit expected
//! in it has submitted (or, as the group sets, has been approved).
//!
//! Pure: the date in China is passed in, what was filed comes through [`Filings`].

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate};

use crate::entity::{EntityCode, EntityId, EntityTree};
use crate::period::Month;

/// Day of the following month by which a month's figures are due, unless the group sets another.
pub const DEFAULT_DUE_DAY: u32 = 10;

/// What makes a unit's month count as done when judging whether a month is complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CompleteWhen {
    /// Submitted (or approved): the figures are in.
    #[default]
    Submitted,
    /// Approved by HQ: a group that reads only reviewed figures.
    Approved,
}

/// Where one unit's month stands, as far as the collection is concerned. Ordered: a later
/// variant is further along.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Filing {
    /// No figures (or a month locked before anything was submitted).
    NotSubmitted,
    /// HQ sent the figures back: they are to be submitted again.
    Returned,
    /// Figures are in and await HQ.
    Submitted,
    /// HQ approved the figures (a lock after submission counts as approval).
    Approved,
}

/// What the collection knows about each unit-month. The server reads it from the store; tests
/// write it by hand.
pub trait Filings {
    /// Where `entity`'s `month` stands.
    fn filing(&self, entity: EntityId, month: Month) -> Filing;
    /// Whether `entity` has rows of its own for `month` (a parent's HQ figures or eliminations;
    /// a leaf's figures).
    fn has_own_rows(&self, entity: EntityId, month: Month) -> bool;
}

/// The group's collection settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// Figures of month M are due by this day of month M + 1 (the month's last day if shorter).
    pub due_day: u32,
    /// Units that must submit every month, whatever their place in the tree.
    pub must_submit: BTreeSet<EntityCode>,
    /// Units that never need to submit (a holding company whose figures are all its children's,
    /// a plant not yet reporting). Wins over `must_submit`.
    pub need_not_submit: BTreeSet<EntityCode>,
    pub complete_when: CompleteWhen,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            due_day: DEFAULT_DUE_DAY,
            must_submit: BTreeSet::new(),
            need_not_submit: BTreeSet::new(),
            complete_when: CompleteWhen::Submitted,
        }
    }
}

/// Where a month stands in time, for a unit that has not submitted it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timing {
    /// The month is not over yet (this month or later): nothing is asked for.
    NotYet,
    /// The month is over and its deadline (inclusive) has not passed.
    Due(NaiveDate),
    /// The deadline has passed.
    Overdue(NaiveDate),
}

/// The collection grid's verdict on one unit-month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Submitted or approved.
    Filed(Filing),
    /// Returned by HQ; `overdue` once the deadline has passed (then it counts as missing).
    Returned { overdue: bool },
    /// Not expected from this unit, and nothing filed.
    NotExpected,
    /// Expected, but the month is not over yet.
    NotYet,
    /// Expected, the month is over, due by this date.
    Due(NaiveDate),
    /// Expected and not submitted by its deadline.
    Missing,
}

impl Verdict {
    /// Whether the grid counts this cell as missing (red).
    pub fn is_missing(self) -> bool {
        matches!(self, Verdict::Missing | Verdict::Returned { overdue: true })
    }
}

/// How far a month's collection is for a subtree: who is expected and who is not done yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthProgress {
    pub month: Month,
    /// Units expected to submit, in the subtree's order (parents before children).
    pub expected: Vec<EntityId>,
    /// Expected units not done yet (not submitted, or not approved when approval is asked).
    pub pending: Vec<EntityId>,
}

impl MonthProgress {
    /// Expected units that are done.
    pub fn done(&self) -> usize {
        self.expected.len() - self.pending.len()
    }

    /// Every expected unit is done.
    pub fn is_complete(&self) -> bool {
        self.pending.is_empty()
    }
}

impl Policy {
    /// The last day on which `month`'s figures are on time: day `due_day` of the month after
    /// (the month's last day when it is shorter; day 1 when `due_day` is 0).
    pub fn deadline(&self, month: Month) -> NaiveDate {
        let next = month.offset(1).unwrap_or(month);
        let (year, number) = (next.year(), next.month());
        let last = last_day(year, number);
        let day = self.due_day.clamp(1, last);
        NaiveDate::from_ymd_opt(year, number, day)
            .unwrap_or_else(|| unreachable!("day clamped to the month's length"))
    }

    /// Where `month` stands on `today` (the date in China).
    pub fn timing(&self, month: Month, today: NaiveDate) -> Timing {
        let current = Month::new(today.year(), today.month()).ok();
        if current.is_some_and(|c| month >= c) {
            return Timing::NotYet;
        }
        let deadline = self.deadline(month);
        if today <= deadline {
            Timing::Due(deadline)
        } else {
            Timing::Overdue(deadline)
        }
    }

    /// Whether `entity` is expected to submit figures for `month`: not if the group says it
    /// need not; yes if the group says it must; a leaf always; a parent when it had rows of its
    /// own in the same month a year before (a recurring booking: monthly, quarterly or yearly).
    pub fn is_expected(
        &self,
        tree: &EntityTree,
        filings: &dyn Filings,
        entity: EntityId,
        month: Month,
    ) -> bool {
        let code = &tree.entity(entity).code;
        if self.need_not_submit.contains(code) {
            return false;
        }
        if self.must_submit.contains(code) || tree.is_leaf(entity) {
            return true;
        }
        month
            .year_before()
            .is_some_and(|before| filings.has_own_rows(entity, before))
    }

    /// Whether a unit's month counts as done for completeness.
    pub fn is_done(&self, filing: Filing) -> bool {
        match self.complete_when {
            CompleteWhen::Submitted => filing >= Filing::Submitted,
            CompleteWhen::Approved => filing == Filing::Approved,
        }
    }

    /// The grid's verdict on `entity`'s `month` on `today`.
    pub fn verdict(
        &self,
        tree: &EntityTree,
        filings: &dyn Filings,
        entity: EntityId,
        month: Month,
        today: NaiveDate,
    ) -> Verdict {
        let timing = self.timing(month, today);
        match filings.filing(entity, month) {
            filing @ (Filing::Submitted | Filing::Approved) => Verdict::Filed(filing),
            Filing::Returned => Verdict::Returned {
                overdue: matches!(timing, Timing::Overdue(_))
                    && self.is_expected(tree, filings, entity, month),
            },
            Filing::NotSubmitted if !self.is_expected(tree, filings, entity, month) => {
                Verdict::NotExpected
            }
            Filing::NotSubmitted => match timing {
                Timing::NotYet => Verdict::NotYet,
                Timing::Due(date) => Verdict::Due(date),
                Timing::Overdue(_) => Verdict::Missing,
            },
        }
    }

    /// Who under `root` (itself included) is expected to submit `month`, and who is not done.
    pub fn progress(
        &self,
        tree: &EntityTree,
        filings: &dyn Filings,
        root: EntityId,
        month: Month,
    ) -> MonthProgress {
        let expected: Vec<EntityId> = tree
            .subtree(root)
            .into_iter()
            .filter(|&id| self.is_expected(tree, filings, id, month))
            .collect();
        let pending = expected
            .iter()
            .copied()
            .filter(|&id| !self.is_done(filings.filing(id, month)))
            .collect();
        MonthProgress {
            month,
            expected,
            pending,
        }
    }

    /// The latest month from `last` back to `first` that is complete for `root`'s subtree.
    pub fn latest_complete(
        &self,
        tree: &EntityTree,
        filings: &dyn Filings,
        root: EntityId,
        first: Month,
        last: Month,
    ) -> Option<Month> {
        let mut month = last;
        while month >= first {
            if self.progress(tree, filings, root, month).is_complete() {
                return Some(month);
            }
            month = month.previous()?;
        }
        None
    }
}

/// The number of days of a month.
fn last_day(year: i32, month: u32) -> u32 {
    let (next_year, next_month) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    NaiveDate::from_ymd_opt(next_year, next_month, 1)
        .and_then(|d| d.pred_opt())
        .map_or(28, |d| d.day())
}

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};

    use super::*;
    use crate::entity::{Entity, EntityKind};

    /// G ─┬─ A (subsidiary, own rows) ─┬─ A1 ─ plant
    ///    │                             └─ A2 ─ plant
    ///    └─ B (holding, no own rows) ──── B1 ─ plant
    fn tree() -> EntityTree {
        let entity = |code: &str, parent: Option<&str>, kind| Entity {
            code: EntityCode::parse(code).unwrap(),
            name: code.to_owned(),
            parent: parent.map(|p| EntityCode::parse(p).unwrap()),
            kind,
            region: String::new(),
            segment: String::new(),
        };
        EntityTree::build(vec![
            entity("G", None, EntityKind::Group),
            entity("A", Some("G"), EntityKind::Subsidiary),
            entity("A1", Some("A"), EntityKind::Plant),
            entity("A2", Some("A"), EntityKind::Plant),
            entity("B", Some("G"), EntityKind::Subsidiary),
            entity("B1", Some("B"), EntityKind::Plant),
        ])
        .unwrap()
    }

    #[derive(Default)]
    struct Book {
        filed: HashMap<(EntityId, Month), Filing>,
        own_rows: HashSet<(EntityId, Month)>,
    }

    impl Book {
        fn file(&mut self, tree: &EntityTree, code: &str, month: &str, filing: Filing) {
            let key = (tree.id_of(code).unwrap(), m(month));
            self.filed.insert(key, filing);
            if filing >= Filing::Returned {
                self.own_rows.insert(key);
            }
        }
    }

    impl Filings for Book {
        fn filing(&self, entity: EntityId, month: Month) -> Filing {
            self.filed
                .get(&(entity, month))
                .copied()
                .unwrap_or(Filing::NotSubmitted)
        }
        fn has_own_rows(&self, entity: EntityId, month: Month) -> bool {
            self.own_rows.contains(&(entity, month))
        }
    }

    fn m(text: &str) -> Month {
        Month::parse(text).unwrap()
    }

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn codes(tree: &EntityTree, ids: &[EntityId]) -> Vec<String> {
        ids.iter()
            .map(|&id| tree.entity(id).code.to_string())
            .collect()
    }

    #[test]
    fn leaves_are_expected_parents_only_where_they_booked_the_month_a_year_before() {
        let tree = tree();
        let mut book = Book::default();
        // A books eliminations every month of 2025; G once, in December 2025.
        for month in 1..=12 {
            book.file(&tree, "A", &format!("2025-{month:02}"), Filing::Submitted);
        }
        book.file(&tree, "G", "2025-12", Filing::Submitted);
        let policy = Policy::default();
        let expected = |code: &str, month: &str| {
            policy.is_expected(&tree, &book, tree.id_of(code).unwrap(), m(month))
        };
        for leaf in ["A1", "A2", "B1"] {
            assert!(expected(leaf, "2026-11"), "{leaf}");
        }
        assert!(expected("A", "2026-11"), "A booked November 2025");
        assert!(
            !expected("B", "2026-11"),
            "B never books anything of its own"
        );
        assert!(!expected("G", "2026-11"), "G booked only December");
        assert!(expected("G", "2026-12"));
        // A's own rows in 2025 say nothing about 2025 itself (nothing in 2024).
        assert!(!expected("A", "2025-11"));
    }

    #[test]
    fn the_group_names_who_must_and_who_need_not_submit() {
        let tree = tree();
        let book = Book::default();
        let policy = Policy {
            must_submit: [EntityCode::parse("B").unwrap()].into(),
            need_not_submit: [
                EntityCode::parse("A1").unwrap(),
                EntityCode::parse("B").unwrap(),
            ]
            .into(),
            ..Policy::default()
        };
        let expected =
            |code: &str| policy.is_expected(&tree, &book, tree.id_of(code).unwrap(), m("2026-10"));
        assert!(!expected("A1"), "a leaf the group exempts");
        assert!(!expected("B"), "need-not wins over must");
        let policy = Policy {
            must_submit: [EntityCode::parse("B").unwrap()].into(),
            ..Policy::default()
        };
        assert!(policy.is_expected(&tree, &book, tree.id_of("B").unwrap(), m("2026-10")));
    }

    #[test]
    fn a_month_is_due_on_day_ten_of_the_next_and_missing_only_after_it() {
        let policy = Policy::default();
        assert_eq!(policy.deadline(m("2026-11")), day("2026-12-10"));
        assert_eq!(policy.deadline(m("2026-12")), day("2027-01-10"));
        let short = Policy {
            due_day: 31,
            ..Policy::default()
        };
        assert_eq!(short.deadline(m("2027-01")), day("2027-02-28"));
        assert_eq!(short.deadline(m("2028-01")), day("2028-02-29"));

        let today = day("2026-12-06");
        assert_eq!(
            policy.timing(m("2026-11"), today),
            Timing::Due(day("2026-12-10"))
        );
        assert_eq!(
            policy.timing(m("2026-10"), today),
            Timing::Overdue(day("2026-11-10"))
        );
        assert_eq!(policy.timing(m("2026-12"), today), Timing::NotYet);
        assert_eq!(policy.timing(m("2027-03"), today), Timing::NotYet);
        // The deadline day itself is still on time; the day after is late.
        assert_eq!(
            policy.timing(m("2026-11"), day("2026-12-10")),
            Timing::Due(day("2026-12-10"))
        );
        assert_eq!(
            policy.timing(m("2026-11"), day("2026-12-11")),
            Timing::Overdue(day("2026-12-10"))
        );
    }

    #[test]
    fn the_grid_is_red_only_for_expected_units_past_their_deadline() {
        let tree = tree();
        let mut book = Book::default();
        book.file(&tree, "A1", "2026-11", Filing::Submitted);
        book.file(&tree, "A2", "2026-09", Filing::Returned);
        book.file(&tree, "A2", "2026-11", Filing::Returned);
        let policy = Policy::default();
        let today = day("2026-12-06");
        let verdict = |code: &str, month: &str| {
            policy.verdict(&tree, &book, tree.id_of(code).unwrap(), m(month), today)
        };
        assert_eq!(verdict("A1", "2026-11"), Verdict::Filed(Filing::Submitted));
        assert_eq!(verdict("B1", "2026-11"), Verdict::Due(day("2026-12-10")));
        assert_eq!(verdict("B1", "2026-10"), Verdict::Missing);
        assert_eq!(verdict("B1", "2026-12"), Verdict::NotYet);
        assert_eq!(verdict("B1", "2027-06"), Verdict::NotYet);
        assert_eq!(verdict("B", "2026-10"), Verdict::NotExpected);
        assert_eq!(
            verdict("A2", "2026-09"),
            Verdict::Returned { overdue: true }
        );
        assert_eq!(
            verdict("A2", "2026-11"),
            Verdict::Returned { overdue: false }
        );
        let missing: Vec<bool> = [
            ("A1", "2026-11"),
            ("B1", "2026-11"),
            ("B1", "2026-10"),
            ("B1", "2026-12"),
            ("B", "2026-10"),
            ("A2", "2026-09"),
            ("A2", "2026-11"),
        ]
        .iter()
        .map(|(code, month)| verdict(code, month).is_missing())
        .collect();
        assert_eq!(missing, [false, false, true, false, false, true, false]);
    }

    #[test]
    fn a_month_is_complete_when_every_expected_unit_submitted_or_was_approved() {
        let tree = tree();
        let mut book = Book::default();
        book.file(&tree, "A", "2025-10", Filing::Submitted);
        book.file(&tree, "A", "2026-10", Filing::Approved);
        book.file(&tree, "A1", "2026-10", Filing::Approved);
        book.file(&tree, "A2", "2026-10", Filing::Submitted);
        book.file(&tree, "B1", "2026-10", Filing::Approved);
        book.file(&tree, "A1", "2026-11", Filing::Submitted);
        let g = tree.id_of("G").unwrap();
        let submitted = Policy::default();
        let october = submitted.progress(&tree, &book, g, m("2026-10"));
        assert_eq!(codes(&tree, &october.expected), ["A", "A1", "A2", "B1"]);
        assert!(october.is_complete());
        let november = submitted.progress(&tree, &book, g, m("2026-11"));
        assert_eq!(codes(&tree, &november.expected), ["A1", "A2", "B1"]);
        assert_eq!(codes(&tree, &november.pending), ["A2", "B1"]);
        assert_eq!(november.done(), 1);
        assert!(!november.is_complete());

        let approved = Policy {
            complete_when: CompleteWhen::Approved,
            ..Policy::default()
        };
        let october = approved.progress(&tree, &book, g, m("2026-10"));
        assert_eq!(codes(&tree, &october.pending), ["A2"]);
        // B's subtree alone is approved.
        let b = tree.id_of("B").unwrap();
        assert!(
            approved
                .progress(&tree, &book, b, m("2026-10"))
                .is_complete()
        );
        // A returned month is not done under either rule.
        book.file(&tree, "B1", "2026-10", Filing::Returned);
        assert!(
            !submitted
                .progress(&tree, &book, b, m("2026-10"))
                .is_complete()
        );
    }

    #[test]
    fn the_latest_complete_month_skips_a_partial_one() {
        let tree = tree();
        let mut book = Book::default();
        for code in ["A1", "A2", "B1"] {
            for month in ["2026-08", "2026-09", "2026-10"] {
                book.file(&tree, code, month, Filing::Submitted);
            }
        }
        book.file(&tree, "A1", "2026-11", Filing::Submitted);
        book.file(&tree, "A2", "2026-09", Filing::NotSubmitted);
        let policy = Policy::default();
        let g = tree.id_of("G").unwrap();
        let latest = |root: EntityId, last: &str| {
            policy.latest_complete(&tree, &book, root, m("2026-08"), m(last))
        };
        assert_eq!(latest(g, "2026-11"), Some(m("2026-10")));
        assert_eq!(latest(g, "2026-09"), Some(m("2026-08")));
        // A1's own subtree is complete in November.
        assert_eq!(
            latest(tree.id_of("A1").unwrap(), "2026-11"),
            Some(m("2026-11"))
        );
        book.file(&tree, "A2", "2026-08", Filing::NotSubmitted);
        assert_eq!(
            policy.latest_complete(&tree, &book, g, m("2026-08"), m("2026-09")),
            None
        );
    }
}
