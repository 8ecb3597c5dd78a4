using System;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using Xunit;

namespace SessionStores.ExpressCompat.Tests;

/// <summary>The .NET apps of these tests (<see cref="DotnetApp"/>, <see cref="CookieHandoverTests"/>): real Kestrel on
/// 127.0.0.1, a free port, no logging.</summary>
internal static class LoopbackKestrel
{
    /// <summary>A slim builder listening on 127.0.0.1:0, its logging cleared.</summary>
    public static WebApplicationBuilder CreateBuilder()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        return builder;
    }

    /// <summary>Starts <paramref name="app"/> and returns the address it is bound to.</summary>
    public static async Task<Uri> StartAsync(WebApplication app)
    {
        await app.StartAsync(TestContext.Current.CancellationToken);
        return new Uri(app.Urls.First() + "/");
    }
}
