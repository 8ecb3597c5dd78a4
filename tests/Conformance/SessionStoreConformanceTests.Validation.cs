using System;
using System.Collections.Generic;
using System.Linq;
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
        await SetOkAsync(store, keeper, Write(Data("keep")));

        Quiet("GetAsync", await ExpectAnyAsync<ArgumentException>("GetAsync with an invalid id", () => store.GetAsync(id, Token)));
        Quiet("GetAndTouchAsync", await ExpectAnyAsync<ArgumentException>("GetAndTouchAsync with an invalid id", () => store.GetAndTouchAsync(id, LongTtl, Token)));
        Quiet("SetAsync", await ExpectAnyAsync<ArgumentException>("SetAsync with an invalid id", () => store.SetAsync(id, Write(Data("x")), Token)));
        Quiet("TouchAsync", await ExpectAnyAsync<ArgumentException>("TouchAsync with an invalid id", () => store.TouchAsync(id, LongTtl, Token)));
        Quiet("DestroyAsync", await ExpectAnyAsync<ArgumentException>("DestroyAsync with an invalid id", () => store.DestroyAsync(id, Token)));

        // The message never quotes the id (a bearer secret, and here log injection) nor holds a control character.
        void Quiet(string operation, ArgumentException ex)
        {
            Assert.False(ex.Message.Any(char.IsControl), $"{operation}: the message holds a control character");
            if (id.Length >= 4)
            {
                Assert.False(ex.Message.Contains(id, StringComparison.Ordinal), $"{operation}: the message quotes the id");
            }
        }

        await AssertCountAsync(store, 1);
        Assert.Equal(Data("keep"), (await store.GetAsync(keeper, Token))!.Data.ToArray());
    }

    [Fact]
    public async Task A_null_id_is_rejected_with_ArgumentNullException()
    {
        var store = await CreateStoreAsync();

        await Assert.ThrowsAsync<ArgumentNullException>(() => store.GetAsync(null!, Token));
        await Assert.ThrowsAsync<ArgumentNullException>(() => store.SetAsync(null!, Write(Data("x")), Token));
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
        await SetOkAsync(store, id, Write(Data("keep")));
        var before = await store.GetAsync(id, Token);
        var ttl = TimeSpan.FromTicks(ticks);

        await ExpectAsync<ArgumentOutOfRangeException>("SetAsync with an invalid TTL", () => store.SetAsync(id, Write(Data("new"), ttl), Token));
        await ExpectAsync<ArgumentOutOfRangeException>("TouchAsync with an invalid TTL", () => store.TouchAsync(id, ttl, Token));
        await ExpectAsync<ArgumentOutOfRangeException>("GetAndTouchAsync with an invalid TTL", () => store.GetAndTouchAsync(id, ttl, Token));

        var after = await store.GetAsync(id, Token);
        Assert.NotNull(after);
        Assert.Equal(Data("keep"), after.Data.ToArray());
        Assert.Equal(before!.Version, after.Version);
        AssertSameExpiry(before.ExpiresAt, after.ExpiresAt);
    }

    [Fact]
    public async Task The_maximum_ttl_is_accepted()
    {
        RequiresNo(ConformanceFormatLimits.ExpiryFromData);
        var store = await CreateStoreAsync();
        var id = NewId();

        await SetOkAsync(store, id, Write(Data("x"), SessionLimits.MaxTtl));

        var record = await store.GetAsync(id, Token);
        Assert.NotNull(record);
        Assert.True(record.ExpiresAt > DateTimeOffset.UtcNow.AddDays(399), $"expires at {record.ExpiresAt:O}");
    }

    [Fact]
    public async Task A_negative_expected_version_is_rejected()
    {
        Requires(ConformanceCapabilities.CompareAndSet);
        var store = await CreateStoreAsync();

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.SetAsync(NewId(), Write(Data("x"), expectedVersion: -1), Token));
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

        await ExpectAnyAsync<ArgumentException>("SetAsync with an invalid subject", () => store.SetAsync(NewId(), Write(Data("x"), subject: subject), Token));
        await ExpectAnyAsync<ArgumentException>("CountAsync with an invalid subject", () => store.CountAsync(new SessionQuery { Subject = subject }, Token));
        await ExpectAnyAsync<ArgumentException>("DestroyManyAsync with an invalid subject", () => store.DestroyManyAsync(new SessionQuery { Subject = subject }, Token));
        ExpectAtCall<ArgumentException>("ListAsync with an invalid subject (at the call, before enumeration)", () => store.ListAsync(new SessionQuery { Subject = subject }, Token));
        await AssertCountAsync(store, 0);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    [InlineData(SessionLimits.MaxPageSize + 1)]
    public async Task Out_of_range_page_sizes_are_rejected(int pageSize)
    {
        var store = await CreateStoreAsync();

        ExpectAtCall<ArgumentOutOfRangeException>("ListAsync with an invalid page size (at the call, before enumeration)", () => store.ListAsync(new SessionQuery { PageSize = pageSize }, Token));
    }

    [Fact]
    public async Task A_null_query_is_rejected()
    {
        var store = await CreateStoreAsync();

        await ExpectAsync<ArgumentNullException>("CountAsync(null)", () => store.CountAsync(null!, Token));
        await ExpectAsync<ArgumentNullException>("DestroyManyAsync(null)", () => store.DestroyManyAsync(null!, Token));
        ExpectAtCall<ArgumentNullException>("ListAsync(null) (at the call, before enumeration)", () => store.ListAsync(null!, Token));
    }

    [Fact]
    public async Task Caller_cancellation_surfaces_as_OperationCanceledException_from_every_operation()
    {
        var store = await CreateStoreAsync();
        var id = NewId();
        await SetOkAsync(store, id, Write(Data("x")));
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        var ct = cancelled.Token;

        var operations = new List<(string Name, Func<Task> Call)>
        {
            ("GetAsync", () => store.GetAsync(id, ct)),
            ("GetAndTouchAsync", () => store.GetAndTouchAsync(id, LongTtl, ct)),
            ("SetAsync", () => store.SetAsync(id, Write(Data("y")), ct)),
            ("TouchAsync", () => store.TouchAsync(id, LongTtl, ct)),
            ("DestroyAsync", () => store.DestroyAsync(id, ct)),
        };
        if (Supports(ConformanceCapabilities.Listing))
        {
            operations.AddRange(ListingOperations(store, ct));
        }

        foreach (var (name, call) in operations)
        {
            await ExpectAnyAsync<OperationCanceledException>($"{name} with a cancelled token", call);
        }

        var record = await store.GetAsync(id, Token);
        Assert.NotNull(record);
        Assert.Equal(Data("x"), record.Data.ToArray());
    }

    private static List<(string Name, Func<Task> Call)> ListingOperations(ISessionStore store, CancellationToken ct) =>
        [
            ("CountAsync", () => store.CountAsync(SessionQuery.All, ct)),
            ("DestroyManyAsync", () => store.DestroyManyAsync(SessionQuery.All, ct)),
            ("ListAsync", async () =>
            {
                await foreach (var unused in store.ListAsync(SessionQuery.All, ct))
                {
                }
            }),
        ];
}
