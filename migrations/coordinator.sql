CREATE TABLE IF NOT EXISTS "__EFMigrationsHistory" (
    "MigrationId" character varying(150) NOT NULL,
    "ProductVersion" character varying(32) NOT NULL,
    CONSTRAINT "PK___EFMigrationsHistory" PRIMARY KEY ("MigrationId")
);

START TRANSACTION;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM "__EFMigrationsHistory" WHERE "MigrationId" = '20261122225626_InitialCreate') THEN
    CREATE TABLE transactions (
        id uuid NOT NULL,
        state character varying(16) NOT NULL,
        created_at timestamp with time zone NOT NULL,
        deadline timestamp with time zone NOT NULL,
        decided_at timestamp with time zone,
        completed_at timestamp with time zone,
        abort_reason character varying(1024),
        one_phase boolean NOT NULL,
        metadata jsonb NOT NULL,
        CONSTRAINT "PK_transactions" PRIMARY KEY (id)
    );
    END IF;
END $EF$;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM "__EFMigrationsHistory" WHERE "MigrationId" = '20261122225626_InitialCreate') THEN
    CREATE TABLE participants (
        transaction_id uuid NOT NULL,
        participant_id character varying(64) NOT NULL,
        endpoint character varying(200) NOT NULL,
        enlisted_at timestamp with time zone NOT NULL,
        vote character varying(16),
        vote_reason character varying(1024),
        voted_at timestamp with time zone,
        acknowledged_at timestamp with time zone,
        acknowledged_outcome character varying(16),
        delivery_attempts integer NOT NULL,
        last_sent_at timestamp with time zone,
        CONSTRAINT "PK_participants" PRIMARY KEY (transaction_id, participant_id),
        CONSTRAINT "FK_participants_transactions_transaction_id" FOREIGN KEY (transaction_id) REFERENCES transactions (id) ON DELETE CASCADE
    );
    END IF;
END $EF$;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM "__EFMigrationsHistory" WHERE "MigrationId" = '20261122225626_InitialCreate') THEN
    CREATE INDEX ix_participants_participant_id ON participants (participant_id);
    END IF;
END $EF$;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM "__EFMigrationsHistory" WHERE "MigrationId" = '20261122225626_InitialCreate') THEN
    CREATE INDEX ix_transactions_state_created_at ON transactions (state, created_at);
    END IF;
END $EF$;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM "__EFMigrationsHistory" WHERE "MigrationId" = '20261122225626_InitialCreate') THEN
    CREATE INDEX ix_transactions_unfinished_deadline ON transactions (deadline) WHERE state NOT IN ('Committed', 'Aborted');
    END IF;
END $EF$;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM "__EFMigrationsHistory" WHERE "MigrationId" = '20261122225626_InitialCreate') THEN
    INSERT INTO "__EFMigrationsHistory" ("MigrationId", "ProductVersion")
    VALUES ('20261122225626_InitialCreate', '10.0.5');
    END IF;
END $EF$;
COMMIT;

START TRANSACTION;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM "__EFMigrationsHistory" WHERE "MigrationId" = '20261123155347_AddRevision') THEN
    ALTER TABLE transactions ADD revision bigint NOT NULL DEFAULT 0;
    END IF;
END $EF$;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM "__EFMigrationsHistory" WHERE "MigrationId" = '20261123155347_AddRevision') THEN
    INSERT INTO "__EFMigrationsHistory" ("MigrationId", "ProductVersion")
    VALUES ('20261123155347_AddRevision', '10.0.5');
    END IF;
END $EF$;
COMMIT;

START TRANSACTION;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM "__EFMigrationsHistory" WHERE "MigrationId" = '20261123165415_AddAuditAndPrepareStartedAt') THEN
    ALTER TABLE transactions ADD audit jsonb NOT NULL DEFAULT ('[]'::jsonb);
    END IF;
END $EF$;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM "__EFMigrationsHistory" WHERE "MigrationId" = '20261123165415_AddAuditAndPrepareStartedAt') THEN
    ALTER TABLE transactions ADD prepare_started_at timestamp with time zone;
    END IF;
END $EF$;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM "__EFMigrationsHistory" WHERE "MigrationId" = '20261123165415_AddAuditAndPrepareStartedAt') THEN
    CREATE INDEX ix_transactions_created_at_id ON transactions (created_at, id);
    END IF;
END $EF$;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM "__EFMigrationsHistory" WHERE "MigrationId" = '20261123165415_AddAuditAndPrepareStartedAt') THEN
    INSERT INTO "__EFMigrationsHistory" ("MigrationId", "ProductVersion")
    VALUES ('20261123165415_AddAuditAndPrepareStartedAt', '10.0.5');
    END IF;
END $EF$;
COMMIT;

START TRANSACTION;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM "__EFMigrationsHistory" WHERE "MigrationId" = '20261207180446_DurableEnlistments') THEN
    ALTER TABLE transactions ADD durable_enlistments boolean NOT NULL DEFAULT FALSE;
    END IF;
END $EF$;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM "__EFMigrationsHistory" WHERE "MigrationId" = '20261207180446_DurableEnlistments') THEN
    INSERT INTO "__EFMigrationsHistory" ("MigrationId", "ProductVersion")
    VALUES ('20261207180446_DurableEnlistments', '10.0.5');
    END IF;
END $EF$;
COMMIT;

