//! Which encoding a text file is in: UTF-8, UTF-16 or GBK, decided from the whole file, and
//! the physical lines of its bytes (LF, CRLF and CR-only ends) for messages that name a line.

use crate::issue::{Draft, IssueCode, Loc, Place};

/// Decodes a text file: UTF-8 (BOM or not), UTF-16 with a BOM (or plainly ASCII-shaped without),
/// else GB18030/GBK when that decodes without a single error and no line speaks for UTF-8.
///
/// A file that is not wholly UTF-8 but has a line that is UTF-8 (and could not be GB2312
/// Chinese, see [`utf8_line`]) is a UTF-8 file with some lines in another encoding (pasted from
/// a GBK, Big5 or Latin-1 file): read as GBK it would import its Chinese as mojibake
/// (鍚堟垚鐢电珯), so it is refused naming the first line that is not UTF-8. The error names
/// the line and the byte.
pub(crate) fn decode(bytes: &[u8]) -> Result<(String, &'static str), Box<(Loc, Draft)>> {
    let unreadable = || {
        Box::new((
            Loc::file(),
            Draft::new(
                IssueCode::UnreadableEncoding,
                "file is not UTF-8 or GBK text; save it as UTF-8 CSV",
                "文件编码既不是 UTF-8 也不是 GBK：请在 Excel 中另存为“CSV UTF-8（逗号分隔）”格式",
            ),
        ))
    };
    let utf16 = |encoding: &'static encoding_rs::Encoding, body: &[u8]| {
        encoding
            .decode_without_bom_handling_and_without_replacement(body)
            .map(|text| (text.into_owned(), "UTF-16"))
            .ok_or_else(unreadable)
    };
    if let Some(body) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return std::str::from_utf8(body)
            .map(|text| (text.to_owned(), "UTF-8"))
            .map_err(|e| {
                not_utf8(
                    bytes,
                    3 + e.valid_up_to(),
                    "the file starts with the UTF-8 byte-order mark",
                    "文件开头带有 UTF-8 标记（BOM）",
                )
            });
    }
    if let Some(body) = bytes.strip_prefix(b"\xFF\xFE") {
        return utf16(encoding_rs::UTF_16LE, body);
    }
    if let Some(body) = bytes.strip_prefix(b"\xFE\xFF") {
        return utf16(encoding_rs::UTF_16BE, body);
    }
    // UTF-16 without a BOM: an ASCII header has every other byte zero.
    if bytes.len() >= 4 && bytes.len().is_multiple_of(2) {
        if bytes[0] != 0 && bytes[1] == 0 && bytes[2] != 0 && bytes[3] == 0 {
            return utf16(encoding_rs::UTF_16LE, bytes);
        }
        if bytes[0] == 0 && bytes[1] != 0 && bytes[2] == 0 && bytes[3] != 0 {
            return utf16(encoding_rs::UTF_16BE, bytes);
        }
    }
    let invalid_at = match std::str::from_utf8(bytes) {
        Ok(text) => return Ok((text.to_owned(), "UTF-8")),
        Err(e) => e.valid_up_to(),
    };
    let ends = line_ends(bytes);
    if let Some(line) = lines_of(bytes, &ends).position(utf8_line) {
        let (en, zh) = (
            format!("line {} is UTF-8", line + 1),
            format!("第 {} 行为 UTF-8 编码", line + 1),
        );
        return Err(not_utf8(bytes, invalid_at, &en, &zh));
    }
    match gbk_error_at(bytes) {
        None => encoding_rs::GB18030
            .decode_without_bom_handling_and_without_replacement(bytes)
            .map(|text| (text.into_owned(), "GBK"))
            .ok_or_else(unreadable),
        Some(at) => {
            let byte = bytes.get(at).copied().unwrap_or_default();
            let line = line_of(&ends, at);
            Err(Box::new((
                Loc {
                    place: Place::Line(line),
                    key: (0, line, 0),
                },
                Draft::new(
                    IssueCode::UnreadableEncoding,
                    format!(
                        "byte 0x{byte:02X} at offset {at} of the file is neither UTF-8 nor GBK text: save the file as UTF-8 CSV"
                    ),
                    format!(
                        "文件第 {at} 字节处（从 0 起算）的 0x{byte:02X} 既不是 UTF-8 也不是 GBK 编码：请在 Excel 中另存为“CSV UTF-8（逗号分隔）”格式"
                    ),
                ),
            )))
        }
    }
}

/// The error for a UTF-8 file whose byte at `at` is not UTF-8; `why` says why the file is taken
/// to be UTF-8.
fn not_utf8(bytes: &[u8], at: usize, why: &str, why_zh: &str) -> Box<(Loc, Draft)> {
    let line = line_of(&line_ends(bytes), at);
    let byte = bytes.get(at).copied().unwrap_or_default();
    Box::new((
        Loc {
            place: Place::Line(line),
            key: (0, line, 0),
        },
        Draft::new(
            IssueCode::UnreadableEncoding,
            format!(
                "line is not UTF-8 (byte 0x{byte:02X} at offset {at} of the file), though {why}: it was probably pasted from a file in another encoding (GBK, Big5, Latin-1); type the line again, or save the whole file as UTF-8 CSV"
            ),
            format!(
                "本行不是 UTF-8 编码（文件第 {at} 字节处（从 0 起算）为 0x{byte:02X}），而{why_zh}：该行可能是从其他编码（GBK、Big5、Latin-1）的文件粘贴而来；请重新输入该行，或将整个文件另存为“CSV UTF-8（逗号分隔）”格式"
            ),
        ),
    ))
}

/// Whether a line speaks for UTF-8: it is valid UTF-8 with a multi-byte character, and it has a
/// byte from 0x80 to 0xA0. Such a byte is a UTF-8 continuation byte (every Chinese character in
/// UTF-8 has two, each in 0x80–0xBF) but never part of GB2312 Chinese, whose bytes are all
/// 0xA1–0xFE: a GBK file's lines almost never pass, a UTF-8 file with Chinese almost always does.
fn utf8_line(line: &[u8]) -> bool {
    line.iter().any(|b| (0x80..=0xA0).contains(b)) && std::str::from_utf8(line).is_ok()
}

/// The offset of the first byte that does not decode as GB18030 (GBK), if any.
fn gbk_error_at(bytes: &[u8]) -> Option<usize> {
    let mut decoder = encoding_rs::GB18030.new_decoder_without_bom_handling();
    let mut out = String::with_capacity(decoder.max_utf8_buffer_length(bytes.len())?);
    let (result, read) = decoder.decode_to_string_without_replacement(bytes, &mut out, true);
    match result {
        encoding_rs::DecoderResult::Malformed(bad, after) => {
            Some(read.saturating_sub(usize::from(bad) + usize::from(after)))
        }
        encoding_rs::DecoderResult::InputEmpty | encoding_rs::DecoderResult::OutputFull => None,
    }
}

/// Offsets of the last byte of each line end: `\n`, the `\n` of `\r\n`, or a lone `\r` (old Mac
/// files and some exports end lines with CR alone: each is a line).
pub(crate) fn line_ends(bytes: &[u8]) -> Vec<usize> {
    bytes
        .iter()
        .enumerate()
        .filter(|&(i, b)| *b == b'\n' || (*b == b'\r' && bytes.get(i + 1) != Some(&b'\n')))
        .map(|(i, _)| i)
        .collect()
}

/// The 1-based line of the byte at `offset` (which is not a line end).
pub(crate) fn line_of(ends: &[usize], offset: usize) -> usize {
    ends.partition_point(|&end| end < offset) + 1
}

/// The file's lines, without their line ends.
fn lines_of<'b>(bytes: &'b [u8], ends: &'b [usize]) -> impl Iterator<Item = &'b [u8]> + 'b {
    let mut start = 0;
    ends.iter()
        .copied()
        .chain(std::iter::once(bytes.len()))
        .map(move |end| {
            let line = bytes.get(start..end).unwrap_or_default();
            start = end + 1;
            line.strip_suffix(b"\r").unwrap_or(line)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_encodings() {
        assert_eq!(decode(b"a,b").unwrap(), ("a,b".into(), "UTF-8"));
        assert_eq!(decode(b"\xEF\xBB\xBFa").unwrap(), ("a".into(), "UTF-8"));
        assert_eq!(decode(b"\xFF\xFEa\0b\0").unwrap(), ("ab".into(), "UTF-16"));
        assert_eq!(decode(b"\xFE\xFF\0a\0b").unwrap(), ("ab".into(), "UTF-16"));
        assert_eq!(decode(b"a\0b\0").unwrap(), ("ab".into(), "UTF-16"));
        let (gbk, _, _) = encoding_rs::GBK.encode("集团,子公司");
        assert_eq!(decode(&gbk).unwrap(), ("集团,子公司".into(), "GBK"));
        let (_, err) = *decode(b"\xFFabc\x80").unwrap_err();
        assert_eq!(err.code, IssueCode::UnreadableEncoding);
        assert!(decode(b"\xEF\xBB\xBF\xFF").is_err());
    }
}
