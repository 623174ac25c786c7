//! The OpenAPI document's schemas and error answers: one name per schema, and
//! every operation declares the problems the framework can answer it with.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The schema name of every type in `source` that derives `ToSchema`: the
/// type's own name, or the one given with `#[schema(as = ...)]`.
fn schema_names(source: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = source;
    while let Some(at) = rest.find("#[derive(") {
        rest = &rest[at..];
        let derive_end = rest.find(")]").map_or(rest.len(), |e| e + 2);
        let derives = &rest[..derive_end];
        rest = &rest[derive_end..];
        if !derives.split(|c: char| !(c.is_alphanumeric() || c == '_')).any(|word| word == "ToSchema") {
            continue;
        }
        // The item the attribute belongs to: the first `struct` or `enum` after
        // any further attributes and doc comments.
        let mut renamed = None;
        let mut item = None;
        for line in rest.lines().map(str::trim) {
            if let Some(attr) = line.strip_prefix("#[schema(")
                && let Some(after_as) = attr.split("as = ").nth(1)
            {
                let name: String =
                    after_as.chars().take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':').collect();
                renamed = name.rsplit("::").next().map(str::to_string);
            }
            let words: Vec<&str> = line.split(|c: char| !(c.is_alphanumeric() || c == '_')).collect();
            if let Some(pos) = words.iter().position(|w| *w == "struct" || *w == "enum")
                && let Some(name) = words.get(pos + 1)
            {
                item = Some(name.to_string());
                break;
            }
        }
        if let Some(name) = renamed.or(item) {
            names.push(name);
        }
    }
    names
}

#[test]
fn the_name_finder_sees_derives_in_any_form() {
    let source = "#[derive(Debug, utoipa::ToSchema)]\n/// doc\n#[serde(rename_all = \"snake_case\")]\npub enum Kind { A }\n\
        #[derive(Serialize, ToSchema)]\n#[schema(as = Other)]\npub struct Hidden { x: i32 }\n\
        #[derive(Debug)]\npub struct NotOne;\n";
    assert_eq!(schema_names(source), vec!["Kind".to_string(), "Other".to_string()]);
}

/// utoipa keys component schemas by the bare type name, so two types of one
/// name silently document each other's fields.
#[test]
fn no_two_schema_types_share_a_name() {
    let mut files = Vec::new();
    rust_files(Path::new("src"), &mut files);
    let mut seen: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for file in &files {
        let source = std::fs::read_to_string(file).expect("read source");
        for name in schema_names(&source) {
            seen.entry(name).or_default().push(file.display().to_string());
        }
    }
    assert!(seen.len() > 30, "the walk found too few schema types: {seen:?}");
    let shared: Vec<String> = seen
        .iter()
        .filter(|(_, files)| files.len() > 1)
        .map(|(name, files)| format!("{name}: {}", files.join(", ")))
        .collect();
    assert!(shared.is_empty(), "schema names used by more than one type: {shared:?}");
}

fn document() -> Value {
    serde_json::to_value(proposal_desk::openapi_document()).expect("json")
}

fn schema_of(doc: &Value, reference: &Value) -> Value {
    let name = reference["$ref"].as_str().and_then(|r| r.rsplit('/').next()).expect("a $ref");
    doc["components"]["schemas"][name].clone()
}

#[test]
fn units_are_documented_with_the_units_fields() {
    let doc = document();
    let created =
        &doc["paths"]["/api/admin/units"]["post"]["responses"]["201"]["content"]["application/json"]["schema"];
    let unit = schema_of(&doc, created);
    for field in ["id", "code", "name", "active", "version"] {
        assert!(unit["properties"][field].is_object(), "a unit has {field}: {unit}");
    }
    assert!(unit["properties"]["unit_id"].is_null(), "a unit is not a statistics row: {unit}");
}

/// Each operation's answers as (status, response object).
fn operations(doc: &Value) -> Vec<(String, &Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            out.push((format!("{} {path}", method.to_uppercase()), op));
        }
    }
    out
}

fn assert_problem_answer(doc: &Value, name: &str, op: &Value, status: &str) {
    let answer = &op["responses"][status];
    assert!(answer.is_object(), "{name} does not declare {status}");
    let content = answer["content"].as_object().unwrap_or_else(|| panic!("{name} {status} has no content"));
    assert_eq!(
        content.keys().collect::<Vec<_>>(),
        vec!["application/problem+json"],
        "{name} {status} must be a problem document"
    );
    let schema = &content["application/problem+json"]["schema"];
    assert_eq!(schema["$ref"], "#/components/schemas/Problem", "{name} {status}");
    assert!(doc["components"]["schemas"]["Problem"].is_object());
}

#[test]
fn every_operation_declares_the_problems_it_can_be_answered_with() {
    let doc = document();
    let mut with_body = 0;
    let mut secured = 0;
    for (name, op) in operations(&doc) {
        if op["requestBody"].is_object() {
            with_body += 1;
            for status in ["400", "413", "415"] {
                assert_problem_answer(&doc, &name, op, status);
            }
        }
        if op["security"].as_array().is_some_and(|s| !s.is_empty()) {
            secured += 1;
            assert_problem_answer(&doc, &name, op, "401");
        }
        let has_query = op["parameters"].as_array().is_some_and(|ps| ps.iter().any(|p| p["in"] == "query"));
        if has_query {
            assert_problem_answer(&doc, &name, op, "400");
        }
        // Every problem an operation declares is a problem document, not plain JSON.
        for (status, answer) in op["responses"].as_object().expect("responses") {
            if let Some(content) = answer["content"].as_object()
                && content.values().any(|c| c["schema"]["$ref"] == "#/components/schemas/Problem")
            {
                assert_problem_answer(&doc, &name, op, status);
            }
        }
    }
    assert!(with_body > 20 && secured > 30, "{with_body} operations with a body, {secured} signed in");
}
