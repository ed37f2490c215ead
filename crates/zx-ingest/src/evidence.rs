//! Evidence files attached to measures: what is accepted is judged from the content, not the
//! name. A file called `验收单.pdf` that is really an executable, or a photo renamed `.xlsx`,
//! is refused — offices forward attachments blindly, and the download link must give the type
//! the content really is.

use thiserror::Error;

mod content;

/// The default upper bound of one evidence file: scans of signed documents and phone photos
/// stay well below; videos do not belong here.
pub const MAX_EVIDENCE_BYTES: usize = 20 * 1024 * 1024;

/// An accepted evidence kind: its media type and the extensions people give it.
struct Kind {
    media_type: &'static str,
    extensions: &'static [&'static str],
}

const ACCEPTED: &[Kind] = &[
    Kind {
        media_type: "application/pdf",
        extensions: &["pdf"],
    },
    Kind {
        media_type: "image/png",
        extensions: &["png"],
    },
    Kind {
        media_type: "image/jpeg",
        extensions: &["jpg", "jpeg"],
    },
    Kind {
        media_type: "image/gif",
        extensions: &["gif"],
    },
    Kind {
        media_type: "image/webp",
        extensions: &["webp"],
    },
    Kind {
        media_type: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        extensions: &["docx"],
    },
    Kind {
        media_type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        extensions: &["xlsx"],
    },
    Kind {
        media_type: "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        extensions: &["pptx"],
    },
    Kind {
        media_type: "application/msword",
        extensions: &["doc"],
    },
    Kind {
        media_type: "application/vnd.ms-excel",
        extensions: &["xls"],
    },
    Kind {
        media_type: "application/vnd.ms-powerpoint",
        extensions: &["ppt"],
    },
];

/// Why an evidence file is refused. Messages name the file and what was found.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EvidenceError {
    #[error("{file}: the file is empty")]
    Empty { file: String },
    #[error("{file}: {size} bytes is over the limit of {limit} bytes")]
    TooLarge {
        file: String,
        size: usize,
        limit: usize,
    },
    #[error(
        "{file}: \"{extension}\" files are not accepted as evidence (PDF, images, Word, Excel, PowerPoint)"
    )]
    Extension { file: String, extension: String },
    #[error("{file}: the content is not a {extension} file ({found})")]
    Mismatch {
        file: String,
        extension: String,
        found: String,
    },
    /// Starts like the declared type but is not one as a whole (a `%PDF` header on something
    /// else, a PNG whose chunks do not check out, a workbook that is not a whole zip).
    #[error("{file}: the content starts as a {extension} file but is not a valid one: {reason}")]
    Malformed {
        file: String,
        extension: String,
        reason: String,
    },
    /// An executable (Windows PE or ELF) inside, wherever it is placed.
    #[error(
        "{file}: contains an executable program ({what} at byte {offset}): not accepted as evidence"
    )]
    Executable {
        file: String,
        what: &'static str,
        offset: usize,
    },
}

impl EvidenceError {
    /// The same message in Chinese, for the web page.
    pub fn message_zh(&self) -> String {
        match self {
            EvidenceError::Empty { file } => format!("{file}：文件为空"),
            EvidenceError::TooLarge { file, size, limit } => {
                format!("{file}：{size} 字节，超过上限 {limit} 字节")
            }
            EvidenceError::Extension { file, extension } => format!(
                "{file}：不接受 “{extension}” 类型的佐证材料（可上传 PDF、图片、Word、Excel、PowerPoint）"
            ),
            EvidenceError::Mismatch {
                file,
                extension,
                found,
            } => format!("{file}：文件内容不是 {extension} 文件（实际为 {found}）"),
            EvidenceError::Malformed {
                file,
                extension,
                reason,
            } => format!(
                "{file}：文件开头像 {extension} 文件，但整体不是有效的 {extension} 文件（{reason}）"
            ),
            EvidenceError::Executable { file, what, offset } => format!(
                "{file}：文件中含有可执行程序（第 {offset} 字节处的 {what}），不能作为佐证材料"
            ),
        }
    }
}

/// The media type of an acceptable evidence file, judged from its content and checked against
/// its extension; or why it is refused.
pub fn check_evidence(
    file_name: &str,
    content: &[u8],
    limit: usize,
) -> Result<&'static str, EvidenceError> {
    let file = file_name.to_owned();
    if content.is_empty() {
        return Err(EvidenceError::Empty { file });
    }
    if content.len() > limit {
        return Err(EvidenceError::TooLarge {
            file,
            size: content.len(),
            limit,
        });
    }
    let extension = file_name
        .rsplit_once('.')
        .map(|(_, ext)| ext.to_lowercase())
        .unwrap_or_default();
    let Some(kind) = ACCEPTED
        .iter()
        .find(|k| k.extensions.contains(&extension.as_str()))
    else {
        return Err(EvidenceError::Extension {
            file,
            extension: if extension.is_empty() {
                "(none)".into()
            } else {
                extension
            },
        });
    };
    let found = infer::get(content).map(|t| t.mime_type());
    if found != Some(kind.media_type) {
        return Err(EvidenceError::Mismatch {
            file,
            extension,
            found: found.unwrap_or("unrecognised content").to_owned(),
        });
    }
    // The first bytes say what the file claims to be; the whole file must bear it out.
    if let Some((what, offset)) = content::find_executable(content) {
        return Err(EvidenceError::Executable { file, what, offset });
    }
    content::check_structure(kind.media_type, content).map_err(|reason| {
        EvidenceError::Malformed {
            file,
            extension,
            reason,
        }
    })?;
    Ok(kind.media_type)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write as _;

    /// A one-page PDF with its cross-reference table at the offset `startxref` names.
    fn pdf() -> Vec<u8> {
        let objects = [
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [] /Count 0 >>",
        ];
        let mut out = b"%PDF-1.7\n".to_vec();
        let mut offsets = Vec::new();
        for (i, body) in objects.iter().enumerate() {
            offsets.push(out.len());
            out.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
        }
        let xref = out.len();
        out.extend_from_slice(b"xref\n0 3\n0000000000 65535 f \n");
        for offset in offsets {
            out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
        }
        out.extend_from_slice(
            format!("trailer\n<< /Size 3 /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n").as_bytes(),
        );
        out
    }

    fn chunk(kind: &[u8], data: &[u8]) -> Vec<u8> {
        let mut crc = crc32fast::Hasher::new();
        crc.update(kind);
        crc.update(data);
        [
            &(data.len() as u32).to_be_bytes()[..],
            kind,
            data,
            &crc.finalize().to_be_bytes(),
        ]
        .concat()
    }

    /// A 1 × 1 PNG: IHDR, one IDAT, IEND, each with its CRC.
    fn png() -> Vec<u8> {
        [
            &b"\x89PNG\r\n\x1a\n"[..],
            &chunk(b"IHDR", b"\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0"),
            &chunk(b"IDAT", b"\x78\x9c\x63\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00"),
            &chunk(b"IEND", b""),
        ]
        .concat()
    }

    /// A JPEG's segments: SOI, APP0, a 2 × 1 baseline frame, a scan with stuffed bytes, EOI.
    fn jpeg() -> Vec<u8> {
        [
            &b"\xFF\xD8"[..],
            b"\xFF\xE0\0\x10JFIF\0\x01\x01\0\0\x01\0\x01\0\0",
            b"\xFF\xC0\0\x0B\x08\0\x01\0\x02\x01\x01\x11\0",
            b"\xFF\xDA\0\x08\x01\x01\0\0\x3F\0",
            b"\x12\xFF\x00\x34\xFF\xD0\x56",
            b"\xFF\xD9",
        ]
        .concat()
    }

    /// A 1 × 1 GIF: header, screen, one image with a two-entry colour table, trailer.
    fn gif() -> Vec<u8> {
        [
            &b"GIF89a\x01\0\x01\0\x80\0\0"[..],
            b"\0\0\0\xFF\xFF\xFF",
            b"\x2C\0\0\0\0\x01\0\x01\0\0",
            b"\x02\x02\x44\x01\0",
            b";",
        ]
        .concat()
    }

    /// A Windows program's first bytes: `MZ`, `e_lfanew` = 0x80, `PE\0\0` there.
    fn windows_program() -> Vec<u8> {
        let mut exe = vec![0u8; 0x100];
        exe[..2].copy_from_slice(b"MZ");
        exe[0x3C..0x40].copy_from_slice(&0x80u32.to_le_bytes());
        exe[0x80..0x84].copy_from_slice(b"PE\0\0");
        exe
    }

    /// An ELF header padded to the length a real one has.
    const ELF: &[u8] = b"\x7FELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x02\0\x3E\0\x01\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0";

    fn xlsx() -> Vec<u8> {
        let mut workbook = rust_xlsxwriter::Workbook::new();
        workbook.add_worksheet().write(0, 0, "证据").unwrap();
        workbook.save_to_buffer().unwrap()
    }

    /// `xlsx()` unpacked and packed again (stored), its content types passed through `types`
    /// and `extra` parts added at the end (deflated): the first parts stay where file sniffing
    /// looks.
    fn repacked(types: impl Fn(String) -> String, extra: &[(&str, &[u8])]) -> Vec<u8> {
        use std::io::Read as _;
        let original = xlsx();
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(&original)).unwrap();
        let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        for index in 0..archive.len() {
            let mut entry = archive.by_index(index).unwrap();
            let name = entry.name().unwrap().into_owned();
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).unwrap();
            if name == "[Content_Types].xml" {
                bytes = types(String::from_utf8(bytes).unwrap()).into_bytes();
            }
            writer.start_file(name, options).unwrap();
            writer.write_all(&bytes).unwrap();
        }
        // Extra parts compressed: what they hold shows only when unpacked.
        let deflated = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, bytes) in extra {
            writer.start_file(*name, deflated).unwrap();
            writer.write_all(bytes).unwrap();
        }
        writer.finish().unwrap().into_inner()
    }

    fn malformed(file: &str, content: &[u8]) -> String {
        match check_evidence(file, content, MAX_EVIDENCE_BYTES) {
            Err(EvidenceError::Malformed { reason, .. }) => reason,
            other => panic!("{file}: {other:?}"),
        }
    }

    #[test]
    fn the_content_decides_and_must_match_the_name() {
        assert_eq!(
            check_evidence("验收单.pdf", &pdf(), 1000),
            Ok("application/pdf")
        );
        assert_eq!(check_evidence("现场.PNG", &png(), 1000), Ok("image/png"));
        assert_eq!(
            check_evidence("photo.jpeg", &jpeg(), 1000),
            Ok("image/jpeg")
        );
        assert_eq!(check_evidence("动图.gif", &gif(), 1000), Ok("image/gif"));
        assert_eq!(
            check_evidence("台账.xlsx", &xlsx(), MAX_EVIDENCE_BYTES),
            Ok("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        );
        // An executable renamed .pdf; a photo renamed .xlsx; text called .pdf.
        assert_eq!(
            check_evidence("验收单.pdf", ELF, 1000),
            Err(EvidenceError::Mismatch {
                file: "验收单.pdf".into(),
                extension: "pdf".into(),
                found: "application/x-executable".into()
            })
        );
        assert_eq!(
            check_evidence("a.xlsx", &png(), 1000)
                .unwrap_err()
                .to_string(),
            "a.xlsx: the content is not a xlsx file (image/png)"
        );
        assert_eq!(
            check_evidence("note.pdf", b"just text", 1000)
                .unwrap_err()
                .to_string(),
            "note.pdf: the content is not a pdf file (unrecognised content)"
        );
    }

    #[test]
    fn an_executable_behind_a_valid_looking_header_is_refused() {
        // `%PDF` and then a Windows program: refused, naming where the program starts.
        let disguised = [&b"%PDF-1.7\n"[..], &windows_program()].concat();
        let error = check_evidence("验收单.pdf", &disguised, 1000).unwrap_err();
        assert_eq!(
            error,
            EvidenceError::Executable {
                file: "验收单.pdf".into(),
                what: "a Windows program (MZ/PE)",
                offset: 9
            }
        );
        assert_eq!(
            error.message_zh(),
            "验收单.pdf：文件中含有可执行程序（第 9 字节处的 a Windows program (MZ/PE)），不能作为佐证材料"
        );
        // A whole, valid PDF with an ELF program appended after its %%EOF.
        let appended = [pdf(), ELF.to_vec()].concat();
        let offset = pdf().len();
        assert!(matches!(
            check_evidence("a.pdf", &appended, 10_000),
            Err(EvidenceError::Executable { what: "an ELF program", offset: o, .. }) if o == offset
        ));
        // A PNG whose chunks check out, then a Windows program after IEND.
        let png_exe = [png(), windows_program()].concat();
        assert!(matches!(
            check_evidence("现场.png", &png_exe, 10_000),
            Err(EvidenceError::Executable { .. })
        ));
        // A workbook with a program stored as one of its parts.
        let exe = windows_program();
        let book = repacked(|types| types, &[("xl/media/setup.bin", &exe)]);
        assert_eq!(
            check_evidence("台账.xlsx", &repacked(|types| types, &[]), 100_000),
            Ok("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        );
        assert_eq!(
            malformed("台账.xlsx", &book),
            "xl/media/setup.bin holds a Windows program (MZ/PE) at byte 0"
        );
    }

    #[test]
    fn a_pdf_must_end_with_its_cross_reference() {
        let good = pdf();
        // A header and anything: no trailer at all.
        assert_eq!(
            malformed("a.pdf", b"%PDF-1.4\n\x00\x01 not a document"),
            "no %%EOF marker at the end"
        );
        // Data after the final %%EOF.
        let trailing = [&good[..], b"payload"].concat();
        assert_eq!(
            malformed("a.pdf", &trailing),
            "data follows the final %%EOF"
        );
        // startxref pointing at the middle of an object.
        let text = String::from_utf8(good.clone()).unwrap();
        let (head, offset) = text.trim_end().rsplit_once("startxref\n").unwrap();
        let offset: usize = offset.trim_end_matches("%%EOF").trim().parse().unwrap();
        let moved = format!("{head}startxref\n{}\n%%EOF\n", offset - 10);
        assert!(
            malformed("a.pdf", moved.as_bytes()).contains("no cross-reference table or stream"),
            "{moved}"
        );
        // No startxref.
        let no_xref = format!("{}%%EOF\n", &text[..offset]);
        assert_eq!(
            malformed("a.pdf", no_xref.as_bytes()),
            "no startxref before %%EOF"
        );
        // A cross-reference stream (PDF 1.5 object streams) is a valid end.
        let head = "%PDF-1.5\n1 0 obj\n<< /Type /Catalog >>\nendobj\n";
        let stream = format!(
            "{head}2 0 obj\n<< /Type /XRef /Size 3 /W [1 2 1] >>\nstream\n\u{1}\0\t\0\nendstream\nendobj\nstartxref\n{}\n%%EOF\n",
            head.len()
        );
        assert_eq!(
            check_evidence("new.pdf", stream.as_bytes(), 10_000),
            Ok("application/pdf")
        );
    }

    #[test]
    fn images_decode_their_chunks_and_segments_to_the_end() {
        // A bit flipped in the IDAT data: its CRC no longer matches.
        let mut bad_crc = png();
        bad_crc[8 + 25 + 9] ^= 1;
        assert_eq!(malformed("a.png", &bad_crc), "chunk IDAT has a wrong CRC");
        let cut = &png()[..png().len() - 12];
        assert_eq!(
            malformed("a.png", cut),
            "the file ends inside a chunk, before IEND"
        );
        let trailing = [png(), b"junk".to_vec()].concat();
        assert_eq!(
            malformed("a.png", &trailing),
            "4 bytes follow the end of the image (IEND)"
        );
        // A zero-width header, with a correct CRC.
        let zero = [
            &b"\x89PNG\r\n\x1a\n"[..],
            &chunk(b"IHDR", b"\0\0\0\0\0\0\0\x01\x08\x02\0\0\0"),
            &chunk(b"IEND", b""),
        ]
        .concat();
        assert_eq!(malformed("a.png", &zero), "the image is 0 × 1");

        let jpeg = jpeg();
        assert_eq!(
            malformed("a.jpg", &jpeg[..jpeg.len() - 2]),
            "the image data ends without an end-of-image marker"
        );
        let no_frame = [&b"\xFF\xD8"[..], b"\xFF\xE0\0\x04ab", b"\xFF\xD9"].concat();
        assert_eq!(
            malformed("a.jpg", &no_frame),
            "no frame header (image dimensions)"
        );
        let gif = gif();
        assert_eq!(
            malformed("a.gif", &gif[..gif.len() - 1]),
            "the file ends inside a block, before the trailer"
        );
    }

    #[test]
    fn office_files_are_whole_zips_of_their_declared_type() {
        let book = xlsx();
        assert!(
            malformed("a.xlsx", &book[..book.len() / 2]).starts_with("not a whole zip archive")
        );
        // A macro-enabled workbook renamed .xlsx.
        let macro_book = repacked(
            |types| {
                types.replace(
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                    "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
                )
            },
            &[],
        );
        assert_eq!(
            malformed("a.xlsx", &macro_book),
            "[Content_Types].xml does not declare application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
        );
    }

    #[test]
    fn size_emptiness_and_extension_are_checked_first() {
        assert_eq!(
            check_evidence("big.pdf", &pdf(), 10),
            Err(EvidenceError::TooLarge {
                file: "big.pdf".into(),
                size: pdf().len(),
                limit: 10
            })
        );
        assert_eq!(
            check_evidence("empty.pdf", b"", 10),
            Err(EvidenceError::Empty {
                file: "empty.pdf".into()
            })
        );
        let exe = check_evidence("setup.exe", ELF, 1000).unwrap_err();
        assert_eq!(
            exe.to_string(),
            "setup.exe: \"exe\" files are not accepted as evidence (PDF, images, Word, Excel, PowerPoint)"
        );
        assert_eq!(
            exe.message_zh(),
            "setup.exe：不接受 “exe” 类型的佐证材料（可上传 PDF、图片、Word、Excel、PowerPoint）"
        );
        assert!(matches!(
            check_evidence("README", &pdf(), 1000),
            Err(EvidenceError::Extension { .. })
        ));
    }
}
