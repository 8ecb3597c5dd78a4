using System.Collections.Concurrent;
using System.Globalization;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;

namespace SessionDemo;

/// <summary>
/// Benchmark instrumentation (<c>--bench-counters true</c>): counts the successful <c>GET /</c> responses per session
/// cookie, so the benchmark can check afterwards that every stored counter equals the increments the server
/// acknowledged (no lost update, no dropped write). <c>GET /bench/counts</c> prints them.
/// </summary>
public sealed class BenchCounters
{
    private readonly ConcurrentDictionary<string, int> _counts = new();

    internal sealed class Middleware(RequestDelegate next, BenchCounters counters)
    {
        public async Task InvokeAsync(HttpContext context)
        {
            if (context.Request.Path == "/bench/counts")
            {
                var lines = string.Concat(counters._counts.Select(p => $"{p.Key} {p.Value.ToString(CultureInfo.InvariantCulture)}\n"));
                await context.Response.WriteAsync(lines, context.RequestAborted);
                return;
            }

            var counted = context.Request.Path == "/" && HttpMethods.IsGet(context.Request.Method)
                && context.Request.Cookies.TryGetValue(DemoApp.CookieName, out var cookie) ? cookie : null;
            await next(context);
            if (counted is not null && context.Response.StatusCode == StatusCodes.Status200OK)
            {
                // Counted when the pipeline (session commit included) returned success, before the response completes.
                counters._counts.AddOrUpdate(counted, 1, static (_, n) => n + 1);
            }
        }
    }
}
