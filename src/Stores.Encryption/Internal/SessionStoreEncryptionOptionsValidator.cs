using Microsoft.Extensions.Options;

namespace SessionStores.Encryption.Internal;

/// <summary>Checks <see cref="SessionStoreEncryptionOptions"/> at start-up, with the messages the constructor uses.</summary>
internal sealed class SessionStoreEncryptionOptionsValidator : IValidateOptions<SessionStoreEncryptionOptions>
{
    public ValidateOptionsResult Validate(string? name, SessionStoreEncryptionOptions options)
    {
        var problems = options.Problems();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
