use crate::helpers::TestApp;

#[tokio::test]
async fn healthz_and_readyz_answer_200_when_the_database_answers() {
    let app = TestApp::spawn().await;
    for path in ["/healthz", "/readyz"] {
        let response = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
    }
}

#[tokio::test]
async fn readyz_answers_503_when_the_database_is_gone() {
    let app = TestApp::spawn().await;
    // The test holds a handle to the server's own pool; closing it takes the
    // database away from the running server.
    app.db.clone().close().await.unwrap();
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 503);
    let live = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(
        live.status(),
        200,
        "liveness does not depend on the database"
    );
}

#[tokio::test]
async fn the_playground_is_graphiql_with_subscriptions_and_saved_operations() {
    let app = TestApp::spawn_with(|c| c.playground = Some(ordergraph::config::Switch::On)).await;
    let response = app.client.get(app.url("/")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html"),
        "served as HTML"
    );
    let page = response.text().await.unwrap();
    assert!(page.contains("graphiql"), "loads GraphiQL");
    assert!(
        page.contains("subscriptionUrl"),
        "sets the subscription endpoint"
    );
    assert!(
        page.contains("\"/graphql\"") && page.contains("/ws"),
        "points at /graphql and /graphql/ws"
    );
    for operation in [
        "mutation PlaceOrder",
        "query Orders",
        "subscription WatchStatus",
    ] {
        assert!(page.contains(operation), "saved operation {operation}");
    }
}
