using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using TxCoordinator.Participants.Client;
using TxCoordinator.Participants.Diagnostics;
using TxCoordinator.Participants.Initiator;

namespace TxCoordinator.Participants.Sdk.Tests.Initiator;

/// <summary>The initiator's span (<c>txc.initiator.run</c>) and counter (<c>txc.initiator.transactions</c>).</summary>
public sealed class TransactionInitiatorTelemetryTests : IDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Told apart from other tests' failed begins by its message: such a span has no transaction id.</summary>
    private static readonly string BeginFailure = "no coordinator " + Guid.NewGuid();

    private readonly ScriptedCoordinator _coordinator = new(new FakeTimeProvider(DateTimeOffset.UtcNow));
    private readonly TransactionInitiator _initiator;
    private readonly ActivityListener _spans;
    private readonly MeterListener _counter = new();
    private readonly ConcurrentQueue<Activity> _runs = new();
    private readonly ConcurrentQueue<string?> _counted = new();

    public TransactionInitiatorTelemetryTests()
    {
        _initiator = new TransactionInitiator(_coordinator, TimeProvider.System, NullLogger<TransactionInitiator>.Instance);
        _spans = new ActivityListener
        {
            ShouldListenTo = source => source.Name == ParticipantsDiagnostics.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.OperationName == ParticipantsDiagnostics.Spans.InitiatorRun)
                {
                    _runs.Enqueue(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(_spans);
        _counter.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == ParticipantsDiagnostics.MeterName && instrument.Name == "txc.initiator.transactions")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _counter.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == ParticipantsDiagnostics.Tags.Outcome)
                {
                    // Other test classes run initiators too, in parallel: count only this test's transactions.
                    if (Activity.Current?.GetTagItem(ParticipantsDiagnostics.Tags.TransactionId) as string == _coordinator.TransactionId.ToString())
                    {
                        for (var i = 0; i < value; i++)
                        {
                            _counted.Enqueue(tag.Value as string);
                        }
                    }
                }
            }
        });
        _counter.Start();
    }

    [Fact]
    public async Task RunAsync_Committed_OneSpanAroundTheWorkWithTheTransactionAndOutcome()
    {
        string? spanDuringWork = null;

        await _initiator.RunAsync((_, _) =>
        {
            spanDuringWork = Activity.Current?.OperationName;
            return Task.CompletedTask;
        }, cancellationToken: Ct);

        var run = Assert.Single(Runs());
        Assert.Equal(ParticipantsDiagnostics.Spans.InitiatorRun, spanDuringWork); // the services' calls are its children
        Assert.Equal("Committed", run.GetTagItem(ParticipantsDiagnostics.Tags.Outcome));
        Assert.Equal(ActivityStatusCode.Unset, run.Status);
        Assert.Equal(["Committed"], _counted);
    }

    [Fact]
    public async Task RunAsync_OutcomeUnknown_SpanIsAnErrorAndCountedUnknown()
    {
        _coordinator.Commit = _ => throw new CoordinatorUnavailableException("commit: no coordinator", null);
        _coordinator.Abort = (_, _, _) => throw new CoordinatorUnavailableException("abort: no coordinator", null);

        await Assert.ThrowsAsync<TransactionOutcomeUnknownException>(() => _initiator.RunAsync((_, _) => Task.CompletedTask, cancellationToken: Ct));

        var run = Assert.Single(Runs());
        Assert.Equal("Unknown", run.GetTagItem(ParticipantsDiagnostics.Tags.Outcome));
        Assert.Equal(ActivityStatusCode.Error, run.Status);
        Assert.Equal(["Unknown"], _counted);
    }

    [Fact]
    public async Task RunAsync_WorkThrows_CountedAborted()
    {
        await Assert.ThrowsAsync<InvalidOperationException>(() => _initiator.RunAsync((_, _) => throw new InvalidOperationException("bug"), cancellationToken: Ct));

        Assert.Equal("Aborted", Assert.Single(Runs()).GetTagItem(ParticipantsDiagnostics.Tags.Outcome));
        Assert.Equal(["Aborted"], _counted);
    }

    [Fact]
    public async Task RunAsync_BeginFails_SpanIsAnErrorAndNothingIsCounted()
    {
        _coordinator.BeginFailure = new CoordinatorUnavailableException(BeginFailure, null);

        await Assert.ThrowsAsync<CoordinatorUnavailableException>(() => _initiator.RunAsync((_, _) => Task.CompletedTask, cancellationToken: Ct));

        var run = Assert.Single(_runs, a => a.GetTagItem(ParticipantsDiagnostics.Tags.TransactionId) is null && a.Status == ActivityStatusCode.Error
            && a.StatusDescription == BeginFailure);
        Assert.Null(run.GetTagItem(ParticipantsDiagnostics.Tags.Outcome));
        Assert.Empty(_counted);
    }

    public void Dispose()
    {
        _spans.Dispose();
        _counter.Dispose();
    }

    /// <summary>This test's runs: other test classes run initiators in parallel.</summary>
    private IEnumerable<Activity> Runs() =>
        _runs.Where(a => a.GetTagItem(ParticipantsDiagnostics.Tags.TransactionId) as string == _coordinator.TransactionId.ToString());
}
