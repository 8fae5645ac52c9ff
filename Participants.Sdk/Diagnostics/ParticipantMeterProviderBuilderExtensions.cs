using TxCoordinator.Participants.Diagnostics;

namespace OpenTelemetry.Metrics;

/// <summary>Enables the participant SDK's metrics.</summary>
public static class ParticipantMeterProviderBuilderExtensions
{
    /// <summary>Adds the SDK's <see cref="System.Diagnostics.Metrics.Meter"/>, <see cref="ParticipantsDiagnostics.MeterName"/>.</summary>
    public static MeterProviderBuilder AddTransactionParticipantInstrumentation(this MeterProviderBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddMeter(ParticipantsDiagnostics.MeterName);
    }
}
