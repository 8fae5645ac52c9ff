using Microsoft.Extensions.Options;
using Npgsql;
using TxCoordinator.Participants.Participation;

namespace TxCoordinator.Participants.Storage;

/// <summary>
/// The SDK's own connection pool to the participant's database, kept apart from any NpgsqlDataSource the application
/// registers. Each open local transaction holds one connection until Prepare.
/// </summary>
internal sealed class ParticipantDataSource : IAsyncDisposable, IDisposable
{
    public ParticipantDataSource(IOptions<ParticipantOptions> options)
    {
        var builder = new NpgsqlDataSourceBuilder(options.Value.ConnectionString);
        // Work is enlisted explicitly; System.Transactions enlistment cannot be recovered after a crash.
        builder.ConnectionStringBuilder.Enlist = false;
        builder.ConnectionStringBuilder.ApplicationName ??= "txc-participant-" + options.Value.ParticipantId;
        DataSource = builder.Build();
    }

    public NpgsqlDataSource DataSource { get; }

    public ValueTask<NpgsqlConnection> OpenConnectionAsync(CancellationToken cancellationToken = default) =>
        DataSource.OpenConnectionAsync(cancellationToken);

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();

    public void Dispose() => DataSource.Dispose();
}
