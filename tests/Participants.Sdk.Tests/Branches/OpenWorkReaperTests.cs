using TxCoordinator.Contracts;
using TxCoordinator.Participants.Sdk.Tests.Infrastructure;

namespace TxCoordinator.Participants.Sdk.Tests.Branches;

public sealed class OpenWorkReaperTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ReapAsync_DeadlineAndGracePassed_RollsBackAndLatePrepareVotesNo()
    {
        await using var harness = await ParticipantHarness.CreateAsync(database.RequireConnectionString(), o => o.OpenWorkTimeoutGrace = TimeSpan.FromSeconds(5));
        harness.Coordinator.Timeout = TimeSpan.FromSeconds(10);
        var tx = Guid.NewGuid();
        var item = await harness.DoWorkAsync(tx);

        harness.Time.Advance(TimeSpan.FromSeconds(16));
        var reaped = await harness.Reaper.ReapAsync(Ct);

        Assert.Equal(1, reaped);
        Assert.Equal(0, harness.Registry.OpenCount);
        Assert.Equal("aborted", await harness.OutcomeAsync(tx));
        Assert.Equal(Vote.No, (await harness.Protocol.PrepareAsync(tx, Ct)).Vote);
        Assert.False(await harness.ItemExistsAsync(item));
    }

    [Fact]
    public async Task ReapAsync_WithinGrace_KeepsWorkOpen()
    {
        await using var harness = await ParticipantHarness.CreateAsync(database.RequireConnectionString(), o => o.OpenWorkTimeoutGrace = TimeSpan.FromSeconds(5));
        harness.Coordinator.Timeout = TimeSpan.FromSeconds(10);
        var tx = Guid.NewGuid();
        await harness.DoWorkAsync(tx);

        harness.Time.Advance(TimeSpan.FromSeconds(14));
        var reaped = await harness.Reaper.ReapAsync(Ct);

        Assert.Equal(0, reaped);
        Assert.Equal(1, harness.Registry.OpenCount);
        Assert.Equal(Vote.Yes, (await harness.Protocol.PrepareAsync(tx, Ct)).Vote);
    }

    [Fact]
    public async Task ReapAsync_WorkStillRunning_WaitsForItToLetGo()
    {
        await using var harness = await ParticipantHarness.CreateAsync(database.RequireConnectionString());
        harness.Coordinator.Timeout = TimeSpan.FromSeconds(1);
        var tx = Guid.NewGuid();
        var work = await harness.Participant.EnlistAsync(tx, Ct);

        harness.Time.Advance(TimeSpan.FromSeconds(30));
        var whileRunning = await harness.Reaper.ReapAsync(Ct);
        await work.CompleteAsync(Ct);
        var afterwards = await harness.Reaper.ReapAsync(Ct);

        Assert.Equal(0, whileRunning);
        Assert.Equal(1, afterwards);
    }
}
