//! One row of each safety file kind, cell by cell, and the references between files.

use std::collections::{HashMap, HashSet};
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use zx_domain::EntityCode;
use zx_domain::safety::{
    Certificate, Drill, HazardGrade, HazardRow, HazardStatus, LecScore, Person, PersonRole, Plan,
    PlanKind, SafetyRecords, TrainingRecord,
};

use super::{KnownSafety, Origin, PlanKinds, SafetyFileKind};
use crate::fields;
use crate::issue::{Draft, IssueCode, Loc, Sink};
use crate::source::{Row, Table, Value};

/// A row's cells by column name.
pub(crate) struct Cells<'t> {
    pub table: &'t Table,
    pub row: &'t Row,
    pub index: &'t HashMap<String, usize>,
}

impl Cells<'_> {
    fn cell(&self, name: &str) -> &Value {
        self.index
            .get(name)
            .map_or(&Value::Empty, |i| self.row.cell(*i))
    }

    fn loc(&self, name: &str) -> Loc {
        let column = self.index.get(name).copied().unwrap_or(0);
        self.table.loc(self.row.line, column)
    }
}

/// A row being read: its cells, and the errors found so far (reported as they are found).
struct Fields<'c, 's> {
    cells: &'c Cells<'c>,
    sink: &'s mut Sink,
    failed: bool,
}

impl Fields<'_, '_> {
    fn take<T>(&mut self, name: &str, read: impl FnOnce(&Value) -> Result<T, Draft>) -> Option<T> {
        match read(self.cells.cell(name)) {
            Ok(value) => Some(value),
            Err(draft) => {
                self.sink.error(&self.cells.loc(name), draft);
                self.failed = true;
                None
            }
        }
    }

    fn error(&mut self, name: &str, draft: Draft) {
        self.sink.error(&self.cells.loc(name), draft);
        self.failed = true;
    }

    fn text(&mut self, name: &str) -> Option<String> {
        self.take(name, |cell| text(cell, name))
    }

    fn date(&mut self, name: &str) -> Option<NaiveDate> {
        self.take(name, |cell| date(cell, name))
    }

    fn optional_date(&mut self, name: &str) -> Option<Option<NaiveDate>> {
        self.take(name, |cell| match cell {
            Value::Empty => Ok(None),
            _ => date(cell, name).map(Some),
        })
    }
}

/// A required cell's text, trimmed.
pub(super) fn text(cell: &Value, column: &str) -> Result<String, Draft> {
    let text = fields::required_text(cell, column)?;
    Ok(text.trim().to_owned())
}

/// A code cell (`onsite`, `major`…), read as written or with another case (`Major`).
fn code_text(cell: &Value, column: &str) -> Result<String, Draft> {
    Ok(text(cell, column)?.to_lowercase())
}

/// A `YYYY-MM-DD` date (years 1900–2999), or a workbook date cell without a time.
pub(super) fn date(cell: &Value, column: &str) -> Result<NaiveDate, Draft> {
    let invalid = |value: String| {
        Draft::new(
            IssueCode::InvalidDate,
            "is not a date in the form YYYY-MM-DD",
            "不是 YYYY-MM-DD 格式的日期",
        )
        .column(column)
        .value(value)
    };
    let parsed = match cell {
        Value::Empty => return Err(fields::empty(column)),
        Value::Date {
            year,
            month,
            day,
            time: false,
        } => NaiveDate::from_ymd_opt(*year, *month, *day),
        Value::Text(text) => NaiveDate::parse_from_str(text, "%Y-%m-%d").ok(),
        _ => None,
    };
    parsed
        .filter(|d| (1900..=2999).contains(&d.year()))
        .ok_or_else(|| invalid(cell.text()))
}

fn code_error(code: IssueCode, column: &str, value: String, allowed: &str) -> Draft {
    Draft::new(
        code,
        format!("is not allowed; write one of: {allowed}"),
        format!("不是允许的值；须为以下之一：{allowed}"),
    )
    .column(column)
    .value(value)
}

pub(super) fn entity(
    cell: &Value,
    column: &str,
    known: &KnownSafety<'_>,
) -> Result<EntityCode, Draft> {
    let code = fields::entity_code(cell, column)?;
    match known.entities {
        Some(entities) if !entities.iter().any(|e| e.code == code) => Err(Draft::new(
            IssueCode::UnknownEntity,
            "is not a known entity; import it with an entities file first",
            "不是已登记的单位编码；请先通过单位文件导入该单位",
        )
        .column(column)
        .value(code.as_str())),
        _ if !known.may_write(&code) => Err(outside_scope(column, code.as_str())),
        _ => Ok(code),
    }
}

/// A row of an entity the importer may not write (`KnownSafety::writable`).
fn outside_scope(column: &str, value: &str) -> Draft {
    Draft::new(
        IssueCode::OutsideScope,
        "is outside your scope: you may import records only of your own unit and the units below it",
        "不在您的权限范围内：只能导入本单位及下级单位的记录",
    )
    .column(column)
    .value(value)
}

/// A person (or what is theirs) of an entity outside the importer's scope.
fn person_outside_scope(person: &str, entity: &EntityCode) -> Draft {
    Draft::new(
        IssueCode::OutsideScope,
        format!(
            "is a person of {entity}, outside your scope: you may import records only of your own unit and the units below it"
        ),
        format!("是 {entity} 的人员，不在您的权限范围内：只能导入本单位及下级单位的记录"),
    )
    .column("person")
    .value(person)
}

/// An LEC factor: a decimal, checked against the method's values with the others.
fn factor(cell: &Value, column: &str) -> Result<Option<Decimal>, Draft> {
    match cell {
        Value::Empty => Ok(None),
        _ => fields::decimal(cell, column).map(Some),
    }
}

/// A reference to check once every file is read.
struct Reference {
    origin: Origin,
    column: &'static str,
    value: String,
}

/// Reads rows into records, remembering where each key was first seen.
pub(crate) struct Reader<'k> {
    known: &'k KnownSafety<'k>,
    files: Vec<String>,
    records: SafetyRecords,
    hazard_ids: HashMap<String, Origin>,
    plans: HashMap<(EntityCode, String), Origin>,
    people: HashMap<String, Origin>,
    numbers: HashMap<String, Origin>,
    /// For an import, where each is one stored row: a drill by plan and date, a training
    /// record by person, date and course.
    drill_keys: HashMap<(EntityCode, String, NaiveDate), Origin>,
    training_keys: HashMap<(String, NaiveDate, String), Origin>,
    /// Drills' (entity, plan) and the plan cell.
    drill_plans: Vec<((EntityCode, String), Reference)>,
    /// Training records' and certificates' person cells.
    persons: Vec<(SafetyFileKind, Reference)>,
    /// People of these files refused for their unit outside the importer's scope: their
    /// training and certificates are refused for the same reason, not as of no one.
    outside: HashMap<String, EntityCode>,
}

impl<'k> Reader<'k> {
    pub(crate) fn new(known: &'k KnownSafety<'k>) -> Self {
        Self {
            known,
            files: Vec::new(),
            records: SafetyRecords::default(),
            hazard_ids: HashMap::new(),
            plans: HashMap::new(),
            people: HashMap::new(),
            numbers: HashMap::new(),
            drill_keys: HashMap::new(),
            training_keys: HashMap::new(),
            drill_plans: Vec::new(),
            persons: Vec::new(),
            outside: HashMap::new(),
        }
    }

    /// Starts the next file; its index is that of its sink.
    pub(crate) fn start_file(&mut self, name: &str) -> usize {
        self.files.push(name.to_owned());
        self.files.len() - 1
    }

    pub(crate) fn finish(self) -> SafetyRecords {
        self.records
    }

    /// A key seen before in these files: the error names where.
    fn duplicate(&self, first: &Origin, column: &str, value: &str, what: (&str, &str)) -> Draft {
        let (en, zh) = first.reference(&self.files);
        Draft::new(
            IssueCode::DuplicateRow,
            format!("is listed twice: the same {} is on {en}", what.0),
            format!("重复：同一{}已在{zh}", what.1),
        )
        .column(column)
        .value(value)
    }

    /// Records `key` as first seen at `loc`, or reports the duplicate.
    fn first_time<K: std::hash::Hash + Eq>(
        seen: &mut HashMap<K, Origin>,
        key: K,
        origin: Origin,
    ) -> Result<(), Origin> {
        match seen.get(&key) {
            Some(first) => Err(first.clone()),
            None => {
                seen.insert(key, origin);
                Ok(())
            }
        }
    }

    pub(crate) fn row(
        &mut self,
        kind: SafetyFileKind,
        cells: &Cells<'_>,
        file: usize,
        sink: &mut Sink,
    ) {
        let mut f = Fields {
            cells,
            sink,
            failed: false,
        };
        let origin = |name: &str| Origin {
            file,
            loc: cells.loc(name),
        };
        let known = self.known;
        match kind {
            SafetyFileKind::Hazards => {
                let entity = f.take("entity", |c| entity(c, "entity", known));
                let id = f.text("id");
                let found = f.date("found");
                let grade = f.take("grade", |c| {
                    let text = code_text(c, "grade")?;
                    HazardGrade::from_str(&text).map_err(|_| {
                        code_error(IssueCode::InvalidGrade, "grade", text, "general, major")
                    })
                });
                let l = f.take("l", |c| factor(c, "l"));
                let e = f.take("e", |c| factor(c, "e"));
                let c = f.take("c", |c| factor(c, "c"));
                let lec = match (l, e, c) {
                    (Some(None), Some(None), Some(None)) => Some(None),
                    (Some(Some(l)), Some(Some(e)), Some(Some(c))) => match LecScore::new(l, e, c) {
                        Ok(score) => Some(Some(score)),
                        Err(zx_domain::safety::ScoreError::Invalid {
                            field,
                            value,
                            allowed,
                        }) => {
                            let column = field.to_ascii_lowercase();
                            f.error(
                                &column,
                                code_error(IssueCode::InvalidScore, &column, value, allowed),
                            );
                            None
                        }
                        Err(other) => {
                            f.error(
                                "l",
                                Draft::new(
                                    IssueCode::InvalidScore,
                                    other.to_string(),
                                    other.to_string(),
                                )
                                .column("l"),
                            );
                            None
                        }
                    },
                    (Some(l), Some(e), Some(_)) => {
                        // Some given, some blank: name the first blank one.
                        let blank = if l.is_none() {
                            "l"
                        } else if e.is_none() {
                            "e"
                        } else {
                            "c"
                        };
                        f.error(
                            blank,
                            Draft::new(
                                IssueCode::InvalidScore,
                                "is empty while other LEC factors are given: fill in all of l, e and c, or none",
                                "为空，但填写了其他 LEC 因子：l、e、c 须全部填写或全部留空",
                            )
                            .column(blank),
                        );
                        None
                    }
                    _ => None,
                };
                // A reported hazard is not assessed yet: its owner and deadline come with the
                // assessment, so only then may they be blank (a register exported before it
                // reads back).
                let owner = f.take("owner", |c| match c {
                    Value::Empty => Ok(String::new()),
                    _ => text(c, "owner"),
                });
                let deadline = f.optional_date("deadline");
                let status = f.take("status", |c| {
                    let text = code_text(c, "status")?;
                    HazardStatus::from_str(&text).map_err(|e| {
                        code_error(IssueCode::InvalidStatus, "status", text, e.allowed)
                    })
                });
                if let Some(status) = status
                    && status != HazardStatus::Reported
                {
                    if owner.as_deref() == Some("") {
                        f.error("owner", fields::empty("owner"));
                    }
                    if deadline == Some(None) {
                        f.error("deadline", fields::empty("deadline"));
                    }
                }
                if let (Some(found), Some(Some(deadline))) = (found, deadline)
                    && deadline < found
                {
                    f.error(
                        "deadline",
                        Draft::new(
                            IssueCode::InvalidDate,
                            format!("is before the hazard was found ({found})"),
                            format!("早于发现日期（{found}）"),
                        )
                        .column("deadline")
                        .value(deadline.to_string()),
                    );
                }
                if let Some(id) = &id
                    && let Err(first) =
                        Self::first_time(&mut self.hazard_ids, id.clone(), origin("id"))
                {
                    let draft = self.duplicate(&first, "id", id, ("hazard id", "隐患编号"));
                    f.error("id", draft);
                }
                if let (
                    false,
                    Some(entity),
                    Some(id),
                    Some(found),
                    Some(grade),
                    Some(lec),
                    Some(owner),
                    Some(deadline),
                    Some(status),
                ) = (
                    f.failed, entity, id, found, grade, lec, owner, deadline, status,
                ) {
                    self.records.hazards.push(HazardRow {
                        entity,
                        id,
                        found,
                        grade,
                        lec,
                        owner,
                        deadline,
                        status,
                    });
                }
            }
            SafetyFileKind::Plans => {
                let entity = f.take("entity", |c| entity(c, "entity", known));
                let plan = f.text("plan");
                let kind = f.take("kind", |c| {
                    let text = code_text(c, "kind")?;
                    PlanKind::parse(&text).ok_or_else(|| {
                        code_error(
                            IssueCode::InvalidPlanKind,
                            "kind",
                            text,
                            "comprehensive, special, onsite",
                        )
                    })
                });
                let approved = f.date("approved");
                if let (Some(entity), Some(plan)) = (&entity, &plan) {
                    let key = (entity.clone(), plan.clone());
                    if let Err(first) = Self::first_time(&mut self.plans, key, origin("plan")) {
                        let draft = self.duplicate(
                            &first,
                            "plan",
                            plan,
                            ("plan of this entity", "单位的预案"),
                        );
                        f.error("plan", draft);
                    }
                }
                if let (false, Some(entity), Some(plan), Some(kind), Some(approved)) =
                    (f.failed, entity, plan, kind, approved)
                {
                    self.records.plans.push(Plan {
                        entity,
                        plan,
                        kind,
                        approved,
                    });
                }
            }
            SafetyFileKind::Drills => {
                let entity = f.take("entity", |c| entity(c, "entity", known));
                let plan = f.text("plan");
                let date = f.date("date");
                let joint_with = cells.cell("joint_with").text().trim().to_owned();
                if let (Some(entity), Some(plan)) = (&entity, &plan) {
                    self.drill_plans.push((
                        (entity.clone(), plan.clone()),
                        Reference {
                            origin: origin("plan"),
                            column: "plan",
                            value: plan.clone(),
                        },
                    ));
                }
                if let (true, Some(entity), Some(plan), Some(date)) =
                    (known.check_references, &entity, &plan, date)
                {
                    let key = (entity.clone(), plan.clone(), date);
                    if let Err(first) = Self::first_time(&mut self.drill_keys, key, origin("date"))
                    {
                        let draft = self.duplicate(
                            &first,
                            "date",
                            &date.to_string(),
                            ("drill of this plan on this day", "预案同日的演练"),
                        );
                        f.error("date", draft);
                    }
                }
                if let (false, Some(entity), Some(plan), Some(date)) =
                    (f.failed, entity, plan, date)
                {
                    self.records.drills.push(Drill {
                        entity,
                        plan,
                        date,
                        joint_with: (!joint_with.is_empty()).then_some(joint_with),
                    });
                }
            }
            SafetyFileKind::People => {
                let person = f.text("person");
                let entity = f.take("entity", |c| entity(c, "entity", known));
                let role = f.take("role", |c| {
                    let text = code_text(c, "role")?;
                    PersonRole::parse(&text).ok_or_else(|| {
                        code_error(
                            IssueCode::InvalidRole,
                            "role",
                            text,
                            "principal, safety_manager, staff, special_operator",
                        )
                    })
                });
                // Only a principal's or safety manager's role start changes the hours: for
                // anyone else a blank one is the hiring date.
                let blank_is_hired = cells.cell("role_since").is_empty()
                    && role.is_some_and(|r: PersonRole| !r.is_manager());
                let role_since = if blank_is_hired {
                    None
                } else {
                    f.date("role_since")
                };
                let hired = f.date("hired");
                let role_since = if blank_is_hired { hired } else { role_since };
                if let Some(person) = &person
                    && let Err(first) =
                        Self::first_time(&mut self.people, person.clone(), origin("person"))
                {
                    let draft = self.duplicate(&first, "person", person, ("person", "人员"));
                    f.error("person", draft);
                }
                if let (Some(person), Ok(unit)) =
                    (&person, fields::entity_code(cells.cell("entity"), "entity"))
                    && !known.may_write(&unit)
                {
                    self.outside.insert(person.clone(), unit);
                }
                // Moving someone of another unit into one's own is rewriting their record.
                if let Some(person) = &person
                    && let Some(stored) = known.people.iter().find(|p| &p.person == person)
                    && !known.may_write(&stored.entity)
                {
                    f.error("person", person_outside_scope(person, &stored.entity));
                }
                if let (
                    false,
                    Some(person),
                    Some(entity),
                    Some(role),
                    Some(role_since),
                    Some(hired),
                ) = (f.failed, person, entity, role, role_since, hired)
                {
                    self.records.people.push(Person {
                        person,
                        entity,
                        role,
                        role_since,
                        hired,
                    });
                }
            }
            SafetyFileKind::Training => {
                let person = f.text("person");
                let date = f.date("date");
                let hours = f.take("hours", |c| {
                    let hours = fields::decimal(c, "hours")?;
                    if hours > Decimal::ZERO {
                        Ok(hours.normalize())
                    } else {
                        Err(Draft::new(
                            IssueCode::InvalidHours,
                            "is not a positive number of hours",
                            "不是大于零的学时数",
                        )
                        .column("hours")
                        .value(c.text()))
                    }
                });
                let course = f.text("course");
                if let Some(person) = &person {
                    self.persons.push((
                        SafetyFileKind::Training,
                        Reference {
                            origin: origin("person"),
                            column: "person",
                            value: person.clone(),
                        },
                    ));
                }
                if let (true, Some(person), Some(date), Some(course)) =
                    (known.check_references, &person, date, &course)
                {
                    let key = (person.clone(), date, course.clone());
                    if let Err(first) =
                        Self::first_time(&mut self.training_keys, key, origin("course"))
                    {
                        let draft = self.duplicate(
                            &first,
                            "course",
                            course,
                            (
                                "course for this person on this day (add the hours up in one row)",
                                "人员同日同一课程（请合并为一行学时）",
                            ),
                        );
                        f.error("course", draft);
                    }
                }
                if let (false, Some(person), Some(date), Some(hours), Some(course)) =
                    (f.failed, person, date, hours, course)
                {
                    self.records.training.push(TrainingRecord {
                        person,
                        date,
                        hours,
                        course,
                    });
                }
            }
            SafetyFileKind::Certificates => {
                let person = f.text("person");
                let kind = f.text("type");
                let number = f.text("number");
                let issued = f.date("issued");
                let expires = f.date("expires");
                let last_review = f.optional_date("last_review");
                if let (Some(issued), Some(expires)) = (issued, expires)
                    && expires <= issued
                {
                    f.error(
                        "expires",
                        Draft::new(
                            IssueCode::InvalidDate,
                            format!("is not after the issue date ({issued})"),
                            format!("不晚于发证日期（{issued}）"),
                        )
                        .column("expires")
                        .value(expires.to_string()),
                    );
                }
                if let (Some(issued), Some(Some(review))) = (issued, last_review)
                    && review < issued
                {
                    f.error(
                        "last_review",
                        Draft::new(
                            IssueCode::InvalidDate,
                            format!("is before the issue date ({issued})"),
                            format!("早于发证日期（{issued}）"),
                        )
                        .column("last_review")
                        .value(review.to_string()),
                    );
                }
                if let Some(number) = &number
                    && let Err(first) =
                        Self::first_time(&mut self.numbers, number.clone(), origin("number"))
                {
                    let draft = self.duplicate(
                        &first,
                        "number",
                        number,
                        ("certificate number", "证书编号"),
                    );
                    f.error("number", draft);
                }
                if let Some(number) = &number
                    && let Some(stored) = known.certificates.iter().find(|c| &c.number == number)
                    && let Some(holder) = known.people.iter().find(|p| p.person == stored.person)
                    && !known.may_write(&holder.entity)
                {
                    f.error(
                        "number",
                        Draft::new(
                            IssueCode::OutsideScope,
                            format!(
                                "is the certificate of {} of {}, outside your scope",
                                holder.person, holder.entity
                            ),
                            format!(
                                "是 {} 的 {} 的证书，不在您的权限范围内",
                                holder.entity, holder.person
                            ),
                        )
                        .column("number")
                        .value(number.as_str()),
                    );
                }
                if let Some(person) = &person {
                    self.persons.push((
                        SafetyFileKind::Certificates,
                        Reference {
                            origin: origin("person"),
                            column: "person",
                            value: person.clone(),
                        },
                    ));
                }
                if let (
                    false,
                    Some(person),
                    Some(kind),
                    Some(number),
                    Some(issued),
                    Some(expires),
                    Some(last_review),
                ) = (f.failed, person, kind, number, issued, expires, last_review)
                {
                    self.records.certificates.push(Certificate {
                        person,
                        kind,
                        number,
                        issued,
                        expires,
                        last_review,
                    });
                }
            }
        }
    }

    /// The references between files, once every file is read: each error goes to the file of
    /// the row that refers (`sinks` are the files' in order).
    pub(crate) fn cross_check(&self, sinks: &mut [Sink]) {
        let mut plans: PlanKinds = self
            .known
            .plans
            .iter()
            .map(|p| ((p.entity.clone(), p.plan.clone()), p.kind))
            .collect();
        for plan in &self.records.plans {
            plans.insert((plan.entity.clone(), plan.plan.clone()), plan.kind);
        }
        for (key, reference) in &self.drill_plans {
            if !plans.contains_key(key) {
                let draft = Draft::new(
                    IssueCode::UnknownPlan,
                    format!(
                        "is not a plan of {} in the plans files (a drill counts for the plan it names)",
                        key.0
                    ),
                    format!("不是预案文件中单位 {} 的预案（演练按所列预案计）", key.0),
                );
                report(sinks, reference, draft);
            }
        }
        let people: HashSet<&str> = self
            .known
            .people
            .iter()
            .chain(&self.records.people)
            .map(|p| p.person.as_str())
            .collect();
        // A person's unit: the people files' first, else the stored one.
        let units: HashMap<&str, &EntityCode> = self
            .known
            .people
            .iter()
            .chain(&self.records.people)
            .map(|p| (p.person.as_str(), &p.entity))
            .chain(self.outside.iter().map(|(p, e)| (p.as_str(), e)))
            .collect();
        for (kind, reference) in &self.persons {
            if let Some(entity) = units.get(reference.value.as_str())
                && !self.known.may_write(entity)
            {
                report(
                    sinks,
                    reference,
                    person_outside_scope(&reference.value, entity),
                );
                continue;
            }
            if !people.contains(reference.value.as_str()) {
                let what = match kind {
                    SafetyFileKind::Certificates => ("a certificate", "证书"),
                    _ => ("training", "培训记录"),
                };
                let draft = Draft::new(
                    IssueCode::UnknownPerson,
                    format!(
                        "is not a person of the people files; {} must name someone on the staff list",
                        what.0
                    ),
                    format!("不是人员名单中的人员；{}须对应人员名单中的人", what.1),
                );
                report(sinks, reference, draft);
            }
        }
    }
}

fn report(sinks: &mut [Sink], reference: &Reference, draft: Draft) {
    if let Some(sink) = sinks.get_mut(reference.origin.file) {
        sink.error(
            &reference.origin.loc,
            draft
                .column(reference.column)
                .value(reference.value.clone()),
        );
    }
}
