//! The Native AI gateway (`native-server`): health now, chat streams later.

use std::time::Duration;

use native_core::ProviderKind;
use serde::Deserialize;
use url::Url;

use crate::ClientError;

/// What `GET /health` reports.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ServerHealth {
    pub status: String,
    pub version: String,
    pub provider: ProviderKind,
    pub model: String,
}

/// A client of one gateway. Cheap to clone (reqwest's client is shared).
#[derive(Debug, Clone)]
pub struct GatewayClient {
    http: reqwest::Client,
    base: Url,
}

impl GatewayClient {
    pub fn new(base: Url) -> Result<Self, ClientError> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .build()
            .map_err(|_| ClientError::Config("cannot build the HTTP client".to_owned()))?;
        Ok(Self { http, base })
    }

    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.http
    }

    pub(crate) fn base(&self) -> &Url {
        &self.base
    }

    pub async fn health(&self) -> Result<ServerHealth, ClientError> {
        let url = self
            .base
            .join("health")
            .map_err(|_| ClientError::Config("the Native API URL cannot be joined".to_owned()))?;
        let response = self
            .http
            .get(url)
            .timeout(Duration::from_secs(10))
            .send()
            .await
            .map_err(ClientError::from_reqwest)?;
        let status = response.status();
        let body = response.text().await.map_err(ClientError::from_reqwest)?;
        if !status.is_success() {
            return Err(ClientError::from_body(status.as_u16(), &body));
        }
        serde_json::from_str(&body).map_err(|e| ClientError::Decode(e.to_string()))
    }
}
