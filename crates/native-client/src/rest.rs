//! PostgREST through the `postgrest` crate, made safe to use: the crate's
//! `execute()` returns any status as success and its header setters panic on
//! values that are not valid header text, so every call goes through here.

use postgrest::{Builder, Postgrest};
use serde::de::DeserializeOwned;
use time::OffsetDateTime;
use url::Url;

use crate::ClientError;

/// A PostgREST endpoint of one Supabase project (`<SUPABASE_URL>/rest/v1`),
/// with the project's anon key sent as `apikey` on every request.
#[derive(Clone)]
pub struct Rest {
    client: std::sync::Arc<Postgrest>,
}

impl std::fmt::Debug for Rest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Rest { .. }")
    }
}

impl Rest {
    pub fn new(supabase_url: &Url, anon_key: &str) -> Result<Self, ClientError> {
        check_header_value(anon_key, "the anon key")?;
        let url = supabase_url
            .join("rest/v1")
            .map_err(|_| ClientError::Config("the Supabase URL cannot be joined".to_owned()))?;
        let client = Postgrest::new(url.as_str()).insert_header("apikey", anon_key);
        Ok(Self {
            client: std::sync::Arc::new(client),
        })
    }

    /// A query on `table`, as the user holding `access_token` (or as anon
    /// when `None`).
    pub fn from(&self, table: &str, access_token: Option<&str>) -> Result<Builder, ClientError> {
        let builder = self.client.from(table);
        Self::authorize(builder, access_token)
    }

    /// A call of the SQL function `name` with a JSON object of arguments.
    pub fn rpc(
        &self,
        name: &str,
        args: &serde_json::Value,
        access_token: Option<&str>,
    ) -> Result<Builder, ClientError> {
        Self::authorize(self.client.rpc(name, args.to_string()), access_token)
    }

    /// Sends the request, fails on any non-2xx status with PostgREST's code
    /// and message, and decodes the JSON body.
    pub async fn execute<T: DeserializeOwned>(builder: Builder) -> Result<T, ClientError> {
        Ok(Self::execute_dated(builder).await?.0)
    }

    /// [`Rest::execute`], with the server's clock as it answered (the HTTP
    /// `Date` header, to the second) when it sent one.
    pub async fn execute_dated<T: DeserializeOwned>(
        builder: Builder,
    ) -> Result<(T, Option<OffsetDateTime>), ClientError> {
        let (body, date) = Self::read(builder.build().send().await).await?;
        let value = serde_json::from_str(&body).map_err(|e| ClientError::Decode(e.to_string()))?;
        Ok((value, date))
    }

    /// Sends a write with its `Prefer` header replaced by `prefer` (the
    /// `postgrest` crate cannot ask for `resolution=ignore-duplicates` or
    /// `return=minimal`), and fails on any non-2xx status. The body, if any,
    /// is not read: writes here return nothing the app needs.
    pub async fn execute_write(builder: Builder, prefer: &'static str) -> Result<(), ClientError> {
        let (client, request) = builder.build().build_split();
        let mut request = request.map_err(|_| ClientError::Config("invalid request".to_owned()))?;
        request.headers_mut().insert(
            "Prefer",
            postgrest_reqwest::header::HeaderValue::from_static(prefer),
        );
        Self::read(client.execute(request).await).await.map(drop)
    }

    async fn read(
        sent: Result<postgrest_reqwest::Response, postgrest_reqwest::Error>,
    ) -> Result<(String, Option<OffsetDateTime>), ClientError> {
        // The crate's reqwest is older than ours; its errors only tell
        // "could not send" from "could not decode" here.
        let response = sent.map_err(|e| {
            if e.is_connect() || e.is_timeout() || e.is_request() {
                ClientError::Offline(crate::error::offline_cause(e.is_timeout()))
            } else {
                ClientError::Decode("the answer could not be read".to_owned())
            }
        })?;
        let status = response.status().as_u16();
        let date = response
            .headers()
            .get(postgrest_reqwest::header::DATE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| httpdate::parse_http_date(v).ok())
            .map(OffsetDateTime::from);
        let body = response
            .text()
            .await
            .map_err(|_| ClientError::Decode("the body could not be read".to_owned()))?;
        if !(200..300).contains(&status) {
            return Err(ClientError::from_body(status, &body));
        }
        Ok((body, date))
    }

    fn authorize(builder: Builder, access_token: Option<&str>) -> Result<Builder, ClientError> {
        match access_token {
            Some(token) => {
                check_header_value(token, "the access token")?;
                Ok(builder.auth(token))
            }
            None => Ok(builder),
        }
    }
}

/// `postgrest` panics on a header value that is not visible ASCII; refuse it
/// here instead, without echoing the value.
fn check_header_value(value: &str, what: &str) -> Result<(), ClientError> {
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ClientError::Config(format!(
            "{what} is not a valid header value"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_header_values_are_errors_not_panics() {
        let url = Url::parse("http://127.0.0.1:1").unwrap();
        assert!(matches!(
            Rest::new(&url, "bad\nkey"),
            Err(ClientError::Config(_))
        ));
        let rest = Rest::new(&url, "anon").unwrap();
        assert!(rest.from("conversations", Some("tok en")).is_err());
        assert!(rest.from("conversations", Some("token")).is_ok());
    }
}
