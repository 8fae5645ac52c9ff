namespace TxCoordinator.IntegrationTests.Stack;

/// <summary>
/// The stack with the samples' participants enlisting before their work and waiting for the coordinator's Prepare
/// (<c>TransactionParticipant:VoteOnComplete</c> off): the protocol's Prepare round trip, one-phase commit, late
/// Prepares and No votes.
/// </summary>
public sealed class ClassicParticipantsStack() : ServiceStack(
    replicas: 1, participantSettings: new() { ["TransactionParticipant__VoteOnComplete"] = "false" });
