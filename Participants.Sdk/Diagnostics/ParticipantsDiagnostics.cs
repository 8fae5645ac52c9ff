using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace TxCoordinator.Participants.Diagnostics;

/// <summary>The SDK's one <see cref="ActivitySource"/> and one <see cref="Meter"/>, named after the product area.</summary>
public static class ParticipantsDiagnostics
{
    public const string ActivitySourceName = "TxCoordinator.Participants";
    public const string MeterName = "TxCoordinator.Participants";

    internal static readonly ActivitySource ActivitySource = new(ActivitySourceName);
    internal static readonly Meter Meter = new(MeterName);

    internal static readonly Counter<long> Votes = Meter.CreateCounter<long>(
        "txc.participant.votes", "{vote}", "Votes sent in answer to Prepare, by vote.");

    internal static readonly Counter<long> Completions = Meter.CreateCounter<long>(
        "txc.participant.completions", "{message}", "Commit/Abort acknowledgements sent, by outcome.");

    internal static readonly Counter<long> Recovered = Meter.CreateCounter<long>(
        "txc.participant.recovered", "{transaction}", "Prepared transactions resolved by recovery, by outcome.");

    internal static readonly Counter<long> Expired = Meter.CreateCounter<long>(
        "txc.participant.expired", "{transaction}", "Open local transactions rolled back because no Prepare came before the deadline.");
}
