using System.Threading.Channels;
using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TxCoordinator.Contracts;
using TxCoordinator.Participants.Diagnostics;
using TxCoordinator.Participants.Participation;

namespace TxCoordinator.Participants.Messaging;

/// <summary>
/// Gathers the acknowledgements of Commit and Abort over <see cref="ParticipantOptions.AcknowledgementBatchWindow"/> and
/// sends those for one coordinator queue as one message: each message costs the broker and both ends far more than
/// its bytes, and at a few hundred transactions a second a window of 20 ms carries several.
/// </summary>
internal sealed class AcknowledgementBatcher(IBus bus, IOptions<ParticipantOptions> options, ILogger<AcknowledgementBatcher> logger)
    : BackgroundService
{
    /// <summary>Most acknowledgements in one message; the coordinator refuses larger batches.</summary>
    public const int MaxBatch = 256;

    private static readonly TimeSpan SendTimeout = TimeSpan.FromSeconds(5);

    private readonly Channel<(Uri Address, ParticipantCompleted Ack)> _pending =
        Channel.CreateUnbounded<(Uri, ParticipantCompleted)>(new() { SingleReader = true });

    /// <summary>Queues the acknowledgement for <paramref name="address"/>; it leaves within the window.</summary>
    public void Enqueue(Uri address, ParticipantCompleted ack)
    {
        if (!_pending.Writer.TryWrite((address, ack)))
        {
            // Stopping: the coordinator resends its Commit or Abort, and this participant answers it again.
            LogMessages.AcknowledgementDropped(logger, ack.TransactionId);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var reader = _pending.Reader;
        try
        {
            while (await reader.WaitToReadAsync(stoppingToken))
            {
                await Task.Delay(options.Value.AcknowledgementBatchWindow, stoppingToken);
                await SendQueuedAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: what is queued goes now, with its own timeout.
            _pending.Writer.TryComplete();
            await SendQueuedAsync(CancellationToken.None);
        }
    }

    private async Task SendQueuedAsync(CancellationToken cancellationToken)
    {
        var queued = new List<(Uri Address, ParticipantCompleted Ack)>();
        while (_pending.Reader.TryRead(out var item))
        {
            queued.Add(item);
        }

        foreach (var group in queued.GroupBy(item => item.Address))
        {
            foreach (var chunk in group.Select(item => item.Ack).Chunk(MaxBatch))
            {
                await SendAsync(group.Key, chunk, cancellationToken);
            }
        }
    }

    private async Task SendAsync(Uri address, ParticipantCompleted[] acks, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(SendTimeout);
        try
        {
            var endpoint = await bus.GetSendEndpoint(address);
            // Not persisted by the broker: a lost acknowledgement is asked for again by the coordinator's resend.
            if (acks is [var only])
            {
                await endpoint.Send(only, CoordinatorReplier.AnswerPipe<ParticipantCompleted>(only.TransactionId), timeout.Token);
            }
            else
            {
                await endpoint.Send(new ParticipantsCompleted(acks), Pipe.Execute<SendContext<ParticipantsCompleted>>(c => c.Durable = false), timeout.Token);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Each is asked for again by the coordinator's resend, and answered again from the outcome recorded here.
            LogMessages.AcknowledgementsNotSent(logger, acks.Length, address, ex);
        }
    }
}
