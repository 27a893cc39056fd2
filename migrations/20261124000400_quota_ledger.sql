-- 4. The quota ledger: one source of truth for plan limits, non-expiring
-- credits for purchased top-ups, and reservations so that parallel requests
-- can never spend more than remains (the original checked, then charged).
--
-- Usage is still written to token_usage_weekly and token_usage_monthly (both,
-- always), so existing reports keep working; a Free user's quota reads the
-- weekly table, a Pro user's the monthly one.

create table if not exists public.plan_limits (
  plan text primary key check (plan in ('free', 'pro')),
  period_kind text not null check (period_kind in ('iso_week', 'month')),
  allowance bigint not null check (allowance >= 0),
  updated_at timestamptz not null default now()
);
insert into public.plan_limits (plan, period_kind, allowance) values
  ('free', 'iso_week', 25000),
  ('pro', 'month', 500000)
on conflict (plan) do nothing;
alter table public.plan_limits enable row level security;
select native_private.ensure_policy('plan_limits', 'select', 'plan_limits_select_all', 'true', null);

-- One row per user who ever held credits or reserved tokens. Its lock is
-- what serialises that user's reservations and settlements.
create table if not exists public.quota_accounts (
  user_id uuid primary key references auth.users (id) on delete cascade,
  credits bigint not null default 0 check (credits >= 0),
  updated_at timestamptz not null default now()
);
alter table public.quota_accounts enable row level security;
select native_private.ensure_policy('quota_accounts', 'select', 'quota_accounts_select_own', 'auth.uid() = user_id', null);

-- Every credit grant, keyed by a unique reference (a Stripe event id, a
-- support ticket) so that granting twice is impossible.
create table if not exists public.credit_grants (
  id bigint generated always as identity primary key,
  user_id uuid not null references auth.users (id) on delete cascade,
  tokens bigint not null check (tokens > 0),
  reference text not null unique,
  created_at timestamptz not null default now()
);
alter table public.credit_grants enable row level security;

create table if not exists public.token_reservations (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references auth.users (id) on delete cascade,
  tokens bigint not null check (tokens > 0),
  week_key text not null,
  month_key text not null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  settled_at timestamptz,
  settled_tokens bigint,
  expired_at timestamptz
);
create index if not exists token_reservations_open_idx
  on public.token_reservations (user_id) where settled_at is null and expired_at is null;
alter table public.token_reservations enable row level security;

revoke all on table public.plan_limits, public.quota_accounts, public.credit_grants,
  public.token_reservations from anon, authenticated, service_role;
grant select on table public.plan_limits, public.quota_accounts to authenticated;
grant select, insert, update, delete on table public.plan_limits, public.quota_accounts,
  public.credit_grants, public.token_reservations to service_role;

-- Period keys, UTC: ISO week `YYYY-Www` and month `YYYY-MM` (native-core's
-- PeriodKey computes the same; tests pin both). These and quota_state use only
-- qualified names and carry no SET clause on purpose: a SET clause stops the
-- planner from inlining a function and makes every caller's cached plans
-- re-plan, which tripled the cost of a reserve+settle pair. Only the
-- security-definer entry points below pin search_path.
create or replace function public.period_key(p_kind text, p_at timestamptz default now()) returns text
language sql stable as $$
  select case p_kind
    when 'iso_week' then to_char(p_at at time zone 'utc', 'IYYY-"W"IW')
    else to_char(p_at at time zone 'utc', 'YYYY-MM') end
$$;

create or replace function public.period_ends_at(p_kind text, p_at timestamptz default now()) returns timestamptz
language sql stable as $$
  select case p_kind
    when 'iso_week' then (date_trunc('week', p_at at time zone 'utc') + interval '7 days') at time zone 'utc'
    else (date_trunc('month', p_at at time zone 'utc') + interval '1 month') at time zone 'utc' end
$$;

-- The whole quota picture of one user at one instant. `reserved` counts open
-- reservations that have not expired. Called only by the security-definer
-- functions below (it is not executable by the API roles).
create or replace function native_private.quota_state(p_user uuid, p_at timestamptz default now())
returns table (plan text, period_kind text, period_key text, period_ends_at timestamptz,
               allowance bigint, used bigint, credits bigint, reserved bigint)
language sql stable as $$
  with l as (
    select pl.plan, pl.period_kind, pl.allowance, public.period_key(pl.period_kind, p_at) as key
    from public.plan_limits pl
    where pl.plan = coalesce((select up.plan from public.user_plans up where up.user_id = p_user), 'free')
  )
  select l.plan, l.period_kind, l.key, public.period_ends_at(l.period_kind, p_at),
         l.allowance + coalesce((select a.tokens_added from public.token_allowance_period a
                                 where a.user_id = p_user and a.period = l.key), 0),
         case l.period_kind
           when 'iso_week' then coalesce((select w.tokens_used from public.token_usage_weekly w
                                          where w.user_id = p_user and w.week = l.key), 0)
           else coalesce((select m.tokens_used from public.token_usage_monthly m
                          where m.user_id = p_user and m.month = l.key), 0) end,
         coalesce((select qa.credits from public.quota_accounts qa where qa.user_id = p_user), 0),
         coalesce((select sum(r.tokens) from public.token_reservations r
                   where r.user_id = p_user and r.settled_at is null and r.expired_at is null
                     and r.expires_at > p_at), 0)::bigint
  from l
$$;

-- The signed-in user's quota: exactly plan, period_key, period_ends_at,
-- allowance, used, credits, remaining (= max(allowance - used, 0) + credits).
create or replace function public.my_quota() returns json
language sql stable security definer set search_path = '' as $$
  select json_build_object(
    'plan', q.plan, 'period_key', q.period_key, 'period_ends_at', q.period_ends_at,
    'allowance', q.allowance, 'used', q.used, 'credits', q.credits,
    'remaining', greatest(q.allowance - q.used, 0) + q.credits)
  from native_private.quota_state(auth.uid()) q
  where auth.uid() is not null
$$;

-- Reserves tokens before a provider call. The user's account row is locked,
-- so parallel reservations are serialised and their sum can never exceed
-- what remains. Refused (granted = false) when too little remains.
create or replace function public.reserve_tokens(p_user_id uuid, p_tokens bigint, p_ttl_seconds int default 600)
returns table (reservation_id uuid, granted boolean, remaining bigint)
language plpgsql security definer set search_path = '' as $$
declare
  q record;
  available bigint;
  rid uuid;
begin
  if p_tokens is null or p_tokens <= 0 then
    raise exception 'tokens must be positive' using errcode = '22023';
  end if;
  insert into public.quota_accounts (user_id) values (p_user_id) on conflict (user_id) do nothing;
  perform 1 from public.quota_accounts where user_id = p_user_id for update;
  select * into q from native_private.quota_state(p_user_id);
  available := greatest(q.allowance - q.used, 0) + q.credits - q.reserved;
  if p_tokens > available then
    return query select null::uuid, false, greatest(available, 0);
    return;
  end if;
  insert into public.token_reservations (user_id, tokens, week_key, month_key, expires_at)
  values (p_user_id, p_tokens, public.period_key('iso_week'), public.period_key('month'),
          now() + make_interval(secs => greatest(p_ttl_seconds, 1)))
  returning id into rid;
  return query select rid, true, available - p_tokens;
end $$;

-- Settles a reservation with the real count: usage is recorded in both
-- usage tables for the period it was reserved in, the period allowance is
-- spent first, then credits. Settling twice changes nothing; an expired
-- reservation can still be settled (the tokens were really spent).
-- Returns what remains for the user afterwards.
create or replace function public.settle_reservation(p_reservation_id uuid, p_tokens bigint)
returns bigint
language plpgsql security definer set search_path = '' as $$
declare
  r public.token_reservations;
  q record;
  spent bigint := greatest(coalesce(p_tokens, 0), 0);
  from_credits bigint;
begin
  select * into r from public.token_reservations where id = p_reservation_id;
  if not found then
    raise exception 'unknown reservation' using errcode = 'P0002';
  end if;
  perform 1 from public.quota_accounts where user_id = r.user_id for update;
  -- Re-read under the lock: a concurrent settle of the same id may have won.
  select * into r from public.token_reservations where id = p_reservation_id;
  if r.settled_at is null then
    select * into q from native_private.quota_state(r.user_id);
    -- What the period allowance cannot cover comes out of credits.
    from_credits := least(greatest(spent - greatest(q.allowance - q.used, 0), 0), q.credits);
    if from_credits > 0 then
      update public.quota_accounts set credits = credits - from_credits, updated_at = now()
        where user_id = r.user_id;
    end if;
    if spent > 0 then
      insert into public.token_usage_weekly as u (user_id, week, tokens_used)
      values (r.user_id, r.week_key, spent)
      on conflict (user_id, week) do update set tokens_used = u.tokens_used + spent, updated_at = now();
      insert into public.token_usage_monthly as u (user_id, month, tokens_used)
      values (r.user_id, r.month_key, spent)
      on conflict (user_id, month) do update set tokens_used = u.tokens_used + spent, updated_at = now();
    end if;
    update public.token_reservations set settled_at = now(), settled_tokens = spent
      where id = p_reservation_id;
  end if;
  select * into q from native_private.quota_state(r.user_id);
  return greatest(q.allowance - q.used, 0) + q.credits - q.reserved;
end $$;

-- Marks reservations that were never settled (a crashed gateway) as expired
-- so they stop holding quota. Reservations past expires_at are already
-- ignored by reserve_tokens; this keeps the table tidy. Returns the count.
create or replace function public.expire_reservations() returns bigint
language sql security definer set search_path = '' as $$
  with e as (
    update public.token_reservations set expired_at = now()
    where settled_at is null and expired_at is null and expires_at <= now()
    returning 1
  )
  select count(*) from e
$$;

-- Adds non-expiring credits once per reference. Returns the new balance.
create or replace function public.grant_credits(p_user_id uuid, p_tokens bigint, p_reference text)
returns bigint
language plpgsql security definer set search_path = '' as $$
declare balance bigint;
begin
  if p_tokens is null or p_tokens <= 0 then
    raise exception 'tokens must be positive' using errcode = '22023';
  end if;
  insert into public.quota_accounts (user_id) values (p_user_id) on conflict (user_id) do nothing;
  perform 1 from public.quota_accounts where user_id = p_user_id for update;
  insert into public.credit_grants (user_id, tokens, reference) values (p_user_id, p_tokens, p_reference)
  on conflict (reference) do nothing;
  if found then
    update public.quota_accounts set credits = credits + p_tokens, updated_at = now()
      where user_id = p_user_id;
  end if;
  select credits into balance from public.quota_accounts where user_id = p_user_id;
  return balance;
end $$;

-- The seed's cap, now from plan_limits (one source of truth).
create or replace function public.get_token_cap(p_user_id uuid, p_period text) returns bigint
language sql stable security definer set search_path = '' as $$
  select pl.allowance
       + coalesce((select a.tokens_added from public.token_allowance_period a
                   where a.user_id = p_user_id and a.period = p_period), 0)
  from public.plan_limits pl
  where pl.plan = coalesce((select p.plan from public.user_plans p where p.user_id = p_user_id), 'free')
$$;

revoke execute on function public.period_key(text, timestamptz), public.period_ends_at(text, timestamptz),
  native_private.quota_state(uuid, timestamptz), public.my_quota(),
  public.reserve_tokens(uuid, bigint, int), public.settle_reservation(uuid, bigint),
  public.expire_reservations(), public.grant_credits(uuid, bigint, text),
  public.get_token_cap(uuid, text)
from public, anon, authenticated;
grant execute on function public.my_quota() to authenticated;
grant execute on function public.period_key(text, timestamptz), public.period_ends_at(text, timestamptz),
  public.reserve_tokens(uuid, bigint, int), public.settle_reservation(uuid, bigint),
  public.expire_reservations(), public.grant_credits(uuid, bigint, text),
  public.get_token_cap(uuid, text)
to service_role;
