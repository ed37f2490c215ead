//! Evidence files attached to measures: what is accepted is judged from the content, not the
//! name. A file called `验收单.pdf` that is really an executable, or a photo renamed `.xlsx`,
//! is refused — offices forward attachments blindly, and the download link must give the type
//! the content really is.

use thiserror::Error;

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
    if found == Some(kind.media_type) {
        return Ok(kind.media_type);
    }
    Err(EvidenceError::Mismatch {
        file,
        extension,
        found: found.unwrap_or("unrecognised content").to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PDF: &[u8] = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n";
    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0";
    const JPEG: &[u8] = b"\xFF\xD8\xFF\xE0\0\x10JFIF\0\x01";
    /// An ELF header padded to the length a real one has.
    const ELF: &[u8] = b"\x7FELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x02\0\x3E\0\x01\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0";

    fn xlsx() -> Vec<u8> {
        let mut workbook = rust_xlsxwriter::Workbook::new();
        workbook.add_worksheet().write(0, 0, "证据").unwrap();
        workbook.save_to_buffer().unwrap()
    }

    #[test]
    fn the_content_decides_and_must_match_the_name() {
        assert_eq!(
            check_evidence("验收单.pdf", PDF, 1000),
            Ok("application/pdf")
        );
        assert_eq!(check_evidence("现场.PNG", PNG, 1000), Ok("image/png"));
        assert_eq!(check_evidence("photo.jpeg", JPEG, 1000), Ok("image/jpeg"));
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
            check_evidence("a.xlsx", PNG, 1000).unwrap_err().to_string(),
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
    fn size_emptiness_and_extension_are_checked_first() {
        assert_eq!(
            check_evidence("big.pdf", PDF, 10),
            Err(EvidenceError::TooLarge {
                file: "big.pdf".into(),
                size: PDF.len(),
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
            check_evidence("README", PDF, 1000),
            Err(EvidenceError::Extension { .. })
        ));
    }
}
