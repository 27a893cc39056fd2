//! The one origin: PostgREST behind the `apikey` check, the keys acting as
//! their roles, and `native-server` reachable beside it.

use std::time::{Duration, Instant};

use native_testkit::Stack;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client")
}

/// Creates `items` (readable by anon, writable by service_role) and
/// `whoami()`, then waits until PostgREST's schema cache has reloaded.
async fn seed(stack: &Stack) {
    let db = stack.db().await;
    sqlx::raw_sql(
        "create table public.items (id int primary key, name text not null);
         insert into public.items values (1, 'one'), (2, 'two');
         grant select on public.items to anon;
         grant select, insert on public.items to service_role;
         create function public.whoami() returns json language sql stable as
           $$ select json_build_object('user', current_user, 'role', auth.role()) $$;
         grant execute on function public.whoami() to anon, authenticated, service_role;
         notify pgrst, 'reload schema';",
    )
    .execute(&db)
    .await
    .expect("seed SQL runs");

    // PostgREST 12 reads a table missing from its schema cache anyway, but
    // calls only the functions in it: a function shows the reload is done.
    let url = format!("{}/rest/v1/rpc/whoami", stack.supabase_url());
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let status = client()
            .post(&url)
            .header("apikey", stack.anon_key())
            .json(&json!({}))
            .send()
            .await
            .expect("gateway answers")
            .status();
        if status == StatusCode::OK {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "schema reload not seen: {status}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn postgrest_answers_through_the_gateway_with_the_anon_key() {
    let stack = Stack::start().await.expect("stack starts");
    seed(&stack).await;

    let url = format!(
        "{}/rest/v1/items?select=id,name&order=id",
        stack.supabase_url()
    );
    let resp = client()
        .get(&url)
        .header("apikey", stack.anon_key())
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("application/json")
    );
    let rows: Value = resp.json().await.expect("json");
    assert_eq!(
        rows,
        json!([{"id": 1, "name": "one"}, {"id": 2, "name": "two"}])
    );

    // The key may come as a query parameter; it is not passed on as a filter.
    let resp = client()
        .get(format!("{url}&apikey={}", stack.anon_key()))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        resp.json::<Value>()
            .await
            .expect("json")
            .as_array()
            .map(Vec::len),
        Some(2)
    );
}

#[tokio::test]
async fn requests_without_a_valid_apikey_are_refused() {
    let stack = Stack::start().await.expect("stack starts");
    let rest = format!("{}/rest/v1/items", stack.supabase_url());
    let auth = format!("{}/auth/v1/user", stack.supabase_url());

    for url in [&rest, &auth] {
        let resp = client().get(url).send().await.expect("request");
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "{url}");
        assert_eq!(
            resp.json::<Value>().await.expect("json"),
            json!({"message": "No API key found in request"})
        );

        // A token signed with the project's secret is still not an API key.
        let forged = stack
            .keys()
            .sign(&json!({"role": "anon", "exp": 4_000_000_000_i64}));
        for wrong in ["nope", forged.as_str()] {
            let resp = client()
                .get(url)
                .header("apikey", wrong)
                .send()
                .await
                .expect("request");
            assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "{url}");
            assert_eq!(
                resp.json::<Value>().await.expect("json"),
                json!({"message": "Invalid API key"})
            );
        }
    }
}

#[tokio::test]
async fn each_key_acts_as_its_role_unless_a_token_is_sent() {
    let stack = Stack::start().await.expect("stack starts");
    seed(&stack).await;
    let rpc = format!("{}/rest/v1/rpc/whoami", stack.supabase_url());
    let whoami = |apikey: String, token: Option<String>| {
        let mut req = client()
            .post(&rpc)
            .header("apikey", apikey)
            .json(&json!({}));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        async move {
            let resp = req.send().await.expect("request");
            let status = resp.status();
            let body = resp.json::<Value>().await.expect("json");
            assert_eq!(status, StatusCode::OK, "{body}");
            body
        }
    };

    let service = whoami(stack.service_role_key().to_owned(), None).await;
    assert_eq!(
        service,
        json!({"user": "service_role", "role": "service_role"})
    );
    let anon = whoami(stack.anon_key().to_owned(), None).await;
    assert_eq!(anon, json!({"user": "anon", "role": "anon"}));

    // An explicit Authorization header wins over the apikey.
    let user_token = stack.keys().sign(&json!({
        "sub": "8d0fd2b3-9ca6-4d3a-9d9b-2f9b6f0b7f11",
        "role": "authenticated",
        "aud": "authenticated",
        "exp": 4_000_000_000_i64,
    }));
    let user = whoami(stack.anon_key().to_owned(), Some(user_token)).await;
    assert_eq!(
        user,
        json!({"user": "authenticated", "role": "authenticated"})
    );

    // Request bodies are forwarded: the service role may insert, anon may not.
    let items = format!("{}/rest/v1/items", stack.supabase_url());
    let resp = client()
        .post(&items)
        .header("apikey", stack.service_role_key())
        .header("prefer", "return=representation")
        .json(&json!({"id": 3, "name": "three"}))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), StatusCode::CREATED);
    assert_eq!(
        resp.json::<Value>().await.expect("json"),
        json!([{"id": 3, "name": "three"}])
    );
    let resp = client()
        .post(&items)
        .header("apikey", stack.anon_key())
        .json(&json!({"id": 4, "name": "four"}))
        .send()
        .await
        .expect("request");
    assert_eq!(
        resp.status(),
        StatusCode::UNAUTHORIZED,
        "anon has no insert grant"
    );
}

#[tokio::test]
async fn native_server_health_answers() {
    let stack = Stack::start().await.expect("stack starts");
    let resp = client()
        .get(format!("{}/health", stack.native_api_url()))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), StatusCode::OK);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["status"], "ok");
    assert_eq!(body["provider"], "demo");
    assert_eq!(stack.provider_base_url(), stack.provider().base_url());

    let env = stack.env();
    assert_eq!(env.len(), 8);
    assert!(env.contains(&("NATIVE_API_URL", stack.native_api_url().to_owned())));
    assert!(stack.stripe_webhook_secret().starts_with("whsec_"));
}

#[tokio::test]
async fn unknown_paths_are_404_whatever_the_key() {
    let stack = Stack::start().await.expect("stack starts");
    let resp = client()
        .get(format!("{}/storage/v1/bucket", stack.supabase_url()))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
}
