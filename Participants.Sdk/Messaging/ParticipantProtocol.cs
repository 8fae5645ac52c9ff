using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TxCoordinator.Contracts;
using TxCoordinator.Participants.Branches;
using TxCoordinator.Participants.Diagnostics;
using TxCoordinator.Participants.Participation;
using TxCoordinator.Participants.Storage;

namespace TxCoordinator.Participants.Messaging;

/// <summary>
/// The participant's side of two-phase commit: what to do with the local branch for Prepare, Commit and Abort.
/// Every handler runs under the transaction's lock and is idempotent, so duplicated and reordered messages are harmless.
/// </summary>
/// <remarks>Split by message: Prepare in ParticipantProtocol.Prepare.cs, Commit and Abort in ParticipantProtocol.Finish.cs.</remarks>
internal sealed partial class ParticipantProtocol(
    BranchRegistry registry,
    OutcomeStore store,
    BranchTerminator terminator,
    IOptions<ParticipantOptions> options,
    ILogger<ParticipantProtocol> logger)
{
    private readonly ParticipantOptions _options = options.Value;

    private static PrepareResult Yes => new(Vote.Yes, null);

    private static PrepareResult No(string reason) => new(Vote.No, reason);

    private static CompletionResult Committed => new(ParticipantOutcome.Committed, null);

    private static CompletionResult Aborted(string? reason) => new(ParticipantOutcome.Aborted, reason);

    private string GidOf(Guid transactionId) => GlobalTransactionId.Create(_options.ParticipantId, transactionId);

    private Task<BranchLease> LockAsync(Guid transactionId, string gid, CancellationToken cancellationToken) =>
        registry.AcquireAsync(transactionId, gid, _options.LockTimeout, cancellationToken);

    /// <summary>The vote a branch already finished here deserves (a duplicate Prepare); null when nothing is recorded.</summary>
    private static PrepareResult? VoteFromRecord(BranchStatus status) => status switch
    {
        { IsCommitted: true } => Yes,
        { IsAborted: true } => No("the branch was rolled back here earlier (failed work, expiry or abort)"),
        { Prepared: true } => Yes,
        _ => null,
    };

    private static bool IsCancellation(Exception exception, CancellationToken cancellationToken) =>
        exception is OperationCanceledException && cancellationToken.IsCancellationRequested;

    private void Record(Guid transactionId, PrepareResult result, Activity? activity)
    {
        activity?.SetTag(ParticipantsDiagnostics.Tags.Vote, result.Vote.ToString());
        ParticipantsDiagnostics.Votes.Add(1, new KeyValuePair<string, object?>(ParticipantsDiagnostics.Tags.Vote, result.Vote.ToString()));
        LogMessages.Voted(logger, transactionId, result.Vote, result.Reason);
    }

    private void Record(Guid transactionId, string decision, CompletionResult result, Activity? activity)
    {
        activity?.SetTag(ParticipantsDiagnostics.Tags.Outcome, result.Outcome.ToString());
        ParticipantsDiagnostics.Completions.Add(1,
            new KeyValuePair<string, object?>(ParticipantsDiagnostics.Tags.Decision, decision),
            new KeyValuePair<string, object?>(ParticipantsDiagnostics.Tags.Outcome, result.Outcome.ToString()));
        LogMessages.Completed(logger, transactionId, result.Outcome, result.Reason);
    }

    private Activity? StartActivity(string name, Guid transactionId, string? decision = null)
    {
        var activity = ParticipantsDiagnostics.StartActivity(name, transactionId, _options.ParticipantId);
        if (decision is not null)
        {
            activity?.SetTag(ParticipantsDiagnostics.Tags.Decision, decision);
        }

        return activity;
    }
}
