-- SessionStores.Postgres schema version 1 for "public"."sessions"
BEGIN;
DO $sessionstores$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_namespace WHERE nspname = 'public') THEN
        CREATE SCHEMA "public";
    END IF;
END
$sessionstores$;
CREATE TABLE IF NOT EXISTS "public"."sessionstores_schema" (
    table_name text COLLATE "C" NOT NULL PRIMARY KEY,
    version    integer NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS "public"."sessions" (
    id         text COLLATE "C" NOT NULL PRIMARY KEY,
    data       bytea NOT NULL,
    expires_at timestamptz NOT NULL,
    version    bigint NOT NULL,
    subject    text COLLATE "C",
    created_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS "sessions_expires_idx" ON "public"."sessions" (expires_at);
CREATE INDEX IF NOT EXISTS "sessions_subject_idx" ON "public"."sessions" (subject) WHERE subject IS NOT NULL;
CREATE TABLE IF NOT EXISTS "public"."sessions_leases" (
    id         text COLLATE "C" NOT NULL PRIMARY KEY,
    owner      text COLLATE "C" NOT NULL,
    fence      bigint NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS "sessions_leases_exp" ON "public"."sessions_leases" (expires_at);
INSERT INTO "public"."sessionstores_schema" (table_name, version) VALUES ('sessions', 1) ON CONFLICT (table_name) DO NOTHING;
COMMIT;
