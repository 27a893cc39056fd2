-- 3. History for sync across devices: a reliable `updated_at` on
-- conversations, tombstones so another device learns of deletions, the
-- indexes incremental sync reads by, and messages that accept client ids
-- (idempotent retries), a status and the model that wrote them.

alter table public.messages add column if not exists status text not null default 'complete';
alter table public.messages add column if not exists model text;
do $$
begin
  if not exists (select 1 from pg_catalog.pg_constraint
                 where conname = 'messages_status_check' and conrelid = 'public.messages'::regclass) then
    alter table public.messages add constraint messages_status_check
      check (status in ('complete', 'partial', 'error'));
  end if;
end $$;

create index if not exists conversations_user_id_updated_at_idx on public.conversations (user_id, updated_at);
create index if not exists messages_conversation_id_created_at_idx on public.messages (conversation_id, created_at);

-- updated_at moves whenever a conversation changes or gains a message; the
-- database sets it, so a client's clock never decides what is newer.
create or replace function native_private.touch_conversation() returns trigger
language plpgsql set search_path = '' as $$
begin
  if tg_op = 'INSERT' or new.title is distinct from old.title then
    new.updated_at := now();
  end if;
  return new;
end $$;

drop trigger if exists conversations_touch on public.conversations;
create trigger conversations_touch before insert or update on public.conversations
  for each row execute function native_private.touch_conversation();

-- Runs as its owner: a user adding a message to their own conversation must
-- bump the conversation even though that is a write to another table.
create or replace function native_private.touch_conversation_on_message() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  update public.conversations set updated_at = now() where id = new.conversation_id;
  return null;
end $$;

drop trigger if exists messages_touch_conversation on public.messages;
create trigger messages_touch_conversation after insert on public.messages
  for each row execute function native_private.touch_conversation_on_message();

-- Tombstones: one row per deleted conversation or message, readable only by
-- its owner, so a device that was offline learns what went away.
create table if not exists public.deleted_records (
  id bigint generated always as identity primary key,
  user_id uuid not null references auth.users (id) on delete cascade,
  record_type text not null check (record_type in ('conversation', 'message')),
  record_id uuid not null,
  conversation_id uuid not null,
  deleted_at timestamptz not null default now()
);
create index if not exists deleted_records_user_id_deleted_at_idx on public.deleted_records (user_id, deleted_at);
alter table public.deleted_records enable row level security;
select native_private.ensure_policy('deleted_records', 'select', 'deleted_records_select_own', 'auth.uid() = user_id', null);
revoke all on table public.deleted_records from anon, authenticated, service_role;
grant select on table public.deleted_records to authenticated;
grant select, insert, delete on table public.deleted_records to service_role;

create or replace function native_private.record_conversation_deletion() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  insert into public.deleted_records (user_id, record_type, record_id, conversation_id)
  values (old.user_id, 'conversation', old.id, old.id);
  return null;
end $$;

-- A message deleted with its conversation needs no tombstone of its own:
-- the conversation's covers it (and deleting a long chat stays cheap).
create or replace function native_private.record_message_deletion() returns trigger
language plpgsql security definer set search_path = '' as $$
declare owner uuid;
begin
  select c.user_id into owner from public.conversations c where c.id = old.conversation_id;
  if owner is not null then
    insert into public.deleted_records (user_id, record_type, record_id, conversation_id)
    values (owner, 'message', old.id, old.conversation_id);
    update public.conversations set updated_at = now() where id = old.conversation_id;
  end if;
  return null;
end $$;

drop trigger if exists conversations_tombstone on public.conversations;
create trigger conversations_tombstone after delete on public.conversations
  for each row execute function native_private.record_conversation_deletion();
drop trigger if exists messages_tombstone on public.messages;
create trigger messages_tombstone after delete on public.messages
  for each row execute function native_private.record_message_deletion();

revoke all on function native_private.touch_conversation(),
  native_private.touch_conversation_on_message(),
  native_private.record_conversation_deletion(),
  native_private.record_message_deletion() from public;
