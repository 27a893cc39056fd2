//! Time to first token added by the gateway: the same reply asked of the
//! fake provider directly and through `native-server`, alternately, in one
//! run; the gateway's cost is the difference.
//!
//! Method: a testkit stack (its own cluster, fsync off as in every test
//! stack) with the in-process `native-server` and fake provider, one Pro user
//! with ample credits and a forged (genuinely signed) HS256 token. The fake
//! provider answers at once (no scripted delay). Each sample POSTs a
//! streaming request and stops the clock at the first non-empty content
//! delta, then reads the stream to its end so the connection goes back to
//! the pool. Direct and gateway samples alternate, so both see the same
//! machine state. The gateway's path includes token verification, the
//! quota reservation (one Postgres round trip) and the upstream request.
//! Run with `cargo xtask bench`; figures go to BENCHMARKS.md.

use std::time::{Duration, Instant};

use eventsource_stream::Eventsource;
use futures::StreamExt;
use native_testkit::fake_provider::Script;
use native_testkit::{Stack, accounts};
use serde_json::{Value, json};

const WARM_UP: usize = 200;
const SAMPLES: usize = 2_000;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let stack = Stack::start_dedicated().await?;
    let db = stack.db().await;
    let users = accounts::users(&db, ["ttft@example.com".to_owned()]).await?;
    accounts::make_pro(&db, &users, 1_000_000_000_000, "bench").await?;
    let token = stack.keys().access_token(users[0], 3600);
    stack
        .provider()
        .set_default_script(Script::reply("Bonjour, voici une réponse courte.").usage(40, 9));

    let http = reqwest::Client::builder().tcp_nodelay(true).build()?;
    let gateway = format!("{}/v1/chat/completions", stack.native_api_url());
    let direct = format!("{}/chat/completions", stack.provider_base_url());
    let question = "Quelle est la capitale de la France ?";
    let gateway_body = json!({
        "messages": [{"role": "user", "content": question}],
        "stream": true,
        "max_tokens": 256,
    });
    // What the gateway sends upstream, so the provider does the same work.
    let direct_body = json!({
        "model": native_server::config::DEFAULT_MODEL,
        "messages": [
            {"role": "system", "content": native_server::config::DEFAULT_SYSTEM_PROMPT},
            {"role": "user", "content": question},
        ],
        "temperature": 0.4,
        "max_tokens": 256,
        "stream": true,
    });

    let mut via_gateway = Vec::with_capacity(SAMPLES);
    let mut via_direct = Vec::with_capacity(SAMPLES);
    for i in 0..WARM_UP + SAMPLES {
        let g = first_token(&http, &gateway, Some(&token), &gateway_body).await?;
        let d = first_token(&http, &direct, None, &direct_body).await?;
        if i >= WARM_UP {
            via_gateway.push(g);
            via_direct.push(d);
        }
    }
    via_gateway.sort_unstable();
    via_direct.sort_unstable();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let pct = |v: &[Duration], p: f64| v[((v.len() as f64 * p) as usize).min(v.len() - 1)];
    for (name, p) in [("p50", 0.50), ("p90", 0.90), ("p99", 0.99)] {
        let (g, d) = (pct(&via_gateway, p), pct(&via_direct, p));
        println!(
            "time to first token {name}: direct {:.2} ms, through the gateway {:.2} ms, added {:.2} ms",
            ms(d),
            ms(g),
            ms(g) - ms(d)
        );
    }
    println!("({SAMPLES} samples each after {WARM_UP} warm-up pairs, alternating)");
    Ok(())
}

/// Sends one streaming request; answers the time to its first non-empty
/// content delta, after reading the stream to the end.
async fn first_token(
    http: &reqwest::Client,
    url: &str,
    token: Option<&str>,
    body: &Value,
) -> anyhow::Result<Duration> {
    let started = Instant::now();
    let mut request = http.post(url).json(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await?;
    anyhow::ensure!(
        response.status().is_success(),
        "status {}",
        response.status()
    );
    let mut events = response.bytes_stream().eventsource();
    let mut first = None;
    while let Some(event) = events.next().await {
        let event = event?;
        if first.is_some() || event.data == "[DONE]" {
            continue;
        }
        let chunk: Value = serde_json::from_str(&event.data)?;
        let has_text = chunk["choices"][0]["delta"]["content"]
            .as_str()
            .is_some_and(|text| !text.is_empty());
        if has_text {
            first = Some(started.elapsed());
        }
    }
    first.ok_or_else(|| anyhow::anyhow!("no content in the reply"))
}
