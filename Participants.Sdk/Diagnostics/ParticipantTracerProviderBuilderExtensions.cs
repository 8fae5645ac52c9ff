using TxCoordinator.Participants.Diagnostics;

namespace OpenTelemetry.Trace;

/// <summary>Enables the participant SDK's spans.</summary>
public static class ParticipantTracerProviderBuilderExtensions
{
    /// <summary>Adds the SDK's <see cref="System.Diagnostics.ActivitySource"/>, <see cref="ParticipantsDiagnostics.ActivitySourceName"/>.</summary>
    public static TracerProviderBuilder AddTransactionParticipantInstrumentation(this TracerProviderBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddSource(ParticipantsDiagnostics.ActivitySourceName);
    }
}
