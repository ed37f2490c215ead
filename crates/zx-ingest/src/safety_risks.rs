//! Two files of the safety risks area, read by the same source layer as every submitted file
//! (CSV in UTF-8, UTF-16 or GBK, or XLSX):
//!
//! - official warnings, `region,hazard,level,from,to` (also with the Chinese headings
//!   `地区,灾种,预警级别,开始时间,结束时间`); times are China times, a date alone meaning the day's
//!   start (`from`) or its end (`to`);
//! - the risk register, in the layout of the web's export (`风险编号` optional: a row with a
//!   number revises that risk, one without registers a new one; the shown-only columns `单位名称`,
//!   `风险值`, `风险等级` are read past), so a circulated sheet reads back.
//!
//! Every problem is reported at once (at most [`crate::MAX_ERRORS`]), each naming file, line or
//! cell, column and value, with a stable snake_case code; a file with any problem yields nothing.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use zx_domain::safety::natural::{NaturalHazard, NewWarning, WarningLevel, parse_warning_time};
use zx_domain::safety::risks::{ControlLevel, Risk, RiskCategory};
use zx_domain::safety::{LecScore, MatrixScore, Score};
use zx_domain::{Entity, EntityCode};

use crate::issue::{Loc, Place, SortKey};
use crate::source::{self, Table, Value};
use crate::{Input, MAX_ERRORS};

/// The header of a warnings file.
pub const WARNING_CSV_HEADER: &str = "region,hazard,level,from,to";

/// One problem in a warnings or risk register file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowIssue {
    /// `missing_column`, `unknown_column`, `duplicate_column`, `empty_value`, `invalid_hazard`,
    /// `invalid_level`, `invalid_time`, `ends_before_start`, `unknown_entity`,
    /// `invalid_entity_code`, `invalid_number`, `invalid_score`, `invalid_category`,
    /// `invalid_control_level`, `empty_file`, `too_many_errors`, or an [`crate::IssueCode`]
    /// name for problems reading the file.
    pub code: &'static str,
    pub file: String,
    pub place: Place,
    pub column: Option<String>,
    pub value: Option<String>,
    pub message: String,
    pub message_zh: String,
}

impl RowIssue {
    fn render(&self, message: &str, quotes: (&str, &str)) -> String {
        let mut out = format!("{}{}: ", self.file, self.place);
        if let Some(column) = &self.column {
            out.push_str(column);
            out.push_str(": ");
        }
        if let Some(value) = &self.value {
            out.push_str(&format!("{}{value}{} ", quotes.0, quotes.1));
        }
        out.push_str(message);
        out
    }

    /// The line with the Chinese message.
    pub fn to_string_zh(&self) -> String {
        self.render(&self.message_zh, ("“", "”"))
    }
}

impl fmt::Display for RowIssue {
    /// `warnings.csv:3: level: "purple" is not a warning level: blue, yellow, orange or red`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(&self.message, ("\"", "\"")))
    }
}

/// A file that cannot be imported, with every reason (in file order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowFileRejected {
    pub issues: Vec<RowIssue>,
}

impl fmt::Display for RowFileRejected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for issue in &self.issues {
            writeln!(f, "{issue}")?;
        }
        Ok(())
    }
}

impl std::error::Error for RowFileRejected {}

pub(crate) struct Problems {
    pub(crate) file: String,
    pub(crate) list: Vec<(SortKey, RowIssue)>,
}

impl Problems {
    pub(crate) fn add(
        &mut self,
        loc: &Loc,
        code: &'static str,
        column: &str,
        value: Option<String>,
        message: String,
        message_zh: String,
    ) {
        self.list.push((
            loc.key,
            RowIssue {
                code,
                file: self.file.clone(),
                place: loc.place.clone(),
                column: (!column.is_empty()).then(|| column.to_owned()),
                value,
                message,
                message_zh,
            },
        ));
    }

    pub(crate) fn finish(mut self) -> Vec<RowIssue> {
        self.list.sort_by_key(|(key, _)| *key);
        let seen = self.list.len();
        let mut out: Vec<RowIssue> = self
            .list
            .into_iter()
            .take(MAX_ERRORS)
            .map(|(_, i)| i)
            .collect();
        if seen > MAX_ERRORS {
            out.push(RowIssue {
                code: "too_many_errors",
                file: self.file,
                place: Place::File,
                column: None,
                value: None,
                message: format!("{seen} errors in all; only the first {MAX_ERRORS} are listed"),
                message_zh: format!("共 {seen} 条错误，仅列出前 {MAX_ERRORS} 条"),
            });
        }
        out
    }
}

/// A column of a layout: its code, the headings that name it, whether it must be there.
pub(crate) struct Column {
    pub(crate) code: &'static str,
    pub(crate) names: &'static [&'static str],
    pub(crate) required: bool,
}

const WARNING_COLUMNS: &[Column] = &[
    Column {
        code: "region",
        names: &["region", "地区", "区域"],
        required: true,
    },
    Column {
        code: "hazard",
        names: &["hazard", "灾种", "灾害类型"],
        required: true,
    },
    Column {
        code: "level",
        names: &["level", "预警级别", "级别"],
        required: true,
    },
    Column {
        code: "from",
        names: &["from", "开始时间", "开始"],
        required: true,
    },
    Column {
        code: "to",
        names: &["to", "结束时间", "结束"],
        required: true,
    },
];

/// The risk register's layout: what the export writes (its headings) and the codes.
pub const RISK_HEADINGS: [(&str, &str); 17] = [
    ("id", "风险编号"),
    ("entity", "单位编码"),
    ("entity_name", "单位名称"),
    ("area", "区域/部位"),
    ("activity", "作业活动"),
    ("category", "类别"),
    ("hazard", "危险因素"),
    ("l", "L"),
    ("e", "E"),
    ("c", "C"),
    ("s", "S"),
    ("value", "风险值"),
    ("level", "风险等级"),
    ("controls", "管控措施"),
    ("control_level", "管控层级"),
    ("owner", "责任人"),
    ("state", "状态"),
];

const RISK_COLUMNS: &[Column] = &[
    Column {
        code: "id",
        names: &["id", "风险编号"],
        required: false,
    },
    Column {
        code: "entity",
        names: &["entity", "单位编码"],
        required: true,
    },
    Column {
        code: "entity_name",
        names: &["entity_name", "单位名称"],
        required: false,
    },
    Column {
        code: "area",
        names: &["area", "区域/部位", "区域"],
        required: true,
    },
    Column {
        code: "activity",
        names: &["activity", "作业活动"],
        required: true,
    },
    Column {
        code: "category",
        names: &["category", "类别"],
        required: true,
    },
    Column {
        code: "hazard",
        names: &["hazard", "危险因素"],
        required: true,
    },
    Column {
        code: "l",
        names: &["l"],
        required: true,
    },
    Column {
        code: "e",
        names: &["e"],
        required: true,
    },
    Column {
        code: "c",
        names: &["c"],
        required: true,
    },
    Column {
        code: "s",
        names: &["s"],
        required: true,
    },
    Column {
        code: "value",
        names: &["value", "风险值"],
        required: false,
    },
    Column {
        code: "level",
        names: &["level", "风险等级"],
        required: false,
    },
    Column {
        code: "controls",
        names: &["controls", "管控措施"],
        required: true,
    },
    Column {
        code: "control_level",
        names: &["control_level", "管控层级"],
        required: true,
    },
    Column {
        code: "owner",
        names: &["owner", "责任人"],
        required: true,
    },
    Column {
        code: "state",
        names: &["state", "状态"],
        required: false,
    },
];

fn heading(cell: &Value) -> String {
    cell.text().trim().to_ascii_lowercase()
}

fn find<'c>(columns: &'c [Column], name: &str) -> Option<&'c Column> {
    columns
        .iter()
        .find(|c| c.names.iter().any(|n| n.to_ascii_lowercase() == name))
}

pub(crate) fn tables(
    input: Input<'_>,
    columns: &'static [Column],
    problems: &mut Problems,
) -> Option<Vec<Table>> {
    let mut sink = crate::issue::Sink::new(input.file_name);
    let bytes = input.bytes;
    let is_header = move |cells: &[Value]| {
        let names: Vec<String> = cells.iter().map(heading).collect();
        columns
            .iter()
            .filter(|c| c.required)
            .all(|c| {
                names
                    .iter()
                    .any(|n| find(columns, n).is_some_and(|f| f.code == c.code))
            })
            .then_some(())
    };
    let tables = if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        source::read_xlsx(bytes, &is_header, &mut sink)
    } else {
        match source::decode(bytes) {
            Ok((text, encoding)) => source::read_csv(text, encoding, &mut sink).map(|t| vec![t]),
            Err(failure) => {
                let (loc, draft) = *failure;
                sink.error(&loc, draft);
                None
            }
        }
    };
    for issue in sink.finish().0 {
        let key = match &issue.place {
            Place::File | Place::Cell { .. } => (0, 0, 0),
            Place::Line(line) => (0, *line, 0),
        };
        problems.list.push((
            key,
            RowIssue {
                code: issue.code.as_str(),
                file: issue.file,
                place: issue.place,
                column: issue.column,
                value: issue.value,
                message: issue.message,
                message_zh: issue.message_zh,
            },
        ));
    }
    tables
}

/// The header's columns by code, or `None` (problems added) when it lacks a required one.
pub(crate) fn header_index(
    table: &Table,
    columns: &'static [Column],
    layout: &str,
    problems: &mut Problems,
) -> Option<HashMap<&'static str, usize>> {
    let mut index = HashMap::new();
    for (i, cell) in table.header.iter().enumerate() {
        let name = heading(cell);
        if name.is_empty() {
            continue;
        }
        let loc = table.loc(table.header_line, i);
        match find(columns, &name) {
            Some(c) if index.contains_key(c.code) => problems.add(
                &loc,
                "duplicate_column",
                "",
                Some(cell.text()),
                "appears twice in the header".into(),
                "在表头中出现了两次".into(),
            ),
            Some(c) => {
                index.insert(c.code, i);
            }
            None => problems.add(
                &loc,
                "unknown_column",
                "",
                Some(cell.text()),
                format!("is not a column of this file ({layout})"),
                format!("不是此文件的列（{layout}）"),
            ),
        }
    }
    let missing: Vec<&str> = columns
        .iter()
        .filter(|c| c.required && !index.contains_key(c.code))
        .map(|c| c.code)
        .collect();
    if missing.is_empty() {
        return Some(index);
    }
    problems.add(
        &table.line_loc(table.header_line),
        "missing_column",
        "",
        None,
        format!(
            "the header lacks {}; the columns are {layout}",
            missing.join(", ")
        ),
        format!("表头缺少 {}；此文件的列为 {layout}", missing.join("、")),
    );
    None
}

/// The cells of one row by column code, and their places.
pub(crate) struct Cells<'t> {
    pub(crate) table: &'t Table,
    pub(crate) row: &'t source::Row,
    pub(crate) index: &'t HashMap<&'static str, usize>,
}

impl Cells<'_> {
    pub(crate) fn text(&self, code: &str) -> String {
        self.index.get(code).map_or(String::new(), |c| {
            self.row.cell(*c).text().trim().to_owned()
        })
    }

    pub(crate) fn loc(&self, code: &str) -> Loc {
        self.table
            .loc(self.row.line, self.index.get(code).copied().unwrap_or(0))
    }

    pub(crate) fn required(&self, code: &str, problems: &mut Problems) -> Option<String> {
        let text = self.text(code);
        if text.is_empty() {
            problems.add(
                &self.loc(code),
                "empty_value",
                code,
                None,
                "must not be empty".into(),
                "不能为空".into(),
            );
            return None;
        }
        Some(text)
    }
}

pub(crate) fn empty_file(problems: &mut Problems) {
    problems.add(
        &Loc::file(),
        "empty_file",
        "",
        None,
        "file has a header but no rows".into(),
        "文件只有表头，没有数据行".into(),
    );
}

/// Reads every data row of a file laid out with `columns` (`layout` names them in messages)
/// through `row`, which reads one row's cells or adds its problems: the rows in file order, or
/// every problem of the file.
pub(crate) fn read_rows<T>(
    input: Input<'_>,
    columns: &'static [Column],
    layout: &str,
    mut row: impl FnMut(&Cells<'_>, &mut Problems) -> Option<T>,
) -> Result<Vec<T>, RowFileRejected> {
    let mut problems = Problems {
        file: input.file_name.to_owned(),
        list: Vec::new(),
    };
    let mut read = Vec::new();
    let mut rows = 0;
    if let Some(tables) = tables(input, columns, &mut problems) {
        for table in &tables {
            let Some(index) = header_index(table, columns, layout, &mut problems) else {
                continue;
            };
            for line in table.rows() {
                rows += 1;
                let cells = Cells {
                    table,
                    row: &line,
                    index: &index,
                };
                if let Some(value) = row(&cells, &mut problems) {
                    read.push(value);
                }
            }
        }
        if rows == 0 && problems.list.is_empty() {
            empty_file(&mut problems);
        }
    }
    let issues = problems.finish();
    if issues.is_empty() {
        Ok(read)
    } else {
        Err(RowFileRejected { issues })
    }
}

/// Reads an official warnings file. Returns the warnings in file order, or every problem.
pub fn read_warnings(input: Input<'_>) -> Result<Vec<NewWarning>, RowFileRejected> {
    read_rows(input, WARNING_COLUMNS, WARNING_CSV_HEADER, warning_row)
}

fn warning_row(cells: &Cells<'_>, problems: &mut Problems) -> Option<NewWarning> {
    let region = cells.required("region", problems);
    let hazard = cells.required("hazard", problems).and_then(|text| {
        let hazard = NaturalHazard::parse(&text);
        if hazard.is_none() {
            problems.add(
                &cells.loc("hazard"),
                "invalid_hazard",
                "hazard",
                Some(text),
                "is not a hazard: flood, typhoon, landslide, heat, lightning, snow_ice or earthquake"
                    .into(),
                "不是灾种：flood（暴雨内涝/洪水）、typhoon（台风）、landslide（滑坡泥石流）、heat（高温）、\
                 lightning（雷电）、snow_ice（暴雪冰冻）或 earthquake（地震）"
                    .into(),
            );
        }
        hazard
    });
    let level = cells.required("level", problems).and_then(|text| {
        let level = WarningLevel::parse(&text);
        if level.is_none() {
            problems.add(
                &cells.loc("level"),
                "invalid_level",
                "level",
                Some(text),
                "is not a warning level: blue, yellow, orange or red".into(),
                "不是预警级别：蓝色、黄色、橙色或红色（blue、yellow、orange、red）".into(),
            );
        }
        level
    });
    let mut time = |code: &str, end: bool| {
        cells.required(code, problems).and_then(|text| {
            let t = parse_warning_time(&text, end);
            if t.is_none() {
                problems.add(
                    &cells.loc(code),
                    "invalid_time",
                    code,
                    Some(text),
                    "is not a time: YYYY-MM-DD HH:MM or YYYY-MM-DD, China time".into(),
                    "不是时间：应为 YYYY-MM-DD HH:MM 或 YYYY-MM-DD（北京时间）".into(),
                );
            }
            t
        })
    };
    let from = time("from", false);
    let to = time("to", true);
    if let (Some(from), Some(to)) = (from, to)
        && to <= from
    {
        problems.add(
            &cells.loc("to"),
            "ends_before_start",
            "to",
            Some(cells.text("to")),
            "is not after the warning's start".into(),
            "不晚于预警开始时间".into(),
        );
        return None;
    }
    Some(NewWarning {
        region: region?,
        hazard: hazard?,
        level: level?,
        from: from?,
        to: to?,
    })
}

/// One row of a risk register: the number it names (a revision of that risk) and the risk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RiskFileRow {
    pub id: Option<i64>,
    pub risk: Risk,
    /// Marked retired (`已停用`) in the state column: a risk retired already, read back as
    /// it is (retiring takes a reason, on the page).
    pub retired: bool,
}

/// The register's heading list, `风险编号,单位编码,…`, for messages.
fn risk_layout() -> String {
    RISK_HEADINGS
        .iter()
        .map(|(_, zh)| *zh)
        .collect::<Vec<_>>()
        .join(",")
}

/// Reads a risk register against the stored `entities`. `writable`: whether the importer may
/// write an entity's risks (its subtree); a row of another entity is refused on its cell.
/// `retired`: the ids of the risks retired in the register; a row marked retired must be one.
pub fn read_risks(
    input: Input<'_>,
    entities: &[Entity],
    writable: &dyn Fn(&EntityCode) -> bool,
    retired: &HashSet<i64>,
) -> Result<Vec<RiskFileRow>, RowFileRejected> {
    let mut problems = Problems {
        file: input.file_name.to_owned(),
        list: Vec::new(),
    };
    let known: HashMap<&str, &Entity> = entities.iter().map(|e| (e.code.as_str(), e)).collect();
    let layout = risk_layout();
    let mut risks = Vec::new();
    let mut rows = 0;
    if let Some(tables) = tables(input, RISK_COLUMNS, &mut problems) {
        for table in &tables {
            let Some(index) = header_index(table, RISK_COLUMNS, &layout, &mut problems) else {
                continue;
            };
            for row in table.rows() {
                rows += 1;
                let cells = Cells {
                    table,
                    row: &row,
                    index: &index,
                };
                if let Some(r) = risk_row(&cells, &known, writable, retired, &mut problems) {
                    risks.push(r);
                }
            }
        }
        if rows == 0 && problems.list.is_empty() {
            empty_file(&mut problems);
        }
    }
    let issues = problems.finish();
    if issues.is_empty() {
        Ok(risks)
    } else {
        Err(RowFileRejected { issues })
    }
}

fn risk_row(
    cells: &Cells<'_>,
    known: &HashMap<&str, &Entity>,
    writable: &dyn Fn(&EntityCode) -> bool,
    retired: &HashSet<i64>,
    problems: &mut Problems,
) -> Option<RiskFileRow> {
    let id_text = cells.text("id");
    let id = if id_text.is_empty() {
        Some(None)
    } else {
        match id_text.parse::<i64>() {
            Ok(n) if n > 0 => Some(Some(n)),
            _ => {
                problems.add(
                    &cells.loc("id"),
                    "invalid_number",
                    "id",
                    Some(id_text),
                    "is not a risk number (a whole number from the register's export)".into(),
                    "不是风险编号（应为导出表中的整数编号）".into(),
                );
                None
            }
        }
    };
    let entity = cells.required("entity", problems).and_then(|text| {
        let Ok(code) = EntityCode::parse(&text) else {
            problems.add(
                &cells.loc("entity"),
                "invalid_entity_code",
                "entity",
                Some(text),
                "is not an entity code".into(),
                "不是有效的单位编码".into(),
            );
            return None;
        };
        if !known.contains_key(code.as_str()) || !writable(&code) {
            problems.add(
                &cells.loc("entity"),
                "unknown_entity",
                "entity",
                Some(text),
                "is not an entity you may register risks for".into(),
                "不是您可以登记风险的单位".into(),
            );
            return None;
        }
        Some(code)
    });
    let area = cells.required("area", problems);
    let activity = cells.required("activity", problems);
    let hazard = cells.required("hazard", problems);
    let controls = cells.required("controls", problems);
    let owner = cells.required("owner", problems);
    let category = cells.required("category", problems).and_then(|text| {
        let c = RiskCategory::parse(&text);
        if c.is_none() {
            problems.add(
                &cells.loc("category"),
                "invalid_category",
                "category",
                Some(text),
                "is not a risk category (confined space, hot work, work at height, lifting, \
                 chemical storage, electrical work, machinery, fire and explosion, other)"
                    .into(),
                "不是风险类别（有限空间、动火作业、高处作业、吊装作业、危险化学品储存、电气作业、\
                 机械伤害、火灾爆炸、其他）"
                    .into(),
            );
        }
        c
    });
    let control_level = cells.required("control_level", problems).and_then(|text| {
        let l = ControlLevel::parse(&text);
        if l.is_none() {
            problems.add(
                &cells.loc("control_level"),
                "invalid_control_level",
                "control_level",
                Some(text),
                "is not a control level: company, plant or team".into(),
                "不是管控层级：公司级、厂级或班组级".into(),
            );
        }
        l
    });
    let score = score(cells, problems);
    let marked = matches!(cells.text("state").as_str(), "已停用" | "retired");
    if marked && !id.flatten().is_some_and(|id| retired.contains(&id)) {
        problems.add(
            &cells.loc("state"),
            "invalid_state",
            "state",
            Some(cells.text("state")),
            "is not the state of this risk in the register: retire a risk on the page, with a reason"
                .into(),
            "与登记册中该风险的状态不符：停用风险请在页面上操作并填写原因".into(),
        );
        return None;
    }
    Some(RiskFileRow {
        retired: marked,
        id: id?,
        risk: Risk {
            entity: entity?,
            area: area?,
            activity: activity?,
            category: category?,
            hazard: hazard?,
            score: score?,
            controls: controls?,
            control_level: control_level?,
            owner: owner?,
        },
    })
}

/// LEC when `S` is blank (`L`, `E`, `C` the method's values), the matrix when `S` is set (`L`
/// and `S` 1–5, `E` and `C` blank).
fn score(cells: &Cells<'_>, problems: &mut Problems) -> Option<Score> {
    let (l, e, c, s) = (
        cells.text("l"),
        cells.text("e"),
        cells.text("c"),
        cells.text("s"),
    );
    let bad = |problems: &mut Problems, code: &str, value: String, en: String, zh: String| {
        problems.add(&cells.loc(code), "invalid_score", code, Some(value), en, zh);
        None
    };
    if s.is_empty() {
        let mut factors = Vec::new();
        for (code, text) in [("l", &l), ("e", &e), ("c", &c)] {
            if text.is_empty() {
                problems.add(
                    &cells.loc(code),
                    "empty_value",
                    code,
                    None,
                    "must not be empty (LEC needs L, E and C; the matrix L and S)".into(),
                    "不能为空（LEC 法需填 L、E、C；风险矩阵法需填 L、S）".into(),
                );
                return None;
            }
            match Decimal::from_str(text) {
                Ok(v) => factors.push(v),
                Err(_) => {
                    return bad(
                        problems,
                        code,
                        text.clone(),
                        "is not a number".into(),
                        "不是数字".into(),
                    );
                }
            }
        }
        return match LecScore::new(factors[0], factors[1], factors[2]) {
            Ok(score) => Some(Score::Lec(score)),
            Err(zx_domain::safety::ScoreError::Invalid {
                field,
                value,
                allowed,
            }) => bad(
                problems,
                &field.to_ascii_lowercase(),
                value,
                format!("is not an allowed {field} value: {allowed}"),
                format!("不是允许的 {field} 值：{allowed}"),
            ),
            Err(other) => bad(
                problems,
                "l",
                l.clone(),
                other.to_string(),
                other.to_string(),
            ),
        };
    }
    for (code, text) in [("e", &e), ("c", &c)] {
        if !text.is_empty() {
            return bad(
                problems,
                code,
                text.clone(),
                "must be blank when S is set (a risk-matrix score is L × S)".into(),
                "填写 S 时须为空（风险矩阵法为 L × S）".into(),
            );
        }
    }
    let small = |text: &str| text.parse::<u8>().ok();
    match (small(&l), small(&s)) {
        (Some(lv), Some(sv)) => match MatrixScore::new(lv, sv) {
            Ok(score) => Some(Score::Matrix(score)),
            Err(_) => {
                let (code, text) = if (1..=5).contains(&lv) {
                    ("s", s)
                } else {
                    ("l", l)
                };
                bad(
                    problems,
                    code,
                    text,
                    "is not 1, 2, 3, 4 or 5".into(),
                    "应为 1 至 5 的整数".into(),
                )
            }
        },
        (None, _) => bad(
            problems,
            "l",
            l,
            "is not 1, 2, 3, 4 or 5".into(),
            "应为 1 至 5 的整数".into(),
        ),
        (_, None) => bad(
            problems,
            "s",
            s,
            "is not 1, 2, 3, 4 or 5".into(),
            "应为 1 至 5 的整数".into(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zx_domain::EntityKind;

    fn input(bytes: &[u8]) -> Input<'_> {
        Input {
            file_name: "warnings.csv",
            bytes,
        }
    }

    #[test]
    fn warnings_read_with_china_times() {
        let text = "region,hazard,level,from,to\n福建,typhoon,橙色,2026-08-01 08:00,2026-08-02\n";
        let list = read_warnings(input(text.as_bytes())).unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].level, WarningLevel::Orange);
        // 08:00 China = 00:00 UTC; the date 2026-08-02 as an end = 2026-08-03 00:00 China.
        assert_eq!(list[0].from.to_rfc3339(), "2026-08-01T00:00:00+00:00");
        assert_eq!(list[0].to.to_rfc3339(), "2026-08-02T16:00:00+00:00");
    }

    #[test]
    fn every_bad_cell_of_a_warnings_file_is_named() {
        let text = "region,hazard,level,from,to\n\
                    福建,tornado,orange,2026-08-01,2026-08-02\n\
                    福建,typhoon,purple,2026-02-30,2026-08-02\n\
                    ,flood,red,2026-08-03,2026-08-02\n";
        let err = read_warnings(input(text.as_bytes())).unwrap_err();
        let lines: Vec<String> = err.issues.iter().map(ToString::to_string).collect();
        assert_eq!(
            lines,
            [
                "warnings.csv:2: hazard: \"tornado\" is not a hazard: flood, typhoon, landslide, heat, lightning, snow_ice or earthquake",
                "warnings.csv:3: level: \"purple\" is not a warning level: blue, yellow, orange or red",
                "warnings.csv:3: from: \"2026-02-30\" is not a time: YYYY-MM-DD HH:MM or YYYY-MM-DD, China time",
                "warnings.csv:4: region: must not be empty",
                "warnings.csv:4: to: \"2026-08-02\" is not after the warning's start",
            ]
        );
        let missing = read_warnings(input(b"region,hazard,level,from\n")).unwrap_err();
        assert_eq!(missing.issues[0].code, "missing_column");
        assert_eq!(
            read_warnings(input(b"region,hazard,level,from,to\n"))
                .unwrap_err()
                .issues[0]
                .code,
            "empty_file"
        );
    }

    fn entity(code: &str) -> Entity {
        Entity {
            code: EntityCode::parse(code).unwrap(),
            name: code.into(),
            parent: None,
            kind: EntityKind::Plant,
            region: "福建".into(),
            segment: String::new(),
        }
    }

    #[test]
    fn a_register_row_reads_back_lec_or_matrix_and_names_bad_cells() {
        let header = "风险编号,单位编码,单位名称,区域/部位,作业活动,类别,危险因素,L,E,C,S,风险值,风险等级,管控措施,管控层级,责任人\n";
        let good = format!(
            "{header}3,P1,一厂,渗滤液池,清淤,有限空间,中毒窒息,3,6,15,,270,较大风险,通风检测,公司级,王工\n\
             ,P1,一厂,垃圾吊,检修,高处作业,高处坠落,4,,,4,16,较大风险,安全带,厂级,李工\n"
        );
        let entities = [entity("P1"), entity("P2")];
        let only_p1 = |c: &EntityCode| c.as_str() == "P1";
        let rows = read_risks(
            Input {
                file_name: "risks.csv",
                bytes: good.as_bytes(),
            },
            &entities,
            &only_p1,
            &HashSet::new(),
        )
        .unwrap();
        assert_eq!(rows[0].id, Some(3));
        assert_eq!(rows[1].id, None);
        match rows[0].risk.score {
            Score::Lec(s) => assert_eq!(s.danger(), Decimal::from(270)),
            Score::Matrix(_) => panic!("LEC expected"),
        }
        assert!(matches!(rows[1].risk.score, Score::Matrix(s) if s.risk() == 16));

        let bad = format!(
            "{header}x,P2,二厂,a,b,有限空间,c,4,6,15,,,,d,公司级,e\n\
             ,P1,一厂,a,b,洗澡,c,3,6,15,2,,,d,总部级,\n"
        );
        let err = read_risks(
            Input {
                file_name: "risks.csv",
                bytes: bad.as_bytes(),
            },
            &entities,
            &only_p1,
            &HashSet::new(),
        )
        .unwrap_err();
        let lines: Vec<String> = err.issues.iter().map(ToString::to_string).collect();
        assert_eq!(
            lines,
            [
                "risks.csv:2: id: \"x\" is not a risk number (a whole number from the register's export)",
                "risks.csv:2: entity: \"P2\" is not an entity you may register risks for",
                "risks.csv:2: l: \"4\" is not an allowed L value: 10, 6, 3, 1, 0.5, 0.2, 0.1",
                "risks.csv:3: category: \"洗澡\" is not a risk category (confined space, hot work, work at height, lifting, chemical storage, electrical work, machinery, fire and explosion, other)",
                "risks.csv:3: e: \"6\" must be blank when S is set (a risk-matrix score is L × S)",
                "risks.csv:3: control_level: \"总部级\" is not a control level: company, plant or team",
                "risks.csv:3: owner: must not be empty",
            ]
        );
    }
}
