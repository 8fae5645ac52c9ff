using System.Globalization;
using System.Text;
using RabbitMQ.Client;

namespace TxCoordinator.TestInfrastructure;

/// <summary>A message read from a queue by <see cref="RabbitMqServer.PeekAsync"/>: its body and its AMQP properties and headers.</summary>
/// <param name="Headers">Header values as text (AMQP long strings arrive as bytes and are decoded as UTF-8).</param>
public sealed record QueuedMessage(byte[] Body, string? ContentType, string? MessageId, IReadOnlyDictionary<string, string?> Headers)
{
    public string BodyText => Encoding.UTF8.GetString(Body);

    /// <summary>A header's value; null when the message has no such header.</summary>
    public string? Header(string name) => Headers.GetValueOrDefault(name);

    internal static QueuedMessage From(BasicGetResult result)
    {
        var headers = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (key, value) in result.BasicProperties.Headers ?? new Dictionary<string, object?>())
        {
            headers[key] = value switch
            {
                null => null,
                byte[] bytes => Encoding.UTF8.GetString(bytes),
                IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
                _ => value.ToString(),
            };
        }

        return new QueuedMessage(result.Body.ToArray(), result.BasicProperties.ContentType, result.BasicProperties.MessageId, headers);
    }
}
