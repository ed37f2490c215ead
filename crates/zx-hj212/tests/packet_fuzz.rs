//! The data-segment parser against arbitrary input (proptest): it never panics, and a frame
//! written from generated readings reads back to exactly those readings, whatever repeats and
//! bad values it carries beside them.

use std::str::FromStr;

use bytes::BytesMut;
use proptest::prelude::*;
use rust_decimal::Decimal;
use zx_domain::cems::quality::QualityKind;
use zx_hj212::frame::{FrameDecoder, frame_to_string};
use zx_hj212::packet::Packet;

/// A CP-like text with the separators and suffixes that matter to the parser.
fn cp_like() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            4 => "[a-z0-9]{1,6}",
            1 => Just(";".to_owned()),
            1 => Just(",".to_owned()),
            1 => Just("=".to_owned()),
            1 => Just("-".to_owned()),
            1 => Just("&&".to_owned()),
            1 => prop_oneof![Just("Avg"), Just("Flag"), Just("Rtd"), Just("Cou"), Just("DataTime")].prop_map(str::to_owned),
            1 => "[0-9.+eE-]{0,12}",
            1 => any::<char>().prop_map(String::from),
        ],
        0..60,
    )
    .prop_map(|parts| parts.concat())
}

/// A value as loggers write it: sign, digits, up to 6 decimals.
fn value_text() -> impl Strategy<Value = String> {
    (any::<bool>(), 0u64..10_000_000, 0u32..7).prop_map(|(negative, units, scale)| {
        let mut text = Decimal::new(units as i64, scale).to_string();
        if negative && units != 0 {
            text.insert(0, '-');
        }
        text
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_and_texts_never_panic(
        bytes in prop::collection::vec(any::<u8>(), 0..600),
        cp in cp_like(),
        cn in prop_oneof![Just("2051"), Just("2011"), Just("2061"), Just("9014")],
        pno in 0u32..4,
        pnum in 0u32..4,
    ) {
        let _ = Packet::parse(&bytes);
        let text = format!("QN=1;ST=22;CN={cn};PW=1;MN=M_1;Flag=7;PNUM={pnum};PNO={pno};CP=&&{cp}&&");
        if let Ok(packet) = Packet::parse(text.as_bytes()) {
            let _ = packet.minute_readings();
            let _ = Packet::merge(&[packet.clone(), packet]);
        }
    }

    #[test]
    fn encoded_minute_frames_read_back_exactly(
        mn in "[A-Za-z0-9_-]{1,24}",
        values in prop::collection::vec((value_text(), prop_oneof![Just("N"), Just("M"), Just("D")]), 1..12),
        repeat in any::<prop::sample::Index>(),
        conflict in any::<prop::sample::Index>(),
        bad in prop_oneof![Just(""), Just("+1"), Just("x"), Just("1.2.3")],
    ) {
        let codes: Vec<String> = (0..values.len()).map(|i| format!("a{:05}", 21000 + i)).collect();
        let mut cp = "DataTime=20260601081400".to_owned();
        for (code, (value, flag)) in codes.iter().zip(&values) {
            cp.push_str(&format!(";{code}-Avg={value},{code}-Flag={flag}"));
        }
        // One key sent again with its own value (one reading), one factor with another value
        // (left out), and an extra factor with a bad value (left out).
        let again = repeat.index(values.len());
        cp.push_str(&format!(";{}-Avg={}", codes[again], values[again].0));
        let clash = conflict.index(values.len());
        let other = format!("{}1", values[clash].0.trim_start_matches('-'));
        cp.push_str(&format!(";{}-Avg={other}", codes[clash]));
        cp.push_str(&format!(";b00001-Avg={bad},b00001-Flag=N"));
        let data = format!("QN=20260601081500123;ST=31;CN=2051;PW=pw;MN={mn};Flag=5;CP=&&{cp}&&");
        // Through the wire format and back.
        let mut buf = BytesMut::from(frame_to_string(&data).as_bytes());
        let frame = FrameDecoder::new().decode_frame(&mut buf).unwrap().unwrap();
        let packet = Packet::parse(&frame.data).unwrap();
        prop_assert_eq!(&packet.mn, &mn);
        let got: Vec<(String, Decimal, String)> = packet
            .minute_readings()
            .into_iter()
            .map(|r| (r.code, r.value, r.flag.to_string()))
            .collect();
        let want: Vec<(String, Decimal, String)> = codes
            .iter()
            .zip(&values)
            .enumerate()
            .filter(|(i, _)| *i != clash)
            .map(|(_, (code, (value, flag)))| (code.clone(), Decimal::from_str(value).unwrap(), (*flag).to_owned()))
            .collect();
        prop_assert_eq!(got, want);
        let issues = &packet.record.as_ref().unwrap().issues;
        prop_assert_eq!(issues.len(), 2);
        prop_assert_eq!(issues[0].kind, QualityKind::ConflictingValues);
        prop_assert_eq!(&issues[0].values[1], &other);
        prop_assert_eq!(issues[1].kind, QualityKind::BadValue);
        prop_assert_eq!(&issues[1].values, &vec![bad.to_owned()]);
    }
}
