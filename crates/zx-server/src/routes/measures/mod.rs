//! Improvement measures as a list (清单): the measures of a subtree with filters, overdue flags,
//! the roll-up of counts and completion per unit below, and the list as a workbook. Shared by
//! the page, its Excel export and the API.

pub mod api;
pub mod pages;

use chrono::NaiveDate;
use rust_xlsxwriter::{Format, Workbook, XlsxError};
use serde::Deserialize;
use zx_domain::calendar::china_today;
use zx_domain::measures::summarise;
use zx_domain::{Lang, Measure, MeasureStatus, format};

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::scope::entity_or_home;
use crate::state::AppState;

/// One measure on the page.
pub struct MeasureRow {
    pub id: i64,
    pub entity: String,
    pub entity_name: String,
    pub title: String,
    pub indicator: String,
    pub owner: String,
    /// `YYYY-MM-DD`, empty when the measure has no start date.
    pub start: String,
    pub due: String,
    pub status: String,
    pub progress: u8,
    pub overdue: bool,
    /// `YYYY-MM-DD comment` of the newest update with a comment; empty when none.
    pub latest_update: String,
}

/// Counts of one unit below (its whole subtree).
pub struct RollupRow {
    pub code: String,
    pub name: String,
    pub total: usize,
    pub done: usize,
    pub overdue: usize,
    pub completion: String,
}

#[derive(Deserialize)]
pub struct MeasureFilter {
    pub entity: Option<String>,
    pub as_of: Option<String>,
    pub owner: Option<String>,
    pub status: Option<String>,
    pub indicator: Option<String>,
    /// Text, not a number: the filter form sends `due_within=` when the field is left blank.
    pub due_within: Option<String>,
    pub overdue: Option<String>,
    /// The improvement plan's year: measures starting (or, without a start, due) that year.
    pub year: Option<String>,
}

/// A whole-number filter field: blank is "no filter", anything else must be a number.
pub fn number_field<T: std::str::FromStr>(
    field: &str,
    text: Option<&str>,
) -> Result<Option<T>, ApiError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => t.parse().map(Some).map_err(|_| {
            ApiError::new(
                ErrorCode::InvalidParameter,
                format!("{field}: \"{t}\" is not a whole number"),
            )
            .zh(format!(
                "{}：“{t}”不是整数",
                match field {
                    "year" => "计划年度",
                    "due_within" => "N 天内到期",
                    other => other,
                }
            ))
        }),
    }
}

/// The list the page (and its Excel export) shows.
pub struct Listing {
    pub entity: String,
    pub entity_name: String,
    pub as_of: NaiveDate,
    pub rows: Vec<MeasureRow>,
    pub rollup: Vec<RollupRow>,
    pub summary: zx_domain::measures::Summary,
}

pub async fn listing(
    state: &AppState,
    user: &CurrentUser,
    q: &MeasureFilter,
) -> Result<Listing, ApiError> {
    let lang = user.lang;
    {
        let snapshot = state.snapshot().await?;
        let tree = snapshot.engine.tree();
        let root = entity_or_home(
            &snapshot,
            user,
            q.entity.as_deref(),
            user.lang.pick(
                "您的账号未绑定可查看的单位",
                "your account has no entity to show",
            ),
        )?;
        let as_of = as_of_date(q.as_of.as_deref(), state.today())?;
        let due_within: Option<i64> = number_field("due_within", q.due_within.as_deref())?;
        let year: Option<i32> = number_field("year", q.year.as_deref())?;
        let all = state.store.measures().await?;
        let in_subtree = |m: &Measure, under: zx_domain::EntityId| {
            tree.id(&m.entity)
                .is_some_and(|id| tree.is_within(id, under) && user.access.can_read(tree, id))
        };
        let status = q.status.as_deref().and_then(MeasureStatus::parse);
        let overdue_only = q
            .overdue
            .as_deref()
            .is_some_and(|v| v == "1" || v == "on" || v == "true");
        let filtered: Vec<&Measure> = all
            .iter()
            .filter(|m| in_subtree(m, root))
            .filter(|m| {
                q.owner
                    .as_deref()
                    .filter(|o| !o.is_empty())
                    .is_none_or(|o| m.owner == o)
            })
            .filter(|m| status.is_none_or(|s| m.status == s))
            .filter(|m| {
                q.indicator
                    .as_deref()
                    .filter(|i| !i.is_empty())
                    .is_none_or(|i| m.indicator.as_deref() == Some(i))
            })
            .filter(|m| {
                due_within
                    .is_none_or(|days| m.status.is_open() && (m.due - as_of).num_days() <= days)
            })
            .filter(|m| !overdue_only || m.is_overdue(as_of))
            .filter(|m| year.is_none_or(|y| m.plan_year() == y))
            .collect();
        let summary = summarise(filtered.iter().copied(), as_of);
        // Newest commented update per measure (updates come oldest first).
        let mut latest: std::collections::HashMap<i64, String> = std::collections::HashMap::new();
        for u in state.store.measure_updates(None).await? {
            if !u.comment.is_empty() {
                latest.insert(u.measure, format!("{} {}", china_today(u.at), u.comment));
            }
        }
        let catalogue = snapshot.engine.catalogue();
        let rows = filtered
            .iter()
            .map(|m| MeasureRow {
                id: m.id,
                entity: m.entity.to_string(),
                entity_name: tree
                    .id(&m.entity)
                    .map_or(String::new(), |id| tree.entity(id).name.clone()),
                title: m.title.clone(),
                indicator: m
                    .indicator
                    .as_deref()
                    .and_then(|i| catalogue.find_indicator(i))
                    .map_or(String::new(), |def| {
                        lang.pick(&def.name_zh, &def.name_en).to_owned()
                    }),
                owner: m.owner.clone(),
                start: m.start.map(|d| d.to_string()).unwrap_or_default(),
                due: m.due.to_string(),
                status: format::measure_status_label(m.status.as_str(), lang),
                progress: m.progress,
                overdue: m.is_overdue(as_of),
                latest_update: latest.remove(&m.id).unwrap_or_default(),
            })
            .collect();
        let rollup = tree
            .children(root)
            .iter()
            .filter(|&&c| user.access.can_read(tree, c))
            .map(|&c| {
                let s = summarise(filtered.iter().copied().filter(|m| in_subtree(m, c)), as_of);
                RollupRow {
                    code: tree.entity(c).code.to_string(),
                    name: tree.entity(c).name.clone(),
                    total: s.total,
                    done: s.done,
                    overdue: s.overdue,
                    completion: s.completion_rate.map_or("—".to_owned(), format::percent),
                }
            })
            .filter(|r| r.total > 0)
            .collect();
        let entity = tree.entity(root);
        Ok(Listing {
            entity: entity.code.to_string(),
            entity_name: entity.name.clone(),
            as_of,
            rows,
            rollup,
            summary,
        })
    }
}

/// The date overdue is judged on: `YYYY-MM-DD`, or `today` (in China) when none is given.
pub fn as_of_date(text: Option<&str>, today: NaiveDate) -> ApiResult<NaiveDate> {
    match text.filter(|d| !d.is_empty()) {
        Some(text) => NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
            ApiError::new(
                ErrorCode::InvalidParameter,
                format!("as_of: \"{text}\" is not YYYY-MM-DD"),
            )
            .zh(format!("截至日期：“{text}”应为 YYYY-MM-DD"))
        }),
        None => Ok(today),
    }
}

/// A measures list the way offices circulate it: numbered rows, unit, measure, indicator, owner,
/// deadline, status, progress, overdue.
pub fn measures_workbook(
    rows: &[MeasureRow],
    title: &str,
    lang: Lang,
) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let red = Format::new().set_font_color(rust_xlsxwriter::Color::Red);
    let sheet = workbook.add_worksheet();
    sheet.set_name(lang.pick("措施清单", "Measures"))?;
    sheet.write_string_with_format(0, 0, title, &bold)?;
    // The header names are ones `zx measures import` reads (zx-ingest's measures layout), so a
    // list sent round the offices and filled in comes back in as it is.
    let headers = [
        lang.pick("序号", "No."),
        lang.pick("单位编码", "Unit code"),
        lang.pick("单位名称", "Unit name"),
        lang.pick("措施", "Measure"),
        lang.pick("指标", "Indicator"),
        lang.pick("责任人", "Owner"),
        lang.pick("开始日期", "Start"),
        lang.pick("完成时限", "Due"),
        lang.pick("状态", "Status"),
        lang.pick("进度", "Progress"),
        lang.pick("是否逾期", "Overdue"),
        lang.pick("最新进展", "Latest update"),
        // The stored measure's number: the import matches the row to it, so the list filled
        // in and read back revises these measures rather than adding copies.
        lang.pick("措施编号", "Measure ID"),
    ];
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string_with_format(2, c as u16, *h, &bold)?;
    }
    // Progress is the whole number 0–100 shown with a percent sign: what the import reads.
    let percent = Format::new().set_num_format("0\"%\"");
    for (i, m) in rows.iter().enumerate() {
        let row = 3 + i as u32;
        sheet.write_number(row, 0, (i + 1) as f64)?;
        sheet.write_string(row, 1, &m.entity)?;
        sheet.write_string(row, 2, &m.entity_name)?;
        sheet.write_string(row, 3, &m.title)?;
        sheet.write_string(row, 4, &m.indicator)?;
        sheet.write_string(row, 5, &m.owner)?;
        sheet.write_string(row, 6, &m.start)?;
        sheet.write_string(row, 7, &m.due)?;
        sheet.write_string(row, 8, &m.status)?;
        sheet.write_number_with_format(row, 9, f64::from(m.progress), &percent)?;
        if m.overdue {
            sheet.write_string_with_format(row, 10, lang.pick("已逾期", "overdue"), &red)?;
        }
        sheet.write_string(row, 11, &m.latest_update)?;
        sheet.write_number(row, 12, m.id as f64)?;
    }
    sheet.set_column_width(2, 22)?;
    sheet.set_column_width(3, 40)?;
    sheet.set_column_width(4, 18)?;
    sheet.set_column_width(11, 48)?;
    workbook.save_to_buffer()
}
