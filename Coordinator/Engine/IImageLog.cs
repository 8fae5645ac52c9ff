using TxCoordinator.Coordinator.Cluster;

namespace TxCoordinator.Coordinator.Engine;

/// <summary>
/// The durable, ordered sequence of transaction images behind <see cref="DecisionLog"/>: the Raft log of a replicated
/// coordinator (<see cref="RaftReplica"/>), or the database itself for a lone one (<see cref="Lone.LoneLog"/>). Both
/// keep the same in-memory copy of what they applied and the same knowledge of their own term, so the engine's
/// shortcuts (no read before a change, changes that decide nothing kept in memory) work the same on either.
/// </summary>
internal interface IImageLog
{
    /// <summary>The unfinished transactions as last applied here (and, while deciding, as deferred).</summary>
    AppliedTransactions Applied { get; }

    /// <summary>What this coordinator knows of its own term; forgotten whenever a term starts or ends.</summary>
    LeaderTerm Leadership { get; }

    /// <summary>True while this coordinator may decide.</summary>
    bool IsDeciding { get; }

    /// <summary>Counts the terms in which this coordinator started deciding; the supervisor re-drives on each.</summary>
    long Epoch { get; }

    /// <exception cref="Cluster.CoordinatorUnavailableException">This coordinator may not decide now.</exception>
    void EnsureDeciding();

    /// <summary>
    /// Returns once the image, made from what this coordinator held in term <paramref name="epoch"/>, is durable and
    /// applied here (<see cref="Applied"/>; the database shows it then or within a replica's write delay).
    /// </summary>
    /// <exception cref="Cluster.CoordinatorUnavailableException">It could not be made durable now, or the term is no
    /// longer <paramref name="epoch"/>: what it was made from may have been overruled since.</exception>
    /// <exception cref="Microsoft.EntityFrameworkCore.DbUpdateConcurrencyException">The stored transaction had moved
    /// on: the image was not applied.</exception>
    Task AppendAsync(TransactionImage image, long epoch, CancellationToken cancellationToken);

    /// <summary>Waits until everything made durable so far is applied here (see <see cref="Applied"/>).</summary>
    /// <exception cref="Cluster.CoordinatorUnavailableException">It is not in time.</exception>
    Task WaitForAppliedAsync(CancellationToken cancellationToken);

    /// <summary>
    /// The newest applied image of the transaction while the database does not show it yet (a replica writes its
    /// database a little behind its log); null when the database is current for it.
    /// </summary>
    TransactionImage? Unwritten(Guid transactionId);

    /// <summary>Every applied image the database does not show yet, newest per transaction.</summary>
    IReadOnlyCollection<TransactionImage> Unwritten();
}
