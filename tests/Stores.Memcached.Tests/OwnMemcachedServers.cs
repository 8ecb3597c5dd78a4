using System.Threading.Tasks;
using SessionStores.Conformance;
using SessionStores.TestServers;
using Xunit;

namespace SessionStores.Memcached.Tests;

/// <summary>Throwaway memcached processes of one test alone (which it may kill, restart or stall), never the shared ones.</summary>
internal static class OwnMemcachedServers
{
    /// <summary>Starts <paramref name="count"/> servers; without the <c>memcached</c> binary, skips the test, or fails it
    /// when memcached is a required backend.</summary>
    public static async Task<LocalMemcachedSet> StartAsync(int count)
    {
        var set = await MemcachedTestServer.StartLocalAsync(count, TestContext.Current.CancellationToken);
        if (set is null)
        {
            TestBackends.SkipOrFail(
                MemcachedTestServer.Backend,
                "this test kills, restarts or stalls its own memcached processes and needs the local binary memcached, which was not found");
        }

        return set;
    }
}
