using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using TxCoordinator.Contracts;
using TxCoordinator.Participants.Client;
using TxCoordinator.Participants.Initiator;
using TxCoordinator.Participants.Propagation;

namespace TxCoordinator.Participants.Sdk.Tests.Initiator;

public sealed class TransactionInitiatorTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly ScriptedCoordinator _coordinator;
    private readonly TransactionInitiator _initiator;

    public TransactionInitiatorTests()
    {
        _coordinator = new ScriptedCoordinator(_time);
        _initiator = new TransactionInitiator(_coordinator, _time, NullLogger<TransactionInitiator>.Instance);
    }

    [Fact]
    public async Task RunAsync_WorkSucceeds_RunsItWithTheTransactionAmbientThenCommits()
    {
        Guid? ambient = null;
        InitiatedTransaction? given = null;

        var result = await _initiator.RunAsync((tx, _) =>
        {
            given = tx;
            ambient = DistributedTransactionContext.Current?.TransactionId;
            return Task.CompletedTask;
        }, new TransactionRunOptions { Timeout = TimeSpan.FromSeconds(7) }, Ct);

        Assert.Equal(new TransactionResult(_coordinator.TransactionId, TransactionOutcome.Committed, null), result);
        Assert.True(result.Committed);
        Assert.Equal(_coordinator.TransactionId, ambient);
        Assert.Equal(_time.GetUtcNow() + TimeSpan.FromSeconds(7), given!.Deadline);
        Assert.Null(DistributedTransactionContext.Current); // restored after the work
        Assert.Equal(["begin", "commit"], _coordinator.Calls);
    }

    [Fact]
    public async Task RunAsync_WorkAsksToAbort_AbortsWithItsFirstReasonAndNeverCommits()
    {
        var result = await _initiator.RunAsync((tx, _) =>
        {
            tx.Abort("out of stock");
            tx.Abort("card declined");
            return Task.CompletedTask;
        }, cancellationToken: Ct);

        Assert.Equal(new TransactionResult(_coordinator.TransactionId, TransactionOutcome.Aborted, "out of stock"), result);
        Assert.Equal(["begin", "abort"], _coordinator.Calls);
        Assert.Equal(["out of stock"], _coordinator.AbortReasons);
    }

    [Fact]
    public async Task RunAsync_WorkThrows_AbortsSayingWhyAndRethrows()
    {
        var error = await Assert.ThrowsAsync<HttpRequestException>(() => _initiator.RunAsync(
            (_, _) => throw new HttpRequestException("payments is down"), cancellationToken: Ct));

        Assert.Equal("payments is down", error.Message);
        Assert.Equal(["begin", "abort"], _coordinator.Calls);
        Assert.Equal(["the initiator's work failed: payments is down"], _coordinator.AbortReasons);
        Assert.Null(DistributedTransactionContext.Current);
    }

    [Fact]
    public async Task RunAsync_AbortReasonTooLongForTheCoordinator_SendsItCutTo1024Characters()
    {
        await _initiator.RunAsync((tx, _) =>
        {
            tx.Abort(new string('x', 5000));
            return Task.CompletedTask;
        }, cancellationToken: Ct);

        Assert.Equal(1024, Assert.Single(_coordinator.AbortReasons)!.Length);
    }

    [Fact]
    public async Task RunAsync_BeginFails_ThrowsWithoutRunningTheWork()
    {
        _coordinator.BeginFailure = new CoordinatorUnavailableException("no coordinator", null);
        var ran = false;

        await Assert.ThrowsAsync<CoordinatorUnavailableException>(() => _initiator.RunAsync((_, _) =>
        {
            ran = true;
            return Task.CompletedTask;
        }, cancellationToken: Ct));

        Assert.False(ran);
        Assert.Equal(["begin"], _coordinator.Calls);
    }

    [Fact]
    public async Task RunAsync_CommitRefusedAsAborted_ReturnsAbortedWithTheCoordinatorsReason()
    {
        _coordinator.Commit = id => throw new TransactionCoordinatorException(
            HttpStatusCode.Conflict, "Transaction state conflict", $"Transaction {id} is Aborted: inventory voted No", TransactionState.Aborted,
            "inventory voted No");

        var result = await _initiator.RunAsync((_, _) => Task.CompletedTask, cancellationToken: Ct);

        Assert.Equal(new TransactionResult(_coordinator.TransactionId, TransactionOutcome.Aborted, "inventory voted No"), result);
        Assert.Equal(["begin", "commit"], _coordinator.Calls); // decided: nothing to settle
    }

    [Fact]
    public async Task RunAsync_CommitAnswerLostAfterTheCommitDecision_ReportsCommitted()
    {
        _coordinator.Commit = _ => throw new CoordinatorUnavailableException("connection reset", null);
        _coordinator.Abort = (id, _, _) => throw Conflict(id, TransactionState.Committing);

        var result = await _initiator.RunAsync((_, _) => Task.CompletedTask, cancellationToken: Ct);

        Assert.Equal(new TransactionResult(_coordinator.TransactionId, TransactionOutcome.Committed, null), result);
        Assert.Equal(["begin", "commit", "abort"], _coordinator.Calls);
    }

    [Fact]
    public async Task RunAsync_CommitAnswerLostAndTheConflictNamesNoState_LooksTheStateUp()
    {
        _coordinator.Commit = _ => throw new CoordinatorUnavailableException("connection reset", null);
        _coordinator.Abort = (id, _, _) => throw Conflict(id, state: null);
        _coordinator.State = _ => TransactionState.Committed;

        var result = await _initiator.RunAsync((_, _) => Task.CompletedTask, cancellationToken: Ct);

        Assert.True(result.Committed);
        Assert.Equal(["begin", "commit", "abort", "get"], _coordinator.Calls);
    }

    [Fact]
    public async Task RunAsync_CommitAnswerLostAndTheStateCannotBeLookedUp_ThrowsOutcomeUnknown()
    {
        _coordinator.Commit = _ => throw new CoordinatorUnavailableException("connection reset", null);
        _coordinator.Abort = (id, _, _) => throw Conflict(id, state: null);
        _coordinator.State = _ => throw new CoordinatorUnavailableException("get: no coordinator", null);

        var error = await Assert.ThrowsAsync<TransactionOutcomeUnknownException>(
            () => _initiator.RunAsync((_, _) => Task.CompletedTask, cancellationToken: Ct));

        Assert.Contains("get: no coordinator", error.Message);
    }

    [Fact]
    public async Task RunAsync_CommitFailedBeforeAnyDecision_TheAbortSettlesItAsAborted()
    {
        _coordinator.Commit = _ => throw new CoordinatorUnavailableException("no coordinator answered", null);

        var result = await _initiator.RunAsync((_, _) => Task.CompletedTask, cancellationToken: Ct);

        Assert.Equal(TransactionOutcome.Aborted, result.Outcome);
        Assert.Equal("the commit request failed: no coordinator answered", result.Reason);
    }

    [Fact]
    public async Task RunAsync_CoordinatorDoesNotKnowTheTransactionAtCommit_ReportsAborted()
    {
        _coordinator.Commit = _ => throw new TransactionCoordinatorException(HttpStatusCode.NotFound, "Transaction not found", "unknown");
        _coordinator.Abort = (_, _, _) => throw new TransactionCoordinatorException(HttpStatusCode.NotFound, "Transaction not found", "unknown");

        var result = await _initiator.RunAsync((_, _) => Task.CompletedTask, cancellationToken: Ct);

        Assert.Equal(TransactionOutcome.Aborted, result.Outcome);
    }

    [Fact]
    public async Task RunAsync_NeitherCommitNorAbortAnswered_ThrowsOutcomeUnknownNamingTheTransaction()
    {
        _coordinator.Commit = _ => throw new CoordinatorUnavailableException("commit: no coordinator", null);
        _coordinator.Abort = (_, _, _) => throw new CoordinatorUnavailableException("abort: no coordinator", null);

        var error = await Assert.ThrowsAsync<TransactionOutcomeUnknownException>(
            () => _initiator.RunAsync((_, _) => Task.CompletedTask, cancellationToken: Ct));

        Assert.Equal(_coordinator.TransactionId, error.TransactionId);
        Assert.Contains("commit: no coordinator", error.Message);
        Assert.Contains("abort: no coordinator", error.Message);
        Assert.IsType<CoordinatorUnavailableException>(error.InnerException);
    }

    [Fact]
    public async Task RunAsync_CancelledDuringTheCommit_ThrowsOutcomeUnknownNotCancelled()
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        _coordinator.Commit = _ =>
        {
            cancel.Cancel();
            throw new OperationCanceledException(cancel.Token);
        };

        var error = await Assert.ThrowsAsync<TransactionOutcomeUnknownException>(
            () => _initiator.RunAsync((_, _) => Task.CompletedTask, cancellationToken: cancel.Token));

        Assert.Equal(_coordinator.TransactionId, error.TransactionId);
        Assert.IsType<OperationCanceledException>(error.InnerException);
        Assert.Equal(["begin", "commit"], _coordinator.Calls); // no abort: it could undo nothing the caller waits for
    }

    [Fact]
    public async Task RunAsync_CancelledWhileAOnePhaseCommitIsPending_ThrowsOutcomeUnknown()
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        _coordinator.Commit = id => throw new TransactionCoordinatorException(
            HttpStatusCode.GatewayTimeout, "Outcome not known yet", "pending", TransactionState.Preparing);
        _coordinator.State = _ =>
        {
            cancel.Cancel();
            return TransactionState.Preparing;
        };

        var run = _initiator.RunAsync((_, _) => Task.CompletedTask, cancellationToken: cancel.Token);
        var error = await Assert.ThrowsAsync<TransactionOutcomeUnknownException>(() => AdvanceUntilDoneAsync(run));

        Assert.Equal(_coordinator.TransactionId, error.TransactionId);
        Assert.Equal(["begin", "commit", "get"], _coordinator.Calls); // the next poll saw the cancellation
    }

    [Fact]
    public async Task RunAsync_OnePhaseCommitPending_WaitsForTheDecisionInGet()
    {
        _coordinator.Commit = id => throw new TransactionCoordinatorException(
            HttpStatusCode.GatewayTimeout, "Outcome not known yet", "pending", TransactionState.Preparing);
        var lookups = 0;
        _coordinator.State = _ => ++lookups < 3 ? TransactionState.Preparing : TransactionState.Committed;

        var run = _initiator.RunAsync((_, _) => Task.CompletedTask, cancellationToken: Ct);
        var result = await AdvanceUntilDoneAsync(run);

        Assert.True(result.Committed);
        Assert.Equal(3, lookups);
    }

    [Fact]
    public async Task RunAsync_OnePhaseCommitPendingPastTheWait_ThrowsOutcomeUnknown()
    {
        _coordinator.Commit = id => throw new TransactionCoordinatorException(
            HttpStatusCode.GatewayTimeout, "Outcome not known yet", "pending", TransactionState.Preparing);
        _coordinator.State = _ => TransactionState.Preparing;
        var started = _time.GetUtcNow();

        var run = _initiator.RunAsync((_, _) => Task.CompletedTask, new TransactionRunOptions { Timeout = TimeSpan.FromSeconds(3) }, Ct);
        var error = await Assert.ThrowsAsync<TransactionOutcomeUnknownException>(() => AdvanceUntilDoneAsync(run));

        Assert.Equal(_coordinator.TransactionId, error.TransactionId);
        // Watched for the minimum wait, since the deadline (3 s) came sooner, and not much longer.
        var waited = _time.GetUtcNow() - started;
        Assert.InRange(waited, TransactionInitiator.MinimumPendingWait, TransactionInitiator.MinimumPendingWait + TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task RunAsync_AbortHangs_GivesUpAfterItsTimeoutAndStillReportsTheAbort()
    {
        _coordinator.Abort = async (_, _, token) =>
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, token);
            throw new InvalidOperationException("unreachable");
        };

        var run = _initiator.RunAsync((tx, _) =>
        {
            tx.Abort("card declined");
            return Task.CompletedTask;
        }, cancellationToken: Ct);
        var started = _time.GetUtcNow();
        var result = await AdvanceUntilDoneAsync(run);

        Assert.Equal(TransactionOutcome.Aborted, result.Outcome);
        Assert.InRange(_time.GetUtcNow() - started, TransactionInitiator.AbortTimeout, TransactionInitiator.AbortTimeout + TimeSpan.FromSeconds(1));
    }

    /// <summary>Moves the fake clock on until the run ends (bounded: a run that never ends fails the test).</summary>
    private async Task<T> AdvanceUntilDoneAsync<T>(Task<T> run)
    {
        for (var step = 0; step < 1000 && !run.IsCompleted; step++)
        {
            await Task.Delay(1, Ct);
            _time.Advance(TimeSpan.FromMilliseconds(100));
        }

        Assert.True(run.IsCompleted, "the run did not end within 100 s of fake time");
        return await run;
    }

    /// <summary>The coordinator's 409 for a transaction in <paramref name="state"/> (null: the answer named none).</summary>
    private static TransactionCoordinatorException Conflict(Guid id, TransactionState? state) =>
        new(HttpStatusCode.Conflict, "Transaction state conflict", $"Transaction {id} is {state}", state);
}
