namespace TxCoordinator.Bench.Measurement;

/// <summary>One peer's unit of work, run many times at once by <see cref="LoadDriver"/>.</summary>
public interface IBenchWorkload : IAsyncDisposable
{
    /// <summary>Peer name in the results ("floor", "bus-mt", "saga", "txc", ...).</summary>
    string Peer { get; }

    /// <summary>Runs operation number <paramref name="sequence"/> (0, 1, 2, ...) to its end.</summary>
    Task<OpOutcome> ExecuteAsync(long sequence, CancellationToken cancellationToken = default);
}
