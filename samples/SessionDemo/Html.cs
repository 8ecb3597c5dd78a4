using System.Net;
using Microsoft.AspNetCore.Http;

namespace SessionDemo;

/// <summary>A minimal page layout.</summary>
internal static class Html
{
    public static IResult Page(string title, string body) => Results.Content($$"""
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>{{WebUtility.HtmlEncode(title)}} · SessionDemo</title>
        <style>
          body { font: 15px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; }
          table { border-collapse: collapse; width: 100%; } th, td { border-bottom: 1px solid #ddd; padding: .3rem .5rem; text-align: left; }
          form.inline { display: inline; } label { display: block; margin: .4rem 0; } .hint { color: #666; }
        </style></head>
        <body><h1>{{WebUtility.HtmlEncode(title)}}</h1>
        {{body}}
        </body></html>
        """, "text/html; charset=utf-8");
}
