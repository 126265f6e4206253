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

#[tokio::test]
async fn every_type_field_argument_and_enum_value_has_a_description() {
    let schema = ordergraph::graphql::schema_builder().finish();
    let response = schema
        .execute(
            "{ __schema { types { name description
                fields(includeDeprecated: true) { name description args { name description } }
                inputFields { name description }
                enumValues(includeDeprecated: true) { name description } } } }",
        )
        .await;
    assert!(response.errors.is_empty(), "{:?}", response.errors);
    let data = response.data.into_json().expect("JSON");
    let blank = |v: &serde_json::Value| {
        v["description"]
            .as_str()
            .is_none_or(|d| d.trim().is_empty())
    };
    let mut missing = Vec::new();
    for t in data["__schema"]["types"].as_array().expect("types") {
        let name = t["name"].as_str().expect("a name");
        if name.starts_with("__") || ["String", "Boolean", "Int", "Float", "ID"].contains(&name) {
            continue;
        }
        if blank(t) {
            missing.push(name.to_owned());
        }
        for list in ["fields", "inputFields", "enumValues"] {
            for f in t[list].as_array().into_iter().flatten() {
                let field = format!("{name}.{}", f["name"].as_str().unwrap_or("?"));
                if blank(f) {
                    missing.push(field.clone());
                }
                for a in f["args"].as_array().into_iter().flatten() {
                    if blank(a) {
                        missing.push(format!("{field}({})", a["name"].as_str().unwrap_or("?")));
                    }
                }
            }
        }
    }
    assert!(missing.is_empty(), "undocumented: {missing:#?}");
}

#[tokio::test]
async fn custom_scalars_say_how_to_map_them_and_name_their_spec() {
    let app = crate::helpers::TestApp::spawn().await;
    let body = app
        .admin(
            r#"{ __schema { types { name kind description specifiedByURL } } }"#,
            serde_json::json!({}),
        )
        .await;
    let types = body["__schema"]["types"].as_array().unwrap();
    let builtin = ["String", "Int", "Float", "Boolean", "ID"];
    let scalars: Vec<_> = types
        .iter()
        .filter(|t| t["kind"] == "SCALAR" && !builtin.contains(&t["name"].as_str().unwrap()))
        .collect();
    assert!(scalars.len() >= 5, "{scalars:?}");
    for scalar in scalars {
        let url = scalar["specifiedByURL"].as_str().unwrap_or_default();
        assert!(url.starts_with("https://"), "{scalar}");
        let description = scalar["description"].as_str().unwrap_or_default();
        assert!(
            description.len() > 80 && !description.contains("Implement the"),
            "{scalar}"
        );
    }
    // Values round-trip in the documented forms.
    let body = app
        .admin(
            r#"mutation { placeOrder(input: {submittedAt: "2026-11-30T10:15:00+01:00", metadata: {po: [1, "a"]}, lines: [{name: "x", quantity: "1", price: "2.5"}]}) { submittedAt metadata databaseId totals { grossTotal } } }"#,
            serde_json::json!({}),
        )
        .await;
    let order = &body["placeOrder"];
    assert_eq!(order["submittedAt"], "2026-11-30T09:15:00+00:00", "{body}");
    assert_eq!(order["metadata"], serde_json::json!({"po": [1, "a"]}));
    assert!(order["databaseId"].is_string());
    assert!(
        order["totals"]["grossTotal"]
            .as_str()
            .unwrap()
            .contains('.')
    );
    let refused = app
        .gql(
            Some(&app.admin_token()),
            r#"mutation { placeOrder(input: {submittedAt: "2026-11-30T10:15:00", lines: [{name: "x", quantity: "1", price: "2"}]}) { id } }"#,
            serde_json::json!({}),
        )
        .await;
    let message = refused["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("offset"), "{refused}");
}
