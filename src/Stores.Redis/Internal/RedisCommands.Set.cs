namespace SessionStores.Redis.Internal;

// The write script: a compare-and-set fast path for the common case (the caller holds the live version), then the
// general write (any expected version, a new session, a header to parse in full).
internal static partial class RedisCommands
{
    public static readonly RedisScript Set = new(SetSource);

    // The compare-and-set fast path, spliced before the general write: taken only when the live header is exactly the one
    // the caller expects (ARGV[7], the expected version as stored) with the caller's subject (ARGV[10], the subject field
    // as stored), and every field is valid by its form alone: created-at and reserved start with a digit below 'e', so
    // they are below DateTimeOffset.MaxValue (0xe677d21fdbff), and the subject length is the caller's, at most 768. Any
    // other header falls through to the general write, which parses it in full (conflict, corrupt, or a valid header in
    // a form this path does not take, such as upper-case hex). It reads only the header and subject, formats nothing,
    // and keeps the created-at and, for the same subject, the index horizon as read.
    private const string CompareAndSetFast = "\n" + """
        if ARGV[7] then
          local h = redis.pcall('GETRANGE', k, '0', ARGV[9])
          if type(h) == 'string' then
            local v, c, z = string.match(h, '^S1(%x%x%x%x%x%x%x%x%x%x%x%x)([0-9a-dA-D]%x%x%x%x%x%x%x%x%x%x%x)[0-9a-dA-D]%x%x%x%x%x%x%x%x%x%x%x(%x%x%x%x%x%x%x%x%x%x%x%x)')
            if v == ARGV[7] and string.sub(h, 51) == ARGV[10] then
              local covered = '000000000000'
              if #subject > 0 then covered = z end
              local version = tonumber(ARGV[1]) + 1
              redis.call('SET', k, ARGV[8] .. c .. '000000000000' .. covered .. ARGV[10] .. ARGV[4], 'PX', ARGV[2])
        """ + Announce + """
              if #subject > 0 then
                local exp = redis.call('PEXPIRETIME', k)
                if exp > tonumber(z, 16) then return { version, exp + ttl, string.sub(ARGV[8], 3) .. c } end
              end
              return version
            end
          end
        end
        """ + "\n";

    /// <summary>
    /// SET with a relative expiry (<c>PX</c>, the server's clock); the clock is read (<c>TIME</c>) only to stamp the
    /// created-at of a new session. KEYS[1] session; ARGV: expected version (-1 none), ttl ms, subject ('' none), data,
    /// invalidation channel ('' none), the writer's own channel (see RedisCommands.Announcements); for a compare-and-set
    /// against a version of at least 1 also the expected version as stored (12 hex digits), the
    /// magic and new version as stored, the last header byte to read (53 + subject length) and the subject field as
    /// stored (length and subject), for the fast path (<see cref="CompareAndSetFast"/>).
    /// Returns the new version; or { new version, horizon to extend the subject index to, the header's identity (version
    /// and created-at hex, for SetHorizon) } when the subject index does not yet cover the new expiry; or -(live version + 1) on a compare-and-set conflict.
    /// The header's index horizon only ever states coverage the index already has: the previous horizon when the session
    /// keeps its subject, else 0 until the caller has extended the index and recorded it (SetHorizon). So an index update
    /// that fails after this write leaves no false claim, and the next write or touch of the session repeats it.
    /// A key that cannot be decoded fails a compare-and-set (corrupt) and is replaced by an unconditional write, as is
    /// an existing empty string (which is not absent).
    /// </summary>
    private const string SetSource = """
        local k = KEYS[1]
        local ttl = tonumber(ARGV[2])
        local subject = ARGV[3]
        """ + CompareAndSetFast + """
        local expected = tonumber(ARGV[1])
        local live, born, covered = 0, nil, 0
        local h = redis.pcall('GETRANGE', k, '0', '821')
        if type(h) == 'table' then
          if expected >= 0 then return redis.error_reply('SESSIONSTORES_CORRUPT WRONGTYPE the key holds another Redis type') end
        elseif #h > 0 then
        """ + ParseHeader + """
          if version then
            live, born = version, created
            if sl == #subject and sl > 0 and string.sub(h, 55, 54 + sl) == subject then covered = horizon end
          elseif expected >= 0 then
            return redis.error_reply('SESSIONSTORES_CORRUPT the SessionStores header is invalid')
          end
        elseif expected >= 0 and redis.call('EXISTS', k) == 1 then
          return redis.error_reply('SESSIONSTORES_CORRUPT the key holds an empty string')
        end
        if expected >= 0 and expected ~= live then return -(live + 1) end
        if not born then
        """ + Now + """
          born = now
        end
        local version = live + 1
        redis.call('SET', k, 'S1' .. string.format('%012x%012x000000000000%012x%04x', version, born, covered, #subject) .. subject .. ARGV[4], 'PX', ARGV[2])
        """ + Announce + """
        if #subject > 0 then
          local exp = redis.call('PEXPIRETIME', k)
          if exp > covered then return { version, exp + ttl, string.format('%012x%012x', version, born) } end
        end
        return version
        """;

}
