using System.ComponentModel.DataAnnotations;

namespace TxCoordinator.Coordinator.Diagnostics;

/// <summary>
/// Section "Coordinator:Telemetry". The exporters (<c>ConsoleExporter</c>, <c>OtlpEndpoint</c>) are read by
/// <c>AddServiceTelemetry</c> from the same section; see docs/observability.md.
/// </summary>
public sealed class CoordinatorTelemetryOptions
{
    public const string SectionName = "Coordinator:Telemetry";

    /// <summary>How often unfinished transactions are counted for the <c>txc.transactions.in_flight</c> gauge.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan InFlightCountInterval { get; set; } = TimeSpan.FromSeconds(5);
}
