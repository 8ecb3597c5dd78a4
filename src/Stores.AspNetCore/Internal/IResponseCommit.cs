using System;
using System.Threading.Tasks;

namespace SessionStores.AspNetCore.Internal;

/// <summary>A session whose commit runs before the response's first byte (<see cref="CommitOnFirstWriteStream"/>): the
/// session itself, so installing the body costs no delegate per request.</summary>
internal interface IResponseCommit
{
    /// <summary>Commits (once the endpoint wrote, flushed or started the response) and returns the failure, already
    /// logged and reported to the request scope, for the caller to answer; <see langword="null"/> when it succeeded or
    /// there was nothing to commit.</summary>
    Task<Exception?> CommitBeforeResponseAsync();
}
