-- 5. Billing state from Stripe's webhook: who each Stripe customer is, each
-- subscription's state, which events were applied (idempotency and replay)
-- and events that matched no user (kept to replay once the user exists).
-- Only service_role reads or writes these; a user may read their own plan
-- (user_plans) and their subscriptions' status.

create table if not exists public.billing_customers (
  customer_id text primary key,
  user_id uuid not null references auth.users (id) on delete cascade,
  email text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index if not exists billing_customers_user_id_idx on public.billing_customers (user_id);

create table if not exists public.billing_subscriptions (
  subscription_id text primary key,
  user_id uuid not null references auth.users (id) on delete cascade,
  customer_id text,
  status text not null check (status in ('incomplete', 'incomplete_expired', 'trialing', 'active',
                                         'past_due', 'canceled', 'unpaid', 'paused')),
  current_period_end timestamptz,
  cancel_at_period_end boolean not null default false,
  -- Stripe's `created` (unix seconds) of the newest event applied, so an
  -- older event delivered late cannot undo newer state.
  last_event_created bigint not null default 0,
  updated_at timestamptz not null default now()
);
create index if not exists billing_subscriptions_user_id_idx on public.billing_subscriptions (user_id);

create table if not exists public.billing_events (
  event_id text primary key,
  type text not null,
  created bigint not null,
  outcome text not null,
  user_id uuid references auth.users (id) on delete set null,
  processed_at timestamptz not null default now()
);

create table if not exists public.billing_unmatched_events (
  event_id text primary key,
  type text not null,
  created bigint not null,
  payload jsonb not null,
  received_at timestamptz not null default now(),
  resolved_at timestamptz
);

alter table public.billing_customers enable row level security;
alter table public.billing_subscriptions enable row level security;
alter table public.billing_events enable row level security;
alter table public.billing_unmatched_events enable row level security;
select native_private.ensure_policy('billing_subscriptions', 'select', 'billing_subscriptions_select_own', 'auth.uid() = user_id', null);

revoke all on table public.billing_customers, public.billing_subscriptions, public.billing_events,
  public.billing_unmatched_events from anon, authenticated, service_role;
grant select, insert, update, delete on table public.billing_customers, public.billing_subscriptions,
  public.billing_events, public.billing_unmatched_events to service_role;
-- A user sees the status of their own subscriptions, not Stripe's ids.
grant select (user_id, status, current_period_end, cancel_at_period_end)
  on table public.billing_subscriptions to authenticated;

-- The plan a user has, derived from their subscriptions: Pro while one is
-- active, trialing or past due (Stripe is still retrying) and its paid
-- period has not ended. A cancelled-at-period-end subscription stays active
-- until Stripe sends its deletion.
create or replace function public.derived_plan(p_user_id uuid) returns text
language sql stable security definer set search_path = '' as $$
  select case when exists (
    select 1 from public.billing_subscriptions s
    where s.user_id = p_user_id
      and s.status in ('active', 'trialing', 'past_due')
      and (s.current_period_end is null or s.current_period_end > now())
  ) then 'pro' else 'free' end
$$;

-- Keeps user_plans (what the seed's readers use) in step with billing.
create or replace function public.sync_user_plan(p_user_id uuid) returns text
language sql security definer set search_path = '' as $$
  select public.set_user_plan(p_user_id, public.derived_plan(p_user_id))
$$;

revoke execute on function public.derived_plan(uuid), public.sync_user_plan(uuid)
  from public, anon, authenticated;
grant execute on function public.derived_plan(uuid), public.sync_user_plan(uuid) to service_role;
