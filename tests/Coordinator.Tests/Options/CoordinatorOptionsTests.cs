using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace TxCoordinator.Coordinator.Tests.Options;

public sealed class CoordinatorOptionsTests
{
    /// <summary>
    /// Registers the coordinator exactly as <c>Program.cs</c> does, with the given "Coordinator" settings. Nothing is
    /// started: the connection strings only need to be well-formed.
    /// </summary>
    private static ServiceProvider Register(IDictionary<string, string?>? settings = null, Action<CoordinatorOptions>? configure = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        var configuration = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Coordinator"] = "Host=127.0.0.1;Database=txc_coordinator",
            ["ConnectionStrings:RabbitMq"] = "amqp://guest:guest@127.0.0.1:5672/",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[$"{CoordinatorOptions.SectionName}:{key}"] = value;
        }

        builder.Configuration.AddInMemoryCollection(configuration);
        builder.AddCoordinator(configure);
        return builder.Services.BuildServiceProvider();
    }

    private static OptionsValidationException Rejected(IDictionary<string, string?>? settings = null, Action<CoordinatorOptions>? configure = null)
    {
        using var provider = Register(settings, configure);
        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<CoordinatorOptions>>().Value);
        Assert.Equal(typeof(CoordinatorOptions), error.OptionsType);
        return error;
    }

    private static string RangeFailure(string member, string range) =>
        $"DataAnnotation validation failed for 'CoordinatorOptions' members: '{member}' with the error: 'The field {member} must be between {range}.'.";

    [Fact]
    public void AddCoordinator_NoSettings_UsesTheDocumentedDefaultsAndPassesStartUpValidation()
    {
        using var provider = Register();

        provider.GetRequiredService<IStartupValidator>().Validate();
        var options = provider.GetRequiredService<IOptions<CoordinatorOptions>>().Value;

        Assert.Equal("txc-coordinator", options.QueueName);
        Assert.Equal(TimeSpan.FromSeconds(30), options.DefaultTimeout);
        Assert.Equal(TimeSpan.FromMinutes(10), options.MaxTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(500), options.SweepInterval);
        Assert.Equal(TimeSpan.FromSeconds(1), options.ResendInitialDelay);
        Assert.Equal(TimeSpan.FromSeconds(30), options.ResendMaxDelay);
        Assert.Equal(10, options.StuckAfterAttempts);
        Assert.Equal(TimeSpan.FromSeconds(30), options.OnePhaseWait);
        Assert.Equal(500, options.SweepBatchSize);
        Assert.Equal(TimeSpan.FromDays(1), options.FinishedRetention);
        Assert.False(options.PublisherConfirmation);
        Assert.False(options.ApplyMigrationsOnStartup);
    }

    [Fact]
    public void AddCoordinator_ValidSettings_AreBoundFromTheCoordinatorSection()
    {
        using var provider = Register(new Dictionary<string, string?>
        {
            ["QueueName"] = "txc-coordinator-eu.1",
            ["DefaultTimeout"] = "00:00:05",
            ["ResendInitialDelay"] = "00:00:00.250",
            ["StuckAfterAttempts"] = "3",
            ["ApplyMigrationsOnStartup"] = "true",
            ["PublisherConfirmation"] = "true",
        });

        var options = provider.GetRequiredService<IOptions<CoordinatorOptions>>().Value;

        Assert.Equal("txc-coordinator-eu.1", options.QueueName);
        Assert.Equal(TimeSpan.FromSeconds(5), options.DefaultTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(250), options.ResendInitialDelay);
        Assert.Equal(3, options.StuckAfterAttempts);
        Assert.True(options.ApplyMigrationsOnStartup);
        Assert.True(options.PublisherConfirmation);
    }

    [Theory]
    [InlineData("DefaultTimeout", "00:00:00", "00:00:00.1000000 and 01:00:00")]
    [InlineData("DefaultTimeout", "-00:00:01", "00:00:00.1000000 and 01:00:00")]
    [InlineData("MaxTimeout", "2.00:00:00", "00:00:01 and 1.00:00:00")]
    [InlineData("SweepInterval", "00:00:00", "00:00:00.0500000 and 00:01:00")]
    [InlineData("SweepInterval", "00:02:00", "00:00:00.0500000 and 00:01:00")]
    [InlineData("ResendInitialDelay", "00:00:00.010", "00:00:00.0500000 and 00:05:00")]
    [InlineData("ResendMaxDelay", "02:00:00", "00:00:00.1000000 and 01:00:00")]
    [InlineData("StuckAfterAttempts", "0", "1 and 1000")]
    [InlineData("StuckAfterAttempts", "1001", "1 and 1000")]
    [InlineData("OnePhaseWait", "00:00:00", "00:00:00.1000000 and 00:10:00")]
    [InlineData("SweepBatchSize", "0", "1 and 100000")]
    [InlineData("FinishedRetention", "00:00:30", "00:01:00 and 3650.00:00:00")]
    public void AddCoordinator_SettingOutOfRange_IsRejectedNamingTheSettingAndItsRange(string setting, string value, string range)
    {
        var error = Rejected(new Dictionary<string, string?> { [setting] = value });

        Assert.Equal([RangeFailure(setting, range)], error.Failures);
    }

    [Fact]
    public void AddCoordinator_EmptyQueueName_IsRejectedAsRequired()
    {
        var error = Rejected(new Dictionary<string, string?> { ["QueueName"] = "" });

        Assert.Equal(
            ["DataAnnotation validation failed for 'CoordinatorOptions' members: 'QueueName' with the error: 'The QueueName field is required.'."],
            error.Failures);
    }

    [Theory]
    [InlineData("bad queue")]
    [InlineData("-starts-with-dash")]
    [InlineData("queue/with/slashes")]
    public void AddCoordinator_QueueNameRabbitMqWouldRefuse_IsRejectedWithThePattern(string queueName)
    {
        var error = Rejected(new Dictionary<string, string?> { ["QueueName"] = queueName });

        Assert.Equal(
            ["DataAnnotation validation failed for 'CoordinatorOptions' members: 'QueueName' with the error: "
             + $"'The field QueueName must match the regular expression '{QueueNames.Pattern}'.'."],
            error.Failures);
    }

    [Fact]
    public void AddCoordinator_DefaultTimeoutAboveMaxTimeout_IsRejected()
    {
        var error = Rejected(new Dictionary<string, string?> { ["DefaultTimeout"] = "00:20:00", ["MaxTimeout"] = "00:10:00" });

        Assert.Equal(["Coordinator:DefaultTimeout must not exceed Coordinator:MaxTimeout."], error.Failures);
    }

    [Fact]
    public void AddCoordinator_ResendInitialDelayAboveResendMaxDelay_IsRejected()
    {
        var error = Rejected(new Dictionary<string, string?> { ["ResendInitialDelay"] = "00:01:00", ["ResendMaxDelay"] = "00:00:30" });

        Assert.Equal(["Coordinator:ResendInitialDelay must not exceed Coordinator:ResendMaxDelay."], error.Failures);
    }

    [Fact]
    public void AddCoordinator_LowerBoundsEqualToUpperBounds_AreAccepted()
    {
        using var provider = Register(new Dictionary<string, string?>
        {
            ["DefaultTimeout"] = "00:01:00",
            ["MaxTimeout"] = "00:01:00",
            ["ResendInitialDelay"] = "00:00:05",
            ["ResendMaxDelay"] = "00:00:05",
        });

        var options = provider.GetRequiredService<IOptions<CoordinatorOptions>>().Value;

        Assert.Equal((options.MaxTimeout, options.ResendMaxDelay), (options.DefaultTimeout, options.ResendInitialDelay));
    }

    [Fact]
    public void AddCoordinator_SeveralBadSettings_ReportsEachOfThem()
    {
        var error = Rejected(new Dictionary<string, string?> { ["StuckAfterAttempts"] = "0", ["SweepBatchSize"] = "0" });

        Assert.Contains(RangeFailure("StuckAfterAttempts", "1 and 1000"), error.Failures);
        Assert.Contains(RangeFailure("SweepBatchSize", "1 and 100000"), error.Failures);
        Assert.Contains("StuckAfterAttempts", error.Message, StringComparison.Ordinal);
        Assert.Contains("SweepBatchSize", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddCoordinator_ConfigureDelegate_IsValidatedLikeConfiguration()
    {
        var error = Rejected(configure: o => o.StuckAfterAttempts = 0);

        Assert.Equal([RangeFailure("StuckAfterAttempts", "1 and 1000")], error.Failures);
    }

    [Fact]
    public void AddCoordinator_InvalidSettings_FailStartUpValidation()
    {
        // ValidateOnStart: the host refuses to start rather than fail on the first request that reads the options.
        using var provider = Register(new Dictionary<string, string?> { ["SweepInterval"] = "00:00:00" });

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Equal([RangeFailure("SweepInterval", "00:00:00.0500000 and 00:01:00")], error.Failures);
    }
}
