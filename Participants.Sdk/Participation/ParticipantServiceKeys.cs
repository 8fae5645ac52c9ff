namespace TxCoordinator.Participants.Participation;

/// <summary>Keys of the SDK's keyed services.</summary>
public static class ParticipantServiceKeys
{
    /// <summary>
    /// The <see cref="Client.ITransactionCoordinatorClient"/> the participant enlists and recovers with (configured from
    /// <see cref="ParticipantOptions.CoordinatorUrls"/>, separate from an initiator's client). Replace it in tests.
    /// </summary>
    public const string CoordinatorClient = "TxCoordinator.Participants";
}
