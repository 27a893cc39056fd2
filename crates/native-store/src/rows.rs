//! Conversions between domain values and SQLite columns. Ids are UUID blobs
//! (rusqlite's `uuid` feature), times integer nanoseconds since the epoch in
//! UTC, roles and statuses the server's lowercase words.

use native_core::{Attachment, Conversation, Message, MessageStatus, Role};
use rusqlite::Row;
use rusqlite::types::{FromSqlError, Type};
use time::OffsetDateTime;

use crate::{Result, StoreError};

/// Columns of `conversations c` that [`conversation`] reads, in order.
pub(crate) const CONVERSATION_COLUMNS: &str =
    "c.id, c.user_id, c.title, c.created_at, c.updated_at";

/// Columns of `messages m` that [`message`] reads, in order.
pub(crate) const MESSAGE_COLUMNS: &str =
    "m.id, m.conversation_id, m.role, m.content, m.created_at, m.attachments, m.status, m.model";

/// A time as stored. Nanoseconds keep a local `now()` exact through a
/// round trip; an `i64` of them spans the years 1678 to 2261.
pub(crate) fn ts(time: OffsetDateTime) -> Result<i64> {
    i64::try_from(time.unix_timestamp_nanos()).map_err(|_| StoreError::TimeOutOfRange)
}

pub(crate) fn now() -> Result<i64> {
    ts(OffsetDateTime::now_utc())
}

pub(crate) fn time_at(row: &Row<'_>, idx: usize) -> rusqlite::Result<OffsetDateTime> {
    let nanos: i64 = row.get(idx)?;
    OffsetDateTime::from_unix_timestamp_nanos(nanos.into()).map_err(|e| bad(idx, Type::Integer, e))
}

pub(crate) fn role_str(role: Role) -> &'static str {
    match role {
        Role::User => "user",
        Role::Assistant => "assistant",
    }
}

pub(crate) fn status_str(status: MessageStatus) -> &'static str {
    match status {
        MessageStatus::Complete => "complete",
        MessageStatus::Partial => "partial",
        MessageStatus::Error => "error",
    }
}

/// Attachments as stored: most messages have none, and `[]` is then read
/// back without calling the JSON parser.
pub(crate) fn attachments_json(attachments: &[Attachment]) -> Result<String> {
    if attachments.is_empty() {
        Ok("[]".to_owned())
    } else {
        Ok(serde_json::to_string(attachments)?)
    }
}

/// Reads the [`CONVERSATION_COLUMNS`] starting at column `at`.
pub(crate) fn conversation(row: &Row<'_>, at: usize) -> rusqlite::Result<Conversation> {
    Ok(Conversation {
        id: row.get::<_, uuid::Uuid>(at)?.into(),
        user_id: row.get::<_, uuid::Uuid>(at + 1)?.into(),
        title: row.get(at + 2)?,
        created_at: time_at(row, at + 3)?,
        updated_at: time_at(row, at + 4)?,
    })
}

/// Reads the [`MESSAGE_COLUMNS`] starting at column `at`.
pub(crate) fn message(row: &Row<'_>, at: usize) -> rusqlite::Result<Message> {
    let role = match row.get_ref(at + 2)?.as_str()? {
        "user" => Role::User,
        "assistant" => Role::Assistant,
        _ => return Err(bad(at + 2, Type::Text, FromSqlError::InvalidType)),
    };
    let attachments = match row.get_ref(at + 5)?.as_str()? {
        "[]" => Vec::new(),
        json => serde_json::from_str(json).map_err(|e| bad(at + 5, Type::Text, e))?,
    };
    let status = match row.get_ref(at + 6)?.as_str()? {
        "complete" => MessageStatus::Complete,
        "partial" => MessageStatus::Partial,
        "error" => MessageStatus::Error,
        _ => return Err(bad(at + 6, Type::Text, FromSqlError::InvalidType)),
    };
    Ok(Message {
        id: row.get::<_, uuid::Uuid>(at)?.into(),
        conversation_id: row.get::<_, uuid::Uuid>(at + 1)?.into(),
        role,
        content: row.get(at + 3)?,
        created_at: time_at(row, at + 4)?,
        attachments,
        status,
        model: row.get(at + 7)?,
    })
}

/// A column that does not decode. Only a database edited by hand can hold a
/// role or status outside the schema's CHECK constraints.
fn bad(
    idx: usize,
    ty: Type,
    err: impl std::error::Error + Send + Sync + 'static,
) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(idx, ty, Box::new(err))
}
