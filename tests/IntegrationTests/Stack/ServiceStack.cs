using System.Net.Http.Json;
using Npgsql;
using TxCoordinator.Contracts;
using TxCoordinator.TestInfrastructure;

namespace TxCoordinator.IntegrationTests.Stack;

/// <summary>
/// The real thing, as separate processes: coordinator (one, or a Raft group of replicas), Inventory, Payments and
/// Orders on fresh databases and private queue names (so other test assemblies sharing the broker never see our
/// messages). The samples run as configured in their appsettings.json: their participants vote as they enlist
/// (<c>VoteOnComplete</c>); <see cref="ClassicParticipantsStack"/> runs them waiting for Prepare.
/// </summary>
public class ServiceStack : IAsyncLifetime
{
    private readonly int _replicas;
    private int _preferredReplica;

    private readonly PostgresServer _postgres = new();
    private readonly RabbitMqServer _rabbitMq = new();
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..8];
    private readonly Dictionary<string, ProcessHost> _processes = [];
    private readonly Dictionary<string, (string Dll, Dictionary<string, string> Environment, Uri Url)> _definitions = [];

    public ServiceStack()
        : this(replicas: 1)
    {
    }

    protected ServiceStack(
        int replicas, Dictionary<string, string>? coordinatorSettings = null, Dictionary<string, string>? participantSettings = null)
    {
        _replicas = replicas;
        _coordinatorSettings = coordinatorSettings ?? [];
        _participantSettings = participantSettings ?? [];
    }

    private readonly Dictionary<string, string> _coordinatorSettings;
    private readonly Dictionary<string, string> _participantSettings;

    /// <summary>The first replica's URL (the only coordinator's, without replication).</summary>
    public Uri CoordinatorUrl => CoordinatorUrls[0];

    public IReadOnlyList<Uri> CoordinatorUrls { get; private set; } = [];

    /// <summary>Process names of the coordinator replicas: "coordinator", or "coordinator-r1" .. "coordinator-rN".</summary>
    public IReadOnlyList<string> Replicas { get; private set; } = [];

    /// <summary>The process name of the replica whose <c>Coordinator:Cluster:ReplicaId</c> is <paramref name="replicaId"/>.</summary>
    public static string ReplicaName(string replicaId) => ReplicaNamePrefix + replicaId;

    /// <summary>The <c>Coordinator:Cluster:ReplicaId</c> ("r1") of a replica named by <see cref="Replicas"/> ("coordinator-r1").</summary>
    public static string ReplicaIdOf(string replica) => replica[ReplicaNamePrefix.Length..];

    private const string ReplicaNamePrefix = "coordinator-";

    /// <summary>Each replica's own database (its applied copy of the decision log), in replica order.</summary>
    public IReadOnlyList<string> CoordinatorDatabases { get; private set; } = [];

    public Uri InventoryUrl { get; private set; } = null!;
    public Uri PaymentsUrl { get; private set; } = null!;
    public Uri OrdersUrl { get; private set; } = null!;
    public Uri RabbitMq => _rabbitMq.Uri;

    /// <summary>The broker itself, to inspect queues or put raw bytes into them.</summary>
    public RabbitMqServer Broker => _rabbitMq;

    public string CoordinatorQueue => $"txc-coordinator-{_suffix}";
    public string InventoryEndpoint => $"txc-participant-inventory-{_suffix}";
    public string PaymentsEndpoint => $"txc-participant-payments-{_suffix}";
    public string CoordinatorDatabase => CoordinatorDatabases[0];
    public string InventoryDatabase { get; private set; } = null!;
    public string PaymentsDatabase { get; private set; } = null!;
    public SampleData Data { get; private set; } = null!;
    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(60) };
    public string? SkipReason { get; private set; }

    public async ValueTask InitializeAsync()
    {
        await _postgres.InitializeAsync();
        await _rabbitMq.InitializeAsync();
        SkipReason = _postgres.SkipReason ?? _rabbitMq.SkipReason;
        if (SkipReason is not null)
        {
            return;
        }

        var databases = new List<string>();
        for (var i = 0; i < _replicas; i++)
        {
            databases.Add(await _postgres.CreateDatabaseAsync("itcoord"));
        }

        CoordinatorDatabases = databases;
        InventoryDatabase = await _postgres.CreateDatabaseAsync("itinv");
        PaymentsDatabase = await _postgres.CreateDatabaseAsync("itpay");
        Data = new SampleData(InventoryDatabase, PaymentsDatabase);
        DefineCoordinators();
        InventoryUrl = Define("inventory", "SampleServices/Inventory", "TxCoordinator.Samples.Inventory.dll", Participant("Inventory", InventoryDatabase, InventoryEndpoint));
        PaymentsUrl = Define("payments", "SampleServices/Payments", "TxCoordinator.Samples.Payments.dll", Participant("Payments", PaymentsDatabase, PaymentsEndpoint));
        var orders = new Dictionary<string, string>
        {
            ["Services__Inventory"] = InventoryUrl.ToString(),
            ["Services__Payments"] = PaymentsUrl.ToString(),
        };
        for (var i = 0; i < CoordinatorUrls.Count; i++)
        {
            orders[$"TransactionCoordinator__Urls__{i}"] = CoordinatorUrls[i].ToString();
        }

        OrdersUrl = Define("orders", "SampleServices/Orders", "TxCoordinator.Samples.Orders.dll", orders);

        // The coordinator first: it creates its schema, and participants enlist with it. Replicas start together:
        // each is ready only once a leader is elected, which takes a majority.
        await Task.WhenAll(Replicas.Select(StartAsync));
        await Task.WhenAll(StartAsync("inventory"), StartAsync("payments"), StartAsync("orders"));
    }

    private void DefineCoordinators()
    {
        var urls = Enumerable.Range(0, _replicas).Select(_ => new Uri($"http://127.0.0.1:{FreePort.Next()}/")).ToList();
        var raftPorts = Enumerable.Range(0, _replicas).Select(_ => FreePort.Next()).ToList();
        var names = new List<string>();
        for (var i = 0; i < _replicas; i++)
        {
            var environment = new Dictionary<string, string>
            {
                ["ConnectionStrings__Coordinator"] = CoordinatorDatabases[i],
                ["Coordinator__ApplyMigrationsOnStartup"] = "true",
                ["Coordinator__QueueName"] = CoordinatorQueue,
                ["Coordinator__SweepInterval"] = "00:00:00.200",
                ["Coordinator__ResendInitialDelay"] = "00:00:00.500",
                ["Coordinator__ResendMaxDelay"] = "00:00:02",
                // Spans on stdout, so tests can follow one order's trace through every process (see TelemetryTests).
                ["Coordinator__Telemetry__ConsoleExporter"] = "true",
                ["Coordinator__Telemetry__InFlightCountInterval"] = "00:00:00.500",
            };
            var name = "coordinator";
            if (_replicas > 1)
            {
                name = ReplicaName($"r{i + 1}");
                environment["Coordinator__Cluster__ReplicaId"] = ReplicaIdOf(name);
                environment["Coordinator__Cluster__DataPath"] = Path.Combine(LogDirectory, "raft", $"r{i + 1}");
                for (var m = 0; m < _replicas; m++)
                {
                    environment[$"Coordinator__Cluster__Members__{m}__Id"] = $"r{m + 1}";
                    environment[$"Coordinator__Cluster__Members__{m}__RaftEndPoint"] = $"127.0.0.1:{raftPorts[m]}";
                    environment[$"Coordinator__Cluster__Members__{m}__HttpUrl"] = urls[m].ToString();
                }
            }

            foreach (var (key, value) in _coordinatorSettings)
            {
                environment[key] = value;
            }

            Define(name, "Coordinator", "TxCoordinator.Coordinator.dll", environment, urls[i]);
            names.Add(name);
        }

        CoordinatorUrls = urls;
        Replicas = names;
    }

    /// <summary>
    /// A setting of one process only (a replica's fault to inject, a participant's recovery), applied at its next
    /// start; null removes it. Returns what it was, to put back.
    /// </summary>
    public string? Configure(string name, string key, string? value)
    {
        var environment = _definitions[name].Environment;
        environment.TryGetValue(key, out var previous);
        if (value is null)
        {
            environment.Remove(key);
        }
        else
        {
            environment[key] = value;
        }

        return previous;
    }

    public string DatabaseOf(string replica) => CoordinatorDatabases[Replicas.ToList().IndexOf(replica)];

    public Uri UrlOf(string replica) => CoordinatorUrls[Replicas.ToList().IndexOf(replica)];

    private Dictionary<string, string> Participant(string name, string database, string endpoint)
    {
        var environment = new Dictionary<string, string>
        {
            [$"ConnectionStrings__{name}"] = database,
            ["TransactionParticipant__EndpointName"] = endpoint,
            ["TransactionParticipant__CoordinatorQueue"] = CoordinatorQueue,
            ["TransactionParticipant__RecoveryInterval"] = "00:00:01",
            // Branches orphaned by a coordinator failover before the decision, if their participant missed the
            // announcement of the abort, are resolved by recovery (replication.md).
            ["TransactionParticipant__RecoveryGracePeriod"] = "00:00:03",
        };
        for (var i = 0; i < CoordinatorUrls.Count; i++)
        {
            environment[$"TransactionParticipant__CoordinatorUrls__{i}"] = CoordinatorUrls[i].ToString();
        }

        foreach (var (key, value) in _participantSettings)
        {
            environment[key] = value;
        }

        return environment;
    }

    private Uri Define(string name, string projectDirectory, string dll, Dictionary<string, string> environment, Uri? url = null)
    {
        url ??= new Uri($"http://127.0.0.1:{FreePort.Next()}/");
        environment["ConnectionStrings__RabbitMq"] = RabbitMq.ToString();
        environment["Logging__LogLevel__Default"] = "Warning";
        environment["Logging__LogLevel__TxCoordinator"] = "Information";
        environment.TryAdd("Telemetry__ConsoleExporter", "true");
        _definitions[name] = (SolutionPaths.ProjectOutput(projectDirectory, dll), environment, url);
        return url;
    }

    public async Task StartAsync(string name)
    {
        if (_processes.TryGetValue(name, out var previous))
        {
            // Killed or crashed, as a rule; one still running would hold the port and never be stopped.
            await previous.DisposeAsync();
            await SaveLogAsync(name, previous);
        }

        var (dll, environment, url) = _definitions[name];
        var host = ProcessHost.Start(dll, ["--urls", url.ToString().TrimEnd('/')], environment);
        _processes[name] = host;
        await host.WaitForHttpAsync(new Uri(url, "health/ready"), TimeSpan.FromSeconds(60));
    }

    /// <summary>SIGKILL: no shutdown code runs, exactly like a crash.</summary>
    public async Task KillAsync(string name)
    {
        await _processes[name].KillAsync();
    }

    /// <summary>Waits for the named process to exit on its own; returns its exit code.</summary>
    public Task<int> WaitForExitAsync(string name, TimeSpan timeout) => _processes[name].WaitForExitAsync(timeout);

    /// <summary>Whether the named process is alive (it has not crashed or been killed).</summary>
    public bool IsRunning(string name) => _processes.TryGetValue(name, out var host) && !host.HasExited;

    public void Pause(string name) => _processes[name].Pause();

    public void Resume(string name) => _processes[name].Resume();

    public async Task<TransactionView> BeginAsync(double timeoutSeconds = 10, Dictionary<string, string>? metadata = null)
    {
        var response = await CoordinatorAsync(url => Http.PostAsJsonAsync(new Uri(url, "transactions"), new BeginTransactionRequest(timeoutSeconds, metadata)));
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<TransactionView>())!;
    }

    public async Task<TransactionView> GetAsync(Guid transactionId)
    {
        var response = await CoordinatorAsync(url => Http.GetAsync(new Uri(url, $"transactions/{transactionId}")));
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<TransactionView>())!;
    }

    public Task<HttpResponseMessage> CommitAsync(Guid transactionId) =>
        CoordinatorAsync(url => Http.PostAsync(new Uri(url, $"transactions/{transactionId}/commit"), null));

    public Task<HttpResponseMessage> AbortAsync(Guid transactionId) =>
        CoordinatorAsync(url => Http.PostAsync(new Uri(url, $"transactions/{transactionId}/abort"), null));

    public Task<HttpResponseMessage> EnlistAsync(Guid transactionId, string participantId, string endpoint) =>
        CoordinatorAsync(url => Http.PostAsJsonAsync(new Uri(url, $"transactions/{transactionId}/participants"), new EnlistRequest(participantId, endpoint)));

    /// <summary>
    /// Calls the coordinator the way the SDK's client does: a replica that is down or answers 503 (no leader yet)
    /// is skipped for the next, for a bounded time; every call used here is idempotent.
    /// </summary>
    private async Task<HttpResponseMessage> CoordinatorAsync(Func<Uri, Task<HttpResponseMessage>> call)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var index = Volatile.Read(ref _preferredReplica);
            try
            {
                var response = await call(CoordinatorUrls[index]);
                if (response.StatusCode != System.Net.HttpStatusCode.ServiceUnavailable || DateTime.UtcNow > deadline)
                {
                    return response;
                }

                response.Dispose();
            }
            catch (Exception ex) when (ex is HttpRequestException or System.Net.Sockets.SocketException or IOException)
            {
                if (DateTime.UtcNow >= deadline)
                {
                    throw new HttpRequestException($"{ex.Message}; no replica answered within 30 s.{Describe(Replicas)}", ex);
                }
            }

            Volatile.Write(ref _preferredReplica, (index + 1) % CoordinatorUrls.Count);
            await Task.Delay(100);
        }
    }

    public Task<HttpResponseMessage> ReserveAsync(Guid transactionId, Guid orderId, string sku, int quantity) =>
        SendWithTransactionAsync(new Uri(InventoryUrl, "reservations"), transactionId, new { orderId, sku, quantity });

    public Task<HttpResponseMessage> ChargeAsync(Guid transactionId, Guid orderId, string customerId, decimal amount, string cardNumber = "4242424242424242") =>
        SendWithTransactionAsync(new Uri(PaymentsUrl, "charges"), transactionId, new { orderId, customerId, amount, cardNumber });

    private Task<HttpResponseMessage> SendWithTransactionAsync(Uri uri, Guid transactionId, object body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = JsonContent.Create(body) };
        request.Headers.Add(TransactionHeaders.TransactionId, transactionId.ToString());
        return Http.SendAsync(request);
    }

    public async Task<long> UnfinishedTransactionsAsync(string? database = null)
    {
        await using var connection = new NpgsqlConnection(database ?? CoordinatorDatabase);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM transactions WHERE state NOT IN ('Committed', 'Aborted')", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Where each process's output is kept after the run, for diagnosing a failure.</summary>
    public string LogDirectory => Path.Combine(Path.GetTempPath(), $"txc-integration-{_suffix}");

    private async Task SaveLogAsync(string name, ProcessHost host)
    {
        Directory.CreateDirectory(LogDirectory);
        await File.AppendAllTextAsync(Path.Combine(LogDirectory, $"{name}.log"), host.Output);
    }

    public string LogsOf(string name) => _processes.TryGetValue(name, out var host) ? host.Output : "";

    /// <summary>
    /// For a failure message: whether each named process runs (or how it ended), with its last warnings and errors
    /// (a service that crashed, or could not start again, says why there).
    /// </summary>
    public string Describe(IEnumerable<string> names)
    {
        var text = new System.Text.StringBuilder();
        foreach (var name in names)
        {
            if (!_processes.TryGetValue(name, out var host))
            {
                text.Append($"\n{name}: never started");
                continue;
            }

            var lines = host.Output.Split('\n');
            var problems = lines
                .Select((line, i) => (Line: line, Next: i + 1 < lines.Length ? lines[i + 1].Trim() : ""))
                .Where(l => l.Line.StartsWith("warn:", StringComparison.Ordinal) || l.Line.StartsWith("fail:", StringComparison.Ordinal)
                    || l.Line.StartsWith("crit:", StringComparison.Ordinal) || l.Line.StartsWith("Unhandled exception", StringComparison.Ordinal))
                .TakeLast(6)
                .Select(l => l.Line + " " + l.Next);
            text.Append('\n').Append(name).Append(host.ExitCode is { } code ? $": exited with code {code}" : $": running (pid {host.Id})")
                .Append("; its last warnings and errors:\n  ").AppendJoin("\n  ", problems);
        }

        return text.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        // Every process is stopped even when one of them fails to (a kill that times out): a service left running
        // would outlive the test run.
        List<Exception> failures = [];
        foreach (var (name, host) in _processes)
        {
            var pid = host.Id;
            try
            {
                await host.DisposeAsync();
            }
            catch (Exception ex)
            {
                failures.Add(new InvalidOperationException($"{name} (pid {pid}) could not be stopped: {ex.Message}", ex));
            }

            await SaveLogAsync(name, host);
        }

        Http.Dispose();
        await _rabbitMq.DisposeAsync();
        await _postgres.DisposeAsync();
        if (failures.Count > 0)
        {
            throw new AggregateException("The stack did not stop cleanly.", failures);
        }
    }
}
