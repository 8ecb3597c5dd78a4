using System;
using System.Linq;
using System.Threading.Tasks;
using Xunit;

// Test names state the rule they check; they are the documentation of these methods.
#pragma warning disable CS1591

namespace SessionStores.Conformance;

public abstract partial class SessionStoreConformanceTests<TFixture>
{
    [Fact]
    public async Task Get_returns_null_for_a_session_that_never_existed()
    {
        var store = await CreateStoreAsync();

        Assert.Null(await store.GetAsync(NewId(), Token));
    }

    [Fact]
    public async Task Set_then_Get_returns_every_byte_value_bit_exact()
    {
        Requires(ConformanceCapabilities.Subjects | ConformanceCapabilities.CompareAndSet);
        RequiresNo(ConformanceFormatLimits.JsonObjectData);
        var store = await CreateStoreAsync();
        var id = NewId();
        var data = Enumerable.Range(0, 4096).Select(i => (byte)(i * 7 % 256)).ToArray();

        await SetOkAsync(store, id, Write(data, subject: "user-1"));
        var record = await store.GetAsync(id, Token);

        Assert.NotNull(record);
        Assert.Equal(id, record.Id);
        Assert.Equal(data, record.Data.ToArray());
        Assert.Equal("user-1", record.Subject);
        Assert.Equal(1, record.Version);
    }

    [Fact]
    public async Task A_slice_of_a_larger_array_is_stored_as_exactly_the_slice_and_copied()
    {
        var store = await CreateStoreAsync();
        var id = NewId();
        var backing = Enumerable.Range(0, 300).Select(i => (byte)(i * 31 + 7)).ToArray();
        if (JsonObjectData)
        {
            Data(200).CopyTo(backing, 37);
        }

        var slice = new ReadOnlyMemory<byte>(backing, 37, 200);
        var expected = slice.ToArray();

        await SetOkAsync(store, id, new SessionWrite(slice, LongTtl));
        // The caller may reuse its buffer once SetAsync returns: the store must have copied (or sent) the bytes.
        Array.Fill(backing, (byte)0xEE);

        var record = await store.GetAsync(id, Token);
        Assert.NotNull(record);
        Assert.True(
            expected.AsSpan().SequenceEqual(record.Data.Span),
            $"GetAsync after SetAsync of a 200-byte slice at offset 37 of a 300-byte array: got {record.Data.Length} bytes, not the slice bit-exact");
        if (Supports(ConformanceCapabilities.Listing))
        {
            var listed = Assert.Single(await ListAllAsync(store, SessionQuery.All with { IncludeData = true }));
            Assert.Equal(200, listed.Size);
            Assert.True(expected.AsSpan().SequenceEqual(listed.Data!.Value.Span), "ListAsync with IncludeData: not the slice bit-exact");
        }
    }

    [Fact]
    public async Task Empty_data_round_trips_as_empty()
    {
        RequiresNo(ConformanceFormatLimits.JsonObjectData);
        var store = await CreateStoreAsync();
        var id = NewId();

        await SetOkAsync(store, id, Write([]));

        var record = await store.GetAsync(id, Token);
        Assert.NotNull(record);
        Assert.Equal(0, record.Data.Length);
    }

    [Fact]
    public async Task Payload_of_exactly_the_default_limit_round_trips()
    {
        var store = await CreateStoreAsync();
        var id = NewId();
        var data = Data(SessionLimits.DefaultMaxDataBytes, new Random(42));

        await SetOkAsync(store, id, Write(data));

        var record = await store.GetAsync(id, Token);
        Assert.NotNull(record);
        Assert.True(data.AsSpan().SequenceEqual(record.Data.Span), "The 1 MiB payload did not come back bit-exact.");
    }

    [Fact]
    public async Task Payload_over_the_configured_limit_is_rejected_and_the_stored_session_is_kept()
    {
        Requires(ConformanceCapabilities.CompareAndSet);
        var store = await CreateStoreAsync(new ConformanceStoreOptions(NewNamespace()) { MaxDataBytes = 1000 });
        var id = NewId();
        await SetOkAsync(store, id, Write(Data(1000)));

        var ex = await Assert.ThrowsAnyAsync<ArgumentException>(() => store.SetAsync(id, Write(Data(1001)), Token));

        Assert.Contains("1000", ex.Message, StringComparison.Ordinal);
        var record = await store.GetAsync(id, Token);
        Assert.NotNull(record);
        Assert.Equal(1000, record.Data.Length);
        Assert.Equal(1, record.Version);
    }

    [Fact]
    public async Task Payload_over_the_default_limit_is_rejected()
    {
        var store = await CreateStoreAsync();

        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.SetAsync(NewId(), Write(Data(SessionLimits.DefaultMaxDataBytes + 1)), Token));
    }

    [Fact]
    public async Task Set_replaces_data_and_subject_and_keeps_created_at()
    {
        Requires(ConformanceCapabilities.Subjects | ConformanceCapabilities.CompareAndSet);
        var store = await CreateStoreAsync();
        var id = NewId();
        await SetOkAsync(store, id, Write(Data("first"), subject: "alice"));
        var first = await store.GetAsync(id, Token);
        await Task.Delay(30, Token);

        await SetOkAsync(store, id, Write(Data("second")));
        var second = await store.GetAsync(id, Token);

        Assert.NotNull(first);
        Assert.NotNull(second);
        Assert.Equal(Data("second"), second.Data.ToArray());
        Assert.Null(second.Subject);
        Assert.Equal(first.CreatedAt, second.CreatedAt);
        Assert.Equal(2, second.Version);
    }

    [Fact]
    public async Task Destroy_deletes_a_live_session_and_reports_it()
    {
        var store = await CreateStoreAsync();
        var id = NewId();
        await SetOkAsync(store, id, Write(Data("x")));

        Assert.True(await store.DestroyAsync(id, Token));

        Assert.Null(await store.GetAsync(id, Token));
        Assert.False(await store.DestroyAsync(id, Token));
    }

    [Fact]
    public async Task Destroy_of_an_absent_session_returns_false()
    {
        var store = await CreateStoreAsync();

        Assert.False(await store.DestroyAsync(NewId(), Token));
    }

    [Fact]
    public async Task A_session_created_again_after_destroy_starts_at_version_1_with_a_new_created_at()
    {
        Requires(ConformanceCapabilities.CompareAndSet);
        var store = await CreateStoreAsync();
        var id = NewId();
        await SetOkAsync(store, id, Write(Data("a")));
        await SetOkAsync(store, id, Write(Data("b")));
        var before = await store.GetAsync(id, Token);
        await store.DestroyAsync(id, Token);
        await Task.Delay(20, Token);

        var version = await SetOkAsync(store, id, Write(Data("c")));

        var after = await store.GetAsync(id, Token);
        Assert.Equal(1, version);
        Assert.NotNull(before);
        Assert.NotNull(after);
        Assert.True(after.CreatedAt > before.CreatedAt, $"created-at {after.CreatedAt:O} should be later than {before.CreatedAt:O}");
    }

    [Fact]
    public async Task Ids_are_case_sensitive()
    {
        Requires(ConformanceCapabilities.CompareAndSet);
        var store = await CreateStoreAsync();
        var listing = Supports(ConformanceCapabilities.Listing);

        await SetOkAsync(store, "Session", Write(Data("upper")));
        await SetOkAsync(store, "session", Write(Data("lower")));

        Assert.Equal(Data("upper"), (await store.GetAsync("Session", Token))!.Data.ToArray());
        Assert.Equal(Data("lower"), (await store.GetAsync("session", Token))!.Data.ToArray());
        Assert.Equal(2, listing ? await store.CountAsync(SessionQuery.All, Token) : 2);

        // Neighbours a store that escapes case in names or keys (an upper-case letter as '_' + its lower case, say) or
        // folds punctuation could merge: each must stay its own session for Get, create-only Set, List and Destroy.
        string[] neighbours = ["Ab", "_ab", "ab", "AB", "_a_b", "A_b", "a_B", "a.b", "a_b", "a-b", "a~b", "A.b", "_A", "__a", "A", "_a"];
        foreach (var id in neighbours)
        {
            var created = await store.SetAsync(id, Write(Data("v:" + id), expectedVersion: 0), Token);
            Assert.True(created.Succeeded, $"create-only Set of {id} conflicted (version {created.Version}): a neighbour took its place");
            Assert.Equal(1, created.Version);
        }

        foreach (var id in neighbours)
        {
            var record = await store.GetAsync(id, Token);
            Assert.True(record is not null, $"{id} is missing after its neighbours were written");
            Assert.Equal(Data("v:" + id), record.Data.ToArray());
            Assert.Equal(1, record.Version);
        }

        if (listing)
        {
            var listed = (await ListAllAsync(store, SessionQuery.All)).Select(i => i.Id).Where(i => !i.Equals("Session", StringComparison.Ordinal) && !i.Equals("session", StringComparison.Ordinal));
            Assert.Equal(neighbours.Order(StringComparer.Ordinal), listed.Order(StringComparer.Ordinal));
        }

        // Destroying one of each pair leaves the other untouched.
        Assert.True(await store.DestroyAsync("Ab", Token));
        Assert.True(await store.DestroyAsync("a.b", Token));
        Assert.Equal(Data("v:_ab"), (await store.GetAsync("_ab", Token))!.Data.ToArray());
        Assert.Equal(Data("v:a_b"), (await store.GetAsync("a_b", Token))!.Data.ToArray());
        Assert.False(await store.DestroyAsync("Ab", Token));

        // "Session" and "session", plus the neighbours less the two destroyed.
        if (listing)
        {
            Assert.Equal(2 + neighbours.Length - 2, await store.CountAsync(SessionQuery.All, Token));
        }
    }

    [Fact]
    public async Task Every_character_class_of_valid_ids_works_including_dot_names_and_the_longest_id()
    {
        var store = await CreateStoreAsync();
        string[] ids = [".", "..", "...", "~", "-", "_", "a.b", "A-Z_0~9", new string('x', SessionLimits.MaxIdLength), "3q2-7wQ_~.z"];

        foreach (var id in ids)
        {
            await SetOkAsync(store, id, Write(Data("v:" + id)));
        }

        foreach (var id in ids)
        {
            var record = await store.GetAsync(id, Token);
            Assert.NotNull(record);
            Assert.Equal(Data("v:" + id), record.Data.ToArray());
        }

        if (Supports(ConformanceCapabilities.Listing))
        {
            var listed = (await ListAllAsync(store, SessionQuery.All)).Select(i => i.Id).Order(StringComparer.Ordinal).ToArray();
            Assert.Equal(ids.Order(StringComparer.Ordinal).ToArray(), listed);
        }
    }
}
