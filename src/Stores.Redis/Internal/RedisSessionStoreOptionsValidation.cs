using Microsoft.Extensions.Options;

namespace SessionStores.Redis.Internal;

/// <summary>
/// Validates <see cref="RedisSessionStoreOptions"/> for dependency injection with the same rules and messages as the
/// store's constructor, so a start-up failure names the exact setting to fix.
/// </summary>
internal sealed class RedisSessionStoreOptionsValidation : IValidateOptions<RedisSessionStoreOptions>
{
    public ValidateOptionsResult Validate(string? name, RedisSessionStoreOptions options)
    {
        // AddRedisSessionStore configures the default (unnamed) options only.
        if (name is not null && name != Options.DefaultName)
        {
            return ValidateOptionsResult.Skip;
        }

        var problem = RedisSessionStore.Validate(options);
        return problem is null ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problem);
    }
}
