//! Which kind of file a header announces, and where each column is.

use std::collections::HashMap;

use zx_domain::Month;

use crate::issue::{Draft, IssueCode, Loc, Sink};
use crate::source::{Table, Value};

/// The table layouts we read. The wide layout is the fill-in template read back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Layout {
    Entities,
    DataLong,
    DataWide,
    Targets,
    Measures,
}

struct Spec {
    layout: Layout,
    /// (canonical name, required, accepted aliases besides the name itself)
    columns: &'static [(&'static str, bool, &'static [&'static str])],
    /// How the header reads in messages.
    shape: &'static str,
    what: &'static str,
    what_zh: &'static str,
}

const SPECS: [Spec; 5] = [
    Spec {
        layout: Layout::Entities,
        columns: &[
            ("code", true, &[]),
            ("name", true, &[]),
            ("parent", true, &[]),
            ("kind", true, &[]),
            ("region", false, &[]),
            ("segment", false, &[]),
        ],
        shape: "code,name,parent,kind,region,segment",
        what: "an entities file",
        what_zh: "单位文件",
    },
    Spec {
        layout: Layout::DataLong,
        columns: &[
            ("entity", true, &[]),
            ("period", true, &[]),
            ("item", true, &[]),
            ("value", true, &[]),
            ("basis", false, &[]),
        ],
        shape: "entity,period,item,value[,basis]",
        what: "a data file",
        what_zh: "数据文件",
    },
    Spec {
        layout: Layout::DataWide,
        columns: &[
            ("entity", true, &[]),
            ("item", true, &[]),
            ("name_zh", false, &["项目名称", "中文名称"]),
            ("name_en", false, &["英文名称"]),
            ("unit", false, &["计量单位"]),
            ("basis", false, &["口径"]),
        ],
        shape: "entity,item,name_zh,name_en,unit,basis,YYYY-MM,…",
        what: "a fill-in template",
        what_zh: "填报模板",
    },
    Spec {
        layout: Layout::Targets,
        columns: &[
            ("entity", true, &[]),
            ("year", true, &[]),
            ("indicator", true, &[]),
            ("target", true, &[]),
        ],
        shape: "entity,year,indicator,target",
        what: "a targets file",
        what_zh: "目标文件",
    },
    Spec {
        layout: Layout::Measures,
        columns: &[
            ("entity", true, &["单位", "单位编码", "unit code"]),
            ("title", true, &["措施", "举措", "measure"]),
            ("indicator", true, &["指标"]),
            ("owner", true, &["责任人"]),
            ("start", false, &["开始日期"]),
            ("due", true, &["完成时限", "截止日期"]),
            ("status", true, &["状态"]),
            ("progress", true, &["进度"]),
            // Columns of the list as the web exports it (`/measures.xlsx`), accepted so a
            // circulated sheet reads back as it is, and not read: they are derived or shown.
            ("no", false, &["序号", "no."]),
            // The measure's number (its id), which matches the row to the stored measure.
            ("number", false, &["措施编号", "measure id"]),
            ("entity_name", false, &["单位名称", "unit name"]),
            ("overdue", false, &["是否逾期"]),
            ("latest_update", false, &["最新进展", "latest update"]),
        ],
        shape: "entity,title,indicator,owner,start,due,status,progress",
        what: "a measures list",
        what_zh: "措施清单",
    },
];

/// Where the columns of a recognised header are.
#[derive(Debug, Clone)]
pub(crate) struct Columns {
    pub layout: Layout,
    index: HashMap<&'static str, usize>,
    /// Month columns of the wide layout, in header order.
    pub months: Vec<(usize, Month)>,
}

impl Columns {
    /// Index of a column; `None` for an optional column the file does not have.
    pub(crate) fn get(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }
}

/// What a header cell is, for one layout.
enum Heading {
    Known(&'static str),
    Month(Month),
    /// Looks like a month (`2026-13`) but is not one.
    BadMonth(String),
    Blank,
    Unknown(String),
}

fn normalise(text: &str) -> String {
    text.trim()
        .trim_start_matches('\u{FEFF}')
        .trim()
        .to_lowercase()
}

fn classify(spec: &Spec, cell: &Value) -> Heading {
    if let Value::Date {
        year,
        month,
        day: 1,
        time: false,
    } = *cell
        && spec.layout == Layout::DataWide
        && let Ok(m) = Month::new(year, month)
    {
        return Heading::Month(m);
    }
    let text = normalise(&cell.text());
    if text.is_empty() {
        return Heading::Blank;
    }
    for &(name, _, aliases) in spec.columns {
        if text == name || aliases.contains(&text.as_str()) {
            return Heading::Known(name);
        }
    }
    if spec.layout == Layout::DataWide {
        if let Ok(month) = Month::parse(&text) {
            return Heading::Month(month);
        }
        let bytes = text.as_bytes();
        if bytes.len() >= 5 && bytes[..4].iter().all(u8::is_ascii_digit) && bytes[4] == b'-' {
            return Heading::BadMonth(cell.text());
        }
    }
    Heading::Unknown(cell.text())
}

/// How well a header fits a layout: recognised columns, then fewest required ones missing.
fn fit(spec: &Spec, header: &[Value]) -> (usize, usize) {
    let mut seen: Vec<&str> = Vec::new();
    let mut months = false;
    for cell in header {
        match classify(spec, cell) {
            Heading::Known(name) if !seen.contains(&name) => seen.push(name),
            Heading::Month(_) => months = true,
            _ => {}
        }
    }
    let mut missing = spec
        .columns
        .iter()
        .filter(|(name, required, _)| *required && !seen.contains(name))
        .count();
    if spec.layout == Layout::DataWide && !months {
        missing += 1;
    }
    (seen.len() + usize::from(months), missing)
}

/// The layout a header fits best, if it fits any: at least two recognised columns.
fn detect(header: &[Value]) -> Option<&'static Spec> {
    let mut best: Option<(&Spec, (usize, usize))> = None;
    for spec in &SPECS {
        let (matched, missing) = fit(spec, header);
        if matched < 2 {
            continue;
        }
        let better = match best {
            None => true,
            Some((_, (m, miss))) => matched > m || (matched == m && missing < miss),
        };
        if better {
            best = Some((spec, (matched, missing)));
        }
    }
    best.map(|(spec, _)| spec)
}

/// The layout a header announces, if any.
pub(crate) fn layout(header: &[Value]) -> Option<Layout> {
    detect(header).map(|spec| spec.layout)
}

/// The error for a header that is none of ours.
pub(crate) fn unknown_header(header: &str) -> Draft {
    let shown: String = if header.chars().count() > 120 {
        header.chars().take(120).chain("…".chars()).collect()
    } else {
        header.to_owned()
    };
    let list = "code,name,parent,kind,region,segment (entities); entity,period,item,value[,basis] (data); entity,item,name_zh,name_en,unit,basis,YYYY-MM,… (data, the fill-in template); entity,year,indicator,target (targets); entity,title,indicator,owner,start,due,status,progress (measures)";
    Draft::new(
        IssueCode::UnknownHeader,
        format!("is not a recognised header; the first line must be one of: {list}"),
        "不是可识别的表头；第一行须为以下之一：code,name,parent,kind,region,segment（单位）；entity,period,item,value[,basis]（数据）；entity,item,name_zh,name_en,unit,basis,YYYY-MM,…（数据填报模板）；entity,year,indicator,target（目标）；entity,title,indicator,owner,start,due,status,progress（措施清单）",
    )
    .value(shown)
}

/// Recognises the table's header and reports every problem with it. `None` when the file cannot
/// be read further: unknown header or a required column missing.
pub(crate) fn columns(table: &Table, sink: &mut Sink) -> Option<Columns> {
    let header_loc = table.line_loc(table.header_line);
    let Some(spec) = detect(&table.header) else {
        let text: Vec<String> = table.header.iter().map(Value::text).collect();
        sink.error(&header_loc, unknown_header(&text.join(",")));
        return None;
    };
    let mut index = HashMap::new();
    let mut months: Vec<(usize, Month)> = Vec::new();
    let expected = spec.shape;
    for (i, cell) in table.header.iter().enumerate() {
        let loc = table.loc(table.header_line, i);
        match classify(spec, cell) {
            Heading::Known(name) => {
                if index.contains_key(name) {
                    sink.error(
                        &loc,
                        Draft::new(
                            IssueCode::DuplicateColumn,
                            "appears twice in the header",
                            "在表头中出现了两次",
                        )
                        .value(cell.text()),
                    );
                } else {
                    index.insert(name, i);
                }
            }
            Heading::Month(month) => {
                if months.iter().any(|(_, m)| *m == month) {
                    sink.error(
                        &loc,
                        Draft::new(
                            IssueCode::DuplicateColumn,
                            format!("is the month {month} a second time in the header"),
                            format!("表头中 {month} 月份列重复"),
                        )
                        .value(cell.text()),
                    );
                } else {
                    months.push((i, month));
                }
            }
            Heading::BadMonth(text) => sink.error(
                &loc,
                Draft::new(
                    IssueCode::InvalidPeriod,
                    "is not a month column: write months as YYYY-MM (2026-03)",
                    "不是有效的月份列：月份须写成 YYYY-MM 格式（如 2026-03）",
                )
                .value(text),
            ),
            Heading::Blank => {}
            Heading::Unknown(text) => sink.error(
                &loc,
                Draft::new(
                    IssueCode::UnknownColumn,
                    format!(
                        "is not a column of {} (expected {expected}); check the spelling",
                        spec.what
                    ),
                    format!("不是{}的列（应为 {expected}），请检查拼写", spec.what_zh),
                )
                .value(text),
            ),
        }
    }
    // Missing columns are reported after the header's own cells.
    let header_loc = Loc {
        key: (header_loc.key.0, header_loc.key.1, usize::MAX),
        ..header_loc
    };
    let mut complete = true;
    for &(name, required, _) in spec.columns {
        if required && !index.contains_key(name) {
            complete = false;
            sink.error(
                &header_loc,
                Draft::new(
                    IssueCode::MissingColumn,
                    format!(
                        "the header has no \"{name}\" column; {} needs {expected}",
                        spec.what
                    ),
                    format!("表头缺少“{name}”列；{}须包含 {expected}", spec.what_zh),
                ),
            );
        }
    }
    if spec.layout == Layout::DataWide && months.is_empty() {
        complete = false;
        sink.error(
            &header_loc,
            Draft::new(
                IssueCode::MissingColumn,
                "the header has no month column (YYYY-MM)",
                "表头没有月份列（YYYY-MM）",
            ),
        );
    }
    // A value under a blank heading would be silently ignored: say so instead.
    let blank: Vec<usize> = table
        .header
        .iter()
        .enumerate()
        .filter(|(_, cell)| cell.is_empty())
        .map(|(i, _)| i)
        .collect();
    // Walking a CSV's rows reads them again: only when a heading is blank.
    let rows = if blank.is_empty() {
        None
    } else {
        Some(table.rows())
    };
    for row in rows.into_iter().flatten() {
        for &i in &blank {
            let cell = row.cell(i);
            if !cell.is_empty() {
                sink.error(
                    &table.loc(row.line, i),
                    Draft::new(
                        IssueCode::UnknownColumn,
                        "is in a column without a header",
                        "所在列没有表头",
                    )
                    .value(cell.text()),
                );
            }
        }
    }
    complete.then_some(Columns {
        layout: spec.layout,
        index,
        months,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(text: &str) -> Vec<Value> {
        text.split(',')
            .map(|t| {
                if t.is_empty() {
                    Value::Empty
                } else {
                    Value::Text(t.into())
                }
            })
            .collect()
    }

    fn layout(text: &str) -> Option<Layout> {
        detect(&header(text)).map(|s| s.layout)
    }

    #[test]
    fn recognises_each_layout() {
        assert_eq!(
            layout("code,name,parent,kind,region,segment"),
            Some(Layout::Entities)
        );
        assert_eq!(
            layout("\u{FEFF}Code, NAME ,parent,kind"),
            Some(Layout::Entities)
        );
        assert_eq!(layout("entity,period,item,value"), Some(Layout::DataLong));
        assert_eq!(
            layout("entity,period,item,value,basis"),
            Some(Layout::DataLong)
        );
        assert_eq!(
            layout("entity,item,name_zh,name_en,unit,basis,2026-01,2026-02"),
            Some(Layout::DataWide)
        );
        assert_eq!(
            layout("entity,item,项目名称,2026-01"),
            Some(Layout::DataWide)
        );
        assert_eq!(
            layout("entity,year,indicator,target"),
            Some(Layout::Targets)
        );
        // A typo still lands on the right layout, so the error can name the column.
        assert_eq!(layout("entity,period,item,valeu"), Some(Layout::DataLong));
        assert_eq!(layout("foo,bar,baz"), None);
        assert_eq!(layout("entity,foo"), None);
    }
}
