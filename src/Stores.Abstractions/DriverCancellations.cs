using System;
using System.Collections.Concurrent;
using System.Threading;

namespace SessionStores;

/// <summary>
/// Cancels the tokens of driver calls that passed their deadline, one after another on one dedicated background thread,
/// so that a driver whose cancellation blocks (see <see cref="SessionStoreOperationRunner"/>) can delay only the
/// cancellation of calls already abandoned, never a request or the application's thread pool. A driver's own command
/// timeout still ends a call whose cancellation waits here.
/// </summary>
internal static class DriverCancellations
{
    private static readonly BlockingCollection<CancellationTokenSource> Pending = [];
    private static readonly Lazy<Thread> Pump = new(Start);

    public static void Enqueue(CancellationTokenSource source)
    {
        _ = Pump.Value;
        Pending.Add(source);
    }

    private static Thread Start()
    {
        var thread = new Thread(static () =>
        {
            foreach (var source in Pending.GetConsumingEnumerable())
            {
                try
                {
                    source.Cancel();
                }
                catch (ObjectDisposedException)
                {
                    // The call ended (and released its source) before its cancellation got its turn: nothing to cancel.
                }
                catch (AggregateException)
                {
                    // A driver's callback failed while cancelling a call already abandoned; that call's own failure is
                    // observed and logged by the runner (SessionStoreOperationRunner.Abandon).
                }
            }
        })
        {
            IsBackground = true,
            Name = "SessionStores driver cancellations",
        };
        thread.Start();
        return thread;
    }
}
