using TxCoordinator.Contracts;
using static TxCoordinator.Contracts.TransactionState;

namespace TxCoordinator.Coordinator.Tests.StateMachine;

/// <summary>
/// The legal state changes, written out independently of the production table on purpose: a change to the machine
/// must be made here as well, or the transition tests fail.
/// </summary>
internal static class LegalTransitions
{
    public static readonly TransactionState[] AllStates = [Active, Preparing, Committing, Aborting, Committed, Aborted];

    private static readonly HashSet<(TransactionState From, TransactionState To)> TwoPhase =
    [
        (Active, Preparing),
        (Active, Committing),  // one-phase commit starts
        (Active, Committed),   // nothing enlisted
        (Active, Aborting),
        (Active, Aborted),     // nothing enlisted, or nobody prepared
        (Preparing, Committing),
        (Preparing, Committed), // every vote read-only
        (Preparing, Aborting),
        (Committing, Committed),
        (Aborting, Aborted),
    ];

    /// <summary>Only the single participant of a one-phase commit can turn a Committing transaction into an aborted one.</summary>
    private static readonly (TransactionState From, TransactionState To) OnePhaseOnly = (Committing, Aborted);

    public static bool IsLegal(TransactionState from, TransactionState to, bool onePhase) =>
        TwoPhase.Contains((from, to)) || (onePhase && (from, to) == OnePhaseOnly);

    /// <summary>All 6 × 6 pairs.</summary>
    public static TheoryData<TransactionState, TransactionState> AllPairs()
    {
        var data = new TheoryData<TransactionState, TransactionState>();
        foreach (var from in AllStates)
        {
            foreach (var to in AllStates)
            {
                data.Add(from, to);
            }
        }

        return data;
    }

    /// <summary>All 6 × 6 pairs, for a two-phase and for a one-phase transaction.</summary>
    public static TheoryData<TransactionState, TransactionState, bool> AllPairsBothModes()
    {
        var data = new TheoryData<TransactionState, TransactionState, bool>();
        foreach (var onePhase in new[] { false, true })
        {
            foreach (var from in AllStates)
            {
                foreach (var to in AllStates)
                {
                    data.Add(from, to, onePhase);
                }
            }
        }

        return data;
    }
}
