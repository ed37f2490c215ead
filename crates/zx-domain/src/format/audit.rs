//! The audit log for people: its actions, field names and codes in the reader's language
//! (`measure.update` → 更新措施, `status=in_progress` → 状态=进行中). The stored text is the
//! record; this is only how it reads.

use super::{
    hazard_status_label, measure_status_label, period_state_label, role_label, segment_label,
};
use crate::access::Role;
use crate::cems::alarms::AlarmKind;
use crate::entity::EntityKind;
use crate::measures::MeasureStatus;
use crate::notes::Lang;
use crate::safety::HazardStatus;

/// Every action the audit log records, in the order a filter offers them.
pub const AUDIT_ACTIONS: [&str; 31] = [
    "import",
    "fact.revise",
    "target.set",
    "period.submitted",
    "period.approved",
    "period.returned",
    "period.locked",
    "entity.create",
    "entity.update",
    "measure.create",
    "measure.update",
    "measure.revise",
    "measures.import",
    "milestone.create",
    "milestone.done",
    "attachment.add",
    "visit.create",
    "notification.send",
    "stack.create",
    "stack.update",
    "stack.retire",
    "alarm_rules.set",
    "alarm.raise",
    "alarm.acknowledge",
    "alarm.clear",
    "user.create",
    "user.passwd",
    "user.email",
    "user.token",
    "user.enable",
    "user.disable",
];

/// What an audit line records (`period.locked`, `measure.update`) as people read it.
pub fn audit_action_label(action: &str, lang: Lang) -> String {
    if let Some(state) = action.strip_prefix("period.") {
        return format!(
            "{}{}",
            lang.pick("报送状态：", "month "),
            period_state_label(state, lang)
        );
    }
    if let Some(label) = safety_record_action_label(action, lang) {
        return label;
    }
    let (zh, en) = match action {
        "import" => ("导入文件", "file imported"),
        "fact.revise" => ("修订数据", "figure revised"),
        "target.set" => ("设定目标", "target set"),
        "entity.create" => ("新增单位", "unit created"),
        "entity.update" => ("修改单位", "unit changed"),
        "user.create" => ("新增账号", "account created"),
        "user.passwd" => ("修改密码", "password changed"),
        "user.email" => ("修改邮箱", "e-mail changed"),
        "user.token" => ("签发令牌", "API token issued"),
        "user.enable" => ("启用账号", "account enabled"),
        "user.disable" => ("停用账号", "account disabled"),
        "measure.create" => ("新增措施", "measure created"),
        "measure.update" => ("更新措施", "measure updated"),
        "measure.revise" => ("按清单修订措施", "measure revised from a list"),
        "measures.import" => ("导入措施清单", "measures imported"),
        "milestone.create" => ("新增里程碑", "milestone added"),
        "milestone.done" => ("完成里程碑", "milestone done"),
        "attachment.add" => ("上传佐证材料", "evidence attached"),
        "visit.create" => ("登记调研", "visit recorded"),
        "notification.send" => ("发送提醒", "reminder sent"),
        "stack.create" => ("登记排放口", "stack registered"),
        "stack.update" => ("修改排放口", "stack changed"),
        "stack.retire" => ("停用排放口", "stack retired"),
        "alarm_rules.set" => ("设定报警规则", "alarm rules set"),
        "alarm.raise" => ("报警", "alarm raised"),
        "alarm.acknowledge" => ("确认报警", "alarm acknowledged"),
        "alarm.clear" => ("报警消除", "alarm cleared"),
        "hazard.report" => ("上报隐患", "hazard reported"),
        "hazard.assess" => ("评估隐患", "hazard assessed"),
        "hazard.start" => ("开始整改隐患", "hazard rectification started"),
        "hazard.rectified" => ("隐患整改完成", "hazard rectified"),
        "hazard.verify" => ("隐患验收销号", "hazard verified and closed"),
        "hazard.reject" => ("隐患验收不通过", "hazard rejected at verification"),
        "hazard.evidence" => ("上传隐患佐证", "hazard evidence added"),
        "hazard.import" => ("导入隐患台账", "hazard register imported"),
        "hazard.revise" => ("修订隐患", "hazard revised"),
        "hazards.import" => ("导入隐患台账文件", "hazard register file imported"),
        "drill_plan.create" => ("制定年度演练计划", "drill plan created"),
        "drill_plan.revise" => ("修订年度演练计划", "drill plan revised"),
        "drill_reminder.send" => ("发送演练提醒", "drill reminder sent"),
        "drill_report.create" => ("记录应急演练", "drill recorded"),
        "drill_improvement.create" => ("登记演练改进项", "drill improvement recorded"),
        "drill_improvement.measure" => ("演练改进项转为措施", "drill improvement made a measure"),
        "safety.import" => ("导入安全台账", "safety registers imported"),
        "risk.create" => ("登记安全风险", "risk registered"),
        "risk.revise" => ("修订安全风险", "risk revised"),
        "risk.retire" => ("停用安全风险", "risk retired"),
        "exposure.set" => ("设定自然灾害暴露", "site exposure set"),
        "warning.add" => ("登记灾害预警", "warning recorded"),
        "warning_alert.trigger" => ("向厂站发出预警", "plant alerted"),
        "warning_alert.acknowledge" => ("厂站确认预警", "warning acknowledged"),
        "warning_alert.escalate" => ("预警超时督办", "warning escalated"),
        "benchmark_reference.create" => ("导入行业参考值", "industry reference value imported"),
        "benchmark_reference.revise" => ("修订行业参考值", "industry reference value revised"),
        _ => {
            return crate::rnd::action_label(action, lang)
                .or_else(|| crate::managers::action_label(action, lang))
                .or_else(|| crate::practices::action_label(action, lang))
                .or_else(|| crate::report_schedule::action_label(action, lang))
                .unwrap_or_else(|| action.to_owned());
        }
    };
    lang.pick(zh, en).to_owned()
}

/// The audit actions of `zx safety import` (`safety_plan.create`, `safety_training.revise`,
/// `safety.import`, …) as people read them.
fn safety_record_action_label(action: &str, lang: Lang) -> Option<String> {
    if action == "safety.import" {
        return Some(
            lang.pick("导入安全台账", "safety records imported")
                .to_owned(),
        );
    }
    let (record, verb) = action.strip_prefix("safety_")?.split_once('.')?;
    let (zh, en) = match record {
        "plan" => ("应急预案", "emergency plan"),
        "drill" => ("应急演练", "drill"),
        "person" => ("人员", "person"),
        "training" => ("培训记录", "training record"),
        "certificate" => ("特种作业操作证", "certificate"),
        _ => return None,
    };
    let (zh_verb, en_verb) = match verb {
        "create" => ("新增", "added"),
        "revise" => ("修订", "revised"),
        _ => return None,
    };
    Some(match lang {
        Lang::Zh => format!("{zh_verb}{zh}"),
        Lang::En => format!("{en} {en_verb}"),
    })
}

/// A field name of an audit line's text (`status=`) in the reader's language.
fn audit_key_label(key: &str, lang: Lang) -> Option<&'static str> {
    let (zh, en) = match key {
        "title" => ("标题", "title"),
        "entity" => ("单位", "unit"),
        "entities" => ("单位", "units"),
        "owner" => ("负责人", "owner"),
        "indicator" => ("指标", "indicator"),
        "start" => ("开始日期", "start"),
        "due" => ("截止日期", "due"),
        "status" => ("状态", "status"),
        "progress" => ("进度", "progress"),
        "comment" => ("说明", "comment"),
        "kind" => ("类型", "kind"),
        "code" => ("因子", "factor"),
        "value" => ("数值", "value"),
        "limit" => ("限值", "limit"),
        "name" => ("名称", "name"),
        "parent" => ("上级", "parent"),
        "region" => ("地区", "region"),
        "segment" => ("板块", "segment"),
        "standard" => ("标准", "standard"),
        "oxygen" => ("氧含量因子", "oxygen factor"),
        "furnace" => ("炉温因子", "furnace factor"),
        "aliases" => ("别名", "aliases"),
        "password" => ("密码", "password"),
        "role" => ("角色", "role"),
        "rows" => ("行数", "rows"),
        "new" => ("新增", "new"),
        "revised" => ("修订", "revised"),
        "unchanged" => ("未变", "unchanged"),
        "to" => ("发给", "to"),
        "reason" => ("原因", "reason"),
        "measure" => ("措施", "measure"),
        "leader" => ("带队领导", "leader"),
        "dates" => ("日期", "dates"),
        "requirements" => ("督办事项", "requirements"),
        "type" => ("类型", "type"),
        "size" => ("大小", "size"),
        "deadline" => ("整改期限", "deadline"),
        "grade" => ("等级", "grade"),
        "scores" => ("评分", "scores"),
        "assurances" => ("五落实", "assurances"),
        "found" => ("发现日期", "found"),
        "plan" => ("预案", "plan"),
        "scenario" => ("演练情景", "scenario"),
        "joint_with" => ("联合单位", "joint units"),
        "year" => ("年份", "year"),
        "source" => ("来源", "source"),
        "person" => ("人员", "person"),
        "position" => ("职务", "position"),
        "term" => ("任期", "term"),
        "contract" => ("契约签订", "contract signed"),
        "term_target" => ("任期目标", "term target"),
        "term_result" => ("任期完成情况", "term result"),
        "outcome" => ("任期结果", "outcome"),
        "rating" => ("年度考核", "rating"),
        "pay" => ("年薪", "pay"),
        "target" => ("年度目标", "target"),
        "result" => ("完成情况", "result"),
        "body" => ("正文", "text"),
        "tags" => ("标签", "tags"),
        "amount" => ("年效益（元）", "yuan a year"),
        "quantity" => ("效果数值", "effect"),
        "unit" => ("计量单位", "unit of measure"),
        "note" => ("说明", "note"),
        "recommended" => ("推荐", "recommended"),
        _ => return None,
    };
    Some(lang.pick(zh, en))
}

/// A word of an audit line's text that is a code with a label: statuses, roles, kinds,
/// reminder reasons, bases, the nouns that open an object (`measure 8`), or `names` (the
/// catalogue's items and indicators, a stack's factors).
fn audit_word_label(
    word: &str,
    lang: Lang,
    names: &dyn Fn(&str) -> Option<String>,
) -> Option<String> {
    if let Some(name) = names(word) {
        return Some(name);
    }
    if MeasureStatus::parse(word).is_some()
        && word.chars().all(|c| c.is_ascii_lowercase() || c == '_')
    {
        return Some(measure_status_label(word, lang));
    }
    if Role::parse(word).is_some() {
        return Some(role_label(word, lang));
    }
    if word.contains('_')
        && let Ok(status) = word.parse::<HazardStatus>()
    {
        return Some(hazard_status_label(status, lang).to_owned());
    }
    if let Some(kind) = EntityKind::parse(word) {
        return Some(lang.pick(kind.name_zh(), kind.as_str()).to_owned());
    }
    if let Ok(kind) = word.parse::<AlarmKind>() {
        return Some(lang.pick(kind.name_zh(), kind.name_en()).to_owned());
    }
    let (zh, en) = match word {
        "submitted" | "approved" | "returned" | "locked" => {
            return Some(period_state_label(word, lang));
        }
        "due_soon" => ("即将到期", "due soon"),
        "overdue" => ("已逾期", "overdue"),
        "escalated" => ("已上报上级", "escalated"),
        "major_graded" => ("定为重大隐患", "graded major"),
        "ytd" => ("本年累计", "year to date"),
        "month" => ("当月", "month"),
        "acknowledged" => ("已确认", "acknowledged"),
        "retired" => ("已停用", "retired"),
        "disabled" => ("已停用", "disabled"),
        "enabled" => ("已启用", "enabled"),
        "set" => ("已设置", "set"),
        "changed" => ("已修改", "changed"),
        "period" => ("期间", "period"),
        "target" => ("目标", "target"),
        "measure" => ("措施", "measure"),
        "measures" => ("措施清单", "measures"),
        "milestone" => ("里程碑", "milestone"),
        "visit" => ("调研", "visit"),
        "stack" => ("排放口", "stack"),
        "alarm" => ("报警", "alarm"),
        "alarm_rules" => ("报警规则", "alarm rules"),
        "user" => ("账号", "account"),
        "data" => ("数据", "data"),
        "entities" => ("单位", "units"),
        "targets" => ("目标", "targets"),
        "benchmark_reference" => ("行业参考值", "industry reference value"),
        "manager_term" => ("管理人员任期", "manager's term"),
        "rnd_project" => ("研发项目", "R&D project"),
        "practice" => ("经验做法", "practice"),
        "rnd_budget" => ("研发预算", "R&D budget"),
        "rnd_spend" => ("研发支出", "R&D spend"),
        "rnd_partner" => ("研发合作单位", "R&D partner"),
        "for_performance" => ("不胜任", "for performance"),
        "kept" => ("留任", "kept"),
        "promoted" => ("晋升", "promoted"),
        "demoted" => ("降职", "demoted"),
        "exited" => ("退出", "exited"),
        "average" => ("行业平均", "industry average"),
        "best" => ("行业先进", "industry best"),
        crate::cems::DEFAULT_FURNACE_CODE => ("炉膛温度", "furnace temperature"),
        _ => return None,
    };
    Some(lang.pick(zh, en).to_owned())
}

/// An audit line's object or value for people: field names (`status=`) and the codes in it
/// (`in_progress`, `total_profit`, `hourly_limit`, `measure 8`) in the reader's language; free
/// text (titles, comments, names, file names) exactly as stored. The stored text is the record;
/// this is only how it reads.
pub fn audit_text(text: &str, lang: Lang, names: &dyn Fn(&str) -> Option<String>) -> String {
    // Free text follows these fields to the end of the pair: never translated.
    const FREE: [&str; 19] = [
        "body",
        "tags",
        "note",
        "unit",
        "title",
        "comment",
        "name",
        "leader",
        "aliases",
        "sha256",
        "scenario",
        "joint_with",
        "source",
        "person",
        "position",
        "term_target",
        "term_result",
        "target",
        "result",
    ];
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    // Objects named by two words, the first of which is also a status (`planned`).
    if let Some(id) = text.strip_prefix("planned drill ") {
        out.push_str(lang.pick("演练计划 ", "planned drill "));
        rest = id;
    }
    let mut free = false;
    let mut at_start = true;
    while let Some(c) = rest.chars().next() {
        if c.is_ascii_alphanumeric() || c == '_' {
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            let word = &rest[..end];
            let after = &rest[end..];
            let before = out.chars().last();
            // A word glued to a non-ASCII letter or a dot, dash or slash is part of something
            // else (a file name, a code such as `FJ-JJ-WTE`, `mg/m³`).
            let glued = before.is_some_and(|b| {
                matches!(b, '.' | '-' | '/' | ':') || !b.is_ascii() && b.is_alphanumeric()
            }) || after.starts_with(['.', '-', '/']) && !after.starts_with("..");
            let is_code = word
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if word == "segment" && after.starts_with('=') {
                // A segment code (`waste-to-energy`, or `all`) reads as its name.
                let value_end = after.find(';').unwrap_or(after.len());
                let value = after[1..value_end].trim();
                out.push_str(audit_key_label(word, lang).unwrap_or(word));
                out.push('=');
                out.push_str(&match value {
                    "all" => lang.pick("全部板块", "all segments").to_owned(),
                    other => segment_label(other, lang),
                });
                at_start = false;
                rest = &after[value_end..];
                continue;
            }
            if after.starts_with('=') && is_code {
                out.push_str(audit_key_label(word, lang).unwrap_or(word));
                free = FREE.contains(&word);
            } else if !free
                && !glued
                && is_code
                && (at_start || word.contains('_') || before == Some('=') || before == Some('('))
            {
                match audit_word_label(word, lang, names) {
                    Some(label) => out.push_str(&label),
                    None => out.push_str(word),
                }
            } else {
                out.push_str(word);
            }
            at_start = false;
            rest = after;
        } else {
            if c == ';' {
                free = false;
            }
            if !c.is_whitespace() {
                at_start = false;
            }
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}
