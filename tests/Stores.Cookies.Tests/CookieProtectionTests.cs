using System;
using System.Linq;
using System.Net;
using System.Threading.Tasks;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit;

namespace SessionStores.Cookies.Tests;

/// <summary>Data Protection: a tampered cookie and a cookie under a revoked key start a new empty session (logged at
/// Information, no failure); a rotated key ring still reads old cookies and writes new ones with the new key.</summary>
public sealed class CookieProtectionTests
{
    [Fact]
    public async Task A_tampered_cookie_starts_a_new_empty_session_logged_at_information_and_is_deleted()
    {
        await using var site = await CookieSite.StartAsync();
        using var browser = site.NewBrowser();
        await browser.GetAsync("/set?key=a&value=1");
        var value = browser.Jar[CookieSite.DataCookie];
        var i = value.Length / 2;
        browser.Jar[CookieSite.DataCookie] = value[..i] + (value[i] == 'A' ? 'B' : 'A') + value[(i + 1)..];

        Assert.Equal("(none)", await browser.GetAsync("/read?key=a"));
        Assert.True(site.Logs.Has(1800, LogLevel.Information));
        Assert.True(browser.LastDeleted(CookieSite.DataCookie));

        // Garbage that is not even base64url, the same.
        browser.Jar[CookieSite.DataCookie] = "%%%not-base64%%%";
        Assert.Equal("(none)", await browser.GetAsync("/read?key=a"));
        Assert.Equal(2, site.Logs.Entries.Count(e => e.Id.Id == 1800 && e.Level == LogLevel.Information));
        Assert.DoesNotContain(site.Logs.Entries, e => e.Category.StartsWith("SessionStores", StringComparison.Ordinal) && e.Level >= LogLevel.Warning);
    }

    [Fact]
    public async Task After_key_rotation_old_cookies_still_read_new_writes_use_the_new_key_and_a_revoked_key_starts_afresh()
    {
        await using var site = await CookieSite.StartAsync();
        var keys = site.Services.GetRequiredService<IKeyManager>();
        using var browser = site.NewBrowser();
        await browser.GetAsync("/set?key=a&value=1");
        var oldCookie = browser.SessionCookies();
        var oldKey = KeyIdOf(browser.Jar[CookieSite.DataCookie]);
        Assert.Contains(keys.GetAllKeys(), k => k.KeyId == oldKey);

        // Given a new default key (the most recently activated one; the old one stays in the ring, neither expired nor
        // revoked).
        var newKey = keys.CreateNewKey(DateTimeOffset.UtcNow.AddSeconds(1), DateTimeOffset.UtcNow.AddDays(90)).KeyId;

        // The old cookie still reads; a write re-protects the session with the new key once the key ring, refreshed in
        // the background, has it.
        Assert.Equal("1", await browser.GetAsync("/read?key=a"));
        var writes = 0;
        Assert.True(
            await EventuallyAsync(async () =>
            {
                await browser.GetAsync($"/set?key=b&value={++writes}");
                return KeyIdOf(browser.Jar[CookieSite.DataCookie]) == newKey;
            }),
            "the session was never re-protected with the new default key");
        Assert.Equal("1", await browser.GetAsync("/read?key=a"));

        // Revoking the old key ends the sessions still protected with it, without a failure.
        // The key ring is refreshed in the background after the revocation: the old cookie is read until it is.
        keys.RevokeKey(oldKey, "test: key compromised");
        using var oldBrowser = site.NewBrowser();
        Assert.True(
            await EventuallyAsync(async () =>
            {
                oldBrowser.RestoreSessionCookies(oldCookie);
                return await oldBrowser.GetAsync("/read?key=a") == "(none)";
            }),
            "a cookie protected with the revoked key was still read");
        Assert.True(site.Logs.Has(1800, LogLevel.Information));
        Assert.Equal(writes.ToString(System.Globalization.CultureInfo.InvariantCulture), await browser.GetAsync("/read?key=b"));
    }

    [Fact]
    public async Task A_cookie_of_another_purpose_is_not_read()
    {
        var keyDirectory = CookieSite.NewKeyDirectory();
        await using var first = await CookieSite.StartAsync(o => o.Purpose = "app-one", keyDirectory: keyDirectory);
        using var browser = first.NewBrowser();
        await browser.GetAsync("/set?key=a&value=1");
        await using var second = await CookieSite.StartAsync(o => o.Purpose = "app-two", keyDirectory: keyDirectory);
        using var other = second.NewBrowser();
        other.RestoreSessionCookies(browser.SessionCookies());
        using var response = await other.SendAsync("/read?key=a");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("(none)", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    /// <summary>Polls <paramref name="condition"/> for up to 30 s: Data Protection refreshes its key ring in the
    /// background after a key is created or revoked, so the change reaches the protector shortly after, not at once.</summary>
    private static async Task<bool> EventuallyAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        return true;
    }

    /// <summary>The key id in a Data Protection payload: after the 4-byte magic header, 16 bytes of GUID.</summary>
    private static Guid KeyIdOf(string cookie)
    {
        var bytes = System.Buffers.Text.Base64Url.DecodeFromChars(cookie);
        Assert.Equal(new byte[] { 0x09, 0xF0, 0xC9, 0xF0 }, bytes[..4]);
        return new Guid(bytes.AsSpan(4, 16));
    }
}
