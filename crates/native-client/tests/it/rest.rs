use native_client::{ClientError, Rest};
use native_testkit::Stack;
use serde_json::Value;

async fn sign_up(stack: &Stack) -> String {
    let body: Value = reqwest::Client::new()
        .post(format!(
            "{}/auth/v1/signup",
            stack.supabase_url().trim_end_matches('/')
        ))
        .header("apikey", stack.anon_key())
        .json(&serde_json::json!({"email": "rest@example.com", "password": "long enough secret"}))
        .send()
        .await
        .expect("signup")
        .json()
        .await
        .expect("json");
    body["access_token"].as_str().expect("token").to_owned()
}

#[tokio::test]
async fn statuses_are_checked_and_typed() {
    let stack = Stack::start().await.expect("stack");
    let rest = Rest::new(
        &stack.supabase_url().parse().expect("url"),
        stack.anon_key(),
    )
    .expect("rest");
    // Anonymous reads of history are refused: an error, not an empty list.
    let denied =
        Rest::execute::<Vec<Value>>(rest.from("conversations", None).expect("builder")).await;
    assert!(
        matches!(denied, Err(ClientError::Http { status: 401, .. })),
        "{denied:?}"
    );
    // A missing table carries PostgREST's code (42P01 in PostgREST 12.0,
    // PGRST205 from 12.2 on, as hosted Supabase answers).
    let missing =
        Rest::execute::<Vec<Value>>(rest.from("no_such_table", None).expect("builder")).await;
    assert!(
        matches!(missing, Err(ClientError::Http { status: 404, code: Some(ref c), .. }) if c == "42P01" || c == "PGRST205"),
        "{missing:?}"
    );
    // A signed-in user reads their own (empty) history.
    let token = sign_up(&stack).await;
    let rows =
        Rest::execute::<Vec<Value>>(rest.from("conversations", Some(&token)).expect("builder"))
            .await;
    assert_eq!(rows.expect("own rows"), Vec::<Value>::new());
}
