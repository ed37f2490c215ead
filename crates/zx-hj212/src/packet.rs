//! The data segment of a frame: `QN=…;ST=…;CN=…;PW=…;MN=…;Flag=…;CP=&&…&&`, and the CP of the
//! data uploads (CN 2011 real-time, 2051 minute, 2061 hourly, 2031 daily).
//!
//! Values are kept as [`Decimal`]s exactly as sent (`2.69700` keeps its five places). A value that
//! is not a number, a flag HJ 212 does not define, or a key sent twice with different values is
//! left out and reported as a [`ValueIssue`]: the rest of the frame is still data.

use std::fmt::Write as _;
use std::str::FromStr;

use chrono::{NaiveDate, NaiveDateTime, Timelike};
use rust_decimal::Decimal;
use thiserror::Error;
use zx_domain::cems::quality::QualityKind;
use zx_domain::cems::{Flag, MinuteReading};

/// CN of real-time data (`-Rtd`).
pub const CN_REAL_TIME: &str = "2011";
/// CN of minute data (`-Avg`, `-Min`, `-Max`): what the receiver stores as minute records.
pub const CN_MINUTE: &str = "2051";
/// CN of hourly data.
pub const CN_HOURLY: &str = "2061";
/// CN of daily data.
pub const CN_DAILY: &str = "2031";
/// CN of the data acknowledgement (数据应答) a receiver sends back.
pub const CN_DATA_ACK: &str = "9014";

/// The header fields of a data segment and its CP, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packet {
    /// Request code, `YYYYMMDDhhmmsszzz`; the acknowledgement repeats it.
    pub qn: Option<String>,
    /// System code (22 air quality, 31 air pollution source, 32 surface water, 91 interaction).
    pub st: Option<String>,
    /// Command code.
    pub cn: String,
    pub pw: String,
    pub mn: String,
    /// Bit field `V5…V0 D A`: A (bit 0) asks for an acknowledgement, D (bit 1) says PNUM/PNO follow,
    /// V (bits 2–7) the protocol version (1 = HJ 212-2017, 0 = HJ/T 212-2005).
    pub flag: Option<u32>,
    /// Total packet count and this packet's number, when a message is split.
    pub pnum: Option<u32>,
    pub pno: Option<u32>,
    /// The CP text between `CP=&&` and the closing `&&`.
    pub cp: String,
    /// The parsed CP of a data upload (CN 2011, 2051, 2061, 2031); `None` for other commands.
    pub record: Option<DataRecord>,
}

/// The CP of a data upload: its time and its factors' values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataRecord {
    /// `DataTime`, local time (Asia/Shanghai) as the data logger writes it.
    pub data_time: NaiveDateTime,
    /// CP entries that are not `code-Suffix` pairs, in order (`DataTime` included).
    pub params: Vec<(String, String)>,
    pub factors: Vec<FactorValues>,
    /// Values left out of `factors` because they cannot be stored as sent, in order.
    pub issues: Vec<ValueIssue>,
}

/// A key of a data upload whose value is left out: the key and every distinct text sent for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueIssue {
    /// `code-Suffix` as sent (`w00000-Avg`).
    pub key: String,
    pub kind: QualityKind,
    /// The distinct texts sent for the key, in order.
    pub values: Vec<String>,
}

impl ValueIssue {
    fn new(key: &str, kind: QualityKind, values: Vec<String>) -> Self {
        ValueIssue {
            key: key.to_owned(),
            kind,
            values,
        }
    }
}

/// One factor's values in a data upload (`a21002-Avg=212.4,a21002-Flag=N`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FactorValues {
    pub code: String,
    pub rtd: Option<Decimal>,
    pub avg: Option<Decimal>,
    pub min: Option<Decimal>,
    pub max: Option<Decimal>,
    pub zs_rtd: Option<Decimal>,
    pub zs_avg: Option<Decimal>,
    pub zs_min: Option<Decimal>,
    pub zs_max: Option<Decimal>,
    pub cou: Option<Decimal>,
    /// `-Flag`; absent means `N` (HJ 212-2017 §6.6.4) — see [`FactorValues::flag_or_normal`].
    pub flag: Option<Flag>,
    /// Other suffixes (`SampleTime`, `EFlag`, `ValidNum`…) as text.
    pub other: Vec<(String, String)>,
    /// The flag was unknown or contradicted itself: no value of this factor is kept.
    pub unusable: bool,
}

impl FactorValues {
    /// The flag, `N` when the logger sent none (HJ 212: an absent flag means normal).
    pub fn flag_or_normal(&self) -> Flag {
        self.flag.unwrap_or(Flag::N)
    }
}

/// Why a data segment cannot be used. Every variant names the field and the value.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PacketError {
    #[error("the data segment is not UTF-8 text")]
    NotText,
    #[error("no CP=&&…&& at the end of the data segment")]
    NoCp,
    #[error("header entry {entry:?} is not FIELD=VALUE")]
    BadHeaderEntry { entry: String },
    #[error("field {0} is missing")]
    MissingField(&'static str),
    #[error("field {field} appears twice")]
    DuplicateField { field: String },
    #[error("field {field} = {value:?} is not a number")]
    BadNumber { field: &'static str, value: String },
    #[error("DataTime {value:?} is not YYYYMMDDhhmmss")]
    BadDataTime { value: String },
    #[error("CN {cn} data without DataTime")]
    MissingDataTime { cn: String },
    #[error("CP entry {entry:?} is not KEY=VALUE")]
    BadCpEntry { entry: String },
    #[error("{key} is sent twice with different values")]
    ConflictingValue { key: String },
    #[error("PNO {pno} of PNUM {pnum}: not a packet of the set")]
    BadPacketNumber { pno: u32, pnum: u32 },
}

impl Packet {
    /// Parses a data segment (the bytes between the length field and the CRC).
    pub fn parse(data: &[u8]) -> Result<Packet, PacketError> {
        let text = std::str::from_utf8(data).map_err(|_| PacketError::NotText)?;
        let cp_at = text.find("CP=&&").ok_or(PacketError::NoCp)?;
        let cp = text[cp_at + 5..]
            .strip_suffix("&&")
            .ok_or(PacketError::NoCp)?;
        let header = &text[..cp_at];
        let mut fields = HeaderFields::default();
        for entry in header.split(';').filter(|entry| !entry.is_empty()) {
            let (key, value) =
                entry
                    .split_once('=')
                    .ok_or_else(|| PacketError::BadHeaderEntry {
                        entry: entry.to_owned(),
                    })?;
            let slot = match key {
                "QN" => &mut fields.qn,
                "ST" => &mut fields.st,
                "CN" => &mut fields.cn,
                "PW" => &mut fields.pw,
                "MN" => &mut fields.mn,
                "Flag" => &mut fields.flag,
                "PNUM" => &mut fields.pnum,
                "PNO" => &mut fields.pno,
                // Fields a later revision may add are ignored, not refused.
                _ => continue,
            };
            if slot.replace(value).is_some() {
                return Err(PacketError::DuplicateField {
                    field: key.to_owned(),
                });
            }
        }
        let cn = fields.cn.ok_or(PacketError::MissingField("CN"))?;
        let pnum = parse_number("PNUM", fields.pnum)?;
        let pno = parse_number("PNO", fields.pno)?;
        let split = pnum.is_some_and(|pnum| pnum > 1) && pno.is_some();
        let record = match cn {
            CN_REAL_TIME | CN_MINUTE | CN_HOURLY | CN_DAILY => match parse_data_record(cn, cp) {
                Ok(record) => Some(record),
                // A later packet of a split message may leave DataTime to the first: the whole
                // message is parsed when its packets are merged.
                Err(PacketError::MissingDataTime { .. }) if split => None,
                Err(error) => return Err(error),
            },
            _ => None,
        };
        if let (Some(pnum), Some(pno)) = (pnum, pno)
            && (pno == 0 || pno > pnum)
        {
            return Err(PacketError::BadPacketNumber { pno, pnum });
        }
        Ok(Packet {
            qn: fields.qn.map(str::to_owned),
            st: fields.st.map(str::to_owned),
            cn: cn.to_owned(),
            pw: fields.pw.ok_or(PacketError::MissingField("PW"))?.to_owned(),
            mn: fields.mn.ok_or(PacketError::MissingField("MN"))?.to_owned(),
            flag: parse_number("Flag", fields.flag)?,
            pnum,
            pno,
            cp: cp.to_owned(),
            record,
        })
    }

    /// `(PNO, PNUM)` when this packet is one of several of a split message.
    pub fn part(&self) -> Option<(u32, u32)> {
        match (self.pno, self.pnum) {
            (Some(pno), Some(pnum)) if pnum > 1 => Some((pno, pnum)),
            _ => None,
        }
    }

    /// The packets of one split message (PNO 1..=PNUM, in order) as one packet: the first one's
    /// header, the CPs joined, the data record parsed again from the joined CP, so a key sent in
    /// two packets with different values is an issue as it would be within one.
    pub fn merge(parts: &[Packet]) -> Result<Packet, PacketError> {
        let first = parts.first().ok_or(PacketError::NoCp)?;
        let cp = parts
            .iter()
            .map(|part| part.cp.as_str())
            .filter(|cp| !cp.is_empty())
            .collect::<Vec<_>>()
            .join(";");
        let record = match first.cn.as_str() {
            CN_REAL_TIME | CN_MINUTE | CN_HOURLY | CN_DAILY => {
                Some(parse_data_record(&first.cn, &cp)?)
            }
            _ => None,
        };
        Ok(Packet {
            pnum: None,
            pno: None,
            cp,
            record,
            ..first.clone()
        })
    }

    /// Whether the sender asked for an acknowledgement (Flag bit 0).
    pub fn wants_ack(&self) -> bool {
        self.flag.is_some_and(|flag| flag & 1 == 1)
    }

    /// The minute records of a CN 2051 frame: one per factor that has `-Avg`, its value the
    /// average as sent, its flag `-Flag` (N when absent), its minute `DataTime` without seconds.
    /// Empty for any other CN.
    pub fn minute_readings(&self) -> Vec<MinuteReading> {
        let Some(record) = self.record.as_ref().filter(|_| self.cn == CN_MINUTE) else {
            return Vec::new();
        };
        let minute = record.data_time.with_second(0).unwrap_or(record.data_time);
        record
            .factors
            .iter()
            .filter_map(|factor| {
                Some(MinuteReading {
                    mn: self.mn.clone(),
                    minute,
                    code: factor.code.clone(),
                    value: factor.avg?,
                    flag: factor.flag_or_normal(),
                })
            })
            .collect()
    }
}

#[derive(Default)]
struct HeaderFields<'a> {
    qn: Option<&'a str>,
    st: Option<&'a str>,
    cn: Option<&'a str>,
    pw: Option<&'a str>,
    mn: Option<&'a str>,
    flag: Option<&'a str>,
    pnum: Option<&'a str>,
    pno: Option<&'a str>,
}

fn parse_number(field: &'static str, value: Option<&str>) -> Result<Option<u32>, PacketError> {
    value
        .map(|text| {
            text.parse::<u32>().map_err(|_| PacketError::BadNumber {
                field,
                value: text.to_owned(),
            })
        })
        .transpose()
}

/// `YYYYMMDDhhmmss`, the form of `DataTime` (and of a QN without its milliseconds).
pub fn parse_data_time(text: &str) -> Option<NaiveDateTime> {
    let bytes = text.as_bytes();
    if bytes.len() != 14 || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> u32 {
        bytes[range]
            .iter()
            .fold(0, |acc, &digit| acc * 10 + u32::from(digit - b'0'))
    };
    let year = i32::try_from(number(0..4)).ok()?;
    NaiveDate::from_ymd_opt(year, number(4..6), number(6..8))?.and_hms_opt(
        number(8..10),
        number(10..12),
        number(12..14),
    )
}

/// Writes `time` as `YYYYMMDDhhmmss`.
pub fn format_data_time(time: NaiveDateTime, out: &mut String) {
    // Writing to a String cannot fail.
    let _ = write!(out, "{}", time.format("%Y%m%d%H%M%S"));
}

/// Parses the CP of a data upload. Structure errors (an entry without `=`, a bad or conflicting
/// `DataTime`) refuse the frame; a bad value, an unknown flag or a key repeated with different
/// values only leaves that value out and is reported in [`DataRecord::issues`], so the rest of
/// the minute is stored and acknowledged. A key repeated with the same value is one value.
pub fn parse_data_record(cn: &str, cp: &str) -> Result<DataRecord, PacketError> {
    let mut data_time = None;
    let mut params = Vec::new();
    let mut factors: Vec<FactorValues> = Vec::new();
    // Each factor key (`code-Suffix`) with its distinct texts as sent, in order of arrival.
    let mut sent: Vec<(usize, String, Vec<String>)> = Vec::new();
    for entry in cp.split([';', ',']).filter(|entry| !entry.is_empty()) {
        let (key, value) = entry
            .split_once('=')
            .ok_or_else(|| PacketError::BadCpEntry {
                entry: entry.to_owned(),
            })?;
        let Some((code, suffix)) = key.rsplit_once('-') else {
            if key == "DataTime" {
                let time = parse_data_time(value).ok_or_else(|| PacketError::BadDataTime {
                    value: value.to_owned(),
                })?;
                if data_time.replace(time).is_some_and(|before| before != time) {
                    return Err(PacketError::ConflictingValue {
                        key: key.to_owned(),
                    });
                }
            }
            params.push((key.to_owned(), value.to_owned()));
            continue;
        };
        if code.is_empty() || suffix.is_empty() {
            return Err(PacketError::BadCpEntry {
                entry: entry.to_owned(),
            });
        }
        let index = match factors.iter().position(|factor| factor.code == code) {
            Some(index) => index,
            None => {
                factors.push(FactorValues {
                    code: code.to_owned(),
                    ..FactorValues::default()
                });
                factors.len() - 1
            }
        };
        match sent.iter_mut().find(|(_, known, _)| known == key) {
            Some((_, _, texts)) => {
                if !texts.iter().any(|text| text == value) {
                    texts.push(value.to_owned());
                }
            }
            None => sent.push((index, key.to_owned(), vec![value.to_owned()])),
        }
    }
    let mut issues = Vec::new();
    for (index, key, texts) in sent {
        let factor = &mut factors[index];
        let suffix = &key[factor.code.len() + 1..];
        if suffix == "Flag" {
            let flags: Vec<Option<Flag>> =
                texts.iter().map(|text| Flag::from_str(text).ok()).collect();
            match flags[..] {
                [Some(flag)] => factor.flag = Some(flag),
                [None] => {
                    factor.unusable = true;
                    issues.push(ValueIssue::new(&key, QualityKind::UnknownFlag, texts));
                }
                _ => {
                    // A factor may repeat its flag (beside -Rtd and -Cou); texts are distinct
                    // here, so these flags contradict each other (or one is unknown).
                    factor.unusable = true;
                    issues.push(ValueIssue::new(&key, QualityKind::ConflictingValues, texts));
                }
            }
            continue;
        }
        let slot = match suffix {
            "Rtd" => &mut factor.rtd,
            "Avg" => &mut factor.avg,
            "Min" => &mut factor.min,
            "Max" => &mut factor.max,
            "ZsRtd" => &mut factor.zs_rtd,
            "ZsAvg" => &mut factor.zs_avg,
            "ZsMin" => &mut factor.zs_min,
            "ZsMax" => &mut factor.zs_max,
            "Cou" => &mut factor.cou,
            _ => {
                for text in texts {
                    factor.other.push((suffix.to_owned(), text));
                }
                continue;
            }
        };
        let numbers: Vec<Option<Decimal>> = texts.iter().map(|text| parse_decimal(text)).collect();
        let first = numbers[0];
        match first {
            Some(number) if numbers.iter().all(|n| *n == Some(number)) => *slot = Some(number),
            None if numbers.len() == 1 => {
                issues.push(ValueIssue::new(&key, QualityKind::BadValue, texts));
            }
            _ => issues.push(ValueIssue::new(&key, QualityKind::ConflictingValues, texts)),
        }
    }
    for factor in factors.iter_mut().filter(|factor| factor.unusable) {
        // Without a flag the readings cannot be judged (HJ 212 §6.6.4): none is kept.
        factor.rtd = None;
        factor.avg = None;
        factor.min = None;
        factor.max = None;
        factor.zs_rtd = None;
        factor.zs_avg = None;
        factor.zs_min = None;
        factor.zs_max = None;
        factor.cou = None;
    }
    Ok(DataRecord {
        data_time: data_time.ok_or_else(|| PacketError::MissingDataTime { cn: cn.to_owned() })?,
        params,
        factors,
        issues,
    })
}

/// A value as sent: `-?digits[.digits]`, or with an exponent (`1.5E-3`), which some analysers
/// emit. Nothing else (no `_`, no `+`, no spaces, no NaN).
fn parse_decimal(text: &str) -> Option<Decimal> {
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(at) => (&unsigned[..at], Some(&unsigned[at + 1..])),
        None => (unsigned, None),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits_ok = !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.bytes().all(|b| b.is_ascii_digit())
        && !(mantissa.ends_with('.'));
    if !digits_ok {
        return None;
    }
    match exponent {
        None => Decimal::from_str(text).ok(),
        Some(exponent) => {
            let exponent_digits = exponent.strip_prefix(['-', '+']).unwrap_or(exponent);
            if exponent_digits.is_empty() || !exponent_digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            Decimal::from_scientific(text).ok()
        }
    }
}

/// The data segment of the data acknowledgement (CN 9014) of `packet`.
///
/// HJ 212-2017's example exchange answers a data upload with
/// `QN=<same>;ST=91;CN=9014;PW=<same>;MN=<same>;Flag=4;CP=&&&&`: ST 91 is "system interaction",
/// Flag 4 is version 2017 (V0 = 1) with no acknowledgement asked back. The same form is used by
/// public implementations (caoyiliang/HJ212's tests quote
/// `QN=20240429103553533;ST=91;CN=9014;PW=123456;MN=010000A8900016F000169DC0;Flag=4;CP=&&&&`).
/// The QN is omitted when the upload had none (HJ/T 212-2005 loggers).
pub fn data_ack_segment(packet: &Packet) -> String {
    let mut out = String::with_capacity(96);
    if let Some(qn) = &packet.qn {
        out.push_str("QN=");
        out.push_str(qn);
        out.push(';');
    }
    out.push_str("ST=91;CN=9014;PW=");
    out.push_str(&packet.pw);
    out.push_str(";MN=");
    out.push_str(&packet.mn);
    out.push_str(";Flag=4;CP=&&&&");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decimal(text: &str) -> Decimal {
        Decimal::from_str(text).unwrap()
    }

    fn time(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").unwrap()
    }

    /// A CN 2051 frame as cems.md shows it, extended with the forms loggers send: a factor with
    /// Min/Max/ZsAvg, a factor without -Flag, a maintenance flag, a Cou-only factor, and
    /// seconds in DataTime.
    const MINUTE: &str = "QN=20260601081500123;ST=22;CN=2051;PW=123456;MN=88888880000001;Flag=5;CP=&&DataTime=20260601081437;a21002-Min=200.1,a21002-Avg=212.40,a21002-Max=230,a21002-ZsAvg=245.077,a21002-Flag=N;a19001-Avg=9.8,a19001-Flag=N;a34013-Avg=3.125;a21026-Avg=-0.5,a21026-Flag=M;a00000-Cou=1234.5&&";

    #[test]
    fn a_minute_frame_gives_exact_values_and_flags() {
        let packet = Packet::parse(MINUTE.as_bytes()).unwrap();
        assert_eq!(packet.qn.as_deref(), Some("20260601081500123"));
        assert_eq!(packet.st.as_deref(), Some("22"));
        assert_eq!(packet.cn, "2051");
        assert_eq!(packet.pw, "123456");
        assert_eq!(packet.mn, "88888880000001");
        // Flag 5 = 0b101: version 1 (2017) in bit 2, acknowledgement asked in bit 0.
        assert_eq!(packet.flag, Some(5));
        assert!(packet.wants_ack());
        let record = packet.record.as_ref().unwrap();
        assert_eq!(record.data_time, time("2026-06-01 08:14:37"));
        let nox = &record.factors[0];
        assert_eq!(nox.code, "a21002");
        assert_eq!(nox.min, Some(decimal("200.1")));
        assert_eq!(nox.max, Some(decimal("230")));
        assert_eq!(nox.zs_avg, Some(decimal("245.077")));
        // "212.40" keeps its two places: the value is exactly what was sent.
        assert_eq!(nox.avg.unwrap().to_string(), "212.40");

        let minute = time("2026-06-01 08:14:00");
        let reading = |code: &str, value: &str, flag: Flag| MinuteReading {
            mn: "88888880000001".to_owned(),
            minute,
            code: code.to_owned(),
            value: decimal(value),
            flag,
        };
        // The Cou-only factor a00000 has no -Avg and gives no minute reading; a34013 has no
        // flag and is N.
        assert_eq!(
            packet.minute_readings(),
            vec![
                reading("a21002", "212.40", Flag::N),
                reading("a19001", "9.8", Flag::N),
                reading("a34013", "3.125", Flag::N),
                reading("a21026", "-0.5", Flag::M),
            ]
        );
    }

    #[test]
    fn a_key_sent_twice_with_different_values_leaves_only_that_value_out() {
        // A water plant's logger sends flow and cumulative volume under one code.
        let data = "ST=32;CN=2051;PW=123456;MN=W01;CP=&&DataTime=20260601081400;w00000-Avg=66.09,w00000-Flag=N;w01018-Avg=41.2,w01018-Flag=N;w00000-Avg=19796346.00,w00000-Flag=N;w21003-Avg=0.5,w21003-Avg=0.50&&";
        let packet = Packet::parse(data.as_bytes()).unwrap();
        let record = packet.record.as_ref().unwrap();
        assert_eq!(
            record.issues,
            vec![ValueIssue {
                key: "w00000-Avg".to_owned(),
                kind: QualityKind::ConflictingValues,
                values: vec!["66.09".to_owned(), "19796346.00".to_owned()],
            }]
        );
        let stored: Vec<(String, String)> = packet
            .minute_readings()
            .into_iter()
            .map(|r| (r.code, r.value.to_string()))
            .collect();
        // w21003 sent 0.5 and 0.50: the same number, one reading (the first text).
        assert_eq!(
            stored,
            vec![
                ("w01018".to_owned(), "41.2".to_owned()),
                ("w21003".to_owned(), "0.5".to_owned()),
            ]
        );
    }

    #[test]
    fn a_bad_value_or_flag_leaves_only_its_factor_out() {
        let data = MINUTE
            .replace("a19001-Avg=9.8", "a19001-Avg=+12.5")
            .replace("a34013-Avg=3.125", "a34013-Avg=")
            .replace("a21026-Flag=M", "a21026-Flag=X")
            .replace("a21002-Flag=N", "a21002-Flag=N,a21002-Flag=D");
        let packet = Packet::parse(data.as_bytes()).unwrap();
        let issue = |key: &str, kind, values: &[&str]| ValueIssue {
            key: key.to_owned(),
            kind,
            values: values.iter().map(|v| (*v).to_owned()).collect(),
        };
        assert_eq!(
            packet.record.as_ref().unwrap().issues,
            vec![
                issue("a21002-Flag", QualityKind::ConflictingValues, &["N", "D"]),
                issue("a19001-Avg", QualityKind::BadValue, &["+12.5"]),
                issue("a34013-Avg", QualityKind::BadValue, &[""]),
                issue("a21026-Flag", QualityKind::UnknownFlag, &["X"]),
            ]
        );
        // Nothing is left to store of this minute: every factor with an -Avg had an issue.
        assert_eq!(packet.minute_readings(), vec![]);
    }

    #[test]
    fn malformed_segments_are_refused_by_field() {
        let cases: Vec<(String, PacketError)> = vec![
            (
                MINUTE.replace("a19001-Avg=9.8", "a19001-Avg=9,8x"),
                PacketError::BadCpEntry {
                    entry: "8x".to_owned(),
                },
            ),
            (
                MINUTE.replace("DataTime=20260601081437", "DataTime=20260631081437"),
                PacketError::BadDataTime {
                    value: "20260631081437".to_owned(),
                },
            ),
            (
                MINUTE.replace("DataTime=20260601081437;", ""),
                PacketError::MissingDataTime {
                    cn: "2051".to_owned(),
                },
            ),
            (
                MINUTE.replace("MN=88888880000001;", ""),
                PacketError::MissingField("MN"),
            ),
            (
                MINUTE.replace("PW=123456;", "PW=123456;PW=1;"),
                PacketError::DuplicateField {
                    field: "PW".to_owned(),
                },
            ),
            (
                MINUTE.replace("Flag=5;", "Flag=five;"),
                PacketError::BadNumber {
                    field: "Flag",
                    value: "five".to_owned(),
                },
            ),
            (MINUTE.trim_end_matches('&').to_owned(), PacketError::NoCp),
            (
                MINUTE.replace(
                    "DataTime=20260601081437;",
                    "DataTime=20260601081437;DataTime=20260601081537;",
                ),
                PacketError::ConflictingValue {
                    key: "DataTime".to_owned(),
                },
            ),
            (
                MINUTE.replace("Flag=5;", "Flag=7;PNUM=2;PNO=3;"),
                PacketError::BadPacketNumber { pno: 3, pnum: 2 },
            ),
        ];
        for (data, expected) in cases {
            assert_eq!(Packet::parse(data.as_bytes()), Err(expected), "{data}");
        }
        assert_eq!(Packet::parse(&[0xFF, 0xFE]), Err(PacketError::NotText));
    }

    #[test]
    fn published_frames_of_other_data_commands_parse() {
        // IceCoffee.HJ212 README (CN 2061 hourly), and alltobs-hj212 README's "已有Cp生成hj212编码"
        // (CN 2011 without QN, shortened to three factors); the values asserted are read off the
        // published text.
        let hourly = "QN=20190925181031464;ST=22;CN=2061;PW=BF470F88957588DE902D1A52;MN=Z13401000010301;Flag=5;CP=&&DataTime=20190924220000;a34006-Avg=2.69700,a34006-Flag=N;a34007-Avg=7.96600,a34007-Flag=N;a34048-Avg=3.30600,a34048-Flag=N;a34047-Avg=7.35700,a34047-Flag=N;a34049-Avg=10.66300,a34049-Flag=N&&";
        let packet = Packet::parse(hourly.as_bytes()).unwrap();
        let record = packet.record.as_ref().unwrap();
        assert_eq!(record.data_time, time("2019-09-24 22:00:00"));
        assert_eq!(record.factors.len(), 5);
        assert_eq!(record.factors[4].avg.unwrap().to_string(), "10.66300");
        // Hourly data is kept, but it is not minute data.
        assert!(packet.minute_readings().is_empty());

        let real_time = "ST=27;Flag=4;CN=2011;PW=123456;MN=DYGLO000001A000001;CP=&&DataTime=20210823075400;a01013-Rtd=-18.74,a01013-Flag=N;a05002-Rtd=-0.94,a05002-Flag=N;a05002-Cou=0.00,a05002-Flag=N;&&";
        let packet = Packet::parse(real_time.as_bytes()).unwrap();
        assert_eq!(packet.qn, None);
        assert!(!packet.wants_ack());
        let record = packet.record.unwrap();
        assert_eq!(record.factors[0].rtd, Some(decimal("-18.74")));
        assert_eq!(record.factors[1].cou, Some(decimal("0.00")));
        assert_eq!(record.factors[1].flag, Some(Flag::N));
    }

    #[test]
    fn other_commands_are_parsed_without_their_cp() {
        let data = "QN=20260601081500123;ST=32;CN=1062;PW=123456;MN=88888880000001;Flag=5;CP=&&RtdInterval=30&&";
        let packet = Packet::parse(data.as_bytes()).unwrap();
        assert_eq!(packet.record, None);
        assert_eq!(packet.cp, "RtdInterval=30");
    }

    #[test]
    fn the_acknowledgement_repeats_qn_pw_and_mn() {
        let packet = Packet::parse(MINUTE.as_bytes()).unwrap();
        assert_eq!(
            data_ack_segment(&packet),
            "QN=20260601081500123;ST=91;CN=9014;PW=123456;MN=88888880000001;Flag=4;CP=&&&&"
        );
    }

    #[test]
    fn decimals_are_read_strictly() {
        assert_eq!(parse_decimal("1425"), Some(decimal("1425")));
        assert_eq!(parse_decimal("0.09055002"), Some(decimal("0.09055002")));
        assert_eq!(parse_decimal("-0.94"), Some(decimal("-0.94")));
        assert_eq!(parse_decimal("1.5E-3"), Some(decimal("0.0015")));
        for bad in [
            "", "-", ".5", "5.", "1_000", "+1", " 1", "NaN", "1e", "1e+-2",
        ] {
            assert_eq!(parse_decimal(bad), None, "{bad:?}");
        }
    }
}
