namespace SessionStores;

/// <summary>Selects sessions for <see cref="ISessionStore.ListAsync"/>, <see cref="ISessionStore.CountAsync"/> and
/// <see cref="ISessionStore.DestroyManyAsync"/>.</summary>
public sealed record SessionQuery
{
    /// <summary>The default page size of listings.</summary>
    public const int DefaultPageSize = 500;

    /// <summary>Every live session of the store's namespace.</summary>
    public static SessionQuery All { get; } = new();

    /// <summary>The live sessions bound to <paramref name="subject"/>.</summary>
    /// <param name="subject">The subject (user id).</param>
    /// <returns>The query.</returns>
    public static SessionQuery ForSubject(string subject)
    {
        SessionValidation.ValidateSubject(subject);
        return new() { Subject = subject };
    }

    /// <summary>Only sessions of this subject; <see langword="null"/> for all sessions.</summary>
    public string? Subject { get; init; }

    /// <summary>Whether listings carry each session's data. Defaults to <see langword="false"/>.</summary>
    public bool IncludeData { get; init; }

    /// <summary>How many sessions a listing fetches per round trip (1 to <see cref="SessionLimits.MaxPageSize"/>);
    /// it bounds the memory a listing holds. Defaults to <see cref="DefaultPageSize"/>.</summary>
    public int PageSize { get; init; } = DefaultPageSize;
}
