using System.Threading.Tasks;
using SessionStores.Memory;

namespace SessionStores.AspNetCore.Tests;

public sealed class MemoryStoreBackedSessionTests : StoreBackedSessionTests
{
    protected override Task<ISessionStore> CreateStoreAsync() => Task.FromResult<ISessionStore>(new MemorySessionStore());
}
