using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using TxCoordinator.Contracts;
using TxCoordinator.IntegrationTests.Stack;

namespace TxCoordinator.IntegrationTests.BadInput;

/// <summary>
/// Malformed messages put straight into the real processes' queues (raw bytes, bypassing MassTransit's serializer):
/// each must land in MassTransit's <c>&lt;queue&gt;_error</c> queue with the reason logged, and the consumer must
/// keep running, which a normal order committed end to end afterwards proves.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class BusBadInputTests(ServiceStack stack)
{
    private const string EnvelopeContentType = "application/vnd.masstransit+json";
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(20);

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    /// <summary>
    /// Kinds of malformed message sent to the coordinator's queue, and what its log must say about each ({0} is the
    /// message id, {1} the queue). What MassTransit cannot deserialize never reaches a consumer: its R-FAULT line
    /// carries the reason; what the consumers reject is logged by them with the reason.
    /// </summary>
    public static TheoryData<string, string[]> CoordinatorCases => new()
    {
        { "not-json", ["/{1} {0} ", "'t' is an invalid start of a property name"] },
        { "no-content-type", ["/{1} {0} ", "'0xDE' is an invalid start of a value"] },
        { "vote-empty-transaction-id", ["Rejected malformed ParticipantVoted (message {0}): transactionId is missing or empty"] },
        { "vote-empty-participant-id", ["Rejected malformed ParticipantVoted (message {0}): participantId is missing"] },
        { "vote-unknown-number", ["Rejected malformed ParticipantVoted (message {0}): vote 7 is unknown (expected one of Yes, No, ReadOnly)"] },
        { "vote-unknown-name", ["/{1} {0} ", "could not be converted to TxCoordinator.Contracts.ParticipantVoted. Path: $.vote"] },
        { "ack-unknown-outcome", ["Rejected malformed ParticipantCompleted (message {0}): outcome 9 is unknown (expected one of Committed, Aborted)"] },
        { "acks-empty", ["Rejected malformed ParticipantsCompleted (message {0}): the batch is missing or empty"] },
        { "acks-one-malformed", ["Rejected malformed ParticipantsCompleted (message {0}): participantId is missing"] },
        { "acks-null-item", ["Rejected malformed ParticipantsCompleted (message {0}): the batch holds a null item"] },
    };

    [Theory]
    [MemberData(nameof(CoordinatorCases))]
    public async Task Coordinator_MalformedMessage_GoesToErrorQueueAndConsumerKeepsRunning(string kind, string[] expectedLog)
    {
        Assert.SkipWhen(stack.SkipReason is not null, stack.SkipReason ?? "");
        var errorQueue = stack.CoordinatorQueue + "_error";
        await stack.Broker.PurgeQueueAsync(errorQueue, Cancellation);
        var messageId = Guid.NewGuid();
        var (body, contentType) = CoordinatorMessage(kind, messageId);

        await stack.Broker.PublishRawAsync(stack.CoordinatorQueue, body, contentType, messageId.ToString(), Cancellation);

        await AssertDeadLetteredAsync(errorQueue, body, messageId);
        await AssertLoggedAsync("coordinator", expectedLog, messageId, stack.CoordinatorQueue);
        await AssertOrderCommitsAsync();
        Assert.True(stack.IsRunning("coordinator"), "the coordinator is still running");
        Assert.Equal(1u, await stack.Broker.MessageCountAsync(errorQueue, Cancellation));
    }

    /// <summary>Kinds of malformed message sent to Inventory's queue (a participant built on the SDK); as above.</summary>
    public static TheoryData<string, string[]> ParticipantCases => new()
    {
        { "prepare-empty-participant-id", ["Rejected malformed PrepareTransaction {0} (moved to the error queue): participantId '' is not this participant ('inventory')"] },
        { "prepare-other-participant-id", ["Rejected malformed PrepareTransaction {0} (moved to the error queue): participantId 'payments' is not this participant ('inventory')"] },
        { "prepare-empty-transaction-id", ["Rejected malformed PrepareTransaction {0} (moved to the error queue): transactionId is missing or empty"] },
        { "not-json", ["/{1} {0} ", "'<' is an invalid start of a value"] },
    };

    [Theory]
    [MemberData(nameof(ParticipantCases))]
    public async Task Participant_MalformedPrepare_GoesToErrorQueueAndParticipantKeepsRunning(string kind, string[] expectedLog)
    {
        Assert.SkipWhen(stack.SkipReason is not null, stack.SkipReason ?? "");
        var errorQueue = stack.InventoryEndpoint + "_error";
        await stack.Broker.PurgeQueueAsync(errorQueue, Cancellation);
        var messageId = Guid.NewGuid();
        var (body, contentType) = ParticipantMessage(kind, messageId);

        await stack.Broker.PublishRawAsync(stack.InventoryEndpoint, body, contentType, messageId.ToString(), Cancellation);

        await AssertDeadLetteredAsync(errorQueue, body, messageId);
        await AssertLoggedAsync("inventory", expectedLog, messageId, stack.InventoryEndpoint);
        await AssertOrderCommitsAsync();
        Assert.True(stack.IsRunning("inventory"), "Inventory is still running");
        Assert.Equal(1u, await stack.Broker.MessageCountAsync(errorQueue, Cancellation));
    }

    private static (byte[] Body, string? ContentType) CoordinatorMessage(string kind, Guid messageId)
    {
        var transactionId = Guid.NewGuid();
        return kind switch
        {
            "not-json" => ("{ this is not JSON \u0001\u0002"u8.ToArray(), EnvelopeContentType),
            "no-content-type" => ([0xde, 0xad, 0xbe, 0xef, 0x00, 0x01], null),
            "vote-empty-transaction-id" => Envelope(messageId, nameof(ParticipantVoted),
                new { transactionId = Guid.Empty, participantId = "inventory", vote = "Yes", reason = (string?)null }),
            "vote-empty-participant-id" => Envelope(messageId, nameof(ParticipantVoted),
                new { transactionId, participantId = "", vote = "Yes", reason = (string?)null }),
            "vote-unknown-number" => Envelope(messageId, nameof(ParticipantVoted),
                new { transactionId, participantId = "inventory", vote = 7, reason = (string?)null }),
            "vote-unknown-name" => Envelope(messageId, nameof(ParticipantVoted),
                new { transactionId, participantId = "inventory", vote = "Maybe", reason = (string?)null }),
            "ack-unknown-outcome" => Envelope(messageId, nameof(ParticipantCompleted),
                new { transactionId, participantId = "inventory", outcome = 9, reason = (string?)null }),
            "acks-empty" => Envelope(messageId, nameof(ParticipantsCompleted), new { acknowledgements = Array.Empty<object>() }),
            "acks-one-malformed" => Envelope(messageId, nameof(ParticipantsCompleted), new
            {
                acknowledgements = new object[]
                {
                    new { transactionId, participantId = "inventory", outcome = "Committed", reason = (string?)null },
                    new { transactionId, participantId = "", outcome = "Committed", reason = (string?)null },
                },
            }),
            "acks-null-item" => Envelope(messageId, nameof(ParticipantsCompleted), new { acknowledgements = new object?[] { null } }),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
        };
    }

    private static (byte[] Body, string? ContentType) ParticipantMessage(string kind, Guid messageId)
    {
        var deadline = DateTimeOffset.UtcNow.AddMinutes(1);
        return kind switch
        {
            "prepare-empty-participant-id" => Envelope(messageId, nameof(PrepareTransaction),
                new { transactionId = Guid.NewGuid(), participantId = "", deadline }),
            "prepare-other-participant-id" => Envelope(messageId, nameof(PrepareTransaction),
                new { transactionId = Guid.NewGuid(), participantId = "payments", deadline }),
            "prepare-empty-transaction-id" => Envelope(messageId, nameof(PrepareTransaction),
                new { transactionId = Guid.Empty, participantId = "inventory", deadline }),
            "not-json" => ("<PrepareTransaction/>"u8.ToArray(), EnvelopeContentType),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
        };
    }

    /// <summary>A message in MassTransit's JSON envelope, as MassTransit itself would send it.</summary>
    private static (byte[] Body, string? ContentType) Envelope(Guid messageId, string messageType, object message) =>
        (JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object?>
        {
            ["messageId"] = messageId,
            ["messageType"] = new[] { $"urn:message:TxCoordinator.Contracts:{messageType}" },
            ["sentTime"] = DateTimeOffset.UtcNow,
            ["headers"] = new Dictionary<string, object?>(),
            ["message"] = message,
        }), EnvelopeContentType);

    /// <summary>Exactly our message, byte for byte, is in the error queue, with MassTransit's fault headers.</summary>
    private async Task AssertDeadLetteredAsync(string errorQueue, byte[] body, Guid messageId)
    {
        await Eventually.HoldsAsync(async () => await stack.Broker.MessageCountAsync(errorQueue, Cancellation) >= 1, Settle,
            $"the malformed message reached {errorQueue}");
        var dead = Assert.Single(await stack.Broker.PeekAsync(errorQueue, cancellationToken: Cancellation));
        Assert.Equal(body, dead.Body);
        Assert.Equal(messageId.ToString(), dead.MessageId);
        Assert.Equal("fault", dead.Header("MT-Reason"));
        Assert.False(string.IsNullOrWhiteSpace(dead.Header("MT-Fault-Message")), "the error queue copy says why it failed");
    }

    private async Task AssertLoggedAsync(string process, string[] fragments, Guid messageId, string queue)
    {
        foreach (var fragment in fragments)
        {
            var expected = string.Format(CultureInfo.InvariantCulture, fragment, messageId, queue);
            await Eventually.HoldsAsync(() => Task.FromResult(stack.LogsOf(process).Contains(expected, StringComparison.Ordinal)), Settle,
                $"{process} logged \"{expected}\"");
        }
    }

    /// <summary>A normal order through both participants: votes and acknowledgements all pass the coordinator's queue.</summary>
    private async Task AssertOrderCommitsAsync()
    {
        var sku = "sku-" + Guid.NewGuid().ToString("N")[..10];
        var customer = "cust-" + Guid.NewGuid().ToString("N")[..10];
        await stack.Data.SeedStockAsync(sku, 5);
        await stack.Data.SeedWalletAsync(customer, 50m);
        var orderId = Guid.NewGuid();

        using var response = await stack.Http.PostAsJsonAsync(new Uri(stack.OrdersUrl, "orders"),
            new { orderId, customerId = customer, sku, quantity = 2, amount = 10m, cardNumber = "4242424242424242" }, Cancellation);

        var text = await response.Content.ReadAsStringAsync(Cancellation);
        Assert.True(response.IsSuccessStatusCode, $"The order failed: {(int)response.StatusCode} {text}");
        using var order = JsonDocument.Parse(text);
        Assert.Equal("Committed", order.RootElement.GetProperty("outcome").GetString());
        var transactionId = order.RootElement.GetProperty("transactionId").GetGuid();
        await Eventually.HoldsAsync(async () => (await stack.GetAsync(transactionId)).State == TransactionState.Committed, Settle,
            "the order's transaction completed");
        Assert.Equal(3, await stack.Data.StockAsync(sku));
        Assert.Equal(40m, await stack.Data.BalanceAsync(customer));
        var participants = (await stack.GetAsync(transactionId)).Participants;
        Assert.Equal(2, participants.Count);
        Assert.All(participants, p => Assert.Equal(Vote.Yes, p.Vote));
        Assert.All(participants, p => Assert.NotNull(p.AcknowledgedAt));
    }
}
