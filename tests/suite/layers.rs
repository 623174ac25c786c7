//! The layers point one way: the API holds no database query (it calls the
//! operations outside it), and the domain uses neither the database nor the web.

use std::path::{Path, PathBuf};

fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).expect("a source folder").flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                found.push(path);
            }
        }
    }
    assert!(!found.is_empty(), "no sources under {}", dir.display());
    found
}

/// Every line of the files under `folder` (of src/) that names one of `forbidden`.
fn lines_naming(folder: &str, forbidden: &[&str]) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(folder);
    let mut hits = Vec::new();
    for file in sources(&root) {
        let text = std::fs::read_to_string(&file).expect("a source file");
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            if forbidden.iter().any(|f| code.contains(f)) {
                hits.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
            }
        }
    }
    hits
}

#[test]
fn the_api_queries_no_database() {
    let hits = lines_naming("api", &["diesel", "db::schema", "db::backend_specific", "DbConn"]);
    assert!(hits.is_empty(), "src/api must call operations, not the database:\n{}", hits.join("\n"));
}

#[test]
fn the_pages_query_no_database_and_call_no_json_handler() {
    let hits = lines_naming("web", &["diesel", "db::schema", "db::backend_specific", "DbConn", "crate::api::"]);
    assert!(
        hits.is_empty(),
        "src/web must call operations and reads, not the database or the API:\n{}",
        hits.join("\n")
    );
}

#[test]
fn the_domain_is_pure() {
    let hits = lines_naming("domain", &["diesel", "actix", "crate::db", "crate::api", "std::fs", "std::net"]);
    assert!(hits.is_empty(), "src/domain must stay pure:\n{}", hits.join("\n"));
}

#[test]
fn operations_do_not_call_the_edges() {
    let mut hits = lines_naming("workflow", &["crate::api", "actix_web"]);
    hits.extend(lines_naming("admin", &["crate::api", "actix_web"]));
    hits.extend(lines_naming("proposals", &["crate::api", "actix_web"]));
    assert!(hits.is_empty(), "operations must not use the edges:\n{}", hits.join("\n"));
}
