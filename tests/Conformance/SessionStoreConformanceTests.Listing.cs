using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using Xunit;

#pragma warning disable CS1591

namespace SessionStores.Conformance;

public abstract partial class SessionStoreConformanceTests<TFixture>
{
    [Fact]
    public async Task Namespaces_are_isolated_for_single_sessions_even_when_one_name_is_a_prefix_of_the_other()
    {
        var name = NewNamespace();
        var store = await CreateStoreAsync(new ConformanceStoreOptions(name));
        var longer = await CreateStoreAsync(new ConformanceStoreOptions(name + "x"));
        await SetOkAsync(store, "shared", Write(Data("mine")));
        await SetOkAsync(longer, "shared", Write(Data("theirs")));
        await SetOkAsync(longer, "only-theirs", Write(Data("theirs")));

        Assert.Equal(Data("mine"), (await store.GetAsync("shared", Token))!.Data.ToArray());
        Assert.Null(await store.GetAsync("only-theirs", Token));
        Assert.False(await store.TouchAsync("only-theirs", LongTtl, Token));
        Assert.False(await store.DestroyAsync("only-theirs", Token));
        Assert.True(await store.DestroyAsync("shared", Token));

        Assert.Equal(Data("theirs"), (await longer.GetAsync("shared", Token))!.Data.ToArray());
        Assert.NotNull(await longer.GetAsync("only-theirs", Token));
    }

    [Fact]
    public async Task Namespaces_are_isolated_even_when_one_name_is_a_prefix_of_the_other()
    {
        Requires(ConformanceCapabilities.Subjects | ConformanceCapabilities.Listing);
        var name = NewNamespace();
        var store = await CreateStoreAsync(new ConformanceStoreOptions(name));
        var longer = await CreateStoreAsync(new ConformanceStoreOptions(name + "x"));
        await SetOkAsync(store, "shared", Write(Data("mine"), subject: "alice"));
        await SetOkAsync(store, "only-mine", Write(Data("mine")));
        await SetOkAsync(longer, "shared", Write(Data("theirs"), subject: "alice"));
        await SetOkAsync(longer, "only-theirs", Write(Data("theirs"), subject: "alice"));

        await SetOkAsync(store, "mine-too", Write(Data("mine"), subject: "alice"));
        await SetOkAsync(longer, "theirs-too", Write(Data("theirs"), subject: "alice"));

        Assert.Equal(Data("mine"), (await store.GetAsync("shared", Token))!.Data.ToArray());
        Assert.Null(await store.GetAsync("only-theirs", Token));
        Assert.Equal(3, await store.CountAsync(SessionQuery.All, Token));
        Assert.Equal(["mine-too", "only-mine", "shared"], (await ListAllAsync(store, SessionQuery.All)).Select(i => i.Id).Order(StringComparer.Ordinal));

        // The same subject in both namespaces: each store's subject index sees only its own sessions.
        Assert.Equal(2, await store.CountAsync(SessionQuery.ForSubject("alice"), Token));
        var mineForAlice = await ListAllAsync(store, SessionQuery.ForSubject("alice") with { IncludeData = true });
        Assert.Equal(["mine-too", "shared"], mineForAlice.Select(i => i.Id).Order(StringComparer.Ordinal));
        Assert.All(mineForAlice, i => Assert.Equal(Data("mine"), i.Data!.Value.ToArray()));
        Assert.Equal(3, await longer.CountAsync(SessionQuery.ForSubject("alice"), Token));
        var theirsForAlice = await ListAllAsync(longer, SessionQuery.ForSubject("alice") with { IncludeData = true });
        Assert.Equal(["only-theirs", "shared", "theirs-too"], theirsForAlice.Select(i => i.Id).Order(StringComparer.Ordinal));
        Assert.All(theirsForAlice, i => Assert.Equal(Data("theirs"), i.Data!.Value.ToArray()));

        // Signing alice out of one namespace leaves her sessions in the other.
        Assert.Equal(2, await store.DestroyManyAsync(SessionQuery.ForSubject("alice"), Token));

        Assert.Null(await store.GetAsync("shared", Token));
        Assert.Equal(0, await store.CountAsync(SessionQuery.ForSubject("alice"), Token));
        Assert.Equal(3, await longer.CountAsync(SessionQuery.ForSubject("alice"), Token));
        Assert.Equal(["only-theirs", "shared", "theirs-too"], (await ListAllAsync(longer, SessionQuery.ForSubject("alice"))).Select(i => i.Id).Order(StringComparer.Ordinal));
        Assert.Equal(Data("theirs"), (await longer.GetAsync("shared", Token))!.Data.ToArray());

        // And the other way round, with the neighbour's subject index now the larger one.
        await SetOkAsync(store, "shared", Write(Data("mine"), subject: "alice"));
        Assert.Equal(3, await longer.DestroyManyAsync(SessionQuery.ForSubject("alice"), Token));

        Assert.Equal(0, await longer.CountAsync(SessionQuery.ForSubject("alice"), Token));
        Assert.Equal(1, await store.CountAsync(SessionQuery.ForSubject("alice"), Token));
        Assert.Equal("shared", Assert.Single(await ListAllAsync(store, SessionQuery.ForSubject("alice"))).Id);
        Assert.Equal(Data("mine"), (await store.GetAsync("shared", Token))!.Data.ToArray());

        // Destroying a whole namespace leaves the neighbour's whole namespace.
        await SetOkAsync(longer, "shared", Write(Data("theirs"), subject: "alice"));
        await SetOkAsync(longer, "only-theirs", Write(Data("theirs"), subject: "alice"));

        Assert.Equal(2, await store.DestroyManyAsync(SessionQuery.All, Token));

        Assert.Equal(2, await longer.CountAsync(SessionQuery.All, Token));
        Assert.Equal(2, await longer.CountAsync(SessionQuery.ForSubject("alice"), Token));
        Assert.Equal(Data("theirs"), (await longer.GetAsync("shared", Token))!.Data.ToArray());
    }

    [Fact]
    public async Task Listing_reports_metadata_without_data_unless_asked()
    {
        Requires(ConformanceCapabilities.Subjects | ConformanceCapabilities.CompareAndSet | ConformanceCapabilities.Listing);
        var store = await CreateStoreAsync();
        var id = NewId();
        var data = Data("twelve bytes");
        await SetOkAsync(store, id, Write(data, subject: "alice"));
        await SetOkAsync(store, id, Write(data, subject: "alice"));
        var record = await store.GetAsync(id, Token);

        var plain = Assert.Single(await ListAllAsync(store, SessionQuery.All));
        var withData = Assert.Single(await ListAllAsync(store, SessionQuery.All with { IncludeData = true }));

        Assert.Equal(id, plain.Id);
        Assert.Equal(2, plain.Version);
        Assert.Equal("alice", plain.Subject);
        Assert.Equal(data.Length, plain.Size);
        Assert.Equal(record!.ExpiresAt, plain.ExpiresAt);
        Assert.Equal(record.CreatedAt, plain.CreatedAt);
        Assert.Null(plain.Data);
        Assert.NotNull(withData.Data);
        Assert.Equal(data, withData.Data.Value.ToArray());
    }

    [Fact]
    public async Task Listing_thousands_of_sessions_in_small_pages_shows_each_exactly_once()
    {
        Requires(ConformanceCapabilities.Subjects | ConformanceCapabilities.Listing);
        const int total = 2500;
        var store = await CreateStoreAsync();
        var ids = Enumerable.Range(0, total).Select(i => $"s{i:D5}-{NewId()[..8]}").ToArray();
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = Token }, async (id, ct) =>
        {
            var result = await store.SetAsync(id, Write(Data(id), subject: id.EndsWith('7') ? "seven" : null), ct);
            Assert.True(result.Succeeded);
        });

        var listed = await ListAllAsync(store, new SessionQuery { PageSize = 97 });

        Assert.Equal(total, listed.Count);
        Assert.Equal(ids.Order(StringComparer.Ordinal), listed.Select(i => i.Id).Order(StringComparer.Ordinal));
        Assert.All(listed, i => Assert.Equal(i.Id.Length, i.Size));
        Assert.Equal(total, await store.CountAsync(SessionQuery.All, Token));
        var sevens = ids.Where(i => i.EndsWith('7')).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(sevens, (await ListAllAsync(store, new SessionQuery { Subject = "seven", PageSize = 13 })).Select(i => i.Id).Order(StringComparer.Ordinal));
        Assert.Equal(sevens.Length, await store.CountAsync(SessionQuery.ForSubject("seven"), Token));

        Assert.Equal(total, await store.DestroyManyAsync(SessionQuery.All, Token));
        Assert.Equal(0, await store.CountAsync(SessionQuery.All, Token));
    }

    [Fact]
    public async Task Subjects_find_exactly_their_live_sessions_after_destroy_expiry_and_rebinding()
    {
        Requires(ConformanceCapabilities.Subjects | ConformanceCapabilities.Listing);
        RequiresNo(ConformanceFormatLimits.ExpiryFromData);
        var store = await CreateStoreAsync();
        var (a1, a2, a3, b1, none) = (NewId(), NewId(), NewId(), NewId(), NewId());
        await SetOkAsync(store, a1, Write(Data("a1"), subject: "alice"));
        await SetOkAsync(store, a3, Write(Data("a3"), subject: "alice"));
        await SetOkAsync(store, b1, Write(Data("b1"), subject: "bob"));
        await SetOkAsync(store, none, Write(Data("none")));

        // a2 expires soon, but not before the count right after it (a second and a half of margin on a loaded machine).
        await SetOkAsync(store, a2, Write(Data("a2"), TimeSpan.FromMilliseconds(1500), "alice"));
        Assert.Equal(3, await store.CountAsync(SessionQuery.ForSubject("alice"), Token));

        await store.DestroyAsync(a1, Token);
        await Task.Delay(TimeSpan.FromMilliseconds(2000) + ExpirySlack, Token);
        await SetOkAsync(store, a3, Write(Data("a3"), subject: "bob"));

        Assert.Equal(0, await store.CountAsync(SessionQuery.ForSubject("alice"), Token));
        Assert.Empty(await ListAllAsync(store, SessionQuery.ForSubject("alice")));
        Assert.Equal(new[] { a3, b1 }.Order(StringComparer.Ordinal), (await ListAllAsync(store, SessionQuery.ForSubject("bob"))).Select(i => i.Id).Order(StringComparer.Ordinal));
        Assert.All(await ListAllAsync(store, SessionQuery.ForSubject("bob")), i => Assert.Equal("bob", i.Subject));
        Assert.Equal(3, await store.CountAsync(SessionQuery.All, Token));
    }

    [Fact]
    public async Task Sign_out_everywhere_destroys_exactly_one_subjects_sessions()
    {
        Requires(ConformanceCapabilities.Subjects | ConformanceCapabilities.Listing);
        var store = await CreateStoreAsync();
        var alice = Enumerable.Range(0, 4).Select(_ => NewId()).ToArray();
        foreach (var id in alice)
        {
            await SetOkAsync(store, id, Write(Data("a"), subject: "alice"));
        }

        var bob = NewId();
        var anonymous = NewId();
        await SetOkAsync(store, bob, Write(Data("b"), subject: "bob"));
        await SetOkAsync(store, anonymous, Write(Data("n")));

        Assert.Equal(4, await store.DestroyManyAsync(SessionQuery.ForSubject("alice"), Token));

        foreach (var id in alice)
        {
            Assert.Null(await store.GetAsync(id, Token));
        }

        Assert.NotNull(await store.GetAsync(bob, Token));
        Assert.NotNull(await store.GetAsync(anonymous, Token));
        Assert.Equal(0, await store.CountAsync(SessionQuery.ForSubject("alice"), Token));
        Assert.Equal(0, await store.DestroyManyAsync(SessionQuery.ForSubject("alice"), Token));
        Assert.Equal(2, await store.CountAsync(SessionQuery.All, Token));
    }

    /// <summary>Subjects with characters that mean something to some backend (globs, braces, quotes, paths, Unicode).</summary>
    public static TheoryData<string> OddSubjects { get; } =
        ["user@example.com", "a*b?[c]", "{tag}", "O'Brien; DROP TABLE x", "../../etc", "名前", "with space", "emoji-\ud83d\ude00", "%s%n", "a\\b"];

    [Theory]
    [MemberData(nameof(OddSubjects))]
    public async Task Subjects_with_special_characters_are_matched_exactly(string subject)
    {
        Requires(ConformanceCapabilities.Subjects | ConformanceCapabilities.Listing);
        var store = await CreateStoreAsync();
        var mine = NewId();
        var lookalike = NewId();
        await SetOkAsync(store, mine, Write(Data("x"), subject: subject));
        await SetOkAsync(store, lookalike, Write(Data("y"), subject: subject + "2"));
        await SetOkAsync(store, NewId(), Write(Data("z"), subject: "a"));

        Assert.Equal(subject, (await store.GetAsync(mine, Token))!.Subject);
        Assert.Equal(1, await store.CountAsync(SessionQuery.ForSubject(subject), Token));
        Assert.Equal(mine, Assert.Single(await ListAllAsync(store, SessionQuery.ForSubject(subject))).Id);
        Assert.Equal(1, await store.DestroyManyAsync(SessionQuery.ForSubject(subject), Token));
        Assert.NotNull(await store.GetAsync(lookalike, Token));
    }

    [Fact]
    public async Task Subjects_differing_only_by_case_or_trailing_space_are_different_subjects()
    {
        Requires(ConformanceCapabilities.Subjects | ConformanceCapabilities.Listing);
        var store = await CreateStoreAsync();
        string[] subjects = ["alice", "alice ", "Alice", " alice"];
        foreach (var subject in subjects)
        {
            await SetOkAsync(store, NewId(), Write(Data(subject), subject: subject));
        }

        foreach (var subject in subjects)
        {
            Assert.Equal(1, await store.CountAsync(SessionQuery.ForSubject(subject), Token));
            Assert.Equal(subject, Assert.Single(await ListAllAsync(store, SessionQuery.ForSubject(subject))).Subject);
        }

        Assert.Equal(1, await store.DestroyManyAsync(SessionQuery.ForSubject("alice"), Token));
        Assert.Equal(3, await store.CountAsync(SessionQuery.All, Token));
    }

    [Fact]
    public async Task Count_and_DestroyMany_of_an_empty_namespace_are_zero()
    {
        Requires(ConformanceCapabilities.Subjects | ConformanceCapabilities.Listing);
        var store = await CreateStoreAsync();

        Assert.Equal(0, await store.CountAsync(SessionQuery.All, Token));
        Assert.Equal(0, await store.CountAsync(SessionQuery.ForSubject("nobody"), Token));
        Assert.Empty(await ListAllAsync(store, SessionQuery.All));
        Assert.Equal(0, await store.DestroyManyAsync(SessionQuery.All, Token));
    }

    [Fact]
    public async Task DestroyMany_of_all_returns_the_live_count_and_empties_the_namespace()
    {
        Requires(ConformanceCapabilities.Subjects | ConformanceCapabilities.Listing);
        var store = await CreateStoreAsync();
        var ids = new List<string>();
        for (var i = 0; i < 30; i++)
        {
            var id = NewId();
            ids.Add(id);
            await SetOkAsync(store, id, Write(Data("x"), subject: i % 3 == 0 ? "alice" : null));
        }

        Assert.Equal(30, await store.DestroyManyAsync(SessionQuery.All, Token));

        Assert.Equal(0, await store.CountAsync(SessionQuery.All, Token));
        Assert.Equal(0, await store.CountAsync(SessionQuery.ForSubject("alice"), Token));
        Assert.Null(await store.GetAsync(ids[0], Token));
    }
}
