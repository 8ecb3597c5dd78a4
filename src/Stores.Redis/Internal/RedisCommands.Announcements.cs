namespace SessionStores.Redis.Internal;

/// <summary>
/// Near-cache announcements (<see cref="RedisInvalidationFeed"/>), kept apart from the session scripts so those can change
/// independently: a write announces <c>key:version</c> on the channel its caller passes (an
/// empty channel: announcements are off), and on a standalone server only when some other connection listens.
/// </summary>
/// <remarks>
/// <para>ARGV[6] is the writer's own channel (see <c>RedisSessionStore.Invalidations</c>): a channel only the writer's
/// own feed subscribes to, on the same subscription connection as the shared channel, or a channel nobody subscribes to
/// while that feed is not live. The script publishes only when the shared channel has more subscribers than the own
/// channel, that is when a connection other than the writer's own feed listens: a single process no longer receives
/// (and pays to parse) the echo of each of its own writes, which its near cache has already applied. Both counts are
/// read inside the script, so they are consistent with each other and with the write. An empty ARGV[6] publishes
/// unconditionally (Redis Cluster: <c>PUBSUB NUMSUB</c> counts only the local node's subscribers there).</para>
/// <para>A process subscribing while a write runs: scripts are atomic, so its <c>SUBSCRIBE</c> was processed either
/// before the script (it is counted and told) or after it (its near cache caches only what it loads after its feed
/// is live, by which time the key holds the new version).</para>
/// </remarks>
internal static partial class RedisCommands
{
    // Spliced into the write script right after its SET: ARGV[5] names the channel ('' when announcements are off),
    // ARGV[6] the writer's own channel ('' to publish without counting listeners). NUMSUB replies channel, count pairs.
    private const string Announce = "\n" + """
        if ARGV[5] ~= '' then
          local heard = true
          if ARGV[6] ~= '' then
            local n = redis.call('PUBSUB', 'NUMSUB', ARGV[5], ARGV[6])
            heard = n[2] > n[4]
          end
          if heard then redis.call('PUBLISH', ARGV[5], k .. ':' .. string.format('%d', version)) end
        end
        """ + "\n";
}
