namespace TxCoordinator.Participants.Client;

/// <summary>
/// Which coordinator address a <see cref="TransactionCoordinatorClient"/> tries first: the leader's once a replica
/// named it. One instance per application, so that short-lived typed clients share what they learnt.
/// </summary>
public sealed class CoordinatorAddressPreference
{
    internal int Index;
}
