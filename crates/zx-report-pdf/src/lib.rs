//! The monthly report (`zx_report::Report`) typeset in-process with the `typst` crates: a minimal `World` that knows one source (the
//! report's template, compiled into the binary), one data file (the report as JSON) and the
//! vendored Noto Sans SC fonts. It never reads the disk, the system's fonts or the network, so
//! a fresh machine makes the same PDF byte for byte. typst subsets the fonts it embeds.
#![forbid(unsafe_code)]

use std::sync::LazyLock;

use typst::diag::{FileError, FileResult, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_layout::PagedDocument;

use zx_report::{Report, ReportError};

/// Noto Sans SC (SIL Open Font License 1.1, `fonts/OFL.txt`): regular for text, bold for
/// headings. Both cover Latin as well, so the English report needs no second family.
static FONT_DATA: [&[u8]; 2] = [
    include_bytes!("../fonts/NotoSansSC_400Regular.ttf"),
    include_bytes!("../fonts/NotoSansSC_700Bold.ttf"),
];

/// Parsed once per process: a font is an `Arc` inside, cheap to hand to each compilation.
static FONTS: LazyLock<Vec<Font>> = LazyLock::new(|| {
    FONT_DATA
        .iter()
        .flat_map(|data| Font::iter(Bytes::new(*data)))
        .collect()
});

static LIBRARY: LazyLock<LazyHash<Library>> =
    LazyLock::new(|| LazyHash::new(Library::builder().build()));

static BOOK: LazyLock<LazyHash<FontBook>> =
    LazyLock::new(|| LazyHash::new(FontBook::from_fonts(FONTS.iter())));

const TEMPLATE: &str = include_str!("report.typ");

fn file_id(path: &str) -> FileId {
    let vpath = VirtualPath::new(path).unwrap_or_else(|_| unreachable!("{path} is a valid path"));
    RootedPath::new(VirtualRoot::Project, vpath).intern()
}

struct ReportWorld {
    main: Source,
    data_id: FileId,
    data: Bytes,
}

impl World for ReportWorld {
    fn library(&self) -> &LazyHash<Library> {
        &LIBRARY
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &BOOK
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else {
            Err(FileError::NotFound(id.vpath().get_with_slash().into()))
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.data_id {
            Ok(self.data.clone())
        } else {
            Err(FileError::NotFound(id.vpath().get_with_slash().into()))
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        FONTS.get(index).cloned()
    }

    /// No clock: the report states the date it was made from its data, so the same data makes
    /// the same PDF.
    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        None
    }
}

fn describe(errors: &[SourceDiagnostic]) -> String {
    errors
        .iter()
        .map(|e| e.message.to_string())
        .collect::<Vec<_>>()
        .join("; ")
}

/// The report as an A4 PDF: the template laid out over the report and its labels (JSON).
/// Its type is `zx_report::PdfWriter`.
pub fn pdf(report: &Report) -> Result<Vec<u8>, ReportError> {
    let data = zx_report::template_data(report)?;
    let world = ReportWorld {
        main: Source::new(file_id("/report.typ"), TEMPLATE.to_owned()),
        data_id: file_id("/report.json"),
        data: Bytes::new(data),
    };
    let document: PagedDocument = typst::compile(&world)
        .output
        .map_err(|errors| ReportError::Typeset(describe(&errors)))?;
    let bytes = typst_pdf::pdf(&document, &typst_pdf::PdfOptions::default())
        .map_err(|errors| ReportError::Typeset(describe(&errors)))?;
    // typst memoises layouts across calls; a server making reports now and then keeps no
    // cache of old ones.
    typst::comemo::evict(0);
    Ok(bytes)
}
