using System.Globalization;
using System.Text.RegularExpressions;

namespace TxCoordinator.IntegrationTests.Stack;

/// <summary>A process's /metrics, and the sum of a metric's samples in it.</summary>
public static partial class PrometheusScrape
{
    public static async Task<string> ScrapeAsync(this HttpClient http, Uri service)
    {
        using var response = await http.GetAsync(new Uri(service, "metrics"), TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>The sum of a metric's samples over all its label sets; 0 when absent.</summary>
    public static double Value(string exposition, string metric) =>
        SampleLine().Matches(exposition)
            .Where(m => m.Groups["name"].Value == metric)
            .Sum(m => double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture));

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (?<value>[-+0-9.eE]+|NaN)", RegexOptions.Multiline)]
    private static partial Regex SampleLine();
}
