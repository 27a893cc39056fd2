//! Databases for schema tests: one with only Supabase's bootstrap (to build
//! an older schema on, as an existing project has), and applying the
//! repository's migrations to any database.

use crate::postgres::{Cluster, template};
use crate::stack::DatabaseGuard;

/// A database of the shared cluster, dropped with this value.
pub struct ScratchDatabase {
    url: String,
    _guard: DatabaseGuard,
}

impl std::fmt::Debug for ScratchDatabase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScratchDatabase")
            .field("url", &self.url)
            .finish()
    }
}

impl ScratchDatabase {
    /// Connection URL as the database owner (the cluster's superuser).
    pub fn url(&self) -> &str {
        &self.url
    }
}

/// A new database with Supabase's roles, schemas and `auth`, and none of our
/// migrations.
pub async fn bootstrap_only_database() -> anyhow::Result<ScratchDatabase> {
    let cluster = Cluster::shared().await?;
    let name = cluster.create_empty_database().await?;
    let url = cluster.url(&name);
    let guard = DatabaseGuard {
        cluster: Some(cluster),
        name,
    };
    template::apply_database_bootstrap(&url).await?;
    Ok(ScratchDatabase { url, _guard: guard })
}

/// Applies every file of `migrations/`, in name order, to the database at `url`.
pub async fn apply_migrations(url: &str) -> anyhow::Result<()> {
    template::apply_migrations(url).await
}
