//! Year-end forecasts: `zx forecast --format json` and `GET /api/v1/forecast` (one entity's
//! forecast keyed by its code), and the "will miss" list.

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;
use zx_forecast::{NotForecast, YearEnd};

/// One entity's year-end forecast: the value, the 80 % interval, its level and the odds of
/// meeting the full-year target (`null` without a target or for an indicator without a
/// direction). Values `null` when there is no forecast (too short a history, the indicator
/// not computable).
#[derive(Debug, Serialize, ToSchema)]
pub struct ForecastJson {
    pub year_end: Option<String>,
    pub low: Option<String>,
    pub high: Option<String>,
    pub level: String,
    pub p_target_met: Option<String>,
}

/// `{"forecasts": {"<entity>": {…}}}`, entities by code.
#[derive(Debug, Serialize, ToSchema)]
pub struct ForecastsJson {
    pub forecasts: BTreeMap<String, ForecastJson>,
}

pub fn forecast_json(forecast: &Result<YearEnd, NotForecast>) -> ForecastJson {
    match forecast {
        Ok(f) => ForecastJson {
            year_end: Some(f.year_end.to_string()),
            low: Some(f.low.to_string()),
            high: Some(f.high.to_string()),
            level: f.level.to_string(),
            p_target_met: f.p_target_met.map(|p| p.to_string()),
        },
        Err(_) => ForecastJson {
            year_end: None,
            low: None,
            high: None,
            level: "0.8".to_owned(),
            p_target_met: None,
        },
    }
}

pub fn forecasts_json<'a>(
    entries: impl IntoIterator<Item = (String, &'a Result<YearEnd, NotForecast>)>,
) -> ForecastsJson {
    ForecastsJson {
        forecasts: entries
            .into_iter()
            .map(|(code, forecast)| (code, forecast_json(forecast)))
            .collect(),
    }
}

/// One line of the "will miss" list.
#[derive(Debug, Serialize, ToSchema)]
pub struct WillMissJson {
    pub entity: String,
    pub indicator: String,
    pub target: String,
    pub year_end: String,
    pub low: String,
    pub high: String,
    pub p_target_met: String,
}
