namespace SessionStores.Redis.Internal;

/// <summary>
/// Near-cache announcements (<see cref="RedisInvalidationFeed"/>), kept apart from the session scripts so those can change
/// independently: a write announces <c>key:version</c> on the channel its caller passes (an
/// empty channel: announcements are off).
/// </summary>
internal static partial class RedisCommands
{
    // Spliced into the write script right after its SET: ARGV[5] names the channel ('' when announcements are off).
    private const string Announce = "\n" + """
        if ARGV[5] ~= '' then redis.call('PUBLISH', ARGV[5], k .. ':' .. string.format('%d', version)) end
        """ + "\n";
}
