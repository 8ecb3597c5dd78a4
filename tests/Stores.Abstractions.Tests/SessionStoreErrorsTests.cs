using System;
using System.IO;
using System.Threading;
using Xunit;

namespace SessionStores.Abstractions.Tests;

public sealed class SessionStoreErrorsTests
{
    [Fact]
    public void A_backend_failure_goes_to_the_store_wrap_with_its_state()
    {
        var driver = new IOException("connection reset");

        var thrown = SessionStoreErrors.ToThrow(driver, CancellationToken.None, "get", Wrap);

        var wrapped = Assert.IsType<SessionStoreException>(thrown);
        Assert.Equal("get: connection reset", wrapped.Message);
        Assert.Same(driver, wrapped.InnerException);
        Assert.True(wrapped.IsTransient);
    }

    [Fact]
    public void A_session_store_exception_is_rethrown_unchanged_with_its_stack()
    {
        var corrupted = Capture(() => throw new SessionDataCorruptedException("abc", "bad header"));

        var rethrown = Assert.Throws<SessionDataCorruptedException>(() => SessionStoreErrors.ToThrow(corrupted, CancellationToken.None, "get", Wrap));

        Assert.Same(corrupted, rethrown);
        Assert.Contains(nameof(Capture), rethrown.StackTrace, StringComparison.Ordinal);
    }

    [Fact]
    public void The_callers_cancellation_is_rethrown_unchanged()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        var canceled = new OperationCanceledException(cts.Token);

        var rethrown = Assert.Throws<OperationCanceledException>(() => SessionStoreErrors.ToThrow(canceled, cts.Token, "get", Wrap));

        Assert.Same(canceled, rethrown);
    }

    [Fact]
    public void A_driver_error_after_the_caller_cancelled_becomes_a_cancellation()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        var driver = new IOException("operation cancelled by user");

        var thrown = SessionStoreErrors.ToThrow(driver, cts.Token, "get", Wrap);

        var canceled = Assert.IsType<OperationCanceledException>(thrown);
        Assert.Same(driver, canceled.InnerException);
        Assert.Equal(cts.Token, canceled.CancellationToken);
    }

    [Fact]
    public void A_cancellation_the_caller_did_not_ask_for_is_a_backend_failure()
    {
        var timeout = new OperationCanceledException("driver timeout");

        var thrown = SessionStoreErrors.ToThrow(timeout, CancellationToken.None, "set", Wrap);

        var wrapped = Assert.IsType<SessionStoreException>(thrown);
        Assert.Same(timeout, wrapped.InnerException);
    }

    private static SessionStoreException Wrap(string operation, Exception ex) =>
        new($"{operation}: {ex.Message}", ex, isTransient: ex is IOException or OperationCanceledException);

    private static Exception Capture(Action action)
    {
        try
        {
            action();
        }
        catch (Exception ex)
        {
            return ex;
        }

        throw new InvalidOperationException("The action did not throw.");
    }
}
