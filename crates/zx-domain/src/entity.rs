//! The group tree: the group, its subsidiaries, companies and plants.
//!
//! Consolidation runs bottom-up over this tree, so it must be a proper forest: every parent known,
//! no code twice, no cycles. [`EntityTree::build`] is the only way to get one.

use std::collections::HashMap;
use std::fmt;

use thiserror::Error;

/// An entity's code as used in every file (`G`, `S1`, `FJ-JJ-01`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EntityCode(String);

/// Why a text is not an entity code.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EntityCodeError {
    #[error("entity code is empty")]
    Empty,
    #[error("entity code is longer than 64 characters")]
    TooLong,
    #[error("entity code may only contain letters, digits, '-', '_' and '.'")]
    BadCharacter,
}

impl EntityCode {
    /// Accepts ASCII letters, digits, `-`, `_`, `.`: codes travel through file names, URLs and shells.
    pub fn parse(text: &str) -> Result<Self, EntityCodeError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(EntityCodeError::Empty);
        }
        if text.len() > 64 {
            return Err(EntityCodeError::TooLong);
        }
        if !text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        {
            return Err(EntityCodeError::BadCharacter);
        }
        Ok(Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EntityCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The level of an entity in the group's organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntityKind {
    Group,
    Subsidiary,
    Company,
    Plant,
}

impl EntityKind {
    pub const ALL: [EntityKind; 4] = [
        EntityKind::Group,
        EntityKind::Subsidiary,
        EntityKind::Company,
        EntityKind::Plant,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::Group => "group",
            EntityKind::Subsidiary => "subsidiary",
            EntityKind::Company => "company",
            EntityKind::Plant => "plant",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            EntityKind::Group => "集团",
            EntityKind::Subsidiary => "子公司",
            EntityKind::Company => "公司",
            EntityKind::Plant => "厂站",
        }
    }

    /// Accepts the English code or the Chinese name.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        Self::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(text) || k.name_zh() == text)
    }
}

impl fmt::Display for EntityKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One node of the group tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entity {
    pub code: EntityCode,
    /// Chinese name, as printed in reports.
    pub name: String,
    pub parent: Option<EntityCode>,
    pub kind: EntityKind,
    /// Province (or other region) the entity operates in.
    pub region: String,
    /// Business segment: waste-to-energy, water, solar, wind… Free text so groups can add their own.
    pub segment: String,
}

/// A structural defect that keeps a set of entities from being a tree.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TreeError {
    #[error("entity code {0} appears more than once")]
    DuplicateCode(EntityCode),
    #[error("entity {child} names parent {parent}, which is not a known entity")]
    UnknownParent {
        child: EntityCode,
        parent: EntityCode,
    },
    #[error("entity {entity} is its own ancestor (cycle: {})", cycle_text(members))]
    Cycle {
        entity: EntityCode,
        /// The cycle in parent order, starting and (implicitly) ending at `entity`.
        members: Vec<EntityCode>,
    },
}

/// `A → B → C → A`.
pub fn cycle_text(members: &[EntityCode]) -> String {
    let mut names: Vec<&str> = members.iter().map(EntityCode::as_str).collect();
    if let Some(first) = members.first() {
        names.push(first.as_str());
    }
    names.join(" → ")
}

impl TreeError {
    /// The entity whose row is at fault, so importers can point at the row.
    pub fn entity(&self) -> &EntityCode {
        match self {
            TreeError::DuplicateCode(code) | TreeError::Cycle { entity: code, .. } => code,
            TreeError::UnknownParent { child, .. } => child,
        }
    }
}

/// Index of an entity inside one [`EntityTree`]; only meaningful for that tree.
pub type EntityId = usize;

/// A validated forest of entities with the orders consolidation needs.
#[derive(Debug, Clone)]
pub struct EntityTree {
    entities: Vec<Entity>,
    by_code: HashMap<EntityCode, EntityId>,
    parent: Vec<Option<EntityId>>,
    children: Vec<Vec<EntityId>>,
    /// Children before parents: the order in which sums can be pushed upwards.
    post_order: Vec<EntityId>,
    depth: Vec<usize>,
    /// Place of each entity in a pre-order walk, and the place after its last descendant: `a`
    /// is within `b` when `enter[b] <= enter[a] < leave[b]`, an O(1) answer where walking up
    /// made a scope check per entity quadratic on a deep chain.
    enter: Vec<usize>,
    leave: Vec<usize>,
}

impl EntityTree {
    /// Checks the set is a forest and indexes it. Reports every defect found, not just the first.
    pub fn build(entities: Vec<Entity>) -> Result<Self, Vec<TreeError>> {
        let mut errors = Vec::new();
        let mut by_code = HashMap::with_capacity(entities.len());
        let mut unique = Vec::with_capacity(entities.len());
        for entity in entities {
            if by_code.contains_key(&entity.code) {
                errors.push(TreeError::DuplicateCode(entity.code.clone()));
                continue;
            }
            by_code.insert(entity.code.clone(), unique.len());
            unique.push(entity);
        }
        let entities = unique;
        let mut parent = vec![None; entities.len()];
        for (id, entity) in entities.iter().enumerate() {
            if let Some(code) = &entity.parent {
                match by_code.get(code) {
                    Some(&p) => parent[id] = Some(p),
                    None => errors.push(TreeError::UnknownParent {
                        child: entity.code.clone(),
                        parent: code.clone(),
                    }),
                }
            }
        }
        // Cycle detection: walk up from each node until a node already settled (by an earlier
        // walk), a root or the walk's own path. Every node walked is settled when its walk ends,
        // and `walk_of` tells "on this walk's path" in O(1), so the whole check is linear: a
        // 20,000-deep chain once cost 20,000 walks of up to 20,000 steps, each step a scan of
        // the path (cubic; every command took minutes).
        const UNSEEN: usize = usize::MAX;
        let mut walk_of = vec![UNSEEN; entities.len()];
        let mut path: Vec<EntityId> = Vec::new();
        for start in 0..entities.len() {
            if walk_of[start] != UNSEEN {
                continue;
            }
            path.clear();
            let mut node = start;
            loop {
                if walk_of[node] == start {
                    // `node` closes a cycle, found once (its members are settled now), named
                    // with its members in order.
                    let from = path.iter().position(|&n| n == node).unwrap_or(0);
                    errors.push(TreeError::Cycle {
                        entity: entities[node].code.clone(),
                        members: path[from..]
                            .iter()
                            .map(|&n| entities[n].code.clone())
                            .collect(),
                    });
                    break;
                }
                if walk_of[node] != UNSEEN {
                    // Settled by an earlier walk: it reaches a root or a reported cycle.
                    break;
                }
                walk_of[node] = start;
                path.push(node);
                match parent[node] {
                    Some(p) => node = p,
                    None => break,
                }
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let mut children = vec![Vec::new(); entities.len()];
        for (id, p) in parent.iter().enumerate() {
            if let Some(p) = p {
                children[*p].push(id);
            }
        }
        for list in &mut children {
            list.sort_by(|a, b| entities[*a].code.cmp(&entities[*b].code));
        }
        let mut post_order = Vec::with_capacity(entities.len());
        let mut depth = vec![0; entities.len()];
        let mut roots: Vec<EntityId> = (0..entities.len())
            .filter(|&id| parent[id].is_none())
            .collect();
        roots.sort_by(|a, b| entities[*a].code.cmp(&entities[*b].code));
        let mut enter = vec![0; entities.len()];
        let mut leave = vec![0; entities.len()];
        let mut entered = 0;
        for root in roots {
            // Iterative DFS so a deep tree cannot overflow the stack.
            let mut stack = vec![(root, false)];
            while let Some((node, expanded)) = stack.pop() {
                if expanded {
                    post_order.push(node);
                    leave[node] = entered;
                } else {
                    enter[node] = entered;
                    entered += 1;
                    stack.push((node, true));
                    for &child in children[node].iter().rev() {
                        depth[child] = depth[node] + 1;
                        stack.push((child, false));
                    }
                }
            }
        }
        Ok(Self {
            entities,
            by_code,
            parent,
            children,
            post_order,
            depth,
            enter,
            leave,
        })
    }

    pub fn len(&self) -> usize {
        self.entities.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entities.is_empty()
    }

    pub fn id(&self, code: &EntityCode) -> Option<EntityId> {
        self.by_code.get(code).copied()
    }

    /// Looks an entity up by its code text.
    pub fn id_of(&self, code: &str) -> Option<EntityId> {
        EntityCode::parse(code).ok().and_then(|c| self.id(&c))
    }

    pub fn entity(&self, id: EntityId) -> &Entity {
        &self.entities[id]
    }

    pub fn entities(&self) -> &[Entity] {
        &self.entities
    }

    pub fn parent(&self, id: EntityId) -> Option<EntityId> {
        self.parent[id]
    }

    /// Children sorted by code.
    pub fn children(&self, id: EntityId) -> &[EntityId] {
        &self.children[id]
    }

    pub fn is_leaf(&self, id: EntityId) -> bool {
        self.children[id].is_empty()
    }

    /// Distance from the root (a root is 0).
    pub fn depth(&self, id: EntityId) -> usize {
        self.depth[id]
    }

    /// Every entity, children before their parent.
    pub fn post_order(&self) -> &[EntityId] {
        &self.post_order
    }

    /// Entities without a parent, sorted by code.
    pub fn roots(&self) -> Vec<EntityId> {
        let mut roots: Vec<EntityId> = (0..self.len())
            .filter(|&id| self.parent[id].is_none())
            .collect();
        roots.sort_by(|a, b| self.entities[*a].code.cmp(&self.entities[*b].code));
        roots
    }

    /// The entity and all its descendants, parents before children (pre-order, by code).
    pub fn subtree(&self, id: EntityId) -> Vec<EntityId> {
        let mut out = Vec::new();
        let mut stack = vec![id];
        while let Some(node) = stack.pop() {
            out.push(node);
            stack.extend(self.children[node].iter().rev());
        }
        out
    }

    /// Leaves under (or equal to) `id`.
    pub fn leaves_under(&self, id: EntityId) -> Vec<EntityId> {
        self.subtree(id)
            .into_iter()
            .filter(|&n| self.is_leaf(n))
            .collect()
    }

    /// Whether `ancestor` is `id` or above it (O(1): pre-order intervals nest).
    pub fn is_within(&self, id: EntityId, ancestor: EntityId) -> bool {
        self.enter[ancestor] <= self.enter[id] && self.enter[id] < self.leave[ancestor]
    }

    /// The chain from the root down to `id`, for breadcrumbs.
    pub fn path_to(&self, id: EntityId) -> Vec<EntityId> {
        let mut path = vec![id];
        let mut node = id;
        while let Some(p) = self.parent[node] {
            path.push(p);
            node = p;
        }
        path.reverse();
        path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn entity(code: &str, parent: Option<&str>) -> Entity {
        Entity {
            code: EntityCode::parse(code).unwrap(),
            name: code.to_owned(),
            parent: parent.map(|p| EntityCode::parse(p).unwrap()),
            kind: if parent.is_none() {
                EntityKind::Group
            } else {
                EntityKind::Plant
            },
            region: String::new(),
            segment: String::new(),
        }
    }

    #[test]
    fn builds_a_tree_with_children_before_parents() {
        let tree = EntityTree::build(vec![
            entity("P1", Some("S1")),
            entity("G", None),
            entity("S1", Some("G")),
            entity("P2", Some("S1")),
            entity("S2", Some("G")),
        ])
        .unwrap();
        let order: Vec<&str> = tree
            .post_order()
            .iter()
            .map(|&id| tree.entity(id).code.as_str())
            .collect();
        assert_eq!(order, ["P1", "P2", "S1", "S2", "G"]);
        let g = tree.id_of("G").unwrap();
        let p2 = tree.id_of("P2").unwrap();
        assert_eq!(tree.depth(p2), 2);
        assert!(tree.is_within(p2, g));
        let leaves: Vec<&str> = tree
            .leaves_under(g)
            .iter()
            .map(|&id| tree.entity(id).code.as_str())
            .collect();
        assert_eq!(leaves, ["P1", "P2", "S2"]);
    }

    #[test]
    fn rejects_duplicates_unknown_parents_and_cycles() {
        let errors = EntityTree::build(vec![
            entity("G", None),
            entity("G", None),
            entity("X", Some("NOPE")),
            entity("A", Some("B")),
            entity("B", Some("C")),
            entity("C", Some("A")),
        ])
        .unwrap_err();
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert_eq!(
            errors[0],
            TreeError::DuplicateCode(EntityCode::parse("G").unwrap())
        );
        assert!(
            matches!(&errors[1], TreeError::UnknownParent { child, .. } if child.as_str() == "X")
        );
        assert_eq!(
            errors[2].to_string(),
            "entity A is its own ancestor (cycle: A → B → C → A)"
        );
    }

    /// A chain listed root first: the order in which every walk up used to stop one step short
    /// of a settled node without settling its own path (cubic: 8,000 deep took 14 s a command).
    fn chain(depth: usize) -> Vec<Entity> {
        (0..depth)
            .map(|i| {
                let parent = (i > 0).then(|| format!("E{}", i - 1));
                entity(&format!("E{i}"), parent.as_deref())
            })
            .collect()
    }

    #[test]
    fn a_chain_20000_deep_builds_with_depths_and_order() {
        let tree = EntityTree::build(chain(20_000)).unwrap();
        let bottom = tree.id_of("E19999").unwrap();
        assert_eq!(tree.depth(bottom), 19_999);
        assert_eq!(tree.depth(tree.id_of("E0").unwrap()), 0);
        let order = tree.post_order();
        assert_eq!(order.len(), 20_000);
        assert_eq!(tree.entity(order[0]).code.as_str(), "E19999");
        assert_eq!(tree.entity(order[19_999]).code.as_str(), "E0");
        assert_eq!(tree.path_to(bottom).len(), 20_000);
        assert_eq!(tree.leaves_under(tree.id_of("E0").unwrap()), [bottom]);
        let middle = tree.id_of("E10000").unwrap();
        assert!(tree.is_within(bottom, middle));
        assert!(tree.is_within(middle, middle));
        assert!(!tree.is_within(middle, bottom));
    }

    #[test]
    fn a_cycle_below_a_deep_chain_is_reported_once_with_its_members() {
        // E0 … E19999, then A → B → C → A hanging nowhere, and D entering the cycle.
        let mut entities = chain(20_000);
        entities.push(entity("D", Some("A")));
        entities.push(entity("A", Some("B")));
        entities.push(entity("B", Some("C")));
        entities.push(entity("C", Some("A")));
        let errors = EntityTree::build(entities).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(
            errors[0].to_string(),
            "entity A is its own ancestor (cycle: A → B → C → A)"
        );
    }

    proptest::proptest! {
        /// `is_within` (pre-order intervals) answers what walking up from the entity answers,
        /// on any forest: `parents[i]` picks a parent among the earlier entities, or none.
        #[test]
        fn is_within_agrees_with_the_walk_up(parents in proptest::collection::vec(0usize..8, 1..30)) {
            let entities: Vec<Entity> = parents
                .iter()
                .enumerate()
                .map(|(i, &p)| {
                    let parent = (i > 0 && p > 0).then(|| format!("N{}", (i * p) % i));
                    entity(&format!("N{i}"), parent.as_deref())
                })
                .collect();
            let tree = EntityTree::build(entities).unwrap();
            for a in 0..tree.len() {
                for b in 0..tree.len() {
                    proptest::prop_assert_eq!(tree.is_within(a, b), tree.path_to(a).contains(&b));
                }
            }
        }
    }

    #[test]
    fn codes_are_checked() {
        assert!(EntityCode::parse("FJ-JJ_01.a").is_ok());
        assert_eq!(EntityCode::parse("  "), Err(EntityCodeError::Empty));
        assert_eq!(
            EntityCode::parse("晋江"),
            Err(EntityCodeError::BadCharacter)
        );
        assert_eq!(EntityKind::parse("厂站"), Some(EntityKind::Plant));
        assert_eq!(
            EntityKind::parse("Subsidiary"),
            Some(EntityKind::Subsidiary)
        );
    }
}
