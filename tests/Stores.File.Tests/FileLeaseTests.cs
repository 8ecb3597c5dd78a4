using System;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace SessionStores.File.Tests;

/// <summary>What the lease conformance suite cannot see in the file store: the layout, waking across store instances
/// (processes on one machine), pruning, and expiry on the store's clock.</summary>
public sealed class FileLeaseTests : IDisposable
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "sessionstores-file-leases", Guid.NewGuid().ToString("N")[..12]);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_lease_is_a_state_file_and_a_locked_holder_file_in_leases_and_the_holder_file_goes_with_the_release()
    {
        await using var store = new FileSessionStore(new FileSessionStoreOptions { Directory = _directory });
        var lease = await store.AcquireLeaseAsync("Ab", Minute, TimeSpan.Zero, Token);
        Assert.NotNull(lease);

        var leases = Path.Combine(_directory, "leases");
        Assert.Equal([$"s_+ab.{lease.Owner}.held", "s_+ab.lease"], Directory.GetFiles(leases).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Empty(Directory.GetFiles(Path.Combine(_directory, "sessions")));
        Assert.Throws<IOException>(() => System.IO.File.OpenHandle(Path.Combine(leases, $"s_+ab.{lease.Owner}.held"), FileMode.Open, FileAccess.ReadWrite, FileShare.None));

        Assert.True(await store.ReleaseLeaseAsync(lease, Token));
        Assert.Equal(["s_+ab.lease"], Directory.GetFiles(leases).Select(Path.GetFileName));
    }

    [Fact]
    public async Task A_waiter_of_another_store_instance_is_woken_by_a_release()
    {
        await using var holderStore = new FileSessionStore(new FileSessionStoreOptions { Directory = _directory });
        await using var waiterStore = new FileSessionStore(new FileSessionStoreOptions { Directory = _directory });
        var holder = await holderStore.AcquireLeaseAsync("a", Minute, TimeSpan.Zero, Token);
        Assert.NotNull(holder);

        var waiter = waiterStore.AcquireLeaseAsync("a", Minute, Minute, Token);
        await Task.WhenAny(waiter, Task.Delay(300, Token));
        Assert.False(waiter.IsCompleted);
        Assert.True(await holderStore.ReleaseLeaseAsync(holder, Token));

        var taken = await waiter.WaitAsync(TimeSpan.FromSeconds(10), Token);
        Assert.NotNull(taken);
        Assert.True(taken.Fence > holder.Fence);
    }

    [Fact]
    public async Task Disposing_the_holder_store_ends_its_leases()
    {
        var holderStore = new FileSessionStore(new FileSessionStoreOptions { Directory = _directory });
        await using var other = new FileSessionStore(new FileSessionStoreOptions { Directory = _directory });
        Assert.NotNull(await holderStore.AcquireLeaseAsync("a", Minute, TimeSpan.Zero, Token));
        Assert.Null(await other.AcquireLeaseAsync("a", Minute, TimeSpan.Zero, Token));

        await holderStore.DisposeAsync();

        Assert.NotNull(await other.AcquireLeaseAsync("a", Minute, TimeSpan.Zero, Token));
    }

    [Fact]
    public async Task Pruning_leaves_leases_alone()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var store = new FileSessionStore(new FileSessionStoreOptions { Directory = _directory }, clock);
        var lease = await store.AcquireLeaseAsync("a", Minute, TimeSpan.Zero, Token);
        Assert.NotNull(lease);

        await store.PruneAsync(Token);

        Assert.Null(await store.AcquireLeaseAsync("a", Minute, TimeSpan.Zero, Token));
        Assert.True(await store.ReleaseLeaseAsync(lease, Token));
    }

    [Fact]
    public async Task A_lease_expires_on_the_store_clock_although_its_holder_still_holds_its_file()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var store = new FileSessionStore(new FileSessionStoreOptions { Directory = _directory }, clock);
        var hung = await store.AcquireLeaseAsync("a", Minute, TimeSpan.Zero, Token);
        Assert.NotNull(hung);

        clock.Advance(Minute - TimeSpan.FromMilliseconds(1));
        Assert.Null(await store.AcquireLeaseAsync("a", Minute, TimeSpan.Zero, Token));
        clock.Advance(TimeSpan.FromMilliseconds(1));
        var taken = await store.AcquireLeaseAsync("a", Minute, TimeSpan.Zero, Token);

        Assert.NotNull(taken);
        Assert.True(taken.Fence > hung.Fence);
        Assert.False(await store.RenewLeaseAsync(hung, Minute, Token));
        Assert.False(await store.ReleaseLeaseAsync(hung, Token));
        Assert.Null(await store.AcquireLeaseAsync("a", Minute, TimeSpan.Zero, Token));
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
