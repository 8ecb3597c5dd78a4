using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using Xunit;

namespace SessionStores.Reliability.Harness;

/// <summary>
/// What a scenario measured. Tests assert behaviour, never these figures (except the bounds issue #11 states); they go to
/// the test output and, in report mode (<see cref="ReportVariable"/>, set by <c>eng/reliability.sh</c>), to a JSON-lines
/// file that becomes <c>docs/reliability.md</c>.
/// </summary>
public static class Figures
{
    /// <summary>The variable naming the JSON-lines file of report mode; when set, the scenarios also run at full scale.</summary>
    public const string ReportVariable = "SESSIONSTORES_RELIABILITY_REPORT";

    private static readonly object FileLock = new();

    /// <summary>Whether this run writes the report (and so runs every scenario at the full scale of issue #11).</summary>
    public static bool ReportMode => !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(ReportVariable));

    /// <summary>Picks the full scale in report mode, the short one in the normal test run.</summary>
    /// <param name="normal">The normal test run's figure.</param>
    /// <param name="report">Report mode's figure.</param>
    /// <returns>One of them.</returns>
    public static int Scale(int normal, int report) => ReportMode ? report : normal;

    /// <summary>Status counts and latency percentiles of <paramref name="replies"/>.</summary>
    /// <param name="replies">The replies.</param>
    /// <returns>Named figures.</returns>
    public static Dictionary<string, object> Summary(IReadOnlyCollection<Reply> replies)
    {
        var sorted = replies.Select(r => r.Elapsed.TotalMilliseconds).Order().ToArray();
        return new Dictionary<string, object>
        {
            ["requests"] = replies.Count,
            ["statuses"] = replies.GroupBy(r => r.Status).OrderBy(g => g.Key)
                .ToDictionary(g => g.Key == 0 ? "none" : g.Key.ToString(CultureInfo.InvariantCulture), g => g.Count()),
            ["p50_ms"] = Percentile(sorted, 0.50),
            ["p95_ms"] = Percentile(sorted, 0.95),
            ["p99_ms"] = Percentile(sorted, 0.99),
            ["max_ms"] = sorted.Length == 0 ? 0 : Math.Round(sorted[^1], 1),
        };
    }

    /// <summary>Writes one scenario's figures to the test output and, in report mode, to the report file.</summary>
    /// <param name="backend">The backend.</param>
    /// <param name="scenario">The scenario.</param>
    /// <param name="figures">The figures.</param>
    public static void Record(string backend, string scenario, Dictionary<string, object> figures)
    {
        var line = JsonSerializer.Serialize(new { backend, scenario, figures, test = TestContext.Current.Test?.TestDisplayName });
        TestContext.Current.TestOutputHelper?.WriteLine(line);
        if (Environment.GetEnvironmentVariable(ReportVariable) is { Length: > 0 } path)
        {
            lock (FileLock)
            {
                System.IO.File.AppendAllText(path, line + "\n");
            }
        }
    }

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? 0 : Math.Round(sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)], 1);
}
