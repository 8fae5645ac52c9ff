using System.Data.Common;
using Npgsql;

namespace TxCoordinator.Participants.Storage;

/// <summary>
/// Pool settings for connections whose session state nobody changes (the coordinator's, and the participant SDK's own
/// pool), used unless the connection string sets them. Npgsql's reset on return to the pool is a DISCARD ALL per
/// connection use (pg_stat_statements under load: 2.4 per order on the coordinator's leader, 2.2 per order in each
/// sample participant's database); and it would drop the statements auto-preparation keeps per connection, so the
/// same few statements were parsed and planned on every use.
/// </summary>
internal static class PooledSessionDefaults
{
    public const int MaxAutoPrepare = 32;

    public static void Apply(NpgsqlConnectionStringBuilder settings, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(settings);
        // NpgsqlConnectionStringBuilder.ContainsKey tells whether a keyword exists, not whether it was given: ask a
        // plain builder, ignoring case and spaces ("No Reset On Close", "NoResetOnClose").
        var given = new DbConnectionStringBuilder { ConnectionString = connectionString }.Keys
            .Cast<string>()
            .Select(key => key.Replace(" ", "", StringComparison.Ordinal))
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
        if (!given.Contains(nameof(settings.NoResetOnClose)))
        {
            settings.NoResetOnClose = true;
        }

        if (!given.Contains(nameof(settings.MaxAutoPrepare)))
        {
            settings.MaxAutoPrepare = MaxAutoPrepare;
        }
    }
}
