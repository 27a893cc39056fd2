//! The command line. With no arguments (or `serve`) the server runs; the
//! `billing` commands are for support and exit when done:
//!
//! - `billing replay <event.json | evt_...> [--user <id|email>]` applies an
//!   event that was kept unapplied (no user, unknown product), from a file
//!   (Stripe's Dashboard shows the JSON) or by id from the unmatched events;
//!   `--user` says whose payment it is. An applied event is never applied
//!   twice.
//! - `billing grant --user <id|email> (--pro | --pack) [--reference R]`
//!   grants by hand; the same reference twice grants once.
//!
//! The arguments are matched by hand, like xtask's: two subcommands do not
//! justify a parser's build time.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

use crate::billing::{self, Event, Mode, Product};
use crate::config::BillingSettings;
use crate::{Application, Settings, startup};

const USAGE: &str = "usage:
  native-server [serve]
  native-server billing replay <event.json | evt_...> [--user <id|email>]
  native-server billing grant --user <id|email> (--pro | --pack) [--reference <R>]";

#[derive(Debug, PartialEq, Eq)]
enum Command {
    Serve,
    Help,
    Replay {
        source: String,
        user: Option<String>,
    },
    Grant {
        user: String,
        product: Product,
        reference: Option<String>,
    },
}

/// Runs what `args` (without the program name) ask for.
pub async fn run(args: impl IntoIterator<Item = String>) -> anyhow::Result<()> {
    let args: Vec<String> = args.into_iter().collect();
    match parse(&args)? {
        Command::Serve => {
            let app = Application::build(Settings::from_env()?).await?;
            app.run_until_stopped(startup::shutdown_signal()).await
        }
        Command::Help => {
            println!("{USAGE}");
            Ok(())
        }
        Command::Replay { source, user } => replay(&source, user.as_deref()).await,
        Command::Grant {
            user,
            product,
            reference,
        } => grant(&user, product, reference).await,
    }
}

fn parse(args: &[String]) -> anyhow::Result<Command> {
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    match words.as_slice() {
        [] | ["serve"] => Ok(Command::Serve),
        ["help" | "--help" | "-h"] => Ok(Command::Help),
        ["billing", "replay", rest @ ..] => {
            let mut source = None;
            let mut user = None;
            let mut rest = rest.iter();
            while let Some(word) = rest.next() {
                match *word {
                    "--user" => user = Some(value_of("--user", rest.next())?),
                    flag if flag.starts_with("--") => bail!("unknown option {flag}\n{USAGE}"),
                    path if source.is_none() => source = Some(path.to_owned()),
                    extra => bail!("unexpected argument {extra}\n{USAGE}"),
                }
            }
            let source = source.ok_or_else(|| anyhow!("replay needs an event\n{USAGE}"))?;
            Ok(Command::Replay { source, user })
        }
        ["billing", "grant", rest @ ..] => {
            let mut user = None;
            let mut product = None;
            let mut reference = None;
            let mut rest = rest.iter();
            while let Some(word) = rest.next() {
                let chosen = match *word {
                    "--user" => {
                        user = Some(value_of("--user", rest.next())?);
                        None
                    }
                    "--reference" => {
                        reference = Some(value_of("--reference", rest.next())?);
                        None
                    }
                    "--pro" => Some(Product::Pro),
                    "--pack" => Some(Product::Pack),
                    other => bail!("unexpected argument {other}\n{USAGE}"),
                };
                if let Some(chosen) = chosen {
                    if product.is_some_and(|p| p != chosen) {
                        bail!("grant either --pro or --pack, not both");
                    }
                    product = Some(chosen);
                }
            }
            Ok(Command::Grant {
                user: user.ok_or_else(|| anyhow!("grant needs --user <id|email>\n{USAGE}"))?,
                product: product.ok_or_else(|| anyhow!("grant needs --pro or --pack\n{USAGE}"))?,
                reference,
            })
        }
        _ => bail!("unknown command\n{USAGE}"),
    }
}

fn value_of(flag: &str, value: Option<&&str>) -> anyhow::Result<String> {
    match value {
        Some(value) if !value.starts_with("--") && !value.trim().is_empty() => {
            Ok((*value).to_owned())
        }
        _ => bail!("{flag} needs a value\n{USAGE}"),
    }
}

async fn connect() -> anyhow::Result<PgPool> {
    let url = std::env::var("DATABASE_URL").context("DATABASE_URL is not set")?;
    PgPoolOptions::new()
        .max_connections(2)
        .acquire_timeout(Duration::from_secs(10))
        .connect(&url)
        .await
        .context("cannot connect to the database (DATABASE_URL)")
}

async fn user_named(db: &PgPool, who: &str) -> anyhow::Result<uuid::Uuid> {
    billing::find_user(db, who)
        .await
        .context("cannot look the user up")?
        .ok_or_else(|| anyhow!("no user has the id or e-mail {who:?}"))
}

async fn replay(source: &str, who: Option<&str>) -> anyhow::Result<()> {
    let settings = BillingSettings::from_env()?;
    let db = connect().await?;
    let event = if Path::new(source).is_file() {
        let bytes = std::fs::read(source).with_context(|| format!("cannot read {source}"))?;
        Event::parse(&bytes).map_err(|reason| anyhow!("{source}: {reason}"))?
    } else if source.starts_with("evt_") {
        billing::stored_event(&db, source)
            .await
            .context("cannot read the unmatched events")?
            .ok_or_else(|| anyhow!("no file {source} and no unmatched event with that id"))?
    } else {
        bail!("no file {source}");
    };
    let user = match who {
        Some(who) => Some(user_named(&db, who).await?),
        None => None,
    };
    let processed = billing::process(&db, &settings, &event, Mode::Replay { user })
        .await
        .context("cannot apply the event")?;
    let outcome = processed.outcome;
    println!(
        "{} ({}): {}{}",
        event.id,
        event.kind,
        outcome.as_str(),
        processed
            .user
            .map(|user| format!(", user {user}"))
            .unwrap_or_default()
    );
    if outcome.awaits_replay() {
        bail!(
            "{} is still not applied ({}); pass --user <id|email> to say whose payment it is",
            event.id,
            outcome.as_str()
        );
    }
    Ok(())
}

async fn grant(who: &str, product: Product, reference: Option<String>) -> anyhow::Result<()> {
    let settings = BillingSettings::from_env()?;
    let db = connect().await?;
    let user = user_named(&db, who).await?;
    // Without a reference the grant cannot be recognised if run again;
    // the generated one is printed so it can be.
    let reference = reference.unwrap_or_else(|| format!("manual-{}", uuid::Uuid::new_v4()));
    let processed = billing::grant(&db, &settings, user, product, &reference)
        .await
        .context("cannot grant")?;
    println!(
        "{} for user {user} (reference {reference}): {}",
        product.as_str(),
        processed.outcome.as_str()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(line: &str) -> anyhow::Result<Command> {
        let args: Vec<String> = line.split_whitespace().map(str::to_owned).collect();
        parse(&args)
    }

    #[test]
    fn no_arguments_serve() {
        assert_eq!(parsed("").unwrap(), Command::Serve);
        assert_eq!(parsed("serve").unwrap(), Command::Serve);
        assert_eq!(parsed("--help").unwrap(), Command::Help);
    }

    #[test]
    fn replay_takes_a_source_and_perhaps_a_user() {
        assert_eq!(
            parsed("billing replay evt_1.json").unwrap(),
            Command::Replay {
                source: "evt_1.json".into(),
                user: None
            }
        );
        assert_eq!(
            parsed("billing replay --user a@b.c evt_1").unwrap(),
            Command::Replay {
                source: "evt_1".into(),
                user: Some("a@b.c".into())
            }
        );
        for bad in [
            "billing replay",
            "billing replay a b",
            "billing replay a --user",
            "billing replay a --force",
        ] {
            assert!(parsed(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn grant_needs_a_user_and_one_product() {
        assert_eq!(
            parsed("billing grant --user a@b.c --pack --reference T-1").unwrap(),
            Command::Grant {
                user: "a@b.c".into(),
                product: Product::Pack,
                reference: Some("T-1".into())
            }
        );
        assert_eq!(
            parsed("billing grant --pro --user 7").unwrap(),
            Command::Grant {
                user: "7".into(),
                product: Product::Pro,
                reference: None
            }
        );
        for bad in [
            "billing grant --pro",
            "billing grant --user a",
            "billing grant --user a --pro --pack",
            "billing grant --user --pro",
            "billing grant --user a --pro --reference",
            "billing grant --user a --gold",
            "billing refund",
            "serve now",
        ] {
            assert!(parsed(bad).is_err(), "{bad}");
        }
    }
}
