using TxCoordinator.Contracts;

namespace TxCoordinator.Participants.Messaging;

/// <summary>The vote to send for a Prepare.</summary>
public readonly record struct PrepareResult(Vote Vote, string? Reason);

/// <summary>The acknowledgement to send for a Commit or Abort.</summary>
public readonly record struct CompletionResult(ParticipantOutcome Outcome, string? Reason);
