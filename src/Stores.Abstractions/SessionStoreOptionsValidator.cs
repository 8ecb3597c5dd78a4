using System;
using System.Collections.Generic;
using Microsoft.Extensions.Options;

namespace SessionStores;

/// <summary>
/// The one validator of a store's options type, used both by the store's constructor (<see cref="ThrowIfInvalid"/>,
/// an <see cref="ArgumentException"/>) and by dependency injection at start-up (as <see cref="IValidateOptions{TOptions}"/>,
/// an <see cref="OptionsValidationException"/>), so the two can never disagree. It checks the options every store shares
/// (<see cref="SessionStoreOptions"/>); a store adds its own in <see cref="Validate(TOptions, ICollection{string})"/>.
/// </summary>
/// <typeparam name="TOptions">The store's options.</typeparam>
public abstract class SessionStoreOptionsValidator<TOptions> : IValidateOptions<TOptions>
    where TOptions : SessionStoreOptions
{
    /// <summary>Every problem of <paramref name="options"/>, one message each naming the option (for example
    /// <c>RedisSessionStoreOptions.KeyPrefix must not be empty.</c>); none when they are valid.</summary>
    /// <param name="options">The options.</param>
    /// <returns>The messages.</returns>
    public IReadOnlyList<string> Problems(TOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        var type = typeof(TOptions).Name;
        if (options.MaxDataBytes <= 0)
        {
            problems.Add($"{type}.MaxDataBytes must be positive (it is {options.MaxDataBytes}).");
        }

        if (SessionStoreOperationRunner.ValidateOperationTimeout(options.OperationTimeout, type) is { } timeout)
        {
            problems.Add(timeout);
        }

        Validate(options, problems);
        return problems;
    }

    /// <summary>Throws when <paramref name="options"/> are invalid: what a store's constructor calls first.</summary>
    /// <param name="options">The options.</param>
    /// <param name="paramName">The constructor's parameter, for the exception.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">An option is invalid; the message names every invalid one.</exception>
    public void ThrowIfInvalid(TOptions options, string paramName)
    {
        ArgumentNullException.ThrowIfNull(options, paramName);
        var problems = Problems(options);
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", problems), paramName);
        }
    }

    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = Problems(options);
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    /// <summary>Adds the problems of the store's own options to <paramref name="problems"/>, one message each naming
    /// the option; the shared options are already checked.</summary>
    /// <param name="options">The options.</param>
    /// <param name="problems">Where the messages go.</param>
    protected abstract void Validate(TOptions options, ICollection<string> problems);

    /// <summary>Adds a problem unless the pruning interval <paramref name="value"/> of option
    /// <paramref name="property"/> is positive and fits a timer (at most <see cref="int.MaxValue"/> milliseconds, about
    /// 24 days).</summary>
    /// <param name="property">The option's property name.</param>
    /// <param name="value">Its value.</param>
    /// <param name="problems">Where the message goes.</param>
    protected static void RequireTimerInterval(string property, TimeSpan value, ICollection<string> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        if (value <= TimeSpan.Zero || value.TotalMilliseconds > int.MaxValue)
        {
            problems.Add($"{typeof(TOptions).Name}.{property} must be positive and below 24 days (it is {value}).");
        }
    }

    /// <summary>Adds a problem unless <paramref name="value"/> of option <paramref name="property"/> is positive.</summary>
    /// <param name="property">The option's property name.</param>
    /// <param name="value">Its value.</param>
    /// <param name="problems">Where the message goes.</param>
    protected static void RequirePositive(string property, long value, ICollection<string> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        if (value <= 0)
        {
            problems.Add($"{typeof(TOptions).Name}.{property} must be positive (it is {value}).");
        }
    }
}
