using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace SessionStores.ExpressCompat.Tests;

/// <summary>
/// An Express app and a .NET app over one store, configured alike (secrets, cookie max-age), started once for the test
/// class on first use (so a missing backend skips or fails the test, not the class). A profile subclass names the npm
/// store and registers the matching .NET store.
/// </summary>
public abstract class CrossStackFixture : IAsyncDisposable
{
    /// <summary>The secrets of both apps, newest first.</summary>
    public static readonly string[] Secrets = ["current-secret", "previous-secret"];

    /// <summary>Both apps' cookie.maxAge.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromHours(1);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private ExpressApp? _express;
    private DotnetApp? _dotnet;

    public Uri Express => _express!.Address;

    public Uri Dotnet => _dotnet!.Address;

    public IServiceProvider DotnetServices => _dotnet!.Services;

    /// <summary>Starts both apps (once).</summary>
    public async Task StartAsync()
    {
        await _gate.WaitAsync(TestContext.Current.CancellationToken);
        try
        {
            if (_dotnet is not null)
            {
                return;
            }

            var environment = new Dictionary<string, string>
            {
                ["SECRETS"] = string.Join(',', Secrets),
                ["MAX_AGE_MS"] = ((long)MaxAge.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture),
            };
            var register = await PrepareAsync(environment);
            _express = await ExpressApp.StartAsync(environment, TestContext.Current.CancellationToken);
            _dotnet = await DotnetApp.StartAsync(
                options =>
                {
                    foreach (var secret in Secrets)
                    {
                        options.Secrets.Add(secret);
                    }

                    options.CookieMaxAge = MaxAge;
                },
                register);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_dotnet is not null)
        {
            await _dotnet.DisposeAsync();
        }

        if (_express is not null)
        {
            await _express.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>Properties the npm store itself adds to the session (session-file-store's <c>__lastAccess</c>), which
    /// Express shows in <c>req.session</c> and which are no session value.</summary>
    public virtual IReadOnlyList<string> FormatFields => [];

    /// <summary>The session JSON the store holds for <paramref name="id"/> (live or not), or <see langword="null"/>.</summary>
    public abstract Task<string?> StoredJsonAsync(string id);

    /// <summary>How long the store keeps <paramref name="id"/>, or <see langword="null"/> when it holds nothing.</summary>
    public abstract Task<TimeSpan?> RemainingAsync(string id);

    /// <summary>Shortens what is left of <paramref name="id"/>'s life to <paramref name="remaining"/>, behind both apps' back.</summary>
    public abstract Task ShortenAsync(string id, TimeSpan remaining);

    /// <summary>Makes <paramref name="id"/> expire in the store now, as time passing would.</summary>
    public abstract Task ExpireAsync(string id);

    /// <summary>Resolves the backend, adds the Express app's store settings to <paramref name="environment"/> and returns
    /// the .NET registration of the matching store.</summary>
    protected abstract Task<Action<IServiceCollection>> PrepareAsync(IDictionary<string, string> environment);
}
