//! Alarm rules and the stack monitor, with numbers worked out by hand.
//!
//! GB 18485-2014: NOx (a21002) 1-hour limit 300, daily limit 250, reference O₂ 11 %, so a
//! reading measured at O₂ 13 % is corrected by × (21 − 11) / (21 − 13) = × 10 / 8.

use chrono::{Duration, NaiveDate, NaiveDateTime};
use proptest::prelude::*;
use zx_domain::Decimal;
use zx_domain::cems::alarms::rules::{
    DailyViolationSection, FlagSection, HourlyLimitSection, MissingSection, StuckSection,
    TrendSection, builtin,
};
use zx_domain::cems::alarms::{
    AlarmEvent, AlarmKind, RuleError, RuleSet, Rules, StackMonitor, effective, parse, to_toml,
};
use zx_domain::cems::{FactorMap, Flag, MinuteReading, Standard};

const MN: &str = "88888880000001";
const NOX: &str = "a21002";
const O2: &str = "a19001";

fn d(text: &str) -> Decimal {
    text.parse().unwrap()
}

/// 2026-06-01 at `hh:mm`, or a later day with `dd hh:mm`.
fn t(text: &str) -> NaiveDateTime {
    let (day, hm) = match text.split_once(' ') {
        Some((day, hm)) => (day.parse().unwrap(), hm),
        None => (1, text),
    };
    let (h, m) = hm.split_once(':').unwrap();
    NaiveDate::from_ymd_opt(2026, 6, day)
        .unwrap()
        .and_hms_opt(h.parse().unwrap(), m.parse().unwrap(), 0)
        .unwrap()
}

fn reading(minute: NaiveDateTime, code: &str, value: &str, flag: Flag) -> MinuteReading {
    MinuteReading {
        mn: MN.to_owned(),
        minute,
        code: code.to_owned(),
        value: d(value),
        flag,
    }
}

/// One minute of NOx and O₂, both flagged N.
fn nox_at(minute: NaiveDateTime, nox: &str, o2: &str) -> Vec<MinuteReading> {
    vec![
        reading(minute, NOX, nox, Flag::N),
        reading(minute, O2, o2, Flag::N),
    ]
}

/// Every rule off; tests switch on the one they are about with an override document.
const ALL_OFF: &str = "
[hourly_limit]
enabled = false
[trend]
enabled = false
[stuck]
enabled = false
[missing]
enabled = false
[flag]
enabled = false
[daily_violation]
enabled = false
";

fn rules_with(overrides: &str) -> Rules {
    let template = parse(ALL_OFF).unwrap();
    let overrides = parse(overrides).unwrap();
    effective(Some(&template), Some(&overrides))
}

fn monitor(rules: Rules) -> StackMonitor {
    StackMonitor::new(MN, rules, Standard::gb18485_2014(), FactorMap::default())
}

/// Feeds minutes `from..to` of the hour starting at `hour` with NOx `nox` at O₂ `o2`.
fn feed(
    monitor: &mut StackMonitor,
    hour: NaiveDateTime,
    minutes: std::ops::Range<i64>,
    nox: &str,
    o2: &str,
) -> Vec<AlarmEvent> {
    let mut events = Vec::new();
    for m in minutes {
        events.extend(monitor.observe(&nox_at(hour + Duration::minutes(m), nox, o2)));
    }
    events
}

fn kinds(events: &[AlarmEvent]) -> Vec<(bool, AlarmKind, NaiveDateTime)> {
    events
        .iter()
        .map(|e| (e.is_raise(), e.kind(), e.at()))
        .collect()
}

// ---- hourly limit -------------------------------------------------------------------------

#[test]
fn an_hourly_average_equal_to_the_limit_is_not_an_exceedance() {
    // 240 measured at O₂ 13 → 240 × 10 / 8 = 300 every minute: the average is exactly 300,
    // and so is every trend projection (not strictly above: no warning either).
    let mut m = monitor(rules_with(
        "[hourly_limit]\nenabled = true\n[trend]\nenabled = true",
    ));
    assert!(feed(&mut m, t("08:00"), 0..60, "240", "13").is_empty());
    // The first reading of 09:00 closes hour 08: 300 is not strictly above 300.
    assert!(m.observe(&nox_at(t("09:00"), "240", "13")).is_empty());
}

#[test]
fn an_hourly_average_of_300_5_raises_once_and_clears_on_a_good_hour() {
    let mut m = monitor(rules_with("[hourly_limit]\nenabled = true"));
    // 30 minutes of 240 (→ 300) and 30 of 240.8 (→ 2408 / 8 = 301): (30×300 + 30×301)/60 = 300.5.
    assert!(feed(&mut m, t("08:00"), 0..30, "240", "13").is_empty());
    assert!(feed(&mut m, t("08:00"), 30..60, "240.8", "13").is_empty());
    let events = m.observe(&nox_at(t("09:00"), "240.8", "13"));
    assert_eq!(events.len(), 1);
    let AlarmEvent::Raise {
        kind,
        code,
        at,
        value,
        limit,
        message_zh,
        message_en,
    } = &events[0]
    else {
        panic!("expected a raise: {events:?}")
    };
    assert_eq!(*kind, AlarmKind::HourlyLimit);
    assert_eq!(code.as_deref(), Some(NOX));
    assert_eq!(*at, t("09:00"));
    assert_eq!(*value, Some(d("300.5")));
    assert_eq!(*limit, Some(d("300")));
    assert!(message_zh.contains(MN), "{message_zh}");
    assert!(
        message_zh.contains("08时 氮氧化物 小时均值 300.500 mg/m³ 超过限值 300"),
        "{message_zh}"
    );
    assert!(
        message_en.contains(
            "08:00–09:00 NOx (as NO₂) hourly average 300.500 mg/m³ exceeds the limit 300"
        ),
        "{message_en}"
    );
    // Hour 09 is also above (all 240.8 → 301): still the same alarm, no second raise.
    assert!(feed(&mut m, t("09:00"), 1..60, "240.8", "13").is_empty());
    assert!(m.observe(&nox_at(t("10:00"), "240", "13")).is_empty());
    // Hour 10 at 300 is within the limit: the alarm clears when hour 10 closes, at 11:00.
    feed(&mut m, t("10:00"), 1..60, "240", "13");
    let events = m.observe(&nox_at(t("11:00"), "240", "13"));
    assert_eq!(
        kinds(&events),
        vec![(false, AlarmKind::HourlyLimit, t("11:00"))]
    );
}

#[test]
fn forty_four_valid_corrected_minutes_make_no_average_and_forty_five_do() {
    // 320 at O₂ 13 → 3200 / 8 = 400, far above 300, in every valid minute.
    let rules = rules_with("[hourly_limit]\nenabled = true");
    let mut m = monitor(rules.clone());
    feed(&mut m, t("08:00"), 0..44, "320", "13");
    // The rest of the hour in maintenance: invalid.
    for minute in 44..60 {
        m.observe(&[
            reading(t("08:00") + Duration::minutes(minute), NOX, "320", Flag::M),
            reading(t("08:00") + Duration::minutes(minute), O2, "13", Flag::N),
        ]);
    }
    assert!(m.observe(&nox_at(t("09:00"), "320", "13")).is_empty());

    // 46 valid NOx minutes, but minute 44's O₂ is flagged C and minute 45's O₂ is 21:
    // neither corrects, so again 44 valid corrected minutes.
    let mut m = monitor(rules.clone());
    feed(&mut m, t("08:00"), 0..44, "320", "13");
    m.observe(&[
        reading(t("08:44"), NOX, "320", Flag::N),
        reading(t("08:44"), O2, "13", Flag::C),
        reading(t("08:45"), NOX, "320", Flag::N),
        reading(t("08:45"), O2, "21", Flag::N),
    ]);
    assert!(m.observe(&nox_at(t("09:00"), "320", "13")).is_empty());

    // 45 valid minutes, minute 08:10 arriving last and O₂ before NOx: an average of 400.
    let mut m = monitor(rules);
    feed(&mut m, t("08:00"), 0..10, "320", "13");
    feed(&mut m, t("08:00"), 11..45, "320", "13");
    m.observe(&[
        reading(t("08:10"), O2, "13", Flag::N),
        reading(t("08:10"), NOX, "320", Flag::N),
    ]);
    let events = m.observe(&nox_at(t("09:00"), "320", "13"));
    assert_eq!(
        kinds(&events),
        vec![(true, AlarmKind::HourlyLimit, t("09:00"))]
    );
    assert!(matches!(&events[0], AlarmEvent::Raise { value: Some(v), .. } if *v == d("400")));
}

#[test]
fn a_tick_closes_the_hour_after_the_grace_and_late_readings_do_not_count() {
    let mut m = monitor(rules_with("[hourly_limit]\nenabled = true"));
    feed(&mut m, t("08:00"), 0..45, "320", "13");
    // Grace 2 minutes (the built-in default): hour 08 closes at 09:00 + 2.
    assert!(m.tick(t("09:01")).is_empty());
    let events = m.tick(t("09:02"));
    assert_eq!(
        kinds(&events),
        vec![(true, AlarmKind::HourlyLimit, t("09:00"))]
    );
    // A reading of 08:50 that arrives after the hour closed changes nothing.
    assert!(m.observe(&nox_at(t("08:50"), "0", "13")).is_empty());
    assert!(m.tick(t("09:30")).is_empty());
}

// ---- trend --------------------------------------------------------------------------------

#[test]
fn the_trend_warns_at_the_minute_the_projection_crosses_the_limit() {
    // 08:00–08:14 at 160 (→ 200 corrected), then 320 (→ 400). After j minutes at 400
    // (minute 14 + j, j ≤ 10): S = 15×200 + 400j, window of the last 10 = (10−j)×200 + 400j
    // → rate 200 + 20j, remaining R = 59 − (14 + j) = 45 − j, n + R = 60, so
    // projection = (3000 + 400j + (45 − j)(200 + 20j)) / 60 = (12000 + 1100j − 20j²) / 60.
    // j = 6 (08:20): 17880 / 60 = 298, not above 300; j = 7 (08:21): 18720 / 60 = 312, above.
    let mut m = monitor(rules_with(
        "[trend]\nenabled = true\n[hourly_limit]\nenabled = true",
    ));
    assert!(feed(&mut m, t("08:00"), 0..15, "160", "13").is_empty());
    assert!(feed(&mut m, t("08:00"), 15..21, "320", "13").is_empty());
    let events = m.observe(&nox_at(t("08:21"), "320", "13"));
    assert_eq!(kinds(&events), vec![(true, AlarmKind::Trend, t("08:21"))]);
    let AlarmEvent::Raise {
        value,
        limit,
        message_zh,
        ..
    } = &events[0]
    else {
        unreachable!()
    };
    assert_eq!(*value, Some(d("312")));
    assert_eq!(*limit, Some(d("300")));
    assert!(
        message_zh.contains("312.000 mg/m³，将超过限值 300"),
        "{message_zh}"
    );
    // It stays raised without repeating for the rest of the hour.
    assert!(feed(&mut m, t("08:00"), 22..60, "320", "13").is_empty());
    // The hour closes: the trend clears, and the hour's average (15×200 + 45×400)/60 = 350
    // is an hour exceedance.
    let events = m.observe(&nox_at(t("09:00"), "160", "13"));
    assert_eq!(
        kinds(&events),
        vec![
            (false, AlarmKind::Trend, t("09:00")),
            (true, AlarmKind::HourlyLimit, t("09:00")),
        ]
    );
}

#[test]
fn the_trend_waits_for_min_minutes_and_clears_when_the_projection_falls_back() {
    let mut m = monitor(rules_with("[trend]\nenabled = true"));
    // All 400 from 08:00: the projection is 400 at once, but only judged from the 15th
    // valid minute (08:14).
    assert!(feed(&mut m, t("08:00"), 0..14, "320", "13").is_empty());
    let events = m.observe(&nox_at(t("08:14"), "320", "13"));
    assert_eq!(kinds(&events), vec![(true, AlarmKind::Trend, t("08:14"))]);

    // Same start as the test above (raised at 08:21 with 312), then 0 from 08:22:
    // S = 5800, n = 23, window 08:13–08:22 = 2×200 + 7×400 + 0 = 3200 → rate 320, R = 37:
    // (5800 + 37×320) / 60 = 17640 / 60 = 294 ≤ 300 → cleared at 08:22.
    let mut m = monitor(rules_with("[trend]\nenabled = true"));
    feed(&mut m, t("08:00"), 0..15, "160", "13");
    let events = feed(&mut m, t("08:00"), 15..22, "320", "13");
    assert_eq!(kinds(&events), vec![(true, AlarmKind::Trend, t("08:21"))]);
    let events = m.observe(&nox_at(t("08:22"), "0", "13"));
    assert_eq!(kinds(&events), vec![(false, AlarmKind::Trend, t("08:22"))]);
}

// ---- stuck --------------------------------------------------------------------------------

fn nox_only(monitor: &mut StackMonitor, from: &str, minutes: i64, value: &str) -> Vec<AlarmEvent> {
    let mut events = Vec::new();
    for m in 0..minutes {
        events.extend(monitor.observe(&[reading(
            t(from) + Duration::minutes(m),
            NOX,
            value,
            Flag::N,
        )]));
    }
    events
}

#[test]
fn a_value_unchanged_for_29_minutes_is_not_stuck_and_for_30_it_is() {
    let mut m = monitor(rules_with("[stuck]\nenabled = true"));
    // 08:00..08:28 is 29 readings of 212.4.
    assert!(nox_only(&mut m, "08:00", 29, "212.4").is_empty());
    // The 30th (08:29) raises; 212.40 is the same Decimal value, so 08:30 goes on the same run.
    let events = nox_only(&mut m, "08:29", 1, "212.4");
    assert_eq!(kinds(&events), vec![(true, AlarmKind::Stuck, t("08:29"))]);
    assert!(matches!(&events[0], AlarmEvent::Raise { message_en, .. }
        if message_en.contains("212.400 mg/m³ for 30 consecutive minutes")));
    assert!(nox_only(&mut m, "08:30", 1, "212.40").is_empty());
    // The value changes: cleared.
    let events = nox_only(&mut m, "08:31", 1, "212.5");
    assert_eq!(kinds(&events), vec![(false, AlarmKind::Stuck, t("08:31"))]);
}

#[test]
fn an_invalid_reading_breaks_a_stuck_run() {
    let mut m = monitor(rules_with("[stuck]\nenabled = true"));
    nox_only(&mut m, "08:00", 20, "5");
    m.observe(&[reading(t("08:20"), NOX, "5", Flag::M)]);
    // 29 more equal valid readings after the break: a run of 29, not 49.
    assert!(nox_only(&mut m, "08:21", 29, "5").is_empty());
    assert_eq!(nox_only(&mut m, "08:50", 1, "5").len(), 1);
}

// ---- missing ------------------------------------------------------------------------------

#[test]
fn nine_silent_minutes_are_not_missing_data_and_ten_are() {
    let mut m = monitor(rules_with("[missing]\nenabled = true"));
    assert!(m.observe(&nox_at(t("08:00"), "100", "10")).is_empty());
    assert!(m.tick(t("08:09")).is_empty());
    let events = m.tick(t("08:10"));
    assert_eq!(kinds(&events), vec![(true, AlarmKind::Missing, t("08:10"))]);
    assert!(
        matches!(&events[0], AlarmEvent::Raise { code: None, message_zh, .. }
        if message_zh.contains("已 10 分钟未收到数据"))
    );
    // Raised once, however long it lasts.
    assert!(m.tick(t("08:11")).is_empty());
    // A late reading of an older minute does not mean the stack is back.
    assert!(m.observe(&nox_at(t("07:59"), "100", "10")).is_empty());
    let events = m.observe(&nox_at(t("08:12"), "100", "10"));
    assert_eq!(
        kinds(&events),
        vec![(false, AlarmKind::Missing, t("08:12"))]
    );

    // A stack that never sends anything is missing 10 minutes after the first tick.
    let mut m = monitor(rules_with("[missing]\nenabled = true"));
    assert!(m.tick(t("08:00")).is_empty());
    assert!(m.tick(t("08:09")).is_empty());
    assert_eq!(m.tick(t("08:10")).len(), 1);
}

// ---- flags --------------------------------------------------------------------------------

#[test]
fn flag_t_raises_once_and_clears_when_the_factor_is_valid_again() {
    let mut map = FactorMap::default();
    map.aliases.insert("NOX".to_owned(), NOX.to_owned());
    let rules = rules_with("[flag]\nenabled = true");
    let mut m = StackMonitor::new(MN, rules, Standard::gb18485_2014(), map);
    let nox = |minute: &str, flag| reading(t(minute), "NOX", "1999", flag);
    assert!(m.observe(&[nox("08:00", Flag::N)]).is_empty());
    let events = m.observe(&[nox("08:01", Flag::T)]);
    assert_eq!(kinds(&events), vec![(true, AlarmKind::Flag, t("08:01"))]);
    let AlarmEvent::Raise {
        code,
        value,
        message_zh,
        ..
    } = &events[0]
    else {
        unreachable!()
    };
    // The alias is resolved to the standard's code and name.
    assert_eq!(code.as_deref(), Some(NOX));
    assert_eq!(*value, Some(d("1999")));
    assert!(
        message_zh.contains("氮氧化物 数据标记 T（超测上限）"),
        "{message_zh}"
    );
    // T again, then D, then M (not valid, not in the set): still the one alarm.
    assert!(m.observe(&[nox("08:02", Flag::T)]).is_empty());
    assert!(m.observe(&[nox("08:03", Flag::D)]).is_empty());
    assert!(m.observe(&[nox("08:04", Flag::M)]).is_empty());
    let events = m.observe(&[nox("08:05", Flag::N)]);
    assert_eq!(kinds(&events), vec![(false, AlarmKind::Flag, t("08:05"))]);
    // Readings of another stack are not this monitor's.
    let mut other = nox("08:06", Flag::T);
    other.mn = "OTHER".to_owned();
    assert!(m.observe(&[other]).is_empty());
}

// ---- daily violation ----------------------------------------------------------------------

/// Feeds `hours` full hours from 00:00 of 2026-06-01 at `nox` (O₂ 13), values varying by
/// nothing, and ticks past the day's end plus the grace.
fn day_of(hours: i64, nox: &str) -> Vec<AlarmEvent> {
    let mut m = monitor(rules_with("[daily_violation]\nenabled = true"));
    let mut events = Vec::new();
    for hour in 0..hours {
        events.extend(feed(
            &mut m,
            t("00:00") + Duration::hours(hour),
            0..60,
            nox,
            "13",
        ));
    }
    events.extend(m.tick(t("2 00:01")));
    assert!(events.is_empty(), "{events:?}");
    m.tick(t("2 00:02"))
}

#[test]
fn a_daily_average_above_the_daily_limit_with_20_valid_hours_is_a_violation_day() {
    // 200.8 at O₂ 13 → 2008 / 8 = 251 every hour: daily average 251 > 250.
    let events = day_of(20, "200.8");
    assert_eq!(
        kinds(&events),
        vec![(true, AlarmKind::DailyViolation, t("2 00:00"))]
    );
    assert!(
        matches!(&events[0], AlarmEvent::Raise { message_zh, value: Some(v), .. }
        if *v == d("251") && message_zh.contains("日均值 251.000 mg/m³ 超过日均限值 250"))
    );
    // 19 valid hours: no daily average, no violation.
    assert!(day_of(19, "200.8").is_empty());
    // 200 → 250 exactly: not strictly above.
    assert!(day_of(24, "200").is_empty());
}

// ---- rule documents -----------------------------------------------------------------------

#[test]
fn the_built_in_template_is_the_default_rules() {
    let template = builtin("waste-to-energy").unwrap();
    assert_eq!(template.segment.as_deref(), Some("waste-to-energy"));
    let rules = effective(Some(&template), None);
    assert_eq!(rules, Rules::default());
    assert_eq!(rules.grace_minutes, 2);
    assert_eq!(
        (
            rules.trend.window,
            rules.trend.ratio,
            rules.trend.min_minutes
        ),
        (10, Decimal::ONE, 15)
    );
    assert_eq!(rules.stuck.minutes, 30);
    assert_eq!(rules.missing.minutes, 10);
    assert_eq!(
        rules.flag.flags.iter().copied().collect::<Vec<_>>(),
        vec![Flag::D, Flag::T]
    );
    assert!(rules.hourly_limit.enabled && rules.daily_violation.enabled);
    assert!(matches!(
        builtin("water"),
        Err(RuleError::UnknownSegment(_))
    ));
}

#[test]
fn a_stack_override_replaces_only_the_fields_it_names() {
    let template = builtin("waste-to-energy").unwrap();
    let overrides = parse("[stuck]\nminutes = 20\n\n[trend]\nenabled = false\n").unwrap();
    let rules = effective(Some(&template), Some(&overrides));
    assert_eq!(rules.stuck.minutes, 20);
    // Everything else is the template's.
    assert!(rules.stuck.enabled);
    assert!(!rules.trend.enabled);
    assert_eq!(rules.trend.window, 10);
    assert_eq!(rules.missing.minutes, 10);
    let expected = Rules {
        stuck: zx_domain::cems::alarms::rules::StuckRule {
            enabled: true,
            minutes: 20,
        },
        trend: zx_domain::cems::alarms::rules::TrendRule {
            enabled: false,
            ..Rules::default().trend
        },
        ..Rules::default()
    };
    assert_eq!(rules, expected);
    // A template field overrides the built-in default; the stack's override wins over both.
    let water =
        parse("segment = \"water\"\n[missing]\nminutes = 30\n[stuck]\nminutes = 60").unwrap();
    let rules = effective(Some(&water), Some(&overrides));
    assert_eq!((rules.missing.minutes, rules.stuck.minutes), (30, 20));

    // And the monitor honours it: stuck after 20 equal readings, not 30.
    let mut m = monitor(effective(
        Some(&parse(ALL_OFF).unwrap()),
        Some(&parse("[stuck]\nenabled = true\nminutes = 20").unwrap()),
    ));
    assert!(nox_only(&mut m, "08:00", 19, "7").is_empty());
    assert_eq!(
        kinds(&nox_only(&mut m, "08:19", 1, "7")),
        vec![(true, AlarmKind::Stuck, t("08:19"))]
    );
}

#[test]
fn a_bad_rule_file_is_refused_naming_the_field_and_value() {
    let error = parse("[trend]\nwindow = 0\n").unwrap_err();
    assert_eq!(
        error,
        RuleError::Invalid {
            field: "trend.window",
            value: "0".to_owned(),
            reason: "must be 1 to 60 minutes"
        }
    );
    assert_eq!(
        error.to_string(),
        "alarm rules: trend.window = 0: must be 1 to 60 minutes"
    );

    let error = parse("segment = \"w\"\n[trend]\nwindow = \"ten\"\n").unwrap_err();
    let RuleError::Syntax { line, field, .. } = &error else {
        panic!("{error:?}")
    };
    assert_eq!((*line, field.as_deref()), (Some(3), Some("trend.window")));
    assert!(
        error.to_string().contains("line 3, field trend.window"),
        "{error}"
    );
    assert!(error.to_string().contains("ten"), "{error}");

    let error = parse("[stuk]\nminutes = 3\n").unwrap_err();
    assert!(error.to_string().contains("stuk"), "{error}");

    let error = parse("[stuck]\nminutes = 20\nminuets = 3\n").unwrap_err();
    assert!(
        matches!(&error, RuleError::Syntax { field: Some(f), .. } if f == "stuck.minuets"),
        "{error:?}"
    );

    let error = parse("[flag]\nflags = [\"T\", \"X\"]\n").unwrap_err();
    assert!(
        matches!(&error, RuleError::Syntax { field: Some(f), .. } if f == "flag.flags"),
        "{error:?}"
    );
    assert!(error.to_string().contains('X'), "{error}");

    let error = parse("[flag]\nflags = [\"N\"]\n").unwrap_err();
    assert!(
        matches!(&error, RuleError::Invalid { field: "flag.flags", value, .. } if value == "N")
    );

    let error = parse("[trend]\nratio = \"-1\"\n").unwrap_err();
    assert_eq!(
        error.to_string(),
        "alarm rules: trend.ratio = -1: must be above 0"
    );

    let error = parse("[stuck]\nminutes = 1\n").unwrap_err();
    assert!(matches!(
        error,
        RuleError::Invalid {
            field: "stuck.minutes",
            ..
        }
    ));

    // A bare number is accepted for the ratio and read exactly.
    let rules = parse("[trend]\nratio = 0.9\n").unwrap();
    assert_eq!(rules.trend.unwrap().ratio, Some(d("0.9")));
}

fn optional<T: std::fmt::Debug + Clone + 'static>(
    inner: impl Strategy<Value = T> + 'static,
) -> BoxedStrategy<Option<T>> {
    proptest::option::of(inner).boxed()
}

fn rule_set() -> impl Strategy<Value = RuleSet> {
    let flags = proptest::collection::vec(
        proptest::sample::select(vec![
            Flag::F,
            Flag::M,
            Flag::D,
            Flag::C,
            Flag::T,
            Flag::B,
            Flag::P,
        ]),
        0..5,
    );
    let ratio = (1i64..100_000, 0u32..6).prop_map(|(m, scale)| Decimal::new(m, scale));
    (
        optional(any::<String>()),
        optional(0u32..=60),
        optional(optional(any::<bool>()).prop_map(|enabled| HourlyLimitSection { enabled })),
        optional(
            (
                optional(any::<bool>()),
                optional(1u32..=60),
                optional(ratio),
                optional(1u32..=60),
            )
                .prop_map(|(enabled, window, ratio, min_minutes)| TrendSection {
                    enabled,
                    window,
                    ratio,
                    min_minutes,
                }),
        ),
        optional(
            (optional(any::<bool>()), optional(2u32..=1440))
                .prop_map(|(enabled, minutes)| StuckSection { enabled, minutes }),
        ),
        optional(
            (optional(any::<bool>()), optional(1u32..=1440))
                .prop_map(|(enabled, minutes)| MissingSection { enabled, minutes }),
        ),
        optional(
            (optional(any::<bool>()), optional(flags))
                .prop_map(|(enabled, flags)| FlagSection { enabled, flags }),
        ),
        optional(optional(any::<bool>()).prop_map(|enabled| DailyViolationSection { enabled })),
    )
        .prop_map(
            |(
                segment,
                grace_minutes,
                hourly_limit,
                trend,
                stuck,
                missing,
                flag,
                daily_violation,
            )| {
                RuleSet {
                    segment,
                    grace_minutes,
                    hourly_limit,
                    trend,
                    stuck,
                    missing,
                    flag,
                    daily_violation,
                }
            },
        )
}

proptest! {
    /// Export then import gives the same document, and so the same effective rules.
    #[test]
    fn a_rule_document_survives_export_and_import(rules in rule_set()) {
        let text = to_toml(&rules);
        let back = parse(&text);
        prop_assert_eq!(back.as_ref(), Ok(&rules), "{}", text);
        prop_assert_eq!(effective(None, back.as_ref().ok()), effective(None, Some(&rules)));
    }

    /// Any text, however broken, is an answer (a document or an error), never a panic.
    #[test]
    fn parsing_any_text_never_panics(text in "(\\[[a-z_]{0,12}\\]|[a-z_]{1,12} = |\"[^\"]{0,6}\"|[0-9.\\-]{1,5}|\n|\\PC){0,40}") {
        let _ = parse(&text);
    }
}

#[test]
fn the_shipped_template_survives_export_and_import() {
    let template = builtin("waste-to-energy").unwrap();
    assert_eq!(parse(&to_toml(&template)), Ok(template));
}

// ---- throughput ---------------------------------------------------------------------------

/// `cargo test --release -p zx-domain --test cems_alarms -- --ignored --nocapture`
#[test]
#[ignore = "measurement, run in release"]
fn measure_readings_per_second_through_observe() {
    let codes = [
        "a34013",
        "a21002",
        "a21026",
        "a21024",
        "a21005",
        "a19001",
        "furnace_temp",
        "a01012",
    ];
    let minutes: i64 = 60 * 24 * 30;
    let batches: Vec<Vec<MinuteReading>> = (0..minutes)
        .map(|i| {
            codes
                .iter()
                .enumerate()
                .map(|(c, code)| {
                    // Deterministic values that move every minute (nothing sticks).
                    let wobble = (i * 7919 + c as i64 * 104_729) % 1000;
                    let value = if *code == "a19001" {
                        Decimal::new(900 + wobble % 300, 2)
                    } else {
                        Decimal::new(10_000 + wobble * 37, 2)
                    };
                    MinuteReading {
                        mn: MN.to_owned(),
                        minute: t("00:00") + Duration::minutes(i),
                        code: (*code).to_owned(),
                        value,
                        flag: if wobble == 3 { Flag::T } else { Flag::N },
                    }
                })
                .collect()
        })
        .collect();
    let mut m = monitor(Rules::default());
    let started = std::time::Instant::now();
    let mut events = 0usize;
    for (i, batch) in batches.iter().enumerate() {
        events += m.observe(batch).len();
        if i % 60 == 0 {
            events += m.tick(batch[0].minute + Duration::seconds(30)).len();
        }
    }
    let elapsed = started.elapsed();
    let readings = batches.len() * codes.len();
    println!(
        "{readings} readings in {:.3} s: {:.0} readings/s ({events} events)",
        elapsed.as_secs_f64(),
        readings as f64 / elapsed.as_secs_f64()
    );
}
