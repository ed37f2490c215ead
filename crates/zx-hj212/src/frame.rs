//! Framing: `##` + 4-digit length + data segment + 4 hex CRC + `\r\n`, over a byte stream.
//!
//! The decoder is the only thing between untrusted bytes and the parser, so it never panics,
//! never buffers more than one frame's worth plus one read, and after any bad frame it
//! resynchronises on the next `##` instead of giving up on the connection.

use bytes::{Buf, Bytes, BytesMut};
use thiserror::Error;
use tokio_util::codec::Decoder;

use crate::crc::{crc16, crc16_hex, parse_crc_hex};

/// Longest data segment the 4-digit length field can announce.
pub const MAX_DATA_LEN: usize = 9999;
/// `##` + length digits.
const HEADER_LEN: usize = 6;
/// CRC digits + `\r\n`.
const TRAILER_LEN: usize = 6;
/// The longest frame on the wire: 2 + 4 + 9999 + 4 + 2 bytes.
pub const MAX_FRAME_LEN: usize = HEADER_LEN + MAX_DATA_LEN + TRAILER_LEN;

/// A frame whose length, CRC and terminator checked out; `data` is the data segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawFrame {
    pub data: Bytes,
}

/// Why bytes that began with `##` are not a frame. The decoder reports it and goes on with the
/// bytes after that `##`.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FrameError {
    /// The 4 characters after `##` are not decimal digits, or the announced data segment holds a
    /// CR or LF (so the length cannot be right).
    #[error("bad length field {field:?}")]
    BadLength { field: String },
    /// The data segment's CRC is not the one the frame carries.
    #[error("bad CRC: frame says {sent:?}, data segment gives {computed:04X}")]
    BadCrc { sent: String, computed: u16 },
    /// The announced length does not end at a CRC followed by `\r\n`.
    #[error("missing CR LF after the CRC (found {found:?})")]
    MissingTerminator { found: String },
}

/// A [`Decoder`] of HJ 212 frames whose items are either a frame or a typed rejection, so one
/// bad frame does not end the stream. `decode` never returns `Err`.
#[derive(Debug, Default)]
pub struct FrameDecoder {
    /// How many leading bytes of the pending frame's data segment were already checked for
    /// CR/LF, so a frame arriving byte by byte is scanned once, not once per byte.
    scanned: usize,
    skipped: u64,
}

impl FrameDecoder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Bytes thrown away while looking for `##` (line noise, a modem's chatter), in total.
    pub fn skipped_bytes(&self) -> u64 {
        self.skipped
    }

    /// The next frame or rejection in `buf`, consuming its bytes; `None` when more bytes are
    /// needed. After `None`, `buf` holds less than one maximal frame.
    pub fn decode_frame(&mut self, buf: &mut BytesMut) -> Option<Result<RawFrame, FrameError>> {
        // Find the frame start; keep a lone trailing '#' that may be the first half of "##".
        match find_start(buf) {
            Some(0) => {}
            Some(at) => {
                self.skip(buf, at);
            }
            None => {
                let keep = usize::from(buf.last() == Some(&b'#'));
                let drop = buf.len() - keep;
                self.skip(buf, drop);
                return None;
            }
        }
        if buf.len() < HEADER_LEN {
            return None;
        }
        let Some(data_len) = parse_length(&buf[2..HEADER_LEN]) else {
            let field = lossy(&buf[2..HEADER_LEN]);
            self.reject(buf);
            return Some(Err(FrameError::BadLength { field }));
        };
        let total = HEADER_LEN + data_len + TRAILER_LEN;
        // A CR or LF inside the announced data segment means the length is wrong (the data
        // segment is printable text): reject now instead of waiting for up to 10 kB that may
        // never come, so the next frame is not held back.
        let data_end = (HEADER_LEN + data_len).min(buf.len());
        let scan_from = HEADER_LEN + self.scanned;
        if scan_from < data_end {
            if buf[scan_from..data_end]
                .iter()
                .any(|&b| b == b'\r' || b == b'\n')
            {
                let field = lossy(&buf[2..HEADER_LEN]);
                self.reject(buf);
                return Some(Err(FrameError::BadLength { field }));
            }
            self.scanned = data_end - HEADER_LEN;
        }
        if buf.len() < total {
            buf.reserve(total - buf.len());
            return None;
        }
        self.scanned = 0;
        let crc_at = HEADER_LEN + data_len;
        let terminator = &buf[crc_at + 4..total];
        if terminator != b"\r\n" {
            let found = lossy(terminator);
            self.reject(buf);
            return Some(Err(FrameError::MissingTerminator { found }));
        }
        let computed = crc16(&buf[HEADER_LEN..crc_at]);
        if parse_crc_hex(&buf[crc_at..crc_at + 4]) != Some(computed) {
            let sent = lossy(&buf[crc_at..crc_at + 4]);
            // Only the `##` goes: if line noise made a false start whose CRC failed, a real
            // frame inside it is still found.
            self.reject(buf);
            return Some(Err(FrameError::BadCrc { sent, computed }));
        }
        let mut frame = buf.split_to(total);
        frame.advance(HEADER_LEN);
        frame.truncate(data_len);
        Some(Ok(RawFrame {
            data: frame.freeze(),
        }))
    }

    fn skip(&mut self, buf: &mut BytesMut, count: usize) {
        self.skipped += count as u64;
        buf.advance(count);
    }

    /// Drops the `##` of a rejected frame so the search resumes right after it.
    fn reject(&mut self, buf: &mut BytesMut) {
        self.scanned = 0;
        buf.advance(2);
    }
}

impl Decoder for FrameDecoder {
    type Item = Result<RawFrame, FrameError>;
    type Error = std::io::Error;

    fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Self::Item>, Self::Error> {
        Ok(self.decode_frame(buf))
    }
}

/// The start of the first `##` not followed by another `#`: in `###0123` the frame starts at
/// the second `#`, the first is noise.
fn find_start(buf: &[u8]) -> Option<usize> {
    let mut at = buf.windows(2).position(|pair| pair == b"##")?;
    while buf.get(at + 2) == Some(&b'#') {
        at += 1;
    }
    Some(at)
}

fn parse_length(digits: &[u8]) -> Option<usize> {
    digits.iter().try_fold(0usize, |acc, &digit| {
        digit
            .is_ascii_digit()
            .then(|| acc * 10 + usize::from(digit - b'0'))
    })
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Appends `data` framed for the wire: `##`, its length, itself, its CRC and `\r\n`.
///
/// # Panics
/// When `data` is longer than [`MAX_DATA_LEN`]: frames are built by this crate from bounded
/// parts, so that is a bug, not input.
pub fn encode_frame(data: &[u8], out: &mut BytesMut) {
    assert!(
        data.len() <= MAX_DATA_LEN,
        "HJ 212 data segment of {} bytes exceeds {MAX_DATA_LEN}",
        data.len()
    );
    out.reserve(HEADER_LEN + data.len() + TRAILER_LEN);
    out.extend_from_slice(b"##");
    out.extend_from_slice(format!("{:04}", data.len()).as_bytes());
    out.extend_from_slice(data);
    out.extend_from_slice(&crc16_hex(data));
    out.extend_from_slice(b"\r\n");
}

/// `data` framed for the wire, as text.
pub fn frame_to_string(data: &str) -> String {
    let mut out = BytesMut::new();
    encode_frame(data.as_bytes(), &mut out);
    // Framing adds only ASCII to UTF-8 text.
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(
        decoder: &mut FrameDecoder,
        buf: &mut BytesMut,
    ) -> Vec<Result<String, FrameError>> {
        let mut out = Vec::new();
        while let Some(item) = decoder.decode_frame(buf) {
            out.push(item.map(|frame| String::from_utf8(frame.data.to_vec()).unwrap()));
        }
        out
    }

    const DATA: &str = "QN=20260601081500123;ST=22;CN=2051;PW=123456;MN=88888880000001;Flag=5;CP=&&DataTime=20260601081400;a21002-Avg=212.4,a21002-Flag=N&&";

    #[test]
    fn several_frames_in_one_read_and_garbage_between_them() {
        let frame = frame_to_string(DATA);
        let mut buf = BytesMut::from(format!("xx#{frame}\0\0{frame}#").as_bytes());
        let mut decoder = FrameDecoder::new();
        let items = decode_all(&mut decoder, &mut buf);
        assert_eq!(items, vec![Ok(DATA.to_owned()), Ok(DATA.to_owned())]);
        // "xx#" before the first frame and two NULs between: 5 bytes skipped; the trailing
        // '#' is kept, it may start the next frame.
        assert_eq!(decoder.skipped_bytes(), 5);
        assert_eq!(&buf[..], b"#");
    }

    #[test]
    fn a_frame_split_byte_by_byte_is_found_once() {
        let frame = frame_to_string(DATA);
        let mut decoder = FrameDecoder::new();
        let mut buf = BytesMut::new();
        let mut items = Vec::new();
        for byte in frame.bytes() {
            buf.extend_from_slice(&[byte]);
            items.extend(decode_all(&mut decoder, &mut buf));
        }
        assert_eq!(items, vec![Ok(DATA.to_owned())]);
    }

    #[test]
    fn each_bad_frame_is_rejected_by_kind_and_the_next_one_still_decodes() {
        let good = frame_to_string(DATA);
        // Length field not digits.
        let bad_length = "##00x5abc\r\n";
        // Length 10 too long: the announced data segment would take in the CRC and CR LF.
        let too_long = good.replacen(
            &format!("##{:04}", DATA.len()),
            &format!("##{:04}", DATA.len() + 10),
            1,
        );
        // CRC digits changed (the last CRC digit before CR LF).
        let mut bad_crc = good.clone().into_bytes();
        let at = bad_crc.len() - 3;
        bad_crc[at] = if bad_crc[at] == b'0' { b'1' } else { b'0' };
        let bad_crc = String::from_utf8(bad_crc).unwrap();
        // CR LF replaced by "XY".
        let no_crlf = format!("{}XY", &good[..good.len() - 2]);
        let stream = format!("{bad_length}{too_long}{bad_crc}{no_crlf}{good}");
        let mut buf = BytesMut::from(stream.as_bytes());
        let mut decoder = FrameDecoder::new();
        let items = decode_all(&mut decoder, &mut buf);
        let kinds: Vec<&str> = items
            .iter()
            .map(|item| match item {
                Ok(_) => "ok",
                Err(FrameError::BadLength { .. }) => "length",
                Err(FrameError::BadCrc { .. }) => "crc",
                Err(FrameError::MissingTerminator { .. }) => "crlf",
            })
            .collect();
        assert_eq!(kinds, vec!["length", "length", "crc", "crlf", "ok"]);
        assert_eq!(items.last(), Some(&Ok(DATA.to_owned())));
    }

    #[test]
    fn encoding_gives_the_published_frame() {
        // IceCoffee.HJ212 README: `##0285…&&C181\r\n` (285 bytes of data, CRC C181).
        let data = "QN=20190925181031464;ST=22;CN=2061;PW=BF470F88957588DE902D1A52;MN=Z13401000010301;Flag=5;CP=&&DataTime=20190924220000;a34006-Avg=2.69700,a34006-Flag=N;a34007-Avg=7.96600,a34007-Flag=N;a34048-Avg=3.30600,a34048-Flag=N;a34047-Avg=7.35700,a34047-Flag=N;a34049-Avg=10.66300,a34049-Flag=N&&";
        assert_eq!(frame_to_string(data), format!("##0285{data}C181\r\n"));
    }

    #[test]
    fn waiting_for_a_frame_never_holds_more_than_one_frame() {
        let mut decoder = FrameDecoder::new();
        let mut buf = BytesMut::from(&b"##9999"[..]);
        buf.extend_from_slice(&[b'a'; 9000]);
        assert_eq!(decoder.decode_frame(&mut buf), None);
        assert!(buf.len() < MAX_FRAME_LEN);
    }
}
