using System.Globalization;
using System.Text.RegularExpressions;

namespace TxCoordinator.Coordinator.Admin;

/// <summary>Durations as operators type them: "500ms", "30s", "5m", "2h", "1d", or a TimeSpan ("00:05:00").</summary>
public static partial class DurationParser
{
    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var match = ShortForm().Match(text.Trim());
        if (match.Success)
        {
            if (!double.TryParse(match.Groups["n"].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n))
            {
                return false;
            }

            var unit = match.Groups["unit"].Value.ToLowerInvariant() switch
            {
                "ms" => TimeSpan.FromMilliseconds(1),
                "s" => TimeSpan.FromSeconds(1),
                "m" => TimeSpan.FromMinutes(1),
                "h" => TimeSpan.FromHours(1),
                _ => TimeSpan.FromDays(1),
            };
            // Beyond about ten thousand years a TimeSpan overflows: such a filter is a typing error.
            if (n * unit.TotalDays > 3_650_000)
            {
                return false;
            }

            duration = unit * n;
            return true;
        }

        // TimeSpan alone reads "30" as thirty days: a bare number is refused, a unit or a colon is required.
        return text.Contains(':', StringComparison.Ordinal)
            && TimeSpan.TryParse(text.Trim(), CultureInfo.InvariantCulture, out duration) && duration >= TimeSpan.Zero;
    }

    [GeneratedRegex(@"^(?<n>\d+(\.\d+)?)(?<unit>ms|s|m|h|d)$", RegexOptions.IgnoreCase)]
    private static partial Regex ShortForm();
}
