namespace TxCoordinator.Coordinator.Engine;

/// <summary>
/// Few, stable categories of why a transaction aborted, for metrics: the reason itself is free text (it names
/// participants and carries their messages), so it cannot be a metric attribute.
/// </summary>
public static class AbortReasonCategory
{
    /// <summary>The deadline passed before commit, or before every vote came.</summary>
    public const string Timeout = "timeout";

    /// <summary>A participant voted No.</summary>
    public const string VoteNo = "vote_no";

    /// <summary>The only participant of a one-phase commit could not commit.</summary>
    public const string ParticipantFailed = "participant_failed";

    /// <summary>The initiator asked for it (any other reason: the abort request's own text).</summary>
    public const string Requested = "requested";

    /// <summary>The category of a stored abort reason, as written by <see cref="TransactionSteps"/>.</summary>
    public static string Of(string? reason)
    {
        if (reason is null)
        {
            return Requested;
        }

        if (reason.StartsWith("timed out ", StringComparison.Ordinal))
        {
            return Timeout;
        }

        if (reason.StartsWith("participant '", StringComparison.Ordinal))
        {
            if (reason.Contains("' voted No", StringComparison.Ordinal))
            {
                return VoteNo;
            }

            if (reason.Contains("' could not commit", StringComparison.Ordinal))
            {
                return ParticipantFailed;
            }
        }

        return Requested;
    }
}
