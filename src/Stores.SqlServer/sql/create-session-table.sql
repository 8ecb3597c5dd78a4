-- SessionStores.SqlServer: creates the session table [dbo].[Sessions] and its indexes if they are missing.
-- Generated from SqlServerStatements (a test keeps this file identical to what the store runs). Safe to run
-- more than once and while application instances start. For other names, let the store create the table
-- (SqlServerSessionStoreOptions.CreateTableIfMissing) or replace the names throughout.
DECLARE @LockResource nvarchar(255) = N'SessionStores.SqlServer:schema:[dbo].[Sessions]';
DECLARE @SchemaName sysname = N'dbo';
DECLARE @QualifiedName nvarchar(300) = N'[dbo].[Sessions]';
SET NOCOUNT ON;
SET XACT_ABORT ON;
BEGIN TRANSACTION;
DECLARE @LockResult int;
EXEC @LockResult = sys.sp_getapplock @Resource = @LockResource, @LockMode = N'Exclusive', @LockOwner = N'Transaction', @LockTimeout = 30000;
IF @LockResult < 0
    THROW 51000, N'Timed out waiting for another instance that is creating the session table.', 1;
IF SCHEMA_ID(@SchemaName) IS NULL
BEGIN
    DECLARE @CreateSchema nvarchar(300) = N'CREATE SCHEMA ' + QUOTENAME(@SchemaName);
    EXEC sys.sp_executesql @CreateSchema;
END;
IF OBJECT_ID(@QualifiedName, N'U') IS NULL
BEGIN
    CREATE TABLE [dbo].[Sessions] (
        [Id] varchar(256) COLLATE Latin1_General_100_BIN2 NOT NULL,
        [Data] varbinary(max) NOT NULL,
        [Version] bigint NOT NULL,
        [ExpiresAt] datetime2(3) NOT NULL,
        [CreatedAt] datetime2(3) NOT NULL,
        [Subject] nvarchar(256) COLLATE Latin1_General_100_BIN2 NULL,
        CONSTRAINT [PK_Sessions] PRIMARY KEY CLUSTERED ([Id])
    );
    CREATE INDEX [IX_Sessions_ExpiresAt] ON [dbo].[Sessions] ([ExpiresAt]);
    CREATE INDEX [IX_Sessions_Subject] ON [dbo].[Sessions] ([Subject], [Id]);
END;
COMMIT TRANSACTION;
