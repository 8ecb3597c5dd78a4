using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using SessionStores.AspNetCore;

namespace SessionDemo;

/// <summary>
/// Routes for the reliability suite (<c>tests/Reliability</c>): plain-text answers a load client can check exactly.
/// They use the session the same way as the demo's own routes; none of them is needed to use the demo.
/// </summary>
internal static class ReliabilityRoutes
{
    public const string CounterKey = "reliability.n";

    private static int _holding;

    public static void Map(WebApplication app)
    {
        var routes = app.MapGroup("/reliability");

        // Readiness probe: touches no session.
        routes.MapGet("/ping", () => Results.Text("ok\n"));

        // Read-modify-write of one counter; the answer is the value this request stored.
        routes.MapGet("/increment", async (HttpContext context) =>
        {
            await context.Session.LoadAsync(context.RequestAborted);
            var value = (SessionValues.GetCount(context, CounterKey) ?? 0) + 1;
            SessionValues.SetCount(context, CounterKey, value);
            return Results.Text(value.ToString(CultureInfo.InvariantCulture));
        });

        routes.MapGet("/count", async (HttpContext context) =>
        {
            await context.Session.LoadAsync(context.RequestAborted);
            return Results.Text((SessionValues.GetCount(context, CounterKey) ?? 0).ToString(CultureInfo.InvariantCulture));
        }).WithMetadata(new ReadOnlySessionAttribute());

        // The session's string values as JSON (the counter excluded).
        routes.MapGet("/values", async (HttpContext context) =>
        {
            await context.Session.LoadAsync(context.RequestAborted);
            var values = new Dictionary<string, string?>(StringComparer.Ordinal);
            foreach (var key in context.Session.Keys)
            {
                if (key != CounterKey)
                {
                    values[key] = SessionValues.GetText(context, key);
                }
            }

            return Results.Json(values);
        }).WithMetadata(new ReadOnlySessionAttribute());

        // A writing request that keeps its session for ms milliseconds (its turn in the gate, its lease under exclusive).
        routes.MapGet("/hold", async (HttpContext context, int ms) =>
        {
            await context.Session.LoadAsync(context.RequestAborted);
            SessionValues.SetText(context, "reliability.held", DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture));
            Interlocked.Increment(ref _holding);
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Clamp(ms, 0, 120_000)), context.RequestAborted);
            }
            finally
            {
                Interlocked.Decrement(ref _holding);
            }

            return Results.Text("held\n");
        });

        // How many /hold requests are inside their hold right now (the test waits for one before it kills this process).
        routes.MapGet("/holding", () => Results.Text(Volatile.Read(ref _holding).ToString(CultureInfo.InvariantCulture)));
    }
}
