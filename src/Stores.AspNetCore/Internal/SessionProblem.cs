using System;
using System.Text.Json;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;

namespace SessionStores.AspNetCore.Internal;

/// <summary>
/// Answers a session failure as an RFC 9457 problem details response instead of the endpoint's own body: 409 for a
/// conflict no merge could resolve, the configured status (503, with <c>Retry-After</c>) for a store that is unavailable
/// or a session that is busy, 500 otherwise. Written through the application's <see cref="IProblemDetailsService"/> when
/// it registered one (<c>AddProblemDetails</c>), else as <c>application/problem+json</c> directly. The detail never
/// carries a session id.
/// </summary>
internal static class SessionProblem
{
    /// <summary>The status that reports a session failure.</summary>
    public static int StatusFor(Exception failure, StoreBackedSessionOptions options) => failure switch
    {
        SessionCommitConflictException => StatusCodes.Status409Conflict,
        SessionStoreException { IsTransient: true } => options.UnavailableStatusCode,
        _ => StatusCodes.Status500InternalServerError,
    };

    /// <summary>A transient failure (the configured unavailable status, 503 by default) says when to retry.</summary>
    public static void SetRetryAfter(HttpResponse response, StoreBackedSessionOptions options)
    {
        if (response.StatusCode == options.UnavailableStatusCode)
        {
            response.Headers.RetryAfter = "1";
        }
    }

    /// <summary>Whether the failure is one the integration answers itself (a conflict, or a transient store failure).</summary>
    public static bool IsAnswerable(Exception failure) =>
        failure is SessionCommitConflictException or SessionStoreException { IsTransient: true };

    /// <summary>Clears the response and writes the problem. The response must not have started.</summary>
    public static async Task WriteAsync(HttpContext context, Exception failure, StoreBackedSessionOptions options)
    {
        var response = context.Response;
        response.Clear();
        response.StatusCode = StatusFor(failure, options);
        SetRetryAfter(response, options);

        var problem = new ProblemDetails
        {
            Status = response.StatusCode,
            Title = TitleFor(failure, response.StatusCode),
            Detail = DetailFor(failure),
            Type = response.StatusCode switch
            {
                StatusCodes.Status409Conflict => "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.10",
                StatusCodes.Status503ServiceUnavailable => "https://www.rfc-editor.org/rfc/rfc9110#section-15.6.4",
                _ => null,
            },
        };

        if (context.RequestServices?.GetService<IProblemDetailsService>() is { } service
            && await service.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem }).ConfigureAwait(false))
        {
            return;
        }

        response.ContentType = "application/problem+json";
        await JsonSerializer.SerializeAsync(response.Body, problem, SessionProblemJson.Default.ProblemDetails, context.RequestAborted).ConfigureAwait(false);
    }

    private static string TitleFor(Exception failure, int status) => failure switch
    {
        SessionCommitConflictException { SessionEnded: true } => "The session ended during the request",
        SessionCommitConflictException => "The session was changed by another request",
        SessionBusyException => "The session is busy",
        SessionStoreException { IsTransient: true } => "The session store is unavailable",
        _ => status == StatusCodes.Status500InternalServerError ? "The session could not be stored" : "Session failure",
    };

    private static string DetailFor(Exception failure) => failure switch
    {
        SessionCommitConflictException { SessionEnded: true } => "The session was signed out or expired while this request changed it; nothing was stored. Retry the request to start a new session.",
        SessionCommitConflictException => "Another request changed the same session value at the same time; nothing was stored. Retry the request.",
        SessionBusyException busy => busy.Message + " Retry shortly.",
        SessionStoreException { IsTransient: true } => "The session store did not answer in time or could not be reached. Retry shortly.",
        _ => "The session could not be loaded or stored.",
    };
}
