using Microsoft.Extensions.Configuration;

namespace TxCoordinator.ServiceDefaults.Settings;

/// <summary>Settings a service (the coordinator or a sample) cannot start without, read once at start-up with an error naming the key.</summary>
public static class ServiceSettings
{
    /// <summary>The connection string <c>ConnectionStrings:{name}</c>; throws when it is missing or blank.</summary>
    public static string RequiredConnectionString(this IConfiguration configuration, string name)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var value = configuration.GetConnectionString(name);
        return string.IsNullOrWhiteSpace(value)
            ? throw new InvalidOperationException($"ConnectionStrings:{name} is not set.")
            : value;
    }

    /// <summary>The broker, <c>ConnectionStrings:RabbitMq</c>: an <c>amqp://</c> or <c>amqps://</c> URI.</summary>
    public static Uri RabbitMqUri(this IConfiguration configuration)
    {
        var text = configuration.RequiredConnectionString("RabbitMq");
        return Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "amqp" or "amqps"
            ? uri
            : throw new InvalidOperationException($"ConnectionStrings:RabbitMq must be an amqp:// or amqps:// URI, not '{text}'.");
    }
}
