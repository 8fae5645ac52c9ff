namespace TxCoordinator.ServiceDefaults;

/// <summary>Where a service's traces and metrics go; bound from the section given to <c>AddServiceTelemetry</c>.</summary>
public sealed class ServiceTelemetryOptions
{
    /// <summary>Writes every finished span to standard output (for development and tests; slow under load).</summary>
    public bool ConsoleExporter { get; set; }

    /// <summary>
    /// OTLP collector for traces and metrics. When unset, the standard variable <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is
    /// used; when neither is set nothing is exported by OTLP.
    /// </summary>
    public Uri? OtlpEndpoint { get; set; }
}
