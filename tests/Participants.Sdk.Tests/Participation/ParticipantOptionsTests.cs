using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TxCoordinator.Participants.Client;
using TxCoordinator.Participants.Participation;

namespace TxCoordinator.Participants.Sdk.Tests.Participation;

public sealed class ParticipantOptionsTests
{
    private static ParticipantOptions Resolve(Action<ParticipantOptions>? configure, IDictionary<string, string?>? settings = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings ?? new Dictionary<string, string?>()).Build());
        services.AddTransactionParticipant(configure);
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<ParticipantOptions>>().Value;
    }

    private static void Valid(ParticipantOptions o)
    {
        o.ParticipantId = "inventory";
        o.ConnectionString = "Host=127.0.0.1;Database=inventory";
        o.CoordinatorUrls = [new Uri("http://127.0.0.1:5000/")];
    }

    [Fact]
    public void Options_Valid_DefaultsEndpointNameAndIntervals()
    {
        var options = Resolve(Valid);

        Assert.Equal("txc-participant-inventory", options.ResolvedEndpointName);
        Assert.Equal("txc-coordinator", options.CoordinatorQueue);
        Assert.Equal(TimeSpan.FromSeconds(5), options.RecoveryInterval);
        Assert.Equal(TimeSpan.FromSeconds(10), options.RecoveryGracePeriod);
        Assert.Equal(TimeSpan.FromSeconds(5), options.OpenWorkTimeoutGrace);
    }

    [Fact]
    public void Options_ConfigurationSection_IsBound()
    {
        var options = Resolve(null, new Dictionary<string, string?>
        {
            ["TransactionParticipant:ParticipantId"] = "payments",
            ["TransactionParticipant:ConnectionString"] = "Host=db;Database=payments",
            ["TransactionParticipant:CoordinatorUrls:0"] = "http://10.0.0.1:8080/",
            ["TransactionParticipant:CoordinatorUrls:1"] = "http://10.0.0.2:8080/",
            ["TransactionParticipant:EndpointName"] = "payments-2pc",
            ["TransactionParticipant:RecoveryInterval"] = "00:00:30",
        });

        Assert.Equal("payments", options.ParticipantId);
        Assert.Equal(2, options.CoordinatorUrls.Count);
        Assert.Equal("payments-2pc", options.ResolvedEndpointName);
        Assert.Equal(TimeSpan.FromSeconds(30), options.RecoveryInterval);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Inventory")]
    [InlineData("inventory service")]
    public void Options_InvalidParticipantId_FailValidation(string? participantId)
    {
        var error = Assert.Throws<OptionsValidationException>(() => Resolve(o =>
        {
            Valid(o);
            o.ParticipantId = participantId!;
        }));

        Assert.Contains("ParticipantId", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_NoCoordinatorUrl_FailValidation()
    {
        Assert.Throws<OptionsValidationException>(() => Resolve(o =>
        {
            Valid(o);
            o.CoordinatorUrls = [];
        }));
    }

    [Fact]
    public void Options_RelativeCoordinatorUrl_FailValidation()
    {
        var error = Assert.Throws<OptionsValidationException>(() => Resolve(o =>
        {
            Valid(o);
            o.CoordinatorUrls = [new Uri("/coordinator", UriKind.Relative)];
        }));

        Assert.Contains("absolute", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_MissingConnectionString_FailValidation()
    {
        Assert.Throws<OptionsValidationException>(() => Resolve(o =>
        {
            Valid(o);
            o.ConnectionString = "";
        }));
    }

    [Fact]
    public void Options_NonPositiveRecoveryInterval_FailValidation()
    {
        Assert.Throws<OptionsValidationException>(() => Resolve(o =>
        {
            Valid(o);
            o.RecoveryInterval = TimeSpan.Zero;
        }));
    }

    [Fact]
    public void CoordinatorClientOptions_NoUrl_FailValidation()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddTransactionCoordinatorClient();
        using var provider = services.BuildServiceProvider();

        Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<CoordinatorClientOptions>>().Value);
    }

    [Fact]
    public void CoordinatorClientOptions_ConfigurationSection_IsBound()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["TransactionCoordinator:Urls:0"] = "http://127.0.0.1:5100/",
            ["TransactionCoordinator:RequestTimeout"] = "00:00:05",
        }).Build());
        services.AddTransactionCoordinatorClient();
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<CoordinatorClientOptions>>().Value;

        Assert.Equal(new Uri("http://127.0.0.1:5100/"), Assert.Single(options.Urls));
        Assert.Equal(TimeSpan.FromSeconds(5), options.RequestTimeout);
        Assert.IsType<TransactionCoordinatorClient>(provider.GetRequiredService<ITransactionCoordinatorClient>());
    }
}
