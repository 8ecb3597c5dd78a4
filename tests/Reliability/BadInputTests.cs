using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using SessionStores.Reliability.Harness;
using Xunit;

namespace SessionStores.Reliability;

/// <summary>
/// Generated bad input straight against every store (the <see cref="ISessionStore"/> API, no HTTP): at least 10,000 bad
/// ids, oversized payloads and out-of-range TTLs per store. Each must be rejected with the documented exception
/// (<see cref="ArgumentException"/> for ids and payloads, <see cref="ArgumentOutOfRangeException"/> for TTLs) whose message
/// neither repeats the raw id nor carries a control character, and nothing may be written, inside the namespace or
/// outside it. Runs alone so the snapshot of what lies outside the namespace sees no other test's writes.
/// </summary>
[Collection(nameof(StalledStoreCollection))]
public sealed class BadInputTests
{
    private const int Calls = 10_000;
    private const int Seed = 20261203;

    [Theory]
    [MemberData(nameof(StoreLocation.All), MemberType = typeof(StoreLocation))]
    public async Task Bad_ids_payloads_and_ttls_are_rejected_cleanly_and_write_nothing(string backend)
    {
        // Given a store in a fresh namespace with decoys next to it
        await using var isolated = await IsolatedStore.OpenAsync(backend);
        var store = isolated.Store;
        var inputs = new BadInputs(Seed);
        var calls = inputs.Generate(Calls, IsolatedStore.MaxDataBytes, withLeases: store is ISessionLeaseStore);
        var before = await isolated.OutsideAsync();
        Assert.True(backend == "memory" || before.Any(e => e.Contains("decoy", StringComparison.Ordinal)), $"The snapshot of what lies outside the namespace does not show the decoys, so it would not show a write either: {string.Join(", ", before.Take(10))}");

        // When every bad call is made
        var failures = new List<string>();
        var byKind = new Dictionary<BadKind, int>();
        foreach (var call in calls)
        {
            byKind[call.Kind] = byKind.GetValueOrDefault(call.Kind) + 1;
            var problem = Check(call, await CatchAsync(store, call));
            if (problem is not null)
            {
                failures.Add($"{call}: {problem}");
            }
        }

        // Then each was rejected as documented, and nothing was written anywhere
        var after = await isolated.OutsideAsync();
        var added = after.Except(before).ToList();
        var decoysGone = before.Where(e => e.Contains("decoy", StringComparison.Ordinal)).Except(after).ToList();
        var found = await isolated.FindAsync(inputs.Marker);
        var stored = await isolated.StoredCountAsync();
        Figures.Record(backend, "bad input against the store", new()
        {
            ["calls"] = calls.Count,
            ["ids"] = byKind.GetValueOrDefault(BadKind.Id),
            ["payloads"] = byKind.GetValueOrDefault(BadKind.Payload),
            ["ttls"] = byKind.GetValueOrDefault(BadKind.Ttl),
            ["rejected_as_documented"] = calls.Count - failures.Count,
            ["written_outside"] = added.Count + decoysGone.Count,
            ["written_inside"] = stored,
        });

        Assert.True(failures.Count == 0, $"{failures.Count} of {calls.Count} bad calls (seed {Seed}) were not rejected cleanly, e.g.\n{string.Join("\n", failures.Take(10))}");
        Assert.True(added.Count == 0 && decoysGone.Count == 0, $"Written outside the namespace: added or changed {BadCall.Escape(string.Join(", ", added.Take(10)))}; decoys changed {string.Join(", ", decoysGone)}");
        Assert.True(found.Count == 0, $"Found what bad calls wrote: {BadCall.Escape(string.Join(", ", found.Take(10)))}");
        Assert.Equal(0, stored);
    }

    private static async Task<Exception?> CatchAsync(ISessionStore store, BadCall call)
    {
        var ct = Load.Token;
        try
        {
            switch (call.Operation)
            {
                case BadOperation.Get:
                    await store.GetAsync(call.Id!, ct);
                    break;
                case BadOperation.GetAndTouch:
                    await store.GetAndTouchAsync(call.Id!, call.Ttl, ct);
                    break;
                case BadOperation.Set:
                    await store.SetAsync(call.Id!, new SessionWrite(call.Data, call.Ttl, expectedVersion: call.ExpectedVersion), ct);
                    break;
                case BadOperation.Touch:
                    await store.TouchAsync(call.Id!, call.Ttl, ct);
                    break;
                case BadOperation.Destroy:
                    await store.DestroyAsync(call.Id!, ct);
                    break;
                case BadOperation.AcquireLease:
                    await ((ISessionLeaseStore)store).AcquireLeaseAsync(call.Id!, TimeSpan.FromSeconds(5), TimeSpan.Zero, ct);
                    break;
            }

            return null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            return ex;
        }
    }

    // Null when the call was rejected as documented; otherwise what went wrong.
    private static string? Check(BadCall call, Exception? exception)
    {
        if (exception is null)
        {
            return "accepted";
        }

        var expected = call switch
        {
            { Kind: BadKind.Ttl } => typeof(ArgumentOutOfRangeException),
            { Kind: BadKind.Id, Id: null } => typeof(ArgumentNullException),
            _ => typeof(ArgumentException),
        };
        if (exception.GetType() != expected)
        {
            return $"{exception.GetType().Name} instead of {expected.Name}: {BadCall.Escape(exception.Message)}";
        }

        // ArgumentOutOfRangeException appends "Actual value was ..." on a new line of its own: the framework's separator,
        // not input, so it is the one line break allowed.
        var message = exception.Message;
        if (message.Replace(Environment.NewLine + "Actual value was ", " Actual value was ", StringComparison.Ordinal).Any(char.IsControl))
        {
            return $"control character in the message {BadCall.Escape(message)}";
        }

        if ((call.Token is not null && message.Contains(call.Token, StringComparison.Ordinal))
            || (call.Id is { Length: >= 4 } id && message.Contains(id, StringComparison.Ordinal)))
        {
            return $"the raw id is in the message {BadCall.Escape(message)}";
        }

        return null;
    }
}
