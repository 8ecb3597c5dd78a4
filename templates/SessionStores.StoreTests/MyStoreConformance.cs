using SessionStores.Conformance;

namespace MyStore.Tests;

// Each line runs one suite of the kit against the fixture's stores. A suite whose optional capability the store lacks
// (leases: ISessionLeaseStore) skips its tests with the reason.
public sealed class MyStoreConformance(MyStoreFixture fixture) : SessionStoreConformanceTests<MyStoreFixture>(fixture);

public sealed class MyStoreFakeClockConformance(MyStoreFixture fixture) : FakeClockConformanceTests<MyStoreFixture>(fixture);

public sealed class MyStoreFailureConformance(MyStoreFixture fixture) : FailureConformanceTests<MyStoreFixture>(fixture);

public sealed class MyStoreLeaseConformance(MyStoreFixture fixture) : LeaseConformanceTests<MyStoreFixture>(fixture);
