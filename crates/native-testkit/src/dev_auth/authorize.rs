//! `/authorize`: a stand-in for "Sign in with Google/GitHub". Instead of
//! sending the browser to the provider, it shows a dev consent page (an e-mail
//! field, Continue and Cancel). Consenting creates or finds a confirmed user
//! with that provider and redirects to `redirect_to?code=<auth code>` (PKCE)
//! or with tokens in the fragment (implicit); cancelling redirects with
//! `error=access_denied`. Tests skip the HTML and call
//! `GET /authorize/consent?provider=...&redirect_to=...&code_challenge=...&code_challenge_method=s256&email=...&decision=allow`.

use std::collections::HashMap;

use axum::extract::{RawQuery, State};
use axum::response::{Html, IntoResponse, Response};
use bytes::Bytes;
use serde_json::{Value, json};
use sqlx::PgConnection;

use super::error::{AuthError, AuthResult};
use super::pkce;
use super::redirect::{see_other, with_query, with_session_fragment};
use super::users::{self, NewUser, UserRow};
use super::{DevAuth, query_map, session};

/// The OAuth providers the dev auth pretends to have enabled.
const PROVIDERS: [(&str, &str); 2] = [("google", "Google"), ("github", "GitHub")];

/// The provider's display name, or GoTrue's error for a disabled provider.
fn provider_name(provider: &str) -> AuthResult<&'static str> {
    PROVIDERS
        .iter()
        .find(|(id, _)| *id == provider)
        .map(|(_, name)| *name)
        .ok_or_else(|| {
            AuthError::validation(format!(
                "Unsupported provider: provider {provider} could not be found"
            ))
        })
}

fn param<'a>(params: &'a HashMap<String, String>, key: &str) -> Option<&'a str> {
    params
        .get(key)
        .map(String::as_str)
        .filter(|v| !v.is_empty())
}

pub(crate) async fn consent_page(
    State(auth): State<DevAuth>,
    RawQuery(query): RawQuery,
) -> AuthResult<Response> {
    let params = query_map(query.as_deref());
    let provider = param(&params, "provider").unwrap_or_default();
    let name = provider_name(provider)?;
    // Validate now so a bad request fails before the user fills the form.
    pkce::parse_challenge(
        param(&params, "code_challenge"),
        param(&params, "code_challenge_method"),
    )?;
    let redirect = auth.redirect_target(param(&params, "redirect_to"))?;
    let hidden = |key: &str, value: &str| {
        format!(
            r#"<input type="hidden" name="{key}" value="{}">"#,
            escape(value)
        )
    };
    let fields = [
        hidden("provider", provider),
        hidden("redirect_to", redirect.as_str()),
        hidden(
            "code_challenge",
            param(&params, "code_challenge").unwrap_or_default(),
        ),
        hidden(
            "code_challenge_method",
            param(&params, "code_challenge_method").unwrap_or_default(),
        ),
    ]
    .join("\n      ");
    // The form posts to `authorize/consent`, relative to this page's
    // `.../authorize` URL, so it works wherever the router is mounted.
    let page = format!(
        r#"<!doctype html>
<html lang="en">
  <head><meta charset="utf-8"><title>Sign in with {name} (dev)</title></head>
  <body>
    <main>
      <h1>Sign in with {name}</h1>
      <p>This is the local dev stack's stand-in for {name}'s consent screen.
         Enter any e-mail address to continue as that user.</p>
      <form id="consent" method="post" action="authorize/consent">
      {fields}
      <label for="email">E-mail</label>
      <input id="email" type="email" name="email" required autocomplete="off">
      <button id="continue" type="submit" name="decision" value="allow">Continue</button>
      <button id="cancel" type="submit" name="decision" value="deny" formnovalidate>Cancel</button>
      </form>
    </main>
  </body>
</html>
"#
    );
    Ok(Html(page).into_response())
}

/// Escapes text for an HTML attribute value.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

pub(crate) async fn consent_query(
    State(auth): State<DevAuth>,
    RawQuery(query): RawQuery,
) -> AuthResult<Response> {
    consent(&auth, query_map(query.as_deref())).await
}

pub(crate) async fn consent_form(State(auth): State<DevAuth>, body: Bytes) -> AuthResult<Response> {
    let params = url::form_urlencoded::parse(&body).into_owned().collect();
    consent(&auth, params).await
}

async fn consent(auth: &DevAuth, params: HashMap<String, String>) -> AuthResult<Response> {
    let provider = param(&params, "provider").unwrap_or_default();
    provider_name(provider)?;
    let challenge = pkce::parse_challenge(
        param(&params, "code_challenge"),
        param(&params, "code_challenge_method"),
    )?;
    let target = auth.redirect_target(param(&params, "redirect_to"))?;
    if param(&params, "decision") != Some("allow") {
        let url = with_query(
            target,
            &[
                ("error", "access_denied"),
                ("error_description", "The user denied the sign-in request"),
            ],
        );
        return Ok(see_other(&url));
    }
    let email = users::normalize_email(param(&params, "email"))?;

    let mut tx = auth.pool().begin().await?;
    let user = find_or_create(&mut tx, &email, provider).await?;
    let url = match challenge {
        Some(challenge) => {
            let code =
                pkce::insert_flow_state(&mut tx, user.id, &challenge, provider, "oauth", true)
                    .await?;
            with_query(target, &[("code", &code)])
        }
        None => {
            let (session_id, refresh_token) = session::start(&mut tx, user.id, "oauth").await?;
            let answer = auth
                .session_json(&mut tx, user.id, session_id, &refresh_token)
                .await?;
            with_session_fragment(target, &answer, "oauth")
        }
    };
    tx.commit().await?;
    Ok(see_other(&url))
}

/// The user with this address, linked to `provider` and confirmed (the
/// provider vouches for the address), created if needed.
async fn find_or_create(
    conn: &mut PgConnection,
    email: &str,
    provider: &str,
) -> AuthResult<UserRow> {
    let identity = json!({
        "email": email,
        "email_verified": true,
        "full_name": email.split('@').next().unwrap_or_default(),
        "provider_id": email,
    });
    let Some(user) = users::find_by_email(conn, email).await? else {
        return users::insert(
            conn,
            NewUser {
                email,
                password_hash: None,
                confirmed: true,
                provider,
                user_metadata: identity,
            },
        )
        .await;
    };
    let mut app_metadata = user.app_metadata();
    let mut providers = user.providers();
    if !providers.iter().any(|known| known == provider) {
        providers.push(provider.to_owned());
    }
    app_metadata["providers"] = json!(providers);
    if app_metadata.get("provider").is_none() {
        app_metadata["provider"] = Value::String(provider.to_owned());
    }
    let user_metadata = match identity {
        Value::Object(fields) => users::merge_metadata(&user.user_metadata(), &fields),
        _ => user.user_metadata(),
    };
    sqlx::query(
        "update auth.users set raw_app_meta_data = $2, raw_user_meta_data = $3, \
           email_confirmed_at = coalesce(email_confirmed_at, now()), updated_at = now() \
         where id = $1",
    )
    .bind(user.id)
    .bind(app_metadata)
    .bind(user_metadata)
    .execute(&mut *conn)
    .await?;
    users::find_by_id(conn, user.id)
        .await?
        .ok_or_else(|| AuthError::internal("user vanished during consent"))
}
