using Npgsql;

namespace TxCoordinator.Coordinator.Api;

/// <summary>
/// Recognises a request that failed because the replica's PostgreSQL is briefly unreachable (restarting, connection
/// cut): the caller should try again or another replica, so the answer is 503, not a 500 that clients treat as final.
/// </summary>
internal static class TransientDatabaseFailure
{
    public static bool Is(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        // EF Core's retrying execution strategy wraps the last failure in an InvalidOperationException; DbUpdateException
        // wraps it too: look through the chain for Npgsql's own verdict.
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is NpgsqlException { IsTransient: true })
            {
                return true;
            }
        }

        return false;
    }
}
