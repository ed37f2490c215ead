//! Whole-file checks behind [`super::check_evidence`]: the first bytes only say what a file
//! claims to be (`%PDF` followed by an executable passed as a PDF), so each accepted kind is
//! walked far enough to know it is one: a PDF's trailer and cross-reference, every PNG chunk and
//! its CRC, JPEG segments to the end of the image, GIF blocks to the trailer, the RIFF size of a
//! WebP, an Office file's whole zip (every entry's CRC) and its main content type. An executable
//! (a Windows PE or an ELF program) anywhere in the bytes, or inside an Office file's parts, is
//! refused whatever surrounds it. Hand-written and small on purpose: a full PDF parser (lopdf)
//! would add a dependency tree to answer "is this structurally a PDF".

use std::io::Read;

/// Most bytes an Office file may unpack to: a zip bomb stops here, real documents are far below.
const MAX_UNPACKED_BYTES: u64 = 200 * 1024 * 1024;

/// The first executable header in `content`: a DOS `MZ` stub whose `e_lfanew` points at a `PE`
/// signature, or an ELF identification with a valid class, byte order, version and type. Both
/// need several fields to agree, so compressed data does not trip them by chance.
pub(super) fn find_executable(content: &[u8]) -> Option<(&'static str, usize)> {
    (0..content.len()).find_map(|at| {
        let rest = &content[at..];
        if rest.starts_with(b"MZ") && is_pe(content, at) {
            Some(("a Windows program (MZ/PE)", at))
        } else if rest.starts_with(b"\x7FELF") && is_elf(rest) {
            Some(("an ELF program", at))
        } else {
            None
        }
    })
}

fn is_pe(content: &[u8], at: usize) -> bool {
    let Some(pointer) = content.get(at + 0x3C..at + 0x40) else {
        return false;
    };
    let e_lfanew = u32::from_le_bytes([pointer[0], pointer[1], pointer[2], pointer[3]]) as usize;
    (0x40..=0x10000).contains(&e_lfanew)
        && content.get(at + e_lfanew..at + e_lfanew + 4) == Some(b"PE\0\0")
}

fn is_elf(rest: &[u8]) -> bool {
    let Some(header) = rest.get(..24) else {
        return false;
    };
    let (class, data, version) = (header[4], header[5], header[6]);
    let e_type = match data {
        1 => u16::from_le_bytes([header[16], header[17]]),
        2 => u16::from_be_bytes([header[16], header[17]]),
        _ => return false,
    };
    let e_version = match data {
        1 => u32::from_le_bytes([header[20], header[21], header[22], header[23]]),
        _ => u32::from_be_bytes([header[20], header[21], header[22], header[23]]),
    };
    matches!(class, 1 | 2) && version == 1 && (1..=4).contains(&e_type) && e_version == 1
}

/// Whether `content`, whose first bytes announce `media_type`, is one as a whole; the reason
/// it is not, for the message.
pub(super) fn check_structure(media_type: &str, content: &[u8]) -> Result<(), String> {
    match media_type {
        "application/pdf" => pdf(content),
        "image/png" => png(content),
        "image/jpeg" => jpeg(content),
        "image/gif" => gif(content),
        "image/webp" => webp(content),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document" => ooxml(
            content,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        ),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => ooxml(
            content,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        ),
        "application/vnd.openxmlformats-officedocument.presentationml.presentation" => ooxml(
            content,
            "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
        ),
        "application/msword" | "application/vnd.ms-excel" | "application/vnd.ms-powerpoint" => {
            compound_file(content)
        }
        _ => Ok(()),
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn rfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}

fn skip_whitespace(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    &bytes[start..]
}

/// Leading ASCII digits as a number, and what follows them.
fn leading_number(bytes: &[u8]) -> Option<(usize, &[u8])> {
    let digits = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
    let number = std::str::from_utf8(&bytes[..digits]).ok()?.parse().ok()?;
    Some((number, &bytes[digits..]))
}

/// A PDF ends with `startxref`, the byte offset of the last cross-reference section, and
/// `%%EOF` (ISO 32000-1 §7.5.5); the offset must lead to an `xref` table followed by a
/// `trailer`, or to a cross-reference stream object (`/Type /XRef`).
fn pdf(content: &[u8]) -> Result<(), String> {
    let header = content.get(..8).unwrap_or(content);
    if !(header.starts_with(b"%PDF-") && header.len() == 8 && header[6] == b'.') {
        return Err("no %PDF-n.n header".into());
    }
    let tail_start = content.len().saturating_sub(2048);
    let tail = &content[tail_start..];
    let eof = rfind(tail, b"%%EOF").ok_or("no %%EOF marker at the end")?;
    if !tail[eof + 5..]
        .iter()
        .all(|b| b.is_ascii_whitespace() || *b == 0)
    {
        return Err("data follows the final %%EOF".into());
    }
    let startxref = rfind(&tail[..eof], b"startxref").ok_or("no startxref before %%EOF")?;
    let (offset, _) = leading_number(skip_whitespace(&tail[startxref + 9..eof]))
        .ok_or("startxref is not followed by a byte offset")?;
    let startxref_at = tail_start + startxref;
    if offset >= startxref_at {
        return Err(format!(
            "startxref names byte {offset}, past the table it should point at"
        ));
    }
    let section = skip_whitespace(&content[offset..startxref_at]);
    if section.starts_with(b"xref") {
        return find(section, b"trailer")
            .map(|_| ())
            .ok_or_else(|| "the cross-reference table has no trailer".into());
    }
    // `N G obj` holding a cross-reference stream.
    let is_object = leading_number(section)
        .and_then(|(_, rest)| leading_number(skip_whitespace(rest)))
        .is_some_and(|(_, rest)| skip_whitespace(rest).starts_with(b"obj"));
    let dictionary = &section[..section.len().min(4096)];
    if is_object && find(dictionary, b"/XRef").is_some() {
        return Ok(());
    }
    Err(format!(
        "startxref names byte {offset}, which is no cross-reference table or stream"
    ))
}

/// Every chunk of a PNG (length, type, data, CRC over type and data) from `IHDR` to `IEND`,
/// nothing after it; the header's width and height not zero; at least one `IDAT`.
fn png(content: &[u8]) -> Result<(), String> {
    let mut rest = content
        .strip_prefix(b"\x89PNG\r\n\x1a\n")
        .ok_or("no PNG signature")?;
    let mut first = true;
    let mut image_data = false;
    loop {
        if rest.len() < 12 {
            return Err("the file ends inside a chunk, before IEND".into());
        }
        let length = u32::from_be_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
        let kind = &rest[4..8];
        let Some(data) = rest.get(8..8 + length) else {
            return Err(format!(
                "chunk {} claims {length} bytes, more than the file holds",
                String::from_utf8_lossy(kind)
            ));
        };
        let Some(stored) = rest.get(8 + length..12 + length) else {
            return Err("the file ends before a chunk's CRC".into());
        };
        let mut crc = crc32fast::Hasher::new();
        crc.update(kind);
        crc.update(data);
        if crc.finalize().to_be_bytes() != stored {
            return Err(format!(
                "chunk {} has a wrong CRC",
                String::from_utf8_lossy(kind)
            ));
        }
        if first {
            if kind != b"IHDR" || length != 13 {
                return Err("the first chunk is not a 13-byte IHDR".into());
            }
            let width = u32::from_be_bytes([data[0], data[1], data[2], data[3]]);
            let height = u32::from_be_bytes([data[4], data[5], data[6], data[7]]);
            if width == 0 || height == 0 {
                return Err(format!("the image is {width} × {height}"));
            }
            first = false;
        }
        image_data |= kind == b"IDAT";
        rest = &rest[12 + length..];
        if kind == b"IEND" {
            break;
        }
    }
    if !image_data {
        return Err("no image data (IDAT)".into());
    }
    if !rest.is_empty() {
        return Err(format!(
            "{} bytes follow the end of the image (IEND)",
            rest.len()
        ));
    }
    Ok(())
}

/// JPEG segments from SOI: each marker's length within the file, a frame header (SOFn) with a
/// non-zero width before the scan, entropy-coded data up to the next marker, and EOI. Bytes
/// after EOI are tolerated (phones append previews and motion clips there); executables there
/// are caught by [`find_executable`].
fn jpeg(content: &[u8]) -> Result<(), String> {
    let mut at = 2;
    if !content.starts_with(b"\xFF\xD8") {
        return Err("no JPEG start-of-image marker".into());
    }
    let mut frame = false;
    loop {
        // Fill bytes (0xFF) may precede a marker.
        while content.get(at) == Some(&0xFF) && content.get(at + 1) == Some(&0xFF) {
            at += 1;
        }
        let (Some(&0xFF), Some(&marker)) = (content.get(at), content.get(at + 1)) else {
            return Err(format!(
                "no marker at byte {at}, before the end of the image"
            ));
        };
        at += 2;
        match marker {
            0xD9 => break,
            0x01 | 0xD0..=0xD7 => continue,
            _ => {}
        }
        let Some(length) = content
            .get(at..at + 2)
            .map(|b| u16::from_be_bytes([b[0], b[1]]) as usize)
        else {
            return Err("the file ends inside a segment".into());
        };
        if length < 2 || at + length > content.len() {
            return Err(format!(
                "segment FF{marker:02X} claims {length} bytes, more than the file holds"
            ));
        }
        let segment = &content[at + 2..at + length];
        if matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC) {
            let width = segment.get(3..5).map(|b| u16::from_be_bytes([b[0], b[1]]));
            if width.is_none_or(|w| w == 0) {
                return Err("the frame header gives no width".into());
            }
            frame = true;
        }
        at += length;
        if marker == 0xDA {
            if !frame {
                return Err("a scan before any frame header".into());
            }
            // Entropy-coded data: up to a marker that is not a stuffed 0xFF00 or a restart.
            loop {
                let Some(next) = content[at..].iter().position(|&b| b == 0xFF) else {
                    return Err("the image data ends without an end-of-image marker".into());
                };
                at += next;
                match content.get(at + 1) {
                    Some(0x00 | 0xD0..=0xD7 | 0xFF) => at += 1,
                    Some(_) => break,
                    None => {
                        return Err("the image data ends without an end-of-image marker".into());
                    }
                }
            }
        }
    }
    if !frame {
        return Err("no frame header (image dimensions)".into());
    }
    Ok(())
}

/// GIF: header, logical screen with non-zero size, colour table, then extension and image
/// blocks (each made of length-prefixed sub-blocks) to the trailer `;`.
fn gif(content: &[u8]) -> Result<(), String> {
    let short = || "the file ends inside a block, before the trailer".to_owned();
    let screen = content.get(6..13).ok_or_else(short)?;
    let (width, height) = (
        u16::from_le_bytes([screen[0], screen[1]]),
        u16::from_le_bytes([screen[2], screen[3]]),
    );
    if width == 0 || height == 0 {
        return Err(format!("the image is {width} × {height}"));
    }
    let table = |flags: u8| {
        if flags & 0x80 != 0 {
            3 << ((flags & 0x07) + 1)
        } else {
            0
        }
    };
    let mut at = 13 + table(screen[4]);
    let sub_blocks = |mut at: usize| -> Result<usize, String> {
        loop {
            let size = *content.get(at).ok_or_else(short)? as usize;
            at += 1 + size;
            if size == 0 {
                return Ok(at);
            }
        }
    };
    let mut image = false;
    loop {
        match content.get(at) {
            Some(0x3B) => break,
            Some(0x21) => at = sub_blocks(at + 2)?,
            Some(0x2C) => {
                let descriptor = content.get(at + 1..at + 10).ok_or_else(short)?;
                at = sub_blocks(at + 10 + table(descriptor[8]) + 1)?;
                image = true;
            }
            Some(other) => return Err(format!("unknown block 0x{other:02X} at byte {at}")),
            None => return Err(short()),
        }
    }
    if !image {
        return Err("no image in the file".into());
    }
    Ok(())
}

/// WebP: a RIFF container whose size is the file's, holding a VP8, VP8L or VP8X chunk.
fn webp(content: &[u8]) -> Result<(), String> {
    let size = content
        .get(4..8)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
        .ok_or("no RIFF header")?;
    if size + 8 != content.len() && size + 9 != content.len() {
        return Err(format!(
            "the RIFF header says {} bytes, the file has {}",
            size + 8,
            content.len()
        ));
    }
    match content.get(12..16) {
        Some(b"VP8 " | b"VP8L" | b"VP8X") => Ok(()),
        _ => Err("no VP8, VP8L or VP8X chunk".into()),
    }
}

/// An Office Open XML file: a zip whose every entry unpacks with a matching CRC (within
/// [`MAX_UNPACKED_BYTES`] in all), none an executable, and whose `[Content_Types].xml` names
/// the declared document type (a macro-enabled workbook renamed `.xlsx` is refused).
fn ooxml(content: &[u8], main_type: &str) -> Result<(), String> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(content))
        .map_err(|e| format!("not a whole zip archive ({e})"))?;
    let mut unpacked: u64 = 0;
    let mut content_types = None;
    for index in 0..archive.len() {
        let mut entry = archive
            .by_index(index)
            .map_err(|e| format!("zip entry {index}: {e}"))?;
        let name = String::from_utf8_lossy(entry.name_raw()).into_owned();
        let mut bytes = Vec::new();
        (&mut entry)
            .take(MAX_UNPACKED_BYTES.saturating_sub(unpacked) + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| format!("{name} cannot be unpacked ({e})"))?;
        unpacked += bytes.len() as u64;
        if unpacked > MAX_UNPACKED_BYTES {
            return Err(format!(
                "unpacks to more than {} MB",
                MAX_UNPACKED_BYTES / 1024 / 1024
            ));
        }
        if let Some((what, offset)) = find_executable(&bytes) {
            return Err(format!("{name} holds {what} at byte {offset}"));
        }
        if name == "[Content_Types].xml" {
            content_types = Some(bytes);
        }
    }
    let types = content_types.ok_or("no [Content_Types].xml")?;
    if find(&types, main_type.as_bytes()).is_none() {
        return Err(format!("[Content_Types].xml does not declare {main_type}"));
    }
    Ok(())
}

/// An old binary Office file (OLE compound file): a header with the little-endian byte order
/// mark and a sector size of 512 or 4096 bytes, and whole sectors after it.
fn compound_file(content: &[u8]) -> Result<(), String> {
    let header = content
        .get(..512)
        .ok_or("shorter than a compound file header")?;
    if header[28..30] != [0xFE, 0xFF] {
        return Err("the compound file header has no byte order mark".into());
    }
    let sector = match (u16::from_le_bytes([header[26], header[27]]), header[30]) {
        (3, 9) => 512,
        (4, 12) => 4096,
        (version, shift) => {
            return Err(format!(
                "compound file version {version} with sector shift {shift}"
            ));
        }
    };
    if content.len() < sector * 2 {
        return Err("no sector after the header".into());
    }
    Ok(())
}
