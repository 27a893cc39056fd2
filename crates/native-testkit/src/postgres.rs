//! A throwaway PostgreSQL cluster: initdb into a scratch directory, start the
//! server on a free loopback port, and hand out fresh databases cloned from a
//! template that holds the Supabase bootstrap and every migration.
//!
//! Tests in one binary share one lazily started cluster ([`Cluster::shared`]),
//! each with its own database. Every `#[tokio::test]` runs on its own runtime
//! and sqlx pools die with the runtime that created them, so a cluster holds
//! no pool: only the process, the port and the template's state. Setup uses
//! short-lived connections; each stack creates its own pools.

pub(crate) mod template;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow};
use nix::sys::signal::Signal;
use sqlx::Connection;
use sqlx::postgres::PgConnection;
use tempfile::TempDir;

use crate::process::{self, ChildGuard, Spec};
use crate::scratch;

/// Where Debian's `postgresql-15` package puts the server binaries.
const DEFAULT_PG_BIN: &str = "/usr/lib/postgresql/15/bin";

/// How often a port that turned out to be taken is replaced by another.
const START_ATTEMPTS: usize = 5;

/// How long the server may take to accept connections.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// The superuser initdb creates; it owns every database.
pub const SUPERUSER: &str = "postgres";

/// The process-wide cluster the tests of one binary share.
static SHARED: tokio::sync::OnceCell<Arc<Cluster>> = tokio::sync::OnceCell::const_new();

/// A running PostgreSQL server and its data directory.
pub struct Cluster {
    port: u16,
    /// Declared before `dir` so that the server stops before its data
    /// directory is removed.
    server: ChildGuard,
    /// Whether `native_template` is built; the lock also serialises
    /// `create database ... template`, which fails while another session
    /// uses the template.
    template: tokio::sync::Mutex<bool>,
    next_db: AtomicU32,
    dir: TempDir,
}

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cluster")
            .field("port", &self.port)
            .field("pid", &self.server.pid())
            .field("dir", &self.dir.path())
            .finish_non_exhaustive()
    }
}

impl Cluster {
    /// The cluster shared by every stack of this process, started on first use.
    pub async fn shared() -> anyhow::Result<Arc<Cluster>> {
        SHARED
            .get_or_try_init(|| async { Cluster::start().await.map(Arc::new) })
            .await
            .cloned()
    }

    /// A new cluster of its own: initdb, start, and create the Supabase roles.
    pub async fn start() -> anyhow::Result<Cluster> {
        let dir = scratch::create("pg")?;
        let run_as = process::postgres_credentials()?;
        let bin = pg_bin();
        if !bin.join("postgres").is_file() || !bin.join("initdb").is_file() {
            return Err(anyhow!(
                "PostgreSQL server binaries not found in {} (install Debian's `postgresql` \
                 package, or set PG_BIN to the directory holding initdb and postgres)",
                bin.display()
            ));
        }
        let data = dir.path().join("data");
        let sock = dir.path().join("sock");
        std::fs::create_dir(&sock).context("cannot create the socket directory")?;
        if let Some((uid, gid)) = run_as {
            for path in [dir.path(), sock.as_path()] {
                std::os::unix::fs::chown(path, Some(uid), Some(gid))
                    .with_context(|| format!("cannot hand {} to postgres", path.display()))?;
            }
        }

        let initdb = Spec::new("initdb", bin.join("initdb"), dir.path())
            .args(["-D", &path_str(&data)?, "-A", "trust", "-U", SUPERUSER])
            .args(["--no-sync", "-E", "UTF8", "--locale=C.UTF-8"])
            .run_as(run_as);
        tokio::task::spawn_blocking(move || process::run(&initdb, Duration::from_secs(60)))
            .await
            .context("the initdb task failed")??;

        let mut last_error = None;
        for _ in 0..START_ATTEMPTS {
            let port = free_port()?;
            let spec = Spec::new("postgres", bin.join("postgres"), dir.path())
                .args(["-D", &path_str(&data)?, "-p", &port.to_string()])
                .args(["-k", &path_str(&sock)?])
                .args([
                    "-c",
                    "listen_addresses=127.0.0.1",
                    "-c",
                    "max_connections=300",
                ])
                .args(["-c", "fsync=off", "-c", "synchronous_commit=off"])
                .args(["-c", "full_page_writes=off"])
                // SIGINT is PostgreSQL's fast shutdown: abort transactions,
                // close connections, exit cleanly.
                .stop_signal(Signal::SIGINT)
                .run_as(run_as);
            let mut server = process::spawn(&spec)?;
            match wait_until_ready(&mut server, port).await {
                Ok(()) => {
                    let cluster = Cluster {
                        port,
                        server,
                        template: tokio::sync::Mutex::new(false),
                        next_db: AtomicU32::new(1),
                        dir,
                    };
                    template::apply_cluster_files(&cluster.url("postgres")).await?;
                    return Ok(cluster);
                }
                Err(StartError::PortTaken) => {
                    last_error = Some(anyhow!("port {port} was taken"));
                    drop(server);
                    // Another server writes its log to the same file; start
                    // the next attempt's tail on a clean page.
                    let _ = std::fs::write(spec.log_path(), "");
                }
                Err(StartError::Failed(err)) => return Err(err),
            }
        }
        Err(last_error
            .unwrap_or_else(|| anyhow!("no attempt made"))
            .context("PostgreSQL could not bind a free port"))
    }

    /// The PID of the postmaster.
    pub fn pid(&self) -> u32 {
        self.server.pid()
    }

    /// A connection URL for `database` as the superuser (trust auth, loopback).
    pub fn url(&self, database: &str) -> String {
        format!("postgres://{SUPERUSER}@127.0.0.1:{}/{database}", self.port)
    }

    /// A URL for `database` as `user` with `password` (PostgREST's authenticator).
    pub fn url_as(&self, user: &str, password: &str, database: &str) -> String {
        format!(
            "postgres://{user}:{password}@127.0.0.1:{}/{database}",
            self.port
        )
    }

    /// Creates a fresh database `stack_<n>` from the template (building the
    /// template first if needed) and answers its name.
    pub async fn create_database(&self) -> anyhow::Result<String> {
        let mut built = self.template.lock().await;
        if !*built {
            template::build(self).await?;
            *built = true;
        }
        let name = format!("stack_{}", self.next_db.fetch_add(1, Ordering::Relaxed));
        let mut conn = PgConnection::connect(&self.url("postgres"))
            .await
            .context("cannot connect to the cluster")?;
        let statement = format!("create database {name} template {}", template::TEMPLATE_DB);
        template::execute(&mut conn, &statement)
            .await
            .with_context(|| format!("cannot create database {name}"))?;
        let _ = conn.close().await;
        Ok(name)
    }
}

impl Cluster {
    /// Creates an empty database `scratch_<n>` (no bootstrap, no migrations),
    /// for tests that build a schema step by step, such as upgrades.
    pub async fn create_empty_database(&self) -> anyhow::Result<String> {
        let name = format!("scratch_{}", self.next_db.fetch_add(1, Ordering::Relaxed));
        let mut conn = PgConnection::connect(&self.url("postgres"))
            .await
            .context("cannot connect to the cluster")?;
        template::execute(&mut conn, &format!("create database {name}"))
            .await
            .with_context(|| format!("cannot create database {name}"))?;
        let _ = conn.close().await;
        Ok(name)
    }
}

/// Why one attempt to start the server failed.
enum StartError {
    /// Another process took the port between picking and binding: retry.
    PortTaken,
    Failed(anyhow::Error),
}

/// Waits until the server accepts connections on `port`.
async fn wait_until_ready(server: &mut ChildGuard, port: u16) -> Result<(), StartError> {
    let url = format!("postgres://{SUPERUSER}@127.0.0.1:{port}/postgres");
    let deadline = Instant::now() + START_TIMEOUT;
    loop {
        match server.try_wait() {
            Ok(None) => {}
            Ok(Some(status)) => {
                let log = server.log_tail();
                if log.contains("could not bind") || log.contains("Address already in use") {
                    return Err(StartError::PortTaken);
                }
                return Err(StartError::Failed(anyhow!(
                    "postgres exited during startup ({status}); its log:\n{log}"
                )));
            }
            Err(err) => return Err(StartError::Failed(err)),
        }
        if let Ok(conn) = PgConnection::connect(&url).await {
            let _ = conn.close().await;
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(StartError::Failed(anyhow!(
                "postgres did not accept connections within {START_TIMEOUT:?}; its log:\n{}",
                server.log_tail()
            )));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A loopback port that was free a moment ago: bind port 0, read it, release.
/// Callers retry when the port is taken before they bind it.
pub fn free_port() -> anyhow::Result<u16> {
    let listener =
        std::net::TcpListener::bind("127.0.0.1:0").context("cannot bind a loopback port")?;
    Ok(listener
        .local_addr()
        .context("cannot read a bound port")?
        .port())
}

/// The PostgreSQL server binaries: `PG_BIN` when set, else Debian's path.
fn pg_bin() -> PathBuf {
    std::env::var_os("PG_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(DEFAULT_PG_BIN))
}

fn path_str(path: &std::path::Path) -> anyhow::Result<String> {
    path.to_str()
        .map(str::to_owned)
        .ok_or_else(|| anyhow!("path {} is not UTF-8", path.display()))
}
