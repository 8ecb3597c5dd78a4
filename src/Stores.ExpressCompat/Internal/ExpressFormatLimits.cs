using System;

namespace SessionStores.ExpressCompat.Internal;

/// <summary>The rules an express-session storage format cannot hold, refused the same way by every profile, before
/// any I/O.</summary>
internal static class ExpressFormatLimits
{
    public static void EnsureSupported(in SessionWrite write)
    {
        if (write.ExpectedVersion is not null)
        {
            throw new NotSupportedException(
                "An express-session storage format keeps no version, so a compare-and-set (SessionWrite.ExpectedVersion) cannot be done; write without one.");
        }

        if (write.Subject is not null)
        {
            throw new NotSupportedException(
                "An express-session storage format keeps no subject; keep the user id as a session value instead (SessionWrite.Subject must be null).");
        }
    }

    /// <summary>The refusal of a listing operation; a malformed query is still reported as such first.</summary>
    public static NotSupportedException NoListing(SessionQuery query, string operation)
    {
        SessionValidation.ValidateQuery(query);
        return new($"{operation} is not supported by an express-session storage format: it keeps no namespace index to list from.");
    }
}
