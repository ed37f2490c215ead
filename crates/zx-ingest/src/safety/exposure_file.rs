//! The sites' exposure to natural hazards (safety.md §6) as a file, CSV or XLSX, in the layout
//! its export writes: `entity,hazard,exposure,season` (codes as the API's: `flood`…, `none`…
//! `high`; season months `5-9`, empty: all year). Read against the registered entities and
//! the importer's scope; every problem named by file, line or cell, column and value.

use std::collections::HashMap;

use zx_domain::safety::natural::{Exposure, NaturalHazard, Season, SiteExposure};

use super::plan_file::{file_tables, take};
use super::rows::{entity, text};
use super::{KnownSafety, SafetyRejected, heading};
use crate::Input;
use crate::issue::{Draft, IssueCode, Sink};
use crate::source::Value;

/// The header the export writes.
pub const EXPOSURE_HEADER: &str = "entity,hazard,exposure,season";

fn is_exposure_header(cells: &[Value]) -> Option<()> {
    let names: Vec<String> = cells
        .iter()
        .map(heading)
        .filter(|n| !n.is_empty())
        .collect();
    let required = ["entity", "hazard", "exposure"];
    let fits = names.len() == names.iter().collect::<std::collections::HashSet<_>>().len()
        && required.iter().all(|c| names.iter().any(|n| n == c))
        && names
            .iter()
            .all(|n| required.contains(&n.as_str()) || n == "season");
    fits.then_some(())
}

fn not_allowed(column: &str, value: String, allowed: &str) -> Draft {
    Draft::new(
        IssueCode::InvalidExposure,
        format!("is not allowed; write one of: {allowed}"),
        format!("不是允许的值；须为以下之一：{allowed}"),
    )
    .column(column)
    .value(value)
}

/// Reads an exposures file: one row per site and hazard, each once.
pub fn read_exposures(
    input: Input<'_>,
    known: &KnownSafety<'_>,
) -> Result<Vec<SiteExposure>, SafetyRejected> {
    let mut sink = Sink::new(input.file_name);
    let tables = file_tables(input, &is_exposure_header, EXPOSURE_HEADER, &mut sink);
    let mut out = Vec::new();
    let mut seen: HashMap<(String, &'static str), usize> = HashMap::new();
    for table in tables.iter().flatten() {
        if is_exposure_header(&table.header).is_none() {
            let loc = table.line_loc(table.header_line);
            let text: Vec<String> = table.header.iter().map(Value::text).collect();
            sink.error(&loc, wrong_header(text.join(",")));
            continue;
        }
        let index: HashMap<String, usize> = table
            .header
            .iter()
            .enumerate()
            .map(|(i, cell)| (heading(cell), i))
            .filter(|(name, _)| !name.is_empty())
            .collect();
        for row in table.rows() {
            let cell = |name: &str| index.get(name).map_or(&Value::Empty, |i| row.cell(*i));
            let loc = |name: &str| table.loc(row.line, index.get(name).copied().unwrap_or(0));
            let mut failed = false;
            let site = take(
                &mut sink,
                &loc("entity"),
                &mut failed,
                entity(cell("entity"), "entity", known),
            );
            let hazard = text(cell("hazard"), "hazard").and_then(|t| {
                NaturalHazard::parse(&t).ok_or_else(|| {
                    not_allowed(
                        "hazard",
                        t,
                        "flood, typhoon, landslide, heat, lightning, snow_ice, earthquake",
                    )
                })
            });
            let hazard = take(&mut sink, &loc("hazard"), &mut failed, hazard);
            let exposure = text(cell("exposure"), "exposure").and_then(|t| {
                Exposure::parse(&t)
                    .ok_or_else(|| not_allowed("exposure", t, "none, low, medium, high"))
            });
            let exposure = take(&mut sink, &loc("exposure"), &mut failed, exposure);
            let season_text = cell("season").text().trim().to_owned();
            let season = if season_text.is_empty() {
                Ok(None)
            } else {
                Season::parse(&season_text).map(Some).ok_or_else(|| {
                    not_allowed(
                        "season",
                        season_text.clone(),
                        "months such as 5-9, or empty",
                    )
                })
            };
            let season = take(&mut sink, &loc("season"), &mut failed, season);
            if let (Some(site), Some(hazard)) = (&site, hazard)
                && let Some(first) = seen.insert((site.to_string(), hazard.as_str()), row.line)
            {
                let draft = Draft::new(
                    IssueCode::DuplicateRow,
                    format!("is listed twice for {site}: the first is on line {first}"),
                    format!("重复：{site} 的该灾种已在第 {first} 行"),
                )
                .column("hazard")
                .value(hazard.as_str());
                take::<()>(&mut sink, &loc("hazard"), &mut failed, Err(draft));
            }
            if let (false, Some(entity), Some(hazard), Some(exposure), Some(season)) =
                (failed, site, hazard, exposure, season)
            {
                out.push(SiteExposure {
                    entity,
                    hazard,
                    exposure,
                    season,
                });
            }
        }
    }
    let (errors, _) = sink.finish();
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(SafetyRejected { errors })
    }
}

fn wrong_header(value: String) -> Draft {
    Draft::new(
        IssueCode::UnknownHeader,
        format!("is not the header of an exposures file; the first row must be: {EXPOSURE_HEADER}"),
        format!("不是灾害暴露文件的表头；第一行须为：{EXPOSURE_HEADER}"),
    )
    .value(value)
}

#[cfg(test)]
mod tests {
    use zx_domain::{Entity, EntityCode, EntityKind};

    use super::*;

    #[test]
    fn an_exposures_file_reads_back_and_names_every_bad_cell() {
        let entities: Vec<Entity> = ["P1", "P2"]
            .iter()
            .map(|c| Entity {
                code: EntityCode::parse(c).unwrap(),
                name: String::new(),
                parent: None,
                kind: EntityKind::Plant,
                region: String::new(),
                segment: String::new(),
            })
            .collect();
        let known = KnownSafety {
            entities: Some(&entities),
            ..KnownSafety::default()
        };
        let read = |text: &str| {
            read_exposures(
                Input {
                    file_name: "x.csv",
                    bytes: text.as_bytes(),
                },
                &known,
            )
        };
        let good = read(&format!(
            "{EXPOSURE_HEADER}\nP1,flood,high,5-9\nP1,typhoon,none,\n"
        ))
        .unwrap();
        assert_eq!(good.len(), 2);
        assert_eq!(good[0].season.map(|s| s.code()), Some("5-9".to_owned()));
        assert_eq!(good[1].season, None);
        let bad = read(&format!(
            "{EXPOSURE_HEADER}\nP1,tsunami,high,\nP1,flood,huge,13-2\nP1,flood,low,\n"
        ))
        .unwrap_err();
        let lines: Vec<String> = bad.errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            lines,
            [
                "x.csv:2: hazard: \"tsunami\" is not allowed; write one of: flood, typhoon, landslide, heat, lightning, snow_ice, earthquake",
                "x.csv:3: exposure: \"huge\" is not allowed; write one of: none, low, medium, high",
                "x.csv:3: season: \"13-2\" is not allowed; write one of: months such as 5-9, or empty",
                "x.csv:4: hazard: \"flood\" is listed twice for P1: the first is on line 3",
            ]
        );
    }
}
