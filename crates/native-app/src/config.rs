//! Which backend the app talks to.
//!
//! Read once at startup from the environment (SUPABASE_URL, SUPABASE_ANON_KEY,
//! NATIVE_API_URL, the names of the original service's `.env`), falling back
//! to values baked in at build time with the same names, so a packaged app
//! works without any environment and a developer can point it elsewhere.

use url::Url;

use crate::AppError;

/// The backend endpoints, validated: holding an `AppConfig` means every URL
/// parsed and the key is usable as a header.
#[derive(Clone, Default)]
pub struct AppConfig {
    pub supabase_url: Option<Url>,
    pub anon_key: Option<String>,
    pub native_api_url: Option<Url>,
}

impl std::fmt::Debug for AppConfig {
    // The anon key is public by design, but keep it out of logs all the same.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppConfig")
            .field("supabase_url", &self.supabase_url.as_ref().map(Url::as_str))
            .field(
                "native_api_url",
                &self.native_api_url.as_ref().map(Url::as_str),
            )
            .finish_non_exhaustive()
    }
}

impl AppConfig {
    pub fn from_env() -> Result<Self, AppError> {
        let get = |name: &str, baked: Option<&'static str>| {
            std::env::var(name)
                .ok()
                .or_else(|| baked.map(str::to_owned))
                .filter(|v| !v.trim().is_empty())
        };
        Self::parse(
            get("SUPABASE_URL", option_env!("SUPABASE_URL")).as_deref(),
            get("SUPABASE_ANON_KEY", option_env!("SUPABASE_ANON_KEY")).as_deref(),
            get("NATIVE_API_URL", option_env!("NATIVE_API_URL")).as_deref(),
        )
    }

    /// Validates raw values. Only http(s) URLs are accepted, and a base URL
    /// gets a trailing slash so that joining paths keeps its own path.
    pub fn parse(
        supabase_url: Option<&str>,
        anon_key: Option<&str>,
        native_api_url: Option<&str>,
    ) -> Result<Self, AppError> {
        Ok(Self {
            supabase_url: supabase_url
                .map(|u| parse_base_url("SUPABASE_URL", u))
                .transpose()?,
            anon_key: anon_key.map(|k| k.trim().to_owned()),
            native_api_url: native_api_url
                .map(|u| parse_base_url("NATIVE_API_URL", u))
                .transpose()?,
        })
    }
}

fn parse_base_url(name: &'static str, raw: &str) -> Result<Url, AppError> {
    let mut text = raw.trim().to_owned();
    if !text.ends_with('/') {
        text.push('/');
    }
    match Url::parse(&text) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => Ok(url),
        _ => Err(AppError::InvalidConfig(name)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_http_urls_and_normalises_the_slash() {
        let c = AppConfig::parse(
            Some("http://127.0.0.1:54321"),
            Some("k"),
            Some("https://api.example/v"),
        )
        .unwrap();
        assert_eq!(c.supabase_url.unwrap().as_str(), "http://127.0.0.1:54321/");
        assert_eq!(
            c.native_api_url.unwrap().join("health").unwrap().as_str(),
            "https://api.example/v/health"
        );
    }

    #[test]
    fn rejects_other_schemes_and_garbage() {
        for bad in [
            "file:///etc/passwd",
            "javascript:alert(1)",
            "not a url",
            "native-ai://x",
        ] {
            assert!(matches!(
                AppConfig::parse(Some(bad), None, None),
                Err(AppError::InvalidConfig("SUPABASE_URL"))
            ));
        }
    }
}
