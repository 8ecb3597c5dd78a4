using System;
using System.Globalization;
using System.Linq;
using System.Threading.Tasks;
using SessionStores.Memory;
using Xunit;

#pragma warning disable CS1591

namespace SessionStores.Conformance;

public abstract partial class SessionStoreConformanceTests<TFixture>
{
    /// <summary>The environment variable that replays one seed of the model-based test (for example <c>1234</c>).</summary>
    public const string ModelSeedVariable = "SESSIONSTORES_MODEL_SEED";

    /// <summary>Seeds run by default; each runs <see cref="ModelOperations"/> random operations.</summary>
    public static TheoryData<int> ModelSeeds { get; } = SeedsFromEnvironment();

    /// <summary>Random operations per seed.</summary>
    protected virtual int ModelOperations => 1500;

    [Theory]
    [MemberData(nameof(ModelSeeds))]
    public async Task Random_operation_sequences_match_the_reference_model_step_by_step(int seed)
    {
        // Expiry plays no part (TTLs of minutes); without Listing, the listing steps become reads.
        Requires(ConformanceCapabilities.Subjects | ConformanceCapabilities.CompareAndSet);
        var listing = Fixture.Capabilities.HasFlag(ConformanceCapabilities.Listing);
        var store = await CreateStoreAsync();
        using var model = new MemorySessionStore();
        var random = new Random(seed);
        // "A" and "_a" (and "..") are neighbours a store escaping case or dots in its names or keys could merge.
        string[] ids = ["a", "b", "c", "d", "e", "f", "g", "..", "A", "_a"];
        string?[] subjects = [null, null, "alice", "bob", "carol"];

        for (var step = 0; step < ModelOperations; step++)
        {
            var id = ids[random.Next(ids.Length)];
            var ttl = TimeSpan.FromMinutes(10 + random.Next(20));
            var where = $"seed {seed} (replay with {ModelSeedVariable}={seed}), step {step}";
            var operation = random.Next(100);
            switch (listing || operation < 88 ? operation : 0)
            {
                case < 25:
                    AssertSameRecord(await model.GetAsync(id, Token), await store.GetAsync(id, Token), $"{where}: Get({id})");
                    break;
                case < 35:
                    AssertSameRecord(await model.GetAndTouchAsync(id, ttl, Token), await store.GetAndTouchAsync(id, ttl, Token), $"{where}: GetAndTouch({id})");
                    break;
                case < 70:
                {
                    var data = Data(random.Next(0, 64), random);
                    var live = (await model.GetAsync(id, Token))?.Version ?? 0;
                    long? expected = random.Next(4) switch
                    {
                        0 => null,
                        1 => live,
                        2 => 0,
                        _ => live + random.Next(-1, 2),
                    };
                    var write = new SessionWrite(data, ttl, subjects[random.Next(subjects.Length)], expected < 0 ? null : expected);
                    var want = await model.SetAsync(id, write, Token);
                    var got = await store.SetAsync(id, write, Token);
                    Assert.True(want == got, $"{where}: Set({id}, expected {write.ExpectedVersion}) returned {got}, the model {want}");
                    break;
                }

                case < 78:
                    Assert.True(await model.TouchAsync(id, ttl, Token) == await store.TouchAsync(id, ttl, Token), $"{where}: Touch({id})");
                    break;
                case < 88:
                    Assert.True(await model.DestroyAsync(id, Token) == await store.DestroyAsync(id, Token), $"{where}: Destroy({id})");
                    break;
                case < 93:
                {
                    var query = QueryFor(subjects[random.Next(subjects.Length)]);
                    Assert.True(await model.CountAsync(query, Token) == await store.CountAsync(query, Token), $"{where}: Count({query.Subject})");
                    break;
                }

                case < 98:
                {
                    var query = QueryFor(subjects[random.Next(subjects.Length)]) with { PageSize = 1 + random.Next(4) };
                    var want = Describe(await ListAllAsync(model, query));
                    var got = Describe(await ListAllAsync(store, query));
                    Assert.True(want == got, $"{where}: List({query.Subject}) gave [{got}], the model [{want}]");
                    break;
                }

                default:
                {
                    var query = random.Next(4) == 0 ? SessionQuery.All : QueryFor(subjects[2 + random.Next(3)]);
                    Assert.True(await model.DestroyManyAsync(query, Token) == await store.DestroyManyAsync(query, Token), $"{where}: DestroyMany({query.Subject})");
                    break;
                }
            }
        }
    }

    private static SessionQuery QueryFor(string? subject) => subject is null ? SessionQuery.All : SessionQuery.ForSubject(subject);

    private static string Describe(System.Collections.Generic.List<SessionInfo> list) =>
        string.Join(", ", list.OrderBy(i => i.Id, StringComparer.Ordinal).Select(i => $"{i.Id}:v{i.Version}:{i.Subject}:{i.Size}"));

    private static void AssertSameRecord(SessionRecord? want, SessionRecord? got, string where)
    {
        Assert.True((want is null) == (got is null), $"{where}: the model says {(want is null ? "absent" : "present")}, the store {(got is null ? "absent" : "present")}");
        if (want is not null && got is not null)
        {
            Assert.True(want.Version == got.Version, $"{where}: version {got.Version}, the model {want.Version}");
            Assert.True(want.Subject == got.Subject, $"{where}: subject '{got.Subject}', the model '{want.Subject}'");
            Assert.True(want.Data.Span.SequenceEqual(got.Data.Span), $"{where}: data differs from the model");
            Assert.Equal(want.Id, got.Id);
        }
    }

    private static TheoryData<int> SeedsFromEnvironment()
    {
        var replay = Environment.GetEnvironmentVariable(ModelSeedVariable);
        return int.TryParse(replay, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seed) ? [seed] : [1, 2, 3];
    }
}
