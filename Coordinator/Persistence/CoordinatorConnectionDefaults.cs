using System.Data.Common;
using Npgsql;

namespace TxCoordinator.Coordinator.Persistence;

/// <summary>
/// Connection settings the coordinator's pool uses unless its connection string sets them. The coordinator sets no
/// session state, so a connection returned to the pool needs no DISCARD ALL (pg_stat_statements under load: 2.4 per
/// order on the leader, one per applied log entry on every replica); and its few statements, the applier's above all,
/// are prepared once per connection instead of being parsed and planned each time.
/// </summary>
internal static class CoordinatorConnectionDefaults
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
