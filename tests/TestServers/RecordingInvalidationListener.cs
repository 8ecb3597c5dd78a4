using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Threading.Tasks;

namespace SessionStores.TestServers;

/// <summary>
/// A near-cache feed listener for the stores' feed tests: notes when the feed came back (<see cref="Live"/>), when
/// "anything may have changed" arrived (<see cref="AllChanged"/>), which changes were heard (<see cref="Heard"/>), and
/// every call in order (<see cref="Events"/>: "changed ID", "all changed", "lost", "restored").
/// </summary>
public sealed class RecordingInvalidationListener : ISessionInvalidationListener
{
    private readonly ConcurrentDictionary<(string, long), TaskCompletionSource> _changed = new();

    /// <summary>Completes at the first <see cref="OnFeedRestored"/>.</summary>
    public TaskCompletionSource Live { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes at the first <see cref="OnAllChanged"/>.</summary>
    public TaskCompletionSource AllChanged { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Every call so far, in order.</summary>
    public ConcurrentQueue<string> Events { get; } = new();

    /// <summary>Completes once the change of <paramref name="id"/> to <paramref name="version"/> was announced.</summary>
    /// <param name="id">The session id.</param>
    /// <param name="version">The version announced.</param>
    /// <returns>The task.</returns>
    public Task Heard(string id, long version) => Changed(id, version).Task;

    /// <summary>Waits until <paramref name="what"/> (an <see cref="Events"/> entry) happened <paramref name="times"/> times.</summary>
    /// <param name="what">The event.</param>
    /// <param name="times">How many times.</param>
    /// <returns>A task that completes then; it fails the test after 30 s.</returns>
    public Task HappenedAsync(string what, int times) =>
        Poll.UntilAsync(
            () => Task.FromResult(Events.Count(e => e == what) >= times), () => $"'{what}' did not happen {times} time(s): {string.Join(", ", Events)}", timeoutMs: 30_000);

    public void OnChanged(string id, long version)
    {
        Events.Enqueue("changed " + id);
        Changed(id, version).TrySetResult();
    }

    public void OnAllChanged()
    {
        Events.Enqueue("all changed");
        AllChanged.TrySetResult();
    }

    public void OnFeedLost(string reason, Exception? exception) => Events.Enqueue("lost");

    public void OnFeedRestored()
    {
        Events.Enqueue("restored");
        Live.TrySetResult();
    }

    private TaskCompletionSource Changed(string id, long version) =>
        _changed.GetOrAdd((id, version), _ => new(TaskCreationOptions.RunContinuationsAsynchronously));
}
