namespace TxCoordinator.IntegrationTests.Telemetry;

/// <summary>A span as OpenTelemetry's console exporter prints it.</summary>
public sealed record ConsoleSpan(string TraceId, string SpanId, string Name, IReadOnlyDictionary<string, string> Tags)
{
    /// <summary>
    /// Reads the spans in a process's output. Each starts with an "Activity.TraceId:" line; its fields are
    /// "Activity.X: value" lines and its attributes the indented "key: value" lines under "Activity.Tags:". Other
    /// lines (log output in between) are skipped.
    /// </summary>
    public static IReadOnlyList<ConsoleSpan> Parse(string output)
    {
        var spans = new List<ConsoleSpan>();
        string? traceId = null, spanId = null, name = null;
        Dictionary<string, string> tags = [];
        var inTags = false;

        void Flush()
        {
            if (traceId is not null && spanId is not null && name is not null)
            {
                spans.Add(new ConsoleSpan(traceId, spanId, name, tags));
            }
        }

        foreach (var raw in output.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (Field(line, "Activity.TraceId:") is { } newTrace)
            {
                Flush();
                (traceId, spanId, name, tags, inTags) = (newTrace, null, null, [], false);
            }
            else if (Field(line, "Activity.SpanId:") is { } span)
            {
                spanId = span;
            }
            else if (Field(line, "Activity.DisplayName:") is { } display)
            {
                name = display;
            }
            else if (line.StartsWith("Activity.Tags:", StringComparison.Ordinal))
            {
                inTags = true;
            }
            else if (!line.StartsWith(' '))
            {
                // Any unindented line ends the attributes ("Instrumentation scope", "Resource ...", a log line).
                inTags = false;
            }
            else if (inTags && line.StartsWith("    ", StringComparison.Ordinal) && line.IndexOf(": ", StringComparison.Ordinal) is > 0 and var colon)
            {
                tags[line[..colon].Trim()] = line[(colon + 2)..].Trim();
            }
        }

        Flush();
        return spans;
    }

    private static string? Field(string line, string prefix) =>
        line.StartsWith(prefix, StringComparison.Ordinal) ? line[prefix.Length..].Trim() : null;
}
