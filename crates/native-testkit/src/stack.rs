//! One complete Supabase-shaped project plus the companion server: a fresh
//! database (on the shared cluster or a dedicated one), PostgREST, the dev
//! auth, the gateway that is the project's one origin, the fake provider and
//! `native-server`, all started by [`Stack::start`] and all stopped when the
//! [`Stack`] is dropped.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use base64::Engine;
use native_server::{
    Application, AuthSettings, BillingSettings, ChatSettings, ProviderKind, ProviderSettings,
    Settings,
};
use rand::Rng;
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;
use tempfile::TempDir;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::dev_auth::{DevAuth, DevAuthConfig};
use crate::fake_provider::FakeProvider;
use crate::gateway::{ApiKeys, Gateway};
use crate::keys::ProjectKeys;
use crate::postgres::Cluster;
use crate::postgrest::{PostgRest, PostgRestConfig};
use crate::scratch;

/// The password `sql/00_roles.sql` gives the `authenticator` role.
const AUTHENTICATOR_PASSWORD: &str = "authenticator";

/// How a stack is set up.
#[derive(Clone)]
pub struct StackOptions {
    /// Whether sign-ups are confirmed at once (default true).
    pub auto_confirm: bool,
    /// The lifetime of access tokens the dev auth issues (default 3600 s).
    pub access_token_ttl: Duration,
    /// Run a PostgreSQL of its own instead of a database on the cluster the
    /// whole process shares (default false); for `native-stack` and for
    /// tests that stop the database.
    pub dedicated_cluster: bool,
    /// What `native-server` relays chat to (default the fake provider).
    pub provider: ProviderChoice,
}

impl Default for StackOptions {
    fn default() -> Self {
        Self {
            auto_confirm: true,
            access_token_ttl: Duration::from_secs(3600),
            dedicated_cluster: false,
            provider: ProviderChoice::Fake,
        }
    }
}

impl std::fmt::Debug for StackOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StackOptions")
            .field("auto_confirm", &self.auto_confirm)
            .field("access_token_ttl", &self.access_token_ttl)
            .field("dedicated_cluster", &self.dedicated_cluster)
            .field("provider", &self.provider)
            .finish()
    }
}

/// The chat provider `native-server` relays to.
#[derive(Clone, Default)]
pub enum ProviderChoice {
    /// The stack's scripted [`FakeProvider`].
    #[default]
    Fake,
    /// A real provider (Mistral or an OpenAI-compatible server).
    Real(ProviderSettings),
}

impl std::fmt::Debug for ProviderChoice {
    // Hand-written: the real provider's settings hold an API key.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Fake => f.write_str("Fake"),
            Self::Real(settings) => f
                .debug_struct("Real")
                .field("kind", &settings.kind)
                .field("base_url", &settings.base_url)
                .field("model", &settings.model)
                .finish_non_exhaustive(),
        }
    }
}

/// A running stack. Dropping it stops the in-process servers and every
/// process it started.
pub struct Stack {
    // Fields drop in declaration order: the servers that use the database
    // first, the database and its cluster last.
    server_shutdown: Option<oneshot::Sender<()>>,
    native_api_url: String,
    _gateway: Gateway,
    supabase_url: String,
    provider: FakeProvider,
    provider_base_url: String,
    auth: DevAuth,
    db: PgPool,
    postgrest: PostgRest,
    database: DatabaseGuard,
    database_url: String,
    keys: ProjectKeys,
    stripe_webhook_secret: String,
    /// The cluster's `Arc`: the last reference to a dedicated cluster stops it.
    cluster: Arc<Cluster>,
    dedicated: bool,
    dir: TempDir,
}

impl std::fmt::Debug for Stack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stack")
            .field("supabase_url", &self.supabase_url)
            .field("native_api_url", &self.native_api_url)
            .field("database", &self.database.name)
            .field("postgrest", &self.postgrest)
            .field("cluster", &self.cluster)
            .field("dir", &self.dir.path())
            .finish_non_exhaustive()
    }
}

impl Stack {
    /// A stack with the default options.
    pub async fn start() -> anyhow::Result<Self> {
        Self::start_with(StackOptions::default()).await
    }

    /// A stack on a PostgreSQL cluster of its own, as the benchmarks start
    /// it: nothing else in the process shares (or slows) its database.
    pub async fn start_dedicated() -> anyhow::Result<Self> {
        Self::start_with(StackOptions {
            dedicated_cluster: true,
            ..StackOptions::default()
        })
        .await
    }

    pub async fn start_with(opts: StackOptions) -> anyhow::Result<Self> {
        // Fail before starting a cluster if PostgREST is not installed.
        crate::postgrest::binary()?;
        let dir = scratch::create("stack")?;
        let cluster = if opts.dedicated_cluster {
            Arc::new(
                Cluster::start()
                    .await
                    .context("cannot start a PostgreSQL cluster")?,
            )
        } else {
            Cluster::shared()
                .await
                .context("cannot start the shared PostgreSQL cluster")?
        };
        let name = cluster.create_database().await?;
        let database = DatabaseGuard {
            // A dedicated cluster's databases vanish with its directory.
            cluster: (!opts.dedicated_cluster).then(|| cluster.clone()),
            name: name.clone(),
        };
        let database_url = cluster.url(&name);
        let keys = ProjectKeys::generate();

        let db_uri = cluster.url_as("authenticator", AUTHENTICATOR_PASSWORD, &name);
        let postgrest_config = PostgRestConfig {
            db_uri: &db_uri,
            jwt_secret: &keys.jwt_secret,
        };
        let postgrest = PostgRest::start(dir.path(), &postgrest_config)
            .await
            .context("cannot start PostgREST")?;

        let db = PgPoolOptions::new()
            .max_connections(5)
            .acquire_timeout(Duration::from_secs(10))
            .connect(&database_url)
            .await
            .with_context(|| format!("cannot connect to database {name}"))?;

        // The gateway's port is the project's origin, which the dev auth
        // must know (token issuer, e-mail links): bind first, serve after.
        let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .context("cannot bind the gateway")?;
        let supabase_url = format!("http://127.0.0.1:{}", listener.local_addr()?.port());
        let auth = DevAuth::new(
            db.clone(),
            DevAuthConfig {
                site_url: supabase_url.clone(),
                keys: keys.clone(),
                access_token_ttl: opts.access_token_ttl,
                auto_confirm: opts.auto_confirm,
            },
        );
        let gateway = Gateway::spawn(
            listener,
            ApiKeys {
                anon: keys.anon_key.clone(),
                service_role: keys.service_role_key.clone(),
            },
            postgrest.url(),
            auth.router(),
        )
        .context("cannot start the gateway")?;

        let provider = FakeProvider::start()
            .await
            .context("cannot start the fake provider")?;
        let provider_settings = match opts.provider {
            ProviderChoice::Fake => ProviderSettings {
                kind: ProviderKind::Demo,
                base_url: provider.base_url(),
                api_key: None,
                model: native_server::config::DEFAULT_MODEL.to_owned(),
            },
            ProviderChoice::Real(settings) => settings,
        };
        let provider_base_url = provider_settings.base_url.clone();
        let stripe_webhook_secret = webhook_secret();

        let app = Application::build(Settings {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            database_url: database_url.clone(),
            provider: provider_settings,
            // Tokens from the dev auth are HS256 with the project secret;
            // its JWKS (empty, as an HS256 project's) is behind the apikey.
            auth: AuthSettings::supabase(
                &supabase_url,
                Some(keys.jwt_secret.clone()),
                Some(keys.anon_key.clone()),
            ),
            // The fake provider serves both; the second cannot read
            // pictures, so the app's refusal path is reachable.
            chat: ChatSettings {
                extra_models: vec!["mistral-large-latest".to_owned()],
                ..ChatSettings::default()
            },
            billing: BillingSettings {
                webhook_secrets: vec![stripe_webhook_secret.clone()],
                ..BillingSettings::default()
            },
        })
        .await
        .context("cannot build native-server")?;
        let native_api_url = format!("http://127.0.0.1:{}", app.port());
        let (server_shutdown, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let shutdown = async {
                let _ = stopped.await;
            };
            if let Err(err) = app.run_until_stopped(shutdown).await {
                tracing::error!(error = %err, "native-server stopped");
            }
        });

        Ok(Self {
            server_shutdown: Some(server_shutdown),
            native_api_url,
            _gateway: gateway,
            supabase_url,
            provider,
            provider_base_url,
            auth,
            db,
            postgrest,
            database,
            database_url,
            keys,
            stripe_webhook_secret,
            cluster,
            dedicated: opts.dedicated_cluster,
            dir,
        })
    }

    /// The project's one origin (`/rest/v1`, `/auth/v1`), `SUPABASE_URL`.
    pub fn supabase_url(&self) -> &str {
        &self.supabase_url
    }

    pub fn anon_key(&self) -> &str {
        &self.keys.anon_key
    }

    pub fn service_role_key(&self) -> &str {
        &self.keys.service_role_key
    }

    pub fn jwt_secret(&self) -> &str {
        &self.keys.jwt_secret
    }

    /// The project's keys, e.g. to forge tokens with [`ProjectKeys::sign`].
    pub fn keys(&self) -> &ProjectKeys {
        &self.keys
    }

    /// The database as its owner (a superuser, like Supabase's `postgres`).
    pub fn database_url(&self) -> &str {
        &self.database_url
    }

    /// The in-process `native-server`'s origin.
    pub fn native_api_url(&self) -> &str {
        &self.native_api_url
    }

    /// The base URL (ending in `/v1`) `native-server` relays chat to.
    pub fn provider_base_url(&self) -> &str {
        &self.provider_base_url
    }

    /// A random `whsec_...` secret for signing Stripe webhook test events.
    pub fn stripe_webhook_secret(&self) -> &str {
        &self.stripe_webhook_secret
    }

    /// The fake provider (started even when `native-server` uses a real one).
    pub fn provider(&self) -> &FakeProvider {
        &self.provider
    }

    pub fn auth(&self) -> &DevAuth {
        &self.auth
    }

    /// The PID of every process this stack owns: PostgREST, and the
    /// postmaster of a dedicated cluster.
    pub fn pids(&self) -> Vec<u32> {
        let mut pids = vec![self.postgrest.pid()];
        if self.dedicated {
            pids.push(self.cluster.pid());
        }
        pids
    }

    /// A pool on the stack's database as its owner.
    pub async fn db(&self) -> PgPool {
        self.db.clone()
    }

    /// The environment a client or server run against this stack needs.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("SUPABASE_URL", self.supabase_url.clone()),
            ("SUPABASE_ANON_KEY", self.keys.anon_key.clone()),
            (
                "SUPABASE_SERVICE_ROLE_KEY",
                self.keys.service_role_key.clone(),
            ),
            ("SUPABASE_JWT_SECRET", self.keys.jwt_secret.clone()),
            ("DATABASE_URL", self.database_url.clone()),
            ("NATIVE_API_URL", self.native_api_url.clone()),
            ("PROVIDER_BASE_URL", self.provider_base_url.clone()),
            ("STRIPE_WEBHOOK_SECRET", self.stripe_webhook_secret.clone()),
        ]
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        // The gateway and the other fields stop as they drop, in order.
        if let Some(tx) = self.server_shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Drops a stack's database from the shared cluster, which lives as long as
/// the process and would otherwise accumulate one database per test.
pub(crate) struct DatabaseGuard {
    pub(crate) cluster: Option<Arc<Cluster>>,
    pub(crate) name: String,
}

impl Drop for DatabaseGuard {
    fn drop(&mut self) {
        let Some(cluster) = self.cluster.take() else {
            return;
        };
        // `Drop` cannot await, and the caller's runtime may be shutting
        // down: run the statement on a small runtime of its own thread.
        let statement = format!("drop database if exists {} with (force)", self.name);
        let url = cluster.url("postgres");
        let worker = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async {
                use sqlx::Connection;
                let mut conn = sqlx::PgConnection::connect(&url).await?;
                sqlx::raw_sql(&statement).execute(&mut conn).await?;
                conn.close().await?;
                Ok::<_, anyhow::Error>(())
            })
        });
        match worker.join() {
            Ok(Ok(())) => {}
            Ok(Err(err)) => {
                tracing::warn!(error = %err, database = %self.name, "cannot drop a stack database")
            }
            Err(_) => tracing::warn!(database = %self.name, "dropping a stack database panicked"),
        }
    }
}

/// A secret shaped like Stripe's: `whsec_` and 32 random bytes in base64.
fn webhook_secret() -> String {
    let bytes: [u8; 32] = rand::rng().random();
    format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}
