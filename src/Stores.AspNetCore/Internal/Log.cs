using System;
using Microsoft.Extensions.Logging;

namespace SessionStores.AspNetCore.Internal;

/// <summary>Log messages of the ASP.NET Core integration. Session ids are shortened; session data is never logged.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1, EventName = "LoadDegraded", Level = LogLevel.Warning, Message = "Session {SessionTag} could not be loaded; the request continues read-only (degraded mode)")]
    public static partial void LoadDegraded(ILogger logger, string sessionTag, Exception exception);

    [LoggerMessage(EventId = 2, EventName = "AbsoluteExpired", Level = LogLevel.Information, Message = "Session {SessionTag} passed its absolute lifetime and was destroyed")]
    public static partial void AbsoluteExpired(ILogger logger, string sessionTag);

    [LoggerMessage(EventId = 3, EventName = "Merging", Level = LogLevel.Debug, Message = "Session {SessionTag} changed concurrently (attempt {Attempt}); re-applying this request's changes to version {Version}")]
    public static partial void Merging(ILogger logger, string sessionTag, int attempt, long version);

    [LoggerMessage(EventId = 4, EventName = "CommitFailed", Level = LogLevel.Error, Message = "Committing session {SessionTag} failed")]
    public static partial void CommitFailed(ILogger logger, string sessionTag, Exception exception);

    [LoggerMessage(EventId = 5, EventName = "RequestFailed", Level = LogLevel.Error, Message = "A session store failure ended the request")]
    public static partial void RequestFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 6, EventName = "AbortedAfterCommitFailure", Level = LogLevel.Error, Message = "The session commit failed after the response had started; the connection is aborted")]
    public static partial void AbortedAfterCommitFailure(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 7, EventName = "UnreadableDiscarded", Level = LogLevel.Error, Message = "Session {SessionTag} could not be read and was destroyed (DiscardUnreadableSessions); the request starts with an empty session")]
    public static partial void UnreadableDiscarded(ILogger logger, string sessionTag, Exception exception);

    [LoggerMessage(EventId = 8, EventName = "DeadlineTouchFailed", Level = LogLevel.Warning, Message = "Session {SessionTag}: pulling its expiry back to the absolute deadline failed; it may outlive the deadline by up to one idle timeout")]
    public static partial void DeadlineTouchFailed(ILogger logger, string sessionTag, Exception exception);

    [LoggerMessage(EventId = 9, EventName = "PreviousIdKept", Level = LogLevel.Warning, Message = "Session {SessionTag} was stored under its regenerated id {NewSessionTag} after the response had started, while another request had changed the old id; both are kept, so that change is not lost, and the old id stays valid until it expires or is destroyed")]
    public static partial void PreviousIdKept(ILogger logger, string sessionTag, string newSessionTag);

    [LoggerMessage(EventId = 10, EventName = "PreviousIdNotRetired", Level = LogLevel.Warning, Message = "Session {NewSessionTag} is stored under its regenerated id, but its previous id {SessionTag} could not be retired; the previous id stays valid until it expires")]
    public static partial void PreviousIdNotRetired(ILogger logger, string sessionTag, string newSessionTag, Exception exception);

    [LoggerMessage(EventId = 11, EventName = "CommitConflict", Level = LogLevel.Warning, Message = "Session {SessionTag}: another request changed the same value at the same time; this request's changes were not stored (409)")]
    public static partial void CommitConflict(ILogger logger, string sessionTag);

    [LoggerMessage(EventId = 21, EventName = "CommitOnEndedSession", Level = LogLevel.Warning, Message = "Session {SessionTag} was destroyed or expired while a request changed values it held; this request's changes were not stored (409)")]
    public static partial void CommitOnEndedSession(ILogger logger, string sessionTag);

    [LoggerMessage(EventId = 12, EventName = "SessionBusy", Level = LogLevel.Warning, Message = "Session {SessionTag} was busy: {Reason}")]
    public static partial void CommitBusy(ILogger logger, string sessionTag, string reason);

    [LoggerMessage(EventId = 13, EventName = "CommitUnavailable", Level = LogLevel.Debug, Message = "Session {SessionTag} could not be committed: the store is unavailable (503)")]
    public static partial void CommitUnavailable(ILogger logger, string sessionTag);

    [LoggerMessage(EventId = 14, EventName = "StoreUnavailable", Level = LogLevel.Error, Message = "The session store is unavailable; requests that need it are answered 503 until it answers again (logged once per incident)")]
    public static partial void StoreUnavailable(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 15, EventName = "StoreStillUnavailable", Level = LogLevel.Debug, Message = "The session store is still unavailable: {Reason}")]
    public static partial void StoreStillUnavailable(ILogger logger, string reason);

    [LoggerMessage(EventId = 16, EventName = "StoreAvailableAgain", Level = LogLevel.Information, Message = "The session store answers again after {Seconds:0.0} s; {Failures} store calls failed meanwhile")]
    public static partial void StoreAvailableAgain(ILogger logger, double seconds, long failures);

    [LoggerMessage(EventId = 17, EventName = "LeaseNotReleased", Level = LogLevel.Warning, Message = "Session {SessionTag}: its lease could not be released; it ends on its own when its time passes")]
    public static partial void LeaseNotReleased(ILogger logger, string sessionTag, Exception exception);

    [LoggerMessage(EventId = 18, EventName = "LeaseLost", Level = LogLevel.Warning, Message = "Session {SessionTag}: its lease ran out while the request was running; its commit stays fenced by compare-and-set")]
    public static partial void LeaseLost(ILogger logger, string sessionTag);

    [LoggerMessage(EventId = 19, EventName = "LeaseNotRenewed", Level = LogLevel.Warning, Message = "Session {SessionTag}: renewing its lease failed; retried at the next period")]
    public static partial void LeaseNotRenewed(ILogger logger, string sessionTag, Exception exception);

    [LoggerMessage(EventId = 20, EventName = "SessionRequestFailed", Level = LogLevel.Debug, Message = "A session failure was answered with status {StatusCode}")]
    public static partial void RequestAnswered(ILogger logger, int statusCode);

    [LoggerMessage(EventId = 22, EventName = "RegeneratedIdNotSent", Level = LogLevel.Warning, Message = "Session {SessionTag}: the request that regenerated its id {Reason}, so the new id's cookie does not reach the browser; nothing of the request was stored and the session stays under its previous id")]
    public static partial void RegeneratedIdNotSent(ILogger logger, string sessionTag, string reason);

    [LoggerMessage(EventId = 23, EventName = "RegeneratedIdNotRemoved", Level = LogLevel.Warning, Message = "Session {SessionTag}: a sign-in that conflicted with another request's change to the previous id could not remove its new id's record; it stays, unknown to any browser, until it expires")]
    public static partial void RegeneratedIdNotRemoved(ILogger logger, string sessionTag, Exception exception);
}
