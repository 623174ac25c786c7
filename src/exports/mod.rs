//! Files the office downloads and opens in a spreadsheet or a word
//! processor: the statistics as a workbook and as CSV, the annual report as
//! a Word document. Pure translations of what the statistics computed; the
//! pages serve them.

pub mod annual_report;
pub mod csv;
pub mod open_data;
pub mod stream;
pub mod summary;
pub mod workbook;
