using System;
using System.Security.Cryptography;

namespace SessionStores.AspNetCore.Internal;

/// <summary>
/// Strict ids: a session id is used for one session only. When the id a request's cookie carries has nothing live stored
/// under it (expired, destroyed, past its absolute deadline, or unreadable and discarded), or the session ends while the
/// request runs, the request's writes go into a new session under a new random id (and cookie), never into a re-created
/// session under the old one. A re-created session would start again at version 1, so a request that loaded the old
/// session at an equal version (in another app instance, under <see cref="SessionConcurrency.Optimistic"/>, or from a
/// read-only endpoint) would pass its compare-and-set and write the ended session's content over the new one. The same
/// rule as PHP's strict mode and express-session's handling of an unknown id.
/// </summary>
internal sealed partial class StoreBackedSession
{
    /// <summary>Whether <see cref="_key"/> was made by this server in this request (a new session's, a regenerated or a
    /// fresh one), so that no other request can hold an older session under it.</summary>
    private bool _keyIsFresh;

    /// <summary>Nothing live is stored under the request's id: the first write moves the session to a fresh id.</summary>
    private bool _freshIdDue;

    /// <summary>The fresh id this request moved the session to because the cookie's was gone, if it did.</summary>
    private string? _freshMove;

    /// <summary>An empty session in place of one that is not (or no longer) stored under this id.</summary>
    private void StartAfresh()
    {
        StartEmpty();
        _freshIdDue = !_keyIsFresh;
    }

    /// <summary>Before the first write of a session that was not stored: a new id and its cookie. Outside a request
    /// (no cookie can be set) the id stays.</summary>
    private void MoveToFreshIdIfDue()
    {
        if (!_freshIdDue)
        {
            return;
        }

        if (_scope?.Context is { } context)
        {
            if (context.Response.HasStarted)
            {
                // As for a new session: its cookie can only be set before the response starts.
                throw new InvalidOperationException("The session cannot be established after the response has started.");
            }

            MoveTo(context);
        }

        _freshIdDue = false;
    }

    /// <summary>
    /// The session ended (destroyed or expired) while this request ran, and its own changes go into a new session
    /// (<see cref="SessionValues.Rebase"/> has checked that they lose nothing): under a new id, never the ended one. Once
    /// the response has started no cookie can be set, so nothing is stored and the request fails with a conflict
    /// (the session ended: 409).
    /// </summary>
    private void MoveEndedSessionToFreshId(int attempt)
    {
        if (_keyIsFresh || _scope is null)
        {
            return;
        }

        if (_scope.Context.Response.HasStarted)
        {
            throw new SessionCommitConflictException(_key, attempt, sessionEnded: true);
        }

        MoveTo(_scope.Context);
    }

    private void MoveTo(Microsoft.AspNetCore.Http.HttpContext context)
    {
        _key = NewKey();
        SetCookie(context, _key);
        _keyIsFresh = true;
        _freshMove = _key;
    }

    /// <summary>A sign-in on a session this request moved to a fresh id: that id is the signed-in one now, and is never
    /// handed to requests queued behind with the old id.</summary>
    private void KeepFreshIdToThisRequest() => _freshMove = null;

    /// <summary>
    /// An earlier request of this process, which held this session's turn while this one queued behind it with the same
    /// cookie, stored the session under <paramref name="movedTo"/> (a new id after it found the session gone):
    /// continue there, as the browser will once that response arrives, rather than find the old id gone and start yet
    /// another session whose cookie would replace the other (a page's parallel requests after an expiry). The cookie is
    /// set again, whichever response arrives last. The caller hands the id on and queues on the new id's own gate (and
    /// lease), so the requests of the new id stay serialized. Across app instances there is no queue to learn it from.
    /// Never after a sign-in (<c>RegenerateId</c>): a request holding the old id must not reach the new one.
    /// </summary>
    private void FollowMove(string movedTo)
    {
        _key = movedTo;
        if (_scope?.Context is { Response.HasStarted: false } context)
        {
            SetCookie(context, movedTo);
        }
    }

    /// <summary>A new session id, made as the session middleware makes its keys: 16 random bytes as a GUID string.</summary>
    private static string NewKey()
    {
        Span<byte> random = stackalloc byte[16];
        RandomNumberGenerator.Fill(random);
        return new Guid(random).ToString();
    }
}
