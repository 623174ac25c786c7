//! The statistics as an Excel workbook: one sheet per table, Chinese headers
//! in bold on a frozen first row, counts as whole numbers, rates as
//! percentages with one decimal, days with one decimal.

use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use crate::error::AppError;
use crate::statistics::tables::{Cell, Table};

/// The formats every sheet uses.
pub struct Formats {
    pub header: Format,
    pub count: Format,
    pub percent: Format,
    pub days: Format,
}

impl Formats {
    pub fn new() -> Formats {
        Formats {
            header: Format::new().set_bold().set_text_wrap(),
            count: Format::new().set_num_format("0"),
            percent: Format::new().set_num_format("0.0%"),
            days: Format::new().set_num_format("0.0"),
        }
    }
}

impl Default for Formats {
    fn default() -> Self {
        Formats::new()
    }
}

pub fn failed(e: XlsxError) -> AppError {
    AppError::internal(format!("workbook: {e}"))
}

/// Writes `headers` in bold on row 0 and freezes it, with columns wide enough for Chinese headers.
pub fn header_row(sheet: &mut Worksheet, headers: &[&str], f: &Formats) -> Result<(), XlsxError> {
    for (col, h) in headers.iter().enumerate() {
        let col = u16::try_from(col).unwrap_or(u16::MAX);
        sheet.write_string_with_format(0, col, *h, &f.header)?;
        let width = h.chars().count().clamp(6, 24) as f64 * 2.0 + 2.0;
        sheet.set_column_width(col, width)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

fn write_cell(sheet: &mut Worksheet, row: u32, col: u16, cell: &Cell, f: &Formats) -> Result<(), XlsxError> {
    match cell {
        Cell::Text(t) => sheet.write_string(row, col, t).map(|_| ()),
        Cell::Count(n) => sheet.write_number_with_format(row, col, *n as f64, &f.count).map(|_| ()),
        Cell::Percent(Some(p)) => sheet.write_number_with_format(row, col, p / 100.0, &f.percent).map(|_| ()),
        Cell::Days(Some(d)) => sheet.write_number_with_format(row, col, *d, &f.days).map(|_| ()),
        Cell::Percent(None) | Cell::Days(None) => Ok(()),
    }
}

/// Adds one sheet per table to `book`.
pub fn add_tables(book: &mut Workbook, tables: &[Table]) -> Result<(), XlsxError> {
    let f = Formats::new();
    for t in tables {
        let sheet = book.add_worksheet();
        // Sheet names may not hold []:*?/\ nor pass 31 characters; ours are short Chinese words.
        sheet.set_name(t.title)?;
        header_row(sheet, &t.headers, &f)?;
        for (r, cells) in t.rows.iter().enumerate() {
            let row = u32::try_from(r + 1).unwrap_or(u32::MAX);
            for (c, cell) in cells.iter().enumerate() {
                write_cell(sheet, row, u16::try_from(c).unwrap_or(u16::MAX), cell, &f)?;
            }
        }
    }
    Ok(())
}

/// The workbook of `tables`, as the bytes of an .xlsx file.
pub fn of(tables: &[Table]) -> Result<Vec<u8>, AppError> {
    let mut book = Workbook::new();
    add_tables(&mut book, tables).map_err(failed)?;
    book.save_to_buffer().map_err(failed)
}
