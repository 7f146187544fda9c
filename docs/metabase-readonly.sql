-- The read-only role Metabase signs in with (see docs/metabase.md).
--
-- It may read the views in the schema "analytics", those there today and those later
-- migrations add, and nothing else: not analytics_events, not users, uploads, import_jobs nor
-- any other table. Run it on the app's database, after the app has started once (the views are
-- created by its migrations), as the user in DATABASE_URL or a superuser; running it again is
-- harmless:
--
--   psql "<database url>" -f docs/metabase-readonly.sql
--   psql "<database url>" -c '\password metabase_reader'
--
-- The role is created without a password; the second command sets one (psql sends it hashed).

DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'metabase_reader') THEN
    CREATE ROLE metabase_reader LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT;
  END IF;
END $$;

-- Every statement of the role reads only, whatever Metabase sends.
ALTER ROLE metabase_reader SET default_transaction_read_only = on;

DO $$
BEGIN
  EXECUTE format('GRANT CONNECT ON DATABASE %I TO metabase_reader', current_database());
END $$;

GRANT USAGE ON SCHEMA analytics TO metabase_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA analytics TO metabase_reader;

-- Views that later migrations create in the schema are readable too. Default privileges belong
-- to the role that creates the objects: the owner of the schema, who runs the migrations.
DO $$
BEGIN
  EXECUTE format(
    'ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA analytics GRANT SELECT ON TABLES TO metabase_reader',
    (SELECT r.rolname FROM pg_namespace n JOIN pg_roles r ON r.oid = n.nspowner WHERE n.nspname = 'analytics'));
END $$;
