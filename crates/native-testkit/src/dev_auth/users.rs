//! `auth.users`: reading and writing user rows, the password and e-mail rules
//! GoTrue applies, and the user object GoTrue answers (`GET /user`, the `user`
//! of a session).

use serde_json::{Map, Value, json};
use sqlx::PgConnection;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

use super::error::{AuthError, AuthResult};

/// bcrypt cost of stored hashes. GoTrue uses the library default (10); 8 keeps
/// the many sign-ups of a test run fast while still being a real bcrypt hash.
const BCRYPT_COST: u32 = 8;

/// GoTrue's default minimum password length.
const MIN_PASSWORD_LEN: usize = 6;

/// bcrypt only looks at the first 72 bytes; GoTrue refuses longer passwords
/// rather than silently ignoring the rest.
const MAX_PASSWORD_BYTES: usize = 72;

/// The columns every query selects, in [`UserRow`]'s order.
pub(crate) const USER_COLUMNS: &str = "id, aud, role, email, encrypted_password, \
    email_confirmed_at, confirmation_sent_at, recovery_sent_at, last_sign_in_at, \
    raw_app_meta_data, raw_user_meta_data, created_at, updated_at, phone, confirmed_at, \
    is_anonymous";

/// One row of `auth.users`, as far as the dev auth uses it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct UserRow {
    pub id: Uuid,
    pub aud: Option<String>,
    pub role: Option<String>,
    pub email: Option<String>,
    pub encrypted_password: Option<String>,
    pub email_confirmed_at: Option<OffsetDateTime>,
    pub confirmation_sent_at: Option<OffsetDateTime>,
    pub recovery_sent_at: Option<OffsetDateTime>,
    pub last_sign_in_at: Option<OffsetDateTime>,
    pub raw_app_meta_data: Option<Value>,
    pub raw_user_meta_data: Option<Value>,
    pub created_at: Option<OffsetDateTime>,
    pub updated_at: Option<OffsetDateTime>,
    pub phone: Option<String>,
    pub confirmed_at: Option<OffsetDateTime>,
    pub is_anonymous: bool,
}

impl UserRow {
    pub(crate) fn email(&self) -> &str {
        self.email.as_deref().unwrap_or_default()
    }

    pub(crate) fn app_metadata(&self) -> Value {
        object_or_empty(self.raw_app_meta_data.as_ref())
    }

    pub(crate) fn user_metadata(&self) -> Value {
        object_or_empty(self.raw_user_meta_data.as_ref())
    }

    /// The providers the user signed in with (`app_metadata.providers`).
    pub(crate) fn providers(&self) -> Vec<String> {
        self.raw_app_meta_data
            .as_ref()
            .and_then(|meta| meta.get("providers"))
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The user object GoTrue answers.
    pub(crate) fn to_json(&self) -> Value {
        let identities: Vec<Value> = self
            .providers()
            .iter()
            .map(|provider| {
                json!({
                    // One identity per provider; the dev auth keeps no identities
                    // table, so the user id stands in for the identity id.
                    "identity_id": self.id,
                    "id": self.id,
                    "user_id": self.id,
                    "identity_data": {
                        "sub": self.id,
                        "email": self.email(),
                        "email_verified": self.email_confirmed_at.is_some(),
                        "phone_verified": false,
                    },
                    "provider": provider,
                    "email": self.email(),
                    "last_sign_in_at": ts(self.last_sign_in_at),
                    "created_at": ts(self.created_at),
                    "updated_at": ts(self.updated_at),
                })
            })
            .collect();
        let mut user = json!({
            "id": self.id,
            "aud": self.aud.as_deref().unwrap_or("authenticated"),
            "role": self.role.as_deref().unwrap_or("authenticated"),
            "email": self.email(),
            "phone": self.phone.as_deref().unwrap_or_default(),
            "app_metadata": self.app_metadata(),
            "user_metadata": self.user_metadata(),
            "identities": identities,
            "created_at": ts(self.created_at),
            "updated_at": ts(self.updated_at),
            "is_anonymous": self.is_anonymous,
        });
        // GoTrue omits the timestamps that were never set.
        let optional = [
            ("email_confirmed_at", self.email_confirmed_at),
            ("confirmed_at", self.confirmed_at),
            ("confirmation_sent_at", self.confirmation_sent_at),
            ("recovery_sent_at", self.recovery_sent_at),
            ("last_sign_in_at", self.last_sign_in_at),
        ];
        for (key, value) in optional {
            if value.is_some() {
                user[key] = ts(value);
            }
        }
        user
    }
}

fn object_or_empty(value: Option<&Value>) -> Value {
    match value {
        Some(Value::Object(map)) => Value::Object(map.clone()),
        _ => Value::Object(Map::new()),
    }
}

/// An RFC 3339 timestamp, or `null`.
pub(crate) fn ts(value: Option<OffsetDateTime>) -> Value {
    value
        .and_then(|at| at.format(&Rfc3339).ok())
        .map_or(Value::Null, Value::String)
}

/// Trims and lower-cases an e-mail address and checks its shape the way GoTrue
/// does before anything touches the database.
pub(crate) fn normalize_email(raw: Option<&str>) -> AuthResult<String> {
    let email = raw.unwrap_or_default().trim().to_lowercase();
    if email.is_empty() {
        return Err(AuthError::validation("An email address is required"));
    }
    if email.len() > 255 {
        return Err(AuthError::validation("An email address is too long"));
    }
    let well_formed = match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !email.chars().any(char::is_whitespace)
        }
        None => false,
    };
    if !well_formed {
        return Err(AuthError::validation(
            "Unable to validate email address: invalid format",
        ));
    }
    Ok(email)
}

/// GoTrue's password rules: at least 6 characters (a `weak_password` 422 with
/// reason `length`) and at most 72 bytes.
pub(crate) fn check_password(password: Option<&str>) -> AuthResult<&str> {
    let password = password.unwrap_or_default();
    if password.is_empty() {
        return Err(AuthError::unprocessable(
            "validation_failed",
            "Signup requires a valid password",
        ));
    }
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err(AuthError::weak_password(
            format!("Password should be at least {MIN_PASSWORD_LEN} characters."),
            vec!["length"],
        ));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(AuthError::unprocessable(
            "validation_failed",
            format!("Password cannot be longer than {MAX_PASSWORD_BYTES} characters"),
        ));
    }
    Ok(password)
}

/// bcrypt-hashes a password off the async workers (hashing is CPU-bound).
pub(crate) async fn hash_password(password: &str) -> AuthResult<String> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || bcrypt::hash(password, BCRYPT_COST))
        .await
        .map_err(AuthError::internal)?
        .map_err(AuthError::internal)
}

/// Checks a password against a stored bcrypt hash; a missing or malformed hash
/// (e.g. a user who only ever signed in with OAuth) never matches.
pub(crate) async fn password_matches(password: &str, hash: Option<&str>) -> AuthResult<bool> {
    let Some(hash) = hash.filter(|hash| !hash.is_empty()) else {
        return Ok(false);
    };
    let (password, hash) = (password.to_owned(), hash.to_owned());
    let verified = tokio::task::spawn_blocking(move || bcrypt::verify(password, &hash))
        .await
        .map_err(AuthError::internal)?;
    Ok(verified.unwrap_or(false))
}

pub(crate) async fn find_by_email(
    conn: &mut PgConnection,
    email: &str,
) -> AuthResult<Option<UserRow>> {
    let sql = format!(
        "select {USER_COLUMNS} from auth.users \
         where lower(email) = lower($1) and is_sso_user = false and deleted_at is null"
    );
    Ok(sqlx::query_as::<_, UserRow>(&sql)
        .bind(email)
        .fetch_optional(conn)
        .await?)
}

pub(crate) async fn find_by_id(conn: &mut PgConnection, id: Uuid) -> AuthResult<Option<UserRow>> {
    let sql = format!("select {USER_COLUMNS} from auth.users where id = $1 and deleted_at is null");
    Ok(sqlx::query_as::<_, UserRow>(&sql)
        .bind(id)
        .fetch_optional(conn)
        .await?)
}

/// A user about to be inserted.
pub(crate) struct NewUser<'a> {
    pub email: &'a str,
    pub password_hash: Option<String>,
    pub confirmed: bool,
    pub provider: &'a str,
    pub user_metadata: Value,
}

/// Inserts a user; answers `user_already_exists` when the e-mail is taken
/// (also when a concurrent sign-up wins the race, via the unique index).
pub(crate) async fn insert(conn: &mut PgConnection, new: NewUser<'_>) -> AuthResult<UserRow> {
    let sql = format!(
        "insert into auth.users (instance_id, id, aud, role, email, encrypted_password, \
           email_confirmed_at, raw_app_meta_data, raw_user_meta_data, created_at, updated_at, \
           is_anonymous, confirmation_token, recovery_token) \
         values ('00000000-0000-0000-0000-000000000000', $1, 'authenticated', 'authenticated', \
           $2, $3, case when $4 then now() end, $5, $6, now(), now(), false, '', '') \
         returning {USER_COLUMNS}"
    );
    let app_metadata = json!({ "provider": new.provider, "providers": [new.provider] });
    let result = sqlx::query_as::<_, UserRow>(&sql)
        .bind(Uuid::new_v4())
        .bind(new.email)
        .bind(new.password_hash)
        .bind(new.confirmed)
        .bind(app_metadata)
        .bind(new.user_metadata)
        .fetch_one(conn)
        .await;
    match result {
        Ok(user) => Ok(user),
        Err(sqlx::Error::Database(db)) if db.is_unique_violation() => Err(user_already_exists()),
        Err(err) => Err(err.into()),
    }
}

pub(crate) fn user_already_exists() -> AuthError {
    AuthError::unprocessable("user_already_exists", "User already registered")
}

/// Merges `data` into the user's metadata as GoTrue does: top-level keys are
/// replaced, and a `null` value removes the key.
pub(crate) fn merge_metadata(current: &Value, data: &Map<String, Value>) -> Value {
    let mut merged = match current {
        Value::Object(map) => map.clone(),
        _ => Map::new(),
    };
    for (key, value) in data {
        if value.is_null() {
            merged.remove(key);
        } else {
            merged.insert(key.clone(), value.clone());
        }
    }
    Value::Object(merged)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_shapes() {
        assert_eq!(
            normalize_email(Some("  Ada@Example.COM ")).expect("valid"),
            "ada@example.com"
        );
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "a b@example.com",
            "a@b@c.d",
        ] {
            let err = normalize_email(Some(bad)).expect_err(bad);
            assert_eq!(err.error_code(), "validation_failed", "{bad}");
        }
    }

    #[test]
    fn password_rules() {
        assert_eq!(
            check_password(Some("12345"))
                .expect_err("short")
                .error_code(),
            "weak_password"
        );
        assert_eq!(
            check_password(None).expect_err("missing").error_code(),
            "validation_failed"
        );
        assert!(check_password(Some(&"x".repeat(73))).is_err());
        assert_eq!(check_password(Some("123456")).expect("ok"), "123456");
    }

    #[test]
    fn metadata_merge_replaces_and_removes() {
        let current = json!({"a": 1, "b": 2});
        let data = json!({"b": null, "c": 3});
        let merged = merge_metadata(&current, data.as_object().expect("object"));
        assert_eq!(merged, json!({"a": 1, "c": 3}));
    }
}
