//! CSV as Excel opens it: UTF-8 with a byte-order mark (without one, Excel
//! reads Chinese as mojibake), CRLF line ends, fields quoted when they hold
//! a comma, a quote or a line break.

use crate::statistics::tables::{Cell, Table};

/// The byte-order mark that tells Excel the file is UTF-8.
pub const BOM: &str = "\u{feff}";

/// One field, quoted when it must be.
pub fn field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) { format!("\"{}\"", text.replace('"', "\"\"")) } else { text.to_string() }
}

/// One line of fields, with its CRLF.
pub fn line<'a>(fields: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = fields.into_iter().map(field).collect::<Vec<_>>().join(",");
    out.push_str("\r\n");
    out
}

/// How a cell is written: counts and days as numbers, percentages with a % sign
/// (Excel reads them as numbers), nothing for a rate with nothing to divide by.
fn cell(c: &Cell) -> String {
    match c {
        Cell::Percent(None) | Cell::Days(None) => String::new(),
        other => other.shown(),
    }
}

/// The whole table as a CSV file, its BOM first.
pub fn table(t: &Table) -> String {
    let mut out = String::from(BOM);
    out.push_str(&line(t.headers.iter().copied()));
    for row in &t.rows {
        let cells: Vec<String> = row.iter().map(cell).collect();
        out.push_str(&line(cells.iter().map(String::as_str)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_only_when_they_must_be() {
        assert_eq!(field("区教育局"), "区教育局");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("two\nlines"), "\"two\nlines\"");
        assert_eq!(line(["a", "b,c"]), "a,\"b,c\"\r\n");
    }

    #[test]
    fn a_table_starts_with_the_bom_and_leaves_empty_rates_blank() {
        let t = Table {
            id: "by_unit",
            title: "承办单位",
            headers: vec!["承办单位", "件数", "办复率"],
            rows: vec![
                vec![Cell::Text("区教育局".into()), Cell::Count(3), Cell::Percent(Some(66.7))],
                vec![Cell::Text("区民政局".into()), Cell::Count(0), Cell::Percent(None)],
            ],
        };
        assert_eq!(table(&t), "\u{feff}承办单位,件数,办复率\r\n区教育局,3,66.7%\r\n区民政局,0,\r\n");
    }
}
