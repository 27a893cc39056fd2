-- 1. The schema existing Native AI projects already have (the original web
-- app's six migrations; shared/reference/seed-schema.md), written again by us
-- and idempotent: on a project that ran the original files it changes nothing
-- and loses nothing; on a new project it creates the same tables, columns,
-- defaults, checks, policies and function signatures.
--
-- The functions here keep their original names, signatures and behaviour but
-- are already written with qualified names and an empty search_path; the
-- next migration takes EXECUTE away from everyone but service_role.

create extension if not exists pgcrypto;

-- Our helpers live in a schema PostgREST does not expose.
create schema if not exists native_private;
revoke all on schema native_private from public;

-- Creates a policy only when the table has none for that command, so that a
-- project whose original policies carry other names does not get duplicates.
create or replace function native_private.ensure_policy(
  p_table text, p_command text, p_name text, p_using text, p_check text
) returns void
language plpgsql set search_path = '' as $$
begin
  if exists (
    select 1 from pg_catalog.pg_policies
    where schemaname = 'public' and tablename = p_table and cmd = upper(p_command)
  ) then
    return;
  end if;
  execute format(
    'create policy %I on public.%I for %s to authenticated %s %s',
    p_name, p_table, p_command,
    case when p_using is null then '' else 'using (' || p_using || ')' end,
    case when p_check is null then '' else 'with check (' || p_check || ')' end
  );
end $$;
revoke all on function native_private.ensure_policy(text, text, text, text, text) from public;

-- conversations --------------------------------------------------------------
create table if not exists public.conversations (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references auth.users (id) on delete cascade,
  title text not null,
  created_at timestamptz default now(),
  updated_at timestamptz default now()
);
alter table public.conversations enable row level security;
select native_private.ensure_policy('conversations', 'select', 'conversations_select_own', 'auth.uid() = user_id', null);
select native_private.ensure_policy('conversations', 'insert', 'conversations_insert_own', null, 'auth.uid() = user_id');
select native_private.ensure_policy('conversations', 'update', 'conversations_update_own', 'auth.uid() = user_id', null);
select native_private.ensure_policy('conversations', 'delete', 'conversations_delete_own', 'auth.uid() = user_id', null);

-- messages -------------------------------------------------------------------
create table if not exists public.messages (
  id uuid primary key default gen_random_uuid(),
  conversation_id uuid not null references public.conversations (id) on delete cascade,
  role text not null check (role in ('user', 'assistant')),
  content text not null,
  created_at timestamptz default now()
);
alter table public.messages add column if not exists attachments jsonb;
alter table public.messages enable row level security;
select native_private.ensure_policy('messages', 'select', 'messages_select_own',
  'exists (select 1 from public.conversations c where c.id = conversation_id and c.user_id = auth.uid())', null);
select native_private.ensure_policy('messages', 'insert', 'messages_insert_own', null,
  'exists (select 1 from public.conversations c where c.id = conversation_id and c.user_id = auth.uid())');
select native_private.ensure_policy('messages', 'delete', 'messages_delete_own',
  'exists (select 1 from public.conversations c where c.id = conversation_id and c.user_id = auth.uid())', null);

-- usage, presence, plans, allowances ------------------------------------------
create table if not exists public.token_usage_monthly (
  user_id uuid references auth.users (id) on delete cascade,
  month text not null,
  tokens_used bigint not null default 0,
  updated_at timestamptz not null default now(),
  primary key (user_id, month)
);
alter table public.token_usage_monthly enable row level security;
select native_private.ensure_policy('token_usage_monthly', 'select', 'token_usage_monthly_select_own', 'auth.uid() = user_id', null);

create table if not exists public.token_usage_weekly (
  user_id uuid references auth.users (id) on delete cascade,
  week text not null,
  tokens_used bigint not null default 0,
  updated_at timestamptz not null default now(),
  primary key (user_id, week)
);
alter table public.token_usage_weekly enable row level security;
select native_private.ensure_policy('token_usage_weekly', 'select', 'token_usage_weekly_select_own', 'auth.uid() = user_id', null);

create table if not exists public.user_presence (
  user_id uuid primary key references auth.users (id) on delete cascade,
  last_seen timestamptz not null default now()
);
alter table public.user_presence enable row level security;
select native_private.ensure_policy('user_presence', 'select', 'user_presence_select_own', 'auth.uid() = user_id', null);
select native_private.ensure_policy('user_presence', 'insert', 'user_presence_insert_own', null, 'auth.uid() = user_id');
select native_private.ensure_policy('user_presence', 'update', 'user_presence_update_own', 'auth.uid() = user_id', 'auth.uid() = user_id');

create table if not exists public.user_plans (
  user_id uuid primary key references auth.users (id) on delete cascade,
  plan text not null default 'free' check (plan in ('free', 'pro')),
  updated_at timestamptz not null default now()
);
alter table public.user_plans enable row level security;
select native_private.ensure_policy('user_plans', 'select', 'user_plans_select_own', 'auth.uid() = user_id', null);

create table if not exists public.token_allowance_period (
  user_id uuid references auth.users (id) on delete cascade,
  period text not null,
  tokens_added bigint not null default 0,
  updated_at timestamptz not null default now(),
  primary key (user_id, period)
);
alter table public.token_allowance_period enable row level security;
select native_private.ensure_policy('token_allowance_period', 'select', 'token_allowance_period_select_own', 'auth.uid() = user_id', null);

-- the seed's functions, same signatures ----------------------------------------
create or replace function public.get_tokens_used(p_user_id uuid, p_month text) returns bigint
language sql stable security definer set search_path = '' as $$
  select coalesce((select u.tokens_used from public.token_usage_monthly u
                   where u.user_id = p_user_id and u.month = p_month), 0)
$$;

create or replace function public.add_tokens(p_user_id uuid, p_month text, p_tokens bigint) returns bigint
language sql security definer set search_path = '' as $$
  insert into public.token_usage_monthly as u (user_id, month, tokens_used)
  values (p_user_id, p_month, greatest(p_tokens, 0))
  on conflict (user_id, month) do update
    set tokens_used = u.tokens_used + greatest(p_tokens, 0), updated_at = now()
  returning u.tokens_used
$$;

create or replace function public.get_tokens_used_week(p_user_id uuid, p_week text) returns bigint
language sql stable security definer set search_path = '' as $$
  select coalesce((select u.tokens_used from public.token_usage_weekly u
                   where u.user_id = p_user_id and u.week = p_week), 0)
$$;

create or replace function public.add_tokens_week(p_user_id uuid, p_week text, p_tokens bigint) returns bigint
language sql security definer set search_path = '' as $$
  insert into public.token_usage_weekly as u (user_id, week, tokens_used)
  values (p_user_id, p_week, greatest(p_tokens, 0))
  on conflict (user_id, week) do update
    set tokens_used = u.tokens_used + greatest(p_tokens, 0), updated_at = now()
  returning u.tokens_used
$$;

create or replace function public.add_period_allowance(p_user_id uuid, p_period text, p_tokens bigint) returns bigint
language sql security definer set search_path = '' as $$
  insert into public.token_allowance_period as a (user_id, period, tokens_added)
  values (p_user_id, p_period, greatest(p_tokens, 0))
  on conflict (user_id, period) do update
    set tokens_added = a.tokens_added + greatest(p_tokens, 0), updated_at = now()
  returning a.tokens_added
$$;

create or replace function public.set_user_plan(p_user_id uuid, p_plan text) returns text
language sql security definer set search_path = '' as $$
  insert into public.user_plans as p (user_id, plan)
  values (p_user_id, case when p_plan in ('free', 'pro') then p_plan else 'free' end)
  on conflict (user_id) do update set plan = excluded.plan, updated_at = now()
  returning p.plan
$$;

create or replace function public.admin_user_id_by_email(p_email text) returns uuid
language sql stable security definer set search_path = '' as $$
  select u.id from auth.users u where lower(u.email) = lower(p_email) limit 1
$$;

create or replace function public.admin_total_users() returns bigint
language sql stable security definer set search_path = '' as $$
  select count(*) from auth.users
$$;

create or replace function public.admin_tokens_last_months(p_months int default 6)
returns table (month text, tokens bigint)
language sql stable security definer set search_path = '' as $$
  with months as (
    select to_char(date_trunc('month', now() at time zone 'utc') - make_interval(months => g), 'YYYY-MM') as month
    from generate_series(0, greatest(p_months, 1) - 1) as g
  )
  select m.month, coalesce(sum(t.tokens_used), 0)::bigint
  from months m left join public.token_usage_monthly t on t.month = m.month
  group by m.month order by m.month
$$;

-- get_token_cap keeps the seed's signature; from the quota-ledger migration
-- on it reads the plan-limits table instead of literals.
create or replace function public.get_token_cap(p_user_id uuid, p_period text) returns bigint
language sql stable security definer set search_path = '' as $$
  select (case when coalesce((select p.plan from public.user_plans p where p.user_id = p_user_id), 'free') = 'pro'
               then 500000 else 25000 end)::bigint
       + coalesce((select a.tokens_added from public.token_allowance_period a
                   where a.user_id = p_user_id and a.period = p_period), 0)
$$;
