//! 提案汇总表 as files: CSV (UTF-8 with a byte-order mark) and an Excel
//! workbook, written a chunk of lines at a time. The workbook's sheet keeps
//! its rows in a temporary file until it is saved (constant memory), so an
//! export of 100,000 proposals never holds them all.

use std::io::Write;

use rust_xlsxwriter::Workbook;

use super::stream::{FileWriter, ToAnswer, abandoned};
use super::workbook::{Formats, failed, header_row};
use crate::auth::AuthUser;
use crate::db::DbConn;
use crate::error::AppError;
use crate::proposals::reads::ProposalQuery;
use crate::proposals::summary_table::{HEADERS, Line, for_each_chunk};
use crate::state::AppState;

/// The 汇总表 of what `user` may see that `query` keeps, as CSV.
pub fn csv(user: AuthUser, query: ProposalQuery) -> impl FileWriter {
    move |conn: &mut DbConn, out: &mut ToAnswer, state: &AppState| {
        out.write_all(csv_head().as_bytes()).map_err(abandoned)?;
        for_each_chunk(conn, &user, &query, state.clock.now(), &state.settings.workflow, |lines| {
            out.write_all(csv_lines(&lines).as_bytes()).map_err(abandoned)
        })
    }
}

/// The same as an Excel workbook.
pub fn xlsx(user: AuthUser, query: ProposalQuery) -> impl FileWriter {
    move |conn: &mut DbConn, out: &mut ToAnswer, state: &AppState| {
        let mut sheet = Sheet::new()?;
        for_each_chunk(conn, &user, &query, state.clock.now(), &state.settings.workflow, |lines| sheet.add(&lines))?;
        sheet.finish(out)
    }
}

/// The CSV file's beginning: the byte-order mark and the header line.
pub fn csv_head() -> String {
    format!("{}{}", super::csv::BOM, super::csv::line(HEADERS))
}

/// Lines as CSV.
pub fn csv_lines(lines: &[Line]) -> String {
    lines.iter().map(|l| super::csv::line(l.iter().map(String::as_str))).collect()
}

/// The workbook being written: one sheet, 汇总表.
pub struct Sheet {
    book: Workbook,
    next_row: u32,
}

impl Sheet {
    pub fn new() -> Result<Sheet, AppError> {
        let mut book = Workbook::new();
        let sheet = book.add_worksheet_with_constant_memory().map_err(failed)?;
        sheet.set_name("汇总表").map_err(failed)?;
        header_row(sheet, &HEADERS, &Formats::new()).map_err(failed)?;
        Ok(Sheet { book, next_row: 1 })
    }

    /// Adds `lines` below the ones written (序号 as a number, the rest as text).
    pub fn add(&mut self, lines: &[Line]) -> Result<(), AppError> {
        let sheet = self.book.worksheet_from_index(0).map_err(failed)?;
        for line in lines {
            for (col, value) in line.iter().enumerate() {
                let col = u16::try_from(col).unwrap_or(u16::MAX);
                match value.parse::<f64>() {
                    Ok(n) if col == 0 => sheet.write_number(self.next_row, col, n).map_err(failed)?,
                    _ => sheet.write_string(self.next_row, col, value).map_err(failed)?,
                };
            }
            self.next_row += 1;
        }
        Ok(())
    }

    /// Writes the .xlsx file to `out`.
    pub fn finish(mut self, out: impl Write + Send) -> Result<(), AppError> {
        self.book.save_to_writer(out).map_err(failed)
    }
}
