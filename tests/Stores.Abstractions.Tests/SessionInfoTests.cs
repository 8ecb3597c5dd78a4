using System;
using Xunit;

namespace SessionStores.Abstractions.Tests;

public sealed class SessionInfoTests
{
    private static readonly DateTimeOffset At = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    [Fact]
    public void A_null_array_means_no_data_not_present_and_empty()
    {
        byte[]? none = null;

        var info = new SessionInfo("id", 1, At, At, null, 3, none);

        Assert.Null(info.Data);
    }

    [Fact]
    public void An_empty_array_is_present_and_empty()
    {
        var info = new SessionInfo("id", 1, At, At, null, 0, Array.Empty<byte>());

        Assert.True(info.Data.HasValue);
        Assert.Equal(0, info.Data.Value.Length);
    }

    [Fact]
    public void An_array_is_kept_bit_exact()
    {
        var info = new SessionInfo("id", 1, At, At, "s", 3, new byte[] { 1, 2, 255 });

        Assert.Equal(new byte[] { 1, 2, 255 }, info.Data!.Value.ToArray());
    }

    [Fact]
    public void Memory_and_no_memory_are_kept_as_given()
    {
        Assert.Null(new SessionInfo("id", 1, At, At, null, 0, (ReadOnlyMemory<byte>?)null).Data);
        Assert.Equal(2, new SessionInfo("id", 1, At, At, null, 2, new ReadOnlyMemory<byte>(new byte[] { 7, 8, 9 }, 1, 2)).Data!.Value.Length);
    }
}
