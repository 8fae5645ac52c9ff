using System.Diagnostics.Metrics;
using TxCoordinator.Contracts;
using TxCoordinator.Participants.Client;
using TxCoordinator.Participants.Diagnostics;
using TxCoordinator.Participants.Sdk.Tests.Infrastructure;

namespace TxCoordinator.Participants.Sdk.Tests.Recovery;

public sealed class ParticipantRecoveryTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>
{
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(10);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Task<ParticipantHarness> CreateHarnessAsync(Action<TxCoordinator.Participants.Participation.ParticipantOptions>? configure = null) =>
        ParticipantHarness.CreateAsync(database.RequireConnectionString(), o =>
        {
            o.RecoveryGracePeriod = Grace;
            configure?.Invoke(o);
        });

    private static async Task<(Guid Tx, Guid Item)> PrepareAsync(ParticipantHarness harness)
    {
        var tx = Guid.NewGuid();
        var item = await harness.DoWorkAsync(tx);
        Assert.Equal(Vote.Yes, (await harness.Protocol.PrepareAsync(tx, Ct)).Vote);
        return (tx, item);
    }

    [Theory]
    [InlineData(TransactionState.Committing)]
    [InlineData(TransactionState.Committed)]
    public async Task RecoverAsync_CoordinatorDecidedCommit_CommitsPreparedTransaction(TransactionState state)
    {
        await using var harness = await CreateHarnessAsync();
        var (tx, item) = await PrepareAsync(harness);
        harness.Coordinator.SetState(tx, state);
        harness.Time.Advance(Grace + TimeSpan.FromSeconds(5));

        var report = await harness.Recovery.RecoverAsync(Ct);

        Assert.True(report.Committed >= 1);
        Assert.Equal(0, await harness.PreparedCountAsync(tx));
        Assert.True(await harness.ItemExistsAsync(item));
        Assert.Equal("committed", await harness.OutcomeAsync(tx));
    }

    [Theory]
    [InlineData(TransactionState.Committing)]
    [InlineData(TransactionState.Committed)]
    public async Task RecoverAsync_CommittedWithoutThisParticipant_RollsBackWhatItPrepared(TransactionState state)
    {
        // Prepared as its work completed, then the enlistment with its vote never reached the coordinator, which
        // committed the transaction with the participants it knew.
        await using var harness = await CreateHarnessAsync(o => o.VoteOnComplete = true);
        var tx = Guid.NewGuid();
        harness.Coordinator.Failure = new CoordinatorUnavailableException("down", null);
        await Assert.ThrowsAsync<CoordinatorUnavailableException>(() => harness.DoWorkAsync(tx));
        Assert.Equal(1, await harness.PreparedCountAsync(tx));
        harness.Coordinator.Failure = null;
        harness.Coordinator.Enlisted(tx, "someone-else", Vote.Yes);
        harness.Coordinator.SetState(tx, state);
        harness.Time.Advance(Grace + TimeSpan.FromSeconds(5));

        var report = await harness.Recovery.RecoverAsync(Ct);

        // At least: branches other tests of this class left prepared in the same database are old by the fake clock too.
        Assert.True(report.RolledBack >= 1);
        Assert.Equal(0, await harness.PreparedCountAsync(tx));
        Assert.Equal("aborted", await harness.OutcomeAsync(tx));
    }

    [Theory]
    [InlineData(TransactionState.Aborting)]
    [InlineData(TransactionState.Aborted)]
    public async Task RecoverAsync_CoordinatorDecidedAbort_RollsBackAndWritesBarrier(TransactionState state)
    {
        await using var harness = await CreateHarnessAsync();
        var (tx, item) = await PrepareAsync(harness);
        harness.Coordinator.SetState(tx, state);
        harness.Time.Advance(Grace + TimeSpan.FromSeconds(5));

        var report = await harness.Recovery.RecoverAsync(Ct);

        Assert.True(report.RolledBack >= 1);
        Assert.Equal(0, await harness.PreparedCountAsync(tx));
        Assert.False(await harness.ItemExistsAsync(item));
        Assert.Equal("aborted", await harness.OutcomeAsync(tx));
        Assert.Equal(Vote.No, (await harness.Protocol.PrepareAsync(tx, Ct)).Vote);
    }

    [Fact]
    public async Task RecoverAsync_CoordinatorDoesNotKnowTransaction_PresumesAbort()
    {
        await using var harness = await CreateHarnessAsync();
        var (tx, item) = await PrepareAsync(harness);
        harness.Coordinator.Forget(tx);
        harness.Time.Advance(Grace + TimeSpan.FromSeconds(5));

        await harness.Recovery.RecoverAsync(Ct);

        Assert.Equal(0, await harness.PreparedCountAsync(tx));
        Assert.False(await harness.ItemExistsAsync(item));
        Assert.Equal("aborted", await harness.OutcomeAsync(tx));
    }

    [Theory]
    [InlineData(TransactionState.Active)]
    [InlineData(TransactionState.Preparing)]
    public async Task RecoverAsync_CoordinatorUndecided_LeavesPreparedTransaction(TransactionState state)
    {
        await using var harness = await CreateHarnessAsync();
        var (tx, _) = await PrepareAsync(harness);
        harness.Coordinator.SetState(tx, state);
        harness.Time.Advance(Grace + TimeSpan.FromSeconds(5));

        await harness.Recovery.RecoverAsync(Ct);

        Assert.Equal(1, await harness.PreparedCountAsync(tx));
    }

    [Fact]
    public async Task RecoverAsync_YoungerThanGrace_LeavesPreparedTransaction()
    {
        await using var harness = await CreateHarnessAsync();
        var (tx, _) = await PrepareAsync(harness);
        harness.Coordinator.SetState(tx, TransactionState.Aborted);

        await harness.Recovery.RecoverAsync(Ct);

        Assert.Equal(1, await harness.PreparedCountAsync(tx));
    }

    [Fact]
    public async Task RecoverAsync_CoordinatorUnreachable_LeavesPreparedTransaction()
    {
        await using var harness = await CreateHarnessAsync();
        var (tx, _) = await PrepareAsync(harness);
        harness.Coordinator.Failure = new CoordinatorUnavailableException("down", null);
        harness.Time.Advance(Grace + TimeSpan.FromSeconds(5));

        var report = await harness.Recovery.RecoverAsync(Ct);

        Assert.True(report.Left >= 1);
        Assert.Equal(1, await harness.PreparedCountAsync(tx));
    }

    [Fact]
    public async Task RecoverAsync_OtherParticipantsGid_IsNotTouched()
    {
        await using var harness = await CreateHarnessAsync();
        var foreign = $"txc_{ParticipantHarness.ParticipantId}_x_{Guid.NewGuid():N}";
        await harness.ExecuteAsync($"BEGIN; INSERT INTO items (id, name) VALUES (gen_random_uuid(), 'foreign'); PREPARE TRANSACTION '{foreign}'");
        harness.Time.Advance(Grace + TimeSpan.FromSeconds(5));

        await harness.Recovery.RecoverAsync(Ct);

        var stillThere = (long)(await harness.ScalarAsync("SELECT count(*) FROM pg_prepared_xacts WHERE gid = @p", foreign))!;
        await harness.ExecuteAsync($"ROLLBACK PREPARED '{foreign}'");
        Assert.Equal(1L, stillThere);
    }

    [Fact]
    public async Task RecoverAsync_PublishesHowManyArePreparedHereAndHowOldTheOldestIs()
    {
        // A participant id of its own: the gauges are per participant, and other tests' branches share the database.
        var participant = "gauge-" + Guid.NewGuid().ToString("N")[..8];
        await using var harness = await CreateHarnessAsync(o => o.ParticipantId = participant);
        var tx = Guid.NewGuid();
        await harness.DoWorkAsync(tx);
        Assert.Equal(Vote.Yes, (await harness.Protocol.PrepareAsync(tx, Ct)).Vote);
        harness.Coordinator.SetState(tx, TransactionState.Active);
        harness.Time.Advance(TimeSpan.FromMinutes(5));

        var report = await harness.Recovery.RecoverAsync(Ct);

        Assert.Equal((1, 1, 1), (report.Found, report.Examined, report.Left));
        var (count, age) = ObservePreparedGauges(participant);
        Assert.Equal(1, count);
        Assert.InRange(age ?? -1, 299, 330); // the fake clock's five minutes, and the real time the test took

        harness.Coordinator.SetState(tx, TransactionState.Aborted);
        report = await harness.Recovery.RecoverAsync(Ct);

        Assert.Equal((1, 1, null), (report.Found, report.RolledBack, report.OldestPreparedAt));
        Assert.Equal((0, 0d), ObservePreparedGauges(participant)); // what the pass left, not what it found
    }

    private static (int? Count, double? Age) ObservePreparedGauges(string participant)
    {
        int? count = null;
        double? age = null;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == ParticipantsDiagnostics.MeterName && instrument.Name.StartsWith("txc.participant.prepared", StringComparison.Ordinal))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) =>
        {
            if (Of(tags) == participant)
            {
                count = value;
            }
        });
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) =>
        {
            if (Of(tags) == participant)
            {
                age = value;
            }
        });
        listener.Start();
        listener.RecordObservableInstruments();
        return (count, age);

        static string? Of(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            foreach (var tag in tags)
            {
                if (tag.Key == ParticipantsDiagnostics.Tags.ParticipantId)
                {
                    return tag.Value as string;
                }
            }

            return null;
        }
    }
}
