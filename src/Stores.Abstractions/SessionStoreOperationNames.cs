using System;

namespace SessionStores;

/// <summary>
/// The names of store operations, one constant each, shared by telemetry (<c>db.operation.name</c>, as written here) and
/// error messages (which read them as the method names: <c>get_and_touch</c> reads <c>GetAndTouch</c>).
/// </summary>
public static class SessionStoreOperationNames
{
    /// <summary><see cref="ISessionStore.GetAsync"/>.</summary>
    public const string Get = "get";

    /// <summary><see cref="ISessionStore.GetAndTouchAsync"/>.</summary>
    public const string GetAndTouch = "get_and_touch";

    /// <summary><see cref="ISessionStore.SetAsync"/>.</summary>
    public const string Set = "set";

    /// <summary><see cref="ISessionStore.TouchAsync"/>.</summary>
    public const string Touch = "touch";

    /// <summary><see cref="ISessionStore.DestroyAsync"/>.</summary>
    public const string Destroy = "destroy";

    /// <summary><see cref="ISessionStore.ListAsync"/>.</summary>
    public const string List = "list";

    /// <summary><see cref="ISessionStore.CountAsync"/>.</summary>
    public const string Count = "count";

    /// <summary><see cref="ISessionStore.DestroyManyAsync"/>.</summary>
    public const string DestroyMany = "destroy_many";

    /// <summary><see cref="ISessionLeaseStore.AcquireLeaseAsync"/>.</summary>
    public const string AcquireLease = "acquire_lease";

    /// <summary><see cref="ISessionLeaseStore.RenewLeaseAsync"/>.</summary>
    public const string RenewLease = "renew_lease";

    /// <summary><see cref="ISessionLeaseStore.ReleaseLeaseAsync"/>.</summary>
    public const string ReleaseLease = "release_lease";

    /// <summary>Deleting expired sessions (a store's pruning pass).</summary>
    public const string Prune = "prune";

    /// <summary>Creating or checking what the store needs in its backend on first use (tables, indexes, directories).</summary>
    public const string CreateSchema = "create_schema";

    /// <summary>Connecting to the backend.</summary>
    public const string Connect = "connect";

    /// <summary>How messages write an operation name: <c>get_and_touch</c> as <c>GetAndTouch</c>; a name without
    /// underscores keeps its letters and gets a capital first one.</summary>
    /// <param name="operation">An operation name.</param>
    /// <returns>The name as messages write it.</returns>
    public static string Display(string operation)
    {
        ArgumentNullException.ThrowIfNull(operation);
        var words = operation.Split('_', StringSplitOptions.RemoveEmptyEntries);
        return words.Length == 0 ? operation : string.Concat(Array.ConvertAll(words, w => char.ToUpperInvariant(w[0]) + w[1..]));
    }
}
