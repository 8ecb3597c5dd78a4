using SessionStores.Abstractions.Tests;
using SessionStores.Conformance;
using SessionStores.Postgres.Tests;
using SessionStores.Redis.Tests;

namespace SessionStores.Extensions.Tests;

// The shared contract suite, with every store behind the encryption decorator.
public sealed class EncryptedMemoryConformance(EncryptedFixture<MemoryFixture> fixture) : SessionStoreConformanceTests<EncryptedFixture<MemoryFixture>>(fixture);

public sealed class EncryptedFileConformance(EncryptedFixture<FileStoreFixture> fixture) : SessionStoreConformanceTests<EncryptedFixture<FileStoreFixture>>(fixture);

public sealed class EncryptedRedisConformance(EncryptedFixture<RedisFixture> fixture) : SessionStoreConformanceTests<EncryptedFixture<RedisFixture>>(fixture);

public sealed class EncryptedPostgresConformance(EncryptedFixture<PostgresFixture> fixture) : SessionStoreConformanceTests<EncryptedFixture<PostgresFixture>>(fixture);
