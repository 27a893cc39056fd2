-- 2. Lock-down. The original left every function executable by PUBLIC (so
-- anyone holding the anon key could make themselves Pro or grant themselves
-- tokens) and relied on Supabase's old default table grants. Here every
-- privilege on the seed's objects is taken away and granted back to exactly
-- the roles that need it. Later migrations grant their own objects.

-- Tables: nothing for anon; what the app does for authenticated (row level
-- security then limits it to the user's own rows); everything for the
-- service role (the server and support tools).
revoke all on table
  public.conversations, public.messages, public.token_usage_monthly,
  public.token_usage_weekly, public.user_presence, public.user_plans,
  public.token_allowance_period
from anon, authenticated, service_role;

grant select, insert, update, delete on table public.conversations to authenticated;
grant select, insert, delete on table public.messages to authenticated;
grant select, insert, update on table public.user_presence to authenticated;
grant select on table
  public.token_usage_monthly, public.token_usage_weekly,
  public.user_plans, public.token_allowance_period
to authenticated;

grant select, insert, update, delete on table
  public.conversations, public.messages, public.token_usage_monthly,
  public.token_usage_weekly, public.user_presence, public.user_plans,
  public.token_allowance_period
to service_role;

-- Functions: every seed function is for the server or support only.
do $$
declare f regprocedure;
begin
  for f in
    select p.oid::regprocedure from pg_catalog.pg_proc p
    where p.pronamespace = 'public'::regnamespace
      and p.proname in ('get_tokens_used', 'add_tokens', 'get_tokens_used_week', 'add_tokens_week',
                        'get_token_cap', 'add_period_allowance', 'set_user_plan',
                        'admin_user_id_by_email', 'admin_total_users', 'admin_tokens_last_months')
  loop
    execute format('revoke execute on function %s from public, anon, authenticated', f);
    execute format('grant execute on function %s to service_role', f);
  end loop;
end $$;

-- Every security-definer function in public, whoever wrote it, runs with an
-- empty search_path so that no object a caller creates can hijack it.
do $$
declare f regprocedure;
begin
  for f in
    select p.oid::regprocedure from pg_catalog.pg_proc p
    where p.pronamespace = 'public'::regnamespace and p.prosecdef
  loop
    execute format('alter function %s set search_path = %L', f, '');
  end loop;
end $$;
