using System;
using System.Collections.Generic;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using SessionStores.ExpressCompat.Internal;
using Xunit;

namespace SessionStores.ExpressCompat.Tests;

/// <summary>The byte formats alone, against values the npm packages produced (cookie-signature's sign and cookie's
/// serialize, run once with node and written down here).</summary>
public sealed class CookieFormatTests
{
    private const string Id = "W0mJpTYdNC7vYZxpVnGIV-fd3zGVEoX2";
    private const string Signed = "s:" + Id + ".4HYmzmRgCkRkcte79zevWLll61RzxZkMzgAQw6pxS7w";

    [Fact]
    public void Signing_gives_cookie_signature_own_value()
    {
        Assert.Equal(Signed, new ExpressCookieSigner(["keyboard cat"]).Sign(Id));
    }

    [Fact]
    public void Every_listed_secret_verifies_and_the_first_signs()
    {
        var signer = new ExpressCookieSigner(["new secret", "keyboard cat"]);

        Assert.True(signer.TryUnsign(Signed, out var id));
        Assert.Equal(Id, id);
        Assert.NotEqual(Signed, signer.Sign(Id));
    }

    [Theory]
    [InlineData(Id)] // unsigned
    [InlineData("s:" + Id)] // no signature
    [InlineData("s:" + Id + ".4HYmzmRgCkRkcte79zevWLll61RzxZkMzgAQw6pxS7x")] // tampered signature
    [InlineData("s:W0mJpTYdNC7vYZxpVnGIV-fd3zGVEoX3.4HYmzmRgCkRkcte79zevWLll61RzxZkMzgAQw6pxS7w")] // tampered id
    [InlineData("")]
    public void A_value_not_signed_by_a_listed_secret_is_no_session(string value)
    {
        Assert.False(new ExpressCookieSigner(["keyboard cat"]).TryUnsign(value, out var id));
        Assert.Null(id);
    }

    [Fact]
    public void A_signer_needs_a_secret()
    {
        Assert.Throws<ArgumentException>(() => new ExpressCookieSigner([]));
        Assert.Throws<ArgumentException>(() => new ExpressCookieSigner(["ok", ""]));
    }

    [Fact]
    public void Set_cookie_is_written_as_the_npm_cookie_package_writes_it()
    {
        var options = new ExpressSessionOptions();
        options.Secrets.Add("keyboard cat");
        var context = new DefaultHttpContext();
        var cookie = new JsonObject
        {
            ["originalMaxAge"] = 3600000,
            ["expires"] = "2026-12-03T14:00:00.000Z",
            ["secure"] = true,
            ["httpOnly"] = true,
            ["domain"] = "example.com",
            ["path"] = "/",
            ["sameSite"] = "lax",
        };

        new ExpressCookies(options).Write(context, Id, cookie);

        Assert.Equal(
            "connect.sid=s%3AW0mJpTYdNC7vYZxpVnGIV-fd3zGVEoX2.4HYmzmRgCkRkcte79zevWLll61RzxZkMzgAQw6pxS7w; Domain=example.com; Path=/; Expires=Thu, 03 Dec 2026 14:00:00 GMT; HttpOnly; Secure; SameSite=Lax",
            context.Response.Headers.SetCookie.ToString());
    }

    [Fact]
    public void A_new_session_is_stored_as_express_session_stores_it()
    {
        var options = new ExpressSessionOptions { CookieMaxAge = TimeSpan.FromHours(1) };
        var document = ExpressSessionDocument.New(options, new DateTimeOffset(2026, 12, 3, 13, 0, 0, TimeSpan.Zero));

        var json = Encoding.UTF8.GetString(document.Encode(new Dictionary<string, byte[]> { ["greeting"] = Encoding.UTF8.GetBytes("\"héllo ✓\"") }));

        Assert.Equal(
            "{\"cookie\":{\"originalMaxAge\":3600000,\"expires\":\"2026-12-03T14:00:00.000Z\",\"httpOnly\":true,\"path\":\"/\"},\"greeting\":\"héllo ✓\"}",
            json);
    }

    [Fact]
    public void A_value_set_from_dotnet_must_be_json()
    {
        Assert.Throws<ArgumentException>(() => ExpressSessionDocument.ValidateValue("name", Encoding.UTF8.GetBytes("ana")));
        Assert.Throws<ArgumentException>(() => ExpressSessionDocument.ValidateValue("cookie", Encoding.UTF8.GetBytes("{}")));
        ExpressSessionDocument.ValidateValue("name", Encoding.UTF8.GetBytes("\"ana\""));
    }
}
