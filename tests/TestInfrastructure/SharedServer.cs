namespace TxCoordinator.TestInfrastructure;

/// <summary>
/// Finds a server once per test process, however many fixtures ask: the environment variable wins (scripts/test.sh
/// and CI set it); else a Testcontainers container when a Docker engine answers, kept for the whole process and removed
/// when it exits; else a skip reason. Starting a container per fixture would cost seconds each and exhaust memory.
/// </summary>
internal sealed class SharedServer
{
    private static readonly TimeSpan ContainerStartTimeout = TimeSpan.FromMinutes(3);

    private readonly string _name;
    private readonly string _environmentVariable;
    private readonly Func<string, string> _validate;
    private readonly Func<CancellationToken, Task<(string Address, IAsyncDisposable Container)>> _startContainer;
    private readonly Lazy<Task<ServerResolution>> _resolution;

    /// <param name="name">Shown in skip reasons ("PostgreSQL").</param>
    /// <param name="environmentVariable">Holds the address of an already running server.</param>
    /// <param name="validate">Normalizes the variable's value; throws a clear exception when it is malformed.</param>
    /// <param name="startContainer">Builds and starts the container; any exception means "no Docker here".</param>
    public SharedServer(
        string name,
        string environmentVariable,
        Func<string, string> validate,
        Func<CancellationToken, Task<(string Address, IAsyncDisposable Container)>> startContainer)
    {
        _name = name;
        _environmentVariable = environmentVariable;
        _validate = validate;
        _startContainer = startContainer;
        _resolution = new(ResolveOnceAsync, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public Task<ServerResolution> ResolveAsync(CancellationToken cancellationToken = default) =>
        _resolution.Value.WaitAsync(cancellationToken);

    private async Task<ServerResolution> ResolveOnceAsync()
    {
        var configured = Environment.GetEnvironmentVariable(_environmentVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            // A malformed variable is a configuration error, not a reason to skip: it throws from here.
            return new ServerResolution(_validate(configured.Trim()), null);
        }

        using var timeout = new CancellationTokenSource(ContainerStartTimeout);
        try
        {
            var (address, container) = await _startContainer(timeout.Token).ConfigureAwait(false);
            AppDomain.CurrentDomain.ProcessExit += (_, _) => container.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(30));
            return new ServerResolution(address, null);
        }
        catch (Exception ex)
        {
            // DockerUnavailableException when no engine answers; anything else (image pull, start timeout) alike.
            return new ServerResolution(null,
                $"{_name} is not available: set {_environmentVariable} or start Docker (scripts/test.sh does this). " +
                $"Testcontainers said: {ex.GetType().Name}: {ex.Message}");
        }
    }
}
