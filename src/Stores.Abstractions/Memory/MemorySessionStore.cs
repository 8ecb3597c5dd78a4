using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace SessionStores.Memory;

/// <summary>
/// A session store in this process's memory: fast, bounded, and lost on restart. Suitable for a single instance, for
/// development and tests; it is also the reference model of the conformance kit.
/// </summary>
/// <remarks>
/// Sessions are held in 256 shards, each a dictionary of value-type slots behind its own lock (see
/// <c>MemorySessionStore.Slots.cs</c> for why: a million sessions cost two heap objects each and a request stores no
/// new reference into the old generation), so compare-and-set is exact and reads return a copy of the data. Expired
/// sessions are invisible at once and removed by a background sweep every <see cref="MemorySessionStoreOptions.PruneInterval"/>,
/// in passes of about <see cref="MemorySessionStoreOptions.PruneBatchSize"/> entries (and as many subject index sets),
/// one shard locked at a time. Expiry follows the <see cref="TimeProvider"/> given to the constructor.
/// </remarks>
public sealed partial class MemorySessionStore : ISessionStore, IDisposable
{
    // Lock order, to rule out deadlocks: _pruneGate, then one shard's lock, then one subject set's lock. Nothing waits
    // for another lock while holding a subject set's lock, and no code takes _pruneGate while holding a shard's lock.

    // The store's names in messages and in telemetry (db.system.name); there is no backend, so no SessionStoreBackend, to
    // carry them.
    private const string DisplayName = "Memory";
    private const string SystemName = "memory";

    private readonly Shard[] _shards = CreateShards();
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> _subjects = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly int _maxDataBytes;
    private readonly int? _maxSessions;
    private readonly int _pruneBatchSize;
    private readonly ITimer _pruneTimer;
    private readonly object _pruneGate = new();
    private int _pruneShard;
    private IEnumerator<KeyValuePair<string, ConcurrentDictionary<string, byte>>>? _subjectCursor;

    // Entries held plus slots reserved by creations in progress; never above _maxSessions (see TryReserveSlot).
    private int _count;

    /// <summary>Creates a store.</summary>
    /// <param name="options">The options; defaults when <see langword="null"/>.</param>
    /// <param name="timeProvider">The clock that decides expiry; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <param name="logger">The logger.</param>
    /// <exception cref="ArgumentException">An option is invalid; the message names every invalid one.</exception>
    public MemorySessionStore(MemorySessionStoreOptions? options = null, TimeProvider? timeProvider = null, ILogger<MemorySessionStore>? logger = null)
    {
        options ??= new MemorySessionStoreOptions();
        MemorySessionStoreOptionsValidator.Instance.ThrowIfInvalid(options, nameof(options));
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _maxDataBytes = options.MaxDataBytes;
        _maxSessions = options.MaxSessions;
        _pruneBatchSize = options.PruneBatchSize;
        _pruneTimer = _time.CreateTimer(static state => ((MemorySessionStore)state!).PruneOnTimer(), this, options.PruneInterval, options.PruneInterval);
    }

    /// <summary>The number of entries held, including expired ones not yet pruned.</summary>
    public int EntryCount => Volatile.Read(ref _count);

    /// <summary>The number of subjects in the subject index, including ones left without sessions and not yet pruned.</summary>
    internal int SubjectIndexCount => _subjects.Count;

    /// <inheritdoc />
    public Task<SessionRecord?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateId(id);
        cancellationToken.ThrowIfCancellationRequested();
        return Run(SessionStoreOperationNames.Get, (Store: this, Id: id), static s => s.Store.GetCore(s.Id));
    }

    /// <inheritdoc />
    public Task<SessionRecord?> GetAndTouchAsync(string id, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateId(id);
        SessionValidation.ValidateTtl(ttl);
        cancellationToken.ThrowIfCancellationRequested();
        return Run(SessionStoreOperationNames.GetAndTouch, (Store: this, Id: id, Ttl: ttl), static s => s.Store.TouchCore(s.Id, s.Ttl));
    }

    /// <inheritdoc />
    public Task<SessionSetResult> SetAsync(string id, SessionWrite write, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateId(id);
        SessionValidation.ValidateWrite(write, _maxDataBytes);
        cancellationToken.ThrowIfCancellationRequested();
        return Run(SessionStoreOperationNames.Set, (Store: this, Id: id, Write: write), static s => s.Store.SetCore(s.Id, s.Write));
    }

    /// <inheritdoc />
    public Task<bool> TouchAsync(string id, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateId(id);
        SessionValidation.ValidateTtl(ttl);
        cancellationToken.ThrowIfCancellationRequested();
        return Run(SessionStoreOperationNames.Touch, (Store: this, Id: id, Ttl: ttl), static s => s.Store.TouchCore(s.Id, s.Ttl) is not null);
    }

    /// <inheritdoc />
    public Task<bool> DestroyAsync(string id, CancellationToken cancellationToken = default)
    {
        SessionValidation.ValidateId(id);
        cancellationToken.ThrowIfCancellationRequested();
        return Run(SessionStoreOperationNames.Destroy, (Store: this, Id: id), static s => s.Store.Remove(s.Id, s.Store.NowMs(), onlyIfExpired: false));
    }

    /// <summary>Stops the background pruner.</summary>
    public void Dispose() => _pruneTimer.Dispose();

    /// <summary>
    /// Runs an operation's body, timed for <see cref="SessionStoreDiagnostics"/> as every store's operations are. Not
    /// through <see cref="SessionStoreOperationRunner"/>: nothing here waits on I/O, so there is no deadline to keep and no
    /// driver error to map, and the runner's deadline (two <see cref="CancellationTokenSource"/>s and a timer per call)
    /// would cost several times the operation itself.
    /// </summary>
    private static Task<TResult> Run<TState, TResult>(string operation, TState state, Func<TState, TResult> body) =>
        Task.FromResult(Timed(operation, state, body));

    private static TResult Timed<TState, TResult>(string operation, TState state, Func<TState, TResult> body)
    {
        var telemetry = SessionStoreOperation.Start(SystemName, operation);
        try
        {
            var result = body(state);
            telemetry.Complete();
            return result;
        }
        catch (Exception ex)
        {
            telemetry.Fail(ex);
            throw;
        }
    }

    private SessionRecord? GetCore(string id)
    {
        var now = NowMs();
        var shard = ShardFor(id);
        lock (shard)
        {
            ref var slot = ref shard.Find(id);
            return !Unsafe.IsNullRef(ref slot) && slot.IsLive(now) ? slot.ToRecord(id) : null;
        }
    }

    private SessionRecord? TouchCore(string id, TimeSpan ttl)
    {
        var shard = ShardFor(id);
        lock (shard)
        {
            var now = NowMs();
            ref var slot = ref shard.Find(id);
            if (Unsafe.IsNullRef(ref slot) || !slot.IsLive(now))
            {
                return null;
            }

            slot.ExpiresAtMs = now + SessionValidation.ToMilliseconds(ttl);
            return slot.ToRecord(id);
        }
    }

    private SessionSetResult SetCore(string id, SessionWrite write)
    {
        if (TrySet(id, write, out var result))
        {
            return result;
        }

        // Full. Pruning takes shard locks, so it must run outside this id's shard lock: a writer pruning inside its
        // shard and the pruner (or another writer) waiting for that shard would wait on each other forever. The
        // retry re-checks everything, since the session may have been created or changed in between.
        PruneCore();
        if (TrySet(id, write, out result))
        {
            return result;
        }

        var max = _maxSessions!.Value;
        Log.Full(_logger, max);
        var what = $"failed: the store holds its maximum of {max} sessions (MemorySessionStoreOptions.MaxSessions); no new session can be created until some expire or are destroyed.";
        throw new SessionStoreException(SessionStoreErrors.Message(DisplayName, SessionStoreOperationNames.Set, what), null, isTransient: true);
    }

    // Returns false, having changed nothing, only when the write would create a session and the store is full.
    private bool TrySet(string id, SessionWrite write, out SessionSetResult result)
    {
        var shard = ShardFor(id);
        lock (shard)
        {
            var now = NowMs();
            ref var slot = ref shard.Find(id);
            var exists = !Unsafe.IsNullRef(ref slot);
            var live = exists && slot.IsLive(now);
            var liveVersion = live ? slot.Version : 0;
            if (write.ExpectedVersion is { } expected && expected != liveVersion)
            {
                result = SessionSetResult.Conflict(liveVersion);
                return true;
            }

            if (!exists && !TryReserveSlot())
            {
                result = default;
                return false;
            }

            // An entry that exists (live or not yet pruned) is in its subject's set already: only a new binding adds.
            var oldSubject = exists ? slot.Subject : null;
            if (write.Subject is not null && (!exists || !string.Equals(oldSubject, write.Subject, StringComparison.Ordinal)))
            {
                AddToSubject(write.Subject, id);
            }

            var createdAtMs = live ? slot.CreatedAtMs : now;
            if (!exists)
            {
                slot = ref shard.Add(id);
            }

            slot.Store(write.Data.Span, liveVersion + 1, now + SessionValidation.ToMilliseconds(write.Ttl), createdAtMs, write.Subject);
            if (oldSubject is not null && !string.Equals(oldSubject, write.Subject, StringComparison.Ordinal))
            {
                RemoveFromSubject(oldSubject, id);
            }

            result = SessionSetResult.Success(liveVersion + 1);
            return true;
        }
    }

    // Check and increment in one atomic step: creations under different stripe locks race for the last slot, and a
    // separate check and increment would let several of them take it.
    private bool TryReserveSlot()
    {
        if (_maxSessions is not { } max)
        {
            Interlocked.Increment(ref _count);
            return true;
        }

        var count = Volatile.Read(ref _count);
        while (count < max)
        {
            var seen = Interlocked.CompareExchange(ref _count, count + 1, count);
            if (seen == count)
            {
                return true;
            }

            count = seen;
        }

        return false;
    }

    private bool Remove(string id, long now, bool onlyIfExpired)
    {
        var shard = ShardFor(id);
        lock (shard)
        {
            ref var slot = ref shard.Find(id);
            if (Unsafe.IsNullRef(ref slot) || (onlyIfExpired && slot.IsLive(now)))
            {
                return false;
            }

            var wasLive = slot.IsLive(now);
            RemoveLocked(shard, id, slot.Subject);
            return onlyIfExpired || wasLive;
        }
    }

    private void RemoveLocked(Shard shard, string id, string? subject)
    {
        if (shard.Slots.Remove(id))
        {
            Interlocked.Decrement(ref _count);
            if (subject is not null)
            {
                RemoveFromSubject(subject, id);
            }
        }
    }

    private void AddToSubject(string subject, string id)
    {
        while (true)
        {
            var ids = _subjects.GetOrAdd(subject, static _ => new ConcurrentDictionary<string, byte>(StringComparer.Ordinal));

            // The pruner drops a set only while holding its lock and only when it is empty. Under the same lock, a set
            // still registered cannot be dropped after this add; a set already dropped is not registered, and the
            // loop adds to the fresh one instead.
            lock (ids)
            {
                if (_subjects.TryGetValue(subject, out var registered) && ReferenceEquals(registered, ids))
                {
                    ids.TryAdd(id, 0);
                    return;
                }
            }
        }
    }

    private void RemoveFromSubject(string subject, string id)
    {
        if (_subjects.TryGetValue(subject, out var ids))
        {
            ids.TryRemove(id, out _);
        }
    }

    private long NowMs() => _time.GetUtcNow().ToUnixTimeMilliseconds();
}
