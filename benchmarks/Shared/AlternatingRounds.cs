using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;

namespace SessionStores.Benchmarks;

/// <summary>
/// The frame of the hand-written side-by-side comparisons: every contender measured once per round, in the given order
/// on odd rounds and in reverse on even ones, so that a drift of the machine during a run (this one's speed moves in
/// time, not per process: docs/benchmarks.md) hits every contender alike and none always runs first or last. Callers
/// report medians over the rounds (<see cref="Percentiles.Median"/>). Linked into each benchmark project that uses it.
/// </summary>
internal static class AlternatingRounds
{
    /// <summary>Runs <paramref name="rounds"/> rounds of <paramref name="measure"/> over <paramref name="contenders"/>.</summary>
    /// <typeparam name="TContender">What a contender is (a name and the operation it runs, a pool size, ...).</typeparam>
    /// <typeparam name="TMeasurement">What one measurement of one contender yields.</typeparam>
    /// <param name="contenders">The contenders, in the order of the first round.</param>
    /// <param name="rounds">How many rounds; at least 1.</param>
    /// <param name="measure">One measurement of one contender.</param>
    /// <returns>Per contender (same index as in <paramref name="contenders"/>), its measurements in order of rounds.</returns>
    public static async Task<List<TMeasurement>[]> RunAsync<TContender, TMeasurement>(
        IReadOnlyList<TContender> contenders, int rounds, Func<TContender, Task<TMeasurement>> measure)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rounds, 1);
        var results = contenders.Select(_ => new List<TMeasurement>(rounds)).ToArray();
        for (var round = 0; round < rounds; round++)
        {
            var order = Enumerable.Range(0, contenders.Count);
            foreach (var index in round % 2 == 0 ? order : order.Reverse())
            {
                results[index].Add(await measure(contenders[index]));
            }
        }

        return results;
    }
}
