using Microsoft.Extensions.Options;
using Npgsql;
using TxCoordinator.Participants.Participation;

namespace TxCoordinator.Participants.Storage;

/// <summary>
/// The SDK's own connection pool to the participant's database, kept apart from any NpgsqlDataSource the application
/// registers. Each open local transaction holds one connection until Prepare. Its connections are not reset when
/// they return to the pool (<see cref="PooledSessionDefaults"/>): the work runs inside a transaction, so state it sets
/// with SET LOCAL ends with it; a plain SET outlives it unless the connection string says No Reset On Close=false.
/// </summary>
internal sealed class ParticipantDataSource : IAsyncDisposable, IDisposable
{
    public ParticipantDataSource(IOptions<ParticipantOptions> options)
    {
        var builder = new NpgsqlDataSourceBuilder(options.Value.ConnectionString);
        PooledSessionDefaults.Apply(builder.ConnectionStringBuilder, options.Value.ConnectionString);
        // Work is enlisted explicitly; System.Transactions enlistment cannot be recovered after a crash.
        builder.ConnectionStringBuilder.Enlist = false;
        builder.ConnectionStringBuilder.ApplicationName ??= "txc-participant-" + options.Value.ParticipantId;
        // Commands are traced only inside a trace (a request or a protocol message): recovery and expiry sweeps
        // run every few seconds and would otherwise make a trace of their own each time.
        builder.ConfigureTracing(tracing => tracing
            .ConfigureCommandFilter(_ => System.Diagnostics.Activity.Current is not null)
            .EnablePhysicalOpenTracing(false));
        DataSource = builder.Build();
    }

    public NpgsqlDataSource DataSource { get; }

    public ValueTask<NpgsqlConnection> OpenConnectionAsync(CancellationToken cancellationToken = default) =>
        DataSource.OpenConnectionAsync(cancellationToken);

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();

    public void Dispose() => DataSource.Dispose();
}
