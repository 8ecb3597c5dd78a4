using System.IO;
using System.Text;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;
using SessionStores;

namespace SessionDemo;

/// <summary>
/// How the demo answers bad input: a 4xx with a short, plain-text message (real line breaks, no JSON quoting), never a
/// 500. A form is checked for its content type and its body before any handler reads a field.
/// </summary>
internal static class Input
{
    /// <summary>A plain-text error reply.</summary>
    public static IResult Error(int statusCode, string message) =>
        Results.Text(message.EndsWith('\n') ? message : message + "\n", "text/plain; charset=utf-8", Encoding.UTF8, statusCode);

    /// <summary>The request's form, or the 4xx reply for a request that is not a readable form.</summary>
    public static async Task<(IFormCollection? Form, IResult? Error)> ReadFormAsync(HttpContext context)
    {
        if (!context.Request.HasFormContentType)
        {
            return (null, Error(
                StatusCodes.Status415UnsupportedMediaType,
                "This endpoint takes an HTML form: send Content-Type application/x-www-form-urlencoded or multipart/form-data."));
        }

        try
        {
            return (await context.Request.ReadFormAsync(context.RequestAborted), null);
        }
        catch (InvalidDataException)
        {
            // A malformed body (a multipart form without its boundary, too many fields, a field too long).
            return (null, Error(StatusCodes.Status400BadRequest, "The form could not be read: its body is malformed or too large."));
        }
        catch (BadHttpRequestException ex)
        {
            return (null, Error(ex.StatusCode, "The form could not be read: " + ex.Message));
        }
    }

    /// <summary>Whether a user-supplied name is 1 to <paramref name="maxLength"/> characters, with no control character
    /// or broken surrogate (such a name could forge lines in logs and is refused by the stores as a subject).</summary>
    public static bool IsPlainName(string value, int maxLength) =>
        value.Length >= 1 && value.Length <= maxLength && ReferenceEquals(SessionValidation.EscapeControlCharacters(value), value);
}
