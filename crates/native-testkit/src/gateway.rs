//! The one origin of a Supabase project, as Kong serves it: `/rest/v1/*` is a
//! streaming reverse proxy to PostgREST and `/auth/v1/*` is the dev auth,
//! both behind the `apikey` check that answers Kong's 401 bodies.
//!
//! Like Supabase's gateway, a request to PostgREST without an `Authorization`
//! header is sent on with `Authorization: Bearer <apikey>`, so the anon key
//! acts as `anon` and the service-role key as `service_role`.

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, HttpBody};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use serde_json::json;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// The API keys the gateway accepts.
#[derive(Clone)]
pub struct ApiKeys {
    pub anon: String,
    pub service_role: String,
}

/// The key a request was admitted with, for the handlers behind the check.
#[derive(Clone)]
struct AdmittedKey(String);

struct ProxyState {
    client: reqwest::Client,
    /// PostgREST's origin, e.g. `http://127.0.0.1:3000`.
    upstream: String,
}

/// A running gateway; dropping it stops accepting connections.
pub struct Gateway {
    port: u16,
    shutdown: Option<oneshot::Sender<()>>,
}

impl std::fmt::Debug for Gateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gateway")
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
}

impl Gateway {
    /// Serves on `listener` (bound beforehand, so that the auth service can
    /// be told the origin) on the current tokio runtime.
    pub fn spawn(
        listener: TcpListener,
        keys: ApiKeys,
        postgrest_url: String,
        auth: Router,
    ) -> anyhow::Result<Self> {
        let port = listener.local_addr()?.port();
        let client = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(std::time::Duration::from_secs(5))
            .build()?;
        let app = router(
            keys,
            Arc::new(ProxyState {
                client,
                upstream: postgrest_url,
            }),
            auth,
        );
        let (tx, rx) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let shutdown = async {
                let _ = rx.await;
            };
            // Without TCP_NODELAY a small response written in two parts
            // waits for the client's delayed ACK: ~40 ms per request on
            // loopback, which Kong does not add.
            let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
                let _ = tcp.set_nodelay(true);
            });
            if let Err(err) = axum::serve(listener, app)
                .with_graceful_shutdown(shutdown)
                .await
            {
                tracing::error!(error = %err, "the gateway stopped");
            }
        });
        Ok(Self {
            port,
            shutdown: Some(tx),
        })
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

fn router(keys: ApiKeys, proxy: Arc<ProxyState>, auth: Router) -> Router {
    let rest = Router::new()
        .route("/rest/v1", any(proxy_to_postgrest))
        .route("/rest/v1/", any(proxy_to_postgrest))
        .route("/rest/v1/{*rest}", any(proxy_to_postgrest))
        .with_state(proxy);
    rest.nest("/auth/v1", auth)
        // Only matched routes check the key: like Kong, an unknown path is a
        // 404 whatever the key.
        .route_layer(middleware::from_fn_with_state(
            Arc::new(keys),
            require_apikey,
        ))
        .fallback(|| async {
            kong_error(StatusCode::NOT_FOUND, "no Route matched with those values")
        })
}

/// Kong's `key-auth`: the `apikey` header, or the `apikey` query parameter.
async fn require_apikey(
    State(keys): State<Arc<ApiKeys>>,
    mut request: Request,
    next: Next,
) -> Response {
    if is_open_route(request.uri().path()) {
        return next.run(request).await;
    }
    let presented = match request.headers().get("apikey") {
        // A header that is not visible ASCII cannot equal a key.
        Some(value) => Some(value.to_str().unwrap_or_default().to_owned()),
        None => request.uri().query().and_then(|query| {
            url::form_urlencoded::parse(query.as_bytes())
                .find(|(name, _)| name == "apikey")
                .map(|(_, value)| value.into_owned())
        }),
    };
    match presented {
        None => kong_error(StatusCode::UNAUTHORIZED, "No API key found in request"),
        Some(key) if !key.is_empty() && (key == keys.anon || key == keys.service_role) => {
            request.extensions_mut().insert(AdmittedKey(key));
            next.run(request).await
        }
        Some(_) => kong_error(StatusCode::UNAUTHORIZED, "Invalid API key"),
    }
}

/// Supabase's Kong routes `/auth/v1/verify`, `/auth/v1/callback` and
/// `/auth/v1/authorize` (prefixes) without `key-auth`: a browser opens them
/// from an e-mail link or an OAuth redirect and cannot add a header.
fn is_open_route(path: &str) -> bool {
    ["/auth/v1/verify", "/auth/v1/callback", "/auth/v1/authorize"]
        .iter()
        .any(|prefix| {
            path.strip_prefix(prefix)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        })
}

fn kong_error(status: StatusCode, message: &str) -> Response {
    (status, axum::Json(json!({ "message": message }))).into_response()
}

/// Streams the request to PostgREST and its response back.
async fn proxy_to_postgrest(State(proxy): State<Arc<ProxyState>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let rest = parts
        .uri
        .path()
        .strip_prefix("/rest/v1")
        .unwrap_or_default();
    let mut url = format!(
        "{}{}",
        proxy.upstream,
        if rest.is_empty() { "/" } else { rest }
    );
    if let Some(query) = parts
        .uri
        .query()
        .map(without_apikey)
        .filter(|q| !q.is_empty())
    {
        url.push('?');
        url.push_str(&query);
    }

    let mut headers = forwardable(&parts.headers);
    headers.remove(header::HOST);
    if !headers.contains_key(header::AUTHORIZATION) {
        let key = parts.extensions.get::<AdmittedKey>().map(|k| k.0.as_str());
        if let Some(value) = key.and_then(|k| HeaderValue::from_str(&format!("Bearer {k}")).ok()) {
            headers.insert(header::AUTHORIZATION, value);
        }
    }

    let mut upstream = proxy.client.request(parts.method, url).headers(headers);
    // A request without a body stays without one (no chunked empty body on GET).
    if body.size_hint().exact() != Some(0) {
        upstream = upstream.body(reqwest::Body::wrap_stream(body.into_data_stream()));
    }

    match upstream.send().await {
        Ok(response) => {
            let mut builder = Response::builder().status(response.status());
            if let Some(out) = builder.headers_mut() {
                *out = forwardable(response.headers());
            }
            builder
                .body(Body::from_stream(response.bytes_stream()))
                .unwrap_or_else(|_| bad_gateway())
        }
        Err(err) => {
            tracing::warn!(error = %err, "PostgREST is unreachable");
            bad_gateway()
        }
    }
}

fn bad_gateway() -> Response {
    kong_error(
        StatusCode::BAD_GATEWAY,
        "An invalid response was received from the upstream server",
    )
}

/// The query string minus `apikey` parameters (Kong's `hide_credentials`):
/// PostgREST would read one as a filter on a column named `apikey`.
fn without_apikey(query: &str) -> String {
    query
        .split('&')
        .filter(|pair| {
            let name = pair.split('=').next().unwrap_or_default();
            !name.is_empty() && name != "apikey"
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// `headers` minus the hop-by-hop ones, including those the `Connection`
/// header names.
fn forwardable(headers: &HeaderMap) -> HeaderMap {
    const HOP_BY_HOP: [&str; 8] = [
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    ];
    let named_by_connection: Vec<HeaderName> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|name| HeaderName::from_bytes(name.trim().as_bytes()).ok())
        .collect();
    let mut out = HeaderMap::with_capacity(headers.len());
    for (name, value) in headers {
        if HOP_BY_HOP.contains(&name.as_str()) || named_by_connection.contains(name) {
            continue;
        }
        out.append(name.clone(), value.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apikey_is_stripped_from_the_forwarded_query() {
        assert_eq!(without_apikey("apikey=k&select=id"), "select=id");
        assert_eq!(
            without_apikey("select=id&apikey=k&id=eq.1"),
            "select=id&id=eq.1"
        );
        assert_eq!(without_apikey("apikey=k"), "");
        assert_eq!(without_apikey("apikeys=x"), "apikeys=x");
    }

    #[test]
    fn only_the_browser_facing_auth_routes_are_open() {
        assert!(is_open_route("/auth/v1/verify"));
        assert!(is_open_route("/auth/v1/authorize/consent"));
        assert!(is_open_route("/auth/v1/callback"));
        assert!(!is_open_route("/auth/v1/token"));
        assert!(!is_open_route("/auth/v1/verifyx"));
        assert!(!is_open_route("/rest/v1/verify"));
    }

    #[test]
    fn hop_by_hop_headers_are_not_forwarded() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONNECTION,
            HeaderValue::from_static("close, x-private"),
        );
        headers.insert("x-private", HeaderValue::from_static("1"));
        headers.insert(
            header::TRANSFER_ENCODING,
            HeaderValue::from_static("chunked"),
        );
        headers.insert("prefer", HeaderValue::from_static("count=exact"));
        let out = forwardable(&headers);
        assert_eq!(out.len(), 1);
        assert_eq!(out["prefer"], "count=exact");
    }
}
