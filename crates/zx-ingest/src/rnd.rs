//! The R&D register as a workbook (or CSV): four sheets — projects (研发项目), yearly budgets
//! (年度预算), monthly spend (月度支出) and partners (合作单位) — each known from its header
//! (Chinese headings as [`write_register`] writes them, or the column codes), columns in any
//! order. A CSV holds one of them. The shown-only columns (`单位名称`, `当前阶段`) are read past,
//! so an exported register reads back as it is.
//!
//! Every problem of every file is reported at once, each naming file, sheet and cell (or line),
//! column and value, with a stable code; a file with any problem yields nothing.

use std::collections::{BTreeSet, HashMap, HashSet};

use rust_decimal::Decimal;
use rust_xlsxwriter::{Format, Workbook, XlsxError};
use zx_domain::rnd::{
    Budget, FieldKind, Gate, MonthSpend, Partner, PartnerKind, Project, Register, Results, Stage,
};
use zx_domain::{Entity, EntityCode, Month};

use crate::fields::{self, Known as Entities};
use crate::issue::{Draft, IssueCode, Loc, Sink};
use crate::source::{self, Row, Table, Value};
use crate::{Input, Issue};

/// A sheet of the register.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RndSheet {
    Projects,
    Budgets,
    Spend,
    Partners,
}

/// (code, heading, required)
type Spec = &'static [(&'static str, &'static str, bool)];

const PROJECT_COLUMNS: Spec = &[
    ("code", "项目编号", true),
    ("entity", "单位编码", true),
    ("entity_name", "单位名称", false),
    ("name", "项目名称", true),
    ("field", "领域", true),
    ("field_kind", "领域类型", true),
    ("stage", "当前阶段", false),
    ("initiation_planned", "立项计划日期", false),
    ("initiation_actual", "立项日期", true),
    ("research_planned", "研发计划日期", false),
    ("research_actual", "研发实际日期", false),
    ("pilot_planned", "中试计划日期", false),
    ("pilot_actual", "中试实际日期", false),
    ("demonstration_planned", "示范应用计划日期", false),
    ("demonstration_actual", "示范应用实际日期", false),
    ("closed_planned", "结题计划日期", false),
    ("closed_actual", "结题实际日期", false),
    ("leader", "项目负责人", true),
    ("members", "团队成员", false),
    ("patents_filed", "申请专利", false),
    ("patents_granted", "授权专利", false),
    ("standards", "标准", false),
    ("software_copyrights", "软件著作权", false),
    ("awards", "获奖", false),
    ("application_revenue", "应用收入（元）", false),
];
const BUDGET_COLUMNS: Spec = &[
    ("project", "项目编号", true),
    ("year", "年度", true),
    ("amount", "预算（元）", true),
];
const SPEND_COLUMNS: Spec = &[
    ("project", "项目编号", true),
    ("month", "月份", true),
    ("amount", "支出（元）", true),
];
const PARTNER_COLUMNS: Spec = &[
    ("project", "项目编号", true),
    ("partner", "合作单位", true),
    ("kind", "类型", true),
];

impl RndSheet {
    pub const ALL: [RndSheet; 4] = [
        RndSheet::Projects,
        RndSheet::Budgets,
        RndSheet::Spend,
        RndSheet::Partners,
    ];

    /// The sheet's name in the exported workbook.
    pub fn sheet_name(self) -> &'static str {
        match self {
            RndSheet::Projects => "研发项目",
            RndSheet::Budgets => "年度预算",
            RndSheet::Spend => "月度支出",
            RndSheet::Partners => "合作单位",
        }
    }

    fn columns(self) -> Spec {
        match self {
            RndSheet::Projects => PROJECT_COLUMNS,
            RndSheet::Budgets => BUDGET_COLUMNS,
            RndSheet::Spend => SPEND_COLUMNS,
            RndSheet::Partners => PARTNER_COLUMNS,
        }
    }

    /// The column code a heading names in this sheet.
    fn code_of(self, heading: &str) -> Option<&'static str> {
        self.columns()
            .iter()
            .find(|(code, zh, _)| *code == heading || zh.to_lowercase() == heading)
            .map(|(code, _, _)| *code)
    }

    /// The sheet whose columns a header has: every required one, nothing unknown, nothing twice.
    fn of_header(cells: &[Value]) -> Option<Self> {
        let names: Vec<String> = cells
            .iter()
            .map(heading)
            .filter(|n| !n.is_empty())
            .collect();
        Self::ALL.into_iter().find(|sheet| {
            let codes: Vec<&str> = names.iter().filter_map(|n| sheet.code_of(n)).collect();
            let unique: HashSet<&str> = codes.iter().copied().collect();
            codes.len() == names.len()
                && unique.len() == codes.len()
                && sheet
                    .columns()
                    .iter()
                    .all(|(code, _, required)| !required || unique.contains(code))
        })
    }

    fn headings(self) -> String {
        self.columns()
            .iter()
            .map(|(_, zh, _)| *zh)
            .collect::<Vec<_>>()
            .join(",")
    }
}

fn heading(cell: &Value) -> String {
    cell.text()
        .trim()
        .trim_start_matches('\u{FEFF}')
        .trim()
        .to_lowercase()
}

/// What the database holds that rows may refer to, and who may write what.
#[derive(Debug, Clone, Copy)]
pub struct KnownRnd<'a> {
    pub entities: &'a [Entity],
    /// Registered projects: code and entity.
    pub projects: &'a [(String, EntityCode)],
    /// The entities the importer may write (a manager's subtree); `None`: any.
    pub writable: Option<&'a BTreeSet<EntityCode>>,
    /// No spend may be entered for a month after this one (this month in China).
    pub latest: Option<Month>,
}

/// Files that cannot be imported, with every reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RndRejected {
    pub errors: Vec<Issue>,
}

impl std::fmt::Display for RndRejected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for issue in &self.errors {
            writeln!(f, "{issue}")?;
        }
        Ok(())
    }
}

impl std::error::Error for RndRejected {}

/// A row's cells by column code.
struct Cells<'t> {
    table: &'t Table,
    row: &'t Row,
    index: &'t HashMap<&'static str, usize>,
}

impl Cells<'_> {
    fn cell(&self, code: &str) -> &Value {
        self.index
            .get(code)
            .map_or(&Value::Empty, |i| self.row.cell(*i))
    }

    fn loc(&self, code: &str) -> Loc {
        let column = self.index.get(code).copied().unwrap_or(0);
        self.table.loc(self.row.line, column)
    }
}

/// A row being read: errors go to the sink as they are found.
struct Fields<'c, 's> {
    cells: &'c Cells<'c>,
    sink: &'s mut Sink,
    failed: bool,
}

impl Fields<'_, '_> {
    fn take<T>(&mut self, code: &str, read: impl FnOnce(&Value) -> Result<T, Draft>) -> Option<T> {
        match read(self.cells.cell(code)) {
            Ok(value) => Some(value),
            Err(draft) => {
                self.error(code, draft);
                None
            }
        }
    }

    fn error(&mut self, code: &str, draft: Draft) {
        self.sink.error(&self.cells.loc(code), draft);
        self.failed = true;
    }

    fn text(&mut self, code: &str) -> Option<String> {
        self.take(code, |cell| {
            fields::required_text(cell, code).map(|t| t.trim().to_owned())
        })
    }

    fn optional_text(&self, code: &str) -> String {
        self.cells.cell(code).text().trim().to_owned()
    }

    fn date(&mut self, code: &str, required: bool) -> Option<Option<chrono::NaiveDate>> {
        self.take(code, |cell| match cell {
            Value::Empty if !required => Ok(None),
            _ => date(cell, code).map(Some),
        })
    }

    fn count(&mut self, code: &str) -> Option<u32> {
        self.take(code, |cell| {
            if cell.is_empty() {
                return Ok(0);
            }
            let invalid = || {
                Draft::new(
                    IssueCode::InvalidCount,
                    "is not a whole number of 0 or more",
                    "不是大于等于 0 的整数",
                )
                .column(code)
                .value(cell.text())
            };
            let value = fields::decimal(cell, code).map_err(|_| invalid())?;
            if !value.fract().is_zero() || value.is_sign_negative() {
                return Err(invalid());
            }
            value
                .trunc()
                .normalize()
                .to_string()
                .parse::<u32>()
                .map_err(|_| invalid())
        })
    }

    fn amount(&mut self, code: &str, required: bool) -> Option<Decimal> {
        self.take(code, |cell| {
            if cell.is_empty() && !required {
                return Ok(Decimal::ZERO);
            }
            let value = fields::decimal(cell, code)?;
            if value.is_sign_negative() && !value.is_zero() {
                return Err(Draft::new(
                    IssueCode::NegativeValue,
                    "must not be negative",
                    "不能为负数",
                )
                .column(code)
                .value(cell.text()));
            }
            Ok(value)
        })
    }
}

/// A `YYYY-MM-DD` date (years 1900–2999), or a workbook date cell without a time.
fn date(cell: &Value, column: &str) -> Result<chrono::NaiveDate, Draft> {
    use chrono::Datelike;
    let parsed = match cell {
        Value::Empty => return Err(fields::empty(column)),
        Value::Date {
            year,
            month,
            day,
            time: false,
        } => chrono::NaiveDate::from_ymd_opt(*year, *month, *day),
        Value::Text(text) => chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").ok(),
        _ => None,
    };
    parsed
        .filter(|d| (1900..=2999).contains(&d.year()))
        .ok_or_else(|| {
            Draft::new(
                IssueCode::InvalidDate,
                "is not a date in the form YYYY-MM-DD",
                "不是 YYYY-MM-DD 格式的日期",
            )
            .column(column)
            .value(cell.text())
        })
}

/// Names split on the separators people type between them.
fn split_names(text: &str) -> Vec<String> {
    text.split(['、', ',', '，', ';', '；'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// What a file was: its name and the rows of each sheet read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RndFileSummary {
    pub file: String,
    pub rows: usize,
}

/// Files read: the register's rows and what each file held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RndFiles {
    pub register: Register,
    pub files: Vec<RndFileSummary>,
}

struct Reader<'k> {
    known: &'k KnownRnd<'k>,
    entities: Entities<'k>,
    /// Project code → its entity, stored or read (a later file's row may name an earlier's).
    projects: HashMap<String, EntityCode>,
    seen_projects: HashSet<String>,
    seen_budgets: HashSet<(String, i32)>,
    seen_spend: HashSet<(String, Month)>,
    seen_partners: HashSet<(String, String)>,
    register: Register,
}

/// Reads the files of one command together (a spend sheet may name a project of the projects
/// sheet of another file). Errors for every problem, or the rows.
pub fn read_register(inputs: &[Input<'_>], known: &KnownRnd<'_>) -> Result<RndFiles, RndRejected> {
    let mut reader = Reader {
        known,
        entities: Entities::new(known.entities),
        projects: known.projects.iter().cloned().collect(),
        seen_projects: HashSet::new(),
        seen_budgets: HashSet::new(),
        seen_spend: HashSet::new(),
        seen_partners: HashSet::new(),
        register: Register::default(),
    };
    let mut errors = Vec::new();
    let mut files = Vec::new();
    // Projects first, across files: the other sheets refer to them.
    let mut read: Vec<(Sink, Vec<(RndSheet, Table)>)> = Vec::new();
    for input in inputs {
        let mut sink = Sink::new(input.file_name);
        let tables = sheets(*input, &mut sink);
        let rows = tables.iter().map(|(_, t)| t.row_count()).sum();
        files.push(RndFileSummary {
            file: input.file_name.to_owned(),
            rows,
        });
        read.push((sink, tables));
    }
    for pass in RndSheet::ALL {
        for (sink, tables) in &mut read {
            for (sheet, table) in tables.iter().filter(|(s, _)| *s == pass) {
                reader.table(*sheet, table, sink);
            }
        }
    }
    for (sink, _) in read {
        errors.extend(sink.finish().0);
    }
    if errors.is_empty() {
        Ok(RndFiles {
            register: reader.register,
            files,
        })
    } else {
        Err(RndRejected { errors })
    }
}

/// The file's tables and the sheet each is: a workbook's sheets, or the CSV's one table.
fn sheets(input: Input<'_>, sink: &mut Sink) -> Vec<(RndSheet, Table)> {
    let bytes = input.bytes;
    let any = |cells: &[Value]| RndSheet::of_header(cells).map(|_| ());
    let tables = if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        source::read_xlsx(bytes, &any, sink).unwrap_or_default()
    } else {
        match source::decode(bytes) {
            Ok((text, encoding)) => source::read_csv(text, encoding, sink).into_iter().collect(),
            Err(failure) => {
                let (loc, draft) = *failure;
                sink.error(&loc, draft);
                Vec::new()
            }
        }
    };
    let mut out = Vec::new();
    for table in tables {
        match RndSheet::of_header(&table.header) {
            Some(sheet) => out.push((sheet, table)),
            None => {
                let text: Vec<String> = table.header.iter().map(Value::text).collect();
                let list: Vec<String> = RndSheet::ALL
                    .iter()
                    .map(|s| format!("{} ({})", s.sheet_name(), s.headings()))
                    .collect();
                let list = list.join("; ");
                sink.error(
                    &table.line_loc(table.header_line),
                    Draft::new(
                        IssueCode::UnknownHeader,
                        format!("is not a header of the R&D register; the sheets are: {list}"),
                        format!("不是研发项目台账的表头；各表为：{list}"),
                    )
                    .value(text.join(",")),
                );
            }
        }
    }
    if out.is_empty() && !sink.has_errors() {
        sink.error(
            &Loc::file(),
            Draft::new(
                IssueCode::EmptyFile,
                "has no sheet of the R&D register",
                "没有研发项目台账的工作表",
            ),
        );
    }
    out
}

impl Reader<'_> {
    fn table(&mut self, sheet: RndSheet, table: &Table, sink: &mut Sink) {
        let index: HashMap<&'static str, usize> = table
            .header
            .iter()
            .enumerate()
            .filter_map(|(i, cell)| sheet.code_of(&heading(cell)).map(|c| (c, i)))
            .collect();
        for row in table.rows() {
            let cells = Cells {
                table,
                row: &row,
                index: &index,
            };
            let mut fields = Fields {
                cells: &cells,
                sink,
                failed: false,
            };
            match sheet {
                RndSheet::Projects => self.project(&mut fields),
                RndSheet::Budgets => self.budget(&mut fields),
                RndSheet::Spend => self.spend(&mut fields),
                RndSheet::Partners => self.partner(&mut fields),
            }
        }
    }

    fn may_write(&self, entity: &EntityCode) -> bool {
        self.known
            .writable
            .is_none_or(|scope| scope.contains(entity))
    }

    fn outside_scope(value: &str, column: &str) -> Draft {
        Draft::new(
            IssueCode::OutsideScope,
            "is outside your part of the group: you may not change it",
            "不在您负责的单位范围内：不能修改",
        )
        .column(column)
        .value(value)
    }

    fn project(&mut self, f: &mut Fields<'_, '_>) {
        let code = f.text("code");
        let entity = f.take("entity", |cell| self.entities.entity(cell, "entity"));
        if let Some(e) = &entity
            && !self.may_write(e)
        {
            f.error("entity", Self::outside_scope(e.as_str(), "entity"));
        }
        let name = f.text("name");
        let field = f.text("field");
        let field_kind = f.take("field_kind", |cell| {
            let text = fields::required_text(cell, "field_kind")?;
            FieldKind::parse(&text).ok_or_else(|| {
                Draft::new(
                    IssueCode::InvalidFieldKind,
                    "is not a field kind: 关键领域 (key_area) or 产业链环节 (chain_link)",
                    "不是领域类型：须为 关键领域 或 产业链环节",
                )
                .column("field_kind")
                .value(text)
            })
        });
        let mut gates = [Gate::default(); 5];
        for (i, stage) in Stage::ALL.into_iter().enumerate() {
            let planned = format!("{}_planned", stage.as_str());
            let actual = format!("{}_actual", stage.as_str());
            gates[i].planned = f.date(&planned, false).flatten();
            gates[i].actual = f.date(&actual, stage == Stage::Initiation).flatten();
        }
        let leader = f.text("leader");
        let members = split_names(&f.optional_text("members"));
        let results = Results {
            patents_filed: f.count("patents_filed").unwrap_or(0),
            patents_granted: f.count("patents_granted").unwrap_or(0),
            standards: f.count("standards").unwrap_or(0),
            software_copyrights: f.count("software_copyrights").unwrap_or(0),
            awards: f.count("awards").unwrap_or(0),
            application_revenue: f.amount("application_revenue", false).unwrap_or_default(),
        };
        let (Some(code), Some(entity), Some(name), Some(field), Some(field_kind), Some(leader)) =
            (code, entity, name, field, field_kind, leader)
        else {
            return;
        };
        if f.failed {
            return;
        }
        if !self.seen_projects.insert(code.clone()) {
            f.error(
                "code",
                Draft::new(
                    IssueCode::DuplicateRow,
                    "appears twice in the register",
                    "在台账中出现了两次",
                )
                .column("code")
                .value(code),
            );
            return;
        }
        if let Some(stored) = self.projects.get(&code)
            && *stored != entity
        {
            f.error(
                "entity",
                Draft::new(
                    IssueCode::InvalidProject,
                    format!("differs from the project's entity {stored}: a project does not move"),
                    format!("与该项目登记的单位 {stored} 不同：项目不能变更所属单位"),
                )
                .column("entity")
                .value(entity.as_str()),
            );
            return;
        }
        let project = Project {
            code: code.clone(),
            entity: entity.clone(),
            name,
            field,
            field_kind,
            gates,
            leader,
            members,
            results,
        };
        if let Err(e) = project.check() {
            f.error(
                "code",
                Draft::new(IssueCode::InvalidProject, e.to_string(), e.zh())
                    .column("code")
                    .value(code),
            );
            return;
        }
        self.projects.insert(code, entity);
        self.register.projects.push(project);
    }

    /// The project a row names: registered or read, and writable.
    fn project_of(&self, f: &mut Fields<'_, '_>) -> Option<String> {
        let code = f.text("project")?;
        match self.projects.get(&code) {
            None => {
                f.error(
                    "project",
                    Draft::new(
                        IssueCode::UnknownProject,
                        "is not a registered project nor one of the projects sheet",
                        "既不是已登记的项目，也不在研发项目表中",
                    )
                    .column("project")
                    .value(code),
                );
                None
            }
            Some(entity) if !self.may_write(entity) => {
                f.error("project", Self::outside_scope(&code, "project"));
                None
            }
            Some(_) => Some(code),
        }
    }

    fn duplicate(f: &mut Fields<'_, '_>, column: &str, value: String) {
        f.error(
            column,
            Draft::new(
                IssueCode::DuplicateRow,
                "appears twice for this project",
                "同一项目出现了两次",
            )
            .column(column)
            .value(value),
        );
    }

    fn budget(&mut self, f: &mut Fields<'_, '_>) {
        let project = self.project_of(f);
        let year = f.take("year", |cell| fields::year(cell, "year"));
        let amount = f.amount("amount", true);
        let (Some(project), Some(year), Some(amount)) = (project, year, amount) else {
            return;
        };
        if !self.seen_budgets.insert((project.clone(), year)) {
            return Self::duplicate(f, "year", year.to_string());
        }
        self.register.budgets.push(Budget {
            project,
            year,
            amount,
        });
    }

    fn spend(&mut self, f: &mut Fields<'_, '_>) {
        let project = self.project_of(f);
        let latest = self.known.latest;
        let month = f.take("month", |cell| {
            fields::not_after(fields::month(cell, "month")?, latest, "month")
        });
        let amount = f.amount("amount", true);
        let (Some(project), Some(month), Some(amount)) = (project, month, amount) else {
            return;
        };
        if !self.seen_spend.insert((project.clone(), month)) {
            return Self::duplicate(f, "month", month.to_string());
        }
        self.register.spend.push(MonthSpend {
            project,
            month,
            amount,
        });
    }

    fn partner(&mut self, f: &mut Fields<'_, '_>) {
        let project = self.project_of(f);
        let name = f.text("partner");
        let kind = f.take("kind", |cell| {
            let text = fields::required_text(cell, "kind")?;
            PartnerKind::parse(&text).ok_or_else(|| {
                Draft::new(
                    IssueCode::InvalidPartnerKind,
                    "is not a partner kind: 高校, 科研院所, 企业 or 其他",
                    "不是合作单位类型：须为 高校、科研院所、企业 或 其他",
                )
                .column("kind")
                .value(text)
            })
        });
        let (Some(project), Some(name), Some(kind)) = (project, name, kind) else {
            return;
        };
        if !self.seen_partners.insert((project.clone(), name.clone())) {
            return Self::duplicate(f, "partner", name);
        }
        self.register.partners.push(Partner {
            project,
            name,
            kind,
        });
    }
}

/// The register as a workbook in the layout [`read_register`] reads: one sheet each, Chinese
/// headings, dates as `YYYY-MM-DD` text, amounts as numbers where a double holds them exactly
/// (else as text, still exact). `entity_name` fills the shown-only `单位名称`.
pub fn write_register(
    register: &Register,
    entity_name: &dyn Fn(&EntityCode) -> String,
) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let header = Format::new().set_bold();
    let amount = Format::new().set_num_format("#,##0.00");
    for sheet_kind in RndSheet::ALL {
        let sheet = workbook.add_worksheet();
        sheet.set_name(sheet_kind.sheet_name())?;
        for (col, (_, zh, _)) in sheet_kind.columns().iter().enumerate() {
            sheet.write_string_with_format(0, col as u16, *zh, &header)?;
            sheet.set_column_width(col as u16, 14)?;
        }
        let mut row = 1u32;
        let put_amount =
            |sheet: &mut rust_xlsxwriter::Worksheet, row: u32, col: u16, value: Decimal| {
                match crate::numbers::to_exact_f64(value) {
                    Some(n) => sheet
                        .write_number_with_format(row, col, n, &amount)
                        .map(|_| ()),
                    None => sheet
                        .write_string(row, col, value.normalize().to_string())
                        .map(|_| ()),
                }
            };
        match sheet_kind {
            RndSheet::Projects => {
                for p in &register.projects {
                    let mut cells: Vec<String> = vec![
                        p.code.clone(),
                        p.entity.to_string(),
                        entity_name(&p.entity),
                        p.name.clone(),
                        p.field.clone(),
                        p.field_kind.name_zh().to_owned(),
                        p.stage().name_zh().to_owned(),
                    ];
                    for g in p.gates {
                        for d in [g.planned, g.actual] {
                            cells.push(d.map(|d| d.to_string()).unwrap_or_default());
                        }
                    }
                    cells.push(p.leader.clone());
                    cells.push(p.members.join("、"));
                    for (col, text) in cells.iter().enumerate() {
                        if !text.is_empty() {
                            sheet.write_string(row, col as u16, text)?;
                        }
                    }
                    let r = &p.results;
                    let counts = [
                        r.patents_filed,
                        r.patents_granted,
                        r.standards,
                        r.software_copyrights,
                        r.awards,
                    ];
                    let mut col = cells.len() as u16;
                    for n in counts {
                        sheet.write_number(row, col, f64::from(n))?;
                        col += 1;
                    }
                    put_amount(sheet, row, col, r.application_revenue)?;
                    row += 1;
                }
            }
            RndSheet::Budgets => {
                for b in &register.budgets {
                    sheet.write_string(row, 0, &b.project)?;
                    sheet.write_number(row, 1, f64::from(b.year))?;
                    put_amount(sheet, row, 2, b.amount)?;
                    row += 1;
                }
            }
            RndSheet::Spend => {
                for s in &register.spend {
                    sheet.write_string(row, 0, &s.project)?;
                    sheet.write_string(row, 1, s.month.to_string())?;
                    put_amount(sheet, row, 2, s.amount)?;
                    row += 1;
                }
            }
            RndSheet::Partners => {
                for p in &register.partners {
                    sheet.write_string(row, 0, &p.project)?;
                    sheet.write_string(row, 1, &p.name)?;
                    sheet.write_string(row, 2, p.kind.name_zh())?;
                    row += 1;
                }
            }
        }
    }
    workbook.save_to_buffer()
}

#[cfg(test)]
mod tests;
