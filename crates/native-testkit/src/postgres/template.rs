//! The SQL every database starts with: the Supabase bootstrap in `sql/`
//! (`00_*` files are cluster-wide, the rest per database) followed by every
//! `migrations/*.sql` of the repository, applied in name order to the
//! template database `native_template` that stack databases are cloned from.

use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow};
use futures::future::BoxFuture;
use sqlx::Connection;
use sqlx::postgres::{PgConnection, PgDatabaseError, PgErrorPosition, PgQueryResult};

use super::Cluster;

/// The database every stack database is cloned from.
pub const TEMPLATE_DB: &str = "native_template";

/// The bootstrap files of this crate.
fn sql_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sql")
}

/// The repository's migrations (`NATIVE_MIGRATIONS_DIR` overrides, for a
/// test of the testkit itself).
fn migrations_dir() -> PathBuf {
    std::env::var_os("NATIVE_MIGRATIONS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations"))
}

/// Applies the cluster-wide bootstrap files (`sql/00_*.sql`: roles) through
/// the database at `url`.
pub async fn apply_cluster_files(url: &str) -> anyhow::Result<()> {
    let files = sql_files(&sql_dir())?
        .into_iter()
        .filter(|path| is_cluster_wide(path))
        .collect::<Vec<_>>();
    let mut conn = PgConnection::connect(url)
        .await
        .context("cannot connect to the new cluster")?;
    for file in &files {
        apply_file(&mut conn, file).await?;
    }
    let _ = conn.close().await;
    Ok(())
}

/// (Re)creates the template database: the per-database bootstrap files, then
/// every migration. A failure leaves no half-built template behind.
pub async fn build(cluster: &Cluster) -> anyhow::Result<()> {
    let mut admin = PgConnection::connect(&cluster.url("postgres"))
        .await
        .context("cannot connect to the cluster")?;
    // Two statements, not one script: a script runs as one implicit
    // transaction, and `create database` refuses to run inside one.
    for statement in [
        format!("drop database if exists {TEMPLATE_DB}"),
        format!("create database {TEMPLATE_DB}"),
    ] {
        execute(&mut admin, &statement)
            .await
            .context("cannot create the template database")?;
    }

    let mut files: Vec<PathBuf> = sql_files(&sql_dir())?
        .into_iter()
        .filter(|path| !is_cluster_wide(path))
        .collect();
    let migrations = migrations_dir();
    if migrations.is_dir() {
        files.extend(sql_files(&migrations)?);
    }

    let result = async {
        let mut conn = PgConnection::connect(&cluster.url(TEMPLATE_DB))
            .await
            .context("cannot connect to the template database")?;
        for file in &files {
            apply_file(&mut conn, file).await?;
        }
        // A clone fails while any session uses its template: close now.
        let _ = conn.close().await;
        Ok::<_, anyhow::Error>(())
    }
    .await;
    if result.is_err() {
        let _ = execute(
            &mut admin,
            &format!("drop database if exists {TEMPLATE_DB}"),
        )
        .await;
    }
    let _ = admin.close().await;
    result
}

/// Applies the per-database bootstrap (Supabase's schemas, `auth`), without
/// migrations, to the database at `url`.
pub async fn apply_database_bootstrap(url: &str) -> anyhow::Result<()> {
    let files: Vec<PathBuf> = sql_files(&sql_dir())?
        .into_iter()
        .filter(|path| !is_cluster_wide(path))
        .collect();
    apply_files(url, &files).await
}

/// Applies every migration, in name order, to the database at `url`.
pub async fn apply_migrations(url: &str) -> anyhow::Result<()> {
    apply_files(url, &sql_files(&migrations_dir())?).await
}

async fn apply_files(url: &str, files: &[PathBuf]) -> anyhow::Result<()> {
    let mut conn = PgConnection::connect(url)
        .await
        .context("cannot connect to the database")?;
    for file in files {
        apply_file(&mut conn, file).await?;
    }
    let _ = conn.close().await;
    Ok(())
}

/// Runs a (multi-statement) script through `Executor::execute`, whose boxed
/// future is `Send`. The `async fn RawSql::execute` wrapper is avoided on
/// purpose: rustc cannot prove a caller's future `Send` across it
/// ("implementation of `Executor` is not general enough"), and stacks must be
/// startable inside `tokio::spawn`.
pub fn execute<'c>(
    conn: &'c mut PgConnection,
    sql: &'c str,
) -> BoxFuture<'c, Result<PgQueryResult, sqlx::Error>> {
    sqlx::Executor::execute(conn, sqlx::raw_sql(sql))
}

/// Every `*.sql` file directly in `dir`, in name order.
fn sql_files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))? {
        let path = entry
            .with_context(|| format!("cannot list {}", dir.display()))?
            .path();
        if path.is_file() && path.extension().is_some_and(|ext| ext == "sql") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

fn is_cluster_wide(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|name| name.to_string_lossy().starts_with("00_"))
}

/// Runs one file as a single multi-statement script. The error names the
/// file and quotes PostgreSQL's message, detail, hint and line.
async fn apply_file(conn: &mut PgConnection, path: &Path) -> anyhow::Result<()> {
    let sql =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    match execute(conn, &sql).await {
        Ok(_) => Ok(()),
        Err(err) => Err(anyhow!(
            "{} failed: {}",
            path.display(),
            describe_error(&err, &sql)
        )),
    }
}

/// PostgreSQL's own words for a failed script, with the line it points at.
fn describe_error(err: &sqlx::Error, sql: &str) -> String {
    let Some(pg) = err
        .as_database_error()
        .and_then(|db| db.try_downcast_ref::<PgDatabaseError>())
    else {
        return err.to_string();
    };
    let mut text = format!("{} (SQLSTATE {})", pg.message(), pg.code());
    if let Some(PgErrorPosition::Original(position)) = pg.position() {
        // The position counts characters from 1 into the whole script.
        let before: String = sql.chars().take(position.saturating_sub(1)).collect();
        let line = before.matches('\n').count() + 1;
        text.push_str(&format!(" at line {line}"));
    }
    if let Some(detail) = pg.detail() {
        text.push_str(&format!("\nDETAIL: {detail}"));
    }
    if let Some(hint) = pg.hint() {
        text.push_str(&format!("\nHINT: {hint}"));
    }
    if let Some(context) = pg.r#where() {
        text.push_str(&format!("\nCONTEXT: {context}"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bootstrap_files_split_into_cluster_and_database_ones() {
        let files = sql_files(&sql_dir()).expect("sql dir lists");
        let names: Vec<String> = files
            .iter()
            .map(|p| p.file_name().expect("name").to_string_lossy().into_owned())
            .collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted);
        assert_eq!(
            names[..3],
            ["00_roles.sql", "10_database.sql", "20_auth.sql"]
        );
        assert!(is_cluster_wide(&files[0]));
        assert!(files[1..].iter().all(|f| !is_cluster_wide(f)));
    }

    #[tokio::test]
    async fn a_failing_file_is_named_with_postgres_message_and_line() {
        let cluster = Cluster::start().await.expect("cluster starts");
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("20250101000000_broken.sql");
        std::fs::write(
            &path,
            "create table ok (id int);\n\nselect * from missing_table;\n",
        )
        .expect("write");
        let mut conn = PgConnection::connect(&cluster.url("postgres"))
            .await
            .expect("connect");
        let err = apply_file(&mut conn, &path)
            .await
            .expect_err("the file fails");
        let text = err.to_string();
        assert!(text.contains("20250101000000_broken.sql"), "{text}");
        assert!(
            text.contains("relation \"missing_table\" does not exist"),
            "{text}"
        );
        assert!(text.contains("42P01"), "{text}");
        assert!(text.contains("at line 3"), "{text}");
    }
}
