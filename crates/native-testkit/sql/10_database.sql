-- Per-database setup a Supabase project has before any user migration.
create extension if not exists pgcrypto;
create schema if not exists extensions;
create schema if not exists graphql_public;

-- Supabase's defaults: the API roles may use the public schema; table
-- privileges are granted explicitly by migrations (new tables are no longer
-- exposed by default).
grant usage on schema public to anon, authenticated, service_role;
grant usage on schema graphql_public to anon, authenticated, service_role;
grant usage on schema extensions to anon, authenticated, service_role;

-- Supabase revokes the default PUBLIC create on public (as Postgres 15 does).
revoke create on schema public from public;
