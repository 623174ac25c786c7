//! diesel.toml names what the tree really has: the shared schema file and a
//! migrations folder per backend, with the same versions in both.

use std::collections::BTreeSet;
use std::path::Path;

fn diesel_toml() -> config::Config {
    let text = std::fs::read_to_string("diesel.toml").expect("diesel.toml at the top of the repository");
    config::Config::builder()
        .add_source(config::File::from_str(&text, config::FileFormat::Toml))
        .build()
        .expect("diesel.toml is TOML")
}

fn versions(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .expect("migrations folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().to_string())
        .collect()
}

#[test]
fn diesel_toml_names_the_schema_and_the_migrations() {
    let toml = diesel_toml();
    let schema = toml.get_string("print_schema.file").expect("print_schema.file");
    assert_eq!(schema, "src/db/schema.rs");
    assert!(Path::new(&schema).is_file());
    let dir = toml.get_string("migrations_directory.dir").expect("migrations_directory.dir");
    assert_eq!(dir, "migrations/sqlite");

    // The comments tell how to reach the other backend's folder; it must exist
    // and hold the same versions.
    let text = std::fs::read_to_string("diesel.toml").expect("read");
    assert!(text.contains("--migration-dir migrations/postgres"), "diesel.toml must say how to use PostgreSQL");
    assert_eq!(versions(Path::new(&dir)), versions(Path::new("migrations/postgres")));

    // The excluded tables are the SQLite full-text index, which schema.rs leaves out.
    let excluded = toml.get_array("print_schema.filter.except_tables").expect("filter");
    let schema_text = std::fs::read_to_string(&schema).expect("schema");
    for pattern in excluded {
        let prefix = pattern.into_string().expect("string").trim_start_matches('^').to_string();
        assert!(!schema_text.contains(&format!("    {prefix}")), "{prefix} is in schema.rs");
    }
}
