//! The typed command list, and the TypeScript bindings generated from it.
//!
//! `ui/src/lib/bindings.ts` is generated from these Rust types and committed;
//! the test below fails when it drifts. Regenerate with
//! `UPDATE_BINDINGS=1 cargo test -p native-desktop --lib bindings`.

use tauri_specta::{Builder, collect_commands, collect_events};

use crate::{attachments, auth, billing, chat, commands, history};

pub fn specta_builder() -> Builder<tauri::Wry> {
    // The wire types are produced by Rust and only read by the UI, so one
    // TypeScript type per Rust type is enough (no serialize/deserialize split).
    Builder::<tauri::Wry>::new()
        .disable_serde_phases()
        .commands(collect_commands![
            commands::app_info,
            commands::server_status,
            commands::auth_state,
            commands::sign_in,
            commands::sign_up,
            commands::request_password_reset,
            commands::set_new_password,
            commands::start_oauth,
            commands::cancel_oauth,
            commands::sign_out,
            history::list_conversations,
            history::launch_state,
            history::history_visible,
            history::conversation_messages,
            history::search_history,
            history::rename_conversation,
            history::delete_conversation,
            history::sync_history,
            history::sync_status,
            history::export_conversation,
            history::export_history,
            history::import_history,
            chat::send_message,
            chat::regenerate_reply,
            chat::edit_and_resend,
            chat::stop_chat,
            chat::chat_models,
            billing::quota,
            billing::plans,
            billing::open_checkout,
            attachments::pick_attachments,
            attachments::attach_pasted,
            attachments::remove_attachment,
            attachments::pending_attachments,
            attachments::open_attachment,
            attachments::attachments_on_device,
        ])
        .events(collect_events![
            auth::AuthChanged,
            history::SyncChanged,
            history::HistoryChanged,
            history::CacheNoticed,
            billing::QuotaChanged,
            attachments::AttachmentsChanged
        ])
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use specta_typescript::Typescript;

    use super::*;

    fn committed_path() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../ui/src/lib/bindings.ts")
    }

    fn generate() -> String {
        let dir = std::env::temp_dir().join(format!("native-bindings-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("bindings.ts");
        specta_builder()
            .export(
                Typescript::default().header("// @ts-nocheck\n/* eslint-disable */"),
                &file,
            )
            .expect("export TypeScript bindings");
        let text = std::fs::read_to_string(&file).unwrap();
        std::fs::remove_dir_all(&dir).ok();
        text
    }

    #[test]
    fn bindings_match_the_rust_types() {
        let fresh = generate();
        if std::env::var_os("UPDATE_BINDINGS").is_some() {
            std::fs::create_dir_all(committed_path().parent().unwrap()).unwrap();
            std::fs::write(committed_path(), &fresh).unwrap();
        }
        let committed = std::fs::read_to_string(committed_path()).unwrap_or_default();
        assert!(
            committed == fresh,
            "ui/src/lib/bindings.ts is out of date with the Rust types; regenerate it with \
             `UPDATE_BINDINGS=1 cargo test -p native-desktop --lib bindings`"
        );
    }
}
