//! The hazard register as a workbook in the hazards file's own layout (safety.md §7:
//! `entity,id,found,grade,l,e,c,owner,deadline,status`, codes not labels), so a sheet sent
//! round the plants and filled in reads back through `zx safety import` or the import form.
//! A hazard reported on the web has no register number: its `id` is `#` and its number, which
//! the import matches back to it.

use rust_xlsxwriter::{Format, Workbook, XlsxError};
use zx_domain::safety::Score;

use super::HazardView;

/// The header the hazards file kind is recognised by.
pub const HEADER: [&str; 10] = [
    "entity", "id", "found", "grade", "l", "e", "c", "owner", "deadline", "status",
];

/// Writes the rows (one sheet, the header in the first row as the reader requires).
pub fn hazards_workbook(rows: &[HazardView]) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let sheet = workbook.add_worksheet();
    sheet.set_name("hazards")?;
    for (c, h) in HEADER.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    for (i, v) in rows.iter().enumerate() {
        let h = &v.hazard;
        let row = 1 + i as u32;
        sheet.write_string(row, 0, h.entity.as_str())?;
        sheet.write_string(row, 1, h.number())?;
        sheet.write_string(row, 2, h.found.to_string())?;
        sheet.write_string(row, 3, h.grade.code())?;
        // Text, not numbers: 0.5 stays 0.5 whatever Excel's binary doubles would make of it.
        if let Some(Score::Lec(s)) = &h.scores {
            sheet.write_string(row, 4, s.likelihood().to_string())?;
            sheet.write_string(row, 5, s.exposure().to_string())?;
            sheet.write_string(row, 6, s.consequence().to_string())?;
        }
        sheet.write_string(row, 7, &h.owner)?;
        if let Some(deadline) = h.deadline {
            sheet.write_string(row, 8, deadline.to_string())?;
        }
        sheet.write_string(row, 9, h.status.code())?;
    }
    sheet.set_column_width(0, 12)?;
    sheet.set_column_width(9, 22)?;
    workbook.save_to_buffer()
}
