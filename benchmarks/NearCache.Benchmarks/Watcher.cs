using System;
using System.Threading;
using System.Threading.Tasks;

namespace SessionStores.NearCache.Benchmarks;

/// <summary>The second process: listens to the store's feed exactly as a near cache does, and prints when each version
/// of a session was announced to it (the moment its cache would drop the older copy).</summary>
internal sealed class Watcher : ISessionInvalidationListener
{
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static async Task RunAsync(ISessionStore store)
    {
        var watcher = new Watcher();
        await using var subscription = await ((ISessionInvalidationSource)store).SubscribeInvalidationsAsync(watcher);
        await watcher._ready.Task;
        Console.WriteLine("ready");

        // Until the parent closes standard input.
        await Console.In.ReadToEndAsync();
    }

    public void OnChanged(string id, long version) =>
        Console.WriteLine($"seen {version} {DateTime.UtcNow.Ticks}");

    public void OnAllChanged()
    {
    }

    public void OnFeedLost(string reason, Exception? exception) => Console.Error.WriteLine($"feed lost: {reason}");

    public void OnFeedRestored() => _ready.TrySetResult();
}
