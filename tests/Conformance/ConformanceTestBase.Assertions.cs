using System;
using System.Threading.Tasks;
using Xunit;
using Xunit.Sdk;

namespace SessionStores.Conformance;

// Assertions that name the call they check: a test making several calls (every operation with an invalid id, say)
// then fails with "GetAndTouchAsync (invalid id): ..." rather than a bare "No exception was thrown".
public abstract partial class ConformanceTestBase<TFixture>
{
    /// <summary>Asserts that <paramref name="call"/> throws exactly <typeparamref name="T"/>; a failure names
    /// <paramref name="operation"/>.</summary>
    /// <typeparam name="T">The exception type.</typeparam>
    /// <param name="operation">The call and the rule, as the failure message names them (for example
    /// <c>"SetAsync with a zero TTL"</c>).</param>
    /// <param name="call">The call.</param>
    /// <returns>The exception.</returns>
    protected static Task<T> ExpectAsync<T>(string operation, Func<Task> call)
        where T : Exception =>
        NamedAsync(operation, () => Assert.ThrowsAsync<T>(call));

    /// <summary>Asserts that <paramref name="call"/> throws <typeparamref name="T"/> or a subtype; a failure names
    /// <paramref name="operation"/>.</summary>
    /// <typeparam name="T">The exception type.</typeparam>
    /// <param name="operation">The call and the rule.</param>
    /// <param name="call">The call.</param>
    /// <returns>The exception.</returns>
    protected static Task<T> ExpectAnyAsync<T>(string operation, Func<Task> call)
        where T : Exception =>
        NamedAsync(operation, () => Assert.ThrowsAnyAsync<T>(call));

    /// <summary>Asserts that calling <paramref name="call"/> throws <typeparamref name="T"/> or a subtype at once,
    /// before anything is awaited or enumerated (how <see cref="ISessionStore.ListAsync"/> checks its arguments); a
    /// failure names <paramref name="operation"/>.</summary>
    /// <typeparam name="T">The exception type.</typeparam>
    /// <param name="operation">The call and the rule.</param>
    /// <param name="call">The call.</param>
    /// <returns>The exception.</returns>
    protected static T ExpectAtCall<T>(string operation, Action call)
        where T : Exception
    {
        try
        {
            return Assert.ThrowsAny<T>(call);
        }
        catch (Exception ex) when (ex is IAssertionException)
        {
            throw new XunitException($"{operation}: {ex.Message}", ex);
        }
    }

    private static async Task<T> NamedAsync<T>(string operation, Func<Task<T>> assertion)
    {
        try
        {
            return await assertion();
        }
        catch (Exception ex) when (ex is IAssertionException)
        {
            throw new XunitException($"{operation}: {ex.Message}", ex);
        }
    }
}
