//! The Excel fill-in template a subsidiary's clerk fills in and sends back.
//!
//! Its first sheet is exactly the wide data layout [`crate::parse`] reads, so a returned template
//! imports as it is; the second sheet explains how to fill it in, in Chinese then English.

use std::collections::BTreeMap;

use rust_xlsxwriter::{
    Color, DataValidation, Format, FormatAlign, FormatBorder, Workbook, XlsxError,
};
use thiserror::Error;
use zx_domain::catalogue::Unit;
use zx_domain::{Basis, Catalogue, Entity, Fact, Month};

use crate::numbers::to_exact_f64;

/// Name of the sheet holding the figures.
pub const DATA_SHEET: &str = "数据填报";
/// Name of the sheet holding the instructions.
pub const INSTRUCTIONS_SHEET: &str = "说明 Instructions";

/// Why no template could be written.
#[derive(Debug, Error)]
pub enum TemplateError {
    #[error("year {0} is outside 1900–2999")]
    InvalidYear(i32),
    #[error("cannot write the workbook: {0}")]
    Xlsx(#[from] XlsxError),
}

fn unit_label(unit: Unit) -> &'static str {
    match unit {
        Unit::Yuan => "元",
        Unit::Persons => "人",
        Unit::YuanPerPerson => "元/人",
        Unit::Ratio => "比率",
        // Physical quantities are reported as such (吨, MWh, m³), as the pages show them.
        physical => zx_domain::format::unit_label(physical, zx_domain::Lang::Zh),
    }
}

const FIXED: [(&str, f64); 6] = [
    ("entity", 10.0),
    ("item", 22.0),
    ("name_zh", 30.0),
    ("name_en", 36.0),
    ("unit", 7.0),
    ("basis", 8.0),
];

const INSTRUCTIONS_ZH: &[&str] = &[
    "填报说明",
    "1. 在“数据填报”表中，每行是本单位的一个填报项目，每个月份列（YYYY-MM）填写该月的数值；没有数据的月份留空即可，留空的单元格不会导入。",
    "2. 金额单位为元（不是万元），人数单位为人；直接填写数字，不要输入单位、空格或其他文字。负数前加“-”。",
    "3. basis（口径）列：month 表示该月当月数，ytd 表示本年累计数（1 月至该月）。默认为 month；如某行按累计数填报，请将该行改为 ytd。资产、负债等余额项目两种口径含义相同，均填月末余额。",
    "4. 按累计数（ytd）填报时，需有上月的累计数（同一文件中或此前已导入）；1 月的累计数即当月数。",
    "5. 月平均从业人数填该月平均人数；按 ytd 填报时填本年至该月的平均人数。人数不能为负。",
    "6. 不要修改第一行表头、entity 列和 item 列，不要增删列；name_zh、name_en、unit 三列仅供参考，导入时不读取。净资产等计算项目无需填报。",
    "7. 已报送的数据已预先填入，可以原样保留：未改动的数值不算修改，已审核的月份仍为已审核。修改后重新提交，将以新数值为准（原值留有修订记录），该月需总部重新审核。已锁定月份的数值不能修改，原样保留或留空即可。",
    "8. 填好后保存为 .xlsx（或另存为 CSV UTF-8），登录系统网页，在“数据报送”页面上传：先点“仅检查”，无误后点“检查并提交”。如有错误，系统会按单元格（如 H5）逐条列出。（系统管理员也可用命令 zx import 导入同一文件。）",
];

const INSTRUCTIONS_EN: &[&str] = &[
    "How to fill in",
    "1. On the sheet 数据填报, each row is one item your entity reports; fill in each month column (YYYY-MM) with that month's figure. Leave months without data blank: blank cells are not imported.",
    "2. Amounts are in yuan (not 10,000 yuan), headcount in persons. Type plain numbers, without units, spaces or text; negative numbers with a leading '-'.",
    "3. The basis column: month means the month's own amount, ytd the year-to-date cumulative (January to that month). The default is month; switch a row to ytd if you fill it cumulatively. Balances (assets, liabilities) are month-end balances on either basis.",
    "4. A ytd figure needs the previous month's cumulative, in the same file or imported before; January's cumulative is the month itself.",
    "5. Average employees: the month's average headcount; on the ytd basis, the average from January to that month. Headcount cannot be negative.",
    "6. Do not change the header row, the entity and item columns, or add or remove columns; name_zh, name_en and unit are for reference and are not read. Computed items such as net assets are not filled in.",
    "7. Figures already submitted are prefilled and may stay as they are: unchanged figures are not changes, and an approved month stays approved. A changed figure replaces the old one (which stays in the revision history) and the month goes back to HQ for review. Figures of a locked month cannot be changed: leave them as they are, or blank.",
    "8. Save as .xlsx (or as CSV UTF-8), sign in to the web application and upload it on the 数据报送 / Data collection page: first \"Check only\", then \"Check and submit\". Any error is listed with its cell (H5, for example). (An administrator may also import the same file with the command zx import.)",
];

/// Writes the fill-in template for `entity` and `year` with `existing` figures prefilled.
pub(crate) fn write(
    catalogue: &Catalogue,
    entity: &Entity,
    year: i32,
    existing: &[Fact],
) -> Result<Vec<u8>, TemplateError> {
    let january = Month::new(year, 1).map_err(|_| TemplateError::InvalidYear(year))?;
    let months: Vec<Month> = (0..12).filter_map(|i| january.offset(i)).collect();
    // item code → basis → month → value; one template row per item and basis present.
    let mut prefilled: BTreeMap<&str, BTreeMap<u8, BTreeMap<Month, rust_decimal::Decimal>>> =
        BTreeMap::new();
    for fact in existing {
        if fact.entity == entity.code && fact.month.year() == year {
            let basis = match fact.basis {
                Basis::Month => 0,
                Basis::Ytd => 1,
            };
            prefilled
                .entry(fact.item.as_str())
                .or_default()
                .entry(basis)
                .or_default()
                .insert(fact.month, fact.value);
        }
    }

    let mut workbook = Workbook::new();
    let header = Format::new()
        .set_bold()
        .set_background_color(Color::RGB(0xDDEBF7))
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Center);
    let info = Format::new().set_font_color(Color::RGB(0x595959));
    let amount = Format::new().set_num_format("#,##0.00");
    let persons = Format::new().set_num_format("General");
    let text_value = Format::new().set_align(FormatAlign::Right);

    let sheet = workbook.add_worksheet();
    sheet.set_name(DATA_SHEET)?;
    for (col, (name, width)) in FIXED.iter().enumerate() {
        let col = col as u16;
        sheet.write_string_with_format(0, col, *name, &header)?;
        sheet.set_column_width(col, *width)?;
    }
    for (i, month) in months.iter().enumerate() {
        let col = (FIXED.len() + i) as u16;
        sheet.write_string_with_format(0, col, month.to_string(), &header)?;
        sheet.set_column_width(col, 16.0)?;
    }
    let mut row: u32 = 1;
    for (_, item) in catalogue.reported_items() {
        let by_basis = prefilled.get(item.code.as_str());
        // A plant fills in its segment's operating items, not another segment's (a water
        // plant has no tonnes of waste); what it already reported stays, whatever it is.
        if by_basis.is_none() && !item.applies_to(&entity.segment) {
            continue;
        }
        let bases: Vec<(Basis, Option<&BTreeMap<Month, rust_decimal::Decimal>>)> = match by_basis {
            None => vec![(Basis::Month, None)],
            Some(map) => map
                .iter()
                .map(|(b, values)| {
                    let basis = if *b == 0 { Basis::Month } else { Basis::Ytd };
                    (basis, Some(values))
                })
                .collect(),
        };
        for (basis, values) in bases {
            sheet.write_string(row, 0, entity.code.as_str())?;
            sheet.write_string(row, 1, &item.code)?;
            sheet.write_string_with_format(row, 2, &item.name_zh, &info)?;
            sheet.write_string_with_format(row, 3, &item.name_en, &info)?;
            sheet.write_string_with_format(row, 4, unit_label(item.unit), &info)?;
            sheet.write_string(row, 5, basis.as_str())?;
            let format = if item.unit == Unit::Persons {
                &persons
            } else {
                &amount
            };
            for (i, month) in months.iter().enumerate() {
                let col = (FIXED.len() + i) as u16;
                match values.and_then(|v| v.get(month)) {
                    // Exact as a number when a float keeps it, else as text (still exact).
                    Some(value) => match to_exact_f64(*value) {
                        Some(number) => {
                            sheet.write_number_with_format(row, col, number, format)?;
                        }
                        None => {
                            sheet.write_string_with_format(
                                row,
                                col,
                                value.normalize().to_string(),
                                &text_value,
                            )?;
                        }
                    },
                    None => {
                        sheet.write_blank(row, col, format)?;
                    }
                }
            }
            row += 1;
        }
    }
    let last_row = row.saturating_sub(1).max(1);
    let basis_list = DataValidation::new()
        .allow_list_strings(&["month", "ytd"])?
        .set_input_title("口径 basis")?
        .set_input_message("month：当月数 / the month's amount\nytd：本年累计数 / year to date")?;
    sheet.add_data_validation(1, 5, last_row, 5, &basis_list)?;
    // Header row and entity, item and Chinese name stay in view while scrolling the months.
    sheet.set_freeze_panes(1, 3)?;

    let notes = workbook.add_worksheet();
    notes.set_name(INSTRUCTIONS_SHEET)?;
    notes.set_column_width(0, 110.0)?;
    let title = Format::new().set_bold().set_font_size(14);
    let wrap = Format::new().set_text_wrap();
    let mut line: u32 = 0;
    let context = format!(
        "单位 Entity: {} {}    年度 Year: {year}",
        entity.code, entity.name
    );
    notes.write_string_with_format(line, 0, &context, &title)?;
    line += 2;
    for block in [INSTRUCTIONS_ZH, INSTRUCTIONS_EN] {
        for (i, text) in block.iter().enumerate() {
            if i == 0 {
                notes.write_string_with_format(line, 0, *text, &title)?;
            } else {
                notes.write_string_with_format(line, 0, *text, &wrap)?;
            }
            line += 1;
        }
        line += 1;
    }
    Ok(workbook.save_to_buffer()?)
}
