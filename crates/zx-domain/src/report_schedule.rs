//! The monthly report's schedule (issue 16, item 3): HQ names a day of the month and a time
//! (China time), the recipients, the entity and the language; once that moment has passed in a
//! month, the report of the month before (the last closed one) is due until it has been sent.
//!
//! Pure: "now" is an instant passed in and read as China's wall-clock time
//! ([`crate::calendar::china_time`]); what was sent before is a list passed in.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Utc};

use crate::calendar::china_time;
use crate::period::Month;
use crate::{EntityCode, Lang};

/// At most this many recipients: a report goes to a leadership list, not a mailing list.
pub const MAX_RECIPIENTS: usize = 50;

/// What HQ configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportSchedule {
    /// Day of the month, 1–31; a month with fewer days sends on its last day.
    pub day: u32,
    /// China wall-clock time (minutes; seconds are dropped when read).
    pub time: NaiveTime,
    /// E-mail addresses.
    pub recipients: Vec<String>,
    /// Whose report (the group's root, or a subsidiary).
    pub entity: EntityCode,
    pub lang: Lang,
    pub enabled: bool,
}

/// What is wrong with a schedule as entered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScheduleProblem {
    /// The day is not 1–31.
    BadDay(u32),
    /// Enabled without any recipient.
    NoRecipients,
    TooManyRecipients,
    /// Not an e-mail address (`name@host.domain`, no spaces or angle brackets).
    BadAddress(String),
}

impl ScheduleProblem {
    /// The form field the problem is in.
    pub fn field(&self) -> &'static str {
        match self {
            ScheduleProblem::BadDay(_) => "day",
            _ => "recipients",
        }
    }

    pub fn text(&self, lang: Lang) -> String {
        match self {
            ScheduleProblem::BadDay(day) => match lang {
                Lang::Zh => format!("日期须为 1–31 日，而非 {day}"),
                Lang::En => format!("the day must be 1–31, not {day}"),
            },
            ScheduleProblem::NoRecipients => {
                lang.pick(
                    "启用时至少需要一个收件人",
                    "an enabled schedule needs a recipient",
                )
            }
            .to_owned(),
            ScheduleProblem::TooManyRecipients => match lang {
                Lang::Zh => format!("收件人最多 {MAX_RECIPIENTS} 个"),
                Lang::En => format!("at most {MAX_RECIPIENTS} recipients"),
            },
            ScheduleProblem::BadAddress(address) => match lang {
                Lang::Zh => format!("“{address}”不是电子邮件地址"),
                Lang::En => format!("\"{address}\" is not an e-mail address"),
            },
        }
    }
}

/// Recipients as typed: separated by commas, semicolons (also the full-width ones), spaces or
/// lines; blanks dropped, duplicates kept once, in the order given.
pub fn parse_recipients(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for part in
        text.split(|c: char| matches!(c, ',' | ';' | '，' | '；' | '、') || c.is_whitespace())
    {
        let part = part.trim();
        if !part.is_empty() && !out.iter().any(|a| a.eq_ignore_ascii_case(part)) {
            out.push(part.to_owned());
        }
    }
    out
}

/// `name@host.domain`: one `@`, something before it, a dot inside the part after it, no spaces,
/// quotes or angle brackets. The mail server has the last word; this catches typing slips.
pub fn is_address(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !text
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"' | ','))
}

impl ReportSchedule {
    /// Everything wrong with it (empty: it may be saved).
    pub fn problems(&self) -> Vec<ScheduleProblem> {
        let mut out = Vec::new();
        if !(1..=31).contains(&self.day) {
            out.push(ScheduleProblem::BadDay(self.day));
        }
        if self.enabled && self.recipients.is_empty() {
            out.push(ScheduleProblem::NoRecipients);
        }
        if self.recipients.len() > MAX_RECIPIENTS {
            out.push(ScheduleProblem::TooManyRecipients);
        }
        for address in &self.recipients {
            if !is_address(address) {
                out.push(ScheduleProblem::BadAddress(address.clone()));
            }
        }
        out
    }

    /// When, in China, the report is sent in `month`: the configured day at the configured
    /// time, or the month's last day when it has fewer days (the 31st in February is the 28th
    /// or 29th).
    pub fn send_moment(&self, month: Month) -> NaiveDateTime {
        let day = self.day.clamp(1, month.days());
        let date = NaiveDate::from_ymd_opt(month.year(), month.month(), day)
            .unwrap_or_else(|| unreachable!("a day within the month's length is valid"));
        let time = self.time.with_second(0).unwrap_or(self.time);
        date.and_time(time.with_nanosecond(0).unwrap_or(time))
    }

    /// The month whose report is due at `now`: the month before the current China month, once
    /// this month's send moment has passed, unless `sent` holds it (a report that went out is
    /// never sent again; a failed one is not in `sent`, so the next check tries again). Until
    /// the month ends: a new month has its own period. `None` when disabled.
    pub fn due(&self, now: DateTime<Utc>, sent: &[Month]) -> Option<Month> {
        if !self.enabled {
            return None;
        }
        let local = china_time(now);
        let this = Month::new(local.year(), local.month()).ok()?;
        if local < self.send_moment(this) {
            return None;
        }
        let period = this.previous()?;
        (!sent.contains(&period)).then_some(period)
    }
}

/// The audit actions of the schedule as people read them (the audit page).
pub fn action_label(action: &str, lang: Lang) -> Option<String> {
    let (zh, en) = match action {
        "report_schedule.set" => ("设置月度报告发送计划", "report schedule set"),
        "report.sent" => ("发送月度报告", "monthly report sent"),
        "report.send_failed" => ("月度报告发送失败", "monthly report not sent"),
        _ => return None,
    };
    Some(lang.pick(zh, en).to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn month(text: &str) -> Month {
        Month::parse(text).unwrap()
    }

    fn schedule(day: u32, h: u32, m: u32) -> ReportSchedule {
        ReportSchedule {
            day,
            time: NaiveTime::from_hms_opt(h, m, 0).unwrap(),
            recipients: vec!["boss@example.com".into()],
            entity: EntityCode::parse("G").unwrap(),
            lang: Lang::Zh,
            enabled: true,
        }
    }

    #[test]
    fn the_moment_is_china_time_not_utc() {
        // The 5th at 09:00 in China is the 5th at 01:00 UTC.
        let s = schedule(5, 9, 0);
        assert_eq!(s.due(utc("2026-12-05T00:59:59Z"), &[]), None);
        assert_eq!(
            s.due(utc("2026-12-05T01:00:00Z"), &[]),
            Some(month("2026-11"))
        );
        // The 1st at 07:00 China is still the last day of the month before in UTC
        // (2026-11-30T23:00Z): already December in China, so November is due.
        let first = schedule(1, 7, 0);
        assert_eq!(
            first.due(utc("2026-11-30T23:00:00Z"), &[]),
            Some(month("2026-11"))
        );
        // 2026-11-30T22:59Z is 06:59 on 1 December in China: not yet.
        assert_eq!(first.due(utc("2026-11-30T22:59:00Z"), &[]), None);
        // A late hour: the 10th at 23:30 China = the 10th at 15:30 UTC.
        let late = schedule(10, 23, 30);
        assert_eq!(late.due(utc("2026-12-10T15:29:00Z"), &[]), None);
        assert_eq!(
            late.due(utc("2026-12-10T15:30:00Z"), &[]),
            Some(month("2026-11"))
        );
    }

    #[test]
    fn a_short_month_sends_on_its_last_day() {
        let s = schedule(31, 8, 0);
        // February 2027 has 28 days: 28 February 08:00 China = 00:00 UTC.
        assert_eq!(
            s.send_moment(month("2027-02")).to_string(),
            "2027-02-28 08:00:00"
        );
        assert_eq!(s.due(utc("2027-02-27T23:59:00Z"), &[]), None);
        assert_eq!(
            s.due(utc("2027-02-28T00:00:00Z"), &[]),
            Some(month("2027-01"))
        );
        // 2028 is a leap year: the 29th.
        assert_eq!(
            s.send_moment(month("2028-02")).to_string(),
            "2028-02-29 08:00:00"
        );
        // April has 30 days; a 31-day month keeps the 31st.
        assert_eq!(
            s.send_moment(month("2027-04")).to_string(),
            "2027-04-30 08:00:00"
        );
        assert_eq!(
            s.send_moment(month("2027-03")).to_string(),
            "2027-03-31 08:00:00"
        );
    }

    #[test]
    fn a_sent_period_is_not_due_again_and_a_failed_one_is() {
        let s = schedule(5, 9, 0);
        let now = utc("2026-12-06T03:00:00Z");
        // Sent: nothing more this month.
        assert_eq!(s.due(now, &[month("2026-11")]), None);
        // Only an earlier month was sent (the last attempt for November failed): due.
        assert_eq!(s.due(now, &[month("2026-10")]), Some(month("2026-11")));
        // The next month's moment: December's report, whatever November's fate.
        assert_eq!(
            s.due(utc("2027-01-05T01:00:00Z"), &[month("2026-11")]),
            Some(month("2026-12"))
        );
    }

    #[test]
    fn january_reports_december_of_the_year_before() {
        let s = schedule(3, 10, 0);
        assert_eq!(
            s.due(utc("2027-01-03T02:00:00Z"), &[]),
            Some(month("2026-12"))
        );
    }

    #[test]
    fn a_disabled_schedule_is_never_due() {
        let mut s = schedule(1, 0, 0);
        s.enabled = false;
        assert_eq!(s.due(utc("2026-12-20T00:00:00Z"), &[]), None);
    }

    #[test]
    fn seconds_of_the_configured_time_do_not_count() {
        let mut s = schedule(5, 9, 0);
        s.time = NaiveTime::from_hms_opt(9, 0, 59).unwrap();
        assert_eq!(
            s.due(utc("2026-12-05T01:00:00Z"), &[]),
            Some(month("2026-11"))
        );
    }

    #[test]
    fn its_audit_actions_have_labels() {
        assert_eq!(
            crate::format::audit_action_label("report.sent", Lang::Zh),
            "发送月度报告"
        );
        assert_eq!(
            crate::format::audit_action_label("report_schedule.set", Lang::En),
            "report schedule set"
        );
    }

    #[test]
    fn recipients_are_read_as_typed_and_checked() {
        assert_eq!(
            parse_recipients(" a@x.cn，b@y.com;\nA@x.cn  c@z.org；"),
            vec!["a@x.cn", "b@y.com", "c@z.org"]
        );
        let mut s = schedule(0, 9, 0);
        s.recipients = vec!["ok@example.com".into(), "no-at.example.com".into()];
        assert_eq!(
            s.problems(),
            vec![
                ScheduleProblem::BadDay(0),
                ScheduleProblem::BadAddress("no-at.example.com".into())
            ]
        );
        for bad in [
            "a@b", "@b.cn", "a@.cn", "a@b.", "a b@c.cn", "<a@b.cn>", "a@b@c.cn",
        ] {
            assert!(!is_address(bad), "{bad}");
        }
        assert!(is_address("wang.li+report@group.com.cn"));
        s.day = 31;
        s.recipients.clear();
        assert_eq!(s.problems(), vec![ScheduleProblem::NoRecipients]);
        s.enabled = false;
        assert!(s.problems().is_empty());
        assert_eq!(
            ScheduleProblem::BadDay(32).text(Lang::Zh),
            "日期须为 1–31 日，而非 32"
        );
    }
}
