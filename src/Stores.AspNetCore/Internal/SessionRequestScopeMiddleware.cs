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

        // Not reset at the end: an async method's changes to async-local values never leave it (its caller's context is
        // restored when it returns or awaits), and a second write would cost another execution context per request.
        SessionRequestScope.Current = scope;
        try
        {
            try
            {
                await _next(context).ConfigureAwait(false);
            }
            catch (SessionStoreException ex) when (!context.Response.HasStarted && SessionProblem.IsAnswerable(ex))
            {
                // The application did not handle a session failure (a load that found the store down, a session too busy
                // to get its turn, a conflict from its own CommitAsync): answer with a problem instead of a bare 500.
                scope.Body?.Detach();
                await AbandonDeferredCommitAsync(scope).ConfigureAwait(false);
                await AnswerAsync(context, ex).ConfigureAwait(false);
                return;
            }
            catch
            {
                scope.Body?.Detach();
                await AbandonDeferredCommitAsync(scope).ConfigureAwait(false);
                throw;
            }

            if (scope.DeferredCommit is { } deferred)
            {
                // The pipeline succeeded: the regenerated id's commit runs now (a failure is reported to the scope and
                // answered below like any failed final commit).
                scope.DeferredCommit = null;
                await deferred.CommitDeferredAsync().ConfigureAwait(false);
            }

            var unanswered = scope.CommitFailure is not null && !scope.FailureAnswered;
            if (scope.Body is { } body)
            {
                if (unanswered && !context.Response.HasStarted)
                {
                    // The final commit failed before anything was sent: what the endpoint left buffered is not sent.
                    body.Discard();
                }

                await body.CompleteAsync().ConfigureAwait(false);
            }

            if (unanswered)
            {
                var failure = scope.CommitFailure!;
                if (!context.Response.HasStarted)
                {
                    // The session middleware swallowed (and logged) the commit failure; the client must not see a success.
                    await AnswerAsync(context, failure).ConfigureAwait(false);
                }
                else
                {
                    // Too late for a status code: abort, so the client sees a failed request rather than a stored change.
                    Log.AbortedAfterCommitFailure(_logger, failure);
                    context.Abort();
                }
            }
        }
        finally
        {
            if (scope.Turn is { } turn)
            {
                // Normally ended by the commit already; this covers a request that never committed.
                await turn.EndAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>The pipeline failed: a regenerated id's deferred commit is dropped (the error response does not carry its
    /// cookie), and its turn ends.</summary>
    private static Task AbandonDeferredCommitAsync(SessionRequestScope scope)
    {
        if (scope.DeferredCommit is not { } deferred)
        {
            return Task.CompletedTask;
        }

        scope.DeferredCommit = null;
        return deferred.AbandonAsync("failed with an unhandled exception");
    }

    private async Task AnswerAsync(HttpContext context, Exception failure)
    {
        await SessionProblem.WriteAsync(context, failure, _options).ConfigureAwait(false);
        Log.RequestAnswered(_logger, context.Response.StatusCode);
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
