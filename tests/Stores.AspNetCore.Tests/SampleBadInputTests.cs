using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using SessionDemo;
using Xunit;

namespace SessionStores.AspNetCore.Tests;

/// <summary>
/// The sample over HTTP, as curl or a script would hit it (on its default File store, in this process on a free
/// loopback port): every malformed request gets a 4xx with a plain-text message, never a 500; the admin actions need an
/// antiforgery token, ask for confirmation and report what they did.
/// </summary>
public sealed partial class SampleBadInputTests : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "sessionstores-sample-input", Guid.NewGuid().ToString("N"));
    private WebApplication? _app;
    private Uri? _address;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _app = DemoApp.Build(["--store", "file", "--connection", _directory, "--urls", "http://127.0.0.1:0"]);
        await _app.StartAsync(Token);
        _address = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    public static TheoryData<string, string?, string> MalformedLogins { get; } = new()
    {
        { "no content type", null, "" },
        { "JSON", "application/json", """{"username":"alice","password":"demo"}""" },
        { "plain text", "text/plain", "username=alice&password=demo" },
        { "multipart without a boundary", "multipart/form-data", "--x\r\nContent-Disposition: form-data; name=\"username\"\r\n\r\nalice\r\n--x--\r\n" },
        { "multipart with a broken body", "multipart/form-data; boundary=x", "--x\r\nno headers and no end" },
        { "a user name with a newline", "application/x-www-form-urlencoded", "username=alice%0Aadmin&password=demo" },
        { "a user name with NUL", "application/x-www-form-urlencoded", "username=al%00ice&password=demo" },
        { "an empty user name", "application/x-www-form-urlencoded", "username=&password=demo" },
        { "a user name too long", "application/x-www-form-urlencoded", "username=" + new string('a', 65) + "&password=demo" },
        { "a wrong password", "application/x-www-form-urlencoded", "username=alice&password=nope" },
    };

    [Theory]
    [MemberData(nameof(MalformedLogins))]
    public async Task A_malformed_login_gets_a_plain_4xx(string what, string? contentType, string body)
    {
        using var client = NewClient();

        using var response = await client.PostAsync("/login", Content(contentType, body), Token);

        await AssertPlain4xxAsync(response, what);
    }

    [Theory]
    [InlineData("/set-session?key=views&value=1")]
    [InlineData("/set-session?key=user&value=admin")]
    [InlineData("/set-session?key=&value=1")]
    [InlineData("/set-session?key=a%0Ab&value=1")]
    public async Task A_bad_session_key_gets_a_plain_400_with_real_line_breaks(string url)
    {
        using var client = NewClient();

        using var response = await client.GetAsync(url, Token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var text = await AssertPlain4xxAsync(response, url);
        Assert.EndsWith("\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\\n", text, StringComparison.Ordinal);
        Assert.False(text.StartsWith('"'), "the message is not a JSON string");
    }

    [Theory]
    [InlineData("/admin/destroy")]
    [InlineData("/admin/sign-out")]
    public async Task An_admin_action_that_is_not_a_form_gets_415_signed_in_or_not(string action)
    {
        using var admin = await LoggedInAsync("admin");
        using var anonymous = NewClient();

        foreach (var client in new[] { admin, anonymous })
        {
            using var bare = await client.PostAsync(action, null, Token);
            using var json = await client.PostAsync(action, Content("application/json", """{"id":"x"}"""), Token);

            Assert.Equal(HttpStatusCode.UnsupportedMediaType, bare.StatusCode);
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, json.StatusCode);
            await AssertPlain4xxAsync(bare, action);
        }
    }

    [Fact]
    public async Task An_admin_form_without_a_valid_antiforgery_token_changes_nothing()
    {
        using var alice = await LoggedInAsync("alice");
        using var admin = await LoggedInAsync("admin");
        var token = await AdminTokenAsync(admin);

        using var noToken = await admin.PostAsync("/admin/sign-out", Form(("subject", "alice"), ("confirm", "yes")), Token);
        using var wrongToken = await admin.PostAsync("/admin/sign-out", Form(("subject", "alice"), ("confirm", "yes"), ("__RequestVerificationToken", token + "x")), Token);

        var text = await AssertPlain4xxAsync(noToken, "no token");
        Assert.Contains("antiforgery", text, StringComparison.Ordinal);
        await AssertPlain4xxAsync(wrongToken, "a wrong token");
        Assert.Contains("user=alice", await alice.GetStringAsync("/get-session", Token), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/admin/destroy", "id", "not/an/id")]
    [InlineData("/admin/destroy", "id", "")]
    [InlineData("/admin/sign-out", "subject", "alice\nbob")]
    [InlineData("/admin/sign-out", "subject", "")]
    public async Task An_admin_form_with_a_bad_field_gets_a_plain_400(string action, string field, string value)
    {
        using var admin = await LoggedInAsync("admin");
        var token = await AdminTokenAsync(admin);

        using var response = await admin.PostAsync(action, Form((field, value), ("confirm", "yes"), ("__RequestVerificationToken", token)), Token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var text = await AssertPlain4xxAsync(response, action);
        if (value.Length > 0)
        {
            Assert.DoesNotContain(value, text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Signing_a_user_out_asks_first_then_reports_how_many_sessions_it_destroyed()
    {
        using var laptop = await LoggedInAsync("alice");
        using var phone = await LoggedInAsync("alice");
        using var admin = await LoggedInAsync("admin");
        var token = await AdminTokenAsync(admin);

        // The first post only asks: nothing is destroyed yet.
        using var ask = await admin.PostAsync("/admin/sign-out", Form(("subject", "alice"), ("__RequestVerificationToken", token)), Token);
        var question = await ask.Content.ReadAsStringAsync(Token);
        Assert.Equal(HttpStatusCode.OK, ask.StatusCode);
        Assert.Contains("Sign alice out everywhere? This destroys the 2 live session(s) of alice.", question, StringComparison.Ordinal);
        Assert.Contains("name=\"confirm\" value=\"yes\"", question, StringComparison.Ordinal);
        Assert.Contains("user=alice", await laptop.GetStringAsync("/get-session", Token), StringComparison.Ordinal);

        // Confirmed (with the confirmation page's own token): done, and the list says what happened.
        using var confirm = await admin.PostAsync("/admin/sign-out", Form(("subject", "alice"), ("confirm", "yes"), ("__RequestVerificationToken", TokenIn(question))), Token);
        Assert.Equal(HttpStatusCode.Redirect, confirm.StatusCode);
        Assert.Contains("Signed alice out everywhere: destroyed 2 session(s).", await admin.GetStringAsync("/admin", Token), StringComparison.Ordinal);
        Assert.Equal("(empty session)\n", await laptop.GetStringAsync("/get-session", Token));
        Assert.Equal("(empty session)\n", await phone.GetStringAsync("/get-session", Token));
        Assert.DoesNotContain("Signed alice out", await admin.GetStringAsync("/admin", Token), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Destroying_a_session_asks_first_then_reports_it_by_tag()
    {
        using var bob = await LoggedInAsync("bob");
        using var admin = await LoggedInAsync("admin");
        var page = await admin.GetStringAsync("/admin", Token);
        var bobsId = WebUtility.HtmlDecode(BobsRow().Match(page).Groups["id"].Value);
        Assert.NotEmpty(bobsId);

        using var ask = await admin.PostAsync("/admin/destroy", Form(("id", bobsId), ("__RequestVerificationToken", TokenIn(page))), Token);
        var question = await ask.Content.ReadAsStringAsync(Token);
        Assert.Contains($"Destroy session {SessionValidation.Tag(bobsId)}?", question, StringComparison.Ordinal);
        Assert.Contains("user=bob", await bob.GetStringAsync("/get-session", Token), StringComparison.Ordinal);

        using var confirm = await admin.PostAsync("/admin/destroy", Form(("id", bobsId), ("confirm", "yes"), ("__RequestVerificationToken", TokenIn(question))), Token);
        Assert.Equal(HttpStatusCode.Redirect, confirm.StatusCode);
        Assert.Contains($"Destroyed session {SessionValidation.Tag(bobsId)}.", await admin.GetStringAsync("/admin", Token), StringComparison.Ordinal);
        Assert.Equal("(empty session)\n", await bob.GetStringAsync("/get-session", Token));
    }

    private static async Task<string> AssertPlain4xxAsync(HttpResponseMessage response, string what)
    {
        var text = await response.Content.ReadAsStringAsync(Token);
        Assert.True((int)response.StatusCode is >= 400 and < 500, $"{what}: expected a 4xx, got {(int)response.StatusCode}: {text}");
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.False(string.IsNullOrWhiteSpace(text), $"{what}: the reply says nothing");
        Assert.DoesNotContain(text.TrimEnd('\n'), c => char.IsControl(c) && c != '\n');
        return text;
    }

    private HttpClient NewClient() =>
        new(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = _address };

    private async Task<HttpClient> LoggedInAsync(string user)
    {
        var client = NewClient();
        using var response = await client.PostAsync("/login", Form(("username", user), ("password", "demo")), Token);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return client;
    }

    private static async Task<string> AdminTokenAsync(HttpClient admin) => TokenIn(await admin.GetStringAsync("/admin", Token));

    private static string TokenIn(string html) =>
        WebUtility.HtmlDecode(Assert.Single(TokenField().Matches(html).Select(m => m.Groups["token"].Value).Distinct()));

    private static FormUrlEncodedContent Form(params (string Name, string Value)[] fields) =>
        new(fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value)));

    private static HttpContent? Content(string? contentType, string body)
    {
        if (contentType is null)
        {
            return body.Length == 0 ? null : new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        }

        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        return content;
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"(?<token>[^\"]+)\"")]
    private static partial Regex TokenField();

    [GeneratedRegex("<tr data-subject=\"bob\" data-id=\"(?<id>[^\"]+)\"")]
    private static partial Regex BobsRow();
}
