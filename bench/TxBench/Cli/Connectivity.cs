using Npgsql;

namespace TxCoordinator.Bench.Cli;

/// <summary>Checks that the servers a mode needs answer before measuring anything, with a clear message when not.</summary>
public static class Connectivity
{
    private static readonly TimeSpan HttpTimeout = TimeSpan.FromSeconds(5);

    /// <exception cref="UnreachableException">The database does not answer.</exception>
    public static async Task EnsureDatabaseAsync(NpgsqlDataSource dataSource, string option, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(HttpTimeout);
        try
        {
            await using var command = dataSource.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync(timeout.Token);
        }
        catch (Exception ex) when (ex is NpgsqlException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new UnreachableException($"{option}: PostgreSQL does not answer ({ex.Message})", ex);
        }
    }

    /// <exception cref="UnreachableException">Nothing answers 2xx at the address's health endpoint.</exception>
    public static async Task EnsureHttpAsync(HttpClient http, Uri baseUrl, string option, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(baseUrl);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(HttpTimeout);
        try
        {
            using var response = await http.GetAsync(new Uri(baseUrl, "health/ready"), timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                throw new UnreachableException($"{option}: {baseUrl} answers {(int)response.StatusCode} on /health/ready");
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new UnreachableException($"{option}: nothing answers at {baseUrl} ({ex.Message})", ex);
        }
    }
}
