using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Linq;
using System.Threading.Tasks;
using SessionStores.Memory;
using Xunit;

namespace SessionStores.Abstractions.Tests;

/// <summary>The in-memory store skips the operation runner (it has no I/O to bound) but is traced like every store.</summary>
public sealed class MemoryTelemetryTests
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task Operations_are_traced_as_memory_operations_and_a_refused_write_as_failed()
    {
        // Given a listener, and a parent activity that tells this test's spans from those of tests running in parallel
        var token = TestContext.Current.CancellationToken;
        using var source = new ActivitySource(nameof(MemoryTelemetryTests));
        var stopped = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name is SessionStoreDiagnostics.ActivitySourceName or nameof(MemoryTelemetryTests),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        using var store = new MemorySessionStore(new MemorySessionStoreOptions { MaxSessions = 1 });
        ActivitySpanId parent;

        // When a write, a read, a write the full store refuses and a listing run under it
        using (var test = source.StartActivity("test")!)
        {
            parent = test.SpanId;
            await store.SetAsync("a", new SessionWrite(new byte[] { 1 }, Minute), token);
            await store.GetAsync("a", token);
            await Assert.ThrowsAsync<SessionStoreException>(() => store.SetAsync("b", new SessionWrite(new byte[] { 1 }, Minute), token));
            await foreach (var _ in store.ListAsync(SessionQuery.All, token))
            {
            }
        }

        // Then each is one span of the memory system, named by its operation, and only the refused write failed
        var spans = stopped.Where(a => a.ParentSpanId == parent).ToList();
        Assert.Equal(["set", "get", "set", "list"], spans.Select(a => a.GetTagItem("db.operation.name")));
        Assert.All(spans, a => Assert.Equal("memory", a.GetTagItem("db.system.name")));
        Assert.Equal([null, null, typeof(SessionStoreException).FullName, null], spans.Select(a => a.GetTagItem("error.type")));
    }
}
