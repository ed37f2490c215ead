//! The framing decoder against arbitrary bytes split at arbitrary points (proptest).

use bytes::BytesMut;
use proptest::prelude::*;
use zx_hj212::frame::{FrameDecoder, MAX_FRAME_LEN, frame_to_string};

/// Feeds `stream` to a decoder in the chunks `cuts` describe and returns the data segments of
/// the frames it accepted, checking after every chunk that the buffer is bounded.
fn decode_in_chunks(stream: &[u8], cuts: &[usize]) -> Vec<Vec<u8>> {
    let mut points: Vec<usize> = cuts.iter().map(|cut| cut % (stream.len() + 1)).collect();
    points.push(stream.len());
    points.sort_unstable();
    let mut decoder = FrameDecoder::new();
    let mut buf = BytesMut::new();
    let mut frames = Vec::new();
    let mut from = 0;
    for to in points {
        buf.extend_from_slice(&stream[from..to]);
        from = to;
        while let Some(item) = decoder.decode_frame(&mut buf) {
            if let Ok(frame) = item {
                frames.push(frame.data.to_vec());
            }
        }
        // Waiting for more bytes, the decoder holds less than one maximal frame.
        assert!(buf.len() < MAX_FRAME_LEN, "buffer grew to {}", buf.len());
    }
    frames
}

/// A plausible data segment: printable text without CR/LF (what loggers send).
fn data_segment() -> impl Strategy<Value = String> {
    "[ -~]{0,300}"
}

/// Noise with a bias towards the bytes that matter to the decoder.
fn garbage() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop_oneof![
            3 => any::<u8>(),
            1 => Just(b'#'),
            1 => Just(b'\r'),
            1 => Just(b'\n'),
            1 => b'0'..=b'9',
        ],
        0..60,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic_and_stay_bounded(
        stream in prop::collection::vec(any::<u8>(), 0..4000),
        cuts in prop::collection::vec(any::<usize>(), 0..20),
    ) {
        decode_in_chunks(&stream, &cuts);
    }

    #[test]
    fn valid_frames_in_garbage_are_all_found_in_order(
        parts in prop::collection::vec((garbage(), data_segment()), 1..8),
        tail in garbage(),
        cuts in prop::collection::vec(any::<usize>(), 0..30),
    ) {
        let mut stream = Vec::new();
        let mut expected = Vec::new();
        for (noise, data) in &parts {
            stream.extend_from_slice(noise);
            stream.extend_from_slice(frame_to_string(data).as_bytes());
            expected.push(data.as_bytes().to_vec());
        }
        stream.extend_from_slice(&tail);
        prop_assert_eq!(decode_in_chunks(&stream, &cuts), expected);
    }

    #[test]
    fn a_frame_with_any_single_byte_changed_is_never_accepted_as_it_was(
        data in data_segment(),
        at in any::<usize>(),
        byte in any::<u8>(),
    ) {
        let mut frame = frame_to_string(&data).into_bytes();
        let at = at % frame.len();
        // Hex digits of the CRC are read in either case, so a case change is no change.
        prop_assume!(!frame[at].eq_ignore_ascii_case(&byte));
        frame[at] = byte;
        let decoded = decode_in_chunks(&frame, &[]);
        prop_assert!(!decoded.contains(&data.into_bytes()));
    }
}
