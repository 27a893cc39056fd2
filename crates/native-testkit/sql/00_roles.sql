-- Cluster-wide roles as a Supabase project has them. The testkit runs every
-- `00_*` file once per cluster, right after it starts (roles are not part of
-- a database, so the template cannot carry them). Idempotent all the same.
do $$
begin
  if not exists (select 1 from pg_roles where rolname = 'anon') then
    create role anon nologin noinherit;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'authenticated') then
    create role authenticated nologin noinherit;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'service_role') then
    create role service_role nologin noinherit bypassrls;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'authenticator') then
    create role authenticator login noinherit;
  end if;
  -- Supabase's auth server owns the auth schema under its own role.
  if not exists (select 1 from pg_roles where rolname = 'supabase_auth_admin') then
    create role supabase_auth_admin login noinherit createrole;
  end if;
end
$$;

-- PostgREST logs in as authenticator and switches to the request's role.
alter role authenticator with password 'authenticator';
alter role supabase_auth_admin with password 'supabase_auth_admin';
grant anon, authenticated, service_role to authenticator;
