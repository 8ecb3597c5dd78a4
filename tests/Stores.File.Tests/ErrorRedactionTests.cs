using System;
using System.IO;
using System.Threading.Tasks;
using SessionStores.File.Internal;
using Xunit;

namespace SessionStores.File.Tests;

/// <summary>A session file is named after its id, and .NET puts paths into I/O errors: none of them may carry the id.</summary>
public sealed class ErrorRedactionTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "sessionstores-file-redaction", Guid.NewGuid().ToString("N")[..12]);

    [Fact]
    public async Task An_io_failure_on_a_session_names_it_by_its_tag_in_the_message_and_the_inner_error()
    {
        // Given: a directory where the session's file should be, so opening it fails with the path in the error.
        const string Id = "secretsessionidthatmustnotleak";
        await using var store = new FileSessionStore(new FileSessionStoreOptions { Directory = _root });
        await store.SetAsync("other", new SessionWrite(new byte[] { 1 }, TimeSpan.FromMinutes(5)), TestContext.Current.CancellationToken);
        Directory.CreateDirectory(Path.Combine(_root, "sessions", SessionFileNames.ForId(Id)));

        // When
        var ex = await Assert.ThrowsAsync<SessionStoreException>(() => store.GetAsync(Id, TestContext.Current.CancellationToken));

        // Then: nowhere in the exception chain as a log would print it (messages and stack traces) is the id.
        Assert.DoesNotContain(Id, ex.ToString(), StringComparison.Ordinal);
        Assert.StartsWith("File session store: Get failed: ", ex.Message, StringComparison.Ordinal);
        Assert.Contains(SessionValidation.Tag(Id), ex.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<Exception>(ex.InnerException);
        // The driver's own exception, with the trace of where it was thrown (the store's frame may be inlined by the JIT).
        Assert.False(string.IsNullOrEmpty(ex.InnerException!.StackTrace));
    }

    [Fact]
    public void Text_without_session_file_names_or_control_characters_is_kept_as_it_is()
    {
        var text = "Access to the path '/var/sessions/h_0123.session' is denied.";

        Assert.Same(text, FileBackend.Redact(text));
    }

    [Fact]
    public void Escaped_upper_case_ids_and_control_characters_are_redacted()
    {
        var redacted = FileBackend.Redact("Could not find '/x/s_+abc-def.session'\nforged line");

        Assert.Equal($"Could not find '/x/[session {SessionValidation.Tag("Abc-def")}]'\\u000Aforged line", redacted);
    }

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }
}
