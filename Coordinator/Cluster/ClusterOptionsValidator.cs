using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace TxCoordinator.Coordinator.Cluster;

/// <summary>Rejects a cluster configuration that could never form a working group, at start-up.</summary>
internal sealed partial class ClusterOptionsValidator : IValidateOptions<ClusterOptions>
{
    public ValidateOptionsResult Validate(string? name, ClusterOptions options)
    {
        if (!options.Enabled)
        {
            return ValidateOptionsResult.Success;
        }

        var errors = new List<string>();
        if (options.Members.Count is not (3 or 5 or 7))
        {
            errors.Add($"Coordinator:Cluster:Members must list 3, 5 or 7 replicas (a majority must survive a failure), not {options.Members.Count}.");
        }

        foreach (var (member, i) in options.Members.Select((m, i) => (m, i)))
        {
            if (member.Id is null || !ReplicaIdPattern().IsMatch(member.Id))
            {
                errors.Add($"Coordinator:Cluster:Members:{i}:Id must be 1-32 characters: lower-case letters, digits or '-'.");
            }

            if (!IPEndPoint.TryParse(member.RaftEndPoint ?? "", out var endPoint) || endPoint.Port == 0)
            {
                errors.Add($"Coordinator:Cluster:Members:{i}:RaftEndPoint must be ip:port, not '{member.RaftEndPoint}'.");
            }

            if (member.HttpUrl is not { IsAbsoluteUri: true, Scheme: "http" or "https" })
            {
                errors.Add($"Coordinator:Cluster:Members:{i}:HttpUrl must be an absolute http(s) URL.");
            }
        }

        if (options.Members.Select(m => m.Id).Distinct(StringComparer.Ordinal).Count() != options.Members.Count)
        {
            errors.Add("Coordinator:Cluster:Members: replica ids must be unique.");
        }

        if (options.Members.Select(m => m.RaftEndPoint).Distinct(StringComparer.Ordinal).Count() != options.Members.Count)
        {
            errors.Add("Coordinator:Cluster:Members: Raft endpoints must be unique.");
        }

        if (!options.Members.Any(m => string.Equals(m.Id, options.ReplicaId, StringComparison.Ordinal)))
        {
            errors.Add($"Coordinator:Cluster:ReplicaId '{options.ReplicaId}' must be the id of one of the members.");
        }

        if (string.IsNullOrWhiteSpace(options.DataPath))
        {
            errors.Add("Coordinator:Cluster:DataPath must name the folder of this replica's write-ahead log.");
        }

        if (options.LowerElectionTimeoutMs >= options.UpperElectionTimeoutMs)
        {
            errors.Add("Coordinator:Cluster:LowerElectionTimeoutMs must be below UpperElectionTimeoutMs.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    // \z, not $: $ also matches before a final newline, and the id ends up in HTTP headers.
    [GeneratedRegex(@"^[a-z0-9][a-z0-9-]{0,31}\z")]
    private static partial Regex ReplicaIdPattern();
}
