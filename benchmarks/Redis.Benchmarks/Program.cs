using System;
using System.Linq;
using System.Threading.Tasks;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;

namespace SessionStores.Redis.Benchmarks;

public static class Program
{
    // Other projects may be building on the same 2 cores: give BenchmarkDotNet's generated project time to build.
    // --client-cpu: the application-side CPU per operation (ClientCpuComparison); --server-cpu: Redis's CPU per
    // read-modify-write request, ours vs the built-in session over RedisCache (ServerCpuComparison); --write-batching:
    // one script call per compare-and-set write vs a group commit (WriteBatchingComparison); anything else goes to BenchmarkDotNet.
    public static async Task Main(string[] args)
    {
        if (args.Contains("--client-cpu"))
        {
            await ClientCpuComparison.RunAsync(args);
            return;
        }

        if (args.Contains("--write-batching"))
        {
            await WriteBatchingComparison.RunAsync(args);
            return;
        }

        if (args.Contains("--server-cpu"))
        {
            await ServerCpuComparison.RunAsync(args);
            return;
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, ManualConfig.Create(DefaultConfig.Instance).WithBuildTimeout(TimeSpan.FromMinutes(10)));
    }
}
