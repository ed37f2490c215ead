//! The stack registration file: `mn,entity,name,password,standard,oxygen_code,furnace_code,aliases`
//! (the last three columns optional), one stack (flue, 烟囱) per row, as an environment office
//! keeps the list of its data loggers. CSV (UTF-8, UTF-16 or GBK) or XLSX, read by the same
//! source layer as every other submitted file.
//!
//! Every problem is reported at once (in file order, at most [`crate::MAX_ERRORS`]), each naming
//! file, line or cell, column and value, with a stable snake_case code; a file with any problem
//! yields no stack. A password is never echoed back in a message: it is a device secret.
//!
//! The codes are those of [`crate::IssueCode`] for reading the file (`unreadable_encoding`,
//! `unknown_column`…) plus the stack-specific ones in [`StackIssue::code`].

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use zx_domain::cems::{DEFAULT_FURNACE_CODE, FactorMap, OXYGEN_CODE, Stack, Standard, check_mn};
use zx_domain::{Entity, EntityCode, EntityKind};

use crate::issue::{Loc, Place, SortKey};
use crate::source::{self, Table, Value};
use crate::{Input, Issue, MAX_ERRORS};

/// The header of a stack file, in its documented order.
pub const STACK_CSV_HEADER: &str =
    "mn,entity,name,password,standard,oxygen_code,furnace_code,aliases";

/// The standard a stack is judged by when its cell is blank.
pub const DEFAULT_STANDARD: &str = "gb18485-2014";

/// Columns that must be in the header.
const REQUIRED: [&str; 5] = ["mn", "entity", "name", "password", "standard"];
/// Columns that may be.
const OPTIONAL: [&str; 3] = ["oxygen_code", "furnace_code", "aliases"];

/// One problem in a stack file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackIssue {
    /// Stable snake_case class: an [`crate::IssueCode`] name for problems reading the file, or
    /// one of `missing_column`, `unknown_column`, `duplicate_column`, `empty_value`, `invalid_mn`,
    /// `duplicate_mn`, `invalid_entity_code`, `unknown_entity`, `invalid_entity_kind`,
    /// `invalid_password`, `unknown_standard`, `invalid_factor_code`, `invalid_aliases`,
    /// `empty_file`, `too_many_errors`.
    pub code: &'static str,
    pub file: String,
    pub place: Place,
    pub column: Option<String>,
    /// The offending text as found (never a password).
    pub value: Option<String>,
    pub message: String,
    pub message_zh: String,
}

impl StackIssue {
    fn render(&self, message: &str, quotes: (&str, &str)) -> String {
        let mut out = format!("{}{}: ", self.file, self.place);
        if let Some(column) = &self.column {
            out.push_str(column);
            out.push_str(": ");
        }
        if let Some(value) = &self.value {
            out.push_str(quotes.0);
            out.push_str(value);
            out.push_str(quotes.1);
            out.push(' ');
        }
        out.push_str(message);
        out
    }

    /// The line with the Chinese message.
    pub fn to_string_zh(&self) -> String {
        self.render(&self.message_zh, ("“", "”"))
    }
}

impl fmt::Display for StackIssue {
    /// `stacks.csv:3: mn: "33.01" is not an MN: 1 to 24 letters, digits, '_' or '-'`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(&self.message, ("\"", "\"")))
    }
}

impl From<Issue> for StackIssue {
    fn from(issue: Issue) -> Self {
        StackIssue {
            code: issue.code.as_str(),
            file: issue.file,
            place: issue.place,
            column: issue.column,
            value: issue.value,
            message: issue.message,
            message_zh: issue.message_zh,
        }
    }
}

/// A stack file that cannot be imported, with every reason (in file order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackFileRejected {
    pub issues: Vec<StackIssue>,
}

impl fmt::Display for StackFileRejected {
    /// One issue per line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for issue in &self.issues {
            writeln!(f, "{issue}")?;
        }
        Ok(())
    }
}

impl std::error::Error for StackFileRejected {}

/// A problem being collected: where it sorts, and what it is.
struct Problems {
    file: String,
    list: Vec<(SortKey, StackIssue)>,
}

impl Problems {
    fn add(
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
            StackIssue {
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

    fn finish(mut self) -> Vec<StackIssue> {
        self.list.sort_by_key(|(key, _)| *key);
        let seen = self.list.len();
        let mut out: Vec<StackIssue> = self
            .list
            .into_iter()
            .take(MAX_ERRORS)
            .map(|(_, i)| i)
            .collect();
        if seen > MAX_ERRORS {
            out.push(StackIssue {
                code: "too_many_errors",
                file: self.file,
                place: Place::File,
                column: None,
                value: None,
                message: format!(
                    "{seen} errors in all; only the first {MAX_ERRORS} are listed: fix these and check the file again"
                ),
                message_zh: format!(
                    "共 {seen} 条错误，仅列出前 {MAX_ERRORS} 条：请先修改这些问题后重新检查文件"
                ),
            });
        }
        out
    }
}

fn heading(cell: &Value) -> String {
    cell.text().trim().to_ascii_lowercase()
}

/// Whether a row is a stack file's header (for finding it in a workbook).
fn is_header(cells: &[Value]) -> bool {
    let names: Vec<String> = cells.iter().map(heading).collect();
    REQUIRED.iter().all(|r| names.iter().any(|n| n == r))
}

/// The file's tables: a workbook's stack sheets or the decoded CSV text; reading problems go to
/// `problems`.
fn tables(input: Input<'_>, problems: &mut Problems) -> Option<Vec<Table>> {
    let mut sink = crate::issue::Sink::new(input.file_name);
    let bytes = input.bytes;
    let tables = if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        source::read_xlsx(bytes, &|cells| is_header(cells).then_some(()), &mut sink)
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
        problems.list.push((key, issue.into()));
    }
    tables
}

/// An aliases cell (or `--aliases`): `NOX=a21002;SO2=a21026`, each a code as the data logger
/// sends it = the standard's code, `;`-separated; blank: none. The error says what is wrong.
pub fn parse_aliases(text: &str) -> Result<BTreeMap<String, String>, String> {
    let mut map = BTreeMap::new();
    for part in text.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((sent, standard)) = part.split_once('=') else {
            return Err(format!("\"{part}\" has no '='"));
        };
        let (sent, standard) = (sent.trim(), standard.trim());
        if sent.is_empty() || standard.is_empty() || has_space(sent) || has_space(standard) {
            return Err(format!("\"{part}\" needs a code on each side of '='"));
        }
        if map.insert(sent.to_owned(), standard.to_owned()).is_some() {
            return Err(format!("\"{sent}\" is mapped twice"));
        }
    }
    Ok(map)
}

fn has_space(text: &str) -> bool {
    text.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Reads and validates a stack file against the stored `entities`: every row must name a
/// registered plant or company. Returns the stacks in file order, or every problem.
pub fn read_stacks(input: Input<'_>, entities: &[Entity]) -> Result<Vec<Stack>, StackFileRejected> {
    let mut problems = Problems {
        file: input.file_name.to_owned(),
        list: Vec::new(),
    };
    let stacks = read(input, entities, &mut problems);
    let issues = problems.finish();
    match stacks {
        Some(stacks) if issues.is_empty() => Ok(stacks),
        _ => Err(StackFileRejected { issues }),
    }
}

fn read(input: Input<'_>, entities: &[Entity], problems: &mut Problems) -> Option<Vec<Stack>> {
    let tables = tables(input, problems)?;
    let kinds: HashMap<&str, EntityKind> =
        entities.iter().map(|e| (e.code.as_str(), e.kind)).collect();
    let mut first_seen: HashMap<String, (String, String)> = HashMap::new();
    let mut stacks = Vec::new();
    let mut rows = Some(0);
    for table in &tables {
        let read = read_table(table, &kinds, problems, &mut first_seen, &mut stacks);
        rows = rows.zip(read).map(|(a, b)| a + b);
    }
    if rows == Some(0) {
        problems.add(
            &Loc::file(),
            "empty_file",
            "",
            None,
            "file has a header but no rows".into(),
            "文件只有表头，没有数据行".into(),
        );
        return None;
    }
    Some(stacks)
}

/// Reads one table's stacks into `stacks`: its row count, or `None` when its header is refused.
/// `first_seen` is where each MN was first listed.
fn read_table(
    table: &Table,
    kinds: &HashMap<&str, EntityKind>,
    problems: &mut Problems,
    first_seen: &mut HashMap<String, (String, String)>,
    stacks: &mut Vec<Stack>,
) -> Option<usize> {
    // The header: every required column, nothing unknown, nothing twice.
    let mut index: HashMap<&'static str, usize> = HashMap::new();
    for (i, cell) in table.header.iter().enumerate() {
        let loc = table.loc(table.header_line, i);
        let name = heading(cell);
        if name.is_empty() {
            continue;
        }
        match REQUIRED.iter().chain(&OPTIONAL).find(|c| **c == name) {
            Some(known) if index.contains_key(known) => problems.add(
                &loc,
                "duplicate_column",
                "",
                Some(cell.text()),
                "appears twice in the header".into(),
                "在表头中出现了两次".into(),
            ),
            Some(known) => {
                index.insert(known, i);
            }
            None => problems.add(
                &loc,
                "unknown_column",
                "",
                Some(cell.text()),
                format!("is not a column of a stack file ({STACK_CSV_HEADER})"),
                format!("不是排放口文件的列（{STACK_CSV_HEADER}）"),
            ),
        }
    }
    let header_loc = table.line_loc(table.header_line);
    let missing: Vec<&str> = REQUIRED
        .iter()
        .copied()
        .filter(|c| !index.contains_key(c))
        .collect();
    if !missing.is_empty() {
        problems.add(
            &header_loc,
            "missing_column",
            "",
            None,
            format!(
                "the header lacks {}; a stack file has the columns {STACK_CSV_HEADER} (the last three optional)",
                missing.join(", ")
            ),
            format!(
                "表头缺少 {}；排放口文件的列为 {STACK_CSV_HEADER}（后三列可省略）",
                missing.join("、")
            ),
        );
        return None;
    }
    for row in table.rows() {
        let column = |name: &str| index.get(name).copied();
        let cell = |name: &str| column(name).map_or(&Value::Empty, |c| row.cell(c));
        let loc = |name: &str| table.loc(row.line, column(name).unwrap_or(0));
        let before = problems.list.len();
        let mut required = |name: &str| -> Option<String> {
            let text = cell(name).text().trim().to_owned();
            if text.is_empty() {
                problems.add(
                    &loc(name),
                    "empty_value",
                    name,
                    None,
                    "must not be empty".into(),
                    "不能为空".into(),
                );
                None
            } else {
                Some(text)
            }
        };
        let mn = required("mn");
        let entity = required("entity");
        let name = required("name");
        let password = required("password");

        if let Some(mn) = &mn {
            if check_mn(mn).is_err() {
                problems.add(
                    &loc("mn"),
                    "invalid_mn",
                    "mn",
                    Some(mn.clone()),
                    "is not an MN: 1 to 24 letters, digits, '_' or '-', as the data logger sends it".into(),
                    "不是有效的 MN：须为 1 至 24 位字母或数字，与数采仪发送的一致".into(),
                );
            } else if let Some((en, zh)) = first_seen.get(mn) {
                problems.add(
                    &loc("mn"),
                    "duplicate_mn",
                    "mn",
                    Some(mn.clone()),
                    format!("is listed twice (first on {en})"),
                    format!("重复登记（首次出现在{zh}）"),
                );
            } else {
                first_seen.insert(mn.clone(), table.line_loc(row.line).place.reference());
            }
        }
        let entity = entity.and_then(|text| match EntityCode::parse(&text) {
            Err(_) => {
                problems.add(
                    &loc("entity"),
                    "invalid_entity_code",
                    "entity",
                    Some(text),
                    "is not an entity code: use only letters, digits, '-', '_' and '.'".into(),
                    "不是有效的单位编码：只能使用英文字母、数字、“-”、“_”和“.”".into(),
                );
                None
            }
            Ok(code) => match kinds.get(code.as_str()) {
                None => {
                    problems.add(
                        &loc("entity"),
                        "unknown_entity",
                        "entity",
                        Some(text),
                        "is not a known entity; import it with an entities file first".into(),
                        "不是已登记的单位编码；请先通过单位文件导入该单位".into(),
                    );
                    None
                }
                Some(EntityKind::Plant | EntityKind::Company) => Some(code),
                Some(kind) => {
                    problems.add(
                        &loc("entity"),
                        "invalid_entity_kind",
                        "entity",
                        Some(text),
                        format!("is a {kind}; a stack belongs to a plant or a company"),
                        format!("是{}；排放口须属于厂站或公司", kind.name_zh()),
                    );
                    None
                }
            },
        });
        let password = password.filter(|password| {
            let ok = password_is_valid(password);
            if !ok {
                problems.add(
                    &loc("password"),
                    "invalid_password",
                    "password",
                    None,
                    "must be 1 to 32 printable characters without spaces, ';', ',', '=' or '&' (the value is not shown)".into(),
                    "须为 1 至 32 个可打印字符，不含空格及“;”“,”“=”“&”（不显示所填内容）".into(),
                );
            }
            ok
        });
        let standard = {
            let text = cell("standard").text().trim().to_owned();
            let id = if text.is_empty() {
                DEFAULT_STANDARD.to_owned()
            } else {
                text
            };
            match Standard::builtin(&id) {
                Ok(_) => Some(id),
                Err(_) => {
                    problems.add(
                        &loc("standard"),
                        "unknown_standard",
                        "standard",
                        Some(id),
                        format!("is not a known standard (built in: {DEFAULT_STANDARD})"),
                        format!("不是已知的排放标准（内置：{DEFAULT_STANDARD}）"),
                    );
                    None
                }
            }
        };
        let mut factor_code = |name: &str, default: &str| -> Option<String> {
            let text = cell(name).text().trim().to_owned();
            if text.is_empty() {
                Some(default.to_owned())
            } else if has_space(&text) {
                problems.add(
                    &loc(name),
                    "invalid_factor_code",
                    name,
                    Some(text),
                    "is not a factor code: no spaces".into(),
                    "不是有效的因子编码：不能含空格".into(),
                );
                None
            } else {
                Some(text)
            }
        };
        let oxygen = factor_code("oxygen_code", OXYGEN_CODE);
        let furnace = factor_code("furnace_code", DEFAULT_FURNACE_CODE);
        let alias_text = cell("aliases").text();
        let alias_map = match parse_aliases(&alias_text) {
            Ok(map) => Some(map),
            Err(problem) => {
                problems.add(
                    &loc("aliases"),
                    "invalid_aliases",
                    "aliases",
                    Some(alias_text.trim().to_owned()),
                    format!(
                        "is not a list of sent=standard codes like NOX=a21002;SO2=a21026: {problem}"
                    ),
                    format!("不是“上报编码=标准编码”列表（如 NOX=a21002;SO2=a21026）：{problem}"),
                );
                None
            }
        };
        if problems.list.len() > before {
            continue;
        }
        if let (
            Some(mn),
            Some(entity),
            Some(name),
            Some(password),
            Some(standard),
            Some(oxygen),
            Some(furnace_temperature),
            Some(aliases),
        ) = (
            mn, entity, name, password, standard, oxygen, furnace, alias_map,
        ) {
            stacks.push(Stack {
                mn,
                entity,
                name,
                password,
                standard,
                factors: FactorMap {
                    oxygen,
                    furnace_temperature,
                    aliases,
                },
            });
        }
    }
    Some(table.row_count())
}

/// Whether `password` passes [`Stack::validate`]'s password rule (the rule lives there, once).
fn password_is_valid(password: &str) -> bool {
    EntityCode::parse("X").is_ok_and(|entity| {
        Stack {
            mn: "0".into(),
            entity,
            name: "x".into(),
            password: password.to_owned(),
            standard: String::new(),
            factors: FactorMap::default(),
        }
        .validate()
        .is_ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entity(code: &str, kind: EntityKind) -> Entity {
        Entity {
            code: EntityCode::parse(code).unwrap(),
            name: code.into(),
            parent: None,
            kind,
            region: String::new(),
            segment: String::new(),
        }
    }

    fn entities() -> Vec<Entity> {
        vec![
            entity("G", EntityKind::Group),
            entity("P1", EntityKind::Plant),
            entity("C1", EntityKind::Company),
        ]
    }

    fn read(text: &str) -> Result<Vec<Stack>, StackFileRejected> {
        read_stacks(
            Input {
                file_name: "stacks.csv",
                bytes: text.as_bytes(),
            },
            &entities(),
        )
    }

    #[test]
    fn a_good_file_reads_with_defaults_and_aliases() {
        let stacks = read(
            "MN,entity,name,password,standard,oxygen_code,furnace_code,aliases\n\
             33010000,P1,1号炉,s3cret,,,,\n\
             33010001,C1,2号炉,pw-2,gb18485-2014,O2,T_furnace, NOX=a21002 ; SO2=a21026 \n",
        )
        .unwrap();
        assert_eq!(stacks.len(), 2);
        assert_eq!(
            (
                stacks[0].mn.as_str(),
                stacks[0].entity.as_str(),
                stacks[0].name.as_str(),
                stacks[0].password.as_str(),
                stacks[0].standard.as_str()
            ),
            ("33010000", "P1", "1号炉", "s3cret", "gb18485-2014")
        );
        assert_eq!(stacks[0].factors, FactorMap::default());
        assert_eq!(
            stacks[1].factors,
            FactorMap {
                oxygen: "O2".into(),
                furnace_temperature: "T_furnace".into(),
                aliases: BTreeMap::from([
                    ("NOX".into(), "a21002".into()),
                    ("SO2".into(), "a21026".into()),
                ]),
            }
        );
        // Only the required columns.
        let stacks = read("mn,entity,name,password,standard\n1,P1,x,p,\n").unwrap();
        assert_eq!(stacks[0].factors.oxygen, "a19001");
    }

    #[test]
    fn every_problem_is_named_with_line_column_and_value() {
        let error = read(
            "mn,entity,name,password,standard,aliases\n\
             33.01,P1,1号炉,pw,,\n\
             33010001,G,2号炉,pw,,\n\
             33010002,ZZ,3号炉,pw,,\n\
             33010003,P1,,has space,gb0,NOX\n\
             33010004,P1,5号炉,pw,,NOX=a;NOX=b\n\
             33010004,P1,6号炉,pw,,\n",
        )
        .unwrap_err();
        let lines: Vec<String> = error.issues.iter().map(ToString::to_string).collect();
        assert_eq!(
            lines,
            vec![
                "stacks.csv:2: mn: \"33.01\" is not an MN: 1 to 24 letters, digits, '_' or '-', as the data logger sends it",
                "stacks.csv:3: entity: \"G\" is a group; a stack belongs to a plant or a company",
                "stacks.csv:4: entity: \"ZZ\" is not a known entity; import it with an entities file first",
                "stacks.csv:5: name: must not be empty",
                "stacks.csv:5: password: must be 1 to 32 printable characters without spaces, ';', ',', '=' or '&' (the value is not shown)",
                "stacks.csv:5: standard: \"gb0\" is not a known standard (built in: gb18485-2014)",
                "stacks.csv:5: aliases: \"NOX\" is not a list of sent=standard codes like NOX=a21002;SO2=a21026: \"NOX\" has no '='",
                "stacks.csv:6: aliases: \"NOX=a;NOX=b\" is not a list of sent=standard codes like NOX=a21002;SO2=a21026: \"NOX\" is mapped twice",
                "stacks.csv:7: mn: \"33010004\" is listed twice (first on line 6)",
            ]
        );
        let codes: Vec<&str> = error.issues.iter().map(|i| i.code).collect();
        assert_eq!(
            codes,
            vec![
                "invalid_mn",
                "invalid_entity_kind",
                "unknown_entity",
                "empty_value",
                "invalid_password",
                "unknown_standard",
                "invalid_aliases",
                "invalid_aliases",
                "duplicate_mn",
            ]
        );
        // The password is never echoed.
        assert!(!error.to_string().contains("has space"));
    }

    #[test]
    fn a_bad_header_is_refused_whole() {
        let error = read("mn,entity,name,pwd\n1,P1,x,y\n").unwrap_err();
        let lines: Vec<String> = error.issues.iter().map(ToString::to_string).collect();
        assert_eq!(
            lines,
            vec![
                "stacks.csv:1: the header lacks password, standard; a stack file has the columns mn,entity,name,password,standard,oxygen_code,furnace_code,aliases (the last three optional)",
                "stacks.csv:1: \"pwd\" is not a column of a stack file (mn,entity,name,password,standard,oxygen_code,furnace_code,aliases)",
            ]
        );
        assert_eq!(
            read("mn,entity,name,password,standard\n")
                .unwrap_err()
                .to_string(),
            "stacks.csv: file has a header but no rows\n"
        );
        assert_eq!(
            read("").unwrap_err().to_string(),
            "stacks.csv: file is empty\n"
        );
    }

    #[test]
    fn a_workbook_reads_like_the_csv() {
        let mut workbook = rust_xlsxwriter::Workbook::new();
        let sheet = workbook.add_worksheet();
        for (col, text) in STACK_CSV_HEADER.split(',').enumerate() {
            sheet.write_string(0, col as u16, text).unwrap();
        }
        // An MN typed as a number in Excel reads as its digits.
        sheet.write_number(1, 0, 33010000.0).unwrap();
        for (col, text) in ["P1", "1号炉", "s3cret"].into_iter().enumerate() {
            sheet.write_string(1, col as u16 + 1, text).unwrap();
        }
        sheet.write_string(1, 7, "NOX=a21002").unwrap();
        sheet.write_string(2, 0, "BAD MN").unwrap();
        for (col, text) in ["P1", "2号炉", "pw"].into_iter().enumerate() {
            sheet.write_string(2, col as u16 + 1, text).unwrap();
        }
        let bytes = workbook.save_to_buffer().unwrap();
        let input = |bytes: &[u8]| -> Result<Vec<Stack>, StackFileRejected> {
            read_stacks(
                Input {
                    file_name: "stacks.xlsx",
                    bytes,
                },
                &entities(),
            )
        };
        let error = input(&bytes).unwrap_err();
        assert_eq!(
            error.to_string(),
            "stacks.xlsx!A3: mn: \"BAD MN\" is not an MN: 1 to 24 letters, digits, '_' or '-', as the data logger sends it\n"
        );
        let mut workbook = rust_xlsxwriter::Workbook::new();
        let sheet = workbook.add_worksheet();
        for (col, text) in STACK_CSV_HEADER.split(',').enumerate() {
            sheet.write_string(0, col as u16, text).unwrap();
        }
        sheet.write_number(1, 0, 33010000.0).unwrap();
        for (col, text) in ["P1", "1号炉", "s3cret"].into_iter().enumerate() {
            sheet.write_string(1, col as u16 + 1, text).unwrap();
        }
        let stacks = input(&workbook.save_to_buffer().unwrap()).unwrap();
        assert_eq!(
            (stacks[0].mn.as_str(), stacks[0].password.as_str()),
            ("33010000", "s3cret")
        );
    }
}
