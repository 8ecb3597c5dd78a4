using System;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;
using Xunit;

namespace SessionStores.Conformance;

/// <summary>
/// The deadline rule (<see cref="SessionStoreOptions.OperationTimeout"/>) against a server that accepts connections and
/// never answers (a loopback listener that reads nothing), with driver timeouts longer than the deadline: the operation
/// still throws a transient <see cref="SessionStoreException"/> naming the backend, the operation and the setting, at the
/// deadline. Needs no server, so it runs where <see cref="StalledBackendConformanceTests{TFixture}"/> (a real server,
/// stalled) cannot. A store adds a sealed subclass next to its conformance suite.
/// </summary>
public abstract class SilentServerConformanceTests
{
    /// <summary>The backend as the store's messages name it (<c>SessionStoreBackend.DisplayName</c>).</summary>
    protected abstract string DisplayName { get; }

    /// <summary>Creates a store on the server at 127.0.0.1:<paramref name="port"/>, with
    /// <paramref name="operationTimeout"/> and driver timeouts (connect, server selection) far longer than it, so that
    /// only the operation timeout can end the wait.</summary>
    /// <param name="port">The silent server's port.</param>
    /// <param name="operationTimeout">The store's <see cref="SessionStoreOptions.OperationTimeout"/>.</param>
    /// <returns>The store; the suite disposes it.</returns>
    protected abstract ISessionStore CreateStore(int port, TimeSpan operationTimeout);

    /// <summary>The operation ends at the operation timeout, not at the driver's.</summary>
    /// <returns>A task.</returns>
    [Fact]
    public async Task A_server_that_never_answers_times_out_at_the_operation_timeout_even_with_longer_driver_timeouts()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var store = CreateStore(((IPEndPoint)silent.LocalEndpoint).Port, TimeSpan.FromMilliseconds(500));
        try
        {
            var elapsed = Stopwatch.StartNew();

            var ex = await Assert.ThrowsAsync<SessionStoreException>(() => store.GetAsync("abc", TestContext.Current.CancellationToken));

            Assert.True(elapsed.Elapsed <= TimeSpan.FromSeconds(1.5), $"took {elapsed.Elapsed}");
            Assert.True(ex.IsTransient);
            Assert.Equal($"{DisplayName} session store: Get did not answer within OperationTimeout (0.5 s).", ex.Message);
        }
        finally
        {
            if (store is IAsyncDisposable asyncDisposable)
            {
                await asyncDisposable.DisposeAsync();
            }
            else
            {
                (store as IDisposable)?.Dispose();
            }
        }
    }
}
