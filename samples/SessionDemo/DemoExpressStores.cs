using System;
using Microsoft.Extensions.DependencyInjection;

namespace SessionDemo;

/// <summary>
/// <c>--store express-redis|express-postgres|express-file</c>: the demo runs on an Express app's sessions, in place: the
/// Express app's signed <c>connect.sid</c> cookie (<c>--express-secret</c>) and the records its express-session store
/// keeps (connect-redis, connect-pg-simple, session-file-store). A user logged in on the Express app is logged in here.
/// </summary>
internal static class DemoExpressStores
{
    public static void Register(IServiceCollection services, DemoSettings settings)
    {
        var secrets = settings.ExpressSecret?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
        if (secrets.Length == 0)
        {
            throw new InvalidOperationException($"--store {settings.Store} needs --express-secret \"<the Express app's session secret>\".");
        }

        // AddSession()/UseSession() stay; this replaces their session with the Express app's.
        services.AddExpressSession(o =>
        {
            foreach (var secret in secrets)
            {
                o.Secrets.Add(secret);
            }

            o.CookieMaxAge = settings.ExpressMaxAge;
        });
        switch (settings.Store)
        {
            case "express-redis":
                services.AddExpressRedisSessionStore(o =>
                {
                    o.ConnectionString = DemoStores.Required(settings);
                    o.KeyPrefix = settings.ExpressPrefix ?? o.KeyPrefix;
                    DemoStores.Common(o, settings);
                });
                break;
            case "express-postgres":
                services.AddExpressPostgresSessionStore(o =>
                {
                    o.ConnectionString = DemoStores.Required(settings);
                    o.TableName = settings.ExpressTable ?? o.TableName;
                    // connect-pg-simple's createTableIfMissing: the demo also runs before any Express app made the table.
                    o.CreateSchemaIfMissing = true;
                    DemoStores.Common(o, settings);
                });
                break;
            case "express-file":
                services.AddExpressFileSessionStore(o =>
                {
                    o.Path = DemoStores.Required(settings);
                    DemoStores.Common(o, settings);
                });
                break;
            default:
                throw new InvalidOperationException($"Unknown --store '{settings.Store}': the Express ones are express-redis, express-postgres, express-file.");
        }
    }
}
