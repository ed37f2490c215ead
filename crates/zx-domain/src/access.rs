//! Who may see and change what: roles and subtree scopes.
//!
//! Row-level security is a rule of the domain, not of a page: every reader (pages, API, exports)
//! asks [`Access`] before touching an entity.

use std::fmt;

use crate::entity::{EntityCode, EntityId, EntityTree};

/// What a user may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Everything, including accounts.
    Admin,
    /// HQ: read all, edit targets, approve, return and lock submissions.
    HqAnalyst,
    /// HQ human resources: reads the whole group like an analyst (but approves nothing) and
    /// keeps the manager term register, the only role besides admin that sees managers' pay
    /// and ratings (personnel-confidential, issue 14).
    HqHr,
    /// Reads and submits data for one subtree.
    EntityManager,
    /// Reads one subtree.
    Viewer,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Admin,
        Role::HqAnalyst,
        Role::HqHr,
        Role::EntityManager,
        Role::Viewer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::HqAnalyst => "hq_analyst",
            Role::HqHr => "hq_hr",
            Role::EntityManager => "entity_manager",
            Role::Viewer => "viewer",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == text.trim())
    }

    /// Roles bound to one subtree need an entity; HQ roles see the whole group.
    pub fn needs_entity(self) -> bool {
        matches!(self, Role::EntityManager | Role::Viewer)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A user's rights, resolved against the current tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Access {
    pub role: Role,
    /// Root of the subtree the user is bound to (`None`: the whole group).
    pub scope: Option<EntityCode>,
}

impl Access {
    /// The subtree root the user may see, `None` meaning everything. A user bound to an entity
    /// that no longer exists sees nothing (`Err`).
    fn scope_root(&self, tree: &EntityTree) -> Result<Option<EntityId>, ()> {
        match (&self.scope, self.role) {
            (_, Role::Admin | Role::HqAnalyst | Role::HqHr) => Ok(None),
            (None, _) => Err(()),
            (Some(code), _) => tree.id(code).map(Some).ok_or(()),
        }
    }

    /// May the user see this entity's figures?
    pub fn can_read(&self, tree: &EntityTree, entity: EntityId) -> bool {
        match self.scope_root(tree) {
            Ok(None) => true,
            Ok(Some(root)) => tree.is_within(entity, root),
            Err(()) => false,
        }
    }

    /// May the user submit data for this entity?
    pub fn can_submit(&self, tree: &EntityTree, entity: EntityId) -> bool {
        match self.role {
            Role::Admin | Role::HqAnalyst => true,
            Role::EntityManager => self.can_read(tree, entity),
            Role::Viewer | Role::HqHr => false,
        }
    }

    /// May the user see personnel-confidential data (managers' yearly pay and ratings)?
    pub fn sees_personnel_confidential(&self) -> bool {
        matches!(self.role, Role::Admin | Role::HqHr)
    }

    /// May the user change the manager term register (HQ appoints those managers)?
    pub fn keeps_manager_register(&self) -> bool {
        matches!(self.role, Role::Admin | Role::HqHr)
    }

    /// May the user edit targets, approve, return and lock?
    pub fn is_hq(&self) -> bool {
        matches!(self.role, Role::Admin | Role::HqAnalyst)
    }

    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// The entity a user's cockpit opens on: the scope root, or the group.
    pub fn home(&self, tree: &EntityTree) -> Option<EntityId> {
        match self.scope_root(tree) {
            Ok(Some(root)) => Some(root),
            Ok(None) => tree.roots().first().copied(),
            Err(()) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entity::{Entity, EntityKind};

    fn tree() -> EntityTree {
        let e = |c: &str, p: Option<&str>| Entity {
            code: EntityCode::parse(c).unwrap(),
            name: c.into(),
            parent: p.map(|p| EntityCode::parse(p).unwrap()),
            kind: EntityKind::Plant,
            region: String::new(),
            segment: String::new(),
        };
        EntityTree::build(vec![
            e("G", None),
            e("S1", Some("G")),
            e("P1", Some("S1")),
            e("S2", Some("G")),
        ])
        .unwrap()
    }

    #[test]
    fn scopes_are_subtrees() {
        let tree = tree();
        let id = |c: &str| tree.id_of(c).unwrap();
        let manager = Access {
            role: Role::EntityManager,
            scope: Some(EntityCode::parse("S1").unwrap()),
        };
        assert!(manager.can_read(&tree, id("S1")));
        assert!(manager.can_read(&tree, id("P1")));
        assert!(!manager.can_read(&tree, id("G")));
        assert!(!manager.can_read(&tree, id("S2")));
        assert!(manager.can_submit(&tree, id("P1")));
        assert_eq!(manager.home(&tree), Some(id("S1")));
        let viewer = Access {
            role: Role::Viewer,
            scope: Some(EntityCode::parse("P1").unwrap()),
        };
        assert!(viewer.can_read(&tree, id("P1")));
        assert!(!viewer.can_submit(&tree, id("P1")));
        let analyst = Access {
            role: Role::HqAnalyst,
            scope: None,
        };
        assert!(analyst.can_read(&tree, id("S2")) && analyst.is_hq());
        // A manager whose entity was removed sees nothing rather than everything.
        let orphan = Access {
            role: Role::EntityManager,
            scope: Some(EntityCode::parse("GONE").unwrap()),
        };
        assert!(!orphan.can_read(&tree, id("G")));
        assert_eq!(orphan.home(&tree), None);
        let unscoped = Access {
            role: Role::Viewer,
            scope: None,
        };
        assert!(!unscoped.can_read(&tree, id("P1")));
    }

    #[test]
    fn only_admin_and_hq_hr_see_pay_and_ratings() {
        let tree = tree();
        let id = |c: &str| tree.id_of(c).unwrap();
        let at = |role, scope: Option<&str>| Access {
            role,
            scope: scope.map(|s| EntityCode::parse(s).unwrap()),
        };
        let hr = at(Role::HqHr, None);
        // HR reads the whole group, submits and approves nothing.
        assert!(hr.can_read(&tree, id("S2")) && hr.can_read(&tree, id("P1")));
        assert!(!hr.can_submit(&tree, id("P1")) && !hr.is_hq());
        assert!(hr.sees_personnel_confidential() && hr.keeps_manager_register());
        assert!(at(Role::Admin, None).sees_personnel_confidential());
        for other in [
            at(Role::HqAnalyst, None),
            at(Role::EntityManager, Some("S1")),
            at(Role::Viewer, Some("S1")),
        ] {
            assert!(!other.sees_personnel_confidential(), "{:?}", other.role);
            assert!(!other.keeps_manager_register(), "{:?}", other.role);
        }
        assert_eq!(Role::parse("hq_hr"), Some(Role::HqHr));
        assert!(!Role::HqHr.needs_entity());
    }
}
