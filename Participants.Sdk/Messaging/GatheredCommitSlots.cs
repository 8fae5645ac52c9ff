using Microsoft.Extensions.Options;
using TxCoordinator.Participants.Participation;

namespace TxCoordinator.Participants.Messaging;

/// <summary>
/// The database connections the Commits of gathered messages may hold at once, across all such messages:
/// <see cref="ParticipantOptions.ConcurrentMessageLimit"/>, the most single messages would hold.
/// </summary>
internal sealed class GatheredCommitSlots(IOptions<ParticipantOptions> options) : IDisposable
{
    private readonly SemaphoreSlim _slots = new(options.Value.ConcurrentMessageLimit, options.Value.ConcurrentMessageLimit);

    public Task WaitAsync(CancellationToken cancellationToken) => _slots.WaitAsync(cancellationToken);

    public void Release() => _slots.Release();

    public void Dispose() => _slots.Dispose();
}
