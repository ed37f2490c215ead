//! The safety overview (`/safety`, per plant and for HQ) and the cockpit's safety panel: open
//! hazards by colour and age, overdue and major ones, and the notifications of majors. The
//! other safety registers add their sections here (drills due and overdue, training shortfall,
//! certificates to renew, active warnings): each is a field of [`SafetyOverview`] filled by
//! its own service, shown as a placeholder until then.

pub mod pages;

use zx_domain::EntityTree;

use crate::auth::CurrentUser;
use crate::error::ApiResult;
use crate::routes::hazards::{HazardFilter, HazardSummary, HazardView, listing};
use crate::state::AppState;

/// One unit's line of the overview's table (the units directly below the one shown).
#[derive(Debug, Clone)]
pub struct UnitLine {
    pub code: String,
    pub name: String,
    pub summary: HazardSummary,
}

/// A major hazard's notification to the user (HQ's safety department).
#[derive(Debug, Clone)]
pub struct MajorNotice {
    pub hazard: i64,
    pub at: String,
    pub unread: bool,
}

/// What `/safety` shows of an entity's subtree as of today in China.
#[derive(Debug, Clone)]
pub struct SafetyOverview {
    pub entity: String,
    pub entity_name: String,
    pub as_of: String,
    pub hazards: HazardSummary,
    pub units: Vec<UnitLine>,
    pub notices: Vec<MajorNotice>,
}

fn below(tree: &EntityTree, root: zx_domain::EntityId, views: &[HazardView]) -> Vec<UnitLine> {
    tree.children(root)
        .iter()
        .map(|&child| {
            let mine: Vec<HazardView> = views
                .iter()
                .filter(|v| {
                    tree.id(&v.hazard.entity)
                        .is_some_and(|e| tree.is_within(e, child))
                })
                .cloned()
                .collect();
            let e = tree.entity(child);
            UnitLine {
                code: e.code.to_string(),
                name: e.name.clone(),
                summary: HazardSummary::of(&mine),
            }
        })
        .collect()
}

/// The overview of `entity` (else the user's home) for the user's scope.
pub async fn overview(
    state: &AppState,
    user: &CurrentUser,
    entity: Option<&str>,
) -> ApiResult<SafetyOverview> {
    let filter = HazardFilter {
        entity: entity.map(str::to_owned),
        status: Some("open".into()),
        ..HazardFilter::default()
    };
    let (root_code, views) = listing(state, user, &filter).await?;
    let snapshot = state.snapshot().await?;
    let tree = snapshot.engine.tree();
    let root = tree.id_of(&root_code);
    let notices = state
        .store
        .hazard_notifications(&user.user.name)
        .await?
        .into_iter()
        .take(10)
        .map(|n| MajorNotice {
            hazard: n.hazard,
            at: crate::layout::china_time(n.created_at),
            unread: n.read_at.is_none(),
        })
        .collect();
    Ok(SafetyOverview {
        entity_name: root.map_or(String::new(), |r| tree.entity(r).name.clone()),
        units: root.map_or(Vec::new(), |r| below(tree, r, &views)),
        hazards: HazardSummary::of(&views),
        entity: root_code,
        as_of: state.today().to_string(),
        notices,
    })
}
