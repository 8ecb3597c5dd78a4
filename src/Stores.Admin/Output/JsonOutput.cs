using System;
using System.Buffers;
using System.IO;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;

namespace SessionStores.Admin.Output;

/// <summary>
/// The one JSON document a <c>--json</c> command prints. It is written in pieces as a listing streams, so a store of a
/// million sessions never sits in memory as one string; the writer flushes whole tokens, so no piece splits a character.
/// </summary>
internal sealed class JsonOutput
{
    private const int FlushThreshold = 64 * 1024;

    private readonly ArrayBufferWriter<byte> _buffer = new(FlushThreshold * 2);
    private readonly TextWriter _output;

    public JsonOutput(TextWriter output)
    {
        _output = output;
        Writer = new Utf8JsonWriter(_buffer, new JsonWriterOptions { Indented = true });
    }

    public Utf8JsonWriter Writer { get; }

    /// <summary>Hands what is written so far to the output once enough has gathered.</summary>
    public async Task FlushIfLargeAsync()
    {
        if (Writer.BytesPending + _buffer.WrittenCount >= FlushThreshold)
        {
            await FlushAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Ends the document with a newline and flushes it.</summary>
    public async Task CompleteAsync()
    {
        await FlushAsync().ConfigureAwait(false);
        await _output.WriteLineAsync().ConfigureAwait(false);
        await _output.FlushAsync().ConfigureAwait(false);
    }

    /// <summary>The document of a command whose result is one figure: <c>{ "store": ..., name: value }</c>.</summary>
    public static async Task WriteFigureAsync(TextWriter output, string backend, string name, long value)
    {
        var json = new JsonOutput(output);
        json.Writer.WriteStartObject();
        json.Writer.WriteString("store", backend);
        json.Writer.WriteNumber(name, value);
        json.Writer.WriteEndObject();
        await json.CompleteAsync().ConfigureAwait(false);
    }

    /// <summary>One session; its data (base64) only when it was asked for and read.</summary>
    public void WriteSession(SessionView session)
    {
        Writer.WriteStartObject();
        Writer.WriteString("id", session.Id);
        if (session.Subject is null)
        {
            Writer.WriteNull("subject");
        }
        else
        {
            Writer.WriteString("subject", session.Subject);
        }

        Writer.WriteString("createdAt", session.CreatedAt);
        Writer.WriteString("expiresAt", session.ExpiresAt);
        Writer.WriteNumber("version", session.Version);
        Writer.WriteNumber("size", session.Size);
        if (session.Data is { } data)
        {
            Writer.WriteBase64String("data", data.Span);
        }

        Writer.WriteEndObject();
    }

    private async Task FlushAsync()
    {
        Writer.Flush();
        await _output.WriteAsync(Encoding.UTF8.GetString(_buffer.WrittenSpan)).ConfigureAwait(false);
        _buffer.ResetWrittenCount();
    }
}
