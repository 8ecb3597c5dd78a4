using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using SessionStores.File;

namespace SessionStores.Reliability.Harness;

// The File store: a directory, with decoy files beside it.
public abstract partial class IsolatedStore
{
    private sealed class FileIsolated : IsolatedStore
    {
        private readonly string _root;
        private readonly string _namespace;
        private readonly FileSessionStore _store;

        private FileIsolated(string root)
        {
            _root = root;
            _namespace = Path.Combine(root, "store");
            _store = new FileSessionStore(new FileSessionStoreOptions { Directory = _namespace, MaxDataBytes = MaxDataBytes });
        }

        public override ISessionStore Store => _store;

        public static FileIsolated Create()
        {
            var root = Path.Combine(Path.GetTempPath(), "sessionstores-reliability", "bad-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(Path.Combine(root, "store-sibling"));
            System.IO.File.WriteAllText(Path.Combine(root, "store-sibling", "decoy.session"), "decoy");
            System.IO.File.WriteAllText(Path.Combine(root, "decoy.txt"), "decoy");
            return new FileIsolated(root);
        }

        // Every file and directory under the root (the namespace's parent) but outside the namespace, with size and time.
        public override Task<IReadOnlySet<string>> OutsideAsync() => Task.FromResult<IReadOnlySet<string>>(
            Directory.EnumerateFileSystemEntries(_root, "*", SearchOption.AllDirectories)
                .Where(p => p != _namespace && !p.StartsWith(_namespace + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                .Select(p => new FileInfo(p) is { Exists: true } f ? $"{p} {f.Length} {f.LastWriteTimeUtc.Ticks}" : p)
                .ToHashSet());

        // The namespace, its parent tree and the temp directory's top level.
        public override Task<IReadOnlyList<string>> FindAsync(string marker) => Task.FromResult<IReadOnlyList<string>>(
            Directory.EnumerateFileSystemEntries(_root, "*", SearchOption.AllDirectories)
                .Concat(Directory.EnumerateFileSystemEntries(Path.GetTempPath()))
                .Where(p => p.Contains(marker, StringComparison.Ordinal))
                .ToList());

        public override async ValueTask DisposeAsync()
        {
            await _store.DisposeAsync();
            Directory.Delete(_root, recursive: true);
        }
    }
}
