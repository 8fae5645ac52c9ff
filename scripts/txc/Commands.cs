using System.Text.Json;

namespace TxCoordinator.Cli;

/// <summary>Each txc command: a call to the coordinator and its answer printed as a table, or as JSON with --json.</summary>
internal sealed class Commands(CoordinatorClient client, TextWriter output, bool json)
{
    public async Task StatusAsync(CancellationToken cancellationToken)
    {
        JsonDocument? cluster = null;
        Uri from;
        try
        {
            (cluster, from) = await client.SendAsync(HttpMethod.Get, "cluster", cancellationToken: cancellationToken);
        }
        catch (RefusedException ex) when (ex.Status == 404)
        {
            // A lone coordinator has no /cluster.
            from = client.Urls[0];
        }

        var (summary, _) = await client.SendAsync(HttpMethod.Get, "admin/transactions/summary", cancellationToken: cancellationToken);
        using (summary)
        using (cluster)
        {
            if (json)
            {
                Write(new { cluster = cluster?.RootElement, summary = summary.RootElement });
                return;
            }

            if (cluster is null)
            {
                output.WriteLine($"single coordinator at {from.GetLeftPart(UriPartial.Authority)} (no replication)");
            }
            else
            {
                var root = cluster.RootElement;
                output.WriteLine($"leader: {root.Text("leader") ?? "none"}   term: {root.Text("term")}   (asked {root.Text("replicaId")})");
                var rows = root.GetProperty("replicas").EnumerateArray().Select(r => new[]
                {
                    r.Text("replicaId") ?? "", r.Text("role") ?? "", r.Text("term") ?? "", r.Text("commitIndex") ?? "",
                    r.Text("appliedIndex") ?? "", r.Text("lag") ?? "-", r.Text("httpUrl") ?? "", r.Text("error") ?? "",
                });
                Table(["REPLICA", "ROLE", "TERM", "COMMIT", "APPLIED", "LAG", "URL", "ERROR"], rows);
            }

            var s = summary.RootElement;
            var states = string.Join("  ", s.GetProperty("byState").EnumerateObject().Select(p => $"{p.Name}={p.Value.GetRawText()}"));
            output.WriteLine($"transactions: {s.Text("total")}  {states}");
            output.WriteLine($"unfinished: {s.Text("unfinished")}  oldest unfinished: {Age(s.Text("oldestUnfinishedAgeSeconds"))}  " +
                $"stuck: {s.Text("stuckTransactions")} transactions ({s.Text("stuckParticipants")} participants at ≥ {s.Text("stuckAfterAttempts")} deliveries)");
        }
    }

    public async Task ListAsync(CommandLine line, CancellationToken cancellationToken)
    {
        var query = new List<string>();
        foreach (var state in line.All("state"))
        {
            query.Add("state=" + Uri.EscapeDataString(state));
        }

        Add(query, "olderThan", line.One("older-than"));
        Add(query, "participant", line.One("participant"));
        Add(query, "limit", line.One("limit"));
        Add(query, "after", line.One("after"));
        Add(query, "order", line.One("order"));
        var path = "admin/transactions" + (query.Count > 0 ? "?" + string.Join('&', query) : "");
        var (page, _) = await client.SendAsync(HttpMethod.Get, path, cancellationToken: cancellationToken);
        using (page)
        {
            if (json)
            {
                Write(page.RootElement);
                return;
            }

            var rows = page.RootElement.GetProperty("items").EnumerateArray().Select(t => new[]
            {
                t.Text("id") ?? "", t.Text("state") ?? "", t.GetProperty("createdAt").GetDateTimeOffset().ToString("u"),
                Age(t.Text("ageSeconds")), string.Join(',', t.GetProperty("participants").EnumerateArray().Select(p => p.GetString())),
                t.GetProperty("stuck").GetBoolean() ? $"STUCK ({t.Text("maxDeliveryAttempts")})" : t.Text("maxDeliveryAttempts") ?? "",
                t.Text("abortReason") ?? "",
            }).ToList();
            Table(["ID", "STATE", "CREATED", "AGE", "PARTICIPANTS", "DELIVERIES", "ABORT REASON"], rows);
            if (page.RootElement.Text("next") is { } next)
            {
                output.WriteLine($"more: txc tx list ... --after {next}");
            }
        }
    }

    public async Task ShowAsync(string id, CancellationToken cancellationToken)
    {
        var (detail, _) = await client.SendAsync(HttpMethod.Get, $"admin/transactions/{Uri.EscapeDataString(id)}", cancellationToken: cancellationToken);
        using (detail)
        {
            if (json)
            {
                Write(detail.RootElement);
                return;
            }

            var tx = detail.RootElement;
            output.WriteLine($"transaction {tx.Text("id")}");
            output.WriteLine($"  state:    {tx.Text("state")}{(tx.Text("outcome") is { } o ? $" (outcome {o})" : "")}{(tx.GetProperty("onePhase").GetBoolean() ? ", one phase" : "")}");
            output.WriteLine($"  created:  {tx.Text("createdAt")}   deadline: {tx.Text("deadline")}");
            if (tx.Text("abortReason") is { } reason)
            {
                output.WriteLine($"  reason:   {reason}");
            }

            var metadata = tx.GetProperty("metadata").EnumerateObject().Select(p => $"{p.Name}={p.Value.GetString()}").ToList();
            if (metadata.Count > 0)
            {
                output.WriteLine($"  metadata: {string.Join(", ", metadata)}");
            }

            output.WriteLine();
            Table(["PARTICIPANT", "VOTE", "ACK", "DELIVERIES", "ENDPOINT"], tx.GetProperty("participants").EnumerateArray().Select(p => new[]
            {
                p.Text("participantId") ?? "", p.Text("vote") ?? "-", p.Text("acknowledgedOutcome") ?? "-",
                (p.Text("deliveryAttempts") ?? "") + (p.GetProperty("stuck").GetBoolean() ? " STUCK" : ""), p.Text("endpoint") ?? "",
            }));
            output.WriteLine();
            output.WriteLine("timeline:");
            Table(["AT", "EVENT", "PARTICIPANT", "DETAIL"], tx.GetProperty("timeline").EnumerateArray().Select(e => new[]
            {
                e.GetProperty("at").GetDateTimeOffset().ToString("yyyy-MM-dd HH:mm:ss.fff"), e.Text("event") ?? "",
                e.Text("participant") ?? "", e.Text("detail") ?? "",
            }));
        }
    }

    public async Task AbortAsync(string id, string reason, string @operator, CancellationToken cancellationToken)
    {
        var (result, _) = await client.SendAsync(
            HttpMethod.Post, $"admin/transactions/{Uri.EscapeDataString(id)}/heuristic-abort", new { reason, @operator }, cancellationToken);
        using (result)
        {
            if (json)
            {
                Write(result.RootElement);
                return;
            }

            var r = result.RootElement;
            output.WriteLine($"transaction {r.Text("id")} aborted by {@operator} (was {r.GetProperty("audit").Text("stateBefore")}, now {r.Text("state")})");
        }
    }

    private static void Add(List<string> query, string name, string? value)
    {
        if (value is not null)
        {
            query.Add($"{name}={Uri.EscapeDataString(value)}");
        }
    }

    private static string Age(string? seconds) =>
        seconds is null || !double.TryParse(seconds, System.Globalization.CultureInfo.InvariantCulture, out var s) ? "-"
        : s < 120 ? $"{s:0.#}s"
        : s < 7200 ? $"{s / 60:0.#}m"
        : s < 172_800 ? $"{s / 3600:0.#}h"
        : $"{s / 86_400:0.#}d";

    private void Write<T>(T value) => output.WriteLine(JsonSerializer.Serialize(value, Json.Indented));

    private void Table(string[] header, IEnumerable<string[]> rows)
    {
        var all = new List<string[]> { header };
        all.AddRange(rows);
        var widths = header.Select((_, c) => all.Max(r => r[c].Length)).ToArray();
        foreach (var row in all)
        {
            output.WriteLine(string.Join("  ", row.Select((cell, c) => c == row.Length - 1 ? cell : cell.PadRight(widths[c]))).TrimEnd());
        }

        if (all.Count == 1)
        {
            output.WriteLine("(none)");
        }
    }
}
