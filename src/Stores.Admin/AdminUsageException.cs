using System;

namespace SessionStores.Admin;

/// <summary>A command line the tool refuses before it touches a store; ends the run with <see cref="ExitCodes.BadUsage"/>.</summary>
internal sealed class AdminUsageException : Exception
{
    public AdminUsageException(string message)
        : base(message)
    {
    }
}
