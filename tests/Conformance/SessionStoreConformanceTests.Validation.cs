using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

#pragma warning disable CS1591

namespace SessionStores.Conformance;

public abstract partial class SessionStoreConformanceTests<TFixture>
{
    /// <summary>Ids every store must reject: wrong length, path, glob, SQL, whitespace, non-ASCII and control characters.</summary>
    public static TheoryData<string> InvalidIds { get; } =
    [
        "",
        new string('a', SessionLimits.MaxIdLength + 1),
        "a/b",
        "../etc/passwd",
        "..\\x",
        "a b",
        " a",
        "a*",
        "a?",
        "[a]",
        "{a}",
        "a:b",
        "a%2Fb",
        "a'b",
        "a;DROP TABLE s",
        "é",
        "a\u0000b",
        "a\nb",
        "\u00a0",
    ];

    [Theory]
    [MemberData(nameof(InvalidIds))]
    public async Task Invalid_ids_are_rejected_by_every_operation_before_any_io_and_nothing_is_lost(string id)
    {
        var store = await CreateStoreAsync();
        var keeper = NewId();
        await SetOkAsync(store, keeper, Write(Bytes("keep")));

        Quiet(await Assert.ThrowsAnyAsync<ArgumentException>(() => store.GetAsync(id, Token)));
        Quiet(await Assert.ThrowsAnyAsync<ArgumentException>(() => store.GetAndTouchAsync(id, LongTtl, Token)));
        Quiet(await Assert.ThrowsAnyAsync<ArgumentException>(() => store.SetAsync(id, Write(Bytes("x")), Token)));
        Quiet(await Assert.ThrowsAnyAsync<ArgumentException>(() => store.TouchAsync(id, LongTtl, Token)));
        Quiet(await Assert.ThrowsAnyAsync<ArgumentException>(() => store.DestroyAsync(id, Token)));

        // The message never quotes the id (a bearer secret, and here log injection) nor holds a control character.
        void Quiet(ArgumentException ex)
        {
            Assert.DoesNotContain(ex.Message, char.IsControl);
            if (id.Length >= 4)
            {
                Assert.DoesNotContain(id, ex.Message, StringComparison.Ordinal);
            }
        }

        await AssertCountAsync(store, 1);
        Assert.Equal(Bytes("keep"), (await store.GetAsync(keeper, Token))!.Data.ToArray());
    }

    [Fact]
    public async Task A_null_id_is_rejected_with_ArgumentNullException()
    {
        var store = await CreateStoreAsync();

        await Assert.ThrowsAsync<ArgumentNullException>(() => store.GetAsync(null!, Token));
        await Assert.ThrowsAsync<ArgumentNullException>(() => store.SetAsync(null!, Write(Bytes("x")), Token));
        await Assert.ThrowsAsync<ArgumentNullException>(() => store.DestroyAsync(null!, Token));
    }

    /// <summary>TTLs every store must reject.</summary>
    public static TheoryData<long> InvalidTtlTicks { get; } =
    [
        0,
        -1,
        -TimeSpan.TicksPerSecond,
        SessionLimits.MaxTtl.Ticks + 1,
        TimeSpan.MaxValue.Ticks,
        TimeSpan.MinValue.Ticks,
    ];

    [Theory]
    [MemberData(nameof(InvalidTtlTicks))]
    public async Task Invalid_ttls_are_rejected_with_ArgumentOutOfRangeException_and_the_session_is_unchanged(long ticks)
    {
        Requires(ConformanceCapabilities.CompareAndSet);
        var store = await CreateStoreAsync();
        var id = NewId();
        await SetOkAsync(store, id, Write(Bytes("keep")));
        var before = await store.GetAsync(id, Token);
        var ttl = TimeSpan.FromTicks(ticks);

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.SetAsync(id, Write(Bytes("new"), ttl), Token));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.TouchAsync(id, ttl, Token));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.GetAndTouchAsync(id, ttl, Token));

        var after = await store.GetAsync(id, Token);
        Assert.NotNull(after);
        Assert.Equal(Bytes("keep"), after.Data.ToArray());
        Assert.Equal(before!.Version, after.Version);
        AssertSameExpiry(before.ExpiresAt, after.ExpiresAt);
    }

    [Fact]
    public async Task The_maximum_ttl_is_accepted()
    {
        var store = await CreateStoreAsync();
        var id = NewId();

        await SetOkAsync(store, id, Write(Bytes("x"), SessionLimits.MaxTtl));

        var record = await store.GetAsync(id, Token);
        Assert.NotNull(record);
        Assert.True(record.ExpiresAt > DateTimeOffset.UtcNow.AddDays(399), $"expires at {record.ExpiresAt:O}");
    }

    [Fact]
    public async Task A_negative_expected_version_is_rejected()
    {
        Requires(ConformanceCapabilities.CompareAndSet);
        var store = await CreateStoreAsync();

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.SetAsync(NewId(), Write(Bytes("x"), expectedVersion: -1), Token));
    }

    /// <summary>Subjects every store must reject.</summary>
    /// <remarks>Given by name: a lone surrogate does not survive the test runner's serialisation of theory data.</remarks>
    public static TheoryData<string> InvalidSubjects { get; } = ["empty", "too-long", "nul", "tab", "lone-surrogate"];

    [Theory]
    [MemberData(nameof(InvalidSubjects))]
    public async Task Invalid_subjects_are_rejected_by_writes_and_queries(string kind)
    {
        // Queries are checked before anything else, also by a store that cannot list (it then refuses good queries).
        Requires(ConformanceCapabilities.Subjects);
        var subject = kind switch
        {
            "empty" => "",
            "too-long" => new string('s', SessionLimits.MaxSubjectLength + 1),
            "nul" => "a\u0000b",
            "tab" => "tab\there",
            _ => "x\ud800",
        };
        var store = await CreateStoreAsync();

        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.SetAsync(NewId(), Write(Bytes("x"), subject: subject), Token));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.CountAsync(new SessionQuery { Subject = subject }, Token));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.DestroyManyAsync(new SessionQuery { Subject = subject }, Token));
        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await ListAllAsync(store, new SessionQuery { Subject = subject }));
        await AssertCountAsync(store, 0);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    [InlineData(SessionLimits.MaxPageSize + 1)]
    public async Task Out_of_range_page_sizes_are_rejected(int pageSize)
    {
        var store = await CreateStoreAsync();

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await ListAllAsync(store, new SessionQuery { PageSize = pageSize }));
    }

    [Fact]
    public async Task A_null_query_is_rejected()
    {
        var store = await CreateStoreAsync();

        await Assert.ThrowsAsync<ArgumentNullException>(() => store.CountAsync(null!, Token));
        await Assert.ThrowsAsync<ArgumentNullException>(() => store.DestroyManyAsync(null!, Token));
        Assert.Throws<ArgumentNullException>(() => store.ListAsync(null!, Token));
    }

    [Fact]
    public async Task Caller_cancellation_surfaces_as_OperationCanceledException_from_every_operation()
    {
        var store = await CreateStoreAsync();
        var id = NewId();
        await SetOkAsync(store, id, Write(Bytes("x")));
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        var ct = cancelled.Token;

        var operations = new List<Func<Task>>
        {
            () => store.GetAsync(id, ct),
            () => store.GetAndTouchAsync(id, LongTtl, ct),
            () => store.SetAsync(id, Write(Bytes("y")), ct),
            () => store.TouchAsync(id, LongTtl, ct),
            () => store.DestroyAsync(id, ct),
        };
        if (Supports(ConformanceCapabilities.Listing))
        {
            operations.AddRange(ListingOperations(store, ct));
        }

        foreach (var operation in operations)
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(operation);
        }

        var record = await store.GetAsync(id, Token);
        Assert.NotNull(record);
        Assert.Equal(Bytes("x"), record.Data.ToArray());
    }

    private static List<Func<Task>> ListingOperations(ISessionStore store, CancellationToken ct) =>
        [
            () => store.CountAsync(SessionQuery.All, ct),
            () => store.DestroyManyAsync(SessionQuery.All, ct),
            async () =>
            {
                await foreach (var unused in store.ListAsync(SessionQuery.All, ct))
                {
                }
            },
        ];
}
