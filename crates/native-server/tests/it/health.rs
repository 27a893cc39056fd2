//! `/health` reports the provider and answers only while the database does.

use native_testkit::Stack;

#[tokio::test]
async fn health_checks_the_database() {
    let stack = Stack::start().await.expect("stack");
    let url = format!("{}/health", stack.native_api_url().trim_end_matches('/'));
    let response = reqwest::get(&url).await.expect("health request");
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body["status"], "ok");
    assert_eq!(body["provider"], "demo");
}
