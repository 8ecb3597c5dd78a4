using System;
using System.Collections.Generic;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SessionStores.Memory;
using Xunit;

namespace SessionStores.Abstractions.Tests;

public sealed class SessionStoreOptionsValidatorTests
{
    [Fact]
    public void Valid_options_have_no_problems()
    {
        var validator = new TestValidator();

        Assert.Empty(validator.Problems(new TestOptions()));
        Assert.True(validator.Validate(null, new TestOptions()).Succeeded);
        validator.ThrowIfInvalid(new TestOptions(), "options");
    }

    [Fact]
    public void The_constructor_exception_names_every_invalid_option_shared_and_own()
    {
        var options = new TestOptions { MaxDataBytes = 0, OperationTimeout = TimeSpan.Zero, Name = "" };

        var error = Assert.Throws<ArgumentException>(() => new TestValidator().ThrowIfInvalid(options, "options"));

        Assert.Equal("options", error.ParamName);
        Assert.Contains("TestOptions.MaxDataBytes must be positive", error.Message, StringComparison.Ordinal);
        Assert.Contains("TestOptions.OperationTimeout must be greater than zero", error.Message, StringComparison.Ordinal);
        Assert.Contains("TestOptions.Name must not be empty", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Dependency_injection_reports_the_same_messages()
    {
        var options = new TestOptions { Name = "" };
        var validator = new TestValidator();

        var result = validator.Validate(null, options);

        Assert.True(result.Failed);
        Assert.Equal(validator.Problems(options), result.Failures);
    }

    [Fact]
    public void AddSessionStore_validates_at_start_with_the_one_validator_and_replaces_an_earlier_store()
    {
        var services = new ServiceCollection();
        services.AddMemorySessionStore();
        services.AddSessionStore<MemorySessionStore, TestOptions, TestValidator>(o => o.Name = "", (_, _) => new MemorySessionStore(new MemorySessionStoreOptions()));
        services.AddSessionStore<MemorySessionStore, TestOptions, TestValidator>(null, (_, _) => new MemorySessionStore(new MemorySessionStoreOptions()));
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<TestOptions>>().Value);
        Assert.Equal(["TestOptions.Name must not be empty."], error.Failures);
        Assert.Single(provider.GetServices<IValidateOptions<TestOptions>>());
        Assert.Single(services, d => d.ServiceType == typeof(ISessionStore));
    }

    public sealed class TestOptions : SessionStoreOptions
    {
        public string Name { get; set; } = "sessions";
    }

    private sealed class TestValidator : SessionStoreOptionsValidator<TestOptions>
    {
        protected override void Validate(TestOptions options, ICollection<string> problems)
        {
            if (string.IsNullOrEmpty(options.Name))
            {
                problems.Add("TestOptions.Name must not be empty.");
            }
        }
    }
}
