//! Conversation history in Supabase, through PostgREST with the user's
//! token: pages of what changed since a point (keyset-paginated, so
//! PostgREST's 1,000-row cap never truncates a sync), and the idempotent
//! writes the app's outbox replays.
//!
//! Every write carries a client-generated id and asks PostgREST to ignore a
//! duplicate, so replaying a write whose answer was lost changes nothing.

use native_core::{AttachmentText, Conversation, ConversationId, Message, MessageId, UserId};
use postgrest::Builder;
use serde::{Deserialize, Serialize};
use serde_json::json;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::{ClientError, Rest};

/// PostgREST's default `max-rows` on Supabase; pages never ask for more.
pub const MAX_PAGE: usize = 1000;

/// Message ids per request when reading attachment texts: 100 uuids make a
/// filter of about 3,700 characters, well inside the 8 KiB that proxies in
/// front of PostgREST commonly accept for a request line. At most 100
/// messages of a few attachments each also stay under [`MAX_PAGE`] rows.
pub const TEXT_IDS_PER_REQUEST: usize = 100;

/// An insert that keeps the existing row when the id is already there.
const IGNORE_DUPLICATES: &str = "return=minimal,resolution=ignore-duplicates";
const MINIMAL: &str = "return=minimal";

/// A position in an ordered stream of rows: the sort timestamp and the id
/// that breaks ties, so rows sharing a timestamp are neither skipped nor
/// repeated across pages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Keyset {
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub id: String,
}

/// One page of rows, with the server's clock when it answered (to the
/// second, from the HTTP `Date` header), which tells the sync how recent
/// its cursor is from the server's point of view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub rows: Vec<T>,
    pub server_time: Option<OffsetDateTime>,
}

/// A deletion recorded by the server (`public.deleted_records`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct RemoteTombstone {
    pub id: i64,
    pub record_type: TombstoneKind,
    pub record_id: uuid::Uuid,
    pub conversation_id: ConversationId,
    #[serde(with = "time::serde::rfc3339")]
    pub deleted_at: OffsetDateTime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TombstoneKind {
    Conversation,
    Message,
}

/// The history tables of one Supabase project.
#[derive(Debug, Clone)]
pub struct HistoryRemote {
    rest: Rest,
}

impl HistoryRemote {
    pub fn new(rest: Rest) -> Self {
        Self { rest }
    }

    /// Conversations updated after `after`, oldest change first.
    pub async fn conversations_page(
        &self,
        token: &str,
        after: Option<&Keyset>,
        limit: usize,
    ) -> Result<Page<Conversation>, ClientError> {
        let query = self
            .rest
            .from("conversations", Some(token))?
            .select("id,user_id,title,created_at,updated_at");
        let (rows, server_time) =
            Rest::execute_dated(page(query, "updated_at", "id", after, limit)?).await?;
        Ok(Page { rows, server_time })
    }

    /// Messages created after `after`, oldest first.
    pub async fn messages_page(
        &self,
        token: &str,
        after: Option<&Keyset>,
        limit: usize,
    ) -> Result<Page<Message>, ClientError> {
        let query = self
            .rest
            .from("messages", Some(token))?
            .select("id,conversation_id,role,content,created_at,attachments,status,model");
        let (rows, server_time): (Vec<serde_json::Value>, _) =
            Rest::execute_dated(page(query, "created_at", "id", after, limit)?).await?;
        let rows = rows
            .into_iter()
            .map(decode_message)
            .collect::<Result<_, _>>()?;
        Ok(Page { rows, server_time })
    }

    /// Deletions recorded after `after`, oldest first.
    pub async fn tombstones_page(
        &self,
        token: &str,
        after: Option<&Keyset>,
        limit: usize,
    ) -> Result<Page<RemoteTombstone>, ClientError> {
        let query = self
            .rest
            .from("deleted_records", Some(token))?
            .select("id,record_type,record_id,conversation_id,deleted_at");
        let (rows, server_time) =
            Rest::execute_dated(page(query, "deleted_at", "id", after, limit)?).await?;
        Ok(Page { rows, server_time })
    }

    /// Creates a conversation; a retry of one that exists changes nothing.
    pub async fn create_conversation(
        &self,
        token: &str,
        user: UserId,
        id: ConversationId,
        title: &str,
    ) -> Result<(), ClientError> {
        let body = json!({"id": id, "user_id": user, "title": title});
        let query = self
            .rest
            .from("conversations", Some(token))?
            .insert(body.to_string())
            .on_conflict("id");
        Rest::execute_write(query, IGNORE_DUPLICATES).await
    }

    pub async fn rename_conversation(
        &self,
        token: &str,
        id: ConversationId,
        title: &str,
    ) -> Result<(), ClientError> {
        let query = self
            .rest
            .from("conversations", Some(token))?
            .eq("id", id.to_string())
            .update(json!({"title": title}).to_string());
        Rest::execute_write(query, MINIMAL).await
    }

    /// Deletes a conversation and its messages; deleting one that is gone
    /// is not an error.
    pub async fn delete_conversation(
        &self,
        token: &str,
        id: ConversationId,
    ) -> Result<(), ClientError> {
        let query = self
            .rest
            .from("conversations", Some(token))?
            .eq("id", id.to_string())
            .delete();
        Rest::execute_write(query, MINIMAL).await
    }

    /// Adds a message; a retry of one that exists changes nothing. The
    /// server stamps `created_at`, so incremental sync never depends on a
    /// device's clock. Fails with `42501` (row-level security) when
    /// the conversation is not there, e.g. deleted on another device.
    pub async fn add_message(&self, token: &str, message: &Message) -> Result<(), ClientError> {
        let body = json!({
            "id": message.id,
            "conversation_id": message.conversation_id,
            "role": message.role,
            "content": message.content,
            "attachments": if message.attachments.is_empty() { None } else { Some(&message.attachments) },
            "status": message.status,
            "model": message.model,
        });
        let query = self
            .rest
            .from("messages", Some(token))?
            .insert(body.to_string())
            .on_conflict("id");
        Rest::execute_write(query, IGNORE_DUPLICATES).await
    }

    /// Deletes one message (a replaced reply); deleting one that is gone is
    /// not an error. The server records a tombstone for other devices.
    pub async fn delete_message(&self, token: &str, id: MessageId) -> Result<(), ClientError> {
        let query = self
            .rest
            .from("messages", Some(token))?
            .eq("id", id.to_string())
            .delete();
        Rest::execute_write(query, MINIMAL).await
    }

    /// Stores the texts extracted from a message's attachments. The message
    /// must be on the server first (the rows refer to it); a text already
    /// there is kept as it is, so a replay changes nothing. Fails with
    /// `42501` (row-level security) when the message is not the user's or
    /// not there. Nothing is sent for an empty slice.
    pub async fn add_attachment_texts(
        &self,
        token: &str,
        texts: &[AttachmentText],
    ) -> Result<(), ClientError> {
        if texts.is_empty() {
            return Ok(());
        }
        // Only the three columns: `created_at` is the server's.
        let body: Vec<_> = texts
            .iter()
            .map(|t| json!({"message_id": t.message_id, "sha256": t.sha256, "content": t.content}))
            .collect();
        let query = self
            .rest
            .from("attachment_texts", Some(token))?
            .insert(serde_json::Value::from(body).to_string())
            .on_conflict("message_id,sha256");
        Rest::execute_write(query, IGNORE_DUPLICATES).await
    }

    /// The attachment texts of `message_ids` that the user may read, in no
    /// particular order; messages without any (or not the user's) have none.
    /// Asks [`TEXT_IDS_PER_REQUEST`] ids at a time, so a long list never
    /// makes a request too long.
    pub async fn attachment_texts(
        &self,
        token: &str,
        message_ids: &[MessageId],
    ) -> Result<Vec<AttachmentText>, ClientError> {
        let mut texts = Vec::new();
        for chunk in message_ids.chunks(TEXT_IDS_PER_REQUEST) {
            // Uuids need no quoting inside `in.(...)`.
            let ids = chunk.iter().map(MessageId::to_string);
            let query = self
                .rest
                .from("attachment_texts", Some(token))?
                .select("message_id,sha256,content")
                .in_("message_id", ids)
                .order("message_id.asc,sha256.asc");
            // A message has one row per attachment, so a chunk's rows could
            // exceed the server's row cap; page through them to be sure.
            let mut offset = 0;
            loop {
                let page = query.clone().range(offset, offset + MAX_PAGE - 1);
                let rows: Vec<serde_json::Value> = Rest::execute(page).await?;
                let count = rows.len();
                for row in rows {
                    texts.push(
                        serde_json::from_value(row)
                            .map_err(|e| ClientError::Decode(e.to_string()))?,
                    );
                }
                if count < MAX_PAGE {
                    break;
                }
                offset += MAX_PAGE;
            }
        }
        Ok(texts)
    }

    /// Records that the user is active now (`user_presence.last_seen`).
    pub async fn touch_presence(&self, token: &str, user: UserId) -> Result<(), ClientError> {
        let query = self
            .rest
            .from("user_presence", Some(token))?
            .upsert(json!({"user_id": user, "last_seen": "now"}).to_string())
            .on_conflict("user_id");
        Rest::execute_write(query, "return=minimal,resolution=merge-duplicates").await
    }
}

/// Orders by `(at_column, id_column)` and starts strictly after `after`.
fn page(
    query: Builder,
    at_column: &str,
    id_column: &str,
    after: Option<&Keyset>,
    limit: usize,
) -> Result<Builder, ClientError> {
    let query = query
        .order(format!("{at_column}.asc,{id_column}.asc"))
        .limit(limit.clamp(1, MAX_PAGE));
    let Some(after) = after else {
        return Ok(query);
    };
    let at = after
        .at
        .format(&Rfc3339)
        .map_err(|_| ClientError::Config("a sync position is not a valid time".to_owned()))?;
    // Ids are uuids or integers: nothing in them needs quoting in a filter.
    if !after.id.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
        return Err(ClientError::Config(
            "a sync position is not a valid id".to_owned(),
        ));
    }
    // The `gte` is implied by the `or`, but lets the planner use the
    // timestamp index as a range instead of filtering every row.
    Ok(query.gte(at_column, at.clone()).or(format!(
        "{at_column}.gt.{at},and({at_column}.eq.{at},{id_column}.gt.{})",
        after.id
    )))
}

/// Rows written by the original web app have `attachments: null`.
fn decode_message(mut row: serde_json::Value) -> Result<Message, ClientError> {
    if let Some(attachments) = row.get_mut("attachments")
        && attachments.is_null()
    {
        *attachments = json!([]);
    }
    serde_json::from_value(row).map_err(|e| ClientError::Decode(e.to_string()))
}
