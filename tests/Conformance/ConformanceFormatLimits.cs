using System;

namespace SessionStores.Conformance;

/// <summary>
/// What a storage format imposes on the sessions it holds, beyond the contract (see
/// <see cref="ISessionStoreFixture.FormatLimits"/>): a compatibility mode that reads and writes another ecosystem's
/// session format (express-session's connect-pg-simple or session-file-store, say) holds only JSON, or takes a
/// session's lifetime from the session itself. Each limit changes what the kit writes or skips exactly the rules the
/// format cannot keep, with the reason.
/// </summary>
/// <remarks>
/// These are limits rather than more <see cref="ConformanceCapabilities"/> flags so that no existing fixture changes: a
/// capability added to <see cref="ConformanceCapabilities.All"/> would be missing from every fixture that lists its
/// flags one by one, and its tests would start skipping there. The default, <see cref="None"/>, keeps every rule.
/// </remarks>
[Flags]
public enum ConformanceFormatLimits
{
    /// <summary>No limit: the store keeps any bytes, and the TTL of every write and touch.</summary>
    None = 0,

    /// <summary>The format holds a JSON object as session data, nothing else (a <c>json</c> column, a JSON file). The kit
    /// then writes compact ASCII JSON objects (<c>{"v":"…"}</c>) of the sizes its tests ask for, and still compares what
    /// comes back bit-exact; the rules about bytes no JSON object can be (empty data, every byte value) are skipped.</summary>
    JsonObjectData = 1,

    /// <summary>The format takes a session's lifetime from the session's own data (session-file-store: the last access
    /// plus the stored cookie's <c>originalMaxAge</c>, else the store's ttl), not from the TTL of a write or touch. The
    /// rules that need a TTL to decide when a session expires are skipped.</summary>
    ExpiryFromData = 2,
}
