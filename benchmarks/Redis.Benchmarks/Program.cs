using System;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;

namespace SessionStores.Redis.Benchmarks;

public static class Program
{
    // Other projects may be building on the same 2 cores: give BenchmarkDotNet's generated project time to build.
    public static void Main(string[] args) =>
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, ManualConfig.Create(DefaultConfig.Instance).WithBuildTimeout(TimeSpan.FromMinutes(10)));
}
