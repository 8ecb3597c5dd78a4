using System.Collections.Generic;
using System.Threading.Tasks;
using SessionStores.Memory;

namespace SessionStores.Reliability.Harness;

// The memory store: an in-process dictionary, nothing outside it.
public abstract partial class IsolatedStore
{
    private sealed class MemoryIsolated : IsolatedStore
    {
        private readonly MemorySessionStore _store = new(new MemorySessionStoreOptions { MaxDataBytes = MaxDataBytes });

        public override ISessionStore Store => _store;

        // An in-process dictionary has no outside; the store's own count shows whether anything was written.
        public override Task<IReadOnlySet<string>> OutsideAsync() => Task.FromResult<IReadOnlySet<string>>(new HashSet<string>());

        public override Task<IReadOnlyList<string>> FindAsync(string marker) => Task.FromResult<IReadOnlyList<string>>([]);

        public override ValueTask DisposeAsync()
        {
            _store.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
