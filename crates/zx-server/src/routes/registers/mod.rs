//! The safety registers a caller may see (plans, drills, people, training, certificates of the
//! subtree asked for), and each register as a workbook in the layout of its import file
//! (safety.md §7's header on the first row, one record a row), so a register circulated and
//! filled in reads back through `zx safety import` as it is.

pub mod import;
pub mod pages;

use chrono::NaiveDate;
use rust_xlsxwriter::{Format, Workbook, XlsxError};
use zx_domain::safety::SafetyRecords;
use zx_domain::{EntityCode, EntityId, EntityTree, format};

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::routes::measures::as_of_date;
use crate::scope::entity_or_home;
use crate::state::AppState;

/// The records of a subtree the caller may read, as of a date.
pub struct Scoped {
    pub entity: String,
    pub entity_name: String,
    pub as_of: NaiveDate,
    /// Plans, drills and people of entities in scope; training records and certificates of
    /// those people. `hazards` is empty (the hazard register is its own area).
    pub records: SafetyRecords,
}

fn within(tree: &EntityTree, user: &CurrentUser, root: EntityId, code: &EntityCode) -> bool {
    tree.id(code)
        .is_some_and(|id| tree.is_within(id, root) && user.access.can_read(tree, id))
}

/// The stored records of `entity`'s subtree (default: the caller's), each filtered by the
/// caller's scope before anything is shown.
pub async fn scoped(
    state: &AppState,
    user: &CurrentUser,
    entity: Option<&str>,
    as_of: Option<&str>,
) -> ApiResult<Scoped> {
    let snapshot = state.snapshot().await?;
    let tree = snapshot.engine.tree();
    let root = entity_or_home(
        &snapshot,
        user,
        entity,
        user.lang.pick(
            "您的账号未绑定可查看的单位",
            "your account has no entity to show",
        ),
    )?;
    let as_of = as_of_date(as_of, state.today())?;
    let all = state.store.safety_records().await?;
    let ok = |code: &EntityCode| within(tree, user, root, code);
    let people: Vec<_> = all.people.into_iter().filter(|p| ok(&p.entity)).collect();
    let known: std::collections::HashSet<&str> = people.iter().map(|p| p.person.as_str()).collect();
    let training = all
        .training
        .into_iter()
        .filter(|t| known.contains(t.person.as_str()))
        .collect();
    let certificates = all
        .certificates
        .into_iter()
        .filter(|c| known.contains(c.person.as_str()))
        .collect();
    let records = SafetyRecords {
        hazards: Vec::new(),
        plans: all.plans.into_iter().filter(|p| ok(&p.entity)).collect(),
        drills: all.drills.into_iter().filter(|d| ok(&d.entity)).collect(),
        people,
        training,
        certificates,
    };
    let e = tree.entity(root);
    Ok(Scoped {
        entity: e.code.to_string(),
        entity_name: e.name.clone(),
        as_of,
        records,
    })
}

/// A register that can be exported and read back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Register {
    Plans,
    Drills,
    People,
    Training,
    Certificates,
}

impl Register {
    /// From the URL (`/safety/registers/{kind}.xlsx`).
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "plans" => Register::Plans,
            "drills" => Register::Drills,
            "people" => Register::People,
            "training" => Register::Training,
            "certificates" => Register::Certificates,
            _ => return None,
        })
    }

    pub fn code(self) -> &'static str {
        match self {
            Register::Plans => "plans",
            Register::Drills => "drills",
            Register::People => "people",
            Register::Training => "training",
            Register::Certificates => "certificates",
        }
    }

    /// The import header of safety.md §7.
    pub fn header(self) -> &'static [&'static str] {
        match self {
            Register::Plans => &["entity", "plan", "kind", "approved"],
            Register::Drills => &["entity", "plan", "date", "joint_with"],
            Register::People => &["person", "entity", "role", "role_since", "hired"],
            Register::Training => &["person", "date", "hours", "course"],
            Register::Certificates => &[
                "person",
                "type",
                "number",
                "issued",
                "expires",
                "last_review",
            ],
        }
    }

    /// Each record of the register as its import row.
    pub fn rows(self, r: &SafetyRecords) -> Vec<Vec<String>> {
        let date = |d: NaiveDate| d.to_string();
        match self {
            Register::Plans => r
                .plans
                .iter()
                .map(|p| {
                    vec![
                        p.entity.to_string(),
                        p.plan.clone(),
                        p.kind.code().to_owned(),
                        date(p.approved),
                    ]
                })
                .collect(),
            Register::Drills => r
                .drills
                .iter()
                .map(|d| {
                    vec![
                        d.entity.to_string(),
                        d.plan.clone(),
                        date(d.date),
                        d.joint_with.clone().unwrap_or_default(),
                    ]
                })
                .collect(),
            Register::People => r
                .people
                .iter()
                .map(|p| {
                    vec![
                        p.person.clone(),
                        p.entity.to_string(),
                        p.role.code().to_owned(),
                        date(p.role_since),
                        date(p.hired),
                    ]
                })
                .collect(),
            Register::Training => r
                .training
                .iter()
                .map(|t| {
                    vec![
                        t.person.clone(),
                        date(t.date),
                        format::exact(t.hours),
                        t.course.clone(),
                    ]
                })
                .collect(),
            Register::Certificates => r
                .certificates
                .iter()
                .map(|c| {
                    vec![
                        c.person.clone(),
                        c.kind.clone(),
                        c.number.clone(),
                        date(c.issued),
                        date(c.expires),
                        c.last_review.map(date).unwrap_or_default(),
                    ]
                })
                .collect(),
        }
    }
}

/// `register` of `records` as a one-sheet workbook: the import header on the first row, every
/// cell text (dates `YYYY-MM-DD`, hours exact), nothing else, so the importer reads it back.
pub fn register_workbook(
    register: Register,
    records: &SafetyRecords,
) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let sheet = workbook.add_worksheet();
    sheet.set_name(register.code())?;
    for (c, h) in register.header().iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    for (r, row) in register.rows(records).iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            // An empty optional cell stays blank, as in the CSV layout.
            if !cell.is_empty() {
                sheet.write_string(1 + r as u32, c as u16, cell)?;
            }
        }
    }
    sheet.set_column_width(0, 16)?;
    sheet.set_column_width(1, 20)?;
    workbook.save_to_buffer()
}

/// The register named in a URL, or `not_found`.
pub fn register_named(text: &str, user: &CurrentUser) -> ApiResult<Register> {
    Register::parse(text.trim_end_matches(".xlsx")).ok_or_else(|| {
        ApiError::new(
            ErrorCode::NotFound,
            format!(
                "{} \"{text}\"",
                user.lang.pick("没有这个台账：", "no such register:")
            ),
        )
    })
}
