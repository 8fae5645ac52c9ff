namespace TxCoordinator.Coordinator.Cluster;

/// <summary>The last N samples of a measurement, for percentiles on the status endpoint. Thread-safe.</summary>
public sealed class LatencyWindow(int capacity)
{
    private readonly double[] _samples = new double[capacity];
    private readonly Lock _lock = new();
    private long _count;

    public void Add(double value)
    {
        lock (_lock)
        {
            _samples[_count % _samples.Length] = value;
            _count++;
        }
    }

    public Summary Summarize()
    {
        double[] window;
        lock (_lock)
        {
            window = _samples[..(int)Math.Min(_count, _samples.Length)];
        }

        if (window.Length == 0)
        {
            return new Summary(0, 0, 0, 0);
        }

        Array.Sort(window);
        return new Summary(window.Length, Percentile(window, 0.50), Percentile(window, 0.99), window.Average());
    }

    private static double Percentile(double[] sorted, double p) =>
        Math.Round(sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)], 2);

    /// <summary>Over the last <paramref name="Samples"/> measurements.</summary>
    public sealed record Summary(int Samples, double P50, double P99, double Mean);
}
