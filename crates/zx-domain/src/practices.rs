//! The practice library (经验库, issue 15 item 3): what worked in one plant, written down so the
//! next plant that needs it finds it. A practice has a title, a body, the entity that did it, its
//! segment (the entity's), tags and its results — money (yuan a year) and/or a physical effect
//! with its unit. HQ marks proven practices as recommended, which tells the plants of the same
//! segment (promotion within the system).
//!
//! Pure: checks, tags and who is told. Searching is `zx-search`'s; storing is `zx-store`'s.

use rust_decimal::Decimal;

use crate::access::{Access, Role};
use crate::catalogue::segment_code;
use crate::entity::{EntityCode, EntityTree};
use crate::notes::Lang;

/// The longest code (the import file's `id`), title, tag and body, in characters.
pub const MAX_CODE: usize = 40;
pub const MAX_TITLE: usize = 200;
pub const MAX_TAG: usize = 40;
pub const MAX_TAGS: usize = 20;
pub const MAX_BODY: usize = 20_000;

/// What a practice achieved. Either part may be absent; both may be given.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PracticeResult {
    /// Money saved or earned a year, in yuan (exact).
    pub amount: Option<Decimal>,
    /// A physical effect: how much, in `unit` (`0.8` `kPa`, `3.5` `%`), of what `note` says.
    pub quantity: Option<Decimal>,
    pub unit: String,
    /// What was measured, in words (`真空度提高`); may stand alone.
    pub note: String,
}

impl PracticeResult {
    pub fn is_empty(&self) -> bool {
        self.amount.is_none() && self.quantity.is_none() && self.note.trim().is_empty()
    }

    /// The results in a line for people: `年效益 86.00 万元；螯合剂添加比例下降 0.8 %`.
    /// Money in 万元 (the unit plants report savings in), two places; a quantity as written.
    pub fn text(&self, lang: Lang) -> String {
        let mut parts = Vec::new();
        if let Some(amount) = self.amount {
            let wan = crate::format::grouped(amount / Decimal::from(10_000), 2);
            parts.push(match lang {
                Lang::Zh => format!("年效益 {wan} 万元"),
                Lang::En => format!("{wan} × 10k yuan a year"),
            });
        }
        let note = self.note.trim();
        match self.quantity {
            Some(q) => parts.push(
                format!("{note} {} {}", q.normalize(), self.unit.trim())
                    .trim()
                    .to_owned(),
            ),
            None if !note.is_empty() => parts.push(note.to_owned()),
            None => {}
        }
        parts.join(lang.pick("；", "; "))
    }
}

/// A practice as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Practice {
    /// Its code, as the file's `id` gives it (`P-2025-017`): unique in the library.
    pub code: String,
    pub title: String,
    pub body: String,
    /// The entity that did it.
    pub entity: EntityCode,
    pub tags: Vec<String>,
    pub result: PracticeResult,
}

/// Why a practice cannot be kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PracticeProblem {
    /// `field` is empty.
    Empty(&'static str),
    /// `field` is longer than `max` characters.
    TooLong {
        field: &'static str,
        max: usize,
    },
    /// The code holds a space or a `;`.
    BadCode,
    /// More than [`MAX_TAGS`] tags.
    TooManyTags,
    /// A quantity without a unit, or a unit without a quantity.
    UnitWithoutQuantity,
    QuantityWithoutUnit,
}

impl PracticeProblem {
    /// The field the problem is in (a file's column).
    pub fn field(&self) -> &'static str {
        match self {
            Self::Empty(f) | Self::TooLong { field: f, .. } => f,
            Self::BadCode => "id",
            Self::TooManyTags => "tags",
            Self::UnitWithoutQuantity | Self::QuantityWithoutUnit => "result_unit",
        }
    }

    /// The problem in a sentence.
    pub fn text(&self, lang: Lang) -> String {
        match self {
            Self::Empty(_) => lang.pick("不能为空", "is empty").to_owned(),
            Self::TooLong { max, .. } => match lang {
                Lang::Zh => format!("超过 {max} 个字"),
                Lang::En => format!("is longer than {max} characters"),
            },
            Self::BadCode => lang
                .pick(
                    "编号不能含空格或分号",
                    "an id may not hold a space or a semicolon",
                )
                .to_owned(),
            Self::TooManyTags => match lang {
                Lang::Zh => format!("标签超过 {MAX_TAGS} 个"),
                Lang::En => format!("more than {MAX_TAGS} tags"),
            },
            Self::UnitWithoutQuantity => lang
                .pick("有单位但没有数量", "a unit without a quantity")
                .to_owned(),
            Self::QuantityWithoutUnit => lang
                .pick("有数量但没有单位", "a quantity without a unit")
                .to_owned(),
        }
    }
}

fn too_long(text: &str, max: usize) -> bool {
    text.chars().count() > max
}

impl Practice {
    /// Every problem of the practice, in field order (empty: it may be kept). Texts are judged
    /// trimmed.
    pub fn problems(&self) -> Vec<PracticeProblem> {
        let mut out = Vec::new();
        let code = self.code.trim();
        if code.is_empty() {
            out.push(PracticeProblem::Empty("id"));
        } else if too_long(code, MAX_CODE) {
            out.push(PracticeProblem::TooLong {
                field: "id",
                max: MAX_CODE,
            });
        } else if code.contains(|c: char| c.is_whitespace() || c == ';' || c == '；') {
            out.push(PracticeProblem::BadCode);
        }
        for (field, text, max) in [
            ("title", &self.title, MAX_TITLE),
            ("body", &self.body, MAX_BODY),
        ] {
            if text.trim().is_empty() {
                out.push(PracticeProblem::Empty(field));
            } else if too_long(text.trim(), max) {
                out.push(PracticeProblem::TooLong { field, max });
            }
        }
        if self.tags.len() > MAX_TAGS {
            out.push(PracticeProblem::TooManyTags);
        } else if self.tags.iter().any(|t| too_long(t, MAX_TAG)) {
            out.push(PracticeProblem::TooLong {
                field: "tags",
                max: MAX_TAG,
            });
        }
        let unit = self.result.unit.trim();
        match (self.result.quantity, unit.is_empty()) {
            (Some(_), true) => out.push(PracticeProblem::QuantityWithoutUnit),
            (None, false) => out.push(PracticeProblem::UnitWithoutQuantity),
            _ => {}
        }
        out
    }
}

/// Tags as a file writes them, `飞灰; 药剂；降本`: split on `;` (half or full width), trimmed,
/// blanks and repeats left out, in the order given.
pub fn parse_tags(text: &str) -> Vec<String> {
    let mut tags: Vec<String> = Vec::new();
    for tag in text.split([';', '；']).map(str::trim) {
        if !tag.is_empty() && !tags.iter().any(|t| t == tag) {
            tags.push(tag.to_owned());
        }
    }
    tags
}

/// Tags as a file writes them back: `飞灰;药剂;降本`.
pub fn join_tags(tags: &[String]) -> String {
    tags.join(";")
}

/// The segment a practice belongs to: its entity's, as a code (`waste-to-energy`); empty when
/// the entity has none or is unknown.
pub fn segment_of(tree: &EntityTree, entity: &EntityCode) -> String {
    tree.id_of(entity.as_str())
        .map(|id| segment_code(&tree.entity(id).segment))
        .filter(|s| !s.is_empty())
        .unwrap_or_default()
}

/// Who is told when HQ recommends a practice of `segment`: every account bound to a plant (a
/// leaf) of that segment — its managers and viewers — by name, in the order given. Nobody for
/// a practice without a segment.
pub fn recommendation_recipients<'a>(
    tree: &EntityTree,
    accounts: impl IntoIterator<Item = (&'a str, &'a Access)>,
    segment: &str,
) -> Vec<String> {
    if segment.is_empty() {
        return Vec::new();
    }
    accounts
        .into_iter()
        .filter(|(_, access)| matches!(access.role, Role::EntityManager | Role::Viewer))
        .filter(|(_, access)| {
            access
                .scope
                .as_ref()
                .and_then(|code| tree.id_of(code.as_str()))
                .is_some_and(|id| {
                    tree.is_leaf(id) && segment_code(&tree.entity(id).segment) == segment
                })
        })
        .map(|(name, _)| name.to_owned())
        .collect()
}

/// The practice library's audit actions as people read them.
pub fn action_label(action: &str, lang: Lang) -> Option<String> {
    let (zh, en) = match action {
        "practice.create" => ("登记经验做法", "practice added"),
        "practice.revise" => ("修订经验做法", "practice revised"),
        "practice.recommend" => ("推荐经验做法", "practice recommended"),
        "practice.unrecommend" => ("撤销推荐经验做法", "practice recommendation withdrawn"),
        "practice.evidence" => ("上传经验附件", "practice file attached"),
        _ => return None,
    };
    Some(lang.pick(zh, en).to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entity::{Entity, EntityKind};

    fn practice() -> Practice {
        Practice {
            code: "P-1".into(),
            title: "飞灰螯合剂配比优化".into(),
            body: "螯合剂由 3% 降至 2.2%".into(),
            entity: EntityCode::parse("NC").unwrap(),
            tags: vec!["飞灰".into()],
            result: PracticeResult::default(),
        }
    }

    #[test]
    fn the_audit_of_a_practice_reads_in_words() {
        use crate::format::{audit_action_label, audit_text};
        assert_eq!(
            audit_action_label("practice.recommend", Lang::Zh),
            "推荐经验做法"
        );
        let none = |_: &str| None;
        assert_eq!(
            audit_text("practice JY-1", Lang::Zh, &none),
            "经验做法 JY-1"
        );
        assert_eq!(
            audit_text(
                "segment=waste-to-energy; tags=飞灰;药剂; amount=860000; unit=kPa; body=由 3% 降至 2%",
                Lang::En,
                &none
            ),
            "segment=waste-to-energy; tags=飞灰;药剂; yuan a year=860000; unit of measure=kPa; \
             text=由 3% 降至 2%"
        );
    }

    #[test]
    fn results_read_in_ten_thousands_of_yuan_and_as_measured() {
        let r = PracticeResult {
            // 860,000 yuan = 86.00 万元.
            amount: Some(Decimal::new(860_000, 0)),
            quantity: Some(Decimal::new(80, 2)),
            unit: "kPa".into(),
            note: "真空度提高".into(),
        };
        assert_eq!(r.text(Lang::Zh), "年效益 86.00 万元；真空度提高 0.8 kPa");
        assert_eq!(
            r.text(Lang::En),
            "86.00 × 10k yuan a year; 真空度提高 0.8 kPa"
        );
        assert_eq!(PracticeResult::default().text(Lang::Zh), "");
    }

    #[test]
    fn tags_split_on_either_semicolon_without_blanks_or_repeats() {
        assert_eq!(
            parse_tags(" 飞灰; 药剂；;降本;飞灰 "),
            vec!["飞灰", "药剂", "降本"]
        );
        assert!(parse_tags(" ; ；").is_empty());
        assert_eq!(join_tags(&parse_tags("a; b")), "a;b");
    }

    #[test]
    fn a_practice_needs_code_title_and_body_and_a_unit_with_its_quantity() {
        assert!(practice().problems().is_empty());
        let mut p = practice();
        p.code = "P 1".into();
        p.title = "  ".into();
        p.result.quantity = Some(Decimal::new(8, 1));
        assert_eq!(
            p.problems(),
            vec![
                PracticeProblem::BadCode,
                PracticeProblem::Empty("title"),
                PracticeProblem::QuantityWithoutUnit
            ]
        );
        let mut p = practice();
        p.result.unit = "kPa".into();
        p.tags = (0..=MAX_TAGS).map(|i| i.to_string()).collect();
        assert_eq!(
            p.problems(),
            vec![
                PracticeProblem::TooManyTags,
                PracticeProblem::UnitWithoutQuantity
            ]
        );
        // 200 Chinese characters are allowed, 201 are not (characters, not bytes).
        let mut p = practice();
        p.title = "灰".repeat(MAX_TITLE);
        assert!(p.problems().is_empty());
        p.title.push('灰');
        assert_eq!(p.problems()[0].field(), "title");
    }

    #[test]
    fn a_recommendation_reaches_the_plants_of_the_segment_only() {
        let e = |c: &str, p: Option<&str>, segment: &str| Entity {
            code: EntityCode::parse(c).unwrap(),
            name: c.into(),
            parent: p.map(|p| EntityCode::parse(p).unwrap()),
            kind: EntityKind::Plant,
            region: String::new(),
            segment: segment.into(),
        };
        let tree = EntityTree::build(vec![
            e("G", None, ""),
            e("S", Some("G"), "垃圾焚烧发电"),
            e("W1", Some("S"), "垃圾焚烧发电"),
            e("W2", Some("S"), "Waste_to_Energy"),
            e("V1", Some("G"), "solar"),
        ])
        .unwrap();
        let bound = |role, code: &str| Access {
            role,
            scope: Some(EntityCode::parse(code).unwrap()),
        };
        let accounts = [
            ("w1", bound(Role::EntityManager, "W1")),
            ("w2", bound(Role::Viewer, "W2")),
            // A subsidiary of the segment is not a plant; a solar plant is another segment.
            ("s", bound(Role::EntityManager, "S")),
            ("v1", bound(Role::EntityManager, "V1")),
            (
                "hq",
                Access {
                    role: Role::HqAnalyst,
                    scope: None,
                },
            ),
        ];
        let list = || accounts.iter().map(|(n, a)| (*n, a));
        assert_eq!(
            recommendation_recipients(&tree, list(), "waste-to-energy"),
            vec!["w1", "w2"]
        );
        assert!(recommendation_recipients(&tree, list(), "").is_empty());
        assert_eq!(
            segment_of(&tree, &EntityCode::parse("W2").unwrap()),
            "waste-to-energy"
        );
        assert_eq!(segment_of(&tree, &EntityCode::parse("G").unwrap()), "");
    }
}
