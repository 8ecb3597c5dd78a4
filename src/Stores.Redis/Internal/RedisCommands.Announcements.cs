namespace SessionStores.Redis.Internal;

/// <summary>
/// Near-cache announcements (<see cref="RedisInvalidationFeed"/>), kept apart from the session scripts so those can change
/// independently: a write announces <c>key:version</c>, a destroy <c>key:0</c>, on the channel its caller passes (an
/// empty channel: announcements are off).
/// </summary>
internal static partial class RedisCommands
{
    /// <summary>DEL plus its announcement, when something was deleted. KEYS[1] session; ARGV[1] channel. Returns 1 when
    /// a key was deleted, else 0.</summary>
    public static readonly RedisScript DestroyAndAnnounce = new("""
        local n = redis.call('UNLINK', KEYS[1])
        if n == 1 then redis.call('PUBLISH', ARGV[1], KEYS[1] .. ':0') end
        return n
        """);

    // Spliced into the write script right after its SET: ARGV[5] names the channel ('' when announcements are off).
    private const string Announce = "\n" + """
        if ARGV[5] ~= '' then redis.call('PUBLISH', ARGV[5], k .. ':' .. version) end
        """ + "\n";
}
