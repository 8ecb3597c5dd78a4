using System;

namespace SessionStores.AspNetCore;

/// <summary>
/// Endpoint metadata: this endpoint only reads the session, so it never waits behind other requests of the same session
/// (<see cref="SessionConcurrency.Serialized"/> and <see cref="SessionConcurrency.Exclusive"/>). Apply it to a controller
/// or action, or call <c>.WithMetadata(new ReadOnlySessionAttribute())</c> on a minimal API endpoint. A read-only
/// request that writes anyway is not refused: its commit is an ordinary compare-and-set with merge, as under
/// <see cref="SessionConcurrency.Optimistic"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = false, Inherited = true)]
public sealed class ReadOnlySessionAttribute : Attribute
{
}
