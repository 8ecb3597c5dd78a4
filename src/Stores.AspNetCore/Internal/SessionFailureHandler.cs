using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace SessionStores.AspNetCore.Internal;

/// <summary>
/// Keeps a session failure the application did not handle a 409/503 problem in every environment: the developer
/// exception page (Development) and <c>UseExceptionHandler</c> (Production) sit inside the integration's own outer
/// middleware and would otherwise turn it into a 500 page before that middleware sees it.
/// </summary>
internal sealed class SessionFailureHandler : IExceptionHandler, IDeveloperPageExceptionFilter
{
    private readonly StoreBackedSessionOptions _options;

    public SessionFailureHandler(IOptions<StoreBackedSessionOptions> options)
    {
        _options = options.Value;
    }

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (!SessionProblem.IsAnswerable(exception) || httpContext.Response.HasStarted)
        {
            return false;
        }

        await SessionProblem.WriteAsync(httpContext, exception, _options).ConfigureAwait(false);
        return true;
    }

    public async Task HandleExceptionAsync(ErrorContext errorContext, Func<ErrorContext, Task> next)
    {
        if (!await TryHandleAsync(errorContext.HttpContext, errorContext.Exception, errorContext.HttpContext.RequestAborted).ConfigureAwait(false))
        {
            await next(errorContext).ConfigureAwait(false);
        }
    }
}
