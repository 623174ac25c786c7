//! Lists a page at a time: what a client asks for and what it gets.

use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// Pagination asked for in a query string.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    /// 1-based page number.
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<i64>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<i64>,
}

impl PageQuery {
    pub fn resolve(&self) -> Result<(i64, i64), AppError> {
        let page = self.page.unwrap_or(1);
        let per_page = self.per_page.unwrap_or(20);
        let mut check = crate::validate::Check::new();
        check.range("page", page, 1, 1_000_000).range("per_page", per_page, 1, 100);
        check.finish()?;
        Ok((page, per_page))
    }
}

/// A page of a list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

/// A LIKE pattern finding `text` anywhere, as written: LIKE's own wildcards
/// in it are escaped with `\\` (the queries say `.escape('\\')`).
pub fn contains_pattern(text: &str) -> String {
    format!("%{}%", text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"))
}

#[cfg(test)]
mod like_tests {
    #[test]
    fn wildcards_are_taken_as_written() {
        assert_eq!(super::contains_pattern("a%b_c\\"), "%a\\%b\\_c\\\\%");
    }
}
