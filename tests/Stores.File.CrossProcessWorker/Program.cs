using System;
using System.Buffers.Binary;
using System.Threading.Tasks;
using SessionStores;
using SessionStores.File;

// Usage:
//   increment <directory> <id> <count> <slot>  prints "ready", waits for a line on stdin, then performs <count>
//                                              compare-and-set increments of the 8-byte counter at <slot> of the
//                                              session's data and prints "done <conflicts>".
//   probe <directory>                          creates a store: exit 0, or exit 3 when it refuses (no file locking).
//   lease <directory> <id> <duration-ms>       takes the lease on <id>, prints "held <fence>" and waits to be killed.
if (args is ["probe", var probeDirectory])
{
    try
    {
        await using var probed = new FileSessionStore(new FileSessionStoreOptions { Directory = probeDirectory });
        Console.WriteLine("ok");
        return 0;
    }
    catch (InvalidOperationException ex)
    {
        Console.WriteLine(ex.Message);
        return 3;
    }
}

if (args is ["lease", var leaseDirectory, var leaseId, var durationText])
{
    var leaseStore = new FileSessionStore(new FileSessionStoreOptions { Directory = leaseDirectory });
    var duration = TimeSpan.FromMilliseconds(int.Parse(durationText, System.Globalization.CultureInfo.InvariantCulture));
    var lease = await leaseStore.AcquireLeaseAsync(leaseId, duration, TimeSpan.FromSeconds(30));
    Console.WriteLine(lease is null ? "busy" : $"held {lease.Fence}");
    await Task.Delay(System.Threading.Timeout.Infinite);
}

if (args is not ["increment", var directory, var id, var countText, var slotText])
{
    Console.Error.WriteLine("usage: increment <directory> <id> <count> <slot> | probe <directory>");
    return 2;
}

var count = int.Parse(countText, System.Globalization.CultureInfo.InvariantCulture);
var slot = int.Parse(slotText, System.Globalization.CultureInfo.InvariantCulture);
await using var store = new FileSessionStore(new FileSessionStoreOptions { Directory = directory });

// Warm the read path before "ready", so that both processes start their loops at nearly the same moment.
_ = await store.GetAsync(id);
Console.WriteLine("ready");
_ = Console.ReadLine();

var conflicts = 0;
for (var done = 0; done < count;)
{
    var current = await store.GetAsync(id) ?? throw new InvalidOperationException("the counter session is missing");
    var data = current.Data.ToArray();
    var value = BinaryPrimitives.ReadInt64LittleEndian(data.AsSpan(slot * 8));
    BinaryPrimitives.WriteInt64LittleEndian(data.AsSpan(slot * 8), value + 1);
    var result = await store.SetAsync(id, new SessionWrite(data, TimeSpan.FromMinutes(10), expectedVersion: current.Version));
    if (result.Succeeded)
    {
        done++;
    }
    else
    {
        conflicts++;
    }

    await Task.Yield();
}

Console.WriteLine($"done {conflicts}");
return 0;
