using System;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace SessionStores.AspNetCore.Internal;

/// <summary>
/// The outermost middleware (added by an <see cref="IStartupFilter"/>, so <c>UseSession()</c> stays the user's code):
/// it opens a <see cref="SessionRequestScope"/> and turns session store failures into a visible status code, or aborts
/// the response when it had already started.
/// </summary>
internal sealed class SessionRequestScopeMiddleware
{
    private readonly RequestDelegate _next;
    private readonly StoreBackedSessionOptions _options;
    private readonly ILogger _logger;

    public SessionRequestScopeMiddleware(RequestDelegate next, IOptions<StoreBackedSessionOptions> options, ILogger<SessionRequestScopeMiddleware> logger)
    {
        _next = next;
        _options = options.Value;
        _logger = logger;
    }

    public async Task InvokeAsync(HttpContext context)
    {
        var scope = new SessionRequestScope(context);
        SessionRequestScope.Current = scope;
        try
        {
            await _next(context).ConfigureAwait(false);
        }
        catch (SessionStoreException ex) when (!context.Response.HasStarted && IsOurs(ex))
        {
            // The application did not handle a session store failure: answer with a clear status instead of a bare 500.
            Log.RequestFailed(_logger, ex);
            WriteFailure(context, ex);
            return;
        }
        finally
        {
            SessionRequestScope.Current = null;
        }

        if (scope.CommitFailure is { } failure && !scope.FailureAnswered)
        {
            if (!context.Response.HasStarted)
            {
                // The session middleware swallowed (and logged) the commit failure; the client must not see a success.
                WriteFailure(context, failure);
            }
            else
            {
                // Too late for a status code: abort, so the client sees a failed request rather than a stored change.
                Log.AbortedAfterCommitFailure(_logger, failure);
                context.Abort();
            }
        }
    }

    /// <summary>The status that reports a session failure: 409 for a conflict, the configured code (503) for a
    /// transient store failure, 500 for anything else.</summary>
    internal static int StatusFor(Exception failure, StoreBackedSessionOptions options) => failure switch
    {
        SessionCommitConflictException => StatusCodes.Status409Conflict,
        SessionStoreException { IsTransient: true } => options.UnavailableStatusCode,
        _ => StatusCodes.Status500InternalServerError,
    };

    private static bool IsOurs(SessionStoreException ex) => ex.IsTransient || ex is SessionCommitConflictException;

    private void WriteFailure(HttpContext context, Exception failure)
    {
        context.Response.Clear();
        context.Response.StatusCode = StatusFor(failure, _options);
        if (context.Response.StatusCode == StatusCodes.Status503ServiceUnavailable)
        {
            context.Response.Headers.RetryAfter = "1";
        }
    }

    internal sealed class StartupFilter : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.UseMiddleware<SessionRequestScopeMiddleware>();
            next(app);
        };
    }
}
