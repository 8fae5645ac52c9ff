using Microsoft.Extensions.Configuration;
using TxCoordinator.ServiceDefaults.Settings;

namespace TxCoordinator.Coordinator.Tests.ServiceDefaults;

public sealed class ServiceSettingsTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    public void RequiredConnectionString_MissingOrBlank_NamesTheKey(string? value)
    {
        var configuration = Configuration(("ConnectionStrings:Inventory", value));

        var error = Assert.Throws<InvalidOperationException>(() => configuration.RequiredConnectionString("Inventory"));

        Assert.Equal("ConnectionStrings:Inventory is not set.", error.Message);
    }

    [Fact]
    public void RequiredConnectionString_Set_IsReturnedAsItIs()
    {
        var configuration = Configuration(("ConnectionStrings:Inventory", "Host=127.0.0.1;Database=inventory"));

        Assert.Equal("Host=127.0.0.1;Database=inventory", configuration.RequiredConnectionString("Inventory"));
    }

    [Theory]
    [InlineData("amqp://guest:guest@127.0.0.1:5672/", "amqp")]
    [InlineData("amqps://broker.example:5671/vhost", "amqps")]
    public void RabbitMqUri_AmqpUri_IsAccepted(string value, string scheme)
    {
        var uri = Configuration(("ConnectionStrings:RabbitMq", value)).RabbitMqUri();

        Assert.Equal(scheme, uri.Scheme);
        Assert.Equal(new Uri(value), uri);
    }

    [Theory]
    [InlineData("http://127.0.0.1:15672/")]
    [InlineData("127.0.0.1:5672")]
    [InlineData("Host=127.0.0.1")]
    public void RabbitMqUri_NotAnAmqpUri_SaysWhatItMustBe(string value)
    {
        var configuration = Configuration(("ConnectionStrings:RabbitMq", value));

        var error = Assert.Throws<InvalidOperationException>(configuration.RabbitMqUri);

        Assert.Equal($"ConnectionStrings:RabbitMq must be an amqp:// or amqps:// URI, not '{value}'.", error.Message);
    }

    [Fact]
    public void RabbitMqUri_Missing_NamesTheKey()
    {
        var error = Assert.Throws<InvalidOperationException>(Configuration().RabbitMqUri);

        Assert.Equal("ConnectionStrings:RabbitMq is not set.", error.Message);
    }

    private static IConfiguration Configuration(params (string Key, string? Value)[] settings) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build();
}
