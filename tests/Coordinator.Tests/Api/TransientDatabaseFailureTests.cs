using System.Net.Sockets;
using Npgsql;
using TxCoordinator.Coordinator.Api;

namespace TxCoordinator.Coordinator.Tests.Api;

public sealed class TransientDatabaseFailureTests
{
    [Fact]
    public void Is_RefusedConnectionWrappedByTheRetryStrategy_IsTransient()
    {
        var refused = new NpgsqlException("Failed to connect to 127.0.0.1:5432", new SocketException((int)SocketError.ConnectionRefused));
        var wrapped = new InvalidOperationException("An exception has been raised that is likely due to a transient failure.", refused);

        Assert.True(TransientDatabaseFailure.Is(wrapped));
    }

    [Fact]
    public void Is_ServerStartingUp_IsTransient()
    {
        var starting = new PostgresException("the database system is starting up", "FATAL", "FATAL", PostgresErrorCodes.CannotConnectNow);

        Assert.True(TransientDatabaseFailure.Is(new InvalidOperationException("wrapped", starting)));
    }

    [Fact]
    public void Is_ConstraintViolationOrOtherBug_IsNotTransient()
    {
        var unique = new PostgresException("duplicate key", "ERROR", "ERROR", PostgresErrorCodes.UniqueViolation);

        Assert.False(TransientDatabaseFailure.Is(new InvalidOperationException("wrapped", unique)));
        Assert.False(TransientDatabaseFailure.Is(new InvalidOperationException("no database involved")));
    }
}
