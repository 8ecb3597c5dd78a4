using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using SessionStores.ExpressCompat;

namespace SessionDemo;

/// <summary>
/// How the demo's routes keep their values: ASP.NET Core's own encodings (<c>SetInt32</c>, <c>SetString</c>), or, over an
/// Express app's session (<c>--store express-*</c>), JSON, which is what express-session's stores hold and Express reads
/// back with <c>JSON.parse</c> (the Express session refuses anything else).
/// </summary>
internal static class SessionValues
{
    public static int? GetCount(HttpContext context, string key) =>
        IsJson(context) ? context.Session.GetJson<int?>(key) : context.Session.GetInt32(key);

    public static void SetCount(HttpContext context, string key, int value)
    {
        if (IsJson(context))
        {
            context.Session.SetJson(key, value);
        }
        else
        {
            context.Session.SetInt32(key, value);
        }
    }

    /// <summary>A text value; over an Express session, a value the Express app stored that is no JSON string reads as its
    /// JSON text.</summary>
    public static string? GetText(HttpContext context, string key)
    {
        if (!IsJson(context))
        {
            return context.Session.GetString(key);
        }

        var json = context.Session.GetString(key);
        return json is ['"', ..] ? context.Session.GetJson<string>(key) : json;
    }

    public static void SetText(HttpContext context, string key, string value)
    {
        if (IsJson(context))
        {
            context.Session.SetJson(key, value);
        }
        else
        {
            context.Session.SetString(key, value);
        }
    }

    private static bool IsJson(HttpContext context) => context.RequestServices.GetRequiredService<DemoSettings>().IsExpress;
}
