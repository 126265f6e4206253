//! `schema.graphql` is what the code builds. Regenerate it with
//! `cargo run -- schema > schema.graphql`, or run this test with UPDATE_SCHEMA=1.

use std::path::PathBuf;

fn schema_file() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("schema.graphql")
}

#[test]
fn schema_graphql_is_up_to_date() {
    let built = ordergraph::graphql::sdl();
    if std::env::var("UPDATE_SCHEMA").as_deref() == Ok("1") {
        std::fs::write(schema_file(), &built).expect("schema.graphql is writable");
        return;
    }
    let on_disk = std::fs::read_to_string(schema_file()).unwrap_or_default();
    assert!(
        on_disk == built,
        "schema.graphql is stale: run `cargo run -- schema > schema.graphql` \
         (or this test with UPDATE_SCHEMA=1) and commit the result"
    );
}

#[test]
fn the_schema_command_prints_schema_graphql() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_ordergraph"))
        .arg("schema")
        // The command needs no database: point it nowhere to prove it.
        .env("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none")
        .output()
        .expect("ordergraph runs");
    assert!(output.status.success());
    let printed = String::from_utf8(output.stdout).expect("UTF-8 SDL");
    assert_eq!(printed, ordergraph::graphql::sdl());
}
