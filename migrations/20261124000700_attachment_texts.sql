-- 7. The text extracted from a message's attachments, kept beside the
-- message so that regenerating a reply works after a restart and on another
-- device. The original put that text inside the user's message, so history
-- showed something other than what was typed; here `messages.content` stays
-- exactly what the user wrote and `messages.attachments` keeps its
-- `{name, type, size}` shape (plus sha256, pages, chars), which older
-- clients still read.
--
-- One row per attachment of a message, keyed by the file's sha256 (the same
-- key as the desktop's content-addressed file store). The text is what was
-- sent: already cut to the prompt budget (8,000 characters for a PDF, 4,000
-- for a text file), so a row is never large. Rows go with their message.

create table if not exists public.attachment_texts (
  message_id uuid not null references public.messages (id) on delete cascade,
  sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
  content text not null check (char_length(content) <= 8000),
  created_at timestamptz not null default now(),
  primary key (message_id, sha256)
);
alter table public.attachment_texts enable row level security;
select native_private.ensure_policy('attachment_texts', 'select', 'attachment_texts_select_own',
  'exists (select 1 from public.messages m join public.conversations c on c.id = m.conversation_id
           where m.id = message_id and c.user_id = auth.uid())', null);
select native_private.ensure_policy('attachment_texts', 'insert', 'attachment_texts_insert_own', null,
  'exists (select 1 from public.messages m join public.conversations c on c.id = m.conversation_id
           where m.id = message_id and c.user_id = auth.uid())');
select native_private.ensure_policy('attachment_texts', 'delete', 'attachment_texts_delete_own',
  'exists (select 1 from public.messages m join public.conversations c on c.id = m.conversation_id
           where m.id = message_id and c.user_id = auth.uid())', null);

-- No update: a text is written once, with its message; a correction is a new
-- message. Nothing for anon.
revoke all on table public.attachment_texts from anon, authenticated, service_role;
grant select, insert, delete on table public.attachment_texts to authenticated;
grant select, insert, update, delete on table public.attachment_texts to service_role;
