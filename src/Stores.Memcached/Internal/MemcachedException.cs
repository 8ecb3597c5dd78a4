using System;

namespace SessionStores.Memcached.Internal;

/// <summary>
/// A failure of the meta-protocol client: a server that cannot be reached, a broken connection, or an error reply
/// (<c>CLIENT_ERROR</c>, <c>SERVER_ERROR</c>). The message never holds a key: keys carry session ids.
/// </summary>
internal sealed class MemcachedException : Exception
{
    public MemcachedException(string message, bool isTransient, Exception? innerException = null)
        : base(message, innerException)
    {
        IsTransient = isTransient;
    }

    public MemcachedException()
        : this("Memcached failed.", isTransient: true)
    {
    }

    public MemcachedException(string message)
        : this(message, isTransient: true)
    {
    }

    public MemcachedException(string message, Exception innerException)
        : this(message, isTransient: true, innerException)
    {
    }

    /// <summary>Whether retrying may succeed: connection trouble is transient, an error reply is not.</summary>
    public bool IsTransient { get; }
}

/// <summary>A server refused or did not accept a connection in time; it is now marked dead for the retry interval, and
/// the client routes its keys to the next live server on the ring when there is one.</summary>
internal sealed class MemcachedServerUnreachableException : Exception
{
    public MemcachedServerUnreachableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public MemcachedServerUnreachableException()
    {
    }

    public MemcachedServerUnreachableException(string message)
        : base(message)
    {
    }
}
