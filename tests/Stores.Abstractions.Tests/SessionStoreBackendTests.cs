using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace SessionStores.Abstractions.Tests;

/// <summary>The one failure rule the runner applies for every store, given what the store's backend says of its
/// exceptions.</summary>
public sealed class SessionStoreBackendTests
{
    private static readonly SessionStoreOperationRunner Runner = new(new TestBackend(), TimeSpan.FromMinutes(1), NullLogger.Instance);

    [Fact]
    public async Task A_transient_backend_failure_is_wrapped_with_the_one_message_template()
    {
        var failure = new IOException("connection reset");

        var error = await Assert.ThrowsAsync<SessionStoreException>(() => Fail(SessionStoreOperationNames.GetAndTouch, failure));

        Assert.Equal("Test session store: GetAndTouch failed: connection reset", error.Message);
        Assert.True(error.IsTransient);
        Assert.Same(failure, error.InnerException);
    }

    [Fact]
    public async Task A_permanent_backend_failure_is_wrapped_as_not_transient()
    {
        var error = await Assert.ThrowsAsync<SessionStoreException>(() => Fail(SessionStoreOperationNames.Set, new InvalidDataException("denied")));

        Assert.False(error.IsTransient);
        Assert.Equal("Test session store: Set failed: denied", error.Message);
    }

    [Fact]
    public async Task The_backend_redacts_what_the_wrapper_carries_and_quotes()
    {
        var error = await Assert.ThrowsAsync<SessionStoreException>(() => Fail(SessionStoreOperationNames.Destroy, new IOException("secret-id in a path")));

        Assert.DoesNotContain("secret-id", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-id", error.InnerException!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Control_characters_of_a_driver_message_never_reach_the_wrapper_message()
    {
        var error = await Assert.ThrowsAsync<SessionStoreException>(() => Fail(SessionStoreOperationNames.Get, new IOException("line\r\nforged")));

        Assert.DoesNotContain('\n', error.Message);
        Assert.DoesNotContain('\r', error.Message);
    }

    [Fact]
    public async Task An_exception_the_backend_does_not_claim_passes_unchanged()
    {
        var bug = new InvalidOperationException("a bug");

        Assert.Same(bug, await Assert.ThrowsAsync<InvalidOperationException>(() => Fail(SessionStoreOperationNames.Get, bug)));
    }

    [Fact]
    public async Task A_decision_of_the_store_passes_unchanged()
    {
        var corrupt = new SessionDataCorruptedException("abc", "bad header");

        Assert.Same(corrupt, await Assert.ThrowsAsync<SessionDataCorruptedException>(() => Fail(SessionStoreOperationNames.Get, corrupt)));
    }

    [Fact]
    public async Task A_cancellation_the_caller_did_not_ask_for_is_a_transient_failure()
    {
        var error = await Assert.ThrowsAsync<SessionStoreException>(() => Fail(SessionStoreOperationNames.Touch, new OperationCanceledException("driver timeout")));

        Assert.True(error.IsTransient);
        Assert.StartsWith("Test session store: Touch failed:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_callers_cancellation_stays_a_cancellation_whatever_the_driver_threw()
    {
        using var caller = new CancellationTokenSource();

        var error = await Assert.ThrowsAsync<OperationCanceledException>(() => Runner.RunAsync<CancellationTokenSource, int>(
            SessionStoreOperationNames.Get, caller, static (c, _) =>
            {
                c.Cancel();
                throw new IOException("socket closed by the cancel");
            }, caller.Token));

        Assert.Equal(caller.Token, error.CancellationToken);
        Assert.IsType<IOException>(error.InnerException);
    }

    [Fact]
    public async Task Each_operation_is_measured_under_the_backend_system_name_and_operation_constant()
    {
        var recorded = new List<(string System, string Operation, string? Error)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == SessionStoreDiagnostics.MeterName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((_, _, tags, _) =>
        {
            var t = tags.ToArray().ToDictionary(x => x.Key, x => x.Value as string);
            if (t["db.system.name"] == "test-system")
            {
                lock (recorded)
                {
                    recorded.Add((t["db.system.name"]!, t["db.operation.name"]!, t.GetValueOrDefault("error.type")));
                }
            }
        });
        listener.Start();

        await Runner.RunAsync(SessionStoreOperationNames.Count, 0, static (_, _) => Task.FromResult(1), TestContext.Current.CancellationToken);
        await Assert.ThrowsAsync<SessionStoreException>(() => Fail(SessionStoreOperationNames.DestroyMany, new IOException("gone")));

        lock (recorded)
        {
            Assert.Contains(("test-system", "count", null), recorded);
            Assert.Contains(("test-system", "destroy_many", typeof(SessionStoreException).FullName), recorded);
        }
    }

    [Fact]
    public void Operation_names_read_as_method_names_in_messages()
    {
        Assert.Equal("GetAndTouch", SessionStoreOperationNames.Display(SessionStoreOperationNames.GetAndTouch));
        Assert.Equal("DestroyMany", SessionStoreOperationNames.Display(SessionStoreOperationNames.DestroyMany));
        Assert.Equal("Get", SessionStoreOperationNames.Display(SessionStoreOperationNames.Get));
    }

    [Theory]
    [InlineData(typeof(FileNotFoundException))]
    [InlineData(typeof(DirectoryNotFoundException))]
    [InlineData(typeof(PathTooLongException))]
    [InlineData(typeof(EndOfStreamException))]
    [InlineData(typeof(UnauthorizedAccessException))]
    public void A_file_system_error_copied_with_a_new_message_keeps_its_kind_and_the_original_stack_trace(Type kind)
    {
        // Given: an error thrown (so it has a stack trace) whose message names a secret.
        var original = Thrown((Exception)Activator.CreateInstance(kind, "/sessions/secret-id failed")!);

        // When
        var copy = TestBackend.Copy(original, "/sessions/[id] failed");

        // Then: the same kind for whoever tells a missing file from a denied access (any other IOException is an
        // IOException), the new message only, and the trace of where the original was thrown.
        var expected = original is IOException and not (FileNotFoundException or DirectoryNotFoundException or PathTooLongException) ? typeof(IOException) : kind;
        Assert.Equal(expected, copy.GetType());
        Assert.Equal("/sessions/[id] failed", copy.Message);
        Assert.Contains(nameof(Thrown), copy.StackTrace, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-id", copy.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Another_io_error_copied_with_a_new_message_keeps_its_hresult()
    {
        var original = Thrown(new IOException("disk full at /sessions/secret-id", unchecked((int)0x80070070)));

        var copy = TestBackend.Copy(original, "disk full");

        Assert.Equal(original.HResult, copy.HResult);
    }

    [Fact]
    public void Only_file_system_errors_are_copied_with_a_new_message()
    {
        Assert.Throws<ArgumentException>(() => TestBackend.Copy(new InvalidOperationException("x"), "y"));
    }

    private static Exception Thrown(Exception exception)
    {
        try
        {
            throw exception;
        }
        catch (Exception caught)
        {
            return caught;
        }
    }

    private static Task<int> Fail(string operation, Exception exception) =>
        Runner.RunAsync<Exception, int>(operation, exception, static (e, _) => Task.FromException<int>(e), TestContext.Current.CancellationToken);

    private sealed class TestBackend() : SessionStoreBackend("Test", "test-system")
    {
        public override bool IsFailure(Exception exception) => exception is IOException or InvalidDataException;

        public override bool IsTransient(Exception exception) => exception is not InvalidDataException;

        public override Exception Redact(Exception exception) =>
            exception.Message.Contains("secret-id", StringComparison.Ordinal) ? new IOException(exception.Message.Replace("secret-id", "[id]", StringComparison.Ordinal)) : exception;

        public static Exception Copy(Exception exception, string message) => WithMessage(exception, message);
    }
}
