//! Typed identifiers. A conversation id can never be passed where a user id
//! is expected, and every id from outside is parsed once at the edge.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::CoreError;

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "specta", derive(specta::Type))]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A fresh random (v4) id. Clients generate ids so that retried
            /// writes are idempotent.
            pub fn new_random() -> Self {
                Self(Uuid::new_v4())
            }

            /// Parses an id from text, e.g. a JWT `sub` or a URL segment.
            pub fn parse(text: &str) -> Result<Self, CoreError> {
                Uuid::parse_str(text.trim())
                    .map(Self)
                    .map_err(|_| CoreError::InvalidId(text.chars().take(64).collect()))
            }

            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl From<Uuid> for $name {
            fn from(value: Uuid) -> Self {
                Self(value)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

uuid_id!(
    /// A Supabase Auth user (`auth.users.id`).
    UserId
);
uuid_id!(
    /// A conversation (`public.conversations.id`).
    ConversationId
);
uuid_id!(
    /// A message (`public.messages.id`).
    MessageId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_accepts_uuids_and_rejects_garbage() {
        let id = UserId::new_random();
        assert_eq!(UserId::parse(&id.to_string()), Ok(id));
        assert_eq!(UserId::parse(&format!("  {id} ")), Ok(id));
        assert!(matches!(
            UserId::parse("not-a-uuid"),
            Err(CoreError::InvalidId(_))
        ));
        assert!(UserId::parse("").is_err());
    }

    #[test]
    fn ids_serialize_as_bare_strings() {
        let id = MessageId::new_random();
        assert_eq!(serde_json::to_string(&id).unwrap(), format!("\"{id}\""));
    }
}
