using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using SessionStores.File.Internal;
using Xunit;

namespace SessionStores.File.Tests;

/// <summary>
/// Distinct ids get distinct file names, also where the file system ignores case. The first scheme escaped an
/// upper-case letter as <c>_</c> + its lower case although <c>_</c> is an id character, so <c>Ab</c> and <c>_ab</c>
/// shared <c>s__ab.session</c>: one's Set overwrote the other, one's Destroy deleted the other.
/// </summary>
public sealed class FileNameEncodingTests : IDisposable
{
    private const string IdAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~-";

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "sessionstores-file-names", Guid.NewGuid().ToString("N")[..12]);

    private static System.Threading.CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>Pairs that shared a file name under the first scheme.</summary>
    public static TheoryData<string, string> FormerlyCollidingPairs { get; } = new()
    {
        { "Ab", "_ab" },
        { "A_b", "_a_b" },
        { "AB", "_a_b" },
        { "aB", "a_b" },
        { "A", "_a" },
        { "_A", "__a" },
        { "a.B", "a._b" },
        { "Z~", "_z~" },
    };

    [Theory]
    [MemberData(nameof(FormerlyCollidingPairs))]
    public void Formerly_colliding_ids_get_names_that_differ_even_ignoring_case(string first, string second)
    {
        Assert.NotEqual(SessionFileNames.ForId(first), SessionFileNames.ForId(second), StringComparer.OrdinalIgnoreCase);
    }

    [Theory]
    [MemberData(nameof(FormerlyCollidingPairs))]
    public async Task Formerly_colliding_ids_are_separate_sessions_for_set_destroy_and_listing(string first, string second)
    {
        await using var store = new FileSessionStore(new FileSessionStoreOptions { Directory = _directory });

        // Given both sessions, each written unconditionally
        Assert.Equal(1, (await store.SetAsync(first, Write(first), Token)).Version);
        Assert.Equal(1, (await store.SetAsync(second, Write(second), Token)).Version);

        // Then each keeps its own data and version, a create-only Set of either conflicts with its own version, and
        // both are listed, in two files
        Assert.Equal(Encoding.ASCII.GetBytes(first), (await store.GetAsync(first, Token))!.Data.ToArray());
        Assert.Equal(Encoding.ASCII.GetBytes(second), (await store.GetAsync(second, Token))!.Data.ToArray());
        Assert.Equal(SessionSetResult.Conflict(1), await store.SetAsync(first, Write(first) with { ExpectedVersion = 0 }, Token));
        Assert.Equal(2, (await store.SetAsync(second, Write(second), Token)).Version);
        Assert.Equal(1, (await store.GetAsync(first, Token))!.Version);
        Assert.Equal(new[] { first, second }.Order(StringComparer.Ordinal), (await ListIdsAsync(store)).Order(StringComparer.Ordinal));
        Assert.Equal(2, Directory.GetFiles(Path.Combine(_directory, "sessions")).Length);

        // When one is destroyed, the other is untouched
        Assert.True(await store.DestroyAsync(first, Token));

        Assert.Null(await store.GetAsync(first, Token));
        Assert.Equal(Encoding.ASCII.GetBytes(second), (await store.GetAsync(second, Token))!.Data.ToArray());
        Assert.False(await store.DestroyAsync(first, Token));
        Assert.Equal([second], await ListIdsAsync(store));
    }

    [Fact]
    public void Every_short_id_over_a_tricky_alphabet_has_its_own_name_and_maps_back()
    {
        // Exhaustive up to length 4 over the characters the schemes have to tell apart.
        const string tricky = "Aa_.B-";
        var ids = new List<string> { string.Empty };
        var all = new List<string>();
        for (var length = 1; length <= 4; length++)
        {
            ids = [.. ids.SelectMany(prefix => tricky.Select(c => prefix + c))];
            all.AddRange(ids);
        }

        AssertInjectiveAndReversible(all);
    }

    [Fact]
    public void Random_ids_round_trip_and_never_share_a_name_even_ignoring_case()
    {
        // Seeded, so a failure replays: short ids dense in '_' and upper case (where collisions lived), and ids of every
        // length up to the maximum, across the escaped and hashed schemes.
        var random = new Random(20240611);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        while (ids.Count < 50_000)
        {
            var dense = random.Next(2) == 0;
            var length = dense ? random.Next(1, 12) : random.Next(1, SessionLimits.MaxIdLength + 1);
            var id = new char[length];
            for (var i = 0; i < length; i++)
            {
                id[i] = dense ? "Aa_Bb.Zz~-"[random.Next(10)] : IdAlphabet[random.Next(IdAlphabet.Length)];
            }

            ids.Add(new string(id));
        }

        AssertInjectiveAndReversible(ids);
    }

    [Theory]
    [InlineData("s_A.session")]
    [InlineData("s_+.session")]
    [InlineData("s_a+.session")]
    [InlineData("s_+A.session")]
    [InlineData("s_++a.session")]
    [InlineData("s_+1.session")]
    [InlineData("s_.session")]
    [InlineData("s_a/b.session")]
    [InlineData("x_ab.session")]
    public void Names_the_encoding_never_produces_map_to_no_id(string fileName)
    {
        Assert.Null(SessionFileNames.TryGetId(fileName));
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private static void AssertInjectiveAndReversible(IEnumerable<string> ids)
    {
        var owners = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var id in ids)
        {
            Assert.True(SessionValidation.IsValidId(id), $"test bug: '{id}' is not a valid id");
            var name = SessionFileNames.ForId(id);
            Assert.DoesNotContain(name, char.IsAsciiLetterUpper);
            Assert.True(SessionFileNames.IsSessionFile(name), name);
            if (name.StartsWith("s_", StringComparison.Ordinal))
            {
                Assert.Equal(id, SessionFileNames.TryGetId(name));
            }

            if (!owners.TryAdd(name, id))
            {
                Assert.Fail($"'{id}' and '{owners[name]}' share the file name '{name}' (compared ignoring case)");
            }
        }
    }

    private static SessionWrite Write(string id) => new(Encoding.ASCII.GetBytes(id), TimeSpan.FromMinutes(5));

    private static async Task<string[]> ListIdsAsync(ISessionStore store)
    {
        var ids = new List<string>();
        await foreach (var info in store.ListAsync(SessionQuery.All, Token))
        {
            ids.Add(info.Id);
        }

        return [.. ids];
    }
}
