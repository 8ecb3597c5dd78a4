using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace SessionStores.Conformance;

/// <summary>
/// The <see cref="ISessionLeaseStore"/> suite: exclusive leases, woken waiters, expiry, fencing, no overlap under
/// contention, validation before I/O, and leases kept apart from the sessions. A fixture whose store does not implement
/// <see cref="ISessionLeaseStore"/> gets every test skipped with the reason.
/// <c>public sealed class MyLeaseConformance(MyFixture f) : LeaseConformanceTests&lt;MyFixture&gt;(f);</c>
/// </summary>
/// <typeparam name="TFixture">The fixture that creates the store.</typeparam>
public abstract partial class LeaseConformanceTests<TFixture> : ConformanceTestBase<TFixture>
    where TFixture : class, ISessionStoreFixture
{
    /// <summary>Creates the suite.</summary>
    /// <param name="fixture">The fixture.</param>
    protected LeaseConformanceTests(TFixture fixture)
        : base(fixture)
    {
    }

    /// <summary>A lease that outlasts any test unless released.</summary>
    protected internal static TimeSpan LongLease { get; } = TimeSpan.FromSeconds(60);

    /// <summary>The bound on waits that must end because of a release or an expiry: generous for a loaded machine,
    /// far below <see cref="LongLease"/>, so that a wait ending within it was not ended by the lease's expiry.</summary>
    protected internal static TimeSpan WakeBound { get; } = TimeSpan.FromSeconds(10);

    /// <summary>Creates a store over a fresh namespace, skipping the test when it holds no leases.</summary>
    /// <returns>The store as both interfaces.</returns>
    protected async Task<(ISessionStore Sessions, ISessionLeaseStore Leases)> CreateLeaseStoreAsync()
    {
        var store = await CreateStoreAsync();
        if (store is not ISessionLeaseStore leases)
        {
            Assert.Skip($"{store.GetType().Name} does not implement ISessionLeaseStore (an optional capability).");
            throw new UnreachableException();
        }

        return (store, leases);
    }

    /// <summary>Takes a lease that must be free.</summary>
    /// <param name="store">The store.</param>
    /// <param name="id">The id.</param>
    /// <param name="duration">The duration; <see cref="LongLease"/> when <see langword="null"/>.</param>
    /// <returns>The lease.</returns>
    protected static async Task<SessionLease> AcquireFreeAsync(ISessionLeaseStore store, string id, TimeSpan? duration = null)
    {
        var lease = await store.AcquireLeaseAsync(id, duration ?? LongLease, TimeSpan.Zero, Token);
        Assert.True(lease is not null, $"The lease on {id} should have been free.");
        Assert.Equal(id, lease.Id);
        return lease;
    }

    /// <summary>Asserts that the lease on <paramref name="id"/> is held by someone (an attempt without waiting fails).</summary>
    /// <param name="store">The store.</param>
    /// <param name="id">The id.</param>
    /// <returns>A task.</returns>
    protected internal static async Task AssertHeldAsync(ISessionLeaseStore store, string id)
    {
        var lease = await store.AcquireLeaseAsync(id, LongLease, TimeSpan.Zero, Token);
        Assert.True(lease is null, $"The lease on {id} should have been held, but was granted (fence {lease?.Fence}).");
    }
}

/// <summary>A fixture that can start another OS process holding a lease; it unlocks the cross-process test of
/// <see cref="LeaseConformanceTests{TFixture}"/>.</summary>
public interface ILeaseHolderProcessFixture : ISessionStoreFixture
{
    /// <summary>Whether a lease ends as soon as its holder's process dies (an operating-system lock), rather than when its
    /// time passes.</summary>
    bool LeaseEndsWithHolderProcess { get; }

    /// <summary>
    /// Starts a process that takes the lease on <paramref name="id"/> from a store over <paramref name="options"/> for
    /// <paramref name="duration"/>, writes <c>held &lt;fence&gt;</c> as a line on its redirected standard output, and then
    /// waits until it is killed (<see cref="LeaseHolderProcesses.StartDotnet"/> starts a .NET worker).
    /// </summary>
    /// <param name="options">The namespace of the store the test uses.</param>
    /// <param name="id">The id.</param>
    /// <param name="duration">The lease duration.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The process.</returns>
    ValueTask<Process> StartLeaseHolderAsync(ConformanceStoreOptions options, string id, TimeSpan duration, CancellationToken cancellationToken);
}

/// <summary>Starts the worker processes of <see cref="ILeaseHolderProcessFixture"/>.</summary>
public static class LeaseHolderProcesses
{
    /// <summary>Starts <c>dotnet &lt;assembly&gt; &lt;arguments&gt;</c> with its standard output redirected; the assembly is
    /// looked up beside the test assembly (reference the worker project from the test project).</summary>
    /// <param name="assemblyFileName">The worker's file name, such as <c>MyStore.LeaseWorker.dll</c>.</param>
    /// <param name="arguments">Its arguments.</param>
    /// <returns>The process.</returns>
    public static Process StartDotnet(string assemblyFileName, params string[] arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(System.IO.Path.Combine(AppContext.BaseDirectory, assemblyFileName));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return Process.Start(start) ?? throw new InvalidOperationException($"{assemblyFileName} did not start.");
    }
}
