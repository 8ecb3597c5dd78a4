using System;
using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Xunit;

namespace SessionStores.Conformance;

// Every payload the kit writes comes from here, so that a store whose format holds only JSON objects
// (ConformanceFormatLimits.JsonObjectData) gets JSON of the same sizes and the tests still compare bit-exact. The JSON
// is compact ASCII that needs no escaping, so any JSON store (a json column, a file re-serialized by a JSON library)
// gives back exactly the bytes it was given.
public abstract partial class ConformanceTestBase<TFixture>
{
    /// <summary>The smallest payload <see cref="ConformanceFormatLimits.JsonObjectData"/> allows: <c>{"v":""}</c>.</summary>
    private const int MinimumJsonPayload = 8;

    /// <summary>Whether the fixture's format holds JSON objects only.</summary>
    protected bool JsonObjectData => Fixture.FormatLimits.HasFlag(ConformanceFormatLimits.JsonObjectData);

    /// <summary>A payload naming <paramref name="text"/>: its UTF-8 bytes, or <c>{"v":"text"}</c> for a store that holds
    /// JSON objects only. Two calls with the same text give the same bytes, so a test compares what it reads with a second
    /// call.</summary>
    /// <param name="text">Letters, digits, space and <c>.:_~-</c> (so the JSON needs no escaping).</param>
    /// <returns>The payload.</returns>
    protected byte[] Data(string text)
    {
        if (!JsonObjectData)
        {
            return Bytes(text);
        }

        foreach (var c in text)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is ' ' or '.' or ':' or '_' or '~' or '-'))
            {
                throw new ArgumentException($"The kit's payload text '{text}' needs JSON escaping; keep it to letters, digits, space and .:_~-", nameof(text));
            }
        }

        return Bytes("{\"v\":\"" + text + "\"}");
    }

    /// <summary>A payload of exactly <paramref name="size"/> bytes: zeros, or random bytes from <paramref name="random"/>;
    /// for a store that holds JSON objects only, <c>{"v":"…"}</c> padded with letters (random ones from
    /// <paramref name="random"/>) to that size, at least <see cref="MinimumJsonPayload"/> bytes.</summary>
    /// <param name="size">The size in bytes.</param>
    /// <param name="random">Where the content comes from; <see langword="null"/> for a fixed content.</param>
    /// <returns>The payload.</returns>
    protected byte[] Data(int size, Random? random = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        if (!JsonObjectData)
        {
            var bytes = new byte[size];
            random?.NextBytes(bytes);
            return bytes;
        }

        var json = new byte[Math.Max(size, MinimumJsonPayload)];
        Encoding.ASCII.GetBytes("{\"v\":\"", json);
        for (var i = 6; i < json.Length - 2; i++)
        {
            json[i] = (byte)('a' + (random?.Next(26) ?? i % 26));
        }

        json[^2] = (byte)'"';
        json[^1] = (byte)'}';
        return json;
    }

    /// <summary>A payload holding a counter: 8 bytes little-endian, or <c>{"v":"n"}</c> for a store that holds JSON
    /// objects only. <see cref="ReadCounter"/> reads it back.</summary>
    /// <param name="value">The counter.</param>
    /// <returns>The payload.</returns>
    protected byte[] Counter(long value)
    {
        if (JsonObjectData)
        {
            return Data(value.ToString(CultureInfo.InvariantCulture));
        }

        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, value);
        return bytes;
    }

    /// <summary>Reads a payload written by <see cref="Counter"/>.</summary>
    /// <param name="data">The payload.</param>
    /// <returns>The counter.</returns>
    protected long ReadCounter(ReadOnlyMemory<byte> data)
    {
        if (!JsonObjectData)
        {
            return BinaryPrimitives.ReadInt64LittleEndian(data.Span);
        }

        var text = Encoding.ASCII.GetString(data.Span);
        Assert.True(text.StartsWith("{\"v\":\"", StringComparison.Ordinal) && text.EndsWith("\"}", StringComparison.Ordinal), $"not a counter payload: {text}");
        return long.Parse(text.AsSpan(6, text.Length - 8), CultureInfo.InvariantCulture);
    }

    /// <summary>Skips the test, naming the limit and the rule, when the fixture's format has any of
    /// <paramref name="limits"/> (<see cref="ISessionStoreFixture.FormatLimits"/>).</summary>
    /// <param name="limits">The limits under which the test's rule cannot hold.</param>
    protected void RequiresNo(ConformanceFormatLimits limits)
    {
        var present = limits & Fixture.FormatLimits;
        if (present != ConformanceFormatLimits.None)
        {
            Assert.Skip($"The store's format declares: {present} (ISessionStoreFixture.FormatLimits), so this rule cannot hold.");
        }
    }
}
