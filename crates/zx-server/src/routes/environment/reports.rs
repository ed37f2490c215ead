//! The daily and monthly compliance workbooks as downloads (`crate::emissions::report` writes
//! them).

use axum::extract::{Query, State};
use axum::response::Response;
use chrono::NaiveDate;
use serde::Deserialize;

use super::{blocking, parse_day, service, visible};
use crate::auth::PageUser;
use crate::emissions::report;
use crate::error::{ApiError, ErrorCode};
use crate::layout::{error_page, xlsx_download};
use crate::state::AppState;

#[derive(Deserialize)]
pub struct ReportQuery {
    #[serde(default)]
    month: Option<String>,
    #[serde(default)]
    date: Option<String>,
    #[serde(default)]
    mn: Option<String>,
}

/// `GET /environment/report.xlsx?month=YYYY-MM` (monthly) or `?date=YYYY-MM-DD[&mn=]` (daily).
pub async fn report_xlsx(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(query): Query<ReportQuery>,
) -> Response {
    let lang = user.lang;
    let result = async {
        let service = service(&state)?;
        let (mut stacks, _) = visible(&state, &user, &service).await?;
        if let Some(mn) = query.mn.as_deref().filter(|m| !m.is_empty()) {
            stacks.retain(|e| e.stack.mn == mn);
        }
        let today = state.china_now().date();
        let (first, last, name) = match (query.month.as_deref(), query.date.as_deref()) {
            (Some(month), _) if !month.is_empty() => {
                let first = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d").map_err(
                    |_| {
                        ApiError::new(
                            ErrorCode::InvalidParameter,
                            format!("month \"{month}\": expected YYYY-MM"),
                        )
                        .zh(format!("月份：“{month}”应为 YYYY-MM"))
                    },
                )?;
                let next = first
                    .checked_add_months(chrono::Months::new(1))
                    .unwrap_or(first);
                let last = next.pred_opt().unwrap_or(first).min(today);
                (first, last.max(first), format!("cems-{month}.xlsx"))
            }
            (_, date) => {
                let day = parse_day(date, today)?;
                (day, day, format!("cems-{day}.xlsx"))
            }
        };
        let daily = first == last && query.month.as_deref().is_none_or(str::is_empty);
        let work = service.clone();
        let list = stacks.clone();
        let verdicts = blocking(move || {
            let mut out = Vec::new();
            for entry in &list {
                out.push(work.days(entry, first, last)?);
            }
            Ok(out)
        })
        .await?;
        let book = if daily {
            report::daily(lang, first, &stacks, &verdicts)
        } else {
            report::monthly(lang, first, last, &stacks, &verdicts)
        }
        .map_err(ApiError::internal)?;
        Ok::<_, ApiError>((name, book))
    }
    .await;
    match result {
        Ok((name, book)) => xlsx_download(&name, book),
        Err(error) => error_page(Some(&user), lang, error),
    }
}
