//! An import file read into text rows: an Excel workbook's first sheet, or
//! CSV in UTF-8 (with or without a BOM) or GBK, the encoding found from the
//! bytes or given. A row's number is the row a spreadsheet shows (the header
//! is row 1); blank rows are passed over but keep their numbers.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};

use crate::error::{AppError, AppResult};

/// How a CSV file's text is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Gbk,
}

impl Encoding {
    pub fn parse(text: &str) -> Option<Encoding> {
        match text.to_ascii_lowercase().as_str() {
            "utf-8" | "utf8" => Some(Encoding::Utf8),
            "gbk" | "gb2312" | "gb18030" => Some(Encoding::Gbk),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Gbk => "GBK",
        }
    }
}

/// The file's rows as text.
#[derive(Debug, Default)]
pub struct Sheet {
    /// "Excel", "CSV (UTF-8)", "CSV (GBK)"...
    pub format: String,
    pub headers: Vec<String>,
    /// (row number, cells), without blank rows.
    pub rows: Vec<(usize, Vec<String>)>,
}

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Reads `bytes` (a workbook when they are a zip file, CSV otherwise).
pub fn read(bytes: &[u8], encoding: Option<Encoding>) -> AppResult<Sheet> {
    let mut all = if bytes.starts_with(b"PK\x03\x04") { workbook(bytes)? } else { csv(bytes, encoding)? };
    if all.rows.is_empty() {
        return Err(AppError::invalid_field("file", "empty", "文件中没有表头"));
    }
    let (_, headers) = all.rows.remove(0);
    all.headers = headers.into_iter().map(|h| h.trim().to_string()).collect();
    Ok(all)
}

fn workbook(bytes: &[u8]) -> AppResult<Sheet> {
    let unreadable = |e: &dyn std::fmt::Display| {
        AppError::invalid_field("file", "unreadable", format!("无法读取 Excel 文件（{e}）：请另存为 .xlsx 后再试"))
    };
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| unreadable(&e))?;
    let range = match book.worksheet_range_at(0) {
        Some(r) => r.map_err(|e| unreadable(&e))?,
        None => return Err(AppError::invalid_field("file", "empty", "工作簿中没有工作表")),
    };
    // A sheet's used range may start below row 1 or right of column A.
    let (top, left) = range.start().unwrap_or((0, 0));
    let mut rows = Vec::new();
    let mut header_width = 0;
    for (i, row) in range.rows().enumerate() {
        let mut cells: Vec<String> = vec![String::new(); left as usize];
        cells.extend(row.iter().map(cell_text));
        if rows.is_empty() {
            header_width = cells.len();
        }
        cells.truncate(header_width.max(1));
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        rows.push((top as usize + i + 1, cells));
    }
    Ok(Sheet { format: "Excel".into(), headers: Vec::new(), rows })
}

/// A cell as the office typed it: whole numbers without ".0", days as 2025-01-08.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => if *b { "是" } else { "否" }.into(),
        Data::DateTime(d) => match d.as_datetime() {
            Some(at) if at.time() == chrono::NaiveTime::MIN => at.date().to_string(),
            Some(at) => at.to_string(),
            None => d.as_f64().to_string(),
        },
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e}"),
    }
}

fn csv(bytes: &[u8], encoding: Option<Encoding>) -> AppResult<Sheet> {
    let (text, found) = decode(bytes, encoding)?;
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    // The csv reader passes over blank lines; a spreadsheet shows them as rows,
    // so the lines read beyond the record's own are counted back in.
    let mut row = 0usize;
    loop {
        let before = reader.position().line();
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                return Err(AppError::invalid_field(
                    "file",
                    "unreadable",
                    format!("第 {} 行无法按 CSV 读取（{e}）", row + 1),
                ));
            }
        }
        let own_lines = 1 + record.iter().map(|cell| cell.matches('\n').count()).sum::<usize>() as u64;
        let read = reader.position().line().saturating_sub(before);
        row += 1 + read.saturating_sub(own_lines) as usize;
        let cells: Vec<String> = record.iter().map(str::to_string).collect();
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        rows.push((row, cells));
    }
    Ok(Sheet { format: format!("CSV（{}）", found.as_str()), headers: Vec::new(), rows })
}

/// The text of a CSV file: UTF-8 when it says so (a BOM) or reads as UTF-8, GBK otherwise.
fn decode(bytes: &[u8], given: Option<Encoding>) -> AppResult<(String, Encoding)> {
    let bom = bytes.starts_with(UTF8_BOM);
    let body = if bom { &bytes[UTF8_BOM.len()..] } else { bytes };
    let as_utf8 = || std::str::from_utf8(body).map(str::to_string);
    match given {
        Some(Encoding::Utf8) => as_utf8().map(|t| (t, Encoding::Utf8)).map_err(|e| {
            AppError::invalid_field(
                "encoding",
                "not_utf8",
                format!("文件不是 UTF-8 编码（第 {} 个字节起）：请选择 GBK，或让系统自动识别", e.valid_up_to() + 1),
            )
        }),
        Some(Encoding::Gbk) => gbk(body).map(|t| (t, Encoding::Gbk)),
        None if bom => as_utf8().map(|t| (t, Encoding::Utf8)).map_err(|_| {
            AppError::invalid_field("encoding", "not_utf8", "文件以 UTF-8 标记开头，内容却不是 UTF-8 编码")
        }),
        None => match as_utf8() {
            Ok(t) => Ok((t, Encoding::Utf8)),
            Err(_) => gbk(body).map(|t| (t, Encoding::Gbk)).map_err(|_| {
                AppError::invalid_field(
                    "encoding",
                    "unknown",
                    "文件既不是 UTF-8 也不是 GBK 编码：请另存为 UTF-8 的 CSV",
                )
            }),
        },
    }
}

fn gbk(bytes: &[u8]) -> AppResult<String> {
    let (text, had_errors) = encoding_rs::GBK.decode_without_bom_handling(bytes);
    if had_errors {
        return Err(AppError::invalid_field(
            "encoding",
            "not_gbk",
            "文件不是 GBK 编码：请选择 UTF-8，或让系统自动识别",
        ));
    }
    Ok(text.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_with_a_bom_gbk_and_plain_utf8_are_told_apart() {
        let text = "会议,标题\r\n一届一次会议,\"关于加强社区养老服务的建议\"\r\n";
        let mut with_bom = UTF8_BOM.to_vec();
        with_bom.extend_from_slice(text.as_bytes());
        let (gbk_bytes, _, _) = encoding_rs::GBK.encode(text);
        for (bytes, format) in
            [(with_bom, "CSV（UTF-8）"), (text.as_bytes().to_vec(), "CSV（UTF-8）"), (gbk_bytes.to_vec(), "CSV（GBK）")]
        {
            let sheet = read(&bytes, None).expect("readable");
            assert_eq!(sheet.format, format);
            assert_eq!(sheet.headers, ["会议", "标题"]);
            assert_eq!(
                sheet.rows,
                vec![(2, vec!["一届一次会议".to_string(), "关于加强社区养老服务的建议".to_string()])]
            );
        }
    }

    #[test]
    fn a_given_encoding_that_does_not_fit_is_refused() {
        let (gbk_bytes, _, _) = encoding_rs::GBK.encode("会议,标题\n");
        let e = read(&gbk_bytes, Some(Encoding::Utf8)).expect_err("not UTF-8");
        assert!(e.to_string().contains("UTF-8") || format!("{e:?}").contains("not_utf8"));
    }

    #[test]
    fn blank_rows_keep_the_numbers_of_the_rows_after_them() {
        let sheet = read("会议\n\n,\n一届一次会议\n".as_bytes(), None).expect("readable");
        assert_eq!(sheet.rows, vec![(4, vec!["一届一次会议".to_string()])]);
    }

    #[test]
    fn a_cell_over_several_lines_is_one_row_as_in_a_spreadsheet() {
        let text = "会议,标题\r\n一届一次会议,\"第一行\r\n第二行\"\r\n\r\n一届二次会议,乙\r\n";
        let sheet = read(text.as_bytes(), None).expect("readable");
        let numbers: Vec<usize> = sheet.rows.iter().map(|(n, _)| *n).collect();
        assert_eq!(numbers, [2, 4]);
        assert_eq!(sheet.rows[0].1[1], "第一行\r\n第二行");
    }
}
